/* es_index — see es_index.h. */
#include "es_index.h"

#include "es_bigmem.h"
#include "es_buf.h"
#include "es_hash.h"
#include "es_map64.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAGIC "ESIDX\0\r\n"
#define IDF_FLOOR_SHARE 0.5
#define MAX_INDEX_BYTES ((uint64_t)2 << 30)

enum { S_STR, S_ENT, S_ADDR, S_PROG, S_CTRY, S_NAME, S_TOK, S_BKT, S_KEY, S_TREF, S_TERM, S_POST, S_COUNT };

typedef struct {
	char magic[8];
	uint32_t version, header_size;
	uint64_t file_size, checksum;
	char set_hash[72], norm_hash[72];
	uint64_t off[S_COUNT], count[S_COUNT];
	uint64_t n_docs;  /* names, for IDF */
	uint64_t reserved[4];
} ix_header;

static const size_t rec_size[S_COUNT] = {
	1, sizeof(es_ix_entity), sizeof(es_ix_addr), sizeof(uint32_t), 3,
	sizeof(es_ix_name), sizeof(es_ix_tok), sizeof(uint32_t), sizeof(es_ix_key), sizeof(uint32_t), sizeof(es_ix_term),
	sizeof(es_ix_post),
};

struct es_index {
	unsigned char *base;
	size_t len;
	bool mapped;
	bool big;                  /* base is es_big_alloc'ed (es_index_settle) */
	const ix_header *h;
	const char *str;
	size_t str_size;
	const es_ix_entity *ent;
	const es_ix_addr *addr;
	const uint32_t *prog;
	const char (*ctry)[3];
	const es_ix_name *name;
	const es_ix_tok *tok;
	const uint32_t *bkt;
	const es_ix_key *key;
	const uint32_t *tref;
	const es_ix_term *term;
	const es_ix_post *post;
	const char **prog_ptrs;
	es_ix_hot *hot;            /* per name (es_index_hot) */
	size_t hot_size;           /* its bytes (es_big_alloc) */
	/* the addresses as records, made when an entity's are first asked
	 * for (most runs read a few: a cold check need not make them all) */
	es_rec_address *rec_addrs;
	uint8_t *addr_ready;       /* per address: made (read and written atomically) */
	pthread_mutex_t addr_lock; /* making them */
};

#define KEY_BASIS 1469598103934665603ull /* (not es_hash's basis: the file format's) */

/* The key hash: FNV-1a (es_hash_more) from the index's own basis, then a
 * finalizer; part of the file format. */
static inline uint64_t key_step(uint64_t h, const char *s, size_t len)
{
	return es_hash_more(h, s, len);
}

/* finalizer (splitmix64) so the low bits index the table well */
static inline uint64_t key_final(uint64_t h)
{
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebull;
	h ^= h >> 31;
	return h ? h : 1;
}

uint64_t es_index_key(char kind, const char *s, size_t len)
{
	uint64_t h = key_step(KEY_BASIS, &kind, 1);
	return key_final(key_step(h, s, len));
}

size_t es_index_key_dels(char kind, const char *s, size_t len, uint64_t *out)
{
	uint64_t pre = key_step(KEY_BASIS, &kind, 1); /* state after s[0..k) */
	size_t n = 0;
	out[n++] = key_final(key_step(pre, s, len));
	if (len < ES_SCORE_MIN_TYPO_LEN)
		return n;
	for (size_t k = 0; k < len; k++) {
		if (!(k > 0 && s[k] == s[k - 1]))
			out[n++] = key_final(key_step(pre, s + k + 1, len - k - 1));
		pre = key_step(pre, s + k, 1);
	}
	return n;
}

size_t es_index_key_dels2(char kind, const char *s, size_t len, uint64_t *out)
{
	/* every string with two letters deleted (i < j); a deletion inside a
	 * run of one letter gives the same string as at its start: skipped.
	 * Hashed incrementally: the state after s[0..i), then s(i..j). */
	size_t n = 0;
	if (len < 3)
		return 0;
	uint64_t pre = key_step(KEY_BASIS, &kind, 1);
	for (size_t i = 0; i < len; i++) {
		if (!(i > 0 && s[i] == s[i - 1])) {
			uint64_t mid = pre;
			for (size_t j = i + 1; j < len; j++) {
				if (!(j > i + 1 && s[j] == s[j - 1]))
					out[n++] = key_final(key_step(mid, s + j + 1, len - j - 1));
				mid = key_step(mid, s + j, 1);
			}
		}
		pre = key_step(pre, s + i, 1);
	}
	return n;
}

/* Checksum of the image: four independent 64-bit lanes so it runs at
 * memory speed, cheap enough to verify on every load. */
static uint64_t body_checksum(const unsigned char *p, size_t n)
{
	uint64_t h[4] = {0x9e3779b97f4a7c15ull ^ n, 0xc2b2ae3d27d4eb4full, 0x165667b19e3779f9ull,
			 0x27d4eb2f165667c5ull};
	size_t i = 0;
	for (; i + 32 <= n; i += 32) {
		for (int l = 0; l < 4; l++) {
			uint64_t w;
			memcpy(&w, p + i + 8 * (size_t)l, 8);
			h[l] = (h[l] ^ w) * 0x100000001b3ull;
			h[l] ^= h[l] >> 29;
		}
	}
	uint64_t r = h[0] ^ (h[1] * 3) ^ (h[2] * 5) ^ (h[3] * 7);
	for (; i < n; i++)
		r = (r ^ p[i]) * 0x100000001b3ull;
	return r;
}

/* Checksum of the header (with its checksum field zero) and the body. */
static uint64_t image_checksum(const ix_header *h, const unsigned char *img, size_t len)
{
	ix_header z = *h;
	z.checksum = 0;
	uint64_t a = body_checksum((const unsigned char *)&z, sizeof z);
	uint64_t b = body_checksum(img + sizeof z, len - sizeof z);
	return b ^ ((a << 1) | (a >> 63));
}

/* ---- build helpers ---- */

/* Appends n bytes (zeros when data is NULL) to b and returns where they
 * went, or NULL once b is out of memory (es_buf's oom, checked after a run
 * of appends). */
static void *buf_push(es_buf *b, const void *data, size_t n)
{
	if (!es_buf_reserve(b, n))
		return NULL;
	void *dst = b->s + b->len;
	if (data)
		memcpy(dst, data, n);
	else
		memset(dst, 0, n);
	b->len += n;
	b->s[b->len] = '\0';
	return dst;
}

typedef struct {
	es_buf pool;
	es_map64 intern;
} spool;

/* Interns s (NULL or "" -> offset 0). UINT32_MAX on failure. */
static uint32_t intern(spool *sp, const char *s, size_t n)
{
	if (!s || !n)
		return 0;
	uint64_t h = es_index_key('s', s, n);
	/* different strings with one 64-bit hash are astronomically unlikely,
	 * but compare anyway and fall back to a fresh copy */
	bool fresh = false;
	uint32_t *slot = es_map64_slot(&sp->intern, h, &fresh);
	if (!slot)
		return UINT32_MAX;
	if (!fresh) {
		const char *have = sp->pool.s + *slot;
		if (strlen(have) == n && memcmp(have, s, n) == 0)
			return *slot;
	}
	if (sp->pool.len + n + 1 > UINT32_MAX)
		return UINT32_MAX;
	uint32_t off = (uint32_t)sp->pool.len;
	if (!buf_push(&sp->pool, s, n) || !buf_push(&sp->pool, "", 1))
		return UINT32_MAX;
	if (fresh)
		*slot = off;
	return off;
}

static uint32_t istr(spool *sp, const char *s)
{
	return intern(sp, s, s ? strlen(s) : 0);
}

typedef struct {
	uint64_t h;
	uint32_t name;
} kpair;

static bool push_kpair(es_vec *v, kpair kp)
{
	kpair *slot = es_vec_push(v, sizeof kp);
	if (slot)
		*slot = kp;
	return slot != NULL;
}

static int kpair_cmp(const void *a, const void *b)
{
	const kpair *x = a, *y = b;
	if (x->h != y->h)
		return x->h < y->h ? -1 : 1;
	return x->name < y->name ? -1 : x->name > y->name;
}

static bool is_distinctive(uint8_t kind)
{
	return kind == ES_TK_WORD || kind == ES_TK_NUM;
}

/* An Entity List entry whose "name" is an address: it starts with a house
 * number and names a street or building. */
static bool looks_like_address(const char *name)
{
	if (!name || !isdigit((unsigned char)name[0]))
		return false;
	static const char *const words[] = {" street", " st.", " road", " rd.", " avenue", " floor",
					    " building", " lane", " blvd", " highway", " ulitsa"};
	char low[256];
	size_t n = strlen(name) < sizeof low - 1 ? strlen(name) : sizeof low - 1;
	for (size_t i = 0; i < n; i++)
		low[i] = (char)tolower((unsigned char)name[i]);
	low[n] = '\0';
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strstr(low, words[i]))
			return true;
	return false;
}

/* Lists that do not say whether a party is a person (CSL DPL, EL, DTC...):
 * 2 to 5 words, none of them a legal form, a generic business word or a
 * number. Used only to weigh left-out middle names and extra given names. */
bool es_index_reads_like_person(const es_ntoks *nt)
{
	if (nt->n < 2 || nt->n > 5)
		return 0;
	for (size_t i = 0; i < nt->n; i++) {
		uint8_t k = nt->tok[i].kind;
		if (k == ES_TK_LEGAL || k == ES_TK_GENERIC || k == ES_TK_NUM)
			return 0;
	}
	return 1;
}

/* Postings hold (name id << 8) | token position; POS_PAIR marks a key of
 * two adjacent words written together (positions pos and pos + 1). */
#define POS_PAIR 0x80

typedef struct {
	es_map64 gen;      /* 'g' keys: spellings (and deletions) of words without keys */
	es_map64 gen_seen; /* spellings already given 'g' keys */
	es_vec kpairs;  /* kpair (key hash, term id): a word and its deletions -> the term */
	es_vec tpairs;  /* kpair (term id, posting): the names and positions of a term */
	es_map64 terms;    /* term hash -> term id */
	uint32_t n_terms;
	bool oom;
} keyset;

static es_code push_word_keys(keyset *ks, const char *c, size_t cl, bool num, uint32_t val)
{
	/* Two levels, as in symspell: keys (the spelling and its deletion-1
	 * variants, one key space) lead to terms, terms to names. A frequent
	 * word's names are then listed once, not once per deletion. */
	bool fresh = false;
	uint32_t *slot = es_map64_slot(&ks->terms, es_index_key('t', c, cl), &fresh);
	if (!slot)
		return ES_ENOMEM;
	if (fresh) {
		uint32_t tid = ks->n_terms++;
		*slot = tid;
		kpair kp = {es_index_key('k', c, cl), tid};
		if (!push_kpair(&ks->kpairs, kp))
			return ES_ENOMEM;
		if (cl >= ES_SCORE_MIN_TYPO_LEN && !num) {
			char d[ES_TOK_LEN * 2];
			for (size_t k = 0; k < cl; k++) {
				if (k > 0 && c[k] == c[k - 1])
					continue; /* same deletion as the previous one */
				memcpy(d, c, k);
				memcpy(d + k, c + k + 1, cl - k - 1);
				kp.h = es_index_key('k', d, cl - 1);
				if (!push_kpair(&ks->kpairs, kp))
					return ES_ENOMEM;
			}
		}
		/* the scorer allows two edits from 9 letters: deletion-2 variants
		 * too, met by the query's spelling and its deletion-1 and -2
		 * variants (es_match.c) */
		if (cl >= ES_INDEX_DEL2_MIN && !num && !(val & POS_PAIR)) {
			uint64_t k2[ES_INDEX_MAX_DEL2];
			size_t n2 = es_index_key_dels2('k', c, cl, k2);
			for (size_t k = 0; k < n2; k++) {
				kp.h = k2[k];
				if (!push_kpair(&ks->kpairs, kp))
					return ES_ENOMEM;
			}
		}
	}
	kpair tp = {*slot, val};
	return push_kpair(&ks->tpairs, tp) ? ES_OK : ES_ENOMEM;
}

/* A legal form, stopword or generic word has no keys of its own, yet a
 * query word can align with it (a typo: "holdingss"). The 'g' keys let a
 * query tell such words from words that surely miss a name. */
static es_code push_gen(keyset *ks, const char *c, size_t cl)
{
	bool fresh = false;
	/* the spellings seen apart from the keys: "electronic" may already be
	 * a key as a deletion of "electronics" but still needs its deletions */
	if (!es_map64_slot(&ks->gen_seen, es_index_key('G', c, cl), &fresh))
		return ES_ENOMEM;
	if (!fresh)
		return ES_OK;
	/* the spelling, its deletion-1 and (from ES_INDEX_DEL2_MIN letters)
	 * deletion-2 variants: every word the scorer may align with it meets */
	uint64_t keys[ES_TOK_LEN + 1];
	size_t nk = es_index_key_dels('g', c, cl, keys);
	for (size_t k = 0; k < nk; k++)
		if (!es_map64_slot(&ks->gen, keys[k], &fresh))
			return ES_ENOMEM;
	if (cl >= ES_INDEX_DEL2_MIN) {
		uint64_t k2[ES_INDEX_MAX_DEL2];
		size_t n2 = es_index_key_dels2('g', c, cl, k2);
		for (size_t k = 0; k < n2; k++)
			if (!es_map64_slot(&ks->gen, k2[k], &fresh))
				return ES_ENOMEM;
	}
	return ES_OK;
}

size_t es_index_pair_spelling(const char *a, size_t al, const char *b, size_t bl, char *out)
{
	if (al + bl >= ES_TOK_LEN)
		return 0; /* no word of a name is that long */
	memcpy(out, a, al);
	memcpy(out + al, b, bl);
	return al + bl;
}

static es_code push_pair_key(keyset *pairs, const char *pool, const es_ix_tok *a, const es_ix_tok *b, uint32_t val)
{
	char cc[ES_TOK_LEN];
	size_t l = es_index_pair_spelling(pool + a->canon, a->canon_len, pool + b->canon, b->canon_len, cc);
	if (!l)
		return ES_OK;
	/* with deletions: spelling rules act across the joint ("yindeear rom" vs "yindeearrom") */
	return push_word_keys(pairs, cc, l, false, val | POS_PAIR);
}

static es_code push_class_key(keyset *ks, uint16_t cls, uint32_t val)
{
	char c[4] = {'\x01', 'g', (char)(cls >> 8), (char)(cls & 0xff)};
	return push_word_keys(ks, c, sizeof c, true, val);
}

/* Whether token i of a name gets index keys of its own. Others (initials;
 * legal forms, stopwords and generic words next to distinctive words) can
 * still align at query time: their weight is "free" in the score bound. */
static bool keyed(const es_ix_tok *t, bool any_distinctive)
{
	if (t->kind == ES_TK_INITIAL)
		return false;
	return !any_distinctive || is_distinctive(t->kind);
}

static es_code push_keys(keyset *pairs, const es_ix_tok *toks, size_t n, const char *pool, uint32_t name_id,
			 float *wfree)
{
	bool any = false;
	double fw = 0;
	for (size_t i = 0; i < n; i++)
		if (is_distinctive(toks[i].kind))
			any = true;
	for (size_t i = 0; i < n; i++) {
		const es_ix_tok *t = &toks[i];
		uint32_t val = (name_id << 8) | (uint32_t)i;
		bool next_word = i + 1 < n && toks[i + 1].kind == ES_TK_WORD;
		if (!keyed(t, any) || i >= POS_PAIR) {
			fw += t->w;
			if (t->kind != ES_TK_INITIAL && (push_gen(pairs, pool + t->canon, t->canon_len) != ES_OK ||
							 push_gen(pairs, pool + t->text, t->text_len) != ES_OK))
				return ES_ENOMEM;
			/* an article only as the first half of a compound ("al" + "hassan") */
			if (t->kind == ES_TK_STOP && next_word && i < POS_PAIR &&
			    push_pair_key(pairs, pool, t, &toks[i + 1], val) != ES_OK)
				return ES_ENOMEM;
			continue;
		}
		bool num = t->kind == ES_TK_NUM;
		if (push_word_keys(pairs, pool + t->canon, t->canon_len, num, val) != ES_OK)
			return ES_ENOMEM;
		/* the scorer also compares the spelling as written */
		if (t->text != t->canon && push_word_keys(pairs, pool + t->text, t->text_len, num, val) != ES_OK)
			return ES_ENOMEM;
		if (t->kind == ES_TK_WORD && next_word && push_pair_key(pairs, pool, t, &toks[i + 1], val) != ES_OK)
			return ES_ENOMEM;
		/* a given name is reached by the other names of its class */
		if ((t->lex & ES_LX_GIVEN) && push_class_key(pairs, t->cls, val) != ES_OK)
			return ES_ENOMEM;
	}
	*wfree = (float)fw;
	return ES_OK;
}

/* A weight in posting units back as a weight (UINT16_MAX: at least that). */
static float units_weight(uint16_t u)
{
	return u == UINT16_MAX ? INFINITY : es_ix_weight(u);
}

/* A weight in posting units, rounded up (an upper estimate stays one). */
static uint16_t weight_units(double w)
{
	double u = ceil(w * ES_IX_WSCALE + 1e-9);
	return u >= UINT16_MAX ? UINT16_MAX : u <= 0 ? 0 : (uint16_t)u;
}

static double idf_of(double n_docs, uint32_t df)
{
	/* a word in no listed name weighs like one in two names: a typo of a rare
	 * word, or a word the clerk added, is not worth more than the rarest word */
	double d = df ? (double)df : 2.0;
	/* a floor: even the commonest given name ("Mohammad") tells persons
	 * apart, so it may not vanish from the score */
	double floor = IDF_FLOOR_SHARE * log(1.0 + n_docs / 2.0);
	double idf = log(1.0 + n_docs / d);
	return idf > floor ? idf : floor;
}

uint64_t es_index_class_key(uint16_t cls)
{
	char c[4] = {'\x01', 'g', (char)(cls >> 8), (char)(cls & 0xff)};
	return es_index_key('k', c, sizeof c);
}

/* The state of one index build: the sections as they grow, the string pool,
 * the keys and the document frequencies. */
typedef struct {
	const es_normalizer *nz;
	const es_lexicon *lex;
	spool sp;
	es_buf v[S_COUNT];
	keyset ks;
	es_map64 df;      /* 'c' key of a canonical word -> names using it */
	es_ntoks *nt;
	char **seen;   /* the current entity's normalized names (a name twice is indexed once) */
	size_t *seen_id;
	size_t n_seen, skipped;
} builder;

static void builder_free(builder *b)
{
	if (b->seen) {
		for (size_t s = 0; s < ES_MAX_NAMES; s++)
			free(b->seen[s]);
		free(b->seen);
	}
	free(b->seen_id);
	free(b->nt);
	es_buf_free(&b->sp.pool);
	es_map64_free(&b->sp.intern);
	for (int s = 0; s < S_COUNT; s++)
		es_buf_free(&b->v[s]);
	es_vec_free(&b->ks.kpairs);
	es_vec_free(&b->ks.tpairs);
	es_map64_free(&b->ks.terms);
	es_map64_free(&b->ks.gen);
	es_map64_free(&b->ks.gen_seen);
	es_map64_free(&b->df);
}

/* An entity's display data: strings, programmes, countries, addresses (an
 * allocation failure shows in the sections' oom, checked after all). */
static void add_display(builder *b, const es_entity *e, es_ix_entity *xe)
{
	spool *sp = &b->sp;
	xe->source = (uint8_t)e->source;
	xe->type = (uint8_t)e->type;
	xe->entry_id = istr(sp, e->entry_id);
	xe->list = istr(sp, e->list);
	xe->name = istr(sp, e->name);
	xe->lic_req = istr(sp, e->license_requirement);
	xe->lic_pol = istr(sp, e->license_policy);
	xe->frn = istr(sp, e->federal_register_notice);
	xe->start_date = istr(sp, e->start_date);
	xe->end_date = istr(sp, e->end_date);
	xe->remarks = istr(sp, e->remarks);
	xe->address_only = e->list && strcmp(e->list, "EL") == 0 && looks_like_address(e->name);
	if (e->type == ES_TYPE_UNKNOWN && e->name && es_normalize(b->nz, e->name, strlen(e->name), b->nt, NULL) == ES_OK)
		xe->person_like = es_index_reads_like_person(b->nt);
	xe->prog_start = (uint32_t)(b->v[S_PROG].len / sizeof(uint32_t));
	for (size_t i = 0; i < e->n_programs && i < UINT16_MAX; i++) {
		uint32_t o = istr(sp, e->programs[i]);
		buf_push(&b->v[S_PROG], &o, sizeof o);
		xe->n_prog++;
	}
	xe->ctry_start = (uint32_t)(b->v[S_CTRY].len / 3);
	for (size_t i = 0; i < e->n_countries; i++) {
		bool dup = false;
		for (size_t j = 0; j < i; j++)
			if (memcmp(e->countries[j].cc, e->countries[i].cc, 2) == 0)
				dup = true;
		if (dup || !e->countries[i].cc[0])
			continue;
		char cc[3] = {e->countries[i].cc[0], e->countries[i].cc[1], '\0'};
		buf_push(&b->v[S_CTRY], cc, 3);
		xe->n_ctry++;
	}
	xe->addr_start = (uint32_t)(b->v[S_ADDR].len / sizeof(es_ix_addr));
	for (size_t i = 0; i < e->n_addresses && i < UINT16_MAX; i++) {
		const es_address *a = &e->addresses[i];
		es_ix_addr xa = {0};
		xa.street = istr(sp, a->street);
		xa.city = istr(sp, a->city);
		xa.region = istr(sp, a->region);
		xa.postal = istr(sp, a->postal_code);
		xa.full = istr(sp, a->full);
		memcpy(xa.country, a->country, 2);
		buf_push(&b->v[S_ADDR], &xa, sizeof xa);
		xe->n_addr++;
	}
}

/* One token of a listed name, and its document frequency (once per name). */
static es_code add_token(builder *b, const es_ntoks *nt, size_t t, const es_stok *mark)
{
	const es_tok *tk = &nt->tok[t];
	es_ix_tok xt = {0};
	xt.cls = mark->cls;
	xt.lex = mark->lex;
	xt.canon = intern(&b->sp, tk->canon, tk->canon_len);
	xt.text = intern(&b->sp, tk->text, tk->text_len);
	xt.canon_len = tk->canon_len;
	xt.text_len = tk->text_len;
	xt.kind = tk->kind;
	xt.flags = tk->flags;
	buf_push(&b->v[S_TOK], &xt, sizeof xt);
	for (size_t u = 0; u < t; u++)
		if (strcmp(nt->tok[u].canon, tk->canon) == 0)
			return ES_OK;
	bool fresh;
	uint32_t *c = es_map64_slot(&b->df, es_index_key('c', tk->canon, tk->canon_len), &fresh);
	if (!c)
		return ES_ENOMEM;
	(*c)++;
	return ES_OK;
}

/* One name of entity ei, normalized; the same normalized name twice in one
 * entity is indexed once, with its stronger strength. */
static es_code add_name(builder *b, const es_entity *e, size_t ei, const es_ix_entity *xe, const es_name *nm,
			es_err *err)
{
	es_ntoks *nt = b->nt;
	if (!nm->name || es_normalize(b->nz, nm->name, strlen(nm->name), nt, NULL) != ES_OK || nt->n == 0) {
		b->skipped++;
		return ES_OK;
	}
	char key[ES_QUERY_MAX * 2];
	size_t kl = 0;
	for (size_t t = 0; t < nt->n && kl + ES_TOK_LEN + 1 < sizeof key; t++) {
		memcpy(key + kl, nt->tok[t].canon, nt->tok[t].canon_len);
		kl += nt->tok[t].canon_len;
		key[kl++] = ' ';
	}
	key[kl] = '\0';
	for (size_t s = 0; s < b->n_seen; s++)
		if (strcmp(b->seen[s], key) == 0) {
			/* keep the stronger reading */
			es_ix_name *names = (es_ix_name *)b->v[S_NAME].s;
			if (nm->strength == ES_STRONG && !b->v[S_NAME].oom)
				names[b->seen_id[s]].strength = ES_STRONG;
			return ES_OK;
		}
	size_t name_id = b->v[S_NAME].len / sizeof(es_ix_name);
	b->seen_id[b->n_seen] = name_id;
	b->seen[b->n_seen] = strdup(key);
	if (!b->seen[b->n_seen])
		return es_err_set(err, ES_ENOMEM, "out of memory");
	b->n_seen++;
	es_ix_name xn = {0};
	xn.entity = (uint32_t)ei;
	xn.display = istr(&b->sp, nm->name);
	xn.tok_start = (uint32_t)(b->v[S_TOK].len / sizeof(es_ix_tok));
	xn.n_tok = (uint8_t)nt->n;
	xn.strength = (uint8_t)nm->strength;
	xn.kind = (uint8_t)nm->kind;
	xn.person = e->type == ES_TYPE_PERSON || (e->type == ES_TYPE_UNKNOWN && xe->person_like);
	buf_push(&b->v[S_NAME], &xn, sizeof xn);
	es_stok marks[ES_NAME_TOKENS];
	for (size_t t = 0; t < nt->n; t++) {
		marks[t].canon = nt->tok[t].canon;
		marks[t].canon_len = nt->tok[t].canon_len;
		marks[t].text = nt->tok[t].text;
		marks[t].text_len = nt->tok[t].text_len;
		marks[t].kind = nt->tok[t].kind;
	}
	es_lexicon_mark(b->lex, marks, nt->n);
	for (size_t t = 0; t < nt->n; t++)
		if (add_token(b, nt, t, &marks[t]) != ES_OK)
			return es_err_set(err, ES_ENOMEM, "out of memory");
	return ES_OK;
}

/* The one word of a name of one distinctive word (HIKVISION, ROSTEC, SUGON)
 * is the entity's brand when a longer name of the entity has it too (Hangzhou
 * Hikvision Digital Technology Co., Ltd.; State Corporation Rostec; Sugon
 * Information Industry Co., Ltd.) or a name of the entity writes it with a legal form
 * (PJSC PROMSVYAZBANK): a branch adds to it as to a longer name ("Hikvision
 * Europe B.V.", es_score's containment). A one-word name alone (a vessel's
 * TANGO) stays whole, and so does an everyday word (dictionary_words.txt:
 * TERMINAL, SOYUZ), which many clean companies' names hold. Names
 * first_name.. are e's. */
#define BRAND_MIN 5 /* letters: shorter words are abbreviations (DJI, VEB), which many clean companies' names are */
static void mark_brands(builder *b, size_t first_name)
{
	es_ix_name *names = (es_ix_name *)b->v[S_NAME].s;
	es_ix_tok *toks = (es_ix_tok *)b->v[S_TOK].s;
	size_t n_names = b->v[S_NAME].len / sizeof(es_ix_name);
	if (b->v[S_NAME].oom || b->v[S_TOK].oom)
		return;
	for (size_t a = first_name; a < n_names; a++) {
		es_ix_tok *one = NULL;
		size_t core = 0;
		for (size_t k = 0; k < names[a].n_tok; k++) {
			es_ix_tok *t = &toks[names[a].tok_start + k];
			if (es_score_core_word(t->kind, t->flags)) {
				core++;
				one = t;
			}
		}
		if (core != 1 || one->kind != ES_TK_WORD || one->text_len < BRAND_MIN || (one->lex & ES_LX_COMMON) ||
		    es_lexicon_dictionary(b->lex, b->sp.pool.s + one->text, one->text_len))
			continue;
		for (size_t o = first_name; o < n_names && !(one->flags & ES_TF_BRAND); o++) {
			size_t ocore = 0;
			bool has = false, legal = false;
			for (size_t k = 0; k < names[o].n_tok; k++) {
				const es_ix_tok *t = &toks[names[o].tok_start + k];
				ocore += es_score_core_word(t->kind, t->flags);
				has |= t->kind == ES_TK_WORD && t->canon == one->canon;
				legal |= t->kind == ES_TK_LEGAL;
			}
			if (has && (ocore >= 2 || legal))
				one->flags |= ES_TF_BRAND;
		}
	}
}

static es_code add_entity(builder *b, const es_entity *e, size_t ei, es_err *err)
{
	es_ix_entity xe = {0};
	add_display(b, e, &xe);
	es_code rc = ES_OK;
	b->n_seen = 0;
	size_t first_name = b->v[S_NAME].len / sizeof(es_ix_name);
	for (size_t ni = 0; ni < e->n_names && ni < ES_MAX_NAMES && rc == ES_OK; ni++)
		rc = add_name(b, e, ei, &xe, &e->names[ni], err);
	if (rc == ES_OK && e->type != ES_TYPE_PERSON)
		mark_brands(b, first_name);
	for (size_t s = 0; s < b->n_seen; s++) {
		free(b->seen[s]);
		b->seen[s] = NULL;
	}
	buf_push(&b->v[S_ENT], &xe, sizeof xe);
	return rc;
}

/* A name's weights and what the matcher's bounds need of it: total weight,
 * whether a query may contain it, its longest word, the lengths of its words
 * without keys. */
static void weigh_name(builder *b, es_ix_name *nm, double n_docs)
{
	es_stok st[ES_NAME_TOKENS];
	double idf[ES_NAME_TOKENS];
	const char *pool = b->sp.pool.s;
	es_ix_tok *t = (es_ix_tok *)b->v[S_TOK].s + nm->tok_start;
	size_t n = nm->n_tok;
	for (size_t k = 0; k < n; k++) {
		bool fresh;
		uint32_t *c = es_map64_slot(&b->df, es_index_key('c', pool + t[k].canon, t[k].canon_len), &fresh);
		idf[k] = idf_of(n_docs, c ? *c : 0);
		st[k].kind = t[k].kind;
		st[k].flags = t[k].flags;
	}
	es_score_weigh(st, n, idf);
	/* containable: not a person; the words a containment needs
	 * (es_score_containable); a distinctive word at least as rare as
	 * ES_INDEX_CONTAIN_MAX_DF names make it and not common in bank and state
	 * names (common_words.txt), or none at all */
	bool any_dist = false, rare = false;
	double rare_idf = idf_of(n_docs, ES_INDEX_CONTAIN_MAX_DF);
	for (size_t k = 0; k < n; k++) {
		if ((t[k].kind != ES_TK_WORD && t[k].kind != ES_TK_NUM) || (t[k].flags & ES_TF_PAREN))
			continue;
		any_dist = true;
		if (idf[k] >= rare_idf * 0.999 && !(t[k].lex & ES_LX_COMMON))
			rare = true;
	}
	const es_ix_entity *ne = (const es_ix_entity *)b->v[S_ENT].s + nm->entity;
	nm->containable = ne->type != ES_TYPE_PERSON && (rare || !any_dist) && es_score_containable(st, n);
	double wsum = 0;
	for (size_t k = 0; k < n; k++) {
		t[k].w = st[k].w;
		wsum += st[k].w;
	}
	nm->wsum = (float)wsum;
	/* what es_match.c needs to tell whether a query word could align
	 * with a word of this name three edits away */
	size_t ml = 0;
	for (size_t k = 0; k < n; k++) {
		if (t[k].kind != ES_TK_INITIAL && t[k].kind != ES_TK_NUM) {
			if (t[k].canon_len > ml)
				ml = t[k].canon_len;
			if (t[k].text_len > ml)
				ml = t[k].text_len;
		}
	}
	nm->maxlen = (uint8_t)(ml < 255 ? ml : 255);
	bool anyd = false, initial = false;
	for (size_t k = 0; k < n; k++) {
		anyd |= is_distinctive(t[k].kind);
		initial |= t[k].kind == ES_TK_INITIAL;
	}
	nm->plain = anyd && !initial;
	double wl = 0, wm = 0;
	for (size_t k = 0; k < n; k++) {
		if (t[k].kind != ES_TK_INITIAL && t[k].kind != ES_TK_NUM && (t[k].canon_len >= 10 || t[k].text_len >= 10))
			wl += st[k].w;
		if (keyed(&t[k], anyd) && k < POS_PAIR && st[k].w > wm)
			wm = st[k].w;
	}
	nm->wlong = weight_units(wl);
	nm->wmax = weight_units(wm);
	size_t umin = 255, umax = 0;
	for (size_t k = 0; k < n; k++) {
		if (t[k].kind == ES_TK_INITIAL || (keyed(&t[k], anyd) && k < POS_PAIR))
			continue;
		size_t lo = t[k].canon_len < t[k].text_len ? t[k].canon_len : t[k].text_len;
		size_t hi = t[k].canon_len > t[k].text_len ? t[k].canon_len : t[k].text_len;
		if (lo < umin)
			umin = lo;
		if (hi > umax)
			umax = hi;
	}
	nm->ukmin = (uint8_t)(umax ? umin : 0);
	nm->ukmax = (uint8_t)(umax < 255 ? umax : 255);
}

/* Weights of every name, and their keys. */
static es_code weigh_and_key(builder *b, es_err *err)
{
	size_t n_names = b->v[S_NAME].len / sizeof(es_ix_name);
	if (n_names >= (1u << 24))
		return es_err_set(err, ES_ETOOBIG, "index: %zu names, at most %u", n_names, (1u << 24) - 1);
	double n_docs = (double)(n_names ? n_names : 1);
	es_ix_name *names = (es_ix_name *)b->v[S_NAME].s;
	es_ix_tok *toks = (es_ix_tok *)b->v[S_TOK].s;
	for (size_t ni = 0; ni < n_names; ni++) {
		weigh_name(b, &names[ni], n_docs);
		if (push_keys(&b->ks, toks + names[ni].tok_start, names[ni].n_tok, b->sp.pool.s, (uint32_t)ni,
			      &names[ni].wfree) != ES_OK)
			return es_err_set(err, ES_ENOMEM, "out of memory building the index");
	}
	return ES_OK;
}

/* Keys -> term ids (TREF), in hash buckets (CSR): BKT[b]..BKT[b+1] are the
 * keys of bucket b, one to two per bucket (at most two on average, so the
 * bucket array stays small with the deletion-2 keys); document-frequency
 * and 'g' keys among them. */
static es_code write_keys(builder *b, es_err *err)
{
	keyset *ks = &b->ks;
	size_t np = ks->kpairs.n;
	kpair *kp = (kpair *)ks->kpairs.data;
	if (np)
		qsort(kp, np, sizeof *kp, kpair_cmp);
	size_t n_keys = b->df.n + ks->gen.n;
	for (size_t i = 0; i < np; i++)
		if (i == 0 || kp[i].h != kp[i - 1].h)
			n_keys++;
	size_t nb = 16;
	while (nb * 2 < n_keys)
		nb *= 2;
	es_ix_key *all = calloc(n_keys ? n_keys : 1, sizeof *all);
	uint32_t *bkt = buf_push(&b->v[S_BKT], NULL, (nb + 1) * sizeof(uint32_t));
	es_ix_key *keys = buf_push(&b->v[S_KEY], NULL, (n_keys ? n_keys : 1) * sizeof(es_ix_key));
	if (!all || !bkt || !keys) {
		free(all);
		return es_err_set(err, ES_ENOMEM, "out of memory building the index");
	}
	if (!n_keys)
		b->v[S_KEY].len = 0;
	size_t nk = 0;
	for (size_t i = 0; i < np;) {
		size_t j = i;
		uint32_t start = (uint32_t)(b->v[S_TREF].len / sizeof(uint32_t));
		uint32_t cnt = 0;
		for (; j < np && kp[j].h == kp[i].h; j++) {
			if (j > i && kp[j].name == kp[j - 1].name)
				continue;
			buf_push(&b->v[S_TREF], &kp[j].name, sizeof(uint32_t));
			cnt++;
		}
		all[nk++] = (es_ix_key){kp[i].h, start, cnt};
		i = j;
	}
	for (size_t i = 0; i < b->df.cap; i++)
		if (b->df.k[i])
			all[nk++] = (es_ix_key){b->df.k[i], ES_IX_DF, b->df.v[i]};
	for (size_t i = 0; i < ks->gen.cap; i++)
		if (ks->gen.k[i])
			all[nk++] = (es_ix_key){ks->gen.k[i], ES_IX_DF, 0};
	/* the buffers may have moved: bkt and keys again */
	bkt = (uint32_t *)b->v[S_BKT].s;
	keys = (es_ix_key *)b->v[S_KEY].s;
	for (size_t i = 0; i < nk; i++)
		bkt[((size_t)all[i].h & (nb - 1)) + 1]++;
	for (size_t k = 0; k < nb; k++)
		bkt[k + 1] += bkt[k];
	uint32_t *fill = calloc(nb, sizeof *fill);
	if (!fill) {
		free(all);
		return es_err_set(err, ES_ENOMEM, "out of memory building the index");
	}
	for (size_t i = 0; i < nk; i++) {
		size_t k = (size_t)all[i].h & (nb - 1);
		keys[bkt[k] + fill[k]++] = all[i];
	}
	free(fill);
	free(all);
	/* the pairs and maps are in the sections now: give their memory back
	 * before the postings and the image (the peak of a build) */
	es_vec_free(&ks->kpairs);
	es_map64_free(&ks->gen);
	es_map64_free(&ks->gen_seen);
	es_map64_free(&ks->terms);
	es_map64_free(&b->df);
	return ES_OK;
}

/* Terms -> postings: (name, position, weight of the word(s) there, weight
 * of the name) per term, each name once per term. */
static es_code write_postings(builder *b, es_err *err)
{
	keyset *ks = &b->ks;
	size_t ntp = ks->tpairs.n;
	kpair *tp = (kpair *)ks->tpairs.data;
	if (ntp)
		qsort(tp, ntp, sizeof *tp, kpair_cmp);
	if (!buf_push(&b->v[S_TERM], NULL, (ks->n_terms ? ks->n_terms : 1) * sizeof(es_ix_term)))
		return es_err_set(err, ES_ENOMEM, "out of memory building the index");
	if (!ks->n_terms)
		b->v[S_TERM].len = 0;
	es_ix_term *terms = (es_ix_term *)b->v[S_TERM].s;
	const es_ix_name *names = (const es_ix_name *)b->v[S_NAME].s;
	const es_ix_tok *toks = (const es_ix_tok *)b->v[S_TOK].s;
	/* the letters of each name's initials, once per name */
	size_t n_names = b->v[S_NAME].len / sizeof(es_ix_name);
	uint32_t *name_initials = calloc(n_names ? n_names : 1, sizeof *name_initials);
	if (!name_initials)
		return es_err_set(err, ES_ENOMEM, "out of memory building the index");
	for (size_t n = 0; n < n_names; n++)
		for (size_t k = 0; k < names[n].n_tok; k++) {
			const es_ix_tok *it = toks + names[n].tok_start + k;
			if (it->kind == ES_TK_INITIAL)
				name_initials[n] |= es_index_letter_bit(b->sp.pool.s + it->canon, it->canon_len) |
						    es_index_letter_bit(b->sp.pool.s + it->text, it->text_len);
		}
	for (size_t i = 0; i < ntp;) {
		size_t j = i;
		uint32_t start = (uint32_t)(b->v[S_POST].len / sizeof(es_ix_post)), cnt = 0;
		uint32_t initials = 0;
		for (; j < ntp && tp[j].h == tp[i].h; j++) {
			if (j > i && tp[j].name == tp[j - 1].name)
				continue;
			uint32_t nid = tp[j].name >> 8, pos = tp[j].name & 0x7f;
			const es_ix_tok *t0 = toks + names[nid].tok_start + pos;
			float w = t0->w;
			if ((tp[j].name & POS_PAIR) && pos + 1u < names[nid].n_tok)
				w += t0[1].w;
			es_ix_post po = {tp[j].name, weight_units(w), weight_units(names[nid].wsum)};
			initials |= name_initials[nid];
			buf_push(&b->v[S_POST], &po, sizeof po);
			cnt++;
		}
		terms[tp[i].h].start = start;
		terms[tp[i].h].len = cnt;
		terms[tp[i].h].initials = initials;
		i = j;
	}
	free(name_initials);
	if (b->v[S_POST].oom || b->v[S_TREF].oom || ks->oom || ks->kpairs.oom || ks->tpairs.oom)
		return es_err_set(err, ES_ENOMEM, "out of memory building the index");
	es_vec_free(&ks->tpairs);
	return ES_OK;
}

/* The image: header, then every section 8-byte aligned; the checksum last. */
static es_code write_image(builder *b, const char *set_hash, const char *norm_hash, void **out, size_t *out_len,
			   es_err *err)
{
	ix_header h;
	memset(&h, 0, sizeof h);
	memcpy(h.magic, MAGIC, 8);
	h.version = ES_INDEX_VERSION;
	h.header_size = sizeof h;
	snprintf(h.set_hash, sizeof h.set_hash, "%s", set_hash);
	snprintf(h.norm_hash, sizeof h.norm_hash, "%s", norm_hash ? norm_hash : es_normalizer_hash(b->nz));
	h.n_docs = b->v[S_NAME].len / sizeof(es_ix_name);
	b->v[S_STR] = b->sp.pool;
	b->sp.pool = (es_buf){0};
	size_t off = (sizeof h + 7) & ~(size_t)7;
	for (int s = 0; s < S_COUNT; s++) {
		h.off[s] = off;
		h.count[s] = b->v[s].len / rec_size[s];
		off = (off + b->v[s].len + 7) & ~(size_t)7;
	}
	h.file_size = off;
	unsigned char *img = calloc(1, off);
	if (!img)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	for (int s = S_COUNT; s-- > 0;) {
		if (b->v[s].len)
			memcpy(img + h.off[s], b->v[s].s, b->v[s].len);
		es_buf_free(&b->v[s]); /* copied: the peak stays near one image */
	}
	h.checksum = 0;
	h.checksum = image_checksum(&h, img, off);
	memcpy(img, &h, sizeof h);
	*out = img;
	*out_len = off;
	return ES_OK;
}

es_code es_index_build(const es_entityset *ents, const es_normalizer *nz, const es_lexicon *lex,
		       const char *set_hash, const char *norm_hash, void **out, size_t *out_len,
		       size_t *skipped_names, es_err *err)
{
	es_code rc = ES_OK;
	builder b = {0};
	b.nz = nz;
	b.lex = lex;
	*out = NULL;
	*out_len = 0;
	b.nt = malloc(sizeof *b.nt);
	b.seen = calloc(ES_MAX_NAMES, sizeof *b.seen);
	b.seen_id = calloc(ES_MAX_NAMES, sizeof *b.seen_id);
	if (!b.nt || !b.seen || !b.seen_id) {
		rc = es_err_set(err, ES_ENOMEM, "out of memory");
		goto done;
	}
	buf_push(&b.sp.pool, "", 1);
	for (size_t ei = 0; ei < ents->n && rc == ES_OK; ei++)
		rc = add_entity(&b, ents->items[ei], ei, err);
	if (rc != ES_OK)
		goto done;
	for (int s = 0; s < S_COUNT; s++)
		if (b.v[s].oom || b.sp.pool.oom || b.sp.pool.len >= UINT32_MAX) {
			rc = es_err_set(err, ES_ENOMEM, "out of memory building the index");
			goto done;
		}
	rc = weigh_and_key(&b, err);
	if (rc == ES_OK)
		rc = write_keys(&b, err);
	if (rc == ES_OK)
		rc = write_postings(&b, err);
	if (rc == ES_OK)
		rc = write_image(&b, set_hash, norm_hash, out, out_len, err);
	if (rc == ES_OK && skipped_names)
		*skipped_names = b.skipped;
done:
	builder_free(&b);
	return rc;
}

/* ---- load ---- */

bool es_index_settle(es_index *ix)
{
	if (!ix || ix->big || !ix->base)
		return false;
	/* the address records, made on demand, point into the image: only
	 * before any was made */
	for (size_t i = 0; i < ix->h->count[S_ADDR]; i++)
		if (__atomic_load_n(&ix->addr_ready[i], __ATOMIC_ACQUIRE))
			return false;
	unsigned char *nb = es_big_alloc(ix->len);
	if (!nb)
		return false;
	memcpy(nb, ix->base, ix->len);
	unsigned char *old = ix->base;
#define REBASE(p) ((p) = (void *)(nb + ((const unsigned char *)(p) - old)))
	REBASE(ix->h);
	REBASE(ix->str);
	REBASE(ix->ent);
	REBASE(ix->addr);
	REBASE(ix->prog);
	REBASE(ix->ctry);
	REBASE(ix->name);
	REBASE(ix->tok);
	REBASE(ix->bkt);
	REBASE(ix->key);
	REBASE(ix->tref);
	REBASE(ix->term);
	REBASE(ix->post);
	for (size_t i = 0; ix->prog_ptrs && i < ix->h->count[S_PROG]; i++)
		REBASE(ix->prog_ptrs[i]);
#undef REBASE
	if (ix->mapped)
		munmap(old, ix->len);
	else
		free(old);
	ix->base = nb;
	ix->big = true;
	return true;
}

void es_index_free(es_index *ix)
{
	if (!ix)
		return;
	if (ix->base) {
		if (ix->big)
			es_big_free(ix->base, ix->len);
		else if (ix->mapped)
			munmap(ix->base, ix->len);
		else
			free(ix->base);
	}
	free(ix->prog_ptrs);
	es_big_free(ix->hot, ix->hot_size);
	free(ix->rec_addrs);
	free(ix->addr_ready);
	pthread_mutex_destroy(&ix->addr_lock);
	free(ix);
}

static bool str_ok(const es_index *ix, uint32_t off)
{
	return off < ix->str_size;
}

/* A token's spellings lie in the string pool and its weight is a weight. */
static inline bool tok_ok(const es_index *ix, const es_ix_tok *t)
{
	return (uint64_t)t->canon + t->canon_len < ix->str_size && (uint64_t)t->text + t->text_len < ix->str_size &&
	       t->canon_len < ES_TOK_LEN && t->text_len < ES_TOK_LEN && isfinite(t->w) && t->w >= 0 && t->text != 0;
}

/* What a load checks. Every load checks the header (magic, version, size, both
 * hashes), the section bounds and the small sections the scorer reads without
 * further checks (entities, names, tokens, addresses, countries, programmes);
 * the large key, term and posting sections are range-checked where they are
 * read (es_index_terms, es_index_term_postings, es_index_post_name). A full
 * check adds the checksum and every record of those: it reads all of the
 * file, so it runs after a build is saved, after fetch and on request
 * (es_index_verify), not at every open. */
typedef enum { CHECK_OPEN, CHECK_FULL } check_level;

static es_code validate(es_index *ix, const char *set_hash, const char *norm_hash, check_level level,
			es_err *err)
{
	const ix_header *h = ix->h;
	if (ix->len < sizeof *h || memcmp(h->magic, MAGIC, 8) != 0)
		return es_err_set(err, ES_ECORRUPT, "index: not an exportscreen index (bad magic)");
	if (h->version != ES_INDEX_VERSION || h->header_size != sizeof *h)
		return es_err_set(err, ES_ECORRUPT, "index: format version %u, expected %u (stale)", h->version,
				  ES_INDEX_VERSION);
	if (h->file_size != ix->len)
		return es_err_set(err, ES_ECORRUPT, "index: size %zu differs from the %llu bytes recorded (truncated?)",
				  ix->len, (unsigned long long)h->file_size);
	if (memchr(h->set_hash, '\0', sizeof h->set_hash) == NULL || strcmp(h->set_hash, set_hash) != 0)
		return es_err_set(err, ES_ECORRUPT, "index: built for another list set (stale)");
	if (memchr(h->norm_hash, '\0', sizeof h->norm_hash) == NULL || strcmp(h->norm_hash, norm_hash) != 0)
		return es_err_set(err, ES_ECORRUPT, "index: built with other normalization data (stale)");
	if (level == CHECK_FULL && image_checksum(h, ix->base, ix->len) != h->checksum)
		return es_err_set(err, ES_ECORRUPT, "index: checksum mismatch (damaged)");
	for (int s = 0; s < S_COUNT; s++) {
		uint64_t o = h->off[s], c = h->count[s];
		if (o < sizeof *h || o % 8 || o > ix->len || c > (ix->len - o) / rec_size[s])
			return es_err_set(err, ES_ECORRUPT, "index: section %d out of bounds", s);
		if (c > UINT32_MAX)
			return es_err_set(err, ES_ECORRUPT, "index: section %d too large", s);
	}
	ix->str = (const char *)ix->base + h->off[S_STR];
	ix->str_size = h->count[S_STR];
	ix->ent = (const es_ix_entity *)(ix->base + h->off[S_ENT]);
	ix->addr = (const es_ix_addr *)(ix->base + h->off[S_ADDR]);
	ix->prog = (const uint32_t *)(ix->base + h->off[S_PROG]);
	ix->ctry = (const char(*)[3])(ix->base + h->off[S_CTRY]);
	ix->name = (const es_ix_name *)(ix->base + h->off[S_NAME]);
	ix->tok = (const es_ix_tok *)(ix->base + h->off[S_TOK]);
	ix->bkt = (const uint32_t *)(ix->base + h->off[S_BKT]);
	ix->key = (const es_ix_key *)(ix->base + h->off[S_KEY]);
	ix->tref = (const uint32_t *)(ix->base + h->off[S_TREF]);
	ix->term = (const es_ix_term *)(ix->base + h->off[S_TERM]);
	ix->post = (const es_ix_post *)(ix->base + h->off[S_POST]);
	if (ix->str_size < 1 || ix->str[0] != '\0' || ix->str[ix->str_size - 1] != '\0')
		return es_err_set(err, ES_ECORRUPT, "index: bad string pool");
	const uint64_t *cnt = h->count;
	for (uint64_t i = 0; i < cnt[S_ENT]; i++) {
		const es_ix_entity *e = &ix->ent[i];
		if (e->source >= ES_SRC_COUNT || e->type > ES_TYPE_AIRCRAFT ||
		    (uint64_t)e->prog_start + e->n_prog > cnt[S_PROG] ||
		    (uint64_t)e->addr_start + e->n_addr > cnt[S_ADDR] ||
		    (uint64_t)e->ctry_start + e->n_ctry > cnt[S_CTRY] || !str_ok(ix, e->entry_id) ||
		    !str_ok(ix, e->list) || !str_ok(ix, e->name))
			return es_err_set(err, ES_ECORRUPT, "index: entity %llu is inconsistent",
					  (unsigned long long)i);
	}
	for (uint64_t i = 0; i < cnt[S_CTRY]; i++)
		if (ix->ctry[i][2] != '\0')
			return es_err_set(err, ES_ECORRUPT, "index: bad country code");
	for (uint64_t i = 0; i < cnt[S_NAME]; i++) {
		const es_ix_name *n = &ix->name[i];
		if (n->entity >= cnt[S_ENT] || (uint64_t)n->tok_start + n->n_tok > cnt[S_TOK] ||
		    n->n_tok > ES_NAME_TOKENS || !str_ok(ix, n->display) || !isfinite(n->wsum) || n->wsum < 0 ||
		    !isfinite(n->wfree) || n->wfree < 0)
			return es_err_set(err, ES_ECORRUPT, "index: name %llu is inconsistent", (unsigned long long)i);
	}
	/* tokens: each name's, where es_index_name_toks reads them (checking
	 * them all here reads most of the string pool) */
	for (uint64_t i = 0; level == CHECK_FULL && i < cnt[S_TOK]; i++)
		if (!tok_ok(ix, &ix->tok[i]) || ix->str[ix->tok[i].canon + ix->tok[i].canon_len] != '\0' ||
		    ix->str[ix->tok[i].text + ix->tok[i].text_len] != '\0')
			return es_err_set(err, ES_ECORRUPT, "index: token %llu is inconsistent", (unsigned long long)i);
	uint64_t nb = cnt[S_BKT] ? cnt[S_BKT] - 1 : 0;
	if (nb == 0 || (nb & (nb - 1)) || ix->bkt[0] != 0 || ix->bkt[nb] != cnt[S_KEY])
		return es_err_set(err, ES_ECORRUPT, "index: bad key buckets");
	for (uint64_t i = 0; i < cnt[S_PROG]; i++)
		if (!str_ok(ix, ix->prog[i]))
			return es_err_set(err, ES_ECORRUPT, "index: bad programme string");
	for (uint64_t i = 0; i < cnt[S_ADDR]; i++) {
		const es_ix_addr *a = &ix->addr[i];
		if (!str_ok(ix, a->street) || !str_ok(ix, a->city) || !str_ok(ix, a->region) ||
		    !str_ok(ix, a->postal) || !str_ok(ix, a->full) || a->country[2] != '\0')
			return es_err_set(err, ES_ECORRUPT, "index: bad address");
	}
	if (level != CHECK_FULL)
		return ES_OK;
	for (uint64_t b = 0; b < nb; b++)
		if (ix->bkt[b] > ix->bkt[b + 1])
			return es_err_set(err, ES_ECORRUPT, "index: bad key buckets");
	for (uint64_t i = 0; i < cnt[S_KEY]; i++)
		if (ix->key[i].start != ES_IX_DF && (uint64_t)ix->key[i].start + ix->key[i].len > cnt[S_TREF])
			return es_err_set(err, ES_ECORRUPT, "index: key %llu out of bounds", (unsigned long long)i);
	for (uint64_t i = 0; i < cnt[S_TREF]; i++)
		if (ix->tref[i] >= cnt[S_TERM])
			return es_err_set(err, ES_ECORRUPT, "index: term reference %llu out of bounds", (unsigned long long)i);
	for (uint64_t i = 0; i < cnt[S_TERM]; i++)
		if ((uint64_t)ix->term[i].start + ix->term[i].len > cnt[S_POST])
			return es_err_set(err, ES_ECORRUPT, "index: term %llu out of bounds", (unsigned long long)i);
	for (uint64_t i = 0; i < cnt[S_POST]; i++)
		if ((ix->post[i].np >> 8) >= cnt[S_NAME])
			return es_err_set(err, ES_ECORRUPT, "index: posting %llu out of bounds", (unsigned long long)i);
	return ES_OK;
}

static const char *nul(const es_index *ix, uint32_t off)
{
	return off && off < ix->str_size ? ix->str + off : NULL;
}

static es_code attach(es_index **out, void *buf, size_t len, bool mapped, const char *set_hash,
		      const char *norm_hash, check_level level, es_err *err)
{
	es_code rc = ES_OK;
	*out = NULL;
	es_index *ix = calloc(1, sizeof *ix);
	if (!ix) {
		if (mapped)
			munmap(buf, len);
		else
			free(buf);
		return es_err_set(err, ES_ENOMEM, "out of memory");
	}
	pthread_mutex_init(&ix->addr_lock, NULL);
	ix->base = buf;
	ix->len = len;
	ix->mapped = mapped;
	ix->h = (const ix_header *)buf;
	rc = validate(ix, set_hash, norm_hash, level, err);
	if (rc != ES_OK)
		goto fail;
	size_t np = ix->h->count[S_PROG], na = ix->h->count[S_ADDR];
	ix->prog_ptrs = malloc((np ? np : 1) * sizeof *ix->prog_ptrs);
	ix->rec_addrs = calloc(na ? na : 1, sizeof *ix->rec_addrs);
	ix->addr_ready = calloc(na ? na : 1, 1);
	size_t nn = ix->h->count[S_NAME];
	ix->hot_size = (nn ? nn : 1) * sizeof *ix->hot;
	ix->hot = es_big_alloc(ix->hot_size);
	if (!ix->prog_ptrs || !ix->rec_addrs || !ix->addr_ready || !ix->hot) {
		rc = es_err_set(err, ES_ENOMEM, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < np; i++)
		ix->prog_ptrs[i] = ix->str + ix->prog[i];
	for (size_t i = 0; i < nn; i++) {
		const es_ix_name *nm = &ix->name[i];
		ix->hot[i] = (es_ix_hot){nm->wsum, nm->wfree, units_weight(nm->wlong), units_weight(nm->wmax),
					 nm->person, nm->containable, nm->maxlen, nm->plain};
	}
	*out = ix;
	return ES_OK;
fail:
	es_index_free(ix);
	return rc;
}

es_code es_index_attach(es_index **out, void *buf, size_t len, bool mapped, const char *set_hash,
			const char *norm_hash, es_err *err)
{
	return attach(out, buf, len, mapped, set_hash, norm_hash, CHECK_OPEN, err);
}

static es_code load(es_index **out, const char *path, const char *set_hash, const char *norm_hash,
		    check_level level, es_err *err)
{
	*out = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return es_err_set(err, ES_EMISSING, "%s: no index yet", path);
		return es_err_set(err, ES_EIO, "%s: %s", path, strerror(errno));
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return es_err_set(err, ES_ECORRUPT, "%s: not a regular file", path);
	}
	if ((uint64_t)st.st_size < sizeof(ix_header) || (uint64_t)st.st_size > MAX_INDEX_BYTES) {
		close(fd);
		return es_err_set(err, ES_ECORRUPT, "%s: index of implausible size %lld", path,
				  (long long)st.st_size);
	}
	void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return es_err_set(err, ES_EIO, "%s: cannot map: %s", path, strerror(errno));
	es_code rc = attach(out, p, (size_t)st.st_size, true, set_hash, norm_hash, level, err);
	if (rc != ES_OK && err) {
		char tmp[ES_ERR_MSG_MAX];
		snprintf(tmp, sizeof tmp, "%s", err->msg);
		es_err_set(err, rc, "%s: %s", path, tmp);
	}
	return rc;
}

es_code es_index_load(es_index **out, const char *path, const char *set_hash, const char *norm_hash,
		      es_err *err)
{
	return load(out, path, set_hash, norm_hash, CHECK_OPEN, err);
}

es_code es_index_verify(const char *path, const char *set_hash, const char *norm_hash, es_err *err)
{
	es_index *ix = NULL;
	es_code rc = load(&ix, path, set_hash, norm_hash, CHECK_FULL, err);
	es_index_free(ix);
	return rc;
}

size_t es_index_n_entities(const es_index *ix)
{
	return ix->h->count[S_ENT];
}

size_t es_index_n_names(const es_index *ix)
{
	return ix->h->count[S_NAME];
}

size_t es_index_n_terms(const es_index *ix)
{
	return ix->h->count[S_TERM];
}

const es_ix_entity *es_index_entity(const es_index *ix, size_t i)
{
	return &ix->ent[i];
}

const es_ix_name *es_index_name(const es_index *ix, size_t i)
{
	return &ix->name[i];
}

const es_ix_hot *es_index_hot(const es_index *ix)
{
	return ix->hot;
}

const char *es_index_str(const es_index *ix, uint32_t off)
{
	return off < ix->str_size ? ix->str + off : "";
}

const char *const *es_index_progs(const es_index *ix, size_t i)
{
	return ix->prog_ptrs + i;
}

const es_rec_address *es_index_addrs(const es_index *ix, size_t i, size_t n)
{
	es_index *m = (es_index *)ix; /* the records are a cache of the image */
	if (!__atomic_load_n(&m->addr_ready[i], __ATOMIC_ACQUIRE)) {
		pthread_mutex_lock(&m->addr_lock);
		/* the first one last: it says the whole range is made */
		for (size_t k = i + n; k-- > i;) {
			if (__atomic_load_n(&m->addr_ready[k], __ATOMIC_RELAXED))
				continue;
			const es_ix_addr *a = &ix->addr[k];
			es_rec_address *r = &m->rec_addrs[k];
			r->street = nul(ix, a->street);
			r->city = nul(ix, a->city);
			r->region = nul(ix, a->region);
			r->postal_code = nul(ix, a->postal);
			r->full = nul(ix, a->full);
			memcpy(r->country, a->country, 3);
			__atomic_store_n(&m->addr_ready[k], 1, __ATOMIC_RELEASE);
		}
		pthread_mutex_unlock(&m->addr_lock);
	}
	return ix->rec_addrs + i;
}

const char (*es_index_ctrys(const es_index *ix, size_t i))[3]
{
	return ix->ctry + i;
}

size_t es_index_name_toks(const es_index *ix, const es_ix_name *nm, es_stok *out)
{
	size_t n = nm->n_tok;
	const es_ix_tok *t = ix->tok + nm->tok_start;
	for (size_t k = 0; k < n; k++)
		if (!tok_ok(ix, &t[k]))
			return 0; /* a damaged token: the name is not scored */
	for (size_t k = 0; k < n; k++) {
		out[k].canon = ix->str + t[k].canon;
		out[k].text = ix->str + t[k].text;
		out[k].canon_len = t[k].canon_len;
		out[k].text_len = t[k].text_len;
		out[k].kind = t[k].kind;
		out[k].flags = t[k].flags;
		out[k].w = t[k].w;
		out[k].id = t[k].text;
		out[k].cls = t[k].cls;
		out[k].lex = t[k].lex;
	}
	return n;
}

bool es_index_post_spellings(const es_index *ix, uint32_t np, char *buf, const char **c, size_t *cl,
			     const char **x, size_t *xl)
{
	uint32_t id = np >> 8, pos = np & 0x7f;
	if (id >= ix->h->count[S_NAME])
		return false;
	const es_ix_name *nm = &ix->name[id];
	if (pos >= nm->n_tok || ((np & POS_PAIR) && pos + 1u >= nm->n_tok))
		return false;
	const es_ix_tok *t = ix->tok + nm->tok_start + pos;
	if (!tok_ok(ix, t) || ((np & POS_PAIR) && !tok_ok(ix, t + 1)))
		return false;
	if (!(np & POS_PAIR)) {
		*c = ix->str + t->canon;
		*cl = t->canon_len;
		*x = ix->str + t->text;
		*xl = t->text_len;
		return true;
	}
	/* the two canonical forms written together, as push_pair_key keys them */
	size_t l = es_index_pair_spelling(ix->str + t[0].canon, t[0].canon_len, ix->str + t[1].canon, t[1].canon_len,
					  buf);
	if (!l)
		return false;
	*c = *x = buf;
	*cl = *xl = l;
	return true;
}

void es_index_prefetch_toks(const es_index *ix, const es_ix_name *nm)
{
	__builtin_prefetch(ix->tok + nm->tok_start);
}


/* The keys of the bucket of key: [*lo, return value), clamped to the key
 * section (a damaged bucket array reads no further than the keys). */
static inline uint32_t bucket_range(const es_index *ix, uint64_t key, uint32_t *lo)
{
	size_t nb = ix->h->count[S_BKT] - 1;
	size_t b = (size_t)key & (nb - 1);
	uint32_t nk = (uint32_t)ix->h->count[S_KEY], a = ix->bkt[b], z = ix->bkt[b + 1];
	*lo = a < nk ? a : nk;
	return z < nk ? z : nk;
}

const uint32_t *es_index_terms(const es_index *ix, uint64_t key, uint32_t *len, uint32_t *df)
{
	uint32_t lo, hi = bucket_range(ix, key, &lo);
	for (uint32_t i = lo; i < hi; i++) {
		const es_ix_key *k = &ix->key[i];
		if (k->h != key)
			continue;
		if (k->start == ES_IX_DF) {
			*len = 0;
			if (df)
				*df = k->len;
			return NULL;
		}
		if ((uint64_t)k->start + k->len > ix->h->count[S_TREF])
			break; /* damaged: no terms */
		*len = k->len;
		if (df)
			*df = 0;
		return k->len ? ix->tref + k->start : NULL;
	}
	*len = 0;
	if (df)
		*df = 0;
	return NULL;
}

size_t es_index_terms_many(const es_index *ix, const uint64_t *keys, size_t nk, uint32_t *out, size_t max)
{
	/* the lookups are independent cache misses (bucket, key, term ids):
	 * issue each level for a group of keys before reading it */
	enum { GROUP = 64 };
	size_t nb = ix->h->count[S_BKT] - 1;
	size_t n = 0;
	for (size_t g = 0; g < nk; g += GROUP) {
		size_t gn = nk - g < GROUP ? nk - g : GROUP;
		const uint64_t *gk = keys + g;
		const uint32_t *t[GROUP];
		uint32_t len[GROUP];
		for (size_t i = 0; i < gn; i++)
			__builtin_prefetch(&ix->bkt[(size_t)gk[i] & (nb - 1)]);
		for (size_t i = 0; i < gn; i++)
			__builtin_prefetch(&ix->key[ix->bkt[(size_t)gk[i] & (nb - 1)]]);
		for (size_t i = 0; i < gn; i++) {
			len[i] = 0;
			t[i] = es_index_terms(ix, gk[i], &len[i], NULL);
			if (len[i])
				__builtin_prefetch(t[i]);
		}
		for (size_t i = 0; i < gn; i++)
			for (uint32_t k = 0; k < len[i] && n < max; k++)
				out[n++] = t[i][k];
	}
	return n;
}

bool es_index_has_any_key(const es_index *ix, const uint64_t *keys, size_t nk)
{
	/* independent misses (bucket, then key): each level for a group of
	 * keys before it is read */
	enum { GROUP = 64 };
	size_t nb = ix->h->count[S_BKT] - 1;
	for (size_t g = 0; g < nk; g += GROUP) {
		size_t gn = nk - g < GROUP ? nk - g : GROUP;
		const uint64_t *gk = keys + g;
		for (size_t i = 0; i < gn; i++)
			__builtin_prefetch(&ix->bkt[(size_t)gk[i] & (nb - 1)]);
		for (size_t i = 0; i < gn; i++)
			__builtin_prefetch(&ix->key[ix->bkt[(size_t)gk[i] & (nb - 1)]]);
		for (size_t i = 0; i < gn; i++)
			if (es_index_has_key(ix, gk[i]))
				return true;
	}
	return false;
}

bool es_index_has_key(const es_index *ix, uint64_t key)
{
	uint32_t lo, hi = bucket_range(ix, key, &lo);
	for (uint32_t i = lo; i < hi; i++)
		if (ix->key[i].h == key)
			return true;
	return false;
}

uint32_t es_index_term_initials(const es_index *ix, uint32_t term)
{
	/* a term out of range has no postings: nothing to leave out */
	return term < ix->h->count[S_TERM] ? ix->term[term].initials : UINT32_MAX;
}

void es_index_prefetch_term(const es_index *ix, uint32_t term)
{
	if (term < ix->h->count[S_TERM])
		__builtin_prefetch(&ix->term[term]);
}

const es_ix_post *es_index_term_postings(const es_index *ix, uint32_t term, uint32_t *len)
{
	if (term >= ix->h->count[S_TERM] ||
	    (uint64_t)ix->term[term].start + ix->term[term].len > ix->h->count[S_POST]) {
		*len = 0;
		return NULL;
	}
	*len = ix->term[term].len;
	return ix->post + ix->term[term].start;
}

uint32_t es_index_term_start(const es_index *ix, uint32_t term)
{
	return term < ix->h->count[S_TERM] ? ix->term[term].start : 0;
}

const es_ix_post *es_index_postings_at(const es_index *ix, uint32_t start, uint32_t len)
{
	return (uint64_t)start + len <= ix->h->count[S_POST] ? ix->post + start : NULL;
}

double es_index_idf(const es_index *ix, uint32_t df)
{
	return idf_of((double)(ix->h->n_docs ? ix->h->n_docs : 1), df);
}
