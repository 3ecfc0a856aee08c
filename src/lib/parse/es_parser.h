/* es_parser — one small interface behind which every list format sits.
 *
 * A parser streams a list file (plain or gzip-compressed) and hands each
 * finished entity to on_entity, which takes ownership of it. Entry-level
 * problems (an entry without a name, an oversize field...) are reported
 * through on_diag with a one-line message naming the file, line or element
 * and the entry, and counted in es_parse_stats.bad; parsing goes on.
 * File-level problems (truncated file, wrong format, bad encoding) end the
 * parse with an error code and err set. No parser ever prints or exits. */
#ifndef ES_PARSER_H
#define ES_PARSER_H

#include <stddef.h>

#include "es_country.h"
#include "es_entity.h"
#include "es_error.h"

/* Return ES_OK to continue; any other code stops the parse with that code. */
typedef es_code (*es_entity_cb)(void *ctx, es_entity *e, es_err *err);
typedef void (*es_diag_cb)(void *ctx, const char *msg);

typedef struct {
	es_source source;        /* which source id entities get */
	const char *path;        /* main file */
	/* OFAC CSV quartet companions (NULL when absent): */
	const char *add_path, *alt_path, *comments_path;
	const char *display_name;/* name used in messages; default: basename of path */
	const es_countries *countries; /* for country names -> ISO codes; required */
	const char *lists_dir;   /* data files dir (lists/csl_sources.tsv...); NULL: parsers fall back */
	size_t max_bytes;        /* max (decompressed) bytes per file; 0 = ES_PARSE_MAX_BYTES */
	/* Expected SHA-256 (64 hex, of the decompressed content) of path,
	 * add_path, alt_path, comments_path, or NULL: a file that does not match
	 * is not parsed (ES_ECORRUPT, the only use of that code by a parser).
	 * Checked on the bytes read, so the file parsed is the file checked. */
	const char *sha256, *add_sha256, *alt_sha256, *comments_sha256;
	es_entity_cb on_entity;
	void *ctx;               /* passed to on_entity */
	es_diag_cb on_diag;      /* may be NULL */
	void *diag_ctx;          /* passed to on_diag */
} es_parse_input;

#define ES_PARSE_MAX_BYTES ((size_t)512 * 1024 * 1024)

typedef struct {
	size_t entries;          /* entities handed to on_entity */
	size_t bad;              /* entries reported through on_diag and skipped */
	char data_date[32];      /* date found inside the file (ISO YYYY-MM-DD), or "" */
	long declared_count;     /* count the file declares (OFAC Record_Count), or -1 */
} es_parse_stats;

typedef es_code (*es_parse_fn)(const es_parse_input *in, es_parse_stats *stats, es_err *err);

typedef struct {
	const char *format;      /* "ofac_csv", "ofac_xml", "csl_csv", "un_xml", "eu_xml", "uk_csv", "uk_xml" */
	const char *summary;
	es_parse_fn parse;
} es_parser;

/* The parser for a format name, or NULL. */
const es_parser *es_parser_find(const char *format);
/* All parsers, terminated by an entry with format == NULL. */
const es_parser *es_parsers(void);

/* Convenience: parse into an entity set. */
es_code es_parse_into(const es_parser *p, es_parse_input in, es_entityset *out,
		      es_parse_stats *stats, es_err *err);

/* Parser entry points (one module each). */
es_code es_parse_ofac_csv(const es_parse_input *in, es_parse_stats *stats, es_err *err);
es_code es_parse_ofac_xml(const es_parse_input *in, es_parse_stats *stats, es_err *err);
es_code es_parse_csl_csv(const es_parse_input *in, es_parse_stats *stats, es_err *err);
es_code es_parse_un_xml(const es_parse_input *in, es_parse_stats *stats, es_err *err);
es_code es_parse_eu_xml(const es_parse_input *in, es_parse_stats *stats, es_err *err);
es_code es_parse_uk_csv(const es_parse_input *in, es_parse_stats *stats, es_err *err);
es_code es_parse_uk_xml(const es_parse_input *in, es_parse_stats *stats, es_err *err);

/* The same parsers over a buffer already in memory (fuzz targets, tests);
 * in->path is used only to name the file in messages. */
es_code es_parse_csl_csv_buf(const es_parse_input *in, const char *buf, size_t len, es_parse_stats *stats,
			     es_err *err);
es_code es_parse_un_xml_buf(const es_parse_input *in, const char *buf, size_t len, es_parse_stats *stats,
			    es_err *err);
es_code es_parse_eu_xml_buf(const es_parse_input *in, const char *buf, size_t len, es_parse_stats *stats,
			    es_err *err);
es_code es_parse_uk_csv_buf(const es_parse_input *in, const char *buf, size_t len, es_parse_stats *stats,
			    es_err *err);
es_code es_parse_uk_xml_buf(const es_parse_input *in, const char *buf, size_t len, es_parse_stats *stats,
			    es_err *err);
es_code es_parse_ofac_xml_buf(const es_parse_input *in, const char *buf, size_t len, es_parse_stats *stats,
			      es_err *err);
/* The OFAC CSV quartet in memory: a companion whose buffer is NULL is absent. */
typedef struct {
	const char *buf;
	size_t len;
} es_parse_buf;

typedef struct {
	es_parse_buf main, add, alt, comments;
} es_ofac_csv_bufs;

es_code es_parse_ofac_csv_buf(const es_parse_input *in, const es_ofac_csv_bufs *b, es_parse_stats *stats,
			      es_err *err);

#endif
