/* es_normalize — see es_normalize.h. */
#include "es_normalize.h"
#include "es_buf.h"
#include "es_hash.h"
#include "es_map64.h"
#include "es_text.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/ustring.h>
#include <unicode/utrans.h>

#include "es_io.h"
#include "es_arabic.h"
#include "es_cjk.h"
#include "es_script.h"

#define PHRASE_MAX_TOKENS 8
#define DICT_MAX_BYTES (4u * 1024 * 1024)

/* A phrase of the dictionaries: space-joined normalized tokens -> canonical. */
typedef struct {
	uint32_t key;    /* in es_normalizer.strs; 0 = an empty slot */
	uint32_t canon;  /* in es_normalizer.strs */
	uint16_t klen;   /* strlen(key), kept so lookups compare lengths without strlen */
	uint16_t clen;   /* strlen(canon) */
	uint8_t kind;    /* es_tok_kind, or KIND_DROP */
} phrase;           /* 16 bytes, and no allocation of its own: a load makes thousands */

#define KIND_DROP 255
#define KIND_NUM 254
#define KIND_LEAD 252 /* leading.txt: dropped only at the start of a name */
#define KIND_CLASS2 253 /* "\1" + a romanization-class member after the spelling rules -> the class */ /* numbers.txt: a number word (canon: its digits) or "no" (the number marker) */
#define LEGAL_FUZZY_MIN 6
#define NEAR1_MAX 64    /* candidates near1_find gives before the caller tries every word */
#define NUM_FUZZY_MIN 7 /* "rimera" (a name) is one edit from "primera" */
#define TITLES_MAX 64

typedef struct {
	char *from, *to;
	size_t flen, tlen;
	bool at_start, at_end;
	uint64_t letters;  /* byte_mask(from): a word without one of them cannot hold it */
} rule;

/* The words of a list one edit from a token, found through deletions (a
 * word and a token one substitution, insertion, deletion or swap apart
 * share the word, the token or a one-letter deletion of each): the hash of
 * every word and of each of its one-letter deletions leads to a chain of
 * the words that have it (near1_find). */
typedef struct {
	struct near1_link {
		uint32_t word, next; /* next: 1 + the next link of the chain, 0 at its end */
	} *link;
	size_t n;
	es_map64 head; /* hash -> 1 + the first link of its chain */
} near1;

struct numword {
	char w[ES_TOK_LEN];
	char num[8];
	size_t wl; /* strlen(w) */
};

struct es_normalizer {
	phrase *tab;      /* open addressing, cap a power of two */
	size_t cap, n;
	es_buf strs;      /* the phrases' keys and canonical forms, NUL-terminated ("" at 0) */
	rule *rules;
	size_t n_rules;
	bool collapse_doubles;
	char hash[65];
	/* words of >= LEGAL_FUZZY_MIN letters in legal-form phrases, for the
	 * fuzzy recognition of es_normalize_query */
	char (*lwords)[ES_TOK_LEN];
	size_t n_lwords;
	/* one-word number words of >= NUM_FUZZY_MIN letters and their numbers,
	 * for reading a typo in one ("TWELFHT") in a query */
	es_vec nwords; /* of struct numword */
	near1 lw_near, nw_near; /* lwords and nwords by their deletions */
	/* titles.txt: words that weigh little at the start of a query */
	char titles[TITLES_MAX][ES_TOK_LEN];
	size_t n_titles;
	char trans_id[256];   /* ICU transform of non-ASCII names (@icu-transform) */
	pthread_mutex_t lock; /* guards the lazily created transliterator */
	UTransliterator *trans;
	bool trans_failed;
	es_scripts *scripts;  /* scripts.txt: bridged scripts, look-alike readings */
	es_cjk *cjk;          /* cjk_words.tsv, hangul.tsv: Chinese and Korean names */
	es_arabic_words *arw; /* arabic_words.tsv: Arabic and Persian organization words */
	es_map64 syllables;   /* romanized syllables (romanization.txt) that a legal form
				 shadows ("pao", "doo"): words when hyphened to another */
};

/* The hash of s[0..len) without s[skip] (skip >= len: the whole of s). */
static uint64_t near1_key(const char *s, size_t len, size_t skip)
{
	return es_map64_key(skip < len ? es_hash_more(es_hash(s, skip), s + skip + 1, len - skip - 1) : es_hash(s, len));
}

static void near1_free(near1 *o)
{
	free(o->link);
	es_map64_free(&o->head);
	memset(o, 0, sizeof *o);
}

/* Words w[0..n) (lengths wl, each < ES_TOK_LEN) into o. */
static es_code near1_build(near1 *o, const char *const *w, const size_t *wl, size_t n, es_err *err)
{
	near1_free(o);
	size_t np = 0;
	for (size_t i = 0; i < n; i++)
		np += wl[i] + 1;
	o->link = malloc((np ? np : 1) * sizeof *o->link);
	if (!o->link)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		for (size_t d = 0; d <= wl[i]; d++) { /* d == wl[i]: the word itself */
			uint32_t *head = es_map64_slot(&o->head, near1_key(w[i], wl[i], d), NULL);
			if (!head)
				return es_err_set(err, ES_ENOMEM, "out of memory");
			if (*head && o->link[*head - 1].word == i)
				continue; /* ("ooo": one deletion, three times) */
			o->link[o->n] = (struct near1_link){(uint32_t)i, *head};
			*head = (uint32_t)++o->n;
		}
	return ES_OK;
}

/* The positions of the words that may be one edit from t[0..len) (each once,
 * at most cap: SIZE_MAX when there are more; then the caller tries every
 * word); a word one edit away is among them. */
static size_t near1_find(const near1 *o, const char *t, size_t len, uint32_t *out, size_t cap)
{
	if (len >= ES_TOK_LEN)
		return 0; /* no word of the list is that long */
	size_t n = 0;
	uint64_t pre = es_hash(t, 0); /* the hash of t[0..d): near1_key's, one letter at a time */
	for (size_t d = 0; d <= len; d++) {
		uint64_t h = d < len ? es_hash_more(pre, t + d + 1, len - d - 1) : pre;
		if (d < len)
			pre = es_hash_more(pre, t + d, 1);
		for (uint32_t l = es_map64_get(&o->head, es_map64_key(h)); l; l = o->link[l - 1].next) {
			uint32_t word = o->link[l - 1].word;
			size_t j = 0;
			while (j < n && out[j] != word)
				j++;
			if (j < n)
				continue;
			if (n == cap)
				return SIZE_MAX;
			out[n++] = word;
		}
	}
	return n;
}

/* The bytes of s[0..n) by their low six bits. */
static uint64_t byte_mask(const char *s, size_t n)
{
	uint64_t m = 0;
	for (size_t i = 0; i < n; i++)
		m |= 1ull << ((unsigned char)s[i] & 63);
	return m;
}

/* A phrase's key or canonical form. */
static const char *pstr(const es_normalizer *nz, uint32_t off)
{
	return nz->strs.s + off;
}

static const phrase *lookup(const es_normalizer *nz, const char *key, size_t klen)
{
	if (!nz->cap)
		return NULL;
	size_t mask = nz->cap - 1, i = (size_t)es_hash(key, klen) & mask;
	while (nz->tab[i].key) {
		if (nz->tab[i].klen == klen && memcmp(pstr(nz, nz->tab[i].key), key, klen) == 0)
			return &nz->tab[i];
		i = (i + 1) & mask;
	}
	return NULL;
}

static es_code grow(es_normalizer *nz, es_err *err)
{
	size_t ncap = nz->cap ? nz->cap * 2 : 8192; /* (the bundled data fill 16384) */
	phrase *nt = calloc(ncap, sizeof *nt);
	if (!nt)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	for (size_t i = 0; i < nz->cap; i++) {
		if (!nz->tab[i].key)
			continue;
		size_t j = (size_t)es_hash(pstr(nz, nz->tab[i].key), nz->tab[i].klen) & (ncap - 1);
		while (nt[j].key)
			j = (j + 1) & (ncap - 1);
		nt[j] = nz->tab[i];
	}
	free(nz->tab);
	nz->tab = nt;
	nz->cap = ncap;
	return ES_OK;
}

/* First definition wins: files are loaded in order of precedence. */
static es_code add_phrase(es_normalizer *nz, const char *key, const char *canon, uint8_t kind, es_err *err)
{
	size_t klen = strlen(key), clen = strlen(canon);
	if (!klen || lookup(nz, key, klen))
		return ES_OK;
	if (klen > UINT16_MAX || clen > UINT16_MAX)
		return es_err_set(err, ES_EFORMAT, "a phrase longer than %d bytes", UINT16_MAX);
	if ((nz->n + 1) * 2 > nz->cap) {
		es_code rc = grow(nz, err);
		if (rc != ES_OK)
			return rc;
	}
	if (!nz->strs.len)
		es_buf_addc(&nz->strs, '\0'); /* offset 0: no phrase */
	size_t ko = nz->strs.len;
	es_buf_add(&nz->strs, key, klen + 1);
	size_t co = ko;
	if (strcmp(canon, key) != 0) {
		co = nz->strs.len;
		es_buf_add(&nz->strs, canon, clen + 1);
	}
	if (nz->strs.oom || nz->strs.len > UINT32_MAX)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	size_t i = (size_t)es_hash(key, klen) & (nz->cap - 1);
	while (nz->tab[i].key)
		i = (i + 1) & (nz->cap - 1);
	nz->tab[i] = (phrase){(uint32_t)ko, (uint32_t)co, (uint16_t)klen, (uint16_t)clen, kind};
	nz->n++;
	return ES_OK;
}

/* ---- the ASCII tokenizer (shared by dictionaries and names) ---- */

typedef struct {
	char text[ES_TOK_LEN];
	uint8_t len;
	uint8_t flags;
	bool dotted; /* letters joined from a dotted initialism ("H.E." = "he") */
	uint8_t camel; /* where a capital follows >= 3 letters with a small one last ("SiemensAG": 7), 0 = none */
	bool hyph;     /* joined to the next token by a hyphen ("Pao-lung") */
} rawtok;

typedef struct {
	rawtok t[ES_NAME_TOKENS * 2];
	size_t n;
	bool overflow;
} rawtoks;

static void raw_push(rawtoks *r, const char *s, size_t len, uint8_t flags)
{
	while (len > 0) {
		if (r->n >= sizeof r->t / sizeof r->t[0]) {
			r->overflow = true;
			return;
		}
		/* an over-long word is split in chunks rather than cut: nothing is lost */
		size_t k = len < ES_TOK_LEN - 1 ? len : ES_TOK_LEN - 1;
		rawtok *t = &r->t[r->n++];
		memcpy(t->text, s, k);
		t->text[k] = '\0';
		t->len = (uint8_t)k;
		t->flags = flags;
		t->dotted = false;
		t->camel = 0;
		t->hyph = false;
		s += k;
		len -= k;
	}
}

static bool is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Splits lower-cased ASCII(ish) text into raw tokens. Bytes >= 0x80 left
 * over by transliteration (modifier letters such as the ayin) are dropped
 * without splitting the word, like apostrophes. */
static void tokenize_ascii(const char *s, size_t len, rawtoks *r)
{
	char cur[ES_QUERY_MAX * 4];
	size_t cl = 0, comma_at = (size_t)-1;
	int depth = 0;
	bool suffix = false; /* after " - ": "X - Dubai Branch" qualifies X, like (...) */
	size_t seg = 0;      /* letters since the last dot or separator */
	bool dotted = false; /* the current word joined dotted letters */
	size_t camel = 0;    /* first small-to-capital change after >= 3 letters of the word */
	r->n = 0;
	r->overflow = false;
#define FLUSH()                                                                           \
	do {                                                                              \
		if (cl) {                                                                 \
			size_t n0_ = r->n;                                                \
			raw_push(r, cur, cl, depth > 0 || suffix ? ES_TF_PAREN : 0);      \
			if (dotted && r->n)                                               \
				r->t[r->n - 1].dotted = true;                             \
			if (r->n == n0_ + 1 && camel < ES_TOK_LEN)                        \
				r->t[r->n - 1].camel = (uint8_t)camel;                    \
			cl = 0;                                                           \
		}                                                                         \
		camel = 0;                                                                \
		seg = 0;                                                                  \
		dotted = false;                                                           \
	} while (0)
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x80 || c == '\'' || c == '`') {
			continue;
		} else if (isalnum(c)) {
			if (!camel && cl >= 3 && isupper(c) && islower((unsigned char)s[i - 1]))
				camel = cl;
			if (cl < sizeof cur)
				cur[cl++] = (char)tolower(c);
			seg++;
		} else if (c == '.') {
			/* initialisms: "L.L.C." = "llc", "S.A." = "sa", but "J.Smith" = "j smith" */
			bool next_single = i + 1 < len && is_alpha(s[i + 1]) &&
					   (i + 2 >= len || !isalnum((unsigned char)s[i + 2]));
			if (seg == 1 && cl && next_single) {
				seg = 0;
				dotted = true;
				continue;
			}
			FLUSH();
		} else if (c == '?') {
			/* CSL lost curly apostrophes: "People?s" = "People's" */
			if (cl && i + 1 < len && (s[i + 1] == 's' || s[i + 1] == 'S') &&
			    (i + 2 >= len || !isalnum((unsigned char)s[i + 2])))
				continue;
			FLUSH();
		} else if (c == '(' || c == '[' || c == '{') {
			FLUSH();
			depth++;
		} else if (c == ')' || c == ']' || c == '}') {
			FLUSH();
			if (depth > 0)
				depth--;
		} else if (c == ',') {
			FLUSH();
			if (comma_at == (size_t)-1 && depth == 0)
				comma_at = r->n;
		} else if (c == '-' && r->n > 0 && i > 0 && s[i - 1] == ' ' && i + 1 < len && s[i + 1] == ' ') {
			FLUSH();
			suffix = true;
		} else if (c == '-' && cl && i + 1 < len && isalnum((unsigned char)s[i + 1])) {
			FLUSH();
			if (r->n)
				r->t[r->n - 1].hyph = true;
		} else if (c == '&' || c == '+') {
			FLUSH();
			raw_push(r, "and", 3, depth > 0 || suffix ? ES_TF_PAREN : 0);
		} else {
			FLUSH();
		}
	}
	FLUSH();
#undef FLUSH
	/* "LAST, First Middle": only when there are words on both sides */
	if (comma_at != (size_t)-1 && comma_at > 0 && comma_at < r->n) {
		for (size_t i = 0; i < r->n; i++)
			if (!(r->t[i].flags & ES_TF_PAREN))
				r->t[i].flags |= i < comma_at ? ES_TF_SURNAME : ES_TF_GIVEN;
	}
}

static bool all_ascii(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 0x80)
			return false;
	return true;
}

/* ---- dictionaries ---- */

/* The words of a legal-form phrase, each once, for fuzzy recognition. */
static es_code add_legal_words(es_normalizer *nz, const rawtoks *rt, es_err *err)
{
	for (size_t i = 0; i < rt->n; i++) {
		const rawtok *t = &rt->t[i];
		if (t->len < LEGAL_FUZZY_MIN)
			continue;
		bool seen = false;
		for (size_t k = 0; k < nz->n_lwords && !seen; k++)
			seen = strcmp(nz->lwords[k], t->text) == 0;
		if (seen)
			continue;
		char(*nw)[ES_TOK_LEN] = realloc(nz->lwords, (nz->n_lwords + 1) * sizeof *nw);
		if (!nw)
			return es_err_set(err, ES_ENOMEM, "out of memory");
		nz->lwords = nw;
		memcpy(nz->lwords[nz->n_lwords++], t->text, (size_t)t->len + 1);
	}
	return ES_OK;
}

/* Reads a dictionary file into *buf (caller frees) and appends its content to
 * *all, the text the dictionary hash is computed over. */
static es_code read_dict(const char *path, char **buf, size_t *len, char **all, size_t *all_len, es_err *err)
{
	es_code rc = es_read_file(path, DICT_MAX_BYTES, buf, len, err);
	if (rc != ES_OK)
		return rc;
	char *na = realloc(*all, *all_len + *len + 1);
	if (!na) {
		free(*buf);
		*buf = NULL;
		return es_err_set(err, ES_ENOMEM, "out of memory");
	}
	*all = na;
	memcpy(na + *all_len, *buf, *len);
	*all_len += *len;
	na[*all_len] = '\0';
	return ES_OK;
}

/* titles.txt: one word per alternative ("sheikh|shaikh|shaykh"). */
static es_code load_titles(es_normalizer *nz, const char *path, char **all, size_t *all_len, es_err *err)
{
	char *buf = NULL;
	size_t len = 0;
	es_code rc = read_dict(path, &buf, &len, all, all_len, err);
	if (rc != ES_OK)
		return rc;
	char *save = NULL;
	for (char *line = strtok_r(buf, "\n", &save); line && rc == ES_OK; line = strtok_r(NULL, "\n", &save)) {
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		char *s2 = NULL;
		for (char *w = strtok_r(line, "| \t\r", &s2); w; w = strtok_r(NULL, "| \t\r", &s2)) {
			size_t wl = strlen(w);
			bool ok = wl > 1 && wl < ES_TOK_LEN;
			for (size_t k = 0; ok && k < wl; k++)
				ok = w[k] >= 'a' && w[k] <= 'z';
			if (!ok) {
				rc = es_err_set(err, ES_EFORMAT, "%s: bad title '%s' (lower-case letters only)", path, w);
				break;
			}
			if (nz->n_titles == TITLES_MAX) {
				rc = es_err_set(err, ES_EFORMAT, "%s: more than %d titles", path, TITLES_MAX);
				break;
			}
			memcpy(nz->titles[nz->n_titles++], w, wl + 1);
		}
	}
	free(buf);
	return rc;
}

static bool is_title(const es_normalizer *nz, const char *w, size_t wl)
{
	/* (a title is NUL-terminated in its row: equal up to wl and ending there) */
	if (wl == 0 || wl >= ES_TOK_LEN)
		return false;
	for (size_t k = 0; k < nz->n_titles; k++) {
		const char *t = nz->titles[k];
		if (t[0] == w[0] && memcmp(t, w, wl) == 0 && t[wl] == '\0')
			return true;
	}
	return false;
}

static es_code load_phrases(es_normalizer *nz, const char *path, uint8_t kind, bool keep_canon_kind,
			    char **all, size_t *all_len, es_err *err)
{
	char *buf = NULL;
	size_t len = 0;
	es_code rc = read_dict(path, &buf, &len, all, all_len, err);
	if (rc != ES_OK)
		return rc;
	if (!es_utf8_valid(buf, len, NULL)) {
		rc = es_err_set(err, ES_EENCODING, "%s: not valid UTF-8", path);
		goto done;
	}

	rawtoks *rt = malloc(sizeof *rt);
	if (!rt) {
		rc = es_err_set(err, ES_ENOMEM, "out of memory");
		goto done;
	}
	char *save = NULL;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		char canon[ES_TOK_LEN] = "";
		bool first = true;
		char *s2 = NULL;
		for (char *alt = strtok_r(line, "|", &s2); alt; alt = strtok_r(NULL, "|", &s2)) {
			/* Alternatives are written in Latin: every name is transliterated
			 * before lookup, so a Cyrillic "ООО" is found as "ooo". */
			if (!all_ascii(alt, strlen(alt)))
				continue;
			tokenize_ascii(alt, strlen(alt), rt);
			if (rt->n == 0 || rt->n > PHRASE_MAX_TOKENS)
				continue;
			char key[ES_TOK_LEN * PHRASE_MAX_TOKENS];
			size_t kl = 0;
			for (size_t i = 0; i < rt->n; i++) {
				if (i)
					key[kl++] = ' ';
				memcpy(key + kl, rt->t[i].text, rt->t[i].len);
				kl += rt->t[i].len;
			}
			key[kl] = '\0';
			if (first) {
				if (kl >= sizeof canon)
					break; /* a canonical form must fit one token */
				memcpy(canon, key, kl + 1);
				first = false;
			}
			const phrase *old = kind == ES_TK_WORD && rt->n == 1 ? lookup(nz, key, kl) : NULL;
			if (old && old->kind == ES_TK_LEGAL) {
				uint32_t *v = es_map64_slot(&nz->syllables, es_hash(key, kl), NULL);
				if (!v) {
					rc = es_err_set(err, ES_ENOMEM, "out of memory");
					break;
				}
				*v = 1;
			}
			rc = add_phrase(nz, key, keep_canon_kind ? canon : key, kind, err);
			if (rc != ES_OK)
				break;
			if (kind == KIND_NUM && rt->n == 1 && rt->t[0].len >= NUM_FUZZY_MIN && strlen(canon) < 8 &&
			    strcmp(canon, "no") != 0) {
				struct numword *nw = es_vec_push(&nz->nwords, sizeof *nw);
				if (!nw) {
					rc = es_err_set(err, ES_ENOMEM, "out of memory");
					break;
				}
				memcpy(nw->w, rt->t[0].text, (size_t)rt->t[0].len + 1);
				nw->wl = rt->t[0].len;
				memcpy(nw->num, canon, strlen(canon) + 1);
			}
			if (kind == ES_TK_LEGAL) {
				rc = add_legal_words(nz, rt, err);
				if (rc != ES_OK)
					break;
			}
		}
		if (rc != ES_OK)
			break;
	}
	free(rt);
done:
	free(buf);
	return rc;
}

static void apply_rules(const es_normalizer *nz, char *w);

/* The class lookup also runs after the spelling rules: every member of a
 * romanization class, spelled by the rules, leads to the class, so a
 * spelling the class does not list but the rules bring to a member's
 * spelling ("Mokhammad" = "mohamad") finds the class. */
static es_code add_class2(es_normalizer *nz, es_err *err)
{
	size_t n = 0;
	for (size_t i = 0; i < nz->cap; i++)
		if (nz->tab[i].key && nz->tab[i].kind == ES_TK_WORD && !strchr(pstr(nz, nz->tab[i].key), ' '))
			n++;
	char(*pairs)[2][ES_TOK_LEN + 1] = malloc((n ? n : 1) * sizeof *pairs);
	if (!pairs)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	size_t k = 0;
	for (size_t i = 0; i < nz->cap && k < n; i++) {
		const phrase *p = &nz->tab[i];
		if (!p->key || p->kind != ES_TK_WORD || strchr(pstr(nz, p->key), ' ') || p->klen >= ES_TOK_LEN ||
		    p->clen >= ES_TOK_LEN)
			continue;
		pairs[k][0][0] = '\1';
		memcpy(pairs[k][0] + 1, pstr(nz, p->key), p->klen + 1);
		apply_rules(nz, pairs[k][0] + 1);
		memcpy(pairs[k][1], pstr(nz, p->canon), p->clen + 1);
		apply_rules(nz, pairs[k][1]);
		k++;
	}
	es_code rc = ES_OK;
	for (size_t i = 0; i < k && rc == ES_OK; i++)
		rc = add_phrase(nz, pairs[i][0], pairs[i][1], KIND_CLASS2, err);
	free(pairs);
	return rc;
}

/* After the spelling rules, the class of the spelling (see add_class2). */
static void class_after_rules(const es_normalizer *nz, char *w)
{
	char key[ES_TOK_LEN + 1];
	size_t wl = strlen(w);
	if (wl + 1 >= sizeof key)
		return;
	key[0] = '\1';
	memcpy(key + 1, w, wl + 1);
	const phrase *p = lookup(nz, key, wl + 1);
	if (p && p->kind == KIND_CLASS2 && p->clen < ES_TOK_LEN)
		memcpy(w, pstr(nz, p->canon), p->clen + 1);
}

static es_code load_rules(es_normalizer *nz, const char *path, char **all, size_t *all_len, es_err *err)
{
	char *buf = NULL;
	size_t len = 0;
	es_code rc = read_dict(path, &buf, &len, all, all_len, err);
	if (rc != ES_OK)
		return rc;
	char *save = NULL;
	size_t lineno = 0;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		while (*line == ' ' || *line == '\t')
			line++;
		size_t ll = strlen(line);
		while (ll && (line[ll - 1] == ' ' || line[ll - 1] == '\t' || line[ll - 1] == '\r'))
			line[--ll] = '\0';
		if (!ll)
			continue;
		if (strcmp(line, "@collapse-doubles") == 0) {
			nz->collapse_doubles = true;
			continue;
		}
		if (strncmp(line, "@icu-transform ", 15) == 0) {
			const char *id = line + 15;
			if (strlen(id) >= sizeof nz->trans_id) {
				rc = es_err_set(err, ES_EFORMAT, "%s: @icu-transform too long", path);
				goto done;
			}
			snprintf(nz->trans_id, sizeof nz->trans_id, "%s", id);
			continue;
		}
		char *bar = strchr(line, '|');
		if (!bar) {
			rc = es_err_set(err, ES_EFORMAT, "%s: rule '%s' has no '|'", path, line);
			goto done;
		}
		*bar = '\0';
		rule r = {0};
		char *from = line, *to = bar + 1;
		if (*from == '^') {
			r.at_start = true;
			from++;
		}
		size_t fl = strlen(from);
		if (fl && from[fl - 1] == '$') {
			r.at_end = true;
			from[--fl] = '\0';
		}
		if (!fl || fl >= ES_TOK_LEN || strlen(to) >= ES_TOK_LEN) {
			rc = es_err_set(err, ES_EFORMAT, "%s: bad rule '%s'", path, line);
			goto done;
		}
		rule *nr = realloc(nz->rules, (nz->n_rules + 1) * sizeof *nr);
		if (!nr) {
			rc = es_err_set(err, ES_ENOMEM, "out of memory");
			goto done;
		}
		nz->rules = nr;
		r.from = strdup(from);
		r.to = strdup(to);
		if (!r.from || !r.to) {
			free(r.from);
			free(r.to);
			rc = es_err_set(err, ES_ENOMEM, "out of memory");
			goto done;
		}
		r.flen = fl;
		r.tlen = strlen(to);
		r.letters = byte_mask(from, fl);
		nz->rules[nz->n_rules++] = r;
	}
done:
	free(buf);
	return rc;
}

/* lwords and nwords by their deletions, for legal_fixes and fuzzy_number. */
static es_code order_fuzzy_words(es_normalizer *nz, es_err *err)
{
	const struct numword *nw = nz->nwords.data;
	size_t n = nz->n_lwords > nz->nwords.n ? nz->n_lwords : nz->nwords.n;
	const char **w = malloc((n ? n : 1) * sizeof *w);
	size_t *wl = malloc((n ? n : 1) * sizeof *wl);
	es_code rc = ES_OK;
	if (!w || !wl) {
		rc = es_err_set(err, ES_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t k = 0; k < nz->n_lwords; k++) {
		w[k] = nz->lwords[k];
		wl[k] = strlen(nz->lwords[k]); /* (< ES_TOK_LEN, as numword's) */
	}
	if ((rc = near1_build(&nz->lw_near, w, wl, nz->n_lwords, err)) != ES_OK)
		goto done;
	for (size_t k = 0; k < nz->nwords.n; k++) {
		w[k] = nw[k].w;
		wl[k] = nw[k].wl;
	}
	rc = near1_build(&nz->nw_near, w, wl, nz->nwords.n, err);
done:
	free(w);
	free(wl);
	return rc;
}

es_code es_normalizer_open(es_normalizer **out, const char *lists_dir, es_err *err)
{
	es_code rc = ES_OK;
	char *all = NULL, *p = NULL;
	size_t all_len = 0;
	*out = NULL;
	es_normalizer *nz = calloc(1, sizeof *nz);
	if (!nz)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	pthread_mutex_init(&nz->lock, NULL);
	snprintf(nz->trans_id, sizeof nz->trans_id, "%s", "Any-Latin; Latin-ASCII");
	/* precedence: what to drop, then legal forms, romanization, stopwords, generic words */
	static const struct {
		const char *file;
		uint8_t kind;
		bool canon;
	} files[] = {
		{"normalize/honorifics.txt", KIND_DROP, true},
		{"normalize/leading.txt", KIND_LEAD, true},
		{"normalize/legal_forms.txt", ES_TK_LEGAL, true},
		{"normalize/numbers.txt", KIND_NUM, true},
		{"normalize/romanization.txt", ES_TK_WORD, true},
		{"normalize/stopwords.txt", ES_TK_STOP, true},
		{"normalize/generic.txt", ES_TK_GENERIC, true},
		{"normalize/places.txt", ES_TK_GENERIC, true},
	};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		p = es_path_join(lists_dir, files[i].file);
		if (!p) {
			rc = es_err_set(err, ES_ENOMEM, "out of memory");
			goto fail;
		}
		rc = load_phrases(nz, p, files[i].kind, files[i].canon, &all, &all_len, err);
		if (rc != ES_OK)
			goto fail;
		free(p);
		p = NULL;
	}
	p = es_path_join(lists_dir, "normalize/titles.txt");
	if (!p) {
		rc = es_err_set(err, ES_ENOMEM, "out of memory");
		goto fail;
	}
	rc = load_titles(nz, p, &all, &all_len, err);
	if (rc != ES_OK)
		goto fail;
	free(p);
	p = es_path_join(lists_dir, "normalize/romanization_rules.txt");
	if (!p) {
		rc = es_err_set(err, ES_ENOMEM, "out of memory");
		goto fail;
	}
	rc = load_rules(nz, p, &all, &all_len, err);
	if (rc != ES_OK)
		goto fail;
	rc = add_class2(nz, err);
	if (rc != ES_OK)
		goto fail;
	free(p);
	p = es_path_join(lists_dir, "normalize/scripts.txt");
	if (!p) {
		rc = es_err_set(err, ES_ENOMEM, "out of memory");
		goto fail;
	}
	rc = es_scripts_open(&nz->scripts, p, &all, &all_len, err);
	if (rc != ES_OK)
		goto fail;
	free(p);
	p = es_path_join(lists_dir, "normalize");
	if (!p) {
		rc = es_err_set(err, ES_ENOMEM, "out of memory");
		goto fail;
	}
	rc = es_cjk_open(&nz->cjk, p, &all, &all_len, err);
	if (rc != ES_OK)
		goto fail;
	free(p);
	p = es_path_join(lists_dir, "normalize/arabic_words.tsv");
	if (!p) {
		rc = es_err_set(err, ES_ENOMEM, "out of memory");
		goto fail;
	}
	{
		char *buf = NULL;
		size_t blen = 0;
		rc = read_dict(p, &buf, &blen, &all, &all_len, err);
		if (rc == ES_OK)
			rc = es_arabic_words_parse(&nz->arw, buf, p, err);
		free(buf);
		if (rc != ES_OK)
			goto fail;
	}
	if ((rc = order_fuzzy_words(nz, err)) != ES_OK)
		goto fail;
	es_sha256_hex(all ? all : "", all_len, nz->hash);
	free(p);
	free(all);
	*out = nz;
	return ES_OK;
fail:
	free(p);
	free(all);
	es_normalizer_free(nz);
	return rc;
}

void es_normalizer_free(es_normalizer *nz)
{
	if (!nz)
		return;
	free(nz->tab);
	es_buf_free(&nz->strs);
	for (size_t i = 0; i < nz->n_rules; i++) {
		free(nz->rules[i].from);
		free(nz->rules[i].to);
	}
	free(nz->rules);
	es_map64_free(&nz->syllables);
	free(nz->lwords);
	es_vec_free(&nz->nwords);
	near1_free(&nz->lw_near);
	near1_free(&nz->nw_near);
	if (nz->trans)
		utrans_close(nz->trans);
	es_scripts_free(nz->scripts);
	es_cjk_free(nz->cjk);
	es_arabic_words_free(nz->arw);
	pthread_mutex_destroy(&nz->lock);
	free(nz);
}

unsigned es_normalize_script_flags(const es_normalizer *nz, const char *s, size_t len, char *detail, size_t cap)
{
	if (!nz->scripts || !s)
		return 0;
	if (len > ES_QUERY_MAX * 4)
		len = ES_QUERY_MAX * 4;
	return es_script_flags(nz->scripts, s, len, detail, cap);
}

bool es_normalize_lookalike(const es_normalizer *nz, const char *s, size_t len, char *out, size_t cap)
{
	if (!nz->scripts || len > ES_QUERY_MAX || all_ascii(s, len) || !es_utf8_valid(s, len, NULL))
		return false;
	size_t fcap = ES_QUERY_MAX * 8, fl = 0;
	char *folded = malloc(fcap);
	if (!folded)
		return false;
	es_err e = {0};
	bool r = es_script_fold(s, len, folded, fcap, &fl, &e) == ES_OK &&
		 es_script_latin_reading(nz->scripts, folded, fl, out, cap);
	free(folded);
	return r;
}

bool es_normalize_cjk_reading(const es_normalizer *nz, const char *s, size_t len, unsigned k, char *out, size_t cap)
{
	if (!nz->cjk || k == 0 || len > ES_QUERY_MAX || all_ascii(s, len) || !es_utf8_valid(s, len, NULL) ||
	    !es_cjk_present(s, len))
		return false;
	size_t fcap = ES_QUERY_MAX * 8, fl = 0, ol = 0;
	char *folded = malloc(fcap);
	if (!folded)
		return false;
	es_err e = {0};
	unsigned alts = 0;
	bool r = es_script_fold(s, len, folded, fcap, &fl, &e) == ES_OK && es_cjk_present(folded, fl) &&
		 es_cjk_bridge(nz->cjk, folded, fl, k, out, cap, &ol, &alts, &e) == ES_OK && alts > k;
	free(folded);
	return r;
}

const char *es_normalizer_hash(const es_normalizer *nz)
{
	return nz->hash;
}

/* ---- canonical forms ---- */

static void apply_rules(const es_normalizer *nz, char *w)
{
	char tmp[ES_TOK_LEN];
	size_t wl = strlen(w);
	uint64_t have = byte_mask(w, wl);
	for (size_t r = 0; r < nz->n_rules; r++) {
		const rule *ru = &nz->rules[r];
		if (ru->letters & ~have)
			continue; /* a letter of from is not in the word */
		if (ru->at_start) {
			/* keep enough of the word that it still identifies a name */
			if (wl >= ru->flen + 4 && memcmp(w, ru->from, ru->flen) == 0 &&
			    wl - ru->flen + ru->tlen < ES_TOK_LEN) {
				memmove(w + ru->tlen, w + ru->flen, wl - ru->flen + 1);
				memcpy(w, ru->to, ru->tlen);
				wl = wl - ru->flen + ru->tlen;
				have = byte_mask(w, wl);
			}
			continue;
		}
		if (ru->at_end) {
			if (wl > ru->flen && memcmp(w + wl - ru->flen, ru->from, ru->flen) == 0 &&
			    wl - ru->flen + ru->tlen < ES_TOK_LEN) {
				memcpy(w + wl - ru->flen, ru->to, ru->tlen + 1);
				wl = wl - ru->flen + ru->tlen;
				have = byte_mask(w, wl);
			}
			continue;
		}
		if (!strstr(w, ru->from))
			continue;
		size_t o = 0;
		for (size_t i = 0; i < wl;) {
			if (i + ru->flen <= wl && memcmp(w + i, ru->from, ru->flen) == 0 &&
			    o + ru->tlen < ES_TOK_LEN - 1) {
				memcpy(tmp + o, ru->to, ru->tlen);
				o += ru->tlen;
				i += ru->flen;
			} else if (o < ES_TOK_LEN - 1) {
				tmp[o++] = w[i++];
			} else {
				i++;
			}
		}
		tmp[o] = '\0';
		memcpy(w, tmp, o + 1);
		wl = o;
		have = byte_mask(w, wl);
	}
	if (nz->collapse_doubles && wl > 1) {
		size_t o = 1;
		for (size_t i = 1; i < wl; i++)
			if (w[i] != w[o - 1])
				w[o++] = w[i];
		w[o] = '\0';
		wl = o;
	}
	if (wl == 0) {
		/* a word never vanishes entirely */
		w[0] = '_';
		w[1] = '\0';
	}
}

void es_normalize_canon(const es_normalizer *nz, const char *word, char *out)
{
	size_t wl = strlen(word);
	if (wl >= ES_TOK_LEN)
		wl = ES_TOK_LEN - 1;
	const phrase *ph = lookup(nz, word, wl);
	if (ph && ph->kind == ES_TK_WORD) {
		size_t cl = ph->clen < ES_TOK_LEN - 1 ? ph->clen : ES_TOK_LEN - 1;
		memcpy(out, pstr(nz, ph->canon), cl);
		out[cl] = '\0';
		apply_rules(nz, out);
	} else {
		memcpy(out, word, wl);
		out[wl] = '\0';
		apply_rules(nz, out);
		class_after_rules(nz, out);
	}
}

/* ---- ICU: any script to Latin ASCII ---- */

static es_code to_ascii(const es_normalizer *nz_c, const char *s, size_t len, char *out, size_t cap,
			size_t *out_len, es_err *err)
{
	es_normalizer *nz = (es_normalizer *)nz_c; /* only the lazily created objects change */
	enum { UCAP = ES_QUERY_MAX * 6 };
	UChar *u = malloc(sizeof(UChar) * UCAP * 2);
	if (!u)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	UChar *f = u + UCAP;
	es_code rc = ES_OK;
	UErrorCode st = U_ZERO_ERROR;
	int32_t ul = 0;
	u_strFromUTF8(u, UCAP, &ul, s, (int32_t)len, &st);
	if (U_FAILURE(st)) {
		rc = es_err_set(err, ES_EENCODING, "cannot convert name to UTF-16");
		goto done;
	}
	int32_t fl = u_strFoldCase(f, UCAP, u, ul, U_FOLD_CASE_DEFAULT, &st);
	if (U_FAILURE(st)) {
		rc = es_err_set(err, ES_ETOOBIG, "name too long after case folding");
		goto done;
	}
	pthread_mutex_lock(&nz->lock);
	if (!nz->trans && !nz->trans_failed) {
		UErrorCode s2 = U_ZERO_ERROR;
		UChar id[sizeof nz->trans_id];
		u_uastrcpy(id, nz->trans_id);
		nz->trans = utrans_openU(id, -1, UTRANS_FORWARD, NULL, 0, NULL, &s2);
		if (U_FAILURE(s2)) {
			nz->trans = NULL;
			nz->trans_failed = true;
		}
	}
	if (!nz->trans) {
		pthread_mutex_unlock(&nz->lock);
		rc = es_err_set(err, ES_EINTERNAL, "ICU transliterator %s unavailable", nz->trans_id);
		goto done;
	}
	int32_t limit = fl;
	utrans_transUChars(nz->trans, f, &fl, UCAP, 0, &limit, &st);
	pthread_mutex_unlock(&nz->lock);
	if (U_FAILURE(st)) {
		rc = es_err_set(err, ES_ETOOBIG, "name too long after transliteration");
		goto done;
	}
	int32_t ol = 0;
	u_strToUTF8(out, (int32_t)cap, &ol, f, fl, &st);
	if (U_FAILURE(st) || (size_t)ol >= cap) {
		rc = es_err_set(err, ES_ETOOBIG, "name too long after transliteration");
		goto done;
	}
	/* a hard sign between letters (BGN/PCGN writes it '"': Pod"yezd) is
	 * not a word boundary */
	size_t o = 0;
	for (int32_t i = 0; i < ol; i++) {
		if (out[i] == '"' && o > 0 && i + 1 < ol && is_alpha(out[o - 1]) && is_alpha(out[i + 1]))
			continue;
		/* an ayn (ʿ) opening a word is the vowel Latin names write there
		 * (علي = "aly", Ali); inside a word it is dropped as before */
		if ((unsigned char)out[i] == 0xCA && i + 1 < ol && (unsigned char)out[i + 1] == 0xBF &&
		    (o == 0 || out[o - 1] == ' ') && i + 2 < ol && is_alpha(out[i + 2])) {
			out[o++] = 'a';
			i++;
			continue;
		}
		out[o++] = out[i];
	}
	out[o] = '\0';
	*out_len = o;
done:
	free(u);
	return rc;
}

/* ---- fuzzy legal forms ---- */

/* The legal-form words (up to FIX_MAX) a raw token is one edit from; none
 * when it is a legal-form word itself or has more candidates. */
#define FIX_MAX 3
static size_t legal_fixes(const es_normalizer *nz, const rawtok *t, const char **out)
{
	size_t n = 0;
	if (t->len < LEGAL_FUZZY_MIN)
		return 0;
	uint32_t at[FIX_MAX], cand[NEAR1_MAX];
	size_t nc = near1_find(&nz->lw_near, t->text, t->len, cand, NEAR1_MAX);
	for (size_t j = 0; j < (nc == SIZE_MAX ? nz->n_lwords : nc); j++) {
		uint32_t k = nc == SIZE_MAX ? (uint32_t)j : cand[j];
		const char *w = nz->lwords[k];
		size_t wl = strlen(w);
		if (wl == t->len && memcmp(w, t->text, wl) == 0)
			return 0;
		if (es_text_within1(w, wl, t->text, t->len) == 1) {
			if (n == FIX_MAX)
				return 0;
			at[n++] = k;
		}
	}
	/* in the order of the legal-form file */
	for (size_t a = 1; a < n; a++)
		for (size_t b = a; b > 0 && at[b] < at[b - 1]; b--) {
			uint32_t x = at[b];
			at[b] = at[b - 1];
			at[b - 1] = x;
		}
	for (size_t a = 0; a < n; a++)
		out[a] = nz->lwords[at[a]];
	return n;
}

/* Fuzzy legal forms from raw token i on: every reading of the tokens (as
 * written, or as a legal-form word one edit away) that changes at least one
 * word; the longest length whose readings give one legal form (one
 * canonical) wins. Returns that length (0: none) and sets *ph. */
typedef struct {
	const char *fix[FIX_MAX];
	size_t n;
} tokfix;

static void fuzzy_walk(const es_normalizer *nz, const rawtoks *rt, const tokfix *fx, size_t i, size_t L,
		       size_t maxl, char *key, size_t kl, bool fixed, const phrase **best, bool *ambig)
{
	if (L > maxl)
		return;
	const rawtok *r = &rt->t[i + L - 1];
	for (size_t c = 0; c <= fx[i + L - 1].n; c++) {
		const char *w = c ? fx[i + L - 1].fix[c - 1] : r->text;
		size_t wl = c ? strlen(w) : r->len;
		size_t k2 = kl;
		if (L > 1)
			key[k2++] = ' ';
		memcpy(key + k2, w, wl);
		k2 += wl;
		bool f = fixed || c > 0;
		if (f) {
			const phrase *p = lookup(nz, key, k2);
			if (p && p->kind == ES_TK_LEGAL) {
				if (best[L] && strcmp(pstr(nz, best[L]->canon), pstr(nz, p->canon)) != 0)
					ambig[L] = true;
				best[L] = p;
			}
		}
		fuzzy_walk(nz, rt, fx, i, L + 1, maxl, key, k2, f, best, ambig);
	}
}

/* Whether UTF-8 text has a letter of the Arabic block (U+0600..U+06FF, lead
 * bytes 0xD8..0xDB), which ICU transliterates with the article fused to the
 * word ("التكريتي" = "altkryty"). */
static bool has_arabic(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0xD8 && c <= 0xDB)
			return true;
	}
	return false;
}

bool es_normalize_arabic_reading(const es_normalizer *nz, const char *s, size_t len, unsigned k, char *out,
				 size_t cap)
{
	return len <= ES_QUERY_MAX && has_arabic(s, len) && es_utf8_valid(s, len, NULL) &&
	       es_arabic_words_reading(nz->arw, s, len, k, out, cap);
}


/* An Arabic-script name: a word of >= 6 letters (>= 4 after "abd") starting
 * with the article "al" becomes "al" + the word, as in Latin names ("AL-TIKRITI"), so it
 * matches with or without the article (the article is a stopword; "al" +
 * word still aligns with the word written together). */
#ifndef ARTICLE_REST
#define ARTICLE_REST 4 /* letters after the article: shorter words allow no typo */
#endif
static void split_articles(rawtoks *rt)
{
	size_t cap = sizeof rt->t / sizeof rt->t[0];
	for (size_t i = rt->n; i-- > 0;) {
		rawtok *t = &rt->t[i];
		/* "abdal..." (عبدال, the word-initial ayn written a; "bdal..." when
		 * it was dropped): "abd" + "al..." first */
		size_t ab = t->len >= 5 + ARTICLE_REST && memcmp(t->text, "abdal", 5) == 0 && is_alpha(t->text[5]) ? 3
			    : t->len >= 4 + ARTICLE_REST && memcmp(t->text, "bdal", 4) == 0 && is_alpha(t->text[4]) ? 2
			    : 0;
		if (ab) {
			if (rt->n >= cap) {
				rt->overflow = true;
				return;
			}
			memmove(&rt->t[i + 1], &rt->t[i], (rt->n - i) * sizeof rt->t[0]);
			rt->n++;
			rawtok *w = &rt->t[i + 1];
			memmove(w->text, w->text + ab, (size_t)w->len - ab + 1);
			w->len = (uint8_t)(w->len - ab);
			t->text[ab] = '\0';
			t->len = (uint8_t)ab;
			t = w;
			i++;
		}
		/* after "abd" the article always starts a name of God, however short
		 * ("عبد الملك" = "abd almlk": Abd al-Malik); but not Allah itself
		 * ("عبد الله" = "abd allh": Abdallah) */
		const rawtok *prev = i > 0 ? &rt->t[i - 1] : NULL;
		bool after_abd = prev && ((prev->len == 3 && memcmp(prev->text, "abd", 3) == 0) ||
					  (prev->len == 2 && memcmp(prev->text, "bd", 2) == 0));
		size_t rest = after_abd && t->len >= 3 && t->text[2] != 'l' ? 2 : ARTICLE_REST;
		if (t->len < 2 + rest || t->text[0] != 'a' || t->text[1] != 'l' || !is_alpha(t->text[2]))
			continue;
		if (rt->n >= cap) {
			rt->overflow = true;
			return;
		}
		memmove(&rt->t[i + 1], &rt->t[i], (rt->n - i) * sizeof rt->t[0]);
		rt->n++;
		rawtok *w = &rt->t[i + 1];
		memmove(w->text, w->text + 2, (size_t)w->len - 1); /* with the NUL */
		w->len = (uint8_t)(w->len - 2);
		t->text[2] = '\0';
		t->len = 2;
	}
}

/* ---- numbers ---- */

static bool all_digits(const char *s, size_t n)
{
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* A word that is a number with an ordinal ending or a "number" prefix glued
 * to it ("14th", "1st", "3rd", "14e", "14eme", "14te", "N9", "No14"): its
 * digits into out (ES_TOK_LEN bytes). */
static bool glued_number(const char *t, size_t n, char *out)
{
	static const char *const suffix[] = {"st", "nd", "rd", "th", "e", "eme", "er", "ere", "o", "a", "te",
					     "ten", "ter", "y", "yy", "iy", "oy", "ya", "ye", "go"};
	static const char *const prefix[] = {"n", "no", "nr"};
	size_t d0 = 0, d1;
	while (d0 < n && !isdigit((unsigned char)t[d0]))
		d0++;
	d1 = d0;
	while (d1 < n && isdigit((unsigned char)t[d1]))
		d1++;
	if (d1 == d0 || (d0 == 0 && d1 == n))
		return false;
	for (size_t k = d1; k < n; k++)
		if (isdigit((unsigned char)t[k]))
			return false;
	bool pre = d0 == 0, suf = d1 == n;
	for (size_t k = 0; !pre && k < sizeof prefix / sizeof prefix[0]; k++)
		pre = strlen(prefix[k]) == d0 && memcmp(prefix[k], t, d0) == 0;
	for (size_t k = 0; !suf && k < sizeof suffix / sizeof suffix[0]; k++)
		suf = strlen(suffix[k]) == n - d1 && memcmp(suffix[k], t + d1, n - d1) == 0;
	if (!pre || !suf)
		return false;
	memcpy(out, t + d0, d1 - d0);
	out[d1 - d0] = '\0';
	return true;
}

/* Whether raw token i starts a number (digits, a number word, a glued one). */
static bool starts_number(const es_normalizer *nz, const rawtoks *rt, size_t i)
{
	if (i >= rt->n)
		return false;
	const rawtok *t = &rt->t[i];
	char d[ES_TOK_LEN];
	if (all_digits(t->text, t->len) || glued_number(t->text, t->len, d))
		return true;
	const phrase *p = lookup(nz, t->text, t->len);
	if (p && p->kind == KIND_NUM && strcmp(pstr(nz, p->canon), "no") != 0)
		return true;
	/* a number phrase of several words ("twenty nine") starts with a number word */
	return false;
}

/* A query word of >= NUM_FUZZY_MIN letters one edit from number words of
 * one number ("TWELFHT", "SEVENTH" typed "SEVETNH"): that number, else NULL. */
static const char *fuzzy_number(const es_normalizer *nz, const rawtok *t)
{
	const char *num = NULL;
	if (t->len < NUM_FUZZY_MIN)
		return NULL;
	const struct numword *nw = nz->nwords.data;
	uint32_t cand[NEAR1_MAX];
	size_t nc = near1_find(&nz->nw_near, t->text, t->len, cand, NEAR1_MAX);
	for (size_t j = 0; j < (nc == SIZE_MAX ? nz->nwords.n : nc); j++) {
		const struct numword *x = &nw[nc == SIZE_MAX ? j : cand[j]];
		if (es_text_within1(x->w, x->wl, t->text, t->len) != 1)
			continue;
		if (num && strcmp(num, x->num) != 0)
			return NULL; /* two numbers: no reading */
		num = x->num;
	}
	return num;
}

/* Russian ordinal endings written after a hyphen ("14-й" = "14-y"), dropped after a number */
static bool ordinal_tail(const char *t, size_t n)
{
	static const char *const tails[] = {"y", "yy", "iy", "oy", "ya", "ye", "go", "ogo", "aya", "oye", "th", "st", "nd", "rd"};
	for (size_t k = 0; k < sizeof tails / sizeof tails[0]; k++)
		if (strlen(tails[k]) == n && memcmp(tails[k], t, n) == 0)
			return true;
	return false;
}

/* Whether listed names use a raw word (its canonical form). */
static bool listed_raw(const es_normalizer *nz, const rawtok *t, es_listed_word_fn listed, void *ctx)
{
	char canon[ES_TOK_LEN];
	es_normalize_canon(nz, t->text, canon);
	return listed(ctx, canon, strlen(canon));
}

/* ---- words written with digits or glued to their legal form ---- */

/* Digits inside a word read as the letters they stand for ("Gazpr0m",
 * "5berbank", "M1crosoft"): a word of >= 2 letters whose digits are single,
 * each one of 0 1 3 4 5 9 (a glued number such as "14th" or "N9" is not
 * such a word). */
static void digits_as_letters(rawtok *t)
{
	static const char from[] = "013459", to[] = "oieasg";
	size_t letters = 0, digits = 0;
	for (size_t k = 0; k < t->len; k++) {
		char c = t->text[k];
		if (c >= 'a' && c <= 'z') {
			letters++;
		} else if (c >= '0' && c <= '9') {
			if (!strchr(from, c) || (k + 1 < t->len && isdigit((unsigned char)t->text[k + 1])))
				return;
			digits++;
		}
	}
	char d[ES_TOK_LEN];
	if (letters < 2 || !digits || glued_number(t->text, t->len, d))
		return;
	for (size_t k = 0; k < t->len; k++) {
		const char *p = t->text[k] ? strchr(from, t->text[k]) : NULL;
		if (p)
			t->text[k] = to[p - from];
	}
}

/* "SiemensAG", "AcmeGmbH": a legal form glued to the last word, told by
 * its capital after a small letter, is split off. */
static void split_glued_legal(const es_normalizer *nz, rawtoks *rt)
{
	if (!rt->n || rt->n >= sizeof rt->t / sizeof rt->t[0])
		return;
	rawtok *t = &rt->t[rt->n - 1];
	size_t c = t->camel;
	if (!c || c >= t->len)
		return;
	const phrase *p = lookup(nz, t->text + c, t->len - c);
	if (!p || p->kind != ES_TK_LEGAL)
		return;
	rawtok *w = &rt->t[rt->n++];
	*w = *t;
	memmove(w->text, t->text + c, t->len - c + 1);
	w->len = (uint8_t)(t->len - c);
	w->camel = 0;
	t->text[c] = '\0';
	t->len = (uint8_t)c;
	t->camel = 0;
}

/* ---- the normalization ---- */

es_code es_normalize(const es_normalizer *nz, const char *s, size_t len, es_ntoks *out, es_err *err)
{
	return es_normalize_query(nz, s, len, out, NULL, NULL, err);
}

es_code es_normalize_query(const es_normalizer *nz, const char *s, size_t len, es_ntoks *out,
			   es_listed_word_fn listed, void *ctx, es_err *err)
{
	es_code rc = ES_OK;
	tokfix *fx = NULL;
	char *conv = NULL;
	rawtoks rtbuf; /* ~13 KB: on the stack, not a malloc per name */
	rawtoks *rt = &rtbuf;
	size_t bad = 0;
	out->n = 0;
	if (len > ES_QUERY_MAX)
		return es_err_set(err, ES_ETOOBIG, "name longer than %d bytes", ES_QUERY_MAX);
	bool ascii = all_ascii(s, len); /* ASCII is valid UTF-8: most names need one pass */
	bool arabic = !ascii && has_arabic(s, len);
	if (!ascii && !es_utf8_valid(s, len, &bad))
		return es_err_set(err, ES_EENCODING, "name is not valid UTF-8 (byte %zu)", bad);
	if (!ascii) {
		size_t cap = ES_QUERY_MAX * 8;
		conv = malloc(cap * 3);
		if (!conv)
			return es_err_set(err, ES_ENOMEM, "out of memory");
		/* compatibility letters (math bold, full width) become plain and
		 * invisible format characters vanish before anything else */
		char *folded = conv + cap;
		size_t fl = 0;
		rc = es_script_fold(s, len, folded, cap, &fl, err);
		if (rc != ES_OK)
			goto done;
		if (arabic) {
			/* Persian (a name with پ چ ژ گ ک or ی) says ض ظ ذ as z, and
			 * its names write z (REZAEI: رضایی, not "radiy") */
			bool persian = false;
			for (size_t k = 0; k + 1 < fl && !persian; k++) {
				unsigned char a = (unsigned char)folded[k], b = (unsigned char)folded[k + 1];
				persian = (a == 0xD9 && (b == 0xBE)) || (a == 0xDA && (b == 0x86 || b == 0x98 || b == 0xA9 || b == 0xAF)) ||
					  (a == 0xDB && b == 0x8C);
			}
			for (size_t k = 0; persian && k + 1 < fl; k++)
				if ((unsigned char)folded[k] == 0xD8 &&
				    ((unsigned char)folded[k + 1] == 0xB6 || (unsigned char)folded[k + 1] == 0xB8 ||
				     (unsigned char)folded[k + 1] == 0xB0))
					folded[k + 1] = (char)0xB2;
			/* ta marbuta (ة) is written -a/-ah/-eh in Latin names, not -t;
			 * alef maksura (ى) -a, not -y */
			for (size_t k = 0; k + 1 < fl; k++) {
				unsigned char a = (unsigned char)folded[k], b = (unsigned char)folded[k + 1];
				if (a == 0xD8 && b == 0xA9) { /* ة -> ه */
					folded[k] = (char)0xD9;
					folded[k + 1] = (char)0x87;
				} else if (a == 0xD9 && b == 0x89) { /* alef maksura ى is a long a (يحيى = Yahya) */
					folded[k] = (char)0xD8;
					folded[k + 1] = (char)0xA7;
				}
			}
		}
		if (nz->cjk && es_cjk_present(folded, fl)) {
			/* Chinese words in English, the rest in pinyin; Hangul syllables */
			char *bridged = conv + 2 * cap;
			size_t bl = 0;
			rc = es_cjk_bridge(nz->cjk, folded, fl, 0, bridged, cap, &bl, NULL, err);
			if (rc != ES_OK)
				goto done;
			memcpy(folded, bridged, bl + 1);
			fl = bl;
		}
		size_t cl = 0;
		rc = to_ascii(nz, folded, fl, conv, cap, &cl, err);
		if (rc != ES_OK)
			goto done;
		s = conv;
		len = cl;
		if (len > ES_QUERY_MAX * 4) {
			rc = es_err_set(err, ES_ETOOBIG, "name too long after transliteration");
			goto done;
		}
	}
	tokenize_ascii(s, len, rt);
	if (rt->overflow) {
		rc = es_err_set(err, ES_ETOOBIG, "name has more than %d words", ES_NAME_TOKENS);
		goto done;
	}
	if (arabic) {
		split_articles(rt);
		if (rt->overflow) {
			rc = es_err_set(err, ES_ETOOBIG, "name has more than %d words", ES_NAME_TOKENS);
			goto done;
		}
	}
	for (size_t k = 0; k < rt->n; k++)
		digits_as_letters(&rt->t[k]);
	split_glued_legal(nz, rt);
	/* the legal-form words each token may be a typo of (queries only) */
	if (listed && nz->n_lwords) {
		for (size_t k = 0; k < rt->n; k++) {
			const char *cand[FIX_MAX];
			size_t nc = legal_fixes(nz, &rt->t[k], cand);
			if (!nc)
				continue;
			char canon[ES_TOK_LEN];
			es_normalize_canon(nz, rt->t[k].text, canon);
			if (listed(ctx, canon, strlen(canon)))
				continue; /* a word of the listed names stays what it is */
			if (!fx) {
				fx = calloc(rt->n, sizeof *fx);
				if (!fx) {
					rc = es_err_set(err, ES_ENOMEM, "out of memory");
					goto done;
				}
			}
			memcpy(fx[k].fix, cand, nc * sizeof cand[0]);
			fx[k].n = nc;
		}
	}
	bool lead = true; /* every token so far (of the given names after a comma) is a title */
	bool given_seen = false;
	for (size_t i = 0; i < rt->n;) {
		/* longest dictionary phrase starting here */
		const phrase *ph = NULL;
		size_t plen = 0;
		char key[ES_TOK_LEN * PHRASE_MAX_TOKENS];
		size_t kl = 0;
		size_t maxl = rt->n - i < PHRASE_MAX_TOKENS ? rt->n - i : PHRASE_MAX_TOKENS;
		for (size_t L = 1; L <= maxl; L++) {
			if (L > 1)
				key[kl++] = ' ';
			memcpy(key + kl, rt->t[i + L - 1].text, rt->t[i + L - 1].len);
			kl += rt->t[i + L - 1].len;
			const phrase *p = lookup(nz, key, kl);
			if (p) {
				ph = p;
				plen = L;
			}
		}
		if (plen <= 1 && out->n == 0 && rt->t[i].dotted && rt->t[i].len * 2 < sizeof key) {
			/* a dotted abbreviation of an honorific ("H.E." for "h e"):
			 * dropped like the phrase; "He" as written stays a word */
			size_t sl = 0;
			for (size_t k = 0; k < rt->t[i].len; k++) {
				if (k)
					key[sl++] = ' ';
				key[sl++] = rt->t[i].text[k];
			}
			const phrase *p = lookup(nz, key, sl);
			if (p && p->kind == KIND_DROP) {
				i++;
				continue;
			}
		}
		bool any_fix = false;
		for (size_t L = 0; fx && L < maxl; L++)
			if (fx[i + L].n)
				any_fix = true;
		if (any_fix && (!ph || ph->kind != KIND_DROP)) {
			/* a typo in a legal-form word: the longest legal form with
			 * such words read as a legal-form word one edit away, when it
			 * is longer than the exact match and the readings agree */
			const phrase *best[PHRASE_MAX_TOKENS + 1] = {NULL};
			bool ambig[PHRASE_MAX_TOKENS + 1] = {false};
			fuzzy_walk(nz, rt, fx, i, 1, maxl, key, 0, false, best, ambig);
			for (size_t L = maxl; L > plen; L--)
				if (best[L] && !ambig[L]) {
					ph = best[L];
					plen = L;
					break;
				}
		}
		/* a legal-form word that is also a romanized syllable
		 * (romanization.txt), hyphened to another word, is a syllable of
		 * a name ("Hsia Pao-lung": Pao is Bao, not ПАО; "YK-AGD" keeps YK) */
		if (ph && ph->kind == ES_TK_LEGAL && plen == 1 && (rt->t[i].hyph || (i > 0 && rt->t[i - 1].hyph)) &&
		    es_map64_get(&nz->syllables, es_hash(rt->t[i].text, rt->t[i].len))) {
			ph = NULL;
			plen = 0;
		}
		if (ph && ph->kind == KIND_DROP) {
			i += plen;
			continue;
		}
		if (ph && ph->kind == KIND_LEAD) {
			/* "President X", "M/V Y": dropped before the name, a word elsewhere */
			if (out->n == 0 && i + plen < rt->n) {
				i += plen;
				continue;
			}
			ph = NULL;
			plen = 0;
		}
		if (ph && ph->kind == KIND_NUM && strcmp(pstr(nz, ph->canon), "no") == 0) {
			/* "No. 14", "Nr 3": the marker goes, the number stays */
			if (starts_number(nz, rt, i + plen)) {
				i += plen;
				continue;
			}
			ph = NULL;
			plen = 0;
		}
		if ((!ph || plen == 1) && out->n > 0 && out->tok[out->n - 1].kind == ES_TK_NUM &&
		    ordinal_tail(rt->t[i].text, rt->t[i].len)) {
			i++;
			continue;
		}
		if (out->n >= ES_NAME_TOKENS) {
			rc = es_err_set(err, ES_ETOOBIG, "name has more than %d words", ES_NAME_TOKENS);
			goto done;
		}
		es_tok *t = &out->tok[out->n++];
		memset(t, 0, sizeof *t);
		t->flags = rt->t[i].flags;
		/* a title leading a query ("Sheikh X Y") or its given names
		 * ("SHARIAT, Seyed Hossein"): ES_TF_TITLE, checked below */
		if ((rt->t[i].flags & ES_TF_GIVEN) && !given_seen) {
			given_seen = true;
			lead = true;
		}
		if (listed && lead && (!ph || (plen == 1 && ph->kind == ES_TK_WORD)) &&
		    !(rt->t[i].flags & ES_TF_PAREN) && is_title(nz, rt->t[i].text, rt->t[i].len))
			t->flags |= ES_TF_TITLE;
		else
			lead = false;
		char gd[ES_TOK_LEN];
		const char *fz = NULL;
		if (ph && ph->kind == KIND_NUM) {
			/* a number word: the number, as listed names write it */
			t->kind = ES_TK_NUM;
			memcpy(t->text, pstr(nz, ph->canon), ph->clen + 1);
			memcpy(t->canon, pstr(nz, ph->canon), ph->clen + 1);
			i += plen;
		} else if (!ph && listed && (fz = fuzzy_number(nz, &rt->t[i])) != NULL && !listed_raw(nz, &rt->t[i], listed, ctx)) {
			/* a typo in a number word (queries only; a listed word stays a word) */
			t->kind = ES_TK_NUM;
			memcpy(t->text, fz, strlen(fz) + 1);
			memcpy(t->canon, fz, strlen(fz) + 1);
			i++;
		} else if (!ph && glued_number(rt->t[i].text, rt->t[i].len, gd)) {
			t->kind = ES_TK_NUM;
			memcpy(t->text, gd, strlen(gd) + 1);
			memcpy(t->canon, gd, strlen(gd) + 1);
			i++;
		} else if (ph) {
			/* display text: the words as written, joined */
			size_t tl = 0;
			for (size_t k = 0; k < plen; k++) {
				const rawtok *r = &rt->t[i + k];
				if (k && tl < ES_TOK_LEN - 1)
					t->text[tl++] = ' ';
				size_t c = r->len < ES_TOK_LEN - 1 - tl ? r->len : ES_TOK_LEN - 1 - tl;
				memcpy(t->text + tl, r->text, c);
				tl += c;
			}
			t->text[tl] = '\0';
			t->kind = ph->kind;
			size_t cl = ph->clen < sizeof t->canon - 1 ? ph->clen : sizeof t->canon - 1;
			memcpy(t->canon, pstr(nz, ph->canon), cl);
			t->canon[cl] = '\0';
			if (ph->kind == ES_TK_WORD)
				apply_rules(nz, t->canon);
			i += plen;
		} else {
			const rawtok *r = &rt->t[i];
			memcpy(t->text, r->text, r->len + 1);
			bool digits = true;
			for (size_t k = 0; k < r->len; k++)
				if (!isdigit((unsigned char)r->text[k]))
					digits = false;
			if (digits) {
				t->kind = ES_TK_NUM;
				memcpy(t->canon, r->text, r->len + 1);
			} else if (r->len == 1) {
				t->kind = ES_TK_INITIAL;
				memcpy(t->canon, r->text, r->len + 1);
			} else {
				t->kind = ES_TK_WORD;
				memcpy(t->canon, r->text, r->len + 1);
				apply_rules(nz, t->canon);
				class_after_rules(nz, t->canon);
			}
			i++;
		}
		t->text_len = (uint8_t)strlen(t->text);
		t->canon_len = (uint8_t)strlen(t->canon);
	}
	if (rc == ES_OK && listed) {
		/* titles weigh little only before a name of >= 2 other words */
		size_t others = 0;
		for (size_t k = 0; k < out->n; k++)
			if (!(out->tok[k].flags & ES_TF_TITLE) && out->tok[k].kind == ES_TK_WORD)
				others++;
		if (others < 2)
			for (size_t k = 0; k < out->n; k++)
				out->tok[k].flags &= (uint8_t)~ES_TF_TITLE;
	}
done:
	free(fx);
	free(conv);
	return rc;
}
