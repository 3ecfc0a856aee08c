/* es_check_json — the JSON of one match and of the grouped entities, as
 * `check --json` prints them and GET /v1/check serves them, and of a
 * comparison, as `compare --json` prints it and POST /v1/compare serves it. */
#ifndef ES_CHECK_JSON_H
#define ES_CHECK_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "es_check.h"
#include "es_links.h"
#include "es_match.h"
#include "es_rules.h"

/* One match: the contract's members, then the evidence (addresses, dates,
 * notice, licence, remarks, source_url from links when non-NULL), and with
 * explain the token alignment. */
json_t *es_check_hit_json(const es_matcher *m, const es_rules *rules, const es_links *links, const es_hit *h,
			  bool explain);

/* "entities": the matches hits[] grouped by es_check_group. */
json_t *es_check_entities_json(const es_matcher *m, const es_hit *hits, const es_check_entity *g, size_t ng);

/* The comparison of names a and b: score, match (score >= threshold),
 * threshold and the token alignment al[0..n). */
json_t *es_compare_json(const char *a, const char *b, double score, double threshold, const es_align *al, size_t n);

#endif
