/* es_map64 — the one hash map of the in-memory tables: 64-bit keys (hashes
 * from es_hash, never 0) to 32-bit values, open addressing with linear
 * probing, grown by doubling to stay at most half full. Starts zeroed ({0}). */
#ifndef ES_MAP64_H
#define ES_MAP64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
	uint64_t *k;
	uint32_t *v;
	size_t cap, n;
} es_map64;

/* The value slot of key (a new key's holds 0; *fresh says it is new, fresh
 * may be NULL), or NULL when out of memory. */
uint32_t *es_map64_slot(es_map64 *m, uint64_t key, bool *fresh);

/* The value of key, 0 when absent. */
uint32_t es_map64_get(const es_map64 *m, uint64_t key);

void es_map64_free(es_map64 *m);

/* A hash as a key: 0 (no key) becomes 1. */
static inline uint64_t es_map64_key(uint64_t h)
{
	return h ? h : 1;
}

#endif
