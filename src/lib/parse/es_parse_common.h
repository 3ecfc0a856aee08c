/* es_parse_common — the frame every list parser puts around its format:
 * naming the file in messages, starting a parse (stats reset, input checked),
 * getting the main file's bytes within the size limit, and the fate of each
 * entry (reported and skipped, or validated and handed on).
 *
 * The parsers differ in the format, not in these rules, so the rules live
 * here once: an entry-level problem is one line through on_diag and a count
 * in stats->bad; only running out of memory turns an entry's problem into the
 * parse's error. Nothing here prints or exits. */
#ifndef ES_PARSE_COMMON_H
#define ES_PARSE_COMMON_H

#include <stddef.h>

#include "es_entity.h"
#include "es_error.h"
#include "es_parser.h"
#include "es_xml.h"

/* The last component of path, "(buffer)" for NULL. Points into path. */
const char *es_parse_basename(const char *path);

/* The name of in's main file in messages: display_name, else the basename of
 * path. Points into in's strings. */
const char *es_parse_name(const es_parse_input *in);

/* Starts a parse: *stats zeroed (declared_count -1), then in checked for a
 * country table and an entity callback (ES_EUSAGE naming fname if not). */
es_code es_parse_begin(const es_parse_input *in, es_parse_stats *stats, const char *fname, es_err *err);

/* The main file's bytes. When *buf is NULL, in->path is read (within
 * in->max_bytes, 0 = ES_PARSE_MAX_BYTES) into *owned, which the caller frees,
 * and *buf / *len point at it; otherwise *buf[0..*len) is used as it is and
 * must be within in->max_bytes when that is set (ES_ETOOBIG). */
/* Reads path (decompressing gzip, at most in->max_bytes) into *out and, when
 * sha256 is not NULL, checks the content against it (ES_ECORRUPT). */
es_code es_parse_read(const es_parse_input *in, const char *path, const char *sha256, char **out, size_t *len,
		      es_err *err);

es_code es_parse_load(const es_parse_input *in, const char *fname, const char **buf, size_t *len, char **owned,
		      es_err *err);

/* es_parse_load, then the UTF-8 check and a safe XML reader over the bytes
 * (the three steps every XML parser starts with). *x is NULL on failure. */
es_code es_parse_open_xml(const es_parse_input *in, const char *fname, const char **buf, size_t *len,
			  char **owned, es_xml **x, es_err *err);

/* Sets stats->data_date from an ISO date or date-time ("2026-02-27T00:00:09Z");
 * anything else (or NULL) leaves it as it is. */
void es_parse_set_iso_date(es_parse_stats *stats, const char *d);

/* A short, printable copy of outside text for a one-line message: at most
 * 40 bytes of s[0..len) (up to a NUL), control bytes as '?'. Returns out. */
const char *es_parse_show(const char *s, size_t len, char out[48]);

/* A one-line message through in->on_diag (nothing when it is NULL). */
void es_parse_note(const es_parse_input *in, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* An entry skipped: counted in stats->bad, then reported like es_parse_note. */
void es_parse_skip(const es_parse_input *in, es_parse_stats *stats, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Ends one entry; takes e (hands it on or frees it). rc is how building e
 * went, with the entry's message in e_err; when it is ES_OK, e is validated.
 * Out of memory is the parse's error (err set from e_err, ES_ENOMEM). Any
 * other problem is skipped as "<where>: <e_err message>", where is formatted
 * from fmt, and returns ES_OK. A good entry is counted in stats->entries and
 * handed to in->on_entity, whose code is returned. */
es_code es_parse_finish(const es_parse_input *in, es_parse_stats *stats, es_entity *e, es_code rc, es_err *e_err,
			es_err *err, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

#endif
