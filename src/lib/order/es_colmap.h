/* es_colmap — a column map for CSV orders: the contract column (interface.md)
 * that each header of an ERP export stands for, read from a data file.
 *
 * File format (UTF-8 text, one mapping a line; blank lines and '#' comments
 * skipped): the header as the ERP writes it, a TAB, the contract column:
 *
 *     End User Name<TAB>end_user_name
 *     Sold-To Country<TAB>buyer_country
 *
 * Headers are compared trimmed and with ASCII letters in any case. A contract
 * column that does not exist, a header mapped twice, an empty side or a line
 * without a TAB fails with "file:line: reason". Several headers may name one
 * contract column (maps shared by several ERPs); a CSV header that holds two of
 * them is an error of that CSV, as a column named twice is.
 * The map is immutable after loading; the caller frees it. */
#ifndef ES_COLMAP_H
#define ES_COLMAP_H

#include <stddef.h>

#include "es_error.h"

typedef struct es_colmap es_colmap;

#define ES_COLMAP_MAX_BYTES (1u << 20)
#define ES_COLMAP_MAX_HEADER 255 /* bytes of one header */

es_code es_colmap_load(es_colmap **out, const char *path, es_err *err);
/* The same from text in memory (name is used in messages). */
es_code es_colmap_parse(es_colmap **out, const char *text, size_t len, const char *name, es_err *err);
void es_colmap_free(es_colmap *m);

size_t es_colmap_count(const es_colmap *m);

/* The contract column that header (len bytes, already trimmed) stands for, or
 * NULL when the map does not name it. The string is the map's. */
const char *es_colmap_lookup(const es_colmap *m, const char *header, size_t len);

#endif
