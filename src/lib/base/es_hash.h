/* es_hash — the one string hash (64-bit FNV-1a) for the in-memory tables. */
#ifndef ES_HASH_H
#define ES_HASH_H

#include <stddef.h>
#include <stdint.h>

static inline uint64_t es_hash(const void *data, size_t n)
{
	const unsigned char *s = data;
	uint64_t h = 14695981039346656037ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/* Continues a hash over more bytes (start with es_hash of the first part). */
static inline uint64_t es_hash_more(uint64_t h, const void *data, size_t n)
{
	const unsigned char *s = data;
	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

#endif
