#include "es_check.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK_KEY 160

void es_check_fold(const char *s, char *out, size_t cap)
{
	size_t n = 0;
	bool sp = false;
	for (; *s && n + 2 < cap; s++) {
		unsigned char c = (unsigned char)*s;
		bool word = c >= 0x80 || (c >= '0' && c <= '9') || ((c | 32) >= 'a' && (c | 32) <= 'z');
		if (!word) {
			sp = n > 0;
			continue;
		}
		if (sp)
			out[n++] = ' ';
		sp = false;
		out[n++] = (char)(c >= 'A' && c <= 'Z' ? c | 32 : c);
	}
	out[n] = '\0';
}

static bool numeric(const char *id)
{
	return *id && strspn(id, "0123456789") == strlen(id);
}

typedef struct {
	es_check_entity e;
	size_t *rows;
	char key[CHECK_KEY];
} building;

/* Whether h (folded name key) is another row of entity b. */
static bool same_entity(const es_matcher *m, const es_hit *hits, const building *b, const es_rec *h,
			const char *key)
{
	es_rec first;
	es_matcher_entity(m, hits[b->e.first].entity, &first);
	if (strcmp(key, b->key) != 0 || strcmp(first.list, h->list) != 0 || first.type != h->type)
		return false;
	for (size_t i = 0; i < b->e.n; i++) {
		es_rec o;
		es_matcher_entity(m, hits[b->rows[i]].entity, &o);
		bool same_id = strcmp(o.entry_id, h->entry_id) == 0;
		if (!same_id && numeric(o.entry_id) && numeric(h->entry_id))
			return false;
		if (!same_id && o.source == h->source && h->source != ES_SRC_US_CSL)
			return false;
	}
	return true;
}

static bool same_address(const es_rec_address *a, const es_rec_address *b)
{
#define SAME(f) ((a->f == NULL) == (b->f == NULL) && (!a->f || strcmp(a->f, b->f) == 0))
	return SAME(street) && SAME(city) && SAME(region) && SAME(postal_code) && SAME(full) &&
	       strcmp(a->country, b->country) == 0;
#undef SAME
}

static size_t count_addresses(const es_matcher *m, const es_hit *hits, const building *b)
{
	size_t total = 0;
	for (size_t i = 0; i < b->e.n; i++) {
		es_rec a;
		es_matcher_entity(m, hits[b->rows[i]].entity, &a);
		for (size_t k = 0; k < a.n_addresses; k++) {
			bool seen = false;
			for (size_t j = 0; j <= i && !seen; j++) {
				es_rec o;
				es_matcher_entity(m, hits[b->rows[j]].entity, &o);
				size_t upto = j == i ? k : o.n_addresses;
				for (size_t l = 0; l < upto && !seen; l++)
					seen = same_address(&a.addresses[k], &o.addresses[l]);
			}
			total += !seen;
		}
	}
	return total;
}

static int entity_cmp(const void *pa, const void *pb)
{
	const es_check_entity *a = pa, *b = pb;
	if (a->action != b->action)
		return a->action > b->action ? -1 : 1;
	if (a->score != b->score)
		return a->score > b->score ? -1 : 1;
	return a->first < b->first ? -1 : a->first > b->first;
}

es_code es_check_group(const es_matcher *m, const es_rules *rules, const es_hit *hits, size_t n,
		       es_check_entity **out, size_t *n_out, es_err *err)
{
	*out = NULL;
	*n_out = 0;
	size_t cap = n ? n : 1;
	building *b = calloc(cap, sizeof *b);
	/* the entities and, after them, every entity's rows: one block the caller frees */
	es_check_entity *res = malloc(cap * sizeof *res + cap * sizeof(size_t));
	size_t *rows = calloc(cap, sizeof *rows * cap);
	if (!b || !res || !rows) {
		free(b);
		free(res);
		free(rows);
		return es_err_set(err, ES_ENOMEM, "out of memory");
	}
	size_t nb = 0;
	for (size_t i = 0; i < n; i++) {
		es_rec h;
		es_matcher_entity(m, hits[i].entity, &h);
		char key[CHECK_KEY];
		es_check_fold(h.name, key, sizeof key);
		es_decision act = es_rules_list_action(rules, es_source_id(h.source), h.list);
		size_t k = 0;
		while (k < nb && !same_entity(m, hits, &b[k], &h, key))
			k++;
		if (k == nb) {
			b[nb].e.first = i;
			b[nb].e.score = hits[i].score;
			b[nb].e.action = act;
			b[nb].rows = rows + nb * cap;
			snprintf(b[nb].key, sizeof b[nb].key, "%s", key);
			nb++;
		}
		b[k].rows[b[k].e.n++] = i;
		if (act > b[k].e.action)
			b[k].e.action = act;
	}
	for (size_t k = 0; k < nb; k++)
		b[k].e.n_addresses = count_addresses(m, hits, &b[k]);
	/* pack the rows after the entities, in entity order */
	size_t *pool = (size_t *)(res + cap);
	for (size_t k = 0; k < nb; k++) {
		res[k] = b[k].e;
		memcpy(pool, b[k].rows, b[k].e.n * sizeof *pool);
		res[k].members = pool;
		pool += b[k].e.n;
	}
	free(b);
	free(rows);
	qsort(res, nb, sizeof *res, entity_cmp);
	*out = res;
	*n_out = nb;
	return ES_OK;
}

void es_check_entities_free(es_check_entity *e)
{
	free(e);
}
