/* es_address — finding a party's street address among the listed addresses (see es_address.h). */
#include "es_address.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "es_buf.h"
#include "es_hash.h"

#define ADDR_KEY_TOKENS 3
#define ADDR_MIN_TOKENS 5 /* "Unit 3, 6/F" or "1 Main Road" alone name no tenant */
#define ADDR_MAX_QUERY 8008 /* address ", " city: two order fields of up to 4,000 bytes */

typedef struct {
	uint64_t key; /* hash of the first ADDR_KEY_TOKENS tokens */
	uint32_t entity;
	uint32_t addr;
} addr_ent;

struct es_address_index {
	const es_matcher *m;
	const es_folder *fold;
	es_vec ents; /* addr_ent, sorted */
};

const char *es_address_text(const es_rec_address *a)
{
	return a->full ? a->full : a->street;
}

/* The folded text " t1 t2 t3 " covering the first k tokens: its length (0 if fewer tokens). */
static size_t first_tokens(const char *folded, size_t k)
{
	size_t seen = 0;
	if (folded[0] != ' ')
		return 0;
	for (size_t i = 1; folded[i]; i++)
		if (folded[i] == ' ' && ++seen == k)
			return i + 1;
	return 0;
}

static bool has_digit(const char *s)
{
	for (; *s; s++)
		if (*s >= '0' && *s <= '9')
			return true;
	return false;
}

static int ent_cmp(const void *a, const void *b)
{
	const addr_ent *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	if (x->entity != y->entity)
		return x->entity < y->entity ? -1 : 1;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

es_code es_address_index_build(es_address_index **out, const es_matcher *m, const es_folder *fold,
			       es_address_keep_fn keep, void *arg, es_err *err)
{
	es_code rc = ES_OK;
	char folded[ES_FOLD_MAX];
	es_address_index *ix = calloc(1, sizeof *ix);
	*out = NULL;
	if (!ix)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	ix->m = m;
	ix->fold = fold;
	size_t n = es_matcher_count(m);
	for (size_t i = 0; i < n; i++) {
		es_rec r;
		es_matcher_entity(m, i, &r);
		if (!keep(arg, &r))
			continue;
		for (size_t j = 0; j < r.n_addresses; j++) {
			const char *t = es_address_text(&r.addresses[j]);
			if (!t)
				continue;
			es_fold_address(fold, t, folded, sizeof folded);
			size_t kl = first_tokens(folded, ADDR_KEY_TOKENS);
			if (!kl || !has_digit(folded))
				continue;
			addr_ent *e = es_vec_push(&ix->ents, sizeof *e);
			if (!e) {
				rc = es_err_set(err, ES_ENOMEM, "out of memory");
				goto done;
			}
			*e = (addr_ent){es_hash(folded, kl), (uint32_t)i, (uint32_t)j};
		}
	}
	if (ix->ents.n)
		qsort(ix->ents.data, ix->ents.n, sizeof(addr_ent), ent_cmp);
	*out = ix;
	ix = NULL;
done:
	es_address_index_free(ix);
	return rc;
}

void es_address_index_free(es_address_index *ix)
{
	if (!ix)
		return;
	es_vec_free(&ix->ents);
	free(ix);
}

size_t es_address_index_count(const es_address_index *ix)
{
	return ix ? ix->ents.n : 0;
}

/* The folded query: the street address, or "street, city" when the street alone
 * is too short to name a tenant. Returns false when there is nothing to match. */
static bool fold_query(const es_address_index *ix, const char *address, const char *city, char *q, size_t cap)
{
	es_fold_address(ix->fold, address, q, cap);
	if (!first_tokens(q, ADDR_MIN_TOKENS)) {
		if (!city || !*city)
			return false;
		char both[ADDR_MAX_QUERY];
		snprintf(both, sizeof both, "%s, %s", address, city);
		es_fold_address(ix->fold, both, q, cap);
		if (!first_tokens(q, ADDR_KEY_TOKENS))
			return false;
	}
	return has_digit(q);
}

void es_address_find(const es_address_index *ix, const char *address, const char *city, es_address_visit_fn visit,
		     void *arg)
{
	char q[ES_FOLD_MAX], listed[ES_FOLD_MAX];
	if (!ix || !address || !ix->ents.n || !fold_query(ix, address, city, q, sizeof q))
		return;
	size_t qlen = strlen(q);
	uint64_t key = es_hash(q, first_tokens(q, ADDR_KEY_TOKENS));
	const addr_ent *e = ix->ents.data;
	size_t lo = 0, hi = ix->ents.n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (e[mid].key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < ix->ents.n && e[i].key == key; i++) {
		es_rec r;
		es_matcher_entity(ix->m, e[i].entity, &r);
		es_fold_address(ix->fold, es_address_text(&r.addresses[e[i].addr]), listed, sizeof listed);
		if (strncmp(listed, q, qlen) != 0)
			continue;
		if (!visit(arg, e[i].entity, &r, e[i].addr))
			return;
	}
}
