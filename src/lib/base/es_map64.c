/* es_map64 — see es_map64.h. */
#include "es_map64.h"

#include <stdlib.h>

#define MAP64_MIN_CAP 1024

static bool grow(es_map64 *m)
{
	size_t nc = m->cap ? m->cap * 2 : MAP64_MIN_CAP;
	uint64_t *nk = calloc(nc, sizeof *nk);
	uint32_t *nv = calloc(nc, sizeof *nv);
	if (!nk || !nv) {
		free(nk);
		free(nv);
		return false;
	}
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->k[i])
			continue;
		size_t j = (size_t)m->k[i] & (nc - 1);
		while (nk[j])
			j = (j + 1) & (nc - 1);
		nk[j] = m->k[i];
		nv[j] = m->v[i];
	}
	free(m->k);
	free(m->v);
	m->k = nk;
	m->v = nv;
	m->cap = nc;
	return true;
}

uint32_t *es_map64_slot(es_map64 *m, uint64_t key, bool *fresh)
{
	if ((m->n + 1) * 2 > m->cap && !grow(m))
		return NULL;
	size_t j = (size_t)key & (m->cap - 1);
	while (m->k[j] && m->k[j] != key)
		j = (j + 1) & (m->cap - 1);
	bool is_new = !m->k[j];
	if (fresh)
		*fresh = is_new;
	if (is_new) {
		m->k[j] = key;
		m->v[j] = 0;
		m->n++;
	}
	return &m->v[j];
}

uint32_t es_map64_get(const es_map64 *m, uint64_t key)
{
	if (!m->cap)
		return 0;
	size_t j = (size_t)key & (m->cap - 1);
	while (m->k[j]) {
		if (m->k[j] == key)
			return m->v[j];
		j = (j + 1) & (m->cap - 1);
	}
	return 0;
}

void es_map64_free(es_map64 *m)
{
	free(m->k);
	free(m->v);
	*m = (es_map64){0};
}
