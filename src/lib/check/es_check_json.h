/* es_check_json — the line `check --json` prints for a screened name and
 * GET /v1/check serves, and the object of a comparison, as `compare --json`
 * prints it and POST /v1/compare serves it. */
#ifndef ES_CHECK_JSON_H
#define ES_CHECK_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "es_buf.h"
#include "es_check.h"
#include "es_links.h"
#include "es_match.h"
#include "es_rules.h"

/* What the check line is built from besides the name and its hits. */
typedef struct {
	const es_matcher *m;
	const es_rules *rules;
	const es_links *links; /* each match's "source_url" when non-NULL */
	bool explain;          /* each match's token alignment */
	/* Appends members to a match after the builder's, each as ,"key":value
	 * (the reviewer's disposition, kept by the records layer above this
	 * one); NULL for none. name is the query. */
	void (*hit_extra)(void *user, const char *name, const es_hit *h, es_buf *b);
	void *user;
} es_check_line;

/* Appends the line of name[0..len) (with its newline): "query", "warning"
 * when warning is non-empty, "matches" hits[0..n) (the contract's members,
 * then the evidence: addresses, dates, notice, licence, remarks, source_url,
 * with explain the alignment), "entities" g[0..ng) (es_check_group of those
 * hits). Written as jansson wrote the json_t it replaces, byte for byte: a
 * string member jansson's json_string refused (NULL, invalid UTF-8) is left
 * out. */
void es_check_line_json(es_buf *b, const es_check_line *c, const char *name, size_t len, const char *warning,
			const es_hit *hits, size_t n, const es_check_entity *g, size_t ng);

/* The comparison of names a and b: score, match (score >= threshold),
 * threshold and the token alignment al[0..n). */
json_t *es_compare_json(const char *a, const char *b, double score, double threshold, const es_align *al, size_t n);

#endif
