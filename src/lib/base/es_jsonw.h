/* es_jsonw — JSON text written straight into an es_buf: string literals,
 * reals, integers, and (for the rare value still built with jansson) a
 * json_t. The one JSON escaper; what it writes for valid UTF-8 is byte for
 * byte what jansson 2.14 dumps, so an output can move from json_t to text
 * without changing (check --json, GET /v1/check, the filter's lines). */
#ifndef ES_JSONW_H
#define ES_JSONW_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "es_buf.h"

/* The string literal of s[0..n), escaped as jansson's dump_string escapes
 * valid UTF-8: \" \\ \b \f \n \r \t, other bytes below 0x20 as \u00XX
 * (uppercase hex); DEL, '/' and UTF-8 copied as they are. A byte that is not
 * part of valid UTF-8 becomes U+FFFD (one per byte), so any input can be
 * carried. Returns false when one did: a string jansson's json_string would
 * refuse. */
bool es_jsonw_str(es_buf *b, const char *s, size_t n);

/* The literal of C string s, or null when s is NULL. */
void es_jsonw_cstr(es_buf *b, const char *s);

/* A real as json_dumps writes it with JSON_REAL_PRECISION(6): "%.6g", ".0"
 * appended when that has neither '.' nor 'e', the exponent without '+' or
 * leading zeros (1.0, 0.9642, 1e-5, 1e20). v must be finite: jansson has no
 * real for NaN or infinity (null is written). */
void es_jsonw_real(es_buf *b, double v);

/* An integer, as jansson writes a json_integer. */
void es_jsonw_int(es_buf *b, long long v);

/* Any jansson value, compact, reals with precision 6 (json_dumpb with
 * JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(6)): the bridge for a
 * value another layer builds as a json_t. null when v is NULL. */
void es_jsonw_json(es_buf *b, const json_t *v);

#endif
