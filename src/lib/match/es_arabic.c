/* es_arabic — see es_arabic.h. */
#include "es_arabic.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "es_hash.h"
#include "es_map64.h"
#include "es_score.h"
#include "es_text.h"

#define CANDS_PER_SKEL 24 /* listed spellings kept per skeleton (the most frequent) */

typedef struct {
	uint64_t h;      /* hash of the skeleton; 0 = empty */
	uint32_t first;  /* first spelling in the chain */
} slot;

typedef struct {
	uint32_t text;   /* pool offset of the spelling (index string pool) */
	uint32_t count;  /* names that use it */
	uint32_t next;   /* next spelling of the same skeleton, UINT32_MAX = none */
	char skel[16];
} spelling;

struct es_skel_map {
	const es_index *ix;
	slot *tab;        /* skeleton -> chain of spellings */
	size_t cap;
	slot *offs;       /* spelling (pool offset + 1) -> its entry (first), seen once */
	size_t n_off;
	spelling *sp;
	size_t n, spcap;
};

static bool vowel(char c)
{
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
}

size_t es_arabic_skeleton(const char *w, size_t len, bool script, char *out)
{
	char t[ES_TOK_LEN];
	size_t n = 0;
	for (size_t i = 0; i < len && n + 1 < sizeof t; i++) {
		char c = w[i], nx = i + 1 < len ? w[i + 1] : '\0';
		if (c < 'a' || c > 'z')
			continue;
		/* dh, th, zh stay two letters: Arabic script writes d+h (دهقان) as "dh"
		 * too; and "ph" read from the script is p+h (سپه: SEPAH), the script
		 * writes f with its own letter */
		if (nx == 'h' && (c == 'k' || c == 's' || c == 'g' || c == 'c' || (c == 'p' && !script))) {
			static const char from[] = "ksgcp", to[] = "hsgcf";
			t[n++] = to[strchr(from, c) - from];
			i++;
			continue;
		}
		if (c == 'd' && nx == 'j') {
			t[n++] = 'j';
			i++;
			continue;
		}
		t[n++] = c == 'q' ? 'g' : c == 'c' ? 'k' : c;
	}
	/* a final i (Arabic final ي: Ahmadi, Husseini) is kept as a mark, so
	 * Ahmadi is not Ahmad; ta marbuta, -eh (a final h) and other final
	 * vowels go */
	bool final_i = n > 1 && (t[n - 1] == 'i' || t[n - 1] == 'y');
	if (n > 2 && t[n - 1] == 'h')
		n--;
	while (n > 1 && (vowel(t[n - 1]) || t[n - 1] == 'y' || t[n - 1] == 'w'))
		n--;
	size_t o = 0, i = 0;
	if (n && vowel(t[0])) {
		out[o++] = 'V';
		while (i < n && vowel(t[i]))
			i++;
	} else if (n) {
		out[o++] = t[i++];
	}
	for (; i < n && o + 1 < ES_TOK_LEN; i++) {
		char c = t[i];
		if (vowel(c) || c == 'y' || c == 'w')
			continue;
		if (o && out[o - 1] == c)
			continue;
		out[o++] = c;
	}
	if (final_i && o + 1 < ES_TOK_LEN)
		out[o++] = 'I';
	out[o] = '\0';
	bool consonant = false;
	for (size_t k = 0; k < o; k++)
		if (out[k] != 'V' && out[k] != 'I')
			consonant = true;
	return consonant ? o : 0;
}

static slot *find_off(const es_skel_map *m, uint32_t off)
{
	uint64_t h = (uint64_t)off + 1;
	size_t mask = m->cap - 1, i = (size_t)(h * 0x9E3779B97F4A7C15ull >> 20) & mask;
	while (m->offs[i].h && m->offs[i].h != h)
		i = (i + 1) & mask;
	return &m->offs[i];
}

static slot *find(const es_skel_map *m, uint64_t h)
{
	size_t mask = m->cap - 1, i = (size_t)h & mask;
	while (m->tab[i].h && m->tab[i].h != h)
		i = (i + 1) & mask;
	return &m->tab[i];
}

es_code es_skel_map_build(const es_index *ix, es_skel_map **out, es_err *err)
{
	*out = NULL;
	es_skel_map *m = calloc(1, sizeof *m);
	if (!m)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	m->ix = ix;
	size_t nn = es_index_n_names(ix);
	m->cap = 1u << 16;
	while (m->cap < nn * 4) /* room for every distinct spelling at half load */
		m->cap *= 2;
	m->tab = calloc(m->cap, sizeof *m->tab);
	m->offs = calloc(m->cap, sizeof *m->offs);
	es_stok *lt = malloc(ES_NAME_TOKENS * sizeof *lt);
	if (!m->tab || !m->offs || !lt)
		goto oom;
	for (size_t id = 0; id < nn; id++) {
		const es_ix_name *nm = es_index_name(ix, id);
		const char *disp = es_index_str(ix, nm->display);
		bool latin = true;
		for (const char *p = disp; *p && latin; p++)
			latin = (unsigned char)*p < 0x80;
		if (!latin)
			continue; /* an original-script name: not a Latin spelling */
		size_t nl = es_index_name_toks(ix, nm, lt);
		for (size_t k = 0; k < nl; k++) {
			const es_stok *t = &lt[k];
			if ((t->kind != ES_TK_WORD && t->kind != ES_TK_STOP) || t->text_len < 2)
				continue;
			/* the pool keeps each spelling once: its offset is its identity */
			uint32_t off = t->id;
			slot *seen = find_off(m, off);
			if (seen->h) {
				if (seen->first != UINT32_MAX)
					m->sp[seen->first].count++;
				continue;
			}
			if ((m->n_off + 1) * 2 > m->cap)
				continue;
			seen->h = (uint64_t)off + 1;
			seen->first = UINT32_MAX;
			m->n_off++;
			char sk[ES_TOK_LEN];
			size_t sl = es_arabic_skeleton(t->text, t->text_len, false, sk);
			if (!sl || sl >= sizeof m->sp[0].skel)
				continue;
			uint64_t h = es_hash(sk, sl) | 1;
			slot *s = find(m, h);
			uint32_t j = s->h ? s->first : UINT32_MAX;
			size_t chain = 0;
			for (; j != UINT32_MAX; j = m->sp[j].next)
				chain++;
			if (chain >= CANDS_PER_SKEL * 8)
				continue;
			if (!s->h) {
				if ((m->n + 1) * 2 > m->cap)
					continue; /* full: later spellings are not kept */
				s->h = h;
				s->first = UINT32_MAX;
			}
			if (m->n == m->spcap) {
				size_t nc = m->spcap ? m->spcap * 2 : 65536;
				spelling *ns = realloc(m->sp, nc * sizeof *ns);
				if (!ns)
					goto oom;
				m->sp = ns;
				m->spcap = nc;
			}
			spelling *sp = &m->sp[m->n];
			sp->text = off;
			sp->count = 1;
			sp->next = s->first;
			memcpy(sp->skel, sk, sl + 1);
			s->first = (uint32_t)m->n;
			seen->first = (uint32_t)m->n++;
		}
	}
	free(lt);
	*out = m;
	return ES_OK;
oom:
	free(lt);
	es_skel_map_free(m);
	return es_err_set(err, ES_ENOMEM, "out of memory");
}

void es_skel_map_free(es_skel_map *m)
{
	if (!m)
		return;
	free(m->tab);
	free(m->offs);
	free(m->sp);
	free(m);
}

/* How well a listed spelling keeps the letters written in Arabic script:
 * the written letters (y also as i/e, w as u/o, q as k/g, an initial alef
 * or ayin as any vowel: عمر "amr" is Omar or Umar as much as Ammar) found in
 * order. A spelling that loses more than a quarter of them is
 * not a reading of the word (سعاد "sad" is not Seyyed). */
#define KEEP_MIN 0.75
static double keeps(const char *ar, size_t al, const char *w)
{
	size_t found = 0, j = 0, wl = strlen(w);
	for (size_t i = 0; i < al; i++) {
		char c = ar[i];
		for (size_t k = j; k < wl; k++) {
			char d = w[k];
			bool same = d == c || (c == 'y' && (d == 'i' || d == 'e')) || (c == 'w' && (d == 'u' || d == 'o')) ||
				    (c == 'q' && (d == 'k' || d == 'g')) || (i == 0 && c == 'a' && vowel(d));
			if (same) {
				found++;
				j = k + 1;
				break;
			}
		}
	}
	return al ? (double)found / (double)al : 0;
}

typedef struct {
	uint32_t sp;
	double keep;
	uint32_t count;
	size_t len;
} cand;

static int cand_cmp(const void *a, const void *b)
{
	const cand *x = a, *y = b;
	if (x->keep != y->keep)
		return x->keep > y->keep ? -1 : 1;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return x->sp < y->sp ? -1 : x->sp > y->sp;
}

size_t es_arabic_readings(const es_skel_map *m, const es_ntoks *q, char *out, size_t cap, size_t max)
{
	if (!m || !q->n || !max)
		return 0;
	const char *pool = es_index_str(m->ix, 0);
	/* per query word: its best listed spellings */
	enum { PER = 4 };
	uint32_t best[ES_NAME_TOKENS][PER];
	size_t nb[ES_NAME_TOKENS];
	size_t most = 0;
	cand *cs = malloc(CANDS_PER_SKEL * 8 * sizeof *cs);
	if (!cs)
		return 0;
	for (size_t i = 0; i < q->n; i++) {
		const es_tok *t = &q->tok[i];
		nb[i] = 0;
		if (t->kind != ES_TK_WORD || t->text_len < 2)
			continue;
		/* a final "kh", "gh", "sh" or "ch" is one letter (شیخ) or a letter
		 * and a final he (مبارکه: MOBARAKEH): both skeletons */
		size_t nc = 0;
		const char *tx = t->text;
		size_t tl = t->text_len;
		bool two = tl > 3 && tx[tl - 1] == 'h' && strchr("kgsc", tx[tl - 2]);
		for (int v = 0; v <= (int)two; v++) {
			char sk[ES_TOK_LEN];
			size_t sl = es_arabic_skeleton(tx, tl - (size_t)v, true, sk);
			if (!sl)
				continue;
			const slot *s = find(m, es_hash(sk, sl) | 1);
			for (uint32_t j = s->h ? s->first : UINT32_MAX; j != UINT32_MAX && nc < CANDS_PER_SKEL * 8;
			     j = m->sp[j].next) {
				if (strcmp(m->sp[j].skel, sk) != 0)
					continue;
				const char *w = pool + m->sp[j].text;
				double kp = keeps(tx, tl, w);
				if (kp >= KEEP_MIN)
					cs[nc++] = (cand){j, kp, m->sp[j].count, strlen(w)};
			}
		}
		qsort(cs, nc, sizeof *cs, cand_cmp);
		for (size_t k = 0; k < nc && k < PER; k++)
			best[i][nb[i]++] = m->sp[cs[k].sp].text;
		if (nb[i] > most)
			most = nb[i];
	}
	free(cs);
	size_t nr = 0;
	for (size_t r = 0; r < most && nr < max; r++) {
		char *o = out + nr * cap;
		size_t ol = 0;
		bool ok = true;
		for (size_t i = 0; i < q->n && ok; i++) {
			const es_tok *t = &q->tok[i];
			const char *w = t->text;
			if (nb[i])
				w = pool + best[i][r < nb[i] ? r : nb[i] - 1];
			size_t wl = strlen(w);
			if (ol + wl + 2 >= cap) {
				ok = false;
				break;
			}
			if (ol)
				o[ol++] = ' ';
			memcpy(o + ol, w, wl);
			ol += wl;
		}
		if (!ok || !ol)
			break;
		o[ol] = '\0';
		/* the same words as the name or an earlier reading: nothing new to screen */
		bool dup = true;
		for (size_t i = 0; i < q->n && dup; i++)
			dup = !nb[i] || strcmp(pool + best[i][r < nb[i] ? r : nb[i] - 1], q->tok[i].text) == 0;
		for (size_t k = 0; k < nr && !dup; k++)
			dup = strcmp(out + k * cap, o) == 0;
		if (!dup)
			nr++;
	}
	return nr;
}

/* ---- the words of Arabic and Persian organization names, in English ---- */

struct es_arabic_words {
	es_map64 map;  /* hash of a folded word -> entry + 1 */
	char **word;   /* folded */
	char **eng;    /* "english|other form" */
	size_t n;
};

/* One Arabic-script letter form, folded as arabic_words.tsv says: ی ى -> ي,
 * ک -> ك, ة -> ه, أ إ آ -> ا; vowel marks, tatweel and the zero-width
 * non-joiner dropped (""). Returns the bytes to write for s[0..*used). */
static const char *fold_letter(const unsigned char *s, size_t avail, size_t *used)
{
	*used = 1;
	if (avail >= 3 && s[0] == 0xE2 && s[1] == 0x80 && s[2] == 0x8C) {
		*used = 3;
		return "";
	}
	if (avail < 2)
		return NULL;
	unsigned cp = s[0] >= 0xD8 && s[0] <= 0xDB ? ((unsigned)(s[0] & 0x1F) << 6) | (s[1] & 0x3F) : 0;
	if (!cp)
		return NULL;
	*used = 2;
	if (cp == 0x6CC || cp == 0x649)
		return "\xD9\x8A";
	if (cp == 0x6A9)
		return "\xD9\x83";
	if (cp == 0x629)
		return "\xD9\x87";
	if (cp == 0x622 || cp == 0x623 || cp == 0x625)
		return "\xD8\xA7";
	if (cp == 0x640 || (cp >= 0x64B && cp <= 0x652))
		return "";
	return NULL; /* as written */
}

/* s[0..len) folded into out (cap bytes); its length. */
static size_t fold_word(const char *s, size_t len, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < len;) {
		size_t used;
		const char *f = fold_letter((const unsigned char *)s + i, len - i, &used);
		const char *src = f ? f : s + i;
		size_t n = f ? strlen(f) : used;
		if (o + n + 1 > cap)
			break;
		memcpy(out + o, src, n);
		o += n;
		i += used;
	}
	out[o] = '\0';
	return o;
}

void es_arabic_words_free(es_arabic_words *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->n; i++) {
		free(w->word[i]);
		free(w->eng[i]);
	}
	free(w->word);
	free(w->eng);
	es_map64_free(&w->map);
	free(w);
}

es_code es_arabic_words_parse(es_arabic_words **out, char *buf, const char *path, es_err *err)
{
	*out = NULL;
	es_arabic_words *w = calloc(1, sizeof *w);
	if (!w)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	es_code rc = ES_OK;
	long lineno = 0;
	char *cur = buf;
	for (char *line; rc == ES_OK && (line = es_text_data_line(&cur, &lineno)) != NULL;) {
		char *cols[2];
		if (es_text_split_tabs(line, cols, 2) < 2 || !*cols[0] || !*cols[1]) {
			rc = es_err_set(err, ES_EFORMAT, "%s:%ld: expected word<TAB>English", path, lineno);
			break;
		}
		char key[ES_TOK_LEN * 4];
		size_t kl = fold_word(cols[0], strlen(cols[0]), key, sizeof key);
		char **nw = realloc(w->word, (w->n + 1) * sizeof *nw);
		if (nw)
			w->word = nw;
		char **ne = nw ? realloc(w->eng, (w->n + 1) * sizeof *ne) : NULL;
		if (ne)
			w->eng = ne;
		bool fresh;
		uint32_t *at = ne ? es_map64_slot(&w->map, es_map64_key(es_hash(key, kl)), &fresh) : NULL;
		char *wk = at ? strdup(key) : NULL, *we = wk ? strdup(cols[1]) : NULL;
		if (!we) {
			free(wk);
			rc = es_err_set(err, ES_ENOMEM, "out of memory");
			break;
		}
		w->word[w->n] = wk;
		w->eng[w->n] = we;
		if (fresh) /* the first line of a word decides */
			*at = (uint32_t)w->n + 1;
		w->n++;
	}
	if (rc != ES_OK) {
		es_arabic_words_free(w);
		return rc;
	}
	*out = w;
	return ES_OK;
}

static const char *lookup_word(const es_arabic_words *w, const char *key, size_t kl)
{
	uint32_t v = es_map64_get(&w->map, es_map64_key(es_hash(key, kl)));
	return v && strcmp(w->word[v - 1], key) == 0 ? w->eng[v - 1] : NULL;
}

bool es_arabic_words_reading(const es_arabic_words *w, const char *s, size_t len, unsigned k, char *out, size_t cap)
{
	size_t o = 0;
	bool replaced = false, more = false;
	if (!w || !cap)
		return false;
	for (size_t i = 0; i < len;) {
		if (s[i] == ' ') {
			i++;
			continue;
		}
		size_t j = i;
		while (j < len && s[j] != ' ')
			j++;
		char key[ES_TOK_LEN * 4];
		size_t kl = fold_word(s + i, j - i, key, sizeof key);
		const char *eng = lookup_word(w, key, kl);
		/* the article ال before a word the file has without it */
		if (!eng && kl > 4 && memcmp(key, "\xD8\xA7\xD9\x84", 4) == 0)
			eng = lookup_word(w, key + 4, kl - 4);
		const char *src = s + i;
		size_t n = j - i;
		if (eng) {
			/* form k, or the last one */
			const char *p = eng, *bar;
			for (unsigned f = 0; f < k && (bar = strchr(p, '|')); f++)
				p = bar + 1;
			more |= k == 0 || p != eng;
			bar = strchr(p, '|');
			src = p;
			n = bar ? (size_t)(bar - p) : strlen(p);
			replaced = true;
		}
		if (o + n + 2 > cap)
			return false;
		if (o)
			out[o++] = ' ';
		memcpy(out + o, src, n);
		o += n;
		i = j;
	}
	out[o] = '\0';
	return replaced && more;
}
