/* es_error — error codes and the caller-owned error record.
 *
 * Every library function that can fail returns an es_code and, when given a
 * non-NULL es_err, fills it with one specific line of text such as
 * "sdn.csv:1234: entry 5678 has no name". Codes are never renumbered. */
#ifndef ES_ERROR_H
#define ES_ERROR_H

#include <stddef.h>

typedef enum {
	ES_OK = 0,
	ES_ENOMEM = 1,     /* out of memory */
	ES_EIO = 2,        /* cannot read or write a file */
	ES_EFORMAT = 3,    /* input is not in the expected format */
	ES_ETOOBIG = 4,    /* input exceeds a configured limit */
	ES_EENCODING = 5,  /* invalid UTF-8 or unsupported encoding */
	ES_EMISSING = 6,   /* a required field or file is missing */
	ES_EUSAGE = 7,     /* bad argument from the caller */
	ES_ECORRUPT = 8,   /* a compiled file (index, manifest) fails validation */
	ES_ENET = 9,       /* network / download failure */
	ES_EREJECTED = 10, /* a download failed validation */
	ES_ENOTIMPL = 11,  /* not implemented */
	ES_ELOCKED = 12,   /* another process holds the lock */
	ES_EINTERNAL = 13  /* programmer error caught at run time */
} es_code;

#define ES_ERR_MSG_MAX 512

typedef struct es_err {
	es_code code;
	char msg[ES_ERR_MSG_MAX];
} es_err;

/* Fixed text for a code; never NULL. */
const char *es_strerror(es_code code);

/* Sets err (if non-NULL) to code and a printf-formatted message; returns code. */
es_code es_err_set(es_err *err, es_code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Clears err to ES_OK / "" (no-op on NULL). */
void es_err_clear(es_err *err);

#endif
