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
#include <unistd.h>

#include "es_arabic.h"
#include "es_bigmem.h"
#include "es_buf.h"
#include "es_cjk.h"
#include "es_index.h"
#include "es_io.h"
#include "es_lexicon.h"
#include "es_normalize.h"
#include "es_score.h"
#include "es_termcache.h"

const double ES_MATCH_DEFAULT_THRESHOLD = 0.84;

#define WEAK_ALIAS_FACTOR 0.9
#define TYPE_MISMATCH_FACTOR 0.9
#define COUNTRY_MISMATCH_FACTOR 0.95

#define TERM_BUF 16384
/* candidates' first bound prefetches the names this many places ahead in
 * touched[], which has room for them past its names (stale ids or 0: names) */
#define TOUCHED_AHEAD 16
/* What a scratch keeps across queries (4 bytes each): the terms of the
 * deletion variants of spellings, and the typo walks of words (memo_walk). */
#define TERMCACHE_IDS (1u << 20)
#define MEMO_IDS (1u << 22)

/* The distinct terms one query word reaches: every one of them, however
 * many (a lost term would be a name the index never scores). */
typedef struct {
	uint32_t *id;      /* room for every term of the index */
	struct term_mark {
		uint32_t seen;   /* == epoch when in id[] */
		uint32_t walked; /* == wstamp when the current query word walked it */
	} *mark;           /* per term; side by side: one cache miss for both */
	uint32_t wstamp;   /* wbase + 1 + the query word's position */
	uint32_t wbase;    /* this query's stamps start here */
	uint32_t *buf;     /* TERM_BUF term ids of one batch of keys */
	uint32_t *pair[2]; /* TERM_BUF term ids each: two adjacent query words written
			      together, looked up for the first and reused by the second */
	uint32_t epoch;
	size_t n, n_terms;
	es_termcache *cache; /* the deletion variants' terms of spellings seen before (NULL: none) */
	es_termcache *memo;  /* typo walks of words seen twice before (memo_walk; NULL: none) */
	es_vec mrec;         /* a typo walk's records while memo_walk makes them */
} termset;

/* Per-query work arrays, sized to the number of names; pooled so a shared
 * matcher needs no allocation per query and no globals. */
typedef struct {
	uint64_t mask;      /* listed token positions a query key reached */
	uint32_t stamp;     /* == epoch: the other fields are this query's */
	float acc;          /* query weight that reached the name */
	float m;            /* listed weight the query reached (an upper estimate) */
	float r;            /* the same at full weight, not times the walks' factors */
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

/* The text data of names: the normalizer, the lexicon, and the hash of both
 * that an index records (a change to either makes it stale). */
typedef struct {
	es_normalizer *nz;
	es_lexicon *lex;
	char hash[65];
} textdata;

static es_code textdata_open(textdata *td, const char *lists_dir, es_err *err)
{
	*td = (textdata){0};
	es_code rc = es_normalizer_open(&td->nz, lists_dir, err);
	if (rc == ES_OK)
		rc = es_lexicon_open(&td->lex, lists_dir, td->nz, err);
	if (rc != ES_OK)
		return rc;
	char both[160];
	snprintf(both, sizeof both, "%s:%s", es_normalizer_hash(td->nz), es_lexicon_hash(td->lex));
	es_sha256_hex(both, strlen(both), td->hash);
	return ES_OK;
}

static void textdata_close(textdata *td)
{
	es_lexicon_free(td->lex);
	es_normalizer_free(td->nz);
	*td = (textdata){0};
}

struct es_matcher {
	textdata td;
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

static es_code build_image(const es_listset *ls, const es_countries *countries, const textdata *td, void **img,
			   size_t *len, es_err *err)
{
	es_entityset set;
	es_entityset_init(&set);
	es_listset_parse_opts po = {.countries = countries, .out = &set};
	es_code rc = es_listset_parse_all(ls, &po, err);
	if (rc == ES_OK)
		rc = es_index_build(&set, td->nz, td->lex, ls->set_hash, td->hash, img, len, NULL, err);
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
	textdata td;
	void *img = NULL;
	size_t len = 0;
	char *path = NULL;
	es_code rc = textdata_open(&td, lists_dir, err);
	if (rc != ES_OK)
		goto done;
	rc = build_image(ls, countries, &td, &img, &len, err);
	if (rc != ES_OK)
		goto done;
	path = es_match_index_path(ls);
	if (!path) {
		rc = es_err_set(err, ES_ENOMEM, "out of memory");
		goto done;
	}
	rc = save_image(path, img, len, err);
	/* what was written is what will be mapped without its checksum: check it once */
	if (rc == ES_OK)
		rc = es_index_verify(path, ls->set_hash, td.hash, err);
done:
	free(path);
	free(img);
	textdata_close(&td);
	return rc;
}

es_code es_match_verify_index(const es_listset *ls, const char *lists_dir, es_err *err)
{
	textdata td;
	char *path = es_match_index_path(ls);
	es_code rc = path ? textdata_open(&td, lists_dir, err) : es_err_set(err, ES_ENOMEM, "out of memory");
	if (rc == ES_OK)
		rc = es_index_verify(path, ls->set_hash, td.hash, err);
	/* derived data: a damaged or stale file goes, the next open rebuilds it */
	if (rc == ES_ECORRUPT)
		(void)unlink(path);
	if (path)
		textdata_close(&td);
	free(path);
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
	rc = textdata_open(&m->td, lists_dir, err);
	if (rc != ES_OK)
		goto fail;
	path = es_match_index_path(ls);
	if (!path) {
		rc = es_err_set(err, ES_ENOMEM, "out of memory");
		goto fail;
	}
	es_err lerr = {0};
	rc = es_index_load(&m->ix, path, ls->set_hash, m->td.hash, &lerr);
	if (rc != ES_OK) {
		/* missing, stale, damaged or unreadable: the index is derived data,
		 * rebuild it from the lists (never use the bad file) */
		void *img = NULL;
		size_t len = 0;
		rc = build_image(ls, countries, &m->td, &img, &len, err);
		if (rc != ES_OK)
			goto fail;
		es_err serr = {0};
		(void)save_image(path, img, len, &serr); /* not writable: use it from memory */
		rc = es_index_attach(&m->ix, img, len, false, ls->set_hash, m->td.hash, err);
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
	rc = textdata_open(&m->td, lists_dir, err);
	if (rc == ES_OK)
		rc = es_index_build(ents, m->td.nz, m->td.lex, "in-memory", m->td.hash, &img, &len, NULL, err);
	if (rc == ES_OK)
		rc = es_index_attach(&m->ix, img, len, false, "in-memory", m->td.hash, err);
	if (rc != ES_OK) {
		es_matcher_free(m);
		return rc;
	}
	*out = m;
	return ES_OK;
}

bool es_matcher_settle(es_matcher *m)
{
	return m && es_index_settle(m->ix);
}

static void scratch_free(const es_matcher *m, scratch *s);

void es_matcher_free(es_matcher *m)
{
	if (!m)
		return;
	while (m->pool) {
		scratch *s = m->pool;
		m->pool = s->next;
		scratch_free(m, s);
	}
	es_skel_map_free(m->skel);
	es_index_free(m->ix);
	textdata_close(&m->td);
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
	return m->td.nz;
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
	r->addresses = e->n_addr ? es_index_addrs(ix, e->addr_start, e->n_addr) : NULL;
	r->n_addresses = e->n_addr;
	r->license_requirement = nul_or(ix, e->lic_req);
	r->license_policy = nul_or(ix, e->lic_pol);
	r->federal_register_notice = nul_or(ix, e->frn);
	r->start_date = nul_or(ix, e->start_date);
	r->end_date = nul_or(ix, e->end_date);
	r->remarks = nul_or(ix, e->remarks);
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
		st[i].cls = 0;
		st[i].lex = 0;
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
static es_code prepare(const es_normalizer *nz, const es_lexicon *lex, const es_index *ix, const char *name,
		       query_toks *q, es_err *err)
{
	es_code rc = es_normalize_query(nz, name, strlen(name), &q->nt, ix ? listed_word : NULL, (void *)ix, err);
	if (rc != ES_OK)
		return rc;
	q->n = q->nt.n;
	to_stoks(&q->nt, q->st);
	es_lexicon_mark(lex, q->st, q->n);
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

static void scratch_free(const es_matcher *m, scratch *s)
{
	size_t n = es_index_n_names(m->ix);
	es_big_free(s->na, (n ? n : 1) * sizeof *s->na);
	free(s->touched);
	free(s->cand);
	free(s->qt);
	free(s->top);
	free(s->ts.id);
	free(s->ts.mark);
	free(s->ts.buf);
	free(s->ts.pair[0]);
	free(s->ts.pair[1]);
	es_termcache_free(s->ts.cache);
	es_termcache_free(s->ts.memo);
	es_vec_free(&s->ts.mrec);
	free(s);
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
	s->na = es_big_alloc((n ? n : 1) * sizeof *s->na);
	s->touched = calloc(n + TOUCHED_AHEAD, sizeof *s->touched);
	s->cand = calloc(n ? n : 1, sizeof *s->cand);
	s->qt = malloc(sizeof *s->qt);
	size_t nterms = es_index_n_terms(m->ix);
	s->ts.id = malloc((nterms ? nterms : 1) * sizeof *s->ts.id);
	s->ts.mark = calloc(nterms ? nterms : 1, sizeof *s->ts.mark);
	s->ts.buf = malloc(TERM_BUF * sizeof *s->ts.buf);
	s->ts.pair[0] = malloc(TERM_BUF * sizeof *s->ts.pair[0]);
	s->ts.pair[1] = malloc(TERM_BUF * sizeof *s->ts.pair[1]);
	s->ts.n_terms = nterms;
	s->ts.cache = es_termcache_new(TERMCACHE_IDS); /* (none: every lookup goes to the index) */
	s->ts.memo = es_termcache_new(MEMO_IDS);       /* (none: every walk reads the terms) */
	if (!s->na || !s->touched || !s->cand || !s->qt || !s->ts.id || !s->ts.mark || !s->ts.buf || !s->ts.pair[0] ||
	    !s->ts.pair[1]) {
		scratch_free(m, s);
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
static void termset_clear(termset *ts)
{
	ts->n = 0;
	if (++ts->epoch == 0) {
		for (size_t i = 0; i < ts->n_terms; i++)
			ts->mark[i].seen = 0;
		ts->epoch = 1;
	}
}

static void add_term_ids(termset *ts, const uint32_t *t, size_t len)
{
	/* the marks are random accesses: ask for them all first */
	for (size_t k = 0; k < len; k++)
		if (t[k] < ts->n_terms)
			__builtin_prefetch(&ts->mark[t[k]]);
	for (size_t k = 0; k < len; k++) {
		if (t[k] >= ts->n_terms || ts->mark[t[k]].seen == ts->epoch)
			continue; /* (a damaged term reference: es_index_load does not check each) */
		ts->mark[t[k]].seen = ts->epoch;
		ts->id[ts->n++] = t[k];
	}
}

/* The terms of keys, all of them: in batches of TERM_BUF, and key by key
 * when a batch fills up; a batch is kept in the cache under (kind, c). */
static void add_keys_as(const es_index *ix, termset *ts, const uint64_t *keys, size_t nk, char kind, const char *c,
			size_t cl)
{
	size_t n = es_index_terms_many(ix, keys, nk, ts->buf, TERM_BUF);
	if (n < TERM_BUF) {
		if (kind && ts->cache)
			es_termcache_put(ts->cache, kind, c, cl, ts->buf, n);
		add_term_ids(ts, ts->buf, n);
		return;
	}
	for (size_t i = 0; i < nk; i++) {
		uint32_t len = 0;
		const uint32_t *t = es_index_terms(ix, keys[i], &len, NULL);
		add_term_ids(ts, t, len);
	}
}

static void add_keys(const es_index *ix, termset *ts, const uint64_t *keys, size_t nk)
{
	add_keys_as(ix, ts, keys, nk, 0, NULL, 0);
}

/* The terms kept in the cache under (kind, c), when they are. */
static bool add_cached(termset *ts, char kind, const char *c, size_t cl)
{
	const uint32_t *ids;
	size_t n;
	if (!ts->cache || !es_termcache_get(ts->cache, kind, c, cl, &ids, &n))
		return false;
	add_term_ids(ts, ids, n);
	return true;
}

static void add_dels2(const es_index *ix, termset *ts, const char *c, size_t cl, bool deletions, size_t del2_min);

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
	add_keys(ix, ts, keys, nk);
	add_dels2(ix, ts, c, cl, deletions, del2_min);
}

/* The deletion-1 keys of a spelling only (not the spelling itself): the
 * terms a word reaches one edit away (and some exactly, which the first
 * pass of candidates has counted already). */
static void add_dels1(const es_index *ix, termset *ts, const char *c, size_t cl)
{
	if (add_cached(ts, '1', c, cl))
		return;
	uint64_t keys[ES_TOK_LEN * 2 + 1];
	size_t nk = es_index_key_dels('k', c, cl, keys);
	if (nk > 1)
		add_keys_as(ix, ts, keys + 1, nk - 1, '1', c, cl);
}

enum { WALK_DEL1 = 1, WALK_DEL2, WALK_CLASS };

/* One walk of the second pass of candidates: query word i's terms one
 * (WALK_DEL1) or two (WALK_DEL2) edits away or of its given-name class, whose
 * listed words align with it at most at similarity s. */
struct walk {
	float s;
	uint8_t i, how;
};

static bool walk_before(const struct walk *a, const struct walk *b, const float *qw)
{
	if (qw[a->i] != qw[b->i])
		return qw[a->i] > qw[b->i];
	return a->s > b->s;
}

static void add_dels2(const es_index *ix, termset *ts, const char *c, size_t cl, bool deletions, size_t del2_min)
{
	/* two edits (the scorer allows them when the longer word has >=
	 * ES_INDEX_DEL2_MIN letters): listed words of that length have their deletion-2
	 * variants among the keys, which the spelling and deletion-1 variants
	 * above meet; when this word is the longer one, its own deletion-2
	 * variants meet a listed spelling or its deletion-1 variants */
	if (deletions && cl >= del2_min && !add_cached(ts, '2', c, cl)) {
		uint64_t k2[ES_INDEX_MAX_DEL2];
		size_t n2 = es_index_key_dels2('k', c, cl, k2);
		add_keys_as(ix, ts, k2, n2, '2', c, cl);
	}
}

/* Two query words written as one listed word (with one edit). */
static void add_pair(const es_index *ix, termset *ts, const es_stok *a, const es_stok *b)
{
	char cc[ES_TOK_LEN];
	size_t l = es_index_pair_spelling(a->canon, a->canon_len, b->canon, b->canon_len, cc);
	if (!l)
		return;
	/* the scorer takes a compound within one edit: no deletion-2 lookups */
	add_word(ix, ts, cc, l, true, SIZE_MAX);
}

/* The listed positions (< 64) a posting's position byte stands for: one
 * word, or with POS_PAIR two (a pair, or a position past 64, may count
 * twice in hit_postings: the bound only loosens). */
#define POS_BIT(p) (((p) & 0x7f) < 64 ? 1ull << ((p) & 63) : 0)
#define POS_BITS(p) (POS_BIT(p) | (((p) & POS_PAIR) && ((p) & 0x7f) + 1 < 64 ? 1ull << (((p) + 1) & 63) : 0))
#define POS_BITS4(p) POS_BITS(p), POS_BITS((p) + 1), POS_BITS((p) + 2), POS_BITS((p) + 3)
#define POS_BITS16(p) POS_BITS4(p), POS_BITS4((p) + 4), POS_BITS4((p) + 8), POS_BITS4((p) + 12)
#define POS_BITS64(p) POS_BITS16(p), POS_BITS16((p) + 16), POS_BITS16((p) + 32), POS_BITS16((p) + 48)
static const uint64_t pos_bits[256] = {POS_BITS64(0), POS_BITS64(64), POS_BITS64(128), POS_BITS64(192)};

/* What hit_postings keeps fixed over one walk's postings. */
struct hit_ctx {
	name_acc *na;
	uint32_t *touched;
	uint32_t epoch, n_names, tbit;
	uint32_t wmin_units; /* a posting's W below this: its name's weight is below wmin_new */
	uint8_t tok;
	float w, unit, funit;
};

/* One posting into its name's accumulator (tbit: the query token's bit, a
 * constant where this is inlined, so each loop has the test it needs). */
static inline __attribute__((always_inline)) size_t hit_one(const struct hit_ctx *c, es_ix_post x, size_t ntouched,
							    uint32_t tbit)
{
	uint32_t id = x.np >> 8;
	if (id >= c->n_names)
		return ntouched; /* a damaged posting (es_index_load does not check each) */
	name_acc *a = &c->na[id];
	/* listed weight reached, each position once */
	uint64_t bits = pos_bits[x.np & 0xff];
	if (a->stamp != c->epoch) {
		if (x.W < c->wmin_units)
			return ntouched;
		/* the first posting of the name: what the updates below would
		 * leave in a cleared accumulator (0 + x is x: the weights are
		 * >= 0), stored at once */
		a->stamp = c->epoch;
		a->acc = c->w;
		a->m = (float)x.w * c->funit;
		a->r = (float)x.w * c->unit;
		a->last = c->tok; /* (< 255: candidates walks tokens 0..254) */
		a->mask = bits;
		a->qmask = tbit;
		c->touched[ntouched++] = id;
		return ntouched;
	}
	if (tbit ? !(a->qmask & tbit) : a->last != c->tok) {
		a->last = c->tok;
		a->acc += c->w;
		a->qmask |= tbit;
	}
	if (!bits || (a->mask & bits) != bits) {
		a->m += (float)x.w * c->funit;
		a->r += (float)x.w * c->unit;
		a->mask |= bits;
	}
	return ntouched;
}

/* The accumulators are random accesses: fetched PREFETCH postings ahead. */
enum { PREFETCH = 12 };

static inline __attribute__((always_inline)) size_t hit_loop(const struct hit_ctx *c, const es_ix_post *p, size_t n,
							     size_t ntouched, uint32_t tbit)
{
	size_t k = 0;
	for (; k + PREFETCH < n; k++) {
		/* (a damaged posting's address is only prefetched, which never
		 * faults: as an integer, not a pointer past the array) */
		uintptr_t f = p[k + PREFETCH].np >> 8;
		__builtin_prefetch((const void *)((uintptr_t)c->na + f * sizeof *c->na));
		ntouched = hit_one(c, p[k], ntouched, tbit);
	}
	for (; k < n; k++)
		ntouched = hit_one(c, p[k], ntouched, tbit);
	return ntouched;
}

/* The postings p[0..n) of one walk, in order; see hit_terms. */
static void hit_postings(scratch *s, size_t *nt, const es_ix_post *p, size_t n, uint32_t n_names, uint8_t tok,
			 float w, float factor, float wmin_new)
{
	/* (the scratch's fields in a local: the stores may not alias them;
	 * listed weights in posting units, es_ix_weight: exact powers of two) */
	/* es_ix_weight(W) < wmin_new for an integer W (W / ES_IX_WSCALE is exact) is
	 * W < ceil(wmin_new * ES_IX_WSCALE) (exact too); UINT16_MAX (a weight of at
	 * least that) is never below */
	float wu = ceilf(wmin_new * ES_IX_WSCALE);
	uint32_t wmin_units = !(wu > 0) ? 0 : wu >= (float)UINT16_MAX ? UINT16_MAX : (uint32_t)wu;
	struct hit_ctx c = {s->na,
			    s->touched,
			    s->epoch,
			    n_names,
			    tok < 32 ? 1u << tok : 0,
			    wmin_units,
			    tok,
			    w,
			    1.0f / ES_IX_WSCALE,
			    factor / ES_IX_WSCALE};
	for (size_t k = 0; k < PREFETCH && k < n; k++)
		__builtin_prefetch((const void *)((uintptr_t)c.na + (uintptr_t)(p[k].np >> 8) * sizeof *c.na));
	/* query tokens past 32 have no bit: they go by the last token counted */
	if (c.tbit)
		*nt = hit_loop(&c, p, n, *nt, c.tbit);
	else
		*nt = hit_loop(&c, p, n, *nt, 0);
}

/* A typo walk checks a term's spelling against the query word only when
 * the term has this many postings: below it, reading the spelling (name,
 * token and string records, apart from the postings) costs about what
 * walking the postings does. */
#define TYPO_CHECK_MIN 8

/* Whether no posting of a term (postings p, the first one read) can align
 * with query word t, whose typo walk reached it: the term is one of the
 * spellings of its first posting's word (canonical or as written, or a
 * pair's canonical forms written together; es_index_post_spellings), so
 * when the scorer's str_sim gives 0 for every pair of t's two spellings and
 * those, it gives 0 for the term's own spelling. Why that is enough: see
 * the typo walks in candidates (which ask this only of terms none of whose
 * names has an initial). */
static bool term_misses(const es_index *ix, const es_stok *t, const es_ix_post *p)
{
	char buf[ES_TOK_LEN];
	const char *c, *x;
	size_t cl, xl;
	if (!es_index_post_spellings(ix, p->np, buf, &c, &cl, &x, &xl))
		return false;
	bool two_q = t->text_len != t->canon_len || memcmp(t->text, t->canon, t->canon_len) != 0;
	bool two_l = xl != cl || memcmp(x, c, cl) != 0;
	if (es_score_str_near(t->canon, t->canon_len, c, (int)cl) ||
	    (two_q && es_score_str_near(t->text, t->text_len, c, (int)cl)))
		return false;
	if (two_l && (es_score_str_near(t->canon, t->canon_len, x, (int)xl) ||
		      (two_q && es_score_str_near(t->text, t->text_len, x, (int)xl))))
		return false;
	return true;
}

/* One walk's postings on their way to hit_postings: copied in order into
 * runs of FLAT (one sequential read of each term's postings, then a plain
 * loop over the run). */
struct run {
	scratch *s;
	size_t *nt;
	uint32_t n_names;
	uint8_t tok;
	float w, factor, wmin_new; /* as in hit_terms */
	size_t n;
	es_ix_post p[256];
};

static void run_start(struct run *r, scratch *s, size_t *nt, const es_index *ix, uint8_t tok, float w, float factor,
		      float wmin_new)
{
	r->s = s;
	r->nt = nt;
	r->n_names = (uint32_t)es_index_n_names(ix);
	r->tok = tok;
	r->w = w;
	r->factor = factor;
	r->wmin_new = wmin_new;
	r->n = 0;
}

static void run_flush(struct run *r)
{
	hit_postings(r->s, r->nt, r->p, r->n, r->n_names, r->tok, r->w, r->factor, r->wmin_new);
	r->n = 0;
}

static void run_add_split(struct run *r, const es_ix_post *p, uint32_t len)
{
	enum { FLAT = sizeof r->p / sizeof r->p[0] };
	for (uint32_t k = 0; k < len;) {
		size_t take = len - k < FLAT - r->n ? len - k : FLAT - r->n;
		memcpy(r->p + r->n, p + k, take * sizeof *p);
		r->n += take;
		k += (uint32_t)take;
		if (r->n == FLAT)
			run_flush(r);
	}
}

static inline void run_add(struct run *r, const es_ix_post *p, uint32_t len)
{
	enum { FLAT = sizeof r->p / sizeof r->p[0] };
	/* most terms have a few postings: copied here, without a call */
	if (len <= 8 && len < FLAT - r->n) {
		es_ix_post *d = r->p + r->n;
		for (uint32_t k = 0; k < len; k++)
			d[k] = p[k];
		r->n += len;
		return;
	}
	run_add_split(r, p, len);
}

/* The postings of cn terms (cp/cl, the terms' ids in id_of) of one walk, in
 * order; see hit_terms. A typo walk (typo: its query word) leaves out the
 * terms that cannot align with it (term_misses) and have no name with an
 * initial that a query word (first letters qletters, es_index_letter_bit)
 * may align with. */
static void hit_chunk(const es_index *ix, struct run *r, const termset *ts, const uint32_t *id_of,
		      const es_ix_post *const *cp, const uint32_t *cl, size_t cn, const es_stok *typo, uint32_t qletters)
{
	for (size_t t = 0; t < cn; t++) {
		/* a term this query word walked already (its own spelling is also
		 * among the terms of its deletions) adds nothing: its names have
		 * this word and these positions counted, at a higher similarity */
		bool walked = ts->mark[id_of[t]].walked == ts->wstamp;
		ts->mark[id_of[t]].walked = ts->wstamp;
		if (walked)
			continue;
		if (typo && cl[t] >= TYPO_CHECK_MIN && !(es_index_term_initials(ix, id_of[t]) & qletters) &&
		    term_misses(ix, typo, cp[t]))
			continue;
		run_add(r, cp[t], cl[t]);
	}
}

/* The terms of the keys add_pair looks up for a and b (all of them when
 * fewer than TERM_BUF; otherwise SIZE_MAX, and add_pair looks them up key
 * by key): what add_pair adds, in the same order. */
static size_t pair_terms(const es_index *ix, es_termcache *tc, const es_stok *a, const es_stok *b, uint32_t *out)
{
	char cc[ES_TOK_LEN];
	size_t l = es_index_pair_spelling(a->canon, a->canon_len, b->canon, b->canon_len, cc);
	if (!l)
		return 0;
	const uint32_t *ids;
	size_t n;
	if (tc && es_termcache_get(tc, 'p', cc, l, &ids, &n)) {
		memcpy(out, ids, n * sizeof *out);
		return n;
	}
	uint64_t keys[ES_TOK_LEN * 2 + 1];
	size_t nk = es_index_key_dels('k', cc, l, keys);
	n = es_index_terms_many(ix, keys, nk, out, TERM_BUF);
	if (n >= TERM_BUF)
		return SIZE_MAX;
	if (tc)
		es_termcache_put(tc, 'p', cc, l, out, n);
	return n;
}

/* Walks the postings of a query word's terms: the query weight w reached
 * each name there, and the listed weight there at most times factor. A name
 * not reached before whose total weight is below wmin_new is left out (it
 * cannot reach the threshold: candidates). */
static void hit_terms(const es_index *ix, scratch *s, size_t *nt, termset *ts, uint8_t tok, float w,
		      float factor, float wmin_new, const es_stok *typo, uint32_t qletters)
{
	struct run r;
	run_start(&r, s, nt, ix, tok, w, factor, wmin_new);
	/* Each step is a random access (term record, postings, accumulator):
	 * terms go in chunks whose records are fetched together, then their
	 * postings, then (hit_chunk) the accumulators. Terms and postings keep
	 * the termset's order, so the float sums stay the same. */
	enum { TERM_CHUNK = 32 };
	const es_ix_post *cp[TERM_CHUNK];
	uint32_t cl[TERM_CHUNK];
	for (size_t c0 = 0; c0 < ts->n; c0 += TERM_CHUNK) {
		size_t cn = ts->n - c0 < TERM_CHUNK ? ts->n - c0 : TERM_CHUNK;
		for (size_t t = 0; t < cn; t++)
			es_index_prefetch_term(ix, ts->id[c0 + t]);
		for (size_t t = 0; t < cn; t++) {
			cp[t] = es_index_term_postings(ix, ts->id[c0 + t], &cl[t]);
			if (cl[t])
				__builtin_prefetch(cp[t]);
		}
		hit_chunk(ix, &r, ts, ts->id + c0, cp, cl, cn, typo, qletters);
	}
	run_flush(&r);
}

/* ---- typo walks kept across queries ------------------------------------
 * The plain walk (hit_terms) reads each term's record and marks and, for a
 * term with many postings, its spelling (term_misses), at every query; a
 * word a stream repeats (legal forms, company words, given names: 78% of
 * the words of bench_match's names) walks the same terms each time. So from
 * a word's second walk of a kind on (the first goes the plain way: many
 * words come once), the walk is kept as records of the terms it walks
 * (MEMO_REC u32 each: where their postings start, how many, with
 * MEMO_MISSES when the term misses the word, term_misses, now asked of every
 * term; and the letters of its names' initials, as the plain walk asks).
 * The records leave out what the word's earlier walks take: the terms of its
 * own spellings (the first pass) and, for a deletion-2 walk, those of its
 * deletion-1 walk. The first pass's pair terms (the word written with a
 * neighbour) may come again, which adds nothing: hit_postings counts a query
 * word and a listed position once, and a name they left out then is left out
 * now (wmin only grows from walk to walk). Terms come in the plain walk's
 * order, so the sums are made the same way. */
enum { MEMO_REC = 3, MEMO_MISSES = 0x80000000u };

/* The terms of query word t's walk (how) added to ts (two: t has a
 * spelling as written besides its canonical form). */
static void walk_terms(const es_index *ix, termset *ts, const es_stok *t, bool two, int how)
{
	if (how == WALK_DEL1) {
		add_dels1(ix, ts, t->canon, t->canon_len);
		if (two)
			add_dels1(ix, ts, t->text, t->text_len);
	} else if (how == WALK_DEL2) {
		add_dels2(ix, ts, t->canon, t->canon_len, true, ES_INDEX_DEL2_MIN);
		if (two)
			add_dels2(ix, ts, t->text, t->text_len, true, ES_INDEX_DEL2_MIN);
	} else {
		/* a given name reaches the other names of its class (Bill: William) */
		uint64_t ck = es_index_class_key(t->cls);
		add_keys(ix, ts, &ck, 1);
	}
}

/* The records of query word t's walk (WALK_DEL1 or WALK_DEL2) into ts->mrec. */
static bool memo_make(const es_index *ix, termset *ts, const es_stok *t, bool two, int how)
{
	termset_clear(ts);
	add_word(ix, ts, t->canon, t->canon_len, false, SIZE_MAX);
	if (two)
		add_word(ix, ts, t->text, t->text_len, false, SIZE_MAX);
	if (how == WALK_DEL2)
		walk_terms(ix, ts, t, two, WALK_DEL1);
	size_t from = ts->n;
	walk_terms(ix, ts, t, two, how);
	es_vec *v = &ts->mrec;
	v->n = 0;
	v->oom = false;
	for (size_t k = from; k < ts->n; k++) {
		uint32_t id = ts->id[k], len;
		const es_ix_post *p = es_index_term_postings(ix, id, &len);
		if (!len || len >= MEMO_MISSES)
			continue;
		bool misses = term_misses(ix, t, p);
		uint32_t initials = es_index_term_initials(ix, id);
		if (misses && !initials)
			continue; /* walked by no query */
		if (!es_vec_reserve(v, sizeof(uint32_t), v->n + MEMO_REC))
			return false;
		uint32_t *r = (uint32_t *)v->data + v->n;
		r[0] = es_index_term_start(ix, id);
		r[1] = len | (misses ? MEMO_MISSES : 0);
		r[2] = initials;
		v->n += MEMO_REC;
	}
	return true;
}

/* Query word t's typo walk (WALK_DEL1 or WALK_DEL2) from its records (as
 * hit_terms with typo t would walk it): false when it has none yet (the
 * caller walks the plain way). */
static bool memo_walk(const es_index *ix, scratch *s, size_t *nt, const es_stok *t, int how, float w, float factor,
		      float wmin_new, uint8_t tok, uint32_t qletters)
{
	termset *ts = &s->ts;
	if (!ts->memo)
		return false;
	char key[2 * ES_TOK_LEN + 1];
	bool two = t->text_len != t->canon_len || memcmp(t->text, t->canon, t->canon_len) != 0;
	size_t kl = t->canon_len;
	memcpy(key, t->canon, kl);
	if (two) {
		key[kl++] = '\0';
		memcpy(key + kl, t->text, t->text_len);
		kl += t->text_len;
	}
	char kind = how == WALK_DEL1 ? 'A' : 'B', once = how == WALK_DEL1 ? 'a' : 'b';
	const uint32_t *rec;
	size_t n;
	if (!es_termcache_get(ts->memo, kind, key, kl, &rec, &n)) {
		if (!es_termcache_get(ts->memo, once, key, kl, &rec, &n)) {
			es_termcache_put(ts->memo, once, key, kl, NULL, 1);
			return false;
		}
		if (!memo_make(ix, ts, t, two, how))
			return false;
		rec = ts->mrec.data;
		n = ts->mrec.n;
		es_termcache_put(ts->memo, kind, key, kl, rec, n);
	}
	struct run r;
	run_start(&r, s, nt, ix, tok, w, factor, wmin_new);
	enum { AHEAD = 8 * MEMO_REC };
	for (size_t k = 0; k < n && k < AHEAD; k += MEMO_REC)
		__builtin_prefetch(es_index_postings_at(ix, rec[k], 0));
	for (size_t k = 0; k < n; k += MEMO_REC) {
		if (k + AHEAD < n)
			__builtin_prefetch(es_index_postings_at(ix, rec[k + AHEAD], 0));
		uint32_t len = rec[k + 1] & ~MEMO_MISSES;
		if ((rec[k + 1] & MEMO_MISSES) && !(rec[k + 2] & qletters))
			continue;
		const es_ix_post *p = es_index_postings_at(ix, rec[k], len);
		if (p)
			run_add(&r, p, len);
	}
	run_flush(&r);
	return true;
}

static bool near_spelling_keys(const es_index *ix, const char *c, size_t cl)
{
	uint64_t keys[ES_TOK_LEN + 1];
	size_t nk = es_index_key_dels('g', c, cl, keys);
	if (es_index_has_any_key(ix, keys, nk))
		return true;
	if (cl < ES_INDEX_DEL2_MIN)
		return false;
	uint64_t k2[ES_INDEX_MAX_DEL2];
	size_t n2 = es_index_key_dels2('g', c, cl, k2);
	return es_index_has_any_key(ix, k2, n2);
}

static bool near_spelling(const es_index *ix, es_termcache *tc, const char *c, size_t cl)
{
	const uint32_t *ids;
	size_t n;
	if (tc && es_termcache_get(tc, 'g', c, cl, &ids, &n))
		return n != 0;
	bool near = near_spelling_keys(ix, c, cl);
	if (tc)
		es_termcache_put(tc, 'g', c, cl, NULL, near);
	return near;
}

/* Whether a query word is one edit from a listed word without keys. */
static bool near_unkeyed(const es_index *ix, es_termcache *tc, const es_stok *t)
{
	if (t->kind == ES_TK_NUM)
		return false;
	return near_spelling(ix, tc, t->canon, t->canon_len) ||
	       ((t->text_len != t->canon_len || memcmp(t->text, t->canon, t->canon_len) != 0) &&
		near_spelling(ix, tc, t->text, t->text_len));
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

/* nm's tokens into lt, and whether one is a word or a number (which of
 * them have keys: listed_keyed). */
static size_t name_words(const es_index *ix, const es_ix_name *nm, es_stok *lt, bool *any)
{
	size_t nl = es_index_name_toks(ix, nm, lt);
	*any = false;
	for (size_t j = 0; j < nl; j++)
		*any |= lt[j].kind == ES_TK_WORD || lt[j].kind == ES_TK_NUM;
	return nl;
}

/* Whether listed token j has keys and no key of the query reached it (past
 * position 64 the accumulator cannot tell: not reached). */
static bool listed_unreached(const es_stok *lt, size_t j, bool any, const name_acc *a)
{
	return listed_keyed(&lt[j], j, any) && !(j < 64 && (a->mask >> j & 1));
}

/* Whether a name whose longest word has maxlen letters may hold a word
 * three edits from a query word (the longest of qmaxw letters): far_pair's
 * lengths. */
static bool far_lengths(size_t maxlen, size_t qmaxw)
{
	return maxlen >= 10 && qmaxw >= 10 && (maxlen >= 13 || qmaxw >= 13);
}

/* The score bound of a name with the pairs the keys cannot reach put back:
 * a listed word no key reached, and a query word that reached no word of
 * the name, may still align three edits apart. Every such pair the scorer
 * would align counts as aligned, so the bound stays an upper bound of
 * es_score_names. */
static double far_bound(const es_index *ix, es_sim_cache *sims, const es_ix_name *nm, const name_acc *a,
			const query_toks *q, const float *qw, double W, double M, double miss, bool person,
			double conflict, double threshold)
{
	es_stok lt[ES_NAME_TOKENS];
	bool any;
	size_t nl = name_words(ix, nm, lt, &any);
	size_t nq = q->n;
	bool lneed[ES_NAME_TOKENS], qneed[ES_NAME_TOKENS];
	for (size_t j = 0; j < nl; j++)
		lneed[j] = listed_unreached(lt, j, any, a);
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
		bound = es_score_bound_x(W, (M + addm) * 1.0001 + 1e-6, miss - subq, person, conflict);
		if (bound < threshold - 1e-9 || (addm == 0 && subq == 0))
			break;
	}
	return bound;
}

/* Whether a query word may align with a word of nm that has no keys (a
 * legal form, stopword or generic word) by the lengths: the same length,
 * or both of >= ES_SCORE_MIN_TYPO_LEN letters and within the edits the
 * scorer allows (ES_SCORE_MAX_EDITS <= 3). */
static bool unkeyed_may_align(const es_stok *t, const es_ix_name *nm)
{
	if (!nm->ukmax)
		return false;
	size_t lo = t->canon_len < t->text_len ? t->canon_len : t->text_len;
	size_t hi = t->canon_len > t->text_len ? t->canon_len : t->text_len;
	if (lo <= nm->ukmax && hi >= nm->ukmin && (lo < ES_SCORE_MIN_TYPO_LEN || nm->ukmin < ES_SCORE_MIN_TYPO_LEN))
		return true; /* an exact spelling of a short word may be among them */
	if (hi < ES_SCORE_MIN_TYPO_LEN || nm->ukmax < ES_SCORE_MIN_TYPO_LEN)
		return false;
	return lo <= (size_t)nm->ukmax + 3 && hi + 3 >= nm->ukmin;
}

/* Of the query words in mask (positions < 32), those that do align with a
 * word of nm without keys of its own (a legal form, stopword, generic word
 * or initial next to distinctive words, or past POS_PAIR): the scorer's
 * similarity of the pair (cached for the scoring) is above 0. */
static uint32_t unkeyed_align(const es_index *ix, es_sim_cache *sims, const es_ix_name *nm, const query_toks *q,
			      uint32_t mask)
{
	es_stok lt[ES_NAME_TOKENS];
	bool any;
	size_t nl = name_words(ix, nm, lt, &any);
	if (nl == 0)
		return mask; /* (a damaged name: as if they all did) */
	uint32_t out = 0;
	for (uint32_t bits = mask; bits; bits &= bits - 1) {
		size_t i = (size_t)__builtin_ctz(bits);
		for (size_t j = 0; j < nl; j++)
			if (!listed_keyed(&lt[j], j, any) && es_token_sim_cached(sims, i, &q->st[i], &lt[j]) > 0) {
				out |= 1u << i;
				break;
			}
	}
	return out;
}

/* The weight of the keyed words of nm no key of the query reached (a word
 * past position 64 counts as not reached) that a query initial aligns with:
 * a word of its letter. */
static double initial_reach(const es_index *ix, es_sim_cache *sims, const es_ix_name *nm, const name_acc *a,
			    const query_toks *q)
{
	es_stok lt[ES_NAME_TOKENS];
	bool any;
	size_t nl = name_words(ix, nm, lt, &any);
	double w = 0;
	for (size_t j = 0; j < nl; j++) {
		if (!listed_unreached(lt, j, any, a))
			continue;
		for (size_t i = 0; i < q->n; i++)
			if (q->st[i].kind == ES_TK_INITIAL && es_token_sim_cached(sims, i, &q->st[i], &lt[j]) > 0) {
				w += lt[j].w;
				break;
			}
	}
	return w;
}

/* es_score_conflict_min with a margin for the float sums behind miss (query
 * words surely unmatched) and unl (listed words: the name's keyed weight
 * less what the query reached and what may align three edits away). */
static double conflict_min(double miss, double unl, bool person)
{
	return es_score_conflict_min(miss * 0.999 - 1e-4, unl * 0.999 - 1e-4, person);
}

/* The length that bounds a query word's typo similarities: its longer spelling. */
static size_t typo_len(const es_stok *t)
{
	return t->canon_len > t->text_len ? t->canon_len : t->text_len;
}

/* Whether every word of a listed name that containment asks for (words,
 * numbers, generic words; not in parentheses) is in the query with the same
 * canonical form or spelling: what es_score_info.contains needs (es_score.c,
 * contains_listed), checked before scoring a name for it. */
static bool words_in_query(const es_index *ix, const es_ix_name *nm, const query_toks *q)
{
	es_stok lt[ES_NAME_TOKENS];
	size_t nl = es_index_name_toks(ix, nm, lt);
	for (size_t j = 0; j < nl; j++) {
		const es_stok *l = &lt[j];
		if ((l->kind != ES_TK_WORD && l->kind != ES_TK_NUM && l->kind != ES_TK_GENERIC) || (l->flags & ES_TF_PAREN))
			continue;
		bool found = false;
		for (size_t i = 0; i < q->n && !found; i++) {
			const es_stok *t = &q->st[i];
			found = (t->canon_len == l->canon_len && memcmp(t->canon, l->canon, l->canon_len) == 0) ||
				(t->text_len == l->text_len && memcmp(t->text, l->text, l->text_len) == 0);
		}
		if (!found)
			return false;
	}
	return true;
}

/* es_score_bound_below(W, M, miss, person, 0, t) for the first bound of
 * candidates, which every name a query reaches goes through: the
 * inequality 2M < t (2M + ul (W - M) + uq miss) with t and the person's
 * factors multiplied out once per query (the factors as in
 * es_score_bound_terms). Only the rounding differs, far below the margin
 * between this bound's threshold (t - 1e-6) and the later ones' (t - 1e-9),
 * which it is above. */
struct first_bound {
	double a[2], b[2], c; /* a M < b W + c miss; [0]: miss <= 1e-3, [1]: above */
};

static void first_bound_init(struct first_bound *f, bool person, double t)
{
	double uq = person ? ES_SCORE_UQ_PERSON * ES_SCORE_MIDDLE_FACTOR : ES_SCORE_UQ;
	for (int big = 0; big < 2; big++) {
		double ul = person ? ES_SCORE_UL * (big ? ES_SCORE_MIDDLE_FACTOR : ES_SCORE_MIDDLE_MIN) : ES_SCORE_UL;
		f->a[big] = 2.0 - 2.0 * t + t * ul;
		f->b[big] = t * ul;
	}
	f->c = t * uq;
}

static inline bool first_below(const struct first_bound *f, double W, double M, double miss)
{
	if (M > W)
		M = W;
	int big = miss > 1e-3;
	if (miss < 0)
		miss = 0;
	return f->a[big] * M < f->b[big] * W + f->c * miss;
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
	uint32_t nearmask = 0;           /* query words near a listed word without keys */
	termset *ts = &s->ts;
	bool q_initial = false; /* the query has an initial */
	double xinit = 0;       /* what its initials may add to a name's aligned weight (below) */
	size_t n_init = 0;      /* its initials */
	uint32_t qletters = 0;  /* the first letters of the query's words (es_index_letter_bit) */
	for (size_t i = 0; i < q->n; i++) {
		q_initial |= q->st[i].kind == ES_TK_INITIAL;
		if (q->st[i].kind == ES_TK_INITIAL) {
			xinit += q->st[i].w;
			n_init++;
		}
		qletters |= es_index_letter_bit(q->st[i].canon, q->st[i].canon_len) |
			    es_index_letter_bit(q->st[i].text, q->st[i].text_len);
	}
	/* First what each query word reaches exactly (its spellings, and words
	 * written together), then, rarest words first, what it reaches only
	 * through deletions or its given-name class: a listed word reached so
	 * aligns at most at es_score_typo_max (es_score_typo2_max, the class's
	 * similarity) of the query word's length, and counts so in the bound. */
	size_t order[ES_NAME_TOKENS], nord = 0;
	size_t npair = SIZE_MAX; /* terms in ts->pair[(i - 1) & 1]: word i - 1 written with word i */
	for (size_t i = 0; i < q->n && i < 255; i++) {
		const es_stok *t = &q->st[i];
		const es_stok *prev = i > 0 ? &q->st[i - 1] : NULL, *next = i + 1 < q->n ? &q->st[i + 1] : NULL;
		bool keyed = key_token(t, any);
		termset_clear(ts);
		if (keyed) {
			add_word(ix, ts, t->canon, t->canon_len, false, SIZE_MAX);
			/* the scorer also compares the spelling as written */
			if (t->text_len != t->canon_len || memcmp(t->text, t->canon, t->canon_len) != 0)
				add_word(ix, ts, t->text, t->text_len, false, SIZE_MAX);
		}
		/* two query words written as one listed word: both reach it (the
		 * second with the terms the first looked up) */
		size_t nnext = SIZE_MAX;
		if (t->kind == ES_TK_WORD && next && next->kind == ES_TK_WORD) {
			nnext = pair_terms(ix, ts->cache, t, next, ts->pair[i & 1]);
			if (nnext != SIZE_MAX)
				add_term_ids(ts, ts->pair[i & 1], nnext);
			else
				add_pair(ix, ts, t, next);
		}
		if (t->kind == ES_TK_WORD && prev && (prev->kind == ES_TK_WORD || (any && prev->kind == ES_TK_STOP))) {
			if (prev->kind == ES_TK_WORD && npair != SIZE_MAX)
				add_term_ids(ts, ts->pair[(i - 1) & 1], npair);
			else
				add_pair(ix, ts, prev, t);
		}
		npair = nnext;
		if (!keyed && t->kind != ES_TK_INITIAL && t->kind != ES_TK_WORD) {
			/* a legal form or generic word reaches the listed names where
			 * such words do have keys (names made only of them): their
			 * weight then counts as reachable in the bound (typos: in the
			 * second pass) */
			add_word(ix, ts, t->canon, t->canon_len, false, SIZE_MAX);
			if (t->text_len != t->canon_len || memcmp(t->text, t->canon, t->canon_len) != 0)
				add_word(ix, ts, t->text, t->text_len, false, SIZE_MAX);
		}
		if (!keyed && t->kind == ES_TK_INITIAL)
			continue;
		/* a word that may align with a listed legal form or generic word
		 * (which have no keys) cannot be counted as surely missed by a
		 * name that has such a word of a length it may align with
		 * (unkeyed_may_align); from position 32 on, by no name */
		bool near = keyed && near_unkeyed(ix, ts->cache, t);
		float w = keyed && !(near && i >= 32) ? t->w : 0.0f;
		wq += w;
		qw[i] = w;
		if (near && i < 32)
			nearmask |= 1u << i;
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
		ts->wstamp = ts->wbase + 1 + (uint32_t)i;
		hit_terms(ix, s, &nt, ts, (uint8_t)i, w, 1.0f, 0.0f, NULL, 0);
		if ((keyed || (t->kind != ES_TK_INITIAL && t->kind != ES_TK_WORD)) && t->kind != ES_TK_NUM)
			order[nord++] = i;
	}
	/* the walks of the second pass */
	struct walk walks[3 * ES_NAME_TOKENS];
	size_t nw = 0;
	for (size_t k = 0; k < nord; k++) {
		const es_stok *t = &q->st[order[k]];
		size_t L = typo_len(t);
		walks[nw++] = (struct walk){(float)es_score_typo_max(L), (uint8_t)order[k], WALK_DEL1};
		if (L >= ES_INDEX_DEL2_MIN)
			walks[nw++] = (struct walk){(float)es_score_typo2_max(L), (uint8_t)order[k], WALK_DEL2};
		if (key_token(t, any) && (t->lex & ES_LX_GIVEN))
			walks[nw++] = (struct walk){(float)ES_SCORE_GIVEN_EQUIV, (uint8_t)order[k], WALK_CLASS};
	}
	/* heaviest (rarest) words first: the common words, whose typos reach
	 * the most names, come last, when a name they alone reach has to be
	 * heavy to make up for the rest of the query (wmin below) */
	for (size_t a = 1; a < nw; a++)
		for (size_t b = a; b > 0 && walk_before(&walks[b], &walks[b - 1], qw); b--) {
			struct walk x = walks[b];
			walks[b] = walks[b - 1];
			walks[b - 1] = x;
		}
	/* a listed word counts once, when a walk first reaches it, at the
	 * highest similarity this or any later walk can give it */
	float sfrom[3 * ES_NAME_TOKENS];
	for (size_t k = nw; k-- > 0;)
		sfrom[k] = k + 1 < nw && sfrom[k + 1] > walks[k].s ? sfrom[k + 1] : walks[k].s;
	/* A name no query word reached exactly, first reached by walk k, is
	 * reached at most by the words that still have walks from k on: the
	 * rest of the query weight (less what may align without keys or three
	 * edits away) is missed, and with a total weight W the score is at most
	 * 2W / (2W + uq * miss) (es_score_bound with every listed word aligned);
	 * below the threshold that needs W >= T uq miss / (2 (1 - T)). */
	float wmin[3 * ES_NAME_TOKENS];
	{
		double nearw = 0, rest = 0;
		for (size_t i = 0; i < q->n && i < 32; i++)
			if (nearmask >> i & 1)
				nearw += qw[i];
		uint8_t seen[ES_NAME_TOKENS] = {0};
		double uq = ES_SCORE_UQ < ES_SCORE_UQ_PERSON * ES_SCORE_MIDDLE_FACTOR ? ES_SCORE_UQ
										     : ES_SCORE_UQ_PERSON * ES_SCORE_MIDDLE_FACTOR;
		for (size_t k = nw; k-- > 0;) {
			if (!seen[walks[k].i]) {
				seen[walks[k].i] = 1;
				rest += qw[walks[k].i];
			}
			double miss = wq - rest - nearw - wfar;
			/* (the query's initials add their weight to a name's: xinit) */
			double wneed = miss > 0 && threshold < 0.9999
					       ? threshold * uq * miss / (2.0 * (1.0 - threshold)) * 0.999 - 1e-3 - xinit * 1.0001
					       : 0.0;
			wmin[k] = wneed > 0 ? (float)wneed : 0.0f;
		}
	}
	for (size_t k = 0; k < nw; k++) {
		size_t i = walks[k].i;
		const es_stok *t = &q->st[i];
		bool two = t->text_len != t->canon_len || memcmp(t->text, t->canon, t->canon_len) != 0;
		ts->wstamp = ts->wbase + 1 + (uint32_t)i;
		/* A deletion walk leaves out the terms whose spelling str_sim
		 * puts at 0 from both of the word's spellings (term_misses): a
		 * listed word L the term stands for then gains nothing from
		 * this walk, so the bounds stay upper bounds and the names
		 * scored find the same results. Any similarity of t with L
		 * comes from (es_token_sim): the same spelling or canonical
		 * form (reached by the first pass), str_sim of the canonical
		 * forms or of the spellings as written (0 for the term's own
		 * spelling; L's other spelling is a term of its own, reached
		 * by the walk of that edit distance, which keeps it: it is
		 * counted there at a similarity sfrom still bounds, or
		 * far_bound counts it, three edits apart), a given-name
		 * equivalent (reached by t's class walk, which exists for a
		 * keyed given name: not for others, which check nothing) or
		 * two legal forms of one family (whatever their spellings: a
		 * legal form checks nothing). A pair of listed words is
		 * aligned with t by compound_sim, str_sim of the canonical
		 * forms, the term's spelling; each word alone has postings of
		 * its own. A name first reached later (or not at all) is
		 * bounded by the words with walks from then on (wmin), which
		 * still include every word that aligns with it.
		 * Terms with a name that has an initial some query word may
		 * align with (its first letter, spelling or canonical form:
		 * es_token_sim) are walked whole: a listed initial has no keys,
		 * and the bounds do not count a query word that may align with
		 * it as possibly aligned; a walk that reaches the name by
		 * another word keeps that word from counting as missed (or the
		 * name as unreached), and leaving such walks out would lose
		 * such names ("m-saan" / "M AND S TRADING" at 0.56, which
		 * "saan" reaches through "and"; "m-sbcd", which reaches no
		 * word of it, already misses it). Their accumulators see the
		 * same postings in the same order as before: their bounds, and
		 * whether they are scored, do not change at all. The same holds
		 * the other way round: a query initial aligns with any listed
		 * word of its letter, which no walk reaches ("Austin C. West" /
		 * EAST WEST CONVERSION at 0.51, which "austin" reaches through
		 * "east"), so a query with an initial leaves nothing out. */
		const es_stok *typo = !q_initial && walks[k].how != WALK_CLASS && t->kind != ES_TK_LEGAL &&
						      (!(t->lex & ES_LX_GIVEN) || key_token(t, any))
					      ? t
					      : NULL;
		if (typo && memo_walk(ix, s, &nt, t, walks[k].how, qw[i], sfrom[k] * 1.0001f, wmin[k], (uint8_t)i, qletters))
			continue;
		termset_clear(ts);
		walk_terms(ix, ts, t, two, walks[k].how);
		hit_terms(ix, s, &nt, ts, (uint8_t)i, qw[i], sfrom[k] * 1.0001f, wmin[k], typo, qletters);
	}
	/* the next query's stamps */
	if (ts->wbase > UINT32_MAX - 2 * ES_NAME_TOKENS - 512) {
		for (size_t i = 0; i < ts->n_terms; i++)
			ts->mark[i].walked = 0;
		ts->wbase = 0;
	} else {
		ts->wbase += 256;
	}
	/* A query word that shares no key with a name cannot align with any of
	 * its words, and a listed word no query key reached cannot align with
	 * the query: with those weights the score is bounded (es_score_bound)
	 * and names that cannot reach the threshold are not scored. Words
	 * without keys (initials, legal forms) count as if they aligned. */
	size_t o = 0;
	*reached = nt;
	double far_hi = wfar; /* far words at positions >= 32 (not in farmask) */
	for (uint32_t bits = farmask; bits; bits &= bits - 1)
		far_hi -= qw[__builtin_ctz(bits)];
	/* First a bound from what the walks left in each name's accumulator and
	 * the name's es_ix_hot record (about half of its es_ix_name, side by side
	 * for all names: most stay in cache): every query word it did not
	 * reach that may align without keys or three edits away counts as
	 * aligned, and in a name a word may reach three edits away every word
	 * of >= 10 letters (es_ix_name.wlong) as aligned too (what far_bound
	 * may add). It is above each bound below (ignoring nothing they
	 * subtract), so it leaves out only names they would; 95% of the names
	 * reached. The rest stay in touched[0..nn): their names
	 * are then read in a steady stream that prefetching can keep ahead of. */
	const es_ix_hot *hot = es_index_hot(ix);
	/* A query initial aligns with any listed word of its letter, which no
	 * key reaches, and the pair weighs the heavier of the two: a name's
	 * bounds count such words as aligned (initial_reach) and its weight
	 * as larger by the initials' (xinit). Before the names are read, each
	 * initial as taking the name's heaviest word (es_ix_name.wmax). */
	xinit = xinit * 1.0001 + (q_initial ? 1e-6 : 0);
	/* the scorer's conflict counts in the bounds of a query of words with no initial */
	bool conflict = any && !q_initial;
	double nearfar = 0; /* the weight of the query's near words and far words (positions < 32) */
	for (uint32_t bits = nearmask; bits; bits &= bits - 1)
		nearfar += qw[__builtin_ctz(bits)];
	for (uint32_t bits = farmask; bits; bits &= bits - 1)
		nearfar += qw[__builtin_ctz(bits)];
	double mlo = wq - far_hi - nearfar - 1e-9, xadd = 1e-6 + xinit, ninit_w = (double)n_init * 1.0001;
	struct first_bound fb[2];
	first_bound_init(&fb[0], false, threshold - 1e-6);
	first_bound_init(&fb[1], true, threshold - 1e-6);
	size_t nn = 0;
	for (size_t k = 0; k < nt; k++) {
		uint32_t ahead = s->touched[k + TOUCHED_AHEAD];
		__builtin_prefetch(&hot[ahead]);
		__builtin_prefetch(&s->na[ahead]);
		uint32_t id = s->touched[k];
		const name_acc *a = &s->na[id];
		const es_ix_hot *h = &hot[id];
		double W = h->wsum, M = h->wfree + a->m;
		if (!(h->containable && M >= W * 0.9999 - 1e-6)) {
			/* first with every near and far word and every long word
			 * counted as aligned and no conflict: above the bound below,
			 * and enough to leave out most names */
			double Wb = W + xinit, Mh = (M + h->wlong) * 1.0001 + xadd;
			if (q_initial)
				Mh += ninit_w * h->wmax;
			if (first_below(&fb[h->person != 0], Wb, Mh, mlo - a->acc))
				continue;
			double m0 = wq - a->acc - far_hi;
			for (uint32_t bits = nearmask & ~a->qmask; bits; bits &= bits - 1)
				m0 -= qw[__builtin_ctz(bits)];
			for (uint32_t bits = farmask & ~a->qmask; bits; bits &= bits - 1)
				m0 -= qw[__builtin_ctz(bits)];
			bool far = far_lengths(h->maxlen, qmaxw);
			double Mb = (far ? M + h->wlong : M) * 1.0001 + 1e-6;
			if (q_initial)
				Mb += (double)n_init * h->wmax * 1.0001 + xinit;
			double c = conflict && h->plain ? conflict_min(m0, W - h->wfree - a->r - (far ? h->wlong : 0), h->person) : 0;
			if (es_score_bound_below(Wb, Mb, m0, h->person, c, threshold - 1e-6))
				continue;
		}
		s->touched[nn++] = id;
	}
	for (size_t k = 0; k < nn; k++) {
		uint32_t id = s->touched[k];
		if (k + 16 < nn)
			__builtin_prefetch(es_index_name(ix, s->touched[k + 16]));
		if (k + 8 < nn && qmaxw >= 10) {
			const es_ix_name *n8 = es_index_name(ix, s->touched[k + 8]);
			if (far_lengths(n8->maxlen, qmaxw))
				es_index_prefetch_toks(ix, n8);
		}
		const name_acc *a = &s->na[id];
		const es_ix_name *nm = es_index_name(ix, id);
		bool person = nm->person;
		double W = nm->wsum, miss = wq - a->acc;
		uint32_t near = 0; /* query words that may align with a word of nm without keys */
		for (uint32_t bits = nearmask & ~a->qmask; bits; bits &= bits - 1) {
			size_t i = (size_t)__builtin_ctz(bits);
			if (unkeyed_may_align(&q->st[i], nm)) {
				near |= 1u << i;
				miss -= qw[i];
			}
		}
		/* query words that reached no word of this name but may still
		 * align with one three edits away (only when the lengths allow) */
		bool far = far_lengths(nm->maxlen, qmaxw);
		double far_unreached = far ? wfar : 0;
		if (far)
			for (uint32_t bits = farmask & a->qmask; bits; bits &= bits - 1)
				far_unreached -= qw[__builtin_ctz(bits)];
		/* first the bound from the query side alone (cheap), then with the
		 * listed words the keys reached */
		double M = nm->wfree + a->m;
		/* a name every keyed word of which the query reached may be
		 * contained in it (es_score_info.contains): scored at least so */
		bool may_contain = nm->containable && M >= W * 0.9999 - 1e-6;
		/* words left over on both sides (what neither keys nor three
		 * edits may align) cost the scorer's conflict */
		double unl = W - nm->wfree - a->r - (far ? hot[id].wlong : 0);
		double c = conflict && nm->plain ? conflict_min(miss - far_unreached, unl, person) : 0;
		/* with what the query's initials may align: until the name is
		 * read, its heaviest words */
		double Wi = q_initial ? W + xinit : W;
		double Mi = q_initial ? M + (double)n_init * hot[id].wmax * 1.0001 + xinit : M;
		if (!may_contain && es_score_bound_x(Wi, Wi, miss - far_unreached, person, c) < threshold - 1e-9)
			continue;
		double bound = es_score_bound_x(Wi, Mi * 1.0001 + 1e-6, miss, person, c);
		/* what these let through, again with the name's words read: the
		 * near query words that do align with one without keys, the words
		 * the initials may take (a query initial aligns with listed words
		 * no key reached, which only the slack of near words kept within
		 * the bound: with initials, near words stay as they are) */
		if (bound >= threshold - 1e-9 && (near || q_initial)) {
			if (!q_initial) {
				uint32_t keep = unkeyed_align(ix, &s->sims, nm, q, near);
				for (uint32_t bits = near & ~keep; bits; bits &= bits - 1)
					miss += qw[__builtin_ctz(bits)];
				c = conflict && nm->plain ? conflict_min(miss - far_unreached, unl, person) : 0;
			} else {
				Mi = M + xinit + initial_reach(ix, &s->sims, nm, a, q);
			}
			if (!may_contain && es_score_bound_x(Wi, Wi, miss - far_unreached, person, c) < threshold - 1e-9)
				continue;
			bound = es_score_bound_x(Wi, Mi * 1.0001 + 1e-6, miss, person, c);
		}
		/* then with the pairs the keys cannot reach */
		if (bound < threshold - 1e-9 && far)
			bound = far_bound(ix, &s->sims, nm, a, q, qw, Wi, Mi, miss, person, c, threshold);
		if (may_contain && bound < ES_SCORE_CONTAINS && bound < threshold - 1e-9 &&
		    words_in_query(ix, nm, q))
			bound = ES_SCORE_CONTAINS;
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
	es_score_info info;
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
	rc = prepare(m->td.nz, m->td.lex, m->ix, name, qt, err);
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
		es_score_info info;
		double sc = es_score_names_info(qt->st, qt->n, lt, nl, is_person(e), &s->sims, NULL, 0, NULL, &info);
		if (info.contains && !nm->containable) {
			/* a person has no branches; "National Bank", "Industrial
			 * Bank": too common to be contained */
			info.contains = false;
			sc = info.raw;
		}
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
		scored cur = {id, nm->entity, sc, nm->strength == ES_WEAK, info};
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
		h->by = top[k].info.contains ? ES_MATCH_BY_CONTAINS : ES_MATCH_BY_NAME;
		h->same_words = top[k].info.same_words;
		if (q && q->align) {
			size_t nl = es_index_name_toks(m->ix, nm, lt);
			es_score_names(qt->st, qt->n, lt, nl, is_person(e), h->align,
				       sizeof h->align / sizeof h->align[0], &h->n_align);
		}
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

/* The length of a quotation mark at p (" “ ” „ « »), else 0. */
static size_t quote_mark(const char *p)
{
	static const char *const marks[] = {"\"", "\xe2\x80\x9c", "\xe2\x80\x9d", "\xe2\x80\x9e", "\xc2\xab", "\xc2\xbb"};
	for (size_t i = 0; i < sizeof marks / sizeof *marks; i++) {
		size_t l = strlen(marks[i]);
		if (strncmp(p, marks[i], l) == 0)
			return l;
	}
	return 0;
}

/* A person's nickname in quotation marks ('Viktor "Merchant of Death" Bout',
 * 'Ovidio Guzman Lopez "El Raton"'), which the lists write as an alias if at
 * all, is screened without it too: when two or more words remain and all are
 * plain words (no legal form or generic word: in 'OOO "Romashka"' or
 * 'JSC "Almaz-Antey" Concern' the quoted words are the company's name).
 * Returns how many readings (0 or 1). */
static size_t quote_readings(const es_normalizer *nz, const char *name, char (*out)[ES_QUERY_MAX * 2], size_t max)
{
	size_t n = 0, len = strlen(name);
	bool inside = false, removed = false;
	if (!max || len >= sizeof out[0])
		return 0;
	for (const char *p = name; *p;) {
		size_t q = quote_mark(p);
		if (q) {
			inside = !inside;
			removed = true;
			out[0][n++] = ' ';
			p += q;
			continue;
		}
		if (!inside)
			out[0][n++] = *p;
		p++;
	}
	out[0][n] = '\0';
	if (!removed || inside)
		return 0; /* no quotation, or one left open */
	es_ntoks *nt = malloc(sizeof *nt);
	es_err e = {0};
	size_t words = 0;
	bool plain = nt && es_normalize(nz, out[0], n, nt, &e) == ES_OK;
	for (size_t i = 0; plain && i < nt->n; i++) {
		if (nt->tok[i].kind == ES_TK_WORD)
			words++;
		else if (nt->tok[i].kind != ES_TK_STOP && nt->tok[i].kind != ES_TK_INITIAL)
			plain = false;
	}
	free(nt);
	return plain && words >= 2;
}

/* Whether a name may have readings (a '/', a '"' or a byte beyond ASCII):
 * most names have none, and need not be read for them. */
static bool has_readings(const char *name)
{
	for (const char *p = name; *p; p++)
		if (*p == '/' || *p == '"' || (unsigned char)*p >= 0x80)
			return true;
	return false;
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
	if (n < max)
		n += quote_readings(nz, name, out + n, max - n);
	/* Chinese words with other English forms (理工大学) */
	for (unsigned k = 1; k <= 2 && n < max; k++) {
		if (!es_normalize_cjk_reading(nz, name, len, k, out[n], sizeof out[n]))
			break;
		n++;
	}
	/* Arabic and Persian organization words in English */
	size_t words = SIZE_MAX; /* the first such reading */
	for (unsigned k = 0; k <= 1 && n < max && has_arabic_letter(name); k++)
		if (es_normalize_arabic_reading(nz, name, len, k, out[n], sizeof out[n])) {
			if (words == SIZE_MAX)
				words = n;
			n++;
		}
	if (m && n < max && has_arabic_letter(name)) {
		/* the listed Latin spellings of the words' consonant skeletons, of
		 * the name and of its reading with the organization words in
		 * English (شرکت فولاد مبارکه: "company steel" + MOBARAKEH) */
		const es_skel_map *sm = skel_map(m);
		es_ntoks *nt = malloc(sizeof *nt);
		es_err e = {0};
		if (sm && nt && es_normalize(m->td.nz, name, len, nt, &e) == ES_OK) {
			size_t want = max - n < ARABIC_READINGS ? max - n : ARABIC_READINGS;
			n += es_arabic_readings(sm, nt, out[n], sizeof out[n], want);
		}
		if (sm && nt && words != SIZE_MAX && n < max &&
		    es_normalize(m->td.nz, out[words], strlen(out[words]), nt, &e) == ES_OK)
			n += es_arabic_readings(sm, nt, out[n], sizeof out[n], max - n < 2 ? max - n : 2);
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
	if (has_readings(name)) {
		alt = malloc(READINGS_MAX * sizeof *alt);
		if (!alt)
			return es_err_set(err, ES_ENOMEM, "out of memory");
		nalt = readings(m->td.nz, m, name, alt, READINGS_MAX);
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

/* Whether a name can be contained in another as a branch's (es_index.c's
 * containable, for a name that is not a person's): a distinctive word at most
 * ES_INDEX_CONTAIN_MAX_DF listed names share. (A name of generic words
 * alone, which the index may contain with a marker, is not: two names
 * compared have no list entry behind them.) */
static bool containable(const es_index *ix, const query_toks *q)
{
	for (size_t i = 0; i < q->n; i++) {
		const es_stok *t = &q->st[i];
		if ((t->kind != ES_TK_WORD && t->kind != ES_TK_NUM) || (t->flags & ES_TF_PAREN) || (t->lex & ES_LX_COMMON))
			continue;
		uint32_t len = 0, df = 0;
		(void)es_index_terms(ix, es_index_key('c', t->canon, t->canon_len), &len, &df);
		if (df <= ES_INDEX_CONTAIN_MAX_DF)
			return true;
	}
	return false;
}

static es_code compare_one(const es_normalizer *nz, const es_lexicon *lex, const es_index *ix, const char *a,
			   const char *b, es_type type, double *score, es_align *align, size_t max_align,
			   size_t *n_align, es_err *err);

/* Without --type, two names are persons' (the scorer then weighs middle
 * names and extra given names as for a listed person) when neither has a
 * legal form, generic word or number and both read like a person's (two to
 * five words: 1), or one is written "SURNAME, Given ..." (of any length:
 * "AL-FAWAZ, Khalid Abd al-Rahman Hamd": 2); else 0. */
static int person_pair(const query_toks *a, const query_toks *b)
{
	bool comma = false;
	const query_toks *both[2] = {a, b};
	for (size_t k = 0; k < 2; k++) {
		if (both[k]->n < 2)
			return 0;
		for (size_t i = 0; i < both[k]->n; i++) {
			const es_stok *t = &both[k]->st[i];
			if (t->kind == ES_TK_LEGAL || t->kind == ES_TK_GENERIC || t->kind == ES_TK_NUM)
				return 0;
			comma |= (t->flags & ES_TF_GIVEN) != 0;
		}
	}
	return comma ? 2 : es_index_reads_like_person(&a->nt) && es_index_reads_like_person(&b->nt) ? 1 : 0;
}

/* compare_one over the readings of both names (look-alike, Chinese word
 * forms, Arabic skeletons): the best pair. */
static es_code compare(const es_normalizer *nz, const es_matcher *m, const char *a, const char *b, es_type type,
		       double *score, es_align *align, size_t max_align, size_t *n_align, es_err *err)
{
	const es_index *ix = m ? m->ix : NULL;
	const es_lexicon *lex = m ? m->td.lex : NULL;
	es_code rc = compare_one(nz, lex, ix, a, b, type, score, align, max_align, n_align, err);
	if (rc != ES_OK || (!has_readings(a) && !has_readings(b)))
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
			if (compare_one(nz, lex, ix, ra[i], rb[j], type, &sc, al, al ? max_align : 0, &nal, &e2) != ES_OK)
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

/* The score of a pair read as persons' names or not (compare_one): either
 * way round where that reads better. */
static double score_pair(const es_index *ix, const query_toks *qa, const query_toks *qb, bool person, es_align *align,
			 size_t max_align, size_t *n_align, bool *contained)
{
	double score;
	*contained = false;
	/* a branch or subsidiary of the other ("Bank Melli Iran" / "Bank
	 * Melli"), either way round, as check finds it (by contains): when the
	 * shorter name is one that can have branches (the index says how common
	 * its words are) */
	es_score_info info;
	score = es_score_names_info(qa->st, qa->n, qb->st, qb->n, person, NULL, align, max_align, n_align, &info);
	if (!(info.contains && !person && ix && containable(ix, qb)))
		score = info.raw;
	else
		*contained = score > info.raw;
	/* Either way round: a person's name with a middle name or second
	 * surname more on either side is the same name left shorter (a pair of
	 * names has no listed side) */
	if (person || ix) {
		es_score_info back;
		double rev = es_score_names_info(qb->st, qb->n, qa->st, qa->n, person, NULL, NULL, 0, NULL, &back);
		if (person)
			rev = back.raw;
		if ((person || (back.contains && containable(ix, qa))) && rev > score) {
			*contained = !person && rev > back.raw;
			score = rev;
			/* the alignment of that reading, name1's words on the left */
			(void)es_score_names_info(qb->st, qb->n, qa->st, qa->n, person, NULL, align, max_align, n_align,
						  &back);
			for (size_t k = 0; align && k < *n_align; k++) {
				char t[sizeof align[k].query_token];
				memcpy(t, align[k].query_token, sizeof t);
				memcpy(align[k].query_token, align[k].list_token, sizeof t);
				memcpy(align[k].list_token, t, sizeof t);
			}
		}
	}
	return score;
}

/* An abbreviation written for a name: one word of 3 to 8 capitals ("IRGC",
 * "NIOC") whose letters are the initials of the other name's words:
 * "IRGC" / "Islamic Revolutionary Guard Corps" scores ABBREV_SCORE. */
#define ABBREV_SCORE 0.9
static bool abbreviates(const char *raw, const query_toks *other)
{
	char caps[9];
	size_t n = 0;
	while (*raw == ' ')
		raw++;
	for (; *raw && *raw != ' '; raw++) {
		if (*raw < 'A' || *raw > 'Z' || n == sizeof caps - 1)
			return false;
		caps[n++] = (char)(*raw - 'A' + 'a');
	}
	while (*raw == ' ')
		raw++;
	if (*raw || n < 3)
		return false;
	/* every word gives its initial, in order; a generic word, legal form,
	 * stopword or word in parentheses may give none ("CETC" / China
	 * Electronics Technology Group Corporation) */
	size_t k = 0;
	for (size_t i = 0; i < other->n; i++) {
		const es_stok *t = &other->st[i];
		bool optional = t->kind != ES_TK_WORD || (t->flags & ES_TF_PAREN);
		if (k < n && t->text[0] == caps[k])
			k++;
		else if (!optional)
			return false;
	}
	return k == n;
}

static es_code compare_one(const es_normalizer *nz, const es_lexicon *lex, const es_index *ix, const char *a,
			   const char *b, es_type type, double *score, es_align *align, size_t max_align,
			   size_t *n_align, es_err *err)
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
	rc = prepare(nz, lex, ix, a, qa, err);
	if (rc == ES_OK)
		rc = prepare(nz, lex, ix, b, qb, err);
	if (rc != ES_OK)
		goto done;
	int shape = person_pair(qa, qb);
	bool person = type == ES_TYPE_PERSON || (type == ES_TYPE_UNKNOWN && shape > 0);
	bool contained;
	*score = score_pair(ix, qa, qb, person, align, max_align, n_align, &contained);
	/* two to five plain words may as well name an organization and its
	 * branch ("AL-NUSRAH FRONT" / "AL-NUSRAH FRONT IN LEBANON"): without
	 * --type and without "SURNAME, Given", the organization's reading when
	 * one name contains the other (not otherwise: it weighs persons' names
	 * as words, "Kim Jong Un" / "Kim Jong Il") */
	if (type == ES_TYPE_UNKNOWN && shape == 1) {
		es_align *al = max_align ? malloc(max_align * sizeof *al) : NULL;
		size_t nal = 0;
		double ent = score_pair(ix, qa, qb, false, al, al ? max_align : 0, &nal, &contained);
		if (contained && ent > *score) {
			*score = ent;
			if (al)
				memcpy(align, al, nal * sizeof *al);
			*n_align = al ? nal : 0;
		}
		free(al);
	}
	double cs = es_cjk_char_sim(a, strlen(a), b, strlen(b));
	if (cs < *score)
		*score = cs;
	if (*score < ABBREV_SCORE && (abbreviates(a, qb) || abbreviates(b, qa)))
		*score = ABBREV_SCORE;
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
	return compare(m->td.nz, m, a, b, type, score, align, max_align, n_align, err);
}
