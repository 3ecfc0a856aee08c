/* es_check — what `check` shows a reviewer: the hits of one name grouped into
 * the listed entities they are rows of.
 *
 * The lists repeat an entity: the CSL has one Entity List row per address of
 * one party, and copies OFAC's entries under their ent_num. Hits are one
 * entity when they have the same list, the same type and the same listed name
 * (ASCII-folded: case and punctuation aside), and their ids do not say
 * otherwise: two numeric (OFAC-style) ids must be equal, and two entries of
 * one non-CSL source are two entities (two persons who share a name).
 * Entities come most severe action first (es_rules_list_action), then by best
 * score, then in hit order. Pure: no I/O, nothing kept between calls. */
#ifndef ES_CHECK_H
#define ES_CHECK_H

#include <stddef.h>

#include "es_error.h"
#include "es_match.h"
#include "es_rules.h"

typedef struct {
	size_t first;          /* index into hits of its best row */
	const size_t *members; /* indexes into hits of its rows, best first */
	size_t n;              /* rows */
	double score;          /* best score of its rows */
	es_decision action;    /* most severe list action of its rows */
	size_t n_addresses;    /* distinct addresses over its rows */
} es_check_entity;

/* Groups hits[0..n) (best first, as es_matcher_query returns them) into
 * *out[0..*n_out). The array and its members belong to the caller: one
 * es_check_entities_free. */
es_code es_check_group(const es_matcher *m, const es_rules *rules, const es_hit *hits, size_t n,
		       es_check_entity **out, size_t *n_out, es_err *err);
void es_check_entities_free(es_check_entity *e);

/* The folded form grouping compares names by (ASCII letters and digits lower
 * case, every other ASCII run one space, other bytes kept) into out (cap > 0). */
void es_check_fold(const char *s, char *out, size_t cap);

#endif
