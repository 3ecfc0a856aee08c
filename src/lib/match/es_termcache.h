/* es_termcache — what the index's keys gave for a spelling, kept across the
 * queries of one scratch: the terms of a word's deletion variants (dozens
 * of key lookups, each a cache miss in the key table) are looked up once
 * for the words a stream repeats (legal forms, given names, company words:
 * 71% of the words of bench_match's names). A result is a list of term ids,
 * exactly as es_index_terms_many gave it, or a yes/no (stored as n = 0 or
 * 1, no ids). Forgets everything when it holds more than its budget.
 */
#ifndef ES_TERMCACHE_H
#define ES_TERMCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct es_termcache es_termcache;

/* A cache of at most max_ids ids in all (and max_ids / 16 results). */
es_termcache *es_termcache_new(size_t max_ids);
void es_termcache_free(es_termcache *c);

/* The result stored for (kind, s[0..len)): true with *ids (NULL for a
 * yes/no) and *n, false when none is. */
bool es_termcache_get(const es_termcache *c, char kind, const char *s, size_t len, const uint32_t **ids,
		      size_t *n);

/* Stores a copy of a result (ids NULL: a yes/no, n 0 or 1); out of memory,
 * nothing is stored. */
void es_termcache_put(es_termcache *c, char kind, const char *s, size_t len, const uint32_t *ids, size_t n);

#endif
