/* es_csv — an RFC 4180 row iterator over an in-memory buffer, built on libcsv.
 *
 * Quoted fields may hold separators, doubled quotes and newlines; each row is
 * handed to a callback with the line it starts on, so messages can name it.
 * Fields are bounded: a field over max_field bytes (or a row with more than
 * max_fields fields) is not truncated silently — the row arrives with
 * `oversize` set to the first offending field index and the caller reports
 * it. A file that ends inside a quoted field (a truncated download) is an
 * ES_EFORMAT error naming the line the unterminated row started on.
 *
 * es_csv_prepare() is the common front door for text lists: it skips a UTF-8
 * BOM, refuses an HTML page (what a portal serves instead of the file on
 * error) and refuses invalid UTF-8 with the line and byte that is wrong. */
#ifndef ES_CSV_H
#define ES_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "es_error.h"

typedef struct {
	char **f;          /* n NUL-terminated fields; owned by the iterator, valid during the callback */
	size_t *len;       /* byte length of each field */
	size_t n;          /* number of fields */
	long line;         /* 1-based line the row starts on */
	long oversize;     /* index of the first field over the limits, or -1 */
} es_csv_row;

/* Return ES_OK to go on; any other code stops the parse and is returned. */
typedef es_code (*es_csv_row_fn)(void *ctx, const es_csv_row *row, es_err *err);

typedef struct {
	const char *name;      /* file name for messages */
	size_t max_field;      /* bytes per field; 0 = 65536 */
	size_t max_fields;     /* fields per row; 0 = 256 */
	unsigned char delim;   /* 0 = ',' */
	long first_line;       /* line number of buf[0]; 0 = 1 */
} es_csv_opts;

es_code es_csv_parse(const char *buf, size_t len, const es_csv_opts *opts, es_csv_row_fn fn, void *ctx,
		     es_err *err);

/* Skips a UTF-8 BOM (advancing *buf, shrinking *len), refuses HTML and invalid
 * UTF-8 ("name:line: invalid UTF-8 byte 0x92 (not UTF-8; Windows-1252?)"). */
es_code es_csv_prepare(const char **buf, size_t *len, const char *name, es_err *err);

/* 1-based line number of offset off in buf. */
long es_csv_line_of(const char *buf, size_t off);

/* Maps a header row to columns: cols[k] is the index of the first (trimmed)
 * header field equal to names[k] (ignoring ASCII case when nocase), or -1. */
void es_csv_header_columns(const es_csv_row *r, const char *const *names, size_t n, bool nocase,
			   long *cols);

#endif
