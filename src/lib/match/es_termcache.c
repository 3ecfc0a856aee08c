#include "es_termcache.h"

#include <stdlib.h>
#include <string.h>

#include "es_buf.h"
#include "es_hash.h"
#include "es_map64.h"

struct entry {
	uint32_t str, start, n; /* spelling at strs + str (kind first); ids[start..start+n) */
	uint16_t len;           /* 1 + the spelling's length */
};

struct es_termcache {
	es_map64 map; /* key hash -> entry index + 1 */
	struct entry *ent;
	size_t n_ent;
	es_buf strs;
	uint32_t *ids;
	size_t n_ids;
	size_t max_ids, max_ent; /* the budget: term ids and entries; past either, everything is forgotten */
};

es_termcache *es_termcache_new(size_t max_ids)
{
	es_termcache *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->max_ids = max_ids;
	c->max_ent = max_ids / 16 ? max_ids / 16 : 1;
	c->ent = malloc(c->max_ent * sizeof *c->ent);
	c->ids = malloc((max_ids ? max_ids : 1) * sizeof *c->ids);
	if (!c->ent || !c->ids) {
		es_termcache_free(c);
		return NULL;
	}
	return c;
}

void es_termcache_free(es_termcache *c)
{
	if (!c)
		return;
	es_map64_free(&c->map);
	es_buf_free(&c->strs);
	free(c->ent);
	free(c->ids);
	free(c);
}

static uint64_t key_of(char kind, const char *s, size_t len)
{
	return es_map64_key(es_hash_more(es_hash(&kind, 1), s, len));
}

static bool same(const es_termcache *c, const struct entry *e, char kind, const char *s, size_t len)
{
	const char *x = c->strs.s + e->str;
	return e->len == len + 1 && x[0] == kind && memcmp(x + 1, s, len) == 0;
}

bool es_termcache_get(const es_termcache *c, char kind, const char *s, size_t len, const uint32_t **ids,
		      size_t *n)
{
	uint64_t k = key_of(kind, s, len);
	uint32_t v = es_map64_get(&c->map, k);
	/* two spellings of one hash: the later one is not stored (put) */
	if (!v || !same(c, &c->ent[v - 1], kind, s, len))
		return false;
	const struct entry *e = &c->ent[v - 1];
	*ids = e->start == UINT32_MAX ? NULL : c->ids + e->start;
	*n = e->n;
	return true;
}

static void forget(es_termcache *c)
{
	es_map64_free(&c->map);
	es_buf_clear(&c->strs);
	c->n_ent = 0;
	c->n_ids = 0;
}

void es_termcache_put(es_termcache *c, char kind, const char *s, size_t len, const uint32_t *ids, size_t n)
{
	if (len + 1 > UINT16_MAX || (ids && n > c->max_ids))
		return;
	if (c->n_ent == c->max_ent || (ids && c->n_ids + n > c->max_ids))
		forget(c);
	uint64_t k = key_of(kind, s, len);
	bool fresh = false;
	uint32_t *slot = es_map64_slot(&c->map, k, &fresh);
	if (!slot || !fresh)
		return; /* out of memory, or that hash is taken */
	size_t at = c->strs.len;
	if (at + len + 1 > UINT32_MAX || !es_buf_reserve(&c->strs, len + 1))
		return; /* (the slot keeps value 0, which reads as absent) */
	es_buf_add(&c->strs, &kind, 1);
	es_buf_add(&c->strs, s, len);
	struct entry *e = &c->ent[c->n_ent];
	e->str = (uint32_t)at;
	e->len = (uint16_t)(len + 1);
	e->n = (uint32_t)n;
	e->start = UINT32_MAX;
	if (ids) {
		memcpy(c->ids + c->n_ids, ids, n * sizeof *ids);
		e->start = (uint32_t)c->n_ids;
		c->n_ids += n;
	}
	*slot = (uint32_t)++c->n_ent;
}
