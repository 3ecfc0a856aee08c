/* es_dl — a shared library loaded when first used (dlopen), so that a
 * command that never needs it starts without it and its dependencies:
 * libcurl (fetch) and libmicrohttpd (serve) and what they link are most of
 * the program's dynamic start-up, which check and filter do not need.
 */
#ifndef ES_DL_H
#define ES_DL_H

#include <stddef.h>

#include "es_error.h"

typedef struct es_dl {
	const char *what;          /* for messages: "libcurl" */
	const char *soname;        /* what dlopen is given: "libcurl.so.4" */
	const char *const *syms;   /* the functions used, NULL-terminated */
	void **fn;                 /* their addresses, one per name, once loaded */
	int state;                 /* 0 not tried, 1 loaded, 2 failed (why) */
	char why[256];
} es_dl;

/* Loads the library and every function of syms once per process (thread
 * safe); ES_EMISSING with what is missing when the library or a function
 * cannot be found. */
es_code es_dl_load(es_dl *d, es_err *err);

#endif
