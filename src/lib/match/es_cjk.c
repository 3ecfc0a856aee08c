/* es_cjk — see es_cjk.h. */
#include "es_cjk.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/uscript.h>
#include <unicode/ustring.h>
#include <unicode/utf8.h>
#include <unicode/utrans.h>

#include "es_hash.h"
#include "es_io.h"
#include "es_text.h"
#include "es_utf8.h"

#define CJK_MAX_BYTES (1u * 1024 * 1024)
#define WORD_MAX_CHARS 12 /* longest dictionary word, in characters */
#define RUN_MAX 512       /* Han characters in one run (a name has at most 1024 bytes) */

typedef struct {
	char *key;  /* UTF-8 Chinese word */
	char *eng;  /* English form, or forms separated by '|' (the first is the usual one) */
	size_t klen;
} cjk_word;

struct es_cjk {
	cjk_word *tab; /* open addressing, cap a power of two */
	size_t cap, n;
	char ini[19][4], vow[21][4], fin[28][4]; /* Revised Romanization of the jamo */
	pthread_mutex_t lock;
	UTransliterator *pinyin;
	bool pinyin_failed;
};

static const cjk_word *word_lookup(const es_cjk *cj, const char *k, size_t kl)
{
	if (!cj->cap)
		return NULL;
	size_t m = cj->cap - 1, i = (size_t)es_hash(k, kl) & m;
	while (cj->tab[i].key) {
		if (cj->tab[i].klen == kl && memcmp(cj->tab[i].key, k, kl) == 0)
			return &cj->tab[i];
		i = (i + 1) & m;
	}
	return NULL;
}

static es_code word_add(es_cjk *cj, const char *k, const char *eng, es_err *err)
{
	size_t kl = strlen(k);
	if (word_lookup(cj, k, kl))
		return ES_OK;
	if ((cj->n + 1) * 2 > cj->cap) {
		size_t nc = cj->cap ? cj->cap * 2 : 512;
		cjk_word *nt = calloc(nc, sizeof *nt);
		if (!nt)
			return es_err_set(err, ES_ENOMEM, "out of memory");
		for (size_t i = 0; i < cj->cap; i++) {
			if (!cj->tab[i].key)
				continue;
			size_t j = (size_t)es_hash(cj->tab[i].key, cj->tab[i].klen) & (nc - 1);
			while (nt[j].key)
				j = (j + 1) & (nc - 1);
			nt[j] = cj->tab[i];
		}
		free(cj->tab);
		cj->tab = nt;
		cj->cap = nc;
	}
	size_t i = (size_t)es_hash(k, kl) & (cj->cap - 1);
	while (cj->tab[i].key)
		i = (i + 1) & (cj->cap - 1);
	cj->tab[i].key = strdup(k);
	cj->tab[i].eng = strdup(eng);
	cj->tab[i].klen = kl;
	if (!cj->tab[i].key || !cj->tab[i].eng)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	cj->n++;
	return ES_OK;
}

static es_code read_into(const char *dir, const char *file, char **buf, char **all, size_t *all_len, es_err *err)
{
	char *p = es_path_join(dir, file);
	if (!p)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	size_t len = 0;
	es_code rc = es_read_file(p, CJK_MAX_BYTES, buf, &len, err);
	free(p);
	if (rc != ES_OK)
		return rc;
	char *na = realloc(*all, *all_len + len + 1);
	if (!na)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	*all = na;
	memcpy(na + *all_len, *buf, len);
	*all_len += len;
	na[*all_len] = '\0';
	return ES_OK;
}

static es_code load_words(es_cjk *cj, const char *dir, char **all, size_t *all_len, es_err *err)
{
	char *buf = NULL;
	es_code rc = read_into(dir, "cjk_words.tsv", &buf, all, all_len, err);
	if (rc != ES_OK)
		goto done;
	char *cur = buf, *line;
	long ln = 0;
	while ((line = es_text_data_line(&cur, &ln)) && rc == ES_OK) {
		char *cols[2];
		if (es_text_split_tabs(line, cols, 2) != 2 || !cols[0][0] || !cols[1][0] ||
		    !es_utf8_valid(cols[0], strlen(cols[0]), NULL) ||
		    es_utf8_count(cols[0], strlen(cols[0])) > WORD_MAX_CHARS) {
			rc = es_err_set(err, ES_EFORMAT, "cjk_words.tsv:%ld: want Chinese word <TAB> English (<= %d characters)",
					ln, WORD_MAX_CHARS);
			break;
		}
		for (const char *e = cols[1]; *e; e++)
			if ((unsigned char)*e >= 0x80) {
				rc = es_err_set(err, ES_EFORMAT, "cjk_words.tsv:%ld: the English form must be ASCII", ln);
				break;
			}
		if (rc == ES_OK)
			rc = word_add(cj, cols[0], cols[1], err);
	}
done:
	free(buf);
	return rc;
}

static es_code load_hangul(es_cjk *cj, const char *dir, char **all, size_t *all_len, es_err *err)
{
	char *buf = NULL;
	es_code rc = read_into(dir, "hangul.tsv", &buf, all, all_len, err);
	if (rc != ES_OK)
		goto done;
	char *cur = buf, *line;
	long ln = 0;
	int seen = 0;
	while ((line = es_text_data_line(&cur, &ln))) {
		char *cols[2];
		if (es_text_split_tabs(line, cols, 2) != 2) {
			rc = es_err_set(err, ES_EFORMAT, "hangul.tsv:%ld: want initial|vowel|final <TAB> forms", ln);
			goto done;
		}
		char(*dst)[4];
		size_t want;
		if (strcmp(cols[0], "initial") == 0)
			dst = cj->ini, want = 19, seen |= 1;
		else if (strcmp(cols[0], "vowel") == 0)
			dst = cj->vow, want = 21, seen |= 2;
		else if (strcmp(cols[0], "final") == 0)
			dst = cj->fin, want = 28, seen |= 4;
		else {
			rc = es_err_set(err, ES_EFORMAT, "hangul.tsv:%ld: unknown row '%s'", ln, cols[0]);
			goto done;
		}
		size_t k = 0;
		char *save = NULL;
		for (char *w = strtok_r(cols[1], " ", &save); w; w = strtok_r(NULL, " ", &save), k++) {
			if (k >= want || strlen(w) > 3) {
				rc = es_err_set(err, ES_EFORMAT, "hangul.tsv:%ld: want %zu forms of <= 3 letters", ln, want);
				goto done;
			}
			snprintf(dst[k], sizeof dst[k], "%s", strcmp(w, "-") == 0 ? "" : w);
		}
		if (k != want) {
			rc = es_err_set(err, ES_EFORMAT, "hangul.tsv:%ld: want %zu forms, found %zu", ln, want, k);
			goto done;
		}
	}
	if (seen != 7)
		rc = es_err_set(err, ES_EFORMAT, "hangul.tsv: needs the rows initial, vowel and final");
done:
	free(buf);
	return rc;
}

es_code es_cjk_open(es_cjk **out, const char *dir, char **all, size_t *all_len, es_err *err)
{
	*out = NULL;
	es_cjk *cj = calloc(1, sizeof *cj);
	if (!cj)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	pthread_mutex_init(&cj->lock, NULL);
	es_code rc = load_words(cj, dir, all, all_len, err);
	if (rc == ES_OK)
		rc = load_hangul(cj, dir, all, all_len, err);
	if (rc != ES_OK) {
		es_cjk_free(cj);
		return rc;
	}
	*out = cj;
	return ES_OK;
}

void es_cjk_free(es_cjk *cj)
{
	if (!cj)
		return;
	for (size_t i = 0; i < cj->cap; i++) {
		free(cj->tab[i].key);
		free(cj->tab[i].eng);
	}
	free(cj->tab);
	if (cj->pinyin)
		utrans_close(cj->pinyin);
	pthread_mutex_destroy(&cj->lock);
	free(cj);
}

static bool is_han(UChar32 c)
{
	UErrorCode st = U_ZERO_ERROR;
	return c == 0x3007 || uscript_getScript(c, &st) == USCRIPT_HAN;
}

static bool is_hangul_syllable(UChar32 c)
{
	return c >= 0xAC00 && c <= 0xD7A3;
}

bool es_cjk_present(const char *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		if ((unsigned char)s[i] < 0xE0) {
			i++;
			continue;
		}
		UChar32 c;
		U8_NEXT(s, i, len, c);
		if (c >= 0 && (is_han(c) || is_hangul_syllable(c)))
			return true;
	}
	return false;
}

/* ---- output ---- */

typedef struct {
	char *s;
	size_t n, cap;
	bool full;
} obuf;

static void put(obuf *o, const char *s, size_t n)
{
	if (o->full || o->n + n + 1 > o->cap) {
		o->full = true;
		return;
	}
	memcpy(o->s + o->n, s, n);
	o->n += n;
	o->s[o->n] = '\0';
}

static void put_word(obuf *o, const char *s, size_t n)
{
	put(o, " ", 1);
	put(o, s, n);
	put(o, " ", 1);
}

/* Pinyin of one Han character, ASCII letters only, into out (cap bytes). */
static size_t pinyin(const es_cjk *cj_c, UChar32 c, char *out, size_t cap)
{
	es_cjk *cj = (es_cjk *)cj_c; /* only the lazily created transliterator changes */
	UChar u[16];
	int32_t ul = 0;
	UBool bad = 0;
	U16_APPEND(u, ul, 2, c, bad);
	if (bad)
		return 0;
	pthread_mutex_lock(&cj->lock);
	if (!cj->pinyin && !cj->pinyin_failed) {
		UErrorCode st = U_ZERO_ERROR;
		UChar id[64];
		u_uastrcpy(id, "Han-Latin; Latin-ASCII");
		cj->pinyin = utrans_openU(id, -1, UTRANS_FORWARD, NULL, 0, NULL, &st);
		if (U_FAILURE(st)) {
			cj->pinyin = NULL;
			cj->pinyin_failed = true;
		}
	}
	size_t n = 0;
	if (cj->pinyin) {
		UErrorCode st = U_ZERO_ERROR;
		int32_t limit = ul;
		utrans_transUChars(cj->pinyin, u, &ul, 16, 0, &limit, &st);
		if (U_SUCCESS(st))
			for (int32_t i = 0; i < ul && n + 1 < cap; i++)
				if ((u[i] >= 'a' && u[i] <= 'z') || (u[i] >= 'A' && u[i] <= 'Z'))
					out[n++] = (char)(u[i] | 0x20);
	}
	pthread_mutex_unlock(&cj->lock);
	out[n] = '\0';
	return n;
}

/* The romanization of one Hangul syllable into w (16 bytes); its length. */
static size_t hangul(const es_cjk *cj, UChar32 c, char *w)
{
	int s = (int)(c - 0xAC00);
	int l = s / (21 * 28), v = (s / 28) % 21, t = s % 28;
	int n = snprintf(w, 16, "%s%s%s", cj->ini[l], cj->vow[v], cj->fin[t]);
	return n > 0 && n < 16 ? (size_t)n : 0;
}

/* Hangul syllable by syllable, as the lists write Korean names (KIM Jong Un;
 * the matcher joins two syllables written as one word). A syllable that is
 * one letter (오, 이, 아) after the first is joined to the one before (카카오 ->
 * ka kao): alone it would read as an initial, which costs next to nothing
 * when left over. */
static void put_hangul_run(const es_cjk *cj, obuf *o, const UChar32 *run, size_t n)
{
	char w[64];
	size_t wl = 0;
	for (size_t i = 0; i < n; i++) {
		char syl[16];
		size_t sl = hangul(cj, run[i], syl);
		if (i > 0 && sl != 1 && wl) {
			put_word(o, w, wl);
			wl = 0;
		}
		if (wl + sl < sizeof w) {
			memcpy(w + wl, syl, sl);
			wl += sl;
		}
	}
	if (wl)
		put_word(o, w, wl);
}

/* Han characters no dictionary word covers: pinyin, two syllables to a
 * word; three are a surname and a given name. */
static void put_leftover(const es_cjk *cj, obuf *o, const UChar32 *run, size_t n)
{
	size_t i = 0;
	while (i < n) {
		size_t take = n - i == 3 && i == 0 ? 1 : (n - i >= 2 ? 2 : 1);
		char w[64];
		size_t wl = 0;
		for (size_t k = 0; k < take; k++) {
			char py[24];
			size_t pl = pinyin(cj, run[i + k], py, sizeof py);
			if (wl + pl < sizeof w) {
				memcpy(w + wl, py, pl);
				wl += pl;
			}
		}
		if (wl)
			put_word(o, w, wl);
		i += take;
	}
}

static int numeral(UChar32 c)
{
	static const UChar32 d[] = {0x3007, 0x4E00, 0x4E8C, 0x4E09, 0x56DB, 0x4E94, 0x516D, 0x4E03, 0x516B, 0x4E5D};
	for (int k = 0; k < 10; k++)
		if (c == d[k])
			return k;
	if (c == 0x96F6)
		return 0; /* 零 */
	if (c == 0x5341)
		return 10; /* 十 */
	if (c == 0x767E)
		return 100; /* 百 */
	return -1;
}

/* The value of Chinese numerals run[0..n) (一, 十三, 二十九, 一百零八, 二〇一), or -1. */
static long numeral_value(const UChar32 *run, size_t n)
{
	long total = 0, cur = 0;
	bool digits_only = true;
	for (size_t i = 0; i < n; i++) {
		int v = numeral(run[i]);
		if (v < 0)
			return -1;
		if (v >= 10)
			digits_only = false;
	}
	if (digits_only) { /* 二〇一 = 201 */
		for (size_t i = 0; i < n; i++)
			total = total * 10 + numeral(run[i]);
		return total;
	}
	for (size_t i = 0; i < n; i++) {
		int v = numeral(run[i]);
		if (v == 10 || v == 100) {
			total += (cur ? cur : 1) * v;
			cur = 0;
		} else {
			cur = v;
		}
	}
	return total + cur;
}

/* Alternative k of "a|b|c" (the last one when there are fewer). */
static void put_alt(obuf *o, const char *eng, unsigned k, unsigned *most)
{
	unsigned n = 1;
	for (const char *p = eng; *p; p++)
		n += *p == '|';
	if (n > *most)
		*most = n;
	if (k >= n)
		k = n - 1;
	const char *p = eng;
	for (unsigned i = 0; i < k; i++)
		p = strchr(p, '|') + 1;
	const char *e = strchr(p, '|');
	put_word(o, p, e ? (size_t)(e - p) : strlen(p));
}

/* Characters no dictionary word covers: Han in pinyin, Hangul syllable by syllable. */
static void put_rest(const es_cjk *cj, obuf *o, const UChar32 *run, size_t n)
{
	if (n && is_hangul_syllable(run[0])) {
		put_hangul_run(cj, o, run, n);
		return;
	}
	put_leftover(cj, o, run, n);
}

/* A run of Han characters or of Hangul syllables (not mixed): dictionary
 * words, numbers, and the rest. */
static void put_run(const es_cjk *cj, obuf *o, const UChar32 *run, size_t n, unsigned alt, unsigned *most)
{
	UChar32 left[RUN_MAX];
	size_t nl = 0;
	for (size_t i = 0; i < n;) {
		/* a number: after 第, or before 院 所 厂 号 (第十三研究所, 二院) */
		size_t k = i;
		while (k < n && numeral(run[k]) >= 0 && k - i < 6)
			k++;
		if (k > i) {
			bool after_di = i > 0 && run[i - 1] == 0x7B2C;
			bool before = k < n && (run[k] == 0x9662 || run[k] == 0x6240 || run[k] == 0x5382 || run[k] == 0x53F7 ||
						run[k] == 0x7814 || run[k] == 0x5206);
			long v = numeral_value(run + i, k - i);
			if ((after_di || before) && v >= 0) {
				put_rest(cj, o, left, nl);
				nl = 0;
				char d[24];
				int dl = snprintf(d, sizeof d, "%ld", v);
				put_word(o, d, (size_t)dl);
				i = k;
				continue;
			}
		}
		/* the longest dictionary word here */
		char key[WORD_MAX_CHARS * 4 + 1];
		size_t kl = 0, best = 0;
		const cjk_word *bw = NULL;
		for (size_t L = 1; L <= WORD_MAX_CHARS && i + L <= n; L++) {
			UBool bad = 0;
			U8_APPEND((uint8_t *)key, kl, sizeof key, run[i + L - 1], bad);
			if (bad)
				break;
			const cjk_word *w = word_lookup(cj, key, kl);
			if (w) {
				bw = w;
				best = L;
			}
		}
		if (bw) {
			put_rest(cj, o, left, nl);
			nl = 0;
			put_alt(o, bw->eng, alt, most);
			i += best;
			continue;
		}
		left[nl++] = run[i++];
	}
	put_rest(cj, o, left, nl);
}

es_code es_cjk_bridge(const es_cjk *cj, const char *s, size_t len, unsigned alt, char *out, size_t cap,
		      size_t *olen, unsigned *alts, es_err *err)
{
	unsigned most = 1;
	obuf o = {out, 0, cap, false};
	if (cap)
		out[0] = '\0';
	UChar32 run[RUN_MAX];
	size_t nr = 0;
	bool run_hangul = false;
	for (size_t i = 0; i < len;) {
		size_t i0 = i;
		UChar32 c;
		U8_NEXT(s, i, len, c);
		if (c < 0)
			return es_err_set(err, ES_EENCODING, "name is not valid UTF-8");
		bool han = is_han(c), hangul = !han && is_hangul_syllable(c);
		if ((han || hangul) && nr < RUN_MAX && (nr == 0 || run_hangul == hangul)) {
			run[nr++] = c;
			run_hangul = hangul;
			continue;
		}
		if (nr) {
			put_run(cj, &o, run, nr, alt, &most);
			nr = 0;
		}
		if (han || hangul) { /* another script's run, or one longer than RUN_MAX */
			run[nr++] = c;
			run_hangul = hangul;
			continue;
		}
		put(&o, s + i0, i - i0);
	}
	if (nr)
		put_run(cj, &o, run, nr, alt, &most);
	if (o.full)
		return es_err_set(err, ES_ETOOBIG, "name too long after writing its Chinese or Korean words");
	*olen = o.n;
	if (alts)
		*alts = most;
	return ES_OK;
}

/* ---- same-script comparison ---- */

enum { CS_HAN, CS_HANGUL, CS_KANA, CS_N };

static int cjk_script(UChar32 c)
{
	if (is_hangul_syllable(c))
		return CS_HANGUL;
	UErrorCode st = U_ZERO_ERROR;
	UScriptCode s = uscript_getScript(c, &st);
	if (s == USCRIPT_HAN || c == 0x3007)
		return CS_HAN;
	if (s == USCRIPT_HIRAGANA || s == USCRIPT_KATAKANA)
		return CS_KANA;
	return -1;
}

#define SIM_CHARS 128

typedef struct {
	UChar32 c[CS_N][SIM_CHARS];
	size_t n[CS_N];
} cjk_chars;

static void collect(const char *s, size_t len, cjk_chars *cc)
{
	memset(cc->n, 0, sizeof cc->n);
	for (size_t i = 0; i < len;) {
		if ((unsigned char)s[i] < 0xE0) {
			i++;
			continue;
		}
		UChar32 c;
		U8_NEXT(s, i, len, c);
		int k = c >= 0 ? cjk_script(c) : -1;
		if (k >= 0 && cc->n[k] < SIM_CHARS)
			cc->c[k][cc->n[k]++] = c;
	}
}

double es_cjk_char_sim(const char *a, size_t al, const char *b, size_t bl)
{
	cjk_chars *x = malloc(2 * sizeof *x);
	if (!x)
		return 1.0;
	cjk_chars *y = x + 1;
	collect(a, al, x);
	collect(b, bl, y);
	double sim = 1.0;
	for (int k = 0; k < CS_N; k++) {
		if (!x->n[k] || !y->n[k])
			continue;
		/* Dice over the multisets of characters */
		bool used[SIM_CHARS] = {false};
		size_t common = 0;
		for (size_t i = 0; i < x->n[k]; i++)
			for (size_t j = 0; j < y->n[k]; j++)
				if (!used[j] && x->c[k][i] == y->c[k][j]) {
					used[j] = true;
					common++;
					break;
				}
		double d = 2.0 * (double)common / (double)(x->n[k] + y->n[k]);
		if (d < sim)
			sim = d;
	}
	free(x);
	return sim;
}
