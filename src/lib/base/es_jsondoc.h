/* es_jsondoc — one JSON text read into a small read-only tree, in memory that
 * the next text reuses.
 *
 * The order stream reads one document per line. jansson's reader (a byte at a
 * time through a stream, a hash table per object) was two thirds of what the
 * filter spent outside the matcher; yajl's event parser, a strict RFC 8259
 * grammar, fills this tree with a third of jansson's instructions (37 k
 * against 121 k for an order of three parties, jansson already given an
 * arena: scripts/bench/bench_filter).
 *
 * Which texts are accepted is still jansson's answer: a text is read exactly
 * when json_loadb(JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL |
 * JSON_DECODE_ANY) accepts it, and a rejected text gets jansson's message and
 * column; the one exception is a raw NUL byte, never JSON here ("invalid JSON
 * at column N: a NUL byte"), which jansson takes after a number at the top. Where yajl is laxer, the difference is checked here: duplicate
 * member names, \u0000, lone surrogate escapes, numbers beyond the double
 * range, \v and \f as white space, invalid UTF-8, nesting deeper than
 * ES_JSON_MAX_DEPTH; a text failing any of them (or yajl) is read again by
 * jansson, which says why. tests/fuzz/fuzz_jsondoc.c holds the two readers to
 * the same verdicts and values.
 *
 * Numbers are read as doubles (a 30-digit integer is fine, 1e400 is not). A
 * tree lives until the next read or the free of its document. */
#ifndef ES_JSONDOC_H
#define ES_JSONDOC_H

#include <stddef.h>

#include "es_error.h"

#define ES_JSON_MAX_DEPTH 2048 /* jansson's JSON_PARSER_MAX_DEPTH */

typedef enum {
	ES_JSON_NULL,
	ES_JSON_FALSE,
	ES_JSON_TRUE,
	ES_JSON_NUMBER,
	ES_JSON_STRING,
	ES_JSON_ARRAY,
	ES_JSON_OBJECT,
} es_json_type;

typedef struct es_jval es_jval;
struct es_jval {
	es_json_type type;
	size_t len;         /* a string's bytes; an array's or object's members */
	const char *str;    /* a string (NUL-terminated; never holds a NUL), else NULL */
	double num;         /* a number */
	const char *key;    /* the member name of a value in an object, else NULL */
	size_t key_len;
	const es_jval *first; /* an array's or object's first member */
	const es_jval *next;  /* the next member of the same array or object */
};

typedef struct es_jsondoc es_jsondoc;

/* NULL when out of memory. */
es_jsondoc *es_jsondoc_new(void);
void es_jsondoc_free(es_jsondoc *d);

/* Reads buf[0..len) (any JSON value at the top). NULL with err set when it is
 * not JSON ("invalid JSON at column N: <jansson's message>", ES_EFORMAT) or
 * memory ran out (ES_ENOMEM). The previous tree of d is gone. */
const es_jval *es_jsondoc_read(es_jsondoc *d, const char *buf, size_t len, es_err *err);

/* The member `key` of an object; NULL when obj is no object or has none. */
const es_jval *es_jval_get(const es_jval *obj, const char *key);

#endif
