/* es_lexicon — see es_lexicon.h. */
#include "es_lexicon.h"

#include <stdlib.h>
#include <string.h>

#include "es_buf.h"
#include "es_hash.h"
#include "es_io.h"
#include "es_map64.h"
#include "es_text.h"

#define LEX_MAX_BYTES (4u << 20)
#define PHRASE_MAX_WORDS 4
#define ENTRY_MAX 256

#define SUFFIX_MAX 16     /* patronymic endings */
#define SUFFIX_LEN 12
#define SUFFIX_STEM_MIN 3 /* letters before the ending */

struct es_lexicon {
	/* one table for every kind of entry: the hash of a kind letter and the
	 * canonical words of the entry -> a value (class, family or flags) */
	es_map64 t;
	size_t phrase_words; /* longest branch phrase, in tokens */
	char suffix[SUFFIX_MAX][SUFFIX_LEN];
	uint8_t suffix_len[SUFFIX_MAX];
	size_t n_suffix;
	char hash[65];
};

/* Key of canonical words (joined by 0x1f) and a kind letter; never 0. The
 * kind comes last, so one word's keys of every kind share the hash of the
 * word (es_lexicon_mark asks up to four of each query word). */
static uint64_t kind_key(uint64_t words, char kind)
{
	return es_map64_key(es_hash_more(words, &kind, 1));
}

static uint64_t words_hash(const char *const *w, const uint8_t *len, size_t n)
{
	uint64_t h = es_hash("", 0);
	for (size_t i = 0; i < n; i++) {
		if (i)
			h = es_hash_more(h, "\x1f", 1);
		h = es_hash_more(h, w[i], len[i]);
	}
	return h;
}

static uint64_t words_key(char kind, const char *const *w, const uint8_t *len, size_t n)
{
	return kind_key(words_hash(w, len, n), kind);
}

/* The words' hash of t[0..n) (kind_key makes the key). */
static uint64_t tok_hash(const es_stok *t, size_t n)
{
	const char *w[PHRASE_MAX_WORDS];
	uint8_t l[PHRASE_MAX_WORDS];
	for (size_t i = 0; i < n && i < PHRASE_MAX_WORDS; i++) {
		w[i] = t[i].canon;
		l[i] = t[i].canon_len;
	}
	return words_hash(w, l, n < PHRASE_MAX_WORDS ? n : PHRASE_MAX_WORDS);
}

static uint64_t ntok_key(char kind, const es_ntoks *nt)
{
	const char *w[PHRASE_MAX_WORDS];
	uint8_t l[PHRASE_MAX_WORDS];
	size_t n = nt->n < PHRASE_MAX_WORDS ? nt->n : PHRASE_MAX_WORDS;
	for (size_t i = 0; i < n; i++) {
		w[i] = nt->tok[i].canon;
		l[i] = nt->tok[i].canon_len;
	}
	return words_key(kind, w, l, n);
}

typedef struct {
	es_lexicon *lx;
	const es_normalizer *nz;
	es_ntoks *nt;
	const char *path;
	long lineno;
	es_err *err;
} loader;

/* Puts one entry of a class (given names, legal families: one token each)
 * or a flag (branch words, particles: phrases) into the table. */
static es_code put_entry(loader *L, char kind, const char *entry, uint32_t value, bool flags)
{
	size_t n = strlen(entry);
	if (!n)
		return ES_OK;
	if (n >= ENTRY_MAX)
		return es_err_set(L->err, ES_EFORMAT, "%s:%ld: entry too long", L->path, L->lineno);
	/* entries are written in ASCII (folded as names are): a non-ASCII one
	 * would make every start create ICU's transliterator (~40 ms) */
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)entry[i] >= 0x80)
			return es_err_set(L->err, ES_EFORMAT, "%s:%ld: '%s' is not ASCII (write it as names are folded)",
					  L->path, L->lineno, entry);
	es_err nerr = {0};
	if (es_normalize(L->nz, entry, n, L->nt, &nerr) != ES_OK)
		return es_err_set(L->err, ES_EFORMAT, "%s:%ld: '%s': %s", L->path, L->lineno, entry, nerr.msg);
	const es_ntoks *nt = L->nt;
	if (nt->n == 0)
		return es_err_set(L->err, ES_EFORMAT, "%s:%ld: '%s' is no word", L->path, L->lineno, entry);
	if (kind == 'G' && (nt->n != 1 || nt->tok[0].kind != ES_TK_WORD))
		return es_err_set(L->err, ES_EFORMAT, "%s:%ld: '%s' is not one plain word (a stopword or legal form?)",
				  L->path, L->lineno, entry);
	if (kind == 'L' && (nt->n != 1 || nt->tok[0].kind != ES_TK_LEGAL))
		return es_err_set(L->err, ES_EFORMAT, "%s:%ld: '%s' is not a legal form of legal_forms.txt", L->path,
				  L->lineno, entry);
	if ((kind == 'P' || kind == 'C') && nt->n != 1)
		return es_err_set(L->err, ES_EFORMAT, "%s:%ld: '%s' is not one word", L->path, L->lineno, entry);
	if (nt->n > PHRASE_MAX_WORDS)
		return es_err_set(L->err, ES_EFORMAT, "%s:%ld: '%s' has more than %d words", L->path, L->lineno, entry,
				  PHRASE_MAX_WORDS);
	uint32_t *slot = es_map64_slot(&L->lx->t, ntok_key(kind, nt), NULL);
	if (!slot)
		return es_err_set(L->err, ES_ENOMEM, "out of memory");
	if (flags) {
		*slot |= value;
		if (nt->n > L->lx->phrase_words)
			L->lx->phrase_words = nt->n;
	} else if (*slot && *slot != value) {
		return es_err_set(L->err, ES_EFORMAT, "%s:%ld: '%s' is already in another class (line of its first class)",
				  L->path, L->lineno, entry);
	} else {
		*slot = value;
	}
	return ES_OK;
}

/* Reads a data file; its text goes into the hash. */
static es_code read_data(const char *lists_dir, const char *rel, char **buf, es_buf *all, es_err *err)
{
	char *p = es_path_join(lists_dir, rel);
	size_t len = 0;
	if (!p)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	es_code rc = es_read_file(p, LEX_MAX_BYTES, buf, &len, err);
	free(p);
	if (rc == ES_OK) {
		es_buf_adds(all, rel);
		es_buf_add(all, *buf, len);
	}
	return rc;
}

/* given_names.txt, legal_families.txt, particles.txt, common_words.txt:
 * name|name|... per line (legal_families.txt: the family's name first). */
static es_code load_classes(loader *L, const char *lists_dir, const char *rel, char kind, bool named, es_buf *all)
{
	char *buf = NULL;
	es_code rc = read_data(lists_dir, rel, &buf, all, L->err);
	if (rc != ES_OK)
		return rc;
	L->path = rel;
	L->lineno = 0;
	uint32_t cls = 0;
	char *cur = buf;
	for (char *line; rc == ES_OK && (line = es_text_data_line(&cur, &L->lineno)) != NULL;) {
		if (++cls > UINT16_MAX) {
			rc = es_err_set(L->err, ES_ETOOBIG, "%s:%ld: too many classes", rel, L->lineno);
			break;
		}
		char *save = NULL;
		bool first = true;
		for (char *e = strtok_r(line, "|", &save); e && rc == ES_OK; e = strtok_r(NULL, "|", &save)) {
			const char *s = e;
			size_t n = strlen(e);
			es_text_trim(&s, &n);
			e[(s - e) + (ptrdiff_t)n] = '\0';
			if (first && named) {
				first = false;
				continue;
			}
			first = false;
			bool flag = kind == 'P' || kind == 'C';
			rc = put_entry(L, kind, s, flag ? 1 : cls, flag);
		}
	}
	free(buf);
	return rc;
}

/* dictionary_words.txt: one everyday word per line, lower-case ASCII as a
 * name's words are written (not normalized: only es_lexicon_dictionary asks,
 * with a listed word's normalized text). */
static es_code load_words(loader *L, const char *lists_dir, const char *rel, char kind, es_buf *all)
{
	char *buf = NULL;
	es_code rc = read_data(lists_dir, rel, &buf, all, L->err);
	if (rc != ES_OK)
		return rc;
	long lineno = 0;
	char *cur = buf;
	for (char *line; rc == ES_OK && (line = es_text_data_line(&cur, &lineno)) != NULL;) {
		const char *w = line;
		size_t n = strlen(line);
		es_text_trim(&w, &n);
		uint8_t len = (uint8_t)(n < UINT8_MAX ? n : UINT8_MAX);
		bool fresh;
		uint32_t *v = n ? es_map64_slot(&L->lx->t, words_key(kind, &w, &len, 1), &fresh) : NULL;
		if (v)
			*v = 1;
		else if (n)
			rc = es_err_set(L->err, ES_ENOMEM, "out of memory");
	}
	free(buf);
	return rc;
}

bool es_lexicon_dictionary(const es_lexicon *lx, const char *word, size_t len)
{
	uint8_t l = (uint8_t)(len < UINT8_MAX ? len : UINT8_MAX);
	return lx && es_map64_get(&lx->t, words_key('D', &word, &l, 1)) != 0;
}

/* branch_words.txt: kind|phrase|phrase... with kind marker, region or institution. */
static es_code load_branch(loader *L, const char *lists_dir, es_buf *all)
{
	static const char rel[] = "normalize/branch_words.txt";
	char *buf = NULL;
	es_code rc = read_data(lists_dir, rel, &buf, all, L->err);
	if (rc != ES_OK)
		return rc;
	L->path = rel;
	L->lineno = 0;
	char *cur = buf;
	for (char *line; rc == ES_OK && (line = es_text_data_line(&cur, &L->lineno)) != NULL;) {
		char *save = NULL;
		char *kind = strtok_r(line, "|", &save);
		uint32_t flag = 0;
		if (kind && strcmp(kind, "marker") == 0)
			flag = ES_LX_MARKER | ES_LX_BRANCH;
		else if (kind && strcmp(kind, "region") == 0)
			flag = ES_LX_BRANCH;
		else if (kind && strcmp(kind, "institution") == 0)
			flag = ES_LX_INSTITUTION;
		else {
			rc = es_err_set(L->err, ES_EFORMAT, "%s:%ld: kind must be marker, region or institution", rel,
					L->lineno);
			break;
		}
		for (char *e = strtok_r(NULL, "|", &save); e && rc == ES_OK; e = strtok_r(NULL, "|", &save))
			rc = put_entry(L, 'B', e, flag, true);
	}
	free(buf);
	return rc;
}

/* countries.tsv: the country names (code TAB name|name...) are words a
 * branch adds ("X Deutschland", "Y Philippines Branch"). */
static es_code load_countries(loader *L, const char *lists_dir, es_buf *all)
{
	static const char rel[] = "countries.tsv";
	char *buf = NULL;
	es_code rc = read_data(lists_dir, rel, &buf, all, L->err);
	if (rc != ES_OK)
		return rc;
	L->path = rel;
	L->lineno = 0;
	char *cur = buf;
	for (char *line; rc == ES_OK && (line = es_text_data_line(&cur, &L->lineno)) != NULL;) {
		char *cols[2];
		if (es_text_split_tabs(line, cols, 2) < 2)
			continue;
		char *save = NULL;
		for (char *e = strtok_r(cols[1], "|", &save); e && rc == ES_OK; e = strtok_r(NULL, "|", &save)) {
			es_err ignored = {0};
			es_err *keep = L->err;
			L->err = &ignored;
			/* a country name of more words than a phrase holds, or not in
			 * ASCII (its ASCII spelling is listed too), is left out */
			es_code c = put_entry(L, 'B', e, ES_LX_BRANCH, true);
			L->err = keep;
			if (c == ES_ENOMEM)
				rc = es_err_set(L->err, ES_ENOMEM, "out of memory");
		}
	}
	free(buf);
	return rc;
}

/* patronymics.txt: one ending per line, lower-case ASCII letters (matched
 * against a word's folded text, not its canonical form, which spelling rules
 * may have changed at the end). */
static es_code load_suffixes(loader *L, const char *lists_dir, es_buf *all)
{
	static const char rel[] = "normalize/patronymics.txt";
	char *buf = NULL;
	es_code rc = read_data(lists_dir, rel, &buf, all, L->err);
	if (rc != ES_OK)
		return rc;
	L->lineno = 0;
	char *cur = buf;
	for (char *line; rc == ES_OK && (line = es_text_data_line(&cur, &L->lineno)) != NULL;) {
		const char *e = line;
		size_t n = strlen(line);
		es_text_trim(&e, &n);
		bool letters = n > 0;
		for (size_t i = 0; i < n; i++)
			letters &= e[i] >= 'a' && e[i] <= 'z';
		if (!letters || n >= SUFFIX_LEN)
			rc = es_err_set(L->err, ES_EFORMAT, "%s:%ld: want one ending of lower-case letters (< %d)", rel,
					L->lineno, SUFFIX_LEN);
		else if (L->lx->n_suffix == SUFFIX_MAX)
			rc = es_err_set(L->err, ES_ETOOBIG, "%s:%ld: more than %d endings", rel, L->lineno, SUFFIX_MAX);
		else {
			memcpy(L->lx->suffix[L->lx->n_suffix], e, n);
			L->lx->suffix_len[L->lx->n_suffix++] = (uint8_t)n;
		}
	}
	free(buf);
	return rc;
}

static bool patronymic(const es_lexicon *lx, const es_stok *t)
{
	for (size_t k = 0; k < lx->n_suffix; k++) {
		size_t n = lx->suffix_len[k];
		if (t->text_len >= n + SUFFIX_STEM_MIN && memcmp(t->text + t->text_len - n, lx->suffix[k], n) == 0)
			return true;
	}
	return false;
}

es_code es_lexicon_open(es_lexicon **out, const char *lists_dir, const es_normalizer *nz, es_err *err)
{
	es_code rc = ES_OK;
	es_buf all = {0};
	*out = NULL;
	es_lexicon *lx = calloc(1, sizeof *lx);
	loader L = {lx, nz, malloc(sizeof(es_ntoks)), NULL, 0, err};
	if (!lx || !L.nt) {
		rc = es_err_set(err, ES_ENOMEM, "out of memory");
		goto fail;
	}
	rc = load_classes(&L, lists_dir, "normalize/given_names.txt", 'G', false, &all);
	if (rc == ES_OK)
		rc = load_classes(&L, lists_dir, "normalize/legal_families.txt", 'L', true, &all);
	if (rc == ES_OK)
		rc = load_classes(&L, lists_dir, "normalize/particles.txt", 'P', false, &all);
	if (rc == ES_OK)
		rc = load_branch(&L, lists_dir, &all);
	if (rc == ES_OK)
		rc = load_countries(&L, lists_dir, &all);
	if (rc == ES_OK)
		rc = load_suffixes(&L, lists_dir, &all);
	if (rc == ES_OK)
		rc = load_classes(&L, lists_dir, "normalize/common_words.txt", 'C', false, &all);
	if (rc == ES_OK)
		rc = load_words(&L, lists_dir, "normalize/dictionary_words.txt", 'D', &all);
	if (rc == ES_OK && all.oom)
		rc = es_err_set(err, ES_ENOMEM, "out of memory");
	if (rc != ES_OK)
		goto fail;
	es_sha256_hex(all.s ? all.s : "", all.len, lx->hash);
	es_buf_free(&all);
	free(L.nt);
	*out = lx;
	return ES_OK;
fail:
	es_buf_free(&all);
	free(L.nt);
	es_lexicon_free(lx);
	return rc;
}

void es_lexicon_free(es_lexicon *lx)
{
	if (!lx)
		return;
	es_map64_free(&lx->t);
	free(lx);
}

const char *es_lexicon_hash(const es_lexicon *lx)
{
	return lx->hash;
}

void es_lexicon_mark(const es_lexicon *lx, es_stok *t, size_t n)
{
	uint64_t one[ES_NAME_TOKENS]; /* tok_hash of each token alone */
	for (size_t i = 0; i < n; i++) {
		t[i].cls = 0;
		t[i].lex = 0;
		if (!lx)
			continue;
		uint64_t h = tok_hash(&t[i], 1);
		if (i < ES_NAME_TOKENS)
			one[i] = h;
		uint32_t v;
		if (t[i].kind == ES_TK_WORD && (v = es_map64_get(&lx->t, kind_key(h, 'G'))) != 0) {
			t[i].cls = (uint16_t)v;
			t[i].lex |= ES_LX_GIVEN;
		} else if (t[i].kind == ES_TK_LEGAL && (v = es_map64_get(&lx->t, kind_key(h, 'L'))) != 0) {
			t[i].cls = (uint16_t)v;
			t[i].lex |= ES_LX_LEGAL_FAMILY;
		}
		if ((t[i].kind == ES_TK_STOP || t[i].kind == ES_TK_WORD) && es_map64_get(&lx->t, kind_key(h, 'P')))
			t[i].lex |= ES_LX_PARTICLE;
		if (t[i].kind == ES_TK_WORD && patronymic(lx, &t[i]))
			t[i].lex |= ES_LX_PATRONYMIC;
		if (t[i].kind == ES_TK_WORD && es_map64_get(&lx->t, kind_key(h, 'C')))
			t[i].lex |= ES_LX_COMMON;
	}
	if (!lx)
		return;
	/* branch words and phrases, longest first */
	for (size_t i = 0; i < n;) {
		size_t take = 1;
		for (size_t L = lx->phrase_words < n - i ? lx->phrase_words : n - i; L >= 1; L--) {
			uint64_t h = L == 1 && i < ES_NAME_TOKENS ? one[i] : tok_hash(&t[i], L);
			uint32_t v = es_map64_get(&lx->t, kind_key(h, 'B'));
			if (v) {
				for (size_t k = i; k < i + L; k++)
					t[k].lex |= (uint8_t)v;
				take = L;
				break;
			}
		}
		i += take;
	}
}
