/* es_match — the matcher: the index of a list set (es_index), the
 * normalization (es_normalize) and the scoring (es_score) behind one API.
 *
 * A query is normalized once; candidate names come from the index keys of
 * its distinctive words (canonical and written spelling, their deletion-1
 * variants and from 9 letters their deletion-2 variants, adjacent words
 * written together), which lead to terms and their postings. Per name the
 * walk accumulates the query weight that reached it and the listed weight it
 * reached; from those es_score_bound gives an upper bound of the score
 * (far_bound adds the pairs three edits apart, which keys do not reach). Names whose bound is below the threshold are not
 * scored, the others are scored best bound first until no bound can beat the
 * limit-th best hit; the best name per entity is kept. --exhaustive scores
 * every name, which tests use to show the index loses nothing. */
#include "es_match.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "es_arabic.h"
#include "es_cjk.h"
#include "es_index.h"
#include "es_io.h"
#include "es_normalize.h"
#include "es_score.h"

const double ES_MATCH_DEFAULT_THRESHOLD = 0.84;

#define WEAK_ALIAS_FACTOR 0.9
#define TYPE_MISMATCH_FACTOR 0.9
#define COUNTRY_MISMATCH_FACTOR 0.95

#define MAX_TERMS 512

/* The distinct terms one query word reaches. */
typedef struct {
	uint32_t id[MAX_TERMS];
	size_t n;
} termset;

/* Per-query work arrays, sized to the number of names; pooled so a shared
 * matcher needs no allocation per query and no globals. */
typedef struct {
	uint64_t mask;      /* listed token positions a query key reached */
	uint32_t stamp;     /* == epoch: the other fields are this query's */
	float acc;          /* query weight that reached the name */
	float m;            /* listed weight the query reached (an upper estimate) */
	uint32_t qmask;     /* query token positions (< 32) that reached the name */
	uint8_t last;       /* last query token counted in acc */
} name_acc;

typedef struct scratch {
	struct scratch *next;
	name_acc *na;       /* one per name: one cache line touched per posting */
	uint32_t *touched;
	uint32_t epoch;
	struct cand { float bound; uint32_t id; } *cand;
	termset ts;
	es_sim_cache sims;
	struct query_toks *qt; /* the query's tokens */
	struct scored *top;    /* the best entities so far, top_cap of them */
	size_t top_cap;
} scratch;

struct es_matcher {
	es_normalizer *nz;
	es_index *ix;
	pthread_mutex_t lock;
	scratch *pool;
	es_skel_map *skel;  /* listed Latin words by consonant skeleton: built on the first Arabic-script query */
	bool skel_failed;
};

char *es_match_index_path(const es_listset *ls)
{
	if (!ls)
		return NULL;
	if (!ls->bundled)
		return es_path_join(ls->set_dir, "index.bin");
	char rel[64];
	snprintf(rel, sizeof rel, "cache/bundled-%.16s.idx", ls->set_hash);
	return es_path_join(ls->data_dir, rel);
}

static es_code build_image(const es_listset *ls, const es_countries *countries, const es_normalizer *nz,
			   void **img, size_t *len, es_err *err)
{
	es_entityset set;
	es_entityset_init(&set);
	es_code rc = es_listset_parse_all(ls, countries, &set, NULL, NULL, err);
	if (rc == ES_OK)
		rc = es_index_build(&set, nz, ls->set_hash, img, len, NULL, err);
	es_entityset_clear(&set);
	return rc;
}

static es_code save_image(const char *path, const void *img, size_t len, es_err *err)
{
	es_code rc = ES_OK;
	char *dir = strdup(path);
	if (!dir)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		rc = es_mkdirs(dir, err);
	}
	free(dir);
	if (rc == ES_OK)
		rc = es_write_atomic(path, img, len, err);
	return rc;
}

es_code es_match_build_index(const es_listset *ls, const es_countries *countries, const char *lists_dir,
			     es_err *err)
{
	es_normalizer *nz = NULL;
	void *img = NULL;
	size_t len = 0;
	char *path = NULL;
	es_code rc = es_normalizer_open(&nz, lists_dir, err);
	if (rc != ES_OK)
		goto done;
	rc = build_image(ls, countries, nz, &img, &len, err);
	if (rc != ES_OK)
		goto done;
	path = es_match_index_path(ls);
	if (!path) {
		rc = es_err_set(err, ES_ENOMEM, "out of memory");
		goto done;
	}
	rc = save_image(path, img, len, err);
done:
	free(path);
	free(img);
	es_normalizer_free(nz);
	return rc;
}

es_code es_matcher_open(es_matcher **out, const es_listset *ls, const es_countries *countries,
			const char *lists_dir, es_err *err)
{
	es_code rc = ES_OK;
	char *path = NULL;
	*out = NULL;
	es_matcher *m = calloc(1, sizeof *m);
	if (!m)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	pthread_mutex_init(&m->lock, NULL);
	rc = es_normalizer_open(&m->nz, lists_dir, err);
	if (rc != ES_OK)
		goto fail;
	path = es_match_index_path(ls);
	if (!path) {
		rc = es_err_set(err, ES_ENOMEM, "out of memory");
		goto fail;
	}
	es_err lerr = {0};
	rc = es_index_load(&m->ix, path, ls->set_hash, es_normalizer_hash(m->nz), &lerr);
	if (rc != ES_OK) {
		/* missing, stale, damaged or unreadable: the index is derived data,
		 * rebuild it from the lists (never use the bad file) */
		void *img = NULL;
		size_t len = 0;
		rc = build_image(ls, countries, m->nz, &img, &len, err);
		if (rc != ES_OK)
			goto fail;
		es_err serr = {0};
		(void)save_image(path, img, len, &serr); /* not writable: use it from memory */
		rc = es_index_attach(&m->ix, img, len, false, ls->set_hash, es_normalizer_hash(m->nz), err);
		if (rc != ES_OK)
			goto fail;
	}
	free(path);
	*out = m;
	return ES_OK;
fail:
	free(path);
	es_matcher_free(m);
	return rc;
}

es_code es_matcher_from_entities(es_matcher **out, const es_entityset *ents, const char *lists_dir, es_err *err)
{
	es_code rc = ES_OK;
	void *img = NULL;
	size_t len = 0;
	*out = NULL;
	es_matcher *m = calloc(1, sizeof *m);
	if (!m)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	pthread_mutex_init(&m->lock, NULL);
	rc = es_normalizer_open(&m->nz, lists_dir, err);
	if (rc == ES_OK)
		rc = es_index_build(ents, m->nz, "in-memory", &img, &len, NULL, err);
	if (rc == ES_OK)
		rc = es_index_attach(&m->ix, img, len, false, "in-memory", es_normalizer_hash(m->nz), err);
	if (rc != ES_OK) {
		es_matcher_free(m);
		return rc;
	}
	*out = m;
	return ES_OK;
}

void es_matcher_free(es_matcher *m)
{
	if (!m)
		return;
	while (m->pool) {
		scratch *s = m->pool;
		m->pool = s->next;
		free(s->na);
		free(s->touched);
		free(s->cand);
		free(s->qt);
		free(s->top);
		free(s);
	}
	es_skel_map_free(m->skel);
	es_index_free(m->ix);
	es_normalizer_free(m->nz);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

size_t es_matcher_count(const es_matcher *m)
{
	return m ? es_index_n_entities(m->ix) : 0;
}

size_t es_matcher_name_count(const es_matcher *m)
{
	return m ? es_index_n_names(m->ix) : 0;
}

const es_normalizer *es_matcher_normalizer(const es_matcher *m)
{
	return m->nz;
}

static const char *nul_or(const es_index *ix, uint32_t off)
{
	return off ? es_index_str(ix, off) : NULL;
}

void es_matcher_entity(const es_matcher *m, size_t i, es_rec *r)
{
	memset(r, 0, sizeof *r);
	if (!m || i >= es_index_n_entities(m->ix))
		return;
	const es_index *ix = m->ix;
	const es_ix_entity *e = es_index_entity(ix, i);
	r->source = (es_source)e->source;
	r->entry_id = es_index_str(ix, e->entry_id);
	r->list = es_index_str(ix, e->list);
	r->type = (es_type)e->type;
	r->name = es_index_str(ix, e->name);
	r->programs = e->n_prog ? es_index_progs(ix, e->prog_start) : NULL;
	r->n_programs = e->n_prog;
	r->countries = e->n_ctry ? es_index_ctrys(ix, e->ctry_start) : NULL;
	r->n_countries = e->n_ctry;
	r->addresses = e->n_addr ? es_index_addrs(ix, e->addr_start) : NULL;
	r->n_addresses = e->n_addr;
	r->license_requirement = nul_or(ix, e->lic_req);
	r->license_policy = nul_or(ix, e->lic_pol);
	r->federal_register_notice = nul_or(ix, e->frn);
	r->start_date = nul_or(ix, e->start_date);
	r->end_date = nul_or(ix, e->end_date);
	r->address_only = e->address_only;
}

/* ---- queries ---- */

typedef struct query_toks {
	es_ntoks nt;
	es_stok st[ES_NAME_TOKENS];
	size_t n;
} query_toks;

static void to_stoks(const es_ntoks *nt, es_stok *st)
{
	for (size_t i = 0; i < nt->n; i++) {
		const es_tok *t = &nt->tok[i];
		st[i].canon = t->canon;
		st[i].text = t->text;
		st[i].canon_len = t->canon_len;
		st[i].text_len = t->text_len;
		st[i].kind = t->kind;
		st[i].flags = t->flags;
		st[i].w = 1.0f;
		st[i].id = 0;
	}
}

/* Whether listed names use a word (its canonical form): its document
 * frequency in the index. */
static bool listed_word(void *ctx, const char *canon, size_t len)
{
	uint32_t n = 0, df = 0;
	(void)es_index_terms((const es_index *)ctx, es_index_key('c', canon, len), &n, &df);
	return df > 0;
}

/* Normalizes and weighs a name as a query (idf from the index when given;
 * with the index, a typo in a legal-form word that no listed name uses is
 * read as that word: es_normalize_query). */
static es_code prepare(const es_normalizer *nz, const es_index *ix, const char *name, query_toks *q, es_err *err)
{
	es_code rc = es_normalize_query(nz, name, strlen(name), &q->nt, ix ? listed_word : NULL, (void *)ix, err);
	if (rc != ES_OK)
		return rc;
	q->n = q->nt.n;
	to_stoks(&q->nt, q->st);
	double idf[ES_NAME_TOKENS];
	for (size_t i = 0; i < q->n; i++) {
		if (ix) {
			uint32_t len = 0, df = 0;
			(void)es_index_terms(ix, es_index_key('c', q->st[i].canon, q->st[i].canon_len), &len, &df);
			idf[i] = es_index_idf(ix, df);
		} else {
			idf[i] = 1.0;
		}
	}
	es_score_weigh(q->st, q->n, idf);
	return ES_OK;
}

static scratch *scratch_get(es_matcher *m)
{
	pthread_mutex_lock(&m->lock);
	scratch *s = m->pool;
	if (s)
		m->pool = s->next;
	pthread_mutex_unlock(&m->lock);
	if (s)
		return s;
	size_t n = es_index_n_names(m->ix);
	s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->na = calloc(n ? n : 1, sizeof *s->na);
	s->touched = calloc(n ? n : 1, sizeof *s->touched);
	s->cand = calloc(n ? n : 1, sizeof *s->cand);
	s->qt = malloc(sizeof *s->qt);
	if (!s->na || !s->touched || !s->cand || !s->qt) {
		free(s->na);
		free(s->touched);
		free(s->cand);
		free(s->qt);
		free(s);
		return NULL;
	}
	return s;
}

static void scratch_put(es_matcher *m, scratch *s)
{
	pthread_mutex_lock(&m->lock);
	s->next = m->pool;
	m->pool = s;
	pthread_mutex_unlock(&m->lock);
}

#define POS_PAIR 0x80
static void add_term_ids(termset *ts, const uint32_t *t, size_t len)
{
	for (size_t k = 0; k < len; k++) {
		bool seen = false;
		for (size_t j = 0; j < ts->n && !seen; j++)
			seen = ts->id[j] == t[k];
		if (!seen && ts->n < MAX_TERMS)
			ts->id[ts->n++] = t[k];
	}
}

/* A spelling and (with deletions) its deletion-1 variants, in the key space
 * where the index put listed spellings and their deletions (symspell). */
static void add_word(const es_index *ix, termset *ts, const char *c, size_t cl, bool deletions, size_t del2_min)
{
	uint64_t keys[ES_TOK_LEN * 2 + 1];
	size_t nk;
	if (deletions)
		nk = es_index_key_dels('k', c, cl, keys);
	else {
		keys[0] = es_index_key('k', c, cl);
		nk = 1;
	}
	uint32_t t[MAX_TERMS];
	size_t n = es_index_terms_many(ix, keys, nk, t, MAX_TERMS);
	add_term_ids(ts, t, n);
	/* two edits (the scorer allows them when the longer word has >= 9
	 * letters): listed words of >= 9 letters have their deletion-2
	 * variants among the keys, which the spelling and deletion-1 variants
	 * above meet; when this word is the longer one, its own deletion-2
	 * variants meet a listed spelling or its deletion-1 variants */
	if (deletions && cl >= del2_min) {
		uint64_t k2[ES_INDEX_MAX_DEL2];
		size_t n2 = es_index_key_dels2('k', c, cl, k2);
		uint32_t t2[MAX_TERMS];
		n = es_index_terms_many(ix, k2, n2, t2, MAX_TERMS);
		add_term_ids(ts, t2, n);
	}
}

/* Two query words written as one listed word (with one edit). */
static void add_pair(const es_index *ix, termset *ts, const es_stok *a, const es_stok *b)
{
	char cc[ES_TOK_LEN * 2];
	size_t l = (size_t)a->canon_len + b->canon_len;
	if (l >= ES_TOK_LEN)
		return;
	memcpy(cc, a->canon, a->canon_len);
	memcpy(cc + a->canon_len, b->canon, b->canon_len);
	/* the scorer takes a compound within one edit: no deletion-2 lookups */
	add_word(ix, ts, cc, l, true, SIZE_MAX);
}

/* Walks the postings of a query word's terms, once per term. */
static void hit_terms(const es_index *ix, scratch *s, size_t *nt, const termset *ts, uint8_t tok, float w)
{
	for (size_t t = 0; t < ts->n; t++) {
		uint32_t len = 0;
		const es_ix_post *p = es_index_term_postings(ix, ts->id[t], &len);
		for (uint32_t k = 0; k < len; k++) {
			if (k + 8 < len)
				__builtin_prefetch(&s->na[p[k + 8].np >> 8]);
			uint32_t id = p[k].np >> 8, pos = p[k].np & 0xff;
			name_acc *a = &s->na[id];
			if (a->stamp != s->epoch) {
				a->stamp = s->epoch;
				a->acc = 0;
				a->m = 0;
				a->last = 255;
				a->mask = 0;
				a->qmask = 0;
				s->touched[(*nt)++] = id;
			}
			if (a->last != tok) {
				a->last = tok;
				a->acc += w;
				if (tok < 32)
					a->qmask |= 1u << tok;
			}
			/* listed weight reached, each position once (a pair, or a
			 * position past 64, may count twice: the bound only loosens) */
			uint32_t p0 = pos & ~(uint32_t)POS_PAIR;
			uint64_t bits = p0 < 64 ? 1ull << p0 : 0;
			if ((pos & POS_PAIR) && p0 + 1 < 64)
				bits |= 1ull << (p0 + 1);
			if (!bits || (a->mask & bits) != bits) {
				a->m += p[k].w;
				a->mask |= bits;
			}
		}
	}
}

static bool near_spelling(const es_index *ix, const char *c, size_t cl)
{
	uint64_t keys[ES_TOK_LEN + 1];
	size_t nk = es_index_key_dels('g', c, cl, keys);
	return es_index_has_any_key(ix, keys, nk);
}

/* Whether a query word is one edit from a listed word without keys. */
static bool near_unkeyed(const es_index *ix, const es_stok *t)
{
	if (t->kind == ES_TK_NUM)
		return false;
	return near_spelling(ix, t->canon, t->canon_len) ||
	       ((t->text_len != t->canon_len || memcmp(t->text, t->canon, t->canon_len) != 0) &&
		near_spelling(ix, t->text, t->text_len));
}

static bool key_token(const es_stok *t, bool any_distinctive)
{
	if (t->kind == ES_TK_INITIAL)
		return false;
	if (any_distinctive)
		return t->kind == ES_TK_WORD || t->kind == ES_TK_NUM;
	return true;
}

static bool is_person(const es_ix_entity *e);

/* What the keys cannot reach. Deletion-1 keys, and deletion-2 keys of words
 * of >= 9 letters (es_index.c, add_word), reach every pair of words within
 * two edits that the scorer's str_sim accepts, and the pair keys every
 * compound (within one edit, es_score.c); three edits, which str_sim allows
 * from 13 letters (so both words have >= 10), are not reached. */
static bool far_pair(size_t a, size_t b)
{
	size_t L = a > b ? a : b, d = a > b ? a - b : b - a;
	return a >= 10 && b >= 10 && L >= 13 && d <= 3;
}

static bool far_tokens(const es_stok *q, const es_stok *l)
{
	return far_pair(q->canon_len, l->canon_len) || far_pair(q->text_len, l->text_len);
}

static bool listed_keyed(const es_stok *t, size_t j, bool any)
{
	return t->kind != ES_TK_INITIAL && (!any || t->kind == ES_TK_WORD || t->kind == ES_TK_NUM) && j < POS_PAIR;
}

/* The score bound of a name with the pairs the keys cannot reach put back:
 * a listed word no key reached, and a query word that reached no word of
 * the name, may still align three edits apart. Every such pair the scorer
 * would align counts as aligned, so the bound stays an upper bound of
 * es_score_names. */
static double far_bound(const es_index *ix, es_sim_cache *sims, const es_ix_name *nm, const name_acc *a,
			const query_toks *q, const float *qw, double W, double M, double miss, bool person,
			double threshold)
{
	es_stok lt[ES_NAME_TOKENS];
	size_t nl = es_index_name_toks(ix, nm, lt);
	size_t nq = q->n;
	bool any = false;
	for (size_t j = 0; j < nl; j++)
		if (lt[j].kind == ES_TK_WORD || lt[j].kind == ES_TK_NUM)
			any = true;
	bool lneed[ES_NAME_TOKENS], qneed[ES_NAME_TOKENS];
	for (size_t j = 0; j < nl; j++)
		lneed[j] = listed_keyed(&lt[j], j, any) && !(j < 64 && (a->mask >> j & 1));
	for (size_t i = 0; i < nq; i++)
		qneed[i] = qw[i] > 0 && !(i < 32 && (a->qmask >> i & 1));
	/* twice over the pairs: first with the lengths alone (which pairs may
	 * be far), and only when those could lift the bound over the threshold,
	 * with the similarities */
	double bound = 0;
	for (int pass = 0; pass < 2; pass++) {
		bool lpart[ES_NAME_TOKENS] = {false}, qpart[ES_NAME_TOKENS] = {false};
		for (size_t i = 0; i < nq; i++) {
			const es_stok *t = &q->st[i];
			if (t->kind == ES_TK_INITIAL || t->kind == ES_TK_NUM || (t->canon_len < 10 && t->text_len < 10))
				continue;
			for (size_t j = 0; j < nl; j++)
				if ((lneed[j] || qneed[i]) && lt[j].kind != ES_TK_INITIAL && lt[j].kind != ES_TK_NUM &&
				    far_tokens(t, &lt[j]) && (!pass || es_token_sim_cached(sims, i, t, &lt[j]) > 0))
					lpart[j] = qpart[i] = true;
		}
		double addm = 0, subq = 0;
		for (size_t j = 0; j < nl; j++)
			if (lpart[j] && lneed[j])
				addm += lt[j].w;
		for (size_t i = 0; i < nq; i++)
			if (qpart[i] && qneed[i])
				subq += qw[i];
		bound = es_score_bound(W, (M + addm) * 1.0001 + 1e-6, miss - subq, person);
		if (bound < threshold - 1e-9 || (addm == 0 && subq == 0))
			break;
	}
	return bound;
}

/* Collects the names worth scoring into s->cand with their score bound. */
static size_t candidates(const es_index *ix, scratch *s, const query_toks *q, double threshold, size_t *reached)
{
	size_t nt = 0;
	if (++s->epoch == 0) {
		for (size_t i = 0; i < es_index_n_names(ix); i++)
			s->na[i].stamp = 0;
		s->epoch = 1;
	}
	bool any = false;
	for (size_t i = 0; i < q->n; i++)
		if (q->st[i].kind == ES_TK_WORD || q->st[i].kind == ES_TK_NUM)
			any = true;
	double wq = 0;
	float qw[ES_NAME_TOKENS] = {0};  /* each query word's weight in wq */
	double wfar = 0;                 /* the part of wq that may be three edits from a listed word */
	uint32_t farmask = 0;            /* those query words (positions < 32; later ones count always) */
	size_t qmaxw = 0;                /* longest query word (any spelling) */
	termset *ts = &s->ts;
	for (size_t i = 0; i < q->n && i < 255; i++) {
		const es_stok *t = &q->st[i];
		const es_stok *prev = i > 0 ? &q->st[i - 1] : NULL, *next = i + 1 < q->n ? &q->st[i + 1] : NULL;
		bool keyed = key_token(t, any);
		ts->n = 0;
		if (keyed) {
			add_word(ix, ts, t->canon, t->canon_len, t->kind != ES_TK_NUM, ES_INDEX_DEL2_MIN);
			/* the scorer also compares the spelling as written */
			if (t->text_len != t->canon_len || memcmp(t->text, t->canon, t->canon_len) != 0)
				add_word(ix, ts, t->text, t->text_len, t->kind != ES_TK_NUM, ES_INDEX_DEL2_MIN);
		}
		/* two query words written as one listed word: both reach it */
		if (t->kind == ES_TK_WORD && next && next->kind == ES_TK_WORD)
			add_pair(ix, ts, t, next);
		if (t->kind == ES_TK_WORD && prev && (prev->kind == ES_TK_WORD || (any && prev->kind == ES_TK_STOP)))
			add_pair(ix, ts, prev, t);
		if (!keyed && t->kind != ES_TK_INITIAL && t->kind != ES_TK_WORD) {
			/* a legal form or generic word reaches the listed names where
			 * such words do have keys (names made only of them): their
			 * weight then counts as reachable in the bound */
			add_word(ix, ts, t->canon, t->canon_len, true, ES_INDEX_DEL2_MIN);
			if (t->text_len != t->canon_len || memcmp(t->text, t->canon, t->canon_len) != 0)
				add_word(ix, ts, t->text, t->text_len, true, ES_INDEX_DEL2_MIN);
		}
		if (!keyed && t->kind == ES_TK_INITIAL)
			continue;
		/* a word that may align with a listed legal form or generic word
		 * (which have no keys) cannot be counted as surely missed */
		float w = keyed && !near_unkeyed(ix, t) ? t->w : 0.0f;
		wq += w;
		qw[i] = w;
		bool far = t->kind != ES_TK_NUM && (t->canon_len >= 10 || t->text_len >= 10);
		if (far) {
			if (t->canon_len > qmaxw)
				qmaxw = t->canon_len;
			if (t->text_len > qmaxw)
				qmaxw = t->text_len;
		}
		if (far && w > 0) {
			wfar += w;
			if (i < 32)
				farmask |= 1u << i;
		}
		hit_terms(ix, s, &nt, ts, (uint8_t)i, w);
	}
	/* A query word that shares no key with a name cannot align with any of
	 * its words, and a listed word no query key reached cannot align with
	 * the query: with those weights the score is bounded (es_score_bound)
	 * and names that cannot reach the threshold are not scored. Words
	 * without keys (initials, legal forms) count as if they aligned. */
	size_t o = 0;
	*reached = nt;
	for (size_t k = 0; k < nt; k++) {
		uint32_t id = s->touched[k];
		if (k + 8 < nt)
			__builtin_prefetch(es_index_name(ix, s->touched[k + 8]));
		if (k + 4 < nt && qmaxw >= 10) {
			const es_ix_name *n4 = es_index_name(ix, s->touched[k + 4]);
			if (n4->maxlen >= 10 && (n4->maxlen >= 13 || qmaxw >= 13))
				es_index_prefetch_toks(ix, n4);
		}
		const es_ix_name *nm = es_index_name(ix, id);
		const name_acc *a = &s->na[id];
		bool person = nm->person;
		double W = nm->wsum, miss = wq - a->acc;
		/* query words that reached no word of this name but may still
		 * align with one three edits away (only when the lengths allow) */
		bool far = nm->maxlen >= 10 && qmaxw >= 10 && (nm->maxlen >= 13 || qmaxw >= 13);
		double far_unreached = far ? wfar : 0;
		if (far)
			for (uint32_t bits = farmask & a->qmask; bits; bits &= bits - 1)
				far_unreached -= qw[__builtin_ctz(bits)];
		/* first the bound from the query side alone (cheap), then with the
		 * listed words the keys reached */
		if (es_score_bound(W, W, miss - far_unreached, person) < threshold - 1e-9)
			continue;
		double M = nm->wfree + a->m;
		double bound = es_score_bound(W, M * 1.0001 + 1e-6, miss, person);
		/* then with the pairs the keys cannot reach */
		if (bound < threshold - 1e-9 && far)
			bound = far_bound(ix, &s->sims, nm, a, q, qw, W, M, miss, person, threshold);
		if (bound >= threshold - 1e-9)
			s->cand[o++] = (struct cand){(float)bound, id};
	}
	return o;
}

static int cand_cmp(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	if (x->bound != y->bound)
		return x->bound > y->bound ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

typedef struct scored {
	uint32_t name, entity;
	double score;
	bool weak;
} scored;

static int scored_cmp(const void *a, const void *b)
{
	const scored *x = a, *y = b;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	if (x->entity != y->entity)
		return x->entity < y->entity ? -1 : 1;
	return x->name < y->name ? -1 : x->name > y->name;
}

static bool is_person(const es_ix_entity *e)
{
	return e->type == ES_TYPE_PERSON || (e->type == ES_TYPE_UNKNOWN && e->person_like);
}

static double qualify(const es_matcher *m, const es_ix_entity *e, const es_ix_name *nm, const es_query *q,
		      double s)
{
	if (nm->strength == ES_WEAK)
		s *= WEAK_ALIAS_FACTOR;
	if (q && q->type != ES_TYPE_UNKNOWN && e->type != ES_TYPE_UNKNOWN && e->type != (uint8_t)q->type)
		s *= TYPE_MISMATCH_FACTOR;
	if (q && q->country && q->country[0] && e->n_ctry) {
		bool found = false;
		const char(*cc)[3] = es_index_ctrys(m->ix, e->ctry_start);
		for (size_t k = 0; k < e->n_ctry; k++)
			if (strncmp(cc[k], q->country, 2) == 0)
				found = true;
		if (!found)
			s *= COUNTRY_MISMATCH_FACTOR;
	}
	return s;
}

static es_code query_one(const es_matcher *mc, const char *name, const es_query *q, es_hit *hits, size_t max,
			 size_t *n, es_err *err)
{
	es_code rc = ES_OK;
	es_matcher *m = (es_matcher *)mc; /* the scratch pool is the only mutable part */
	*n = 0;
	if (!m || !name)
		return es_err_set(err, ES_EUSAGE, "no matcher or no name");
	double threshold = q ? q->threshold : ES_MATCH_DEFAULT_THRESHOLD;
	size_t limit = q && q->limit ? q->limit : 10;
	if (limit > max)
		limit = max;
	scratch *s = scratch_get(m);
	if (!s)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	query_toks *qt = s->qt;
	rc = prepare(m->nz, m->ix, name, qt, err);
	if (rc != ES_OK || qt->n == 0 || limit == 0)
		goto done;
	size_t ncand;
	bool exhaustive = q && q->exhaustive;
	if (++s->sims.epoch == 0) {
		memset(s->sims.stamp, 0, sizeof s->sims.stamp);
		s->sims.epoch = 1;
	}
	size_t reached = 0, nscored = 0;
	if (!exhaustive) {
		ncand = candidates(m->ix, s, qt, threshold, &reached);
		qsort(s->cand, ncand, sizeof *s->cand, cand_cmp);
	} else {
		ncand = reached = es_index_n_names(m->ix);
	}
	/* the best `limit` entities so far, best first (only top[0..ntop) is read) */
	if (s->top_cap < limit) {
		scored *nt = realloc(s->top, limit * sizeof *nt);
		if (!nt) {
			rc = es_err_set(err, ES_ENOMEM, "out of memory");
			goto done;
		}
		s->top = nt;
		s->top_cap = limit;
	}
	scored *top = s->top;
	size_t ntop = 0;
	es_stok lt[ES_NAME_TOKENS];
	/* names both written in one CJK script are compared by their characters too */
	size_t name_len = strlen(name);
	bool cjk = es_cjk_present(name, name_len);
	for (size_t k = 0; k < ncand; k++) {
		uint32_t id = exhaustive ? (uint32_t)k : s->cand[k].id;
		/* candidates come best bound first: stop once none can enter */
		if (!exhaustive && ntop == limit && s->cand[k].bound < top[ntop - 1].score)
			break;
		const es_ix_name *nm = es_index_name(m->ix, id);
		const es_ix_entity *e = es_index_entity(m->ix, nm->entity);
		size_t nl = es_index_name_toks(m->ix, nm, lt);
		double sc = es_score_names_cached(qt->st, qt->n, lt, nl, is_person(e), &s->sims, NULL, 0, NULL);
		nscored++;
		if (cjk) {
			const char *ln = es_index_str(m->ix, nm->display);
			double cs = es_cjk_char_sim(name, name_len, ln, strlen(ln));
			if (cs < sc)
				sc = cs;
		}
		sc = qualify(m, e, nm, q, sc);
		if (sc < threshold || sc <= 0)
			continue;
		scored cur = {id, nm->entity, sc, nm->strength == ES_WEAK};
		/* one hit per entity: its best name */
		size_t at = ntop;
		for (size_t j = 0; j < ntop; j++)
			if (top[j].entity == cur.entity)
				at = j;
		if (at < ntop) {
			if (scored_cmp(&cur, &top[at]) >= 0)
				continue;
			memmove(top + at, top + at + 1, (ntop - at - 1) * sizeof *top);
			ntop--;
		} else if (ntop == limit) {
			if (scored_cmp(&cur, &top[ntop - 1]) >= 0)
				continue;
			ntop--;
		}
		size_t p = ntop;
		while (p > 0 && scored_cmp(&cur, &top[p - 1]) < 0) {
			top[p] = top[p - 1];
			p--;
		}
		top[p] = cur;
		ntop++;
	}
	if (q && q->stats) {
		q->stats->candidates = reached;
		q->stats->bounded = ncand;
		q->stats->scored = nscored;
	}
	for (size_t k = 0; k < ntop; k++) {
		es_hit *h = &hits[(*n)++];
		memset(h, 0, sizeof *h);
		const es_ix_name *nm = es_index_name(m->ix, top[k].name);
		const es_ix_entity *e = es_index_entity(m->ix, nm->entity);
		h->entity = top[k].entity;
		h->score = top[k].score;
		h->matched_name = es_index_str(m->ix, nm->display);
		h->weak_alias = top[k].weak;
		size_t nl = es_index_name_toks(m->ix, nm, lt);
		es_score_names(qt->st, qt->n, lt, nl, is_person(e), h->align, sizeof h->align / sizeof h->align[0],
			       &h->n_align);
	}
done:
	scratch_put(m, s);
	return rc;
}

static int hit_cmp(const void *a, const void *b)
{
	const es_hit *x = a, *y = b;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return x->entity < y->entity ? -1 : x->entity > y->entity;
}

/* Other readings of a name that are screened as well as the name itself:
 * the Latin look-alike reading of words written in Cyrillic or Greek letters
 * that look Latin ("РАУРАL" is also "paypal"). Returns how many (<= max). */
#define READINGS_MAX 8
#define ARABIC_READINGS 3

static bool has_arabic_letter(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0xD8 && (unsigned char)*s <= 0xDB)
			return true;
	return false;
}

static const es_skel_map *skel_map(const es_matcher *mc)
{
	es_matcher *m = (es_matcher *)mc; /* the lazily built map is the only change */
	pthread_mutex_lock(&m->lock);
	if (!m->skel && !m->skel_failed) {
		es_err e = {0};
		if (es_skel_map_build(m->ix, &m->skel, &e) != ES_OK)
			m->skel_failed = true;
	}
	const es_skel_map *r = m->skel;
	pthread_mutex_unlock(&m->lock);
	return r;
}

/* Names joined with '/': "ALI HASSAN/ALI HUSSEIN" (every part >= 2 words
 * and >= 4 letters) is also screened part by part; one word written with
 * another ("Rosneft/Gazprom", "IMPORT/EXPORT", "ISFAHAN/ESFAHAN": both
 * >= 3 letters) is screened with each word in its place. M/V, c/o, A/S are
 * neither. Returns how many readings (<= max). */
static bool name_letter(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (unsigned char)c >= 0x80;
}

static size_t slash_readings(const char *name, char (*out)[ES_QUERY_MAX * 2], size_t max)
{
	size_t n = 0, parts = 0, letters = 0, words = 0;
	bool ok = true, in_word = false;
	for (const char *p = name;; p++) {
		if (*p == '/' || !*p) {
			ok = ok && letters >= 4 && words >= 2;
			parts++;
			letters = words = 0;
			in_word = false;
			if (!*p)
				break;
		} else if (name_letter(*p)) {
			letters++;
			if (!in_word)
				words++;
			in_word = true;
		} else {
			in_word = false;
		}
	}
	if (ok && parts > 1 && parts <= 4) {
		for (const char *p = name; n < max;) {
			const char *e = strchr(p, '/');
			size_t pl = e ? (size_t)(e - p) : strlen(p);
			if (pl < sizeof out[n]) {
				memcpy(out[n], p, pl);
				out[n][pl] = '\0';
				n++;
			}
			if (!e)
				break;
			p = e + 1;
		}
		return n;
	}
	/* one word written with another: the first '/' between two words */
	const char *sl = strchr(name, '/');
	if (!sl || sl == name || !name_letter(sl[-1]) || !name_letter(sl[1]))
		return 0;
	const char *a = sl, *b = sl + 1;
	while (a > name && name_letter(a[-1]))
		a--;
	while (*b && name_letter(*b))
		b++;
	size_t la = (size_t)(sl - a), lb = (size_t)(b - sl - 1), len = strlen(name);
	if (la < 3 || lb < 3 || len >= sizeof out[0])
		return 0;
	/* the first word alone, then the second alone */
	if (n < max) {
		size_t o = (size_t)(sl - name);
		memcpy(out[n], name, o);
		memcpy(out[n] + o, b, len - (size_t)(b - name) + 1);
		n++;
	}
	if (n < max) {
		size_t o = (size_t)(a - name);
		memcpy(out[n], name, o);
		memcpy(out[n] + o, sl + 1, len - (size_t)(sl + 1 - name) + 1);
		n++;
	}
	return n;
}

/* m may be NULL (compare without lists): then no Arabic readings, which
 * need the listed words. */
static size_t readings(const es_normalizer *nz, const es_matcher *m, const char *name,
		       char (*out)[ES_QUERY_MAX * 2], size_t max)
{
	size_t n = 0;
	size_t len = strlen(name);
	if (n < max && es_normalize_lookalike(nz, name, len, out[n], sizeof out[n]))
		n++;
	if (strchr(name, '/'))
		n += slash_readings(name, out + n, max - n);
	/* Chinese words with other English forms (理工大学) */
	for (unsigned k = 1; k <= 2 && n < max; k++) {
		if (!es_normalize_cjk_reading(nz, name, len, k, out[n], sizeof out[n]))
			break;
		n++;
	}
	if (m && n < max && has_arabic_letter(name)) {
		/* the listed Latin spellings of the words' consonant skeletons */
		const es_skel_map *sm = skel_map(m);
		es_ntoks *nt = malloc(sizeof *nt);
		es_err e = {0};
		if (sm && nt && es_normalize(m->nz, name, len, nt, &e) == ES_OK) {
			size_t want = max - n < ARABIC_READINGS ? max - n : ARABIC_READINGS;
			n += es_arabic_readings(sm, nt, out[n], sizeof out[n], want);
		}
		free(nt);
	}
	return n;
}

es_code es_matcher_query(const es_matcher *m, const char *name, const es_query *q, es_hit *hits, size_t max,
			 size_t *n, es_err *err)
{
	*n = 0;
	if (!m || !name)
		return es_err_set(err, ES_EUSAGE, "no matcher or no name");
	char (*alt)[ES_QUERY_MAX * 2] = NULL;
	size_t nalt = 0;
	bool plain = !strchr(name, '/');
	for (const char *p = name; *p && plain; p++)
		plain = (unsigned char)*p < 0x80;
	if (!plain) {
		alt = malloc(READINGS_MAX * sizeof *alt);
		if (!alt)
			return es_err_set(err, ES_ENOMEM, "out of memory");
		nalt = readings(m->nz, m, name, alt, READINGS_MAX);
	}
	es_code rc = query_one(m, name, q, hits, max, n, err);
	if (rc != ES_OK || nalt == 0 || max == 0) {
		free(alt);
		return rc;
	}
	/* every reading's hits, the best per entity, best first */
	size_t limit = q && q->limit ? q->limit : 10;
	if (limit > max)
		limit = max;
	es_hit *all = malloc((READINGS_MAX + 1) * max * sizeof *all);
	if (!all) {
		free(alt);
		return es_err_set(err, ES_ENOMEM, "out of memory");
	}
	size_t na = *n;
	memcpy(all, hits, *n * sizeof *all);
	es_query_stats total = q && q->stats ? *q->stats : (es_query_stats){0};
	for (size_t r = 0; r < nalt && rc == ES_OK; r++) {
		size_t k = 0;
		rc = query_one(m, alt[r], q, all + na, max, &k, err);
		if (rc == ES_OK && q && q->stats) {
			total.candidates += q->stats->candidates;
			total.bounded += q->stats->bounded;
			total.scored += q->stats->scored;
		}
		na += k;
	}
	if (q && q->stats)
		*q->stats = total;
	if (rc == ES_OK) {
		qsort(all, na, sizeof *all, hit_cmp);
		size_t o = 0;
		for (size_t i = 0; i < na && o < limit; i++) {
			bool dup = false;
			for (size_t j = 0; j < o && !dup; j++)
				dup = hits[j].entity == all[i].entity;
			if (!dup)
				hits[o++] = all[i];
		}
		*n = o;
	}
	free(all);
	free(alt);
	return rc;
}

static es_code compare_one(const es_normalizer *nz, const es_index *ix, const char *a, const char *b, es_type type,
			   double *score, es_align *align, size_t max_align, size_t *n_align, es_err *err);

/* compare_one over the readings of both names (look-alike, Chinese word
 * forms, Arabic skeletons): the best pair. */
static es_code compare(const es_normalizer *nz, const es_matcher *m, const char *a, const char *b, es_type type,
		       double *score, es_align *align, size_t max_align, size_t *n_align, es_err *err)
{
	const es_index *ix = m ? m->ix : NULL;
	es_code rc = compare_one(nz, ix, a, b, type, score, align, max_align, n_align, err);
	bool plain = !strchr(a, '/') && !strchr(b, '/');
	for (const char *p = a; *p && plain; p++)
		plain = (unsigned char)*p < 0x80;
	for (const char *p = b; *p && plain; p++)
		plain = (unsigned char)*p < 0x80;
	if (rc != ES_OK || plain)
		return rc;
	char(*ra)[ES_QUERY_MAX * 2] = malloc(2 * (READINGS_MAX + 1) * sizeof *ra);
	if (!ra)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	char(*rb)[ES_QUERY_MAX * 2] = ra + READINGS_MAX + 1;
	snprintf(ra[0], sizeof ra[0], "%s", a);
	snprintf(rb[0], sizeof rb[0], "%s", b);
	size_t na = 1 + readings(nz, m, a, ra + 1, READINGS_MAX);
	size_t nb = 1 + readings(nz, m, b, rb + 1, READINGS_MAX);
	es_align *al = max_align ? malloc(max_align * sizeof *al) : NULL;
	for (size_t i = 0; i < na && rc == ES_OK; i++)
		for (size_t j = 0; j < nb && rc == ES_OK; j++) {
			if (i == 0 && j == 0)
				continue;
			double sc = 0;
			size_t nal = 0;
			es_err e2 = {0};
			if (compare_one(nz, ix, ra[i], rb[j], type, &sc, al, al ? max_align : 0, &nal, &e2) != ES_OK)
				continue;
			/* the same-script character limit applies to the names as written */
			double cs = es_cjk_char_sim(a, strlen(a), b, strlen(b));
			if (cs < sc)
				sc = cs;
			if (sc > *score) {
				*score = sc;
				if (al && n_align) {
					memcpy(align, al, nal * sizeof *al);
					*n_align = nal;
				}
			}
		}
	free(al);
	free(ra);
	return rc;
}

static es_code compare_one(const es_normalizer *nz, const es_index *ix, const char *a, const char *b, es_type type,
			   double *score, es_align *align, size_t max_align, size_t *n_align, es_err *err)
{
	es_code rc = ES_OK;
	size_t dummy = 0;
	if (!n_align)
		n_align = &dummy;
	*n_align = 0;
	*score = 0;
	query_toks *qa = malloc(sizeof *qa), *qb = malloc(sizeof *qb);
	if (!qa || !qb) {
		rc = es_err_set(err, ES_ENOMEM, "out of memory");
		goto done;
	}
	rc = prepare(nz, ix, a, qa, err);
	if (rc == ES_OK)
		rc = prepare(nz, ix, b, qb, err);
	if (rc != ES_OK)
		goto done;
	*score = es_score_names(qa->st, qa->n, qb->st, qb->n, type == ES_TYPE_PERSON, align, max_align, n_align);
	double cs = es_cjk_char_sim(a, strlen(a), b, strlen(b));
	if (cs < *score)
		*score = cs;
done:
	free(qa);
	free(qb);
	return rc;
}

es_code es_compare_names(const es_normalizer *nz, const char *a, const char *b, es_type type, double *score,
			 es_align *align, size_t max_align, size_t *n_align, es_err *err)
{
	return compare(nz, NULL, a, b, type, score, align, max_align, n_align, err);
}

es_code es_matcher_compare(const es_matcher *m, const char *a, const char *b, es_type type, double *score,
			   es_align *align, size_t max_align, size_t *n_align, es_err *err)
{
	return compare(m->nz, m, a, b, type, score, align, max_align, n_align, err);
}
