/* es_score — see es_score.h. */
#include "es_score.h"
#include "es_text.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Penalty factors, tuned on the dev set as a whole (see docs/matching.md). */
#define UQ ES_SCORE_UQ
#define UL ES_SCORE_UL
#define MIDDLE_FACTOR ES_SCORE_MIDDLE_FACTOR
#define MIDDLE_STRONG ES_SCORE_MIDDLE_STRONG
#define STRONG_SIM 0.95        /* "aligns nearly exactly": same word or canonical form */
#define ES_SCORE_NUM_PENALTY 0.75
#define CANON_EQUAL_SIM ES_SCORE_CANON_EQUAL /* same canonical form, different spelling */
#define INITIAL_SIM 0.6        /* "j" against "john" */
#define COMPOUND_MIN 0.85
#define TYPO_COST 0.8          /* similarity lost per edit, relative to length */
#define TRANSPOSE_COST ES_SCORE_TRANSPOSE_COST /* the same for two adjacent letters swapped */
#define FIRST_LETTER_COST 2.0  /* the same for the first letter of a short word substituted */
#define TWO_EDITS_SHORT_COST 1.0 /* per edit, two edits in a word of 6 to 8 letters: a weak sign */
#define SHORT_SUBST_COST 1.2   /* a substituted letter in a word of 3 or 4 letters */
#define SHORT_CANON_SIM 0.85   /* "arq"/"ark": a romanization rule on a very short word */
#define LEGAL_CONFLICT 4.0     /* the same for legal forms, which weigh 0.08 */
#define CONFLICT ES_SCORE_CONFLICT /* extra weight of words unmatched on both sides */
#define UQ_PERSON ES_SCORE_UQ_PERSON
#define TITLE_WEIGHT 0.1       /* a title leading a query ("Sheikh", "Haji"): like a stopword */
#define LEGAL_FAMILY_SIM 0.9   /* two legal forms of one family (legal_families.txt) */
#define GIVEN_EQUIV_SIM ES_SCORE_GIVEN_EQUIV /* given-name equivalents (given_names.txt): close, not the same */
#define PARTICLE_ORDER 0.75    /* the words around "bin" swapped: another person */
#define CONTAIN_UNKNOWN 3      /* words other than branch words a branch marker may bring */

/* The classes (byte & 31) of the bytes of s[0..n), as bits. */
static uint32_t byte_set(const char *s, int n)
{
	uint32_t m = 0;
	for (int i = 0; i < n; i++)
		m |= 1u << ((unsigned char)s[i] & 31);
	return m;
}

/* The bits set in x (without a popcnt instruction, __builtin_popcount is a
 * library call). */
static inline int popcount32(uint32_t x)
{
	x = x - ((x >> 1) & 0x55555555u);
	x = (x & 0x33333333u) + ((x >> 2) & 0x33333333u);
	x = (x + (x >> 4)) & 0x0f0f0f0fu;
	return (int)((x * 0x01010101u) >> 24);
}

/* The optimal string alignment distance of a (1 <= la <= 64 bytes) and b,
 * one column of the table per byte of b in bit vectors (Hyyro 2003, "A
 * bit-vector algorithm for computing Levenshtein and Damerau edit
 * distances"): bit i of VP / VN says the cell of row i + 1 is one more /
 * one less than the cell above it, D0 marks the cells equal to their
 * diagonal neighbour, TR the adjacent transpositions. */
static int osa_bits(const char *a, int la, const char *b, int lb)
{
	static _Thread_local uint64_t peq[256]; /* where each byte is in a; zero between calls */
	for (int i = 0; i < la; i++)
		peq[(unsigned char)a[i]] |= 1ull << i;
	uint64_t vp = ~0ull, vn = 0, d0 = 0, pm_old = 0, last = 1ull << (la - 1);
	int d = la;
	for (int j = 0; j < lb; j++) {
		uint64_t pm = peq[(unsigned char)b[j]];
		uint64_t tr = ((~d0 & pm) << 1) & pm_old;
		d0 = (((pm & vp) + vp) ^ vp) | pm | vn | tr;
		uint64_t hp = vn | ~(d0 | vp), hn = d0 & vp;
		d += (hp & last) != 0;
		d -= (hn & last) != 0;
		hp = (hp << 1) | 1;
		hn <<= 1;
		vp = hn | ~(d0 | hp);
		vn = hp & d0;
		pm_old = pm;
	}
	for (int i = 0; i < la; i++)
		peq[(unsigned char)a[i]] = 0;
	return d;
}

/* Optimal string alignment distance, or k + 1 when it exceeds k. Strings of
 * up to 64 bytes go by osa_bits; longer ones by the table, of which only the
 * band |i - j| <= k is computed (a cell outside it is more than k: at least
 * |i - j|; the cells just outside the band read as k + 1), stopping once a
 * row is all above k. */
static int osa(const char *a, int la, const char *b, int lb, int k)
{
	if (la - lb > k || lb - la > k || lb > ES_TOK_LEN * 2)
		return k + 1;
	/* an edit adds or takes at most one byte (of 32 classes) to or from the
	 * set a string has: sets more than 2k apart are more than k edits */
	if (popcount32(byte_set(a, la) ^ byte_set(b, lb)) > 2 * k)
		return k + 1;
	if (la >= 1 && la <= 64) {
		int d = osa_bits(a, la, b, lb);
		return d <= k ? d : k + 1;
	}
	const int out = k + 1;
	int d0[ES_TOK_LEN * 2 + 3], d1[ES_TOK_LEN * 2 + 3], d2[ES_TOK_LEN * 2 + 3];
	int *pp = d0, *p = d1, *c = d2;
	for (int j = 0; j <= lb + 1; j++)
		p[j] = j <= k ? j : out;
	for (int i = 1; i <= la; i++) {
		int lo = i - k > 1 ? i - k : 1, hi = i + k < lb ? i + k : lb;
		c[lo - 1] = lo == 1 ? i : out;
		int rowmin = c[lo - 1];
		for (int j = lo; j <= hi; j++) {
			int v = p[j - 1] + (a[i - 1] != b[j - 1]);
			if (p[j] + 1 < v)
				v = p[j] + 1;
			if (c[j - 1] + 1 < v)
				v = c[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && pp[j - 2] + 1 < v)
				v = pp[j - 2] + 1;
			c[j] = v;
			if (v < rowmin)
				rowmin = v;
		}
		c[hi + 1] = out;
		if (rowmin > k)
			return k + 1;
		int *t = pp;
		pp = p;
		p = c;
		c = t;
	}
	return p[lb] <= k ? p[lb] : k + 1;
}

/* Whether two strings of one length differ only by two adjacent letters
 * swapped ("sian"/"sina"): the commonest typo, which rarely turns one real
 * name into another the way a substituted letter does (Dario/Mario). */
static bool transposed(const char *a, const char *b, int l)
{
	int i = 0;
	while (i < l && a[i] == b[i])
		i++;
	return i + 1 < l && a[i] == b[i + 1] && a[i + 1] == b[i] && memcmp(a + i + 2, b + i + 2, (size_t)(l - i - 2)) == 0;
}

static bool is_vowel(char c)
{
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
}

/* Whether two strings of one length differ in exactly d places, each a vowel
 * written for another (Mahdi / Mehdi, Osman / Usman, Hezbollah / Hizbollah):
 * the commonest difference between two romanizations of one name. */
static bool vowels_for_vowels(const char *a, const char *b, int l, int d)
{
	int n = 0;
	for (int i = 0; i < l; i++)
		if (a[i] != b[i] && (!is_vowel(a[i]) || !is_vowel(b[i]) || ++n > d))
			return false;
	return n == d;
}

/* Edit-distance similarity of two strings with a typo allowance that grows
 * with length (ES_SCORE_MAX_EDITS: one edit in words of 3 to 5 letters, the
 * first letter included; two from 6 letters, three from 13); a word of one
 * or two letters, or against one, must be exact. The similarity falls with
 * the share of the word an edit changes, so a typo in a short word is a
 * partial match: "vbt"/"vtb" 0.8, "sian"/"sina" 0.85, "yng"/"yong" 0.8, a
 * letter substituted in 3-4 letters 0.6-0.7 ("radi"/"rafi");
 * two edits in 6 to 8 letters 0.67 to 0.75. */
static double str_sim(const char *a, int la, const char *b, int lb)
{
	if (la == lb && memcmp(a, b, (size_t)la) == 0)
		return 1.0;
	int L = la > lb ? la : lb;
	int m = la < lb ? la : lb;
	if (m < ES_SCORE_MIN_TYPO_LEN)
		return 0.0;
	int k = ES_SCORE_MAX_EDITS(L);
	int d = es_text_within1(a, (size_t)la, b, (size_t)lb);
	if (d > 1)
		d = k > 1 ? osa(a, la, b, lb, k) : k + 1;
	if (d > k)
		return 0.0;
	double cost = d >= 2 && L <= 8 ? TWO_EDITS_SHORT_COST : TYPO_COST;
	if (d == 1 && la == lb && transposed(a, b, la))
		cost = TRANSPOSE_COST;
	else if (la == lb && L >= 5 && vowels_for_vowels(a, b, la, d))
		/* vowels written otherwise cost least (no more than the index's
		 * walks allow: es_score_typo_max, es_score_typo2_max) */
		cost = d == 1 ? TRANSPOSE_COST : TYPO_COST;
	else if (d == 1 && L <= 5 && a[0] != b[0])
		cost = FIRST_LETTER_COST; /* Dario/Mario, Kim/Lim, Zigor/Igor: mostly another name */
	else if (d == 1 && la == lb && L <= 4)
		cost = SHORT_SUBST_COST; /* Radi/Rafi: a letter changed in a very short word */
	return 1.0 - cost * (double)d / (double)L;
}

double es_score_str_sim(const char *a, int la, const char *b, int lb)
{
	return str_sim(a, la, b, lb);
}

bool es_score_str_near(const char *a, int la, const char *b, int lb)
{
	/* str_sim without the cost of the edits: every cost it charges leaves
	 * a similarity above 0 within ES_SCORE_MAX_EDITS (at most 2 / 3 of a
	 * word of 3 to 5 letters, 2 / 6 of one of 6 to 8, 3 * 0.8 / 13 beyond) */
	if (la == lb && memcmp(a, b, (size_t)la) == 0)
		return true;
	int L = la > lb ? la : lb;
	int m = la < lb ? la : lb;
	if (m < ES_SCORE_MIN_TYPO_LEN)
		return false;
	int k = ES_SCORE_MAX_EDITS(L);
	if (es_text_within1(a, (size_t)la, b, (size_t)lb) <= 1)
		return true;
	return k > 1 && osa(a, la, b, lb, k) <= k;
}

double es_token_sim(const es_stok *a, const es_stok *b)
{
	if (a->text_len == b->text_len && memcmp(a->text, b->text, a->text_len) == 0)
		return 1.0;
	bool num = a->kind == ES_TK_NUM || b->kind == ES_TK_NUM;
	if (num)
		return 0.0;
	/* (a short canonical form is a romanization rule's guess, not so a legal
	 * form's or a particle's: AO = JSC, ben = bin) */
	if (a->canon_len == b->canon_len && memcmp(a->canon, b->canon, a->canon_len) == 0)
		return a->canon_len <= 3 && a->kind == ES_TK_WORD ? SHORT_CANON_SIM : CANON_EQUAL_SIM;
	if (a->kind == ES_TK_INITIAL || b->kind == ES_TK_INITIAL) {
		if (a->kind == ES_TK_INITIAL && b->kind == ES_TK_INITIAL)
			return 0.0;
		return a->text[0] == b->text[0] ? INITIAL_SIM : 0.0;
	}
	/* two legal forms of one family (AO / AG, OOO / GmbH): nearly the same */
	if (a->kind == ES_TK_LEGAL && b->kind == ES_TK_LEGAL)
		return (a->lex & b->lex & ES_LX_LEGAL_FAMILY) && a->cls == b->cls ? LEGAL_FAMILY_SIM : 0.0;
	double s1 = str_sim(a->canon, a->canon_len, b->canon, b->canon_len);
	if (s1 >= 0.95)
		return s1 * CANON_EQUAL_SIM;
	double s2 = str_sim(a->text, a->text_len, b->text, b->text_len);
	double s = s1 > s2 ? s1 : s2;
	s *= CANON_EQUAL_SIM;
	/* given-name equivalents (Bill / William, Ivan / John), never for a
	 * surname written before the comma */
	if ((a->lex & b->lex & ES_LX_GIVEN) && a->cls == b->cls && !((a->flags | b->flags) & ES_TF_SURNAME) &&
	    s < GIVEN_EQUIV_SIM)
		s = GIVEN_EQUIV_SIM;
	return s;
}

double es_kind_weight(uint8_t kind, uint8_t flags)
{
	double w;
	switch (kind) {
	case ES_TK_LEGAL: w = 0.08; break;
	case ES_TK_STOP: w = 0.1; break;
	case ES_TK_GENERIC: w = 0.35; break;
	case ES_TK_INITIAL: w = 0.25; break;
	default: w = 1.0; break;
	}
	if (flags & ES_TF_PAREN)
		w *= 0.5;
	if (flags & ES_TF_TITLE)
		w *= TITLE_WEIGHT;
	return w;
}

void es_score_weigh(es_stok *t, size_t n, const double *idf)
{
	bool distinctive = false;
	for (size_t i = 0; i < n; i++)
		if (t[i].kind == ES_TK_WORD || t[i].kind == ES_TK_NUM)
			distinctive = true;
	for (size_t i = 0; i < n; i++)
		t[i].w = (float)(idf[i] * (distinctive ? es_kind_weight(t[i].kind, t[i].flags) : 1.0));
}

/* Whether another token of the same name with the number of t aligned: a
 * number written twice ("CETC 11th Research Institute (CETC 11th RI)") is
 * not missing when one of them is matched. */
static bool num_aligned(const es_stok *t, size_t n, const int *m, const es_stok *num)
{
	for (size_t i = 0; i < n; i++)
		if (&t[i] != num && m[i] != -1 && t[i].kind == ES_TK_NUM && t[i].canon_len == num->canon_len &&
		    memcmp(t[i].canon, num->canon, num->canon_len) == 0)
			return true;
	return false;
}

/* Middle names of a person: given names after the first ("LAST, First
 * Middle"), or, without a comma, the words between the first and the last;
 * and a patronymic wherever it stands ("MEDVEDCHUK Viktor Volodymyrovych"),
 * when two other words are beside it (with fewer it is a surname). */
static void middles(const es_stok *t, size_t n, bool *mid)
{
	bool comma = false;
	size_t plain = 0;
	for (size_t i = 0; i < n; i++) {
		mid[i] = false;
		if (t[i].flags & (ES_TF_GIVEN | ES_TF_SURNAME))
			comma = true;
		if (t[i].kind == ES_TK_WORD && !(t[i].lex & ES_LX_PATRONYMIC))
			plain++;
	}
	bool patr[ES_NAME_TOKENS];
	for (size_t i = 0; i < n; i++) {
		patr[i] = plain >= 2 && t[i].kind == ES_TK_WORD && (t[i].lex & ES_LX_PATRONYMIC) &&
			  !(t[i].flags & ES_TF_SURNAME);
		mid[i] = patr[i];
	}
	size_t first = n, last = n;
	for (size_t i = 0; i < n; i++) {
		if ((t[i].kind != ES_TK_WORD && t[i].kind != ES_TK_INITIAL) || (t[i].flags & ES_TF_TITLE) || patr[i])
			continue;
		if (comma && !(t[i].flags & ES_TF_GIVEN))
			continue;
		if (first == n)
			first = i;
		last = i;
	}
	if (first == n)
		return;
	for (size_t i = first + 1; i < n; i++) {
		if ((t[i].kind != ES_TK_WORD && t[i].kind != ES_TK_INITIAL) || (t[i].flags & ES_TF_TITLE) || patr[i])
			continue;
		if (comma ? (t[i].flags & ES_TF_GIVEN) != 0 : i < last)
			mid[i] = true;
	}
}

/* Whether a name leaves a word of its own over (not a middle name; a
 * stopword too: "Il" of "Kim Jong Il" is a syllable, not Italian's article):
 * then a word the other leaves over is another word, not one left out. */
static bool own_word_left(const es_stok *o, size_t on, const int *om, const bool *omid)
{
	for (size_t i = 0; i < on; i++)
		if ((o[i].kind == ES_TK_WORD || (o[i].kind == ES_TK_STOP && !(o[i].lex & ES_LX_PARTICLE))) && om[i] == -1 &&
		    !omid[i])
			return true;
	return false;
}

/* A surname left out after the family name ("ALEJOS LORENZANA, Felipe" /
 * "Felipe ALEJOS": the maternal surname of Spanish names; "BIN AHMED RUSHDI
 * AL-QATIRJI, Hussam" / "Hussam AL-QATIRJI": the father's names before the
 * family name): weighed as a middle name, when the first surname or one
 * after a particle aligns nearly exactly ("CARDONA MARTINEZ, Pedro" is not
 * "Pedro MARTINEZ"), and the other name leaves no word of its own over (then
 * it is another surname: "MEZA FLORES" / "MEZA ANGULO"). Only in "SURNAME,
 * Given" order, where the surnames are known. */
static void second_surnames(const es_stok *t, size_t n, const int *m, const double *sim, bool *mid,
			    const es_stok *o, size_t on, const int *om, const bool *omid)
{
	if (own_word_left(o, on, om, omid))
		return;
	bool anchor = false, first = true, after_particle = false;
	for (size_t i = 0; i < n; i++) {
		if (!(t[i].flags & ES_TF_SURNAME))
			continue;
		if (t[i].kind == ES_TK_STOP) {
			after_particle = true;
			continue;
		}
		if (t[i].kind != ES_TK_WORD)
			continue;
		if ((first || after_particle) && m[i] != -1 && sim[i] >= STRONG_SIM)
			anchor = true;
		first = after_particle = false;
	}
	if (!anchor)
		return;
	for (size_t i = 0; i < n; i++)
		if (t[i].kind == ES_TK_WORD && (t[i].flags & ES_TF_SURNAME) && m[i] == -1)
			mid[i] = true;
}

/* A family name "Al X" left out of a name whose nasab ("Muhammad bin
 * Salman") aligns nearly exactly ("Mohammed bin Salman" / "Muhammad bin
 * Salman Al Saud", "AL SAUD, Muhammad bin Salman"): weighed as a middle name,
 * when the other name leaves no word of its own over. */
static void nasab_family(const es_stok *t, size_t n, const int *m, const double *sim, bool *mid, const es_stok *o,
			 size_t on, const int *om, const bool *omid)
{
	bool nasab = false;
	for (size_t i = 1; i + 1 < n && !nasab; i++)
		nasab = t[i].kind == ES_TK_STOP && (t[i].lex & ES_LX_PARTICLE) && t[i - 1].kind == ES_TK_WORD &&
			t[i + 1].kind == ES_TK_WORD && m[i - 1] != -1 && m[i + 1] != -1 && sim[i - 1] >= STRONG_SIM &&
			sim[i + 1] >= STRONG_SIM;
	if (!nasab)
		return;
	if (own_word_left(o, on, om, omid))
		return;
	for (size_t i = 1; i < n; i++)
		if (t[i].kind == ES_TK_WORD && m[i] == -1 && t[i - 1].kind == ES_TK_STOP &&
		    !(t[i - 1].lex & ES_LX_PARTICLE) && t[i - 1].canon_len == 2 && memcmp(t[i - 1].canon, "al", 2) == 0)
			mid[i] = true;
}

static void put_align(es_align *al, size_t max_al, size_t *n_al, const char *q, size_t ql, const char *l,
		      size_t ll, double sim)
{
	if (!al || *n_al >= max_al)
		return;
	es_align *a = &al[(*n_al)++];
	snprintf(a->query_token, sizeof a->query_token, "%.*s", (int)ql, q);
	snprintf(a->list_token, sizeof a->list_token, "%.*s", (int)ll, l);
	a->similarity = sim;
}

/* Similarity of one token against two adjacent ones written together. */
static double compound_sim(const es_stok *one, const es_stok *x, const es_stok *y)
{
	/* a legal form or stopword glued to a word is not a compound
	 * ("gran" + "compania" is not "graco"); an article is ("al" + "hassan") */
	if (one->kind != ES_TK_WORD || y->kind != ES_TK_WORD || (x->kind != ES_TK_WORD && x->kind != ES_TK_STOP))
		return 0.0;
	char buf[ES_TOK_LEN * 2];
	int l = 0;
	memcpy(buf, x->canon, x->canon_len);
	l += x->canon_len;
	memcpy(buf + l, y->canon, y->canon_len);
	l += y->canon_len;
	/* at most one edit: words written together are one spelling variant,
	 * and what the index reaches exactly (es_match.c) */
	if (es_text_within1(one->canon, (size_t)one->canon_len, buf, (size_t)l) > 1)
		return 0.0;
	double s = str_sim(one->canon, one->canon_len, buf, l);
	return s * CANON_EQUAL_SIM;
}

static double cached_sim(es_sim_cache *c, size_t qi, const es_stok *q, const es_stok *l)
{
	if (!c || !l->id)
		return es_token_sim(q, l);
	uint64_t key = ((uint64_t)l->id << 8) | (uint64_t)(qi & 0xff);
	uint64_t h = key * 0x9e3779b97f4a7c15ull;
	size_t slot = (size_t)(h >> 51) & (ES_SIM_CACHE_SIZE - 1);
	for (int probe = 0; probe < 4; probe++) {
		size_t j = (slot + (size_t)probe) & (ES_SIM_CACHE_SIZE - 1);
		if (c->stamp[j] == c->epoch && c->key[j] == key)
			return c->sim[j];
		if (c->stamp[j] != c->epoch) {
			double s = es_token_sim(q, l);
			c->stamp[j] = c->epoch;
			c->key[j] = key;
			c->sim[j] = (float)s;
			return (float)s;
		}
	}
	return es_token_sim(q, l);
}

double es_token_sim_cached(es_sim_cache *c, size_t qi, const es_stok *q, const es_stok *l)
{
	return cached_sim(c, qi, q, l);
}

double es_score_names(const es_stok *q, size_t nq, const es_stok *l, size_t nl, bool person,
		      es_align *al, size_t max_al, size_t *n_al)
{
	return es_score_names_cached(q, nq, l, nl, person, NULL, al, max_al, n_al);
}

double es_score_names_cached(const es_stok *q, size_t nq, const es_stok *l, size_t nl, bool person,
			     es_sim_cache *cache, es_align *al, size_t max_al, size_t *n_al)
{
	return es_score_names_info(q, nq, l, nl, person, cache, al, max_al, n_al, NULL);
}

/* Same words as written, the same order up to a rotation ("SURNAME, Given"
 * = "Given SURNAME"), and a rotation only when one side was written with the
 * comma: the literal reading of the listed name. */
static bool same_words(const es_stok *q, size_t nq, const es_stok *l, size_t nl)
{
	if (nq != nl)
		return false;
	bool comma = false;
	for (size_t i = 0; i < nq; i++)
		if ((q[i].flags | l[i].flags) & (ES_TF_SURNAME | ES_TF_GIVEN))
			comma = true;
	for (size_t r = 0; r < nl; r++) {
		if (r && !comma)
			break;
		bool eq = true;
		for (size_t i = 0; i < nq && eq; i++) {
			const es_stok *b = &l[(i + r) % nl];
			eq = q[i].text_len == b->text_len && memcmp(q[i].text, b->text, b->text_len) == 0;
		}
		if (eq)
			return true;
	}
	return false;
}

/* The tokens in reading order: "SURNAME, Given" is read "Given SURNAME". */
static void reading_order(const es_stok *t, size_t n, size_t *ord)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (t[i].flags & ES_TF_GIVEN)
			ord[k++] = i;
	for (size_t i = 0; i < n; i++)
		if (!(t[i].flags & ES_TF_GIVEN))
			ord[k++] = i;
}

/* Whether the words on either side of a listed particle ("X bin Y") are read
 * in the other order in the query ("Y bin X"). */
static bool particle_order_broken(const es_stok *q, size_t nq, const es_stok *l, size_t nl, const int *lm)
{
	size_t lo[ES_NAME_TOKENS], qo[ES_NAME_TOKENS], qrank[ES_NAME_TOKENS];
	bool any = false;
	for (size_t j = 0; j < nl && !any; j++)
		any = (l[j].lex & ES_LX_PARTICLE) && l[j].kind != ES_TK_WORD;
	if (!any || nl < 3)
		return false;
	reading_order(l, nl, lo);
	reading_order(q, nq, qo);
	for (size_t k = 0; k < nq; k++)
		qrank[qo[k]] = k;
	for (size_t k = 1; k + 1 < nl; k++) {
		const es_stok *p = &l[lo[k]];
		if (!(p->lex & ES_LX_PARTICLE) || p->kind == ES_TK_WORD)
			continue;
		int a = lm[lo[k - 1]], b = lm[lo[k + 1]];
		if (a >= 0 && b >= 0 && qrank[a] > qrank[b])
			return true;
	}
	return false;
}

/* The same canonical form or the same spelling (what the index checks
 * before scoring a name for containment). */
static bool same_word(const es_stok *a, const es_stok *b)
{
	return (a->canon_len == b->canon_len && memcmp(a->canon, b->canon, a->canon_len) == 0) ||
	       (a->text_len == b->text_len && memcmp(a->text, b->text, a->text_len) == 0);
}

/* Containment (es_score_info.contains): every word of the listed name (its
 * words, numbers and generic words; legal forms, stopwords and words in
 * parentheses may be missing) aligns with a query word of the same canonical
 * form or spelling, those
 * query words form one run (stopwords and legal forms may come between), and
 * every other query word is one a branch, subsidiary or office adds: a legal
 * form, stopword, generic word or place, a word in parentheses, a word of
 * branch_words.txt or a country; with a marker (Branch, Representative
 * Office, Campus) up to CONTAIN_UNKNOWN other words (its place: "Zhuhai
 * Campus"). A listed name must have two such words, one of them distinctive,
 * or three generic ones ("Beijing Institute of Technology"), or be an
 * entity's one-word brand (ES_TF_BRAND: "Hikvision Europe B.V."). */
static bool core_word(const es_stok *t)
{
	return es_score_core_word(t->kind, t->flags);
}

static bool enough_core(size_t core, size_t distinctive, bool brand)
{
	return (core >= 2 && (distinctive > 0 || core >= 3)) || (core == 1 && brand);
}

bool es_score_containable(const es_stok *l, size_t nl)
{
	size_t core = 0, distinctive = 0;
	bool brand = false;
	for (size_t j = 0; j < nl; j++)
		if (core_word(&l[j])) {
			core++;
			distinctive += l[j].kind != ES_TK_GENERIC;
			brand |= (l[j].flags & ES_TF_BRAND) != 0;
		}
	return enough_core(core, distinctive, brand);
}

static bool contains_listed(const es_stok *q, size_t nq, const es_stok *l, size_t nl, const int *qm,
			    const int *lm, const double *ls)
{
	size_t core = 0, distinctive = 0;
	bool brand = false;
	for (size_t j = 0; j < nl; j++) {
		uint8_t k = l[j].kind;
		if (!core_word(&l[j])) {
			if (lm[j] == -1 && (k == ES_TK_WORD || k == ES_TK_NUM || k == ES_TK_GENERIC || k == ES_TK_INITIAL) &&
			    !(l[j].flags & ES_TF_PAREN))
				return false;
			continue;
		}
		if (lm[j] < 0 || !same_word(&q[lm[j]], &l[j]))
			return false;
		core++;
		if (k != ES_TK_GENERIC)
			distinctive++;
		brand |= (l[j].flags & ES_TF_BRAND) != 0;
	}
	if (!enough_core(core, distinctive, brand))
		return false;
	size_t lo = nq, hi = 0, extra = 0, unknown[2] = {0, 0};
	bool marker[2] = {false, false}; /* before and after the run */
	/* the run of the listed name's words (a legal form may stand apart:
	 * "Huawei Technologies Europe B.V." holds "Huawei Technologies Co., Ltd.") */
	for (size_t i = 0; i < nq; i++) {
		if (qm[i] >= 0 && q[i].kind != ES_TK_LEGAL) {
			if (i < lo)
				lo = i;
			hi = i;
		}
	}
	if (lo == nq)
		return false;
	/* "University of X" after a place is another university (Xi'an
	 * University of Electronic Science and Technology is not the listed
	 * University of Electronic Science and Technology of China) */
	size_t j0 = 0;
	while (j0 < nl && !core_word(&l[j0]))
		j0++;
	if (j0 + 1 < nl && (l[j0].lex & ES_LX_INSTITUTION) && l[j0 + 1].kind == ES_TK_STOP)
		for (size_t i = 0; i < lo; i++)
			if (q[i].kind != ES_TK_LEGAL && q[i].kind != ES_TK_STOP)
				return false;
	for (size_t i = 0; i < nq; i++) {
		if (qm[i] >= 0 && (q[i].kind != ES_TK_LEGAL || i < lo || i > hi))
			continue;
		uint8_t k = q[i].kind;
		bool between = i > lo && i < hi;
		if (between && k != ES_TK_STOP && k != ES_TK_LEGAL)
			return false; /* not one run */
		if (k == ES_TK_STOP || k == ES_TK_LEGAL)
			continue;
		extra++;
		int side = i > hi;
		if (q[i].lex & ES_LX_MARKER)
			marker[side] = true;
		if (!(k == ES_TK_GENERIC || (q[i].flags & ES_TF_PAREN) || (q[i].lex & ES_LX_BRANCH)))
			unknown[side]++;
	}
	if (!extra)
		return false;
	/* a name of generic words only ("Beijing Institute of Technology") is
	 * contained only in a name that says it is a branch ("... Zhuhai Campus") */
	if (distinctive == 0 && !marker[0] && !marker[1])
		return false;
	/* other words come with a marker on their side of the listed name:
	 * "Jincheng College of X", "X Zhuhai Campus", but not "HSBC X Dubai
	 * Branch" (another company's name before it) */
	for (int side = 0; side < 2; side++)
		if (unknown[side] && !marker[side])
			return false;
	return unknown[0] + unknown[1] <= CONTAIN_UNKNOWN;
}

double es_score_names_info(const es_stok *q, size_t nq, const es_stok *l, size_t nl, bool person,
			   es_sim_cache *cache, es_align *al, size_t max_al, size_t *n_al, es_score_info *info)
{
	size_t dummy = 0;
	if (info)
		*info = (es_score_info){false, false, 0.0};
	if (!n_al)
		n_al = &dummy;
	*n_al = 0;
	if (nq == 0 || nl == 0 || nq > ES_NAME_TOKENS || nl > ES_NAME_TOKENS)
		return 0.0;
	float sim[ES_NAME_TOKENS * ES_NAME_TOKENS];
	int qm[ES_NAME_TOKENS], lm[ES_NAME_TOKENS];   /* partner index, -1 none; -2 - j for compounds */
	double qs[ES_NAME_TOKENS], ls[ES_NAME_TOKENS]; /* similarity of the pair */
	for (size_t i = 0; i < nq; i++) {
		qm[i] = -1;
		qs[i] = 0;
	}
	for (size_t j = 0; j < nl; j++) {
		lm[j] = -1;
		ls[j] = 0;
	}
	size_t npos = 0;
	for (size_t i = 0; i < nq; i++)
		for (size_t j = 0; j < nl; j++) {
			double s = cached_sim(cache, i, &q[i], &l[j]);
			sim[i * nl + j] = (float)s;
			if (s > 0)
				npos++;
		}
	/* greedy one-to-one alignment, best pairs first (heavier tokens on ties) */
	while (npos) {
		double best = 0, bw = -1;
		size_t bi = 0, bj = 0;
		for (size_t i = 0; i < nq; i++) {
			if (qm[i] != -1)
				continue;
			for (size_t j = 0; j < nl; j++) {
				if (lm[j] != -1)
					continue;
				double s = sim[i * nl + j];
				if (s <= 0)
					continue;
				double w = (double)l[j].w + (double)q[i].w;
				if (s > best + 1e-9 || (s > best - 1e-9 && w > bw)) {
					best = s;
					bw = w;
					bi = i;
					bj = j;
				}
			}
		}
		if (best <= 0)
			break;
		qm[bi] = (int)bj;
		lm[bj] = (int)bi;
		qs[bi] = ls[bj] = best;
		npos--;
	}
	/* a word aligned with one half of a compound it matches better whole
	 * ("alarab" = "al arab", not "arab" two edits away) */
	for (size_t i = 0; i < nq; i++) {
		if (qm[i] < 0 || qs[i] >= CANON_EQUAL_SIM)
			continue;
		size_t j = (size_t)qm[i];
		for (size_t o = j > 0 ? j - 1 : j; o <= j && o + 1 < nl; o++) {
			size_t other = o == j ? o + 1 : o;
			if (lm[other] != -1)
				continue;
			double c = compound_sim(&q[i], &l[o], &l[o + 1]);
			if (c >= COMPOUND_MIN && c > qs[i] + 1e-9) {
				qm[i] = (int)o;
				lm[o] = lm[o + 1] = (int)i;
				qs[i] = ls[o] = ls[o + 1] = c;
				break;
			}
		}
	}
	for (size_t j = 0; j < nl; j++) {
		if (lm[j] < 0 || ls[j] >= CANON_EQUAL_SIM)
			continue;
		size_t i = (size_t)lm[j];
		if (qm[i] != (int)j || (j + 1 < nl && lm[j + 1] == (int)i) || (j > 0 && lm[j - 1] == (int)i))
			continue; /* already a compound */
		for (size_t o = i > 0 ? i - 1 : i; o <= i && o + 1 < nq; o++) {
			size_t other = o == i ? o + 1 : o;
			if (qm[other] != -1)
				continue;
			double c = compound_sim(&l[j], &q[o], &q[o + 1]);
			if (c >= COMPOUND_MIN && c > ls[j] + 1e-9) {
				lm[j] = (int)o;
				qm[o] = qm[o + 1] = (int)j;
				qs[o] = qs[o + 1] = ls[j] = c;
				break;
			}
		}
	}
	/* words written together on one side */
	for (size_t i = 0; i < nq; i++) {
		if (qm[i] != -1)
			continue;
		for (size_t j = 0; j + 1 < nl; j++) {
			if (lm[j] != -1 || lm[j + 1] != -1)
				continue;
			double s = compound_sim(&q[i], &l[j], &l[j + 1]);
			if (s >= COMPOUND_MIN) {
				qm[i] = (int)j;
				lm[j] = lm[j + 1] = (int)i;
				qs[i] = ls[j] = ls[j + 1] = s;
				break;
			}
		}
	}
	for (size_t j = 0; j < nl; j++) {
		if (lm[j] != -1)
			continue;
		for (size_t i = 0; i + 1 < nq; i++) {
			if (qm[i] != -1 || qm[i + 1] != -1)
				continue;
			double s = compound_sim(&l[j], &q[i], &q[i + 1]);
			if (s >= COMPOUND_MIN) {
				lm[j] = (int)i;
				qm[i] = qm[i + 1] = (int)j;
				qs[i] = qs[i + 1] = ls[j] = s;
				break;
			}
		}
	}

	bool qmid[ES_NAME_TOKENS], lmid[ES_NAME_TOKENS];
	if (person) {
		middles(q, nq, qmid);
		middles(l, nl, lmid);
		second_surnames(q, nq, qm, qs, qmid, l, nl, lm, lmid);
		second_surnames(l, nl, lm, ls, lmid, q, nq, qm, qmid);
		nasab_family(q, nq, qm, qs, qmid, l, nl, lm, lmid);
		nasab_family(l, nl, lm, ls, lmid, q, nq, qm, qmid);
	}
	/* a person whose first and last names both align (nearly) exactly and
	 * whose query adds nothing: left-out middle names cost less (with a
	 * query word surely unmatched es_score_bound keeps MIDDLE_FACTOR) */
	double mid_factor = MIDDLE_FACTOR;
	if (person && MIDDLE_STRONG < MIDDLE_FACTOR) {
		bool strong = true, any_first = false, any_last = false;
		for (size_t i = 0; i < nq && strong; i++)
			if (qm[i] == -1)
				strong = false;
		for (size_t j = 0; j < nl && strong; j++) {
			if (l[j].kind != ES_TK_WORD || lmid[j])
				continue;
			/* first and last: not a middle name, a word */
			if (lm[j] == -1 || ls[j] < STRONG_SIM)
				strong = false;
			else if (l[j].flags & ES_TF_SURNAME)
				any_last = true;
			else if (l[j].flags & ES_TF_GIVEN)
				any_first = true;
			else
				any_first = any_last = true;
		}
		if (strong && any_first && any_last)
			mid_factor = MIDDLE_STRONG;
	}
	/* a middle name left over on both sides is another middle name, not one
	 * left out: it costs fully ("Jose Luis" / "Jose Abraham BENAVIDES") */
	if (person) {
		bool qleft = false, lleft = false;
		for (size_t i = 0; i < nq; i++)
			qleft |= qmid[i] && qm[i] == -1 && q[i].kind == ES_TK_WORD;
		for (size_t j = 0; j < nl; j++)
			lleft |= lmid[j] && lm[j] == -1 && l[j].kind == ES_TK_WORD;
		if (qleft && lleft) {
			for (size_t i = 0; i < nq; i++)
				qmid[i] &= qm[i] != -1 || q[i].kind != ES_TK_WORD;
			for (size_t j = 0; j < nl; j++)
				lmid[j] &= lm[j] != -1 || l[j].kind != ES_TK_WORD;
		}
	}
	double num = 0, den = 0, uq_words = 0, ul_words = 0, uq_legal = 0, ul_legal = 0;
	double uq_gen = 0, ul_gen = 0, uq_gen_full = 0, ul_gen_full = 0; /* generic words and places left over */
	bool num_missing = false;
	bool qdist = false, ldist = false;
	for (size_t i = 0; i < nq; i++)
		qdist |= q[i].kind == ES_TK_WORD || q[i].kind == ES_TK_NUM;
	for (size_t j = 0; j < nl; j++)
		ldist |= l[j].kind == ES_TK_WORD || l[j].kind == ES_TK_NUM;
	for (size_t j = 0; j < nl; j++) {
		double w = l[j].w;
		if (lm[j] != -1) {
			const es_stok *qt = &q[lm[j]];
			if (person && lmid[j] && qt->kind == ES_TK_INITIAL && l[j].kind == ES_TK_WORD) {
				/* an initial for a listed middle name ("Akhmed M. DUDAEV"):
				 * never worse than leaving the middle name out */
				den += UL * w * mid_factor;
				continue;
			}
			/* an initial stands for a whole word: the pair weighs what the
			 * word weighs ("S." does not make "Sadeq" cheap) */
			if ((l[j].kind == ES_TK_INITIAL) != (qt->kind == ES_TK_INITIAL) && qt->w > w)
				w = qt->w;
			num += 2 * ls[j] * w;
			den += 2 * w;
		} else {
			double u = UL * w * (person && lmid[j] ? mid_factor : 1.0);
			den += u;
			if (l[j].kind == ES_TK_WORD || l[j].kind == ES_TK_NUM)
				ul_words += u;
			else if (l[j].kind == ES_TK_LEGAL)
				ul_legal += u;
			else if (l[j].kind == ES_TK_GENERIC) {
				ul_gen += u;
				ul_gen_full += ldist ? u / es_kind_weight(l[j].kind, l[j].flags) : u;
			}
			if (l[j].kind == ES_TK_NUM && !num_aligned(l, nl, lm, &l[j]))
				num_missing = true;
		}
	}
	/* a listed word left out that is not a middle name: a leading title
	 * of the query may be that word spelled otherwise (Seyyed / Said) */
	bool anchor_left = false;
	for (size_t j = 0; j < nl && !anchor_left; j++)
		if (lm[j] == -1 && l[j].kind == ES_TK_WORD && !(person && lmid[j]))
			anchor_left = true;
	for (size_t i = 0; i < nq; i++) {
		if (qm[i] == -1) {
			double u = (person ? UQ_PERSON : UQ) * q[i].w * (person && qmid[i] ? MIDDLE_FACTOR : 1.0);
			if ((q[i].flags & ES_TF_TITLE) && anchor_left)
				u /= TITLE_WEIGHT; /* then it costs what a word costs */
			den += u;
			if (q[i].kind == ES_TK_WORD || q[i].kind == ES_TK_NUM)
				uq_words += u;
			else if (q[i].kind == ES_TK_LEGAL)
				uq_legal += u;
			else if (q[i].kind == ES_TK_GENERIC) {
				uq_gen += u;
				uq_gen_full += qdist ? u / es_kind_weight(q[i].kind, q[i].flags) : u;
			}
			if (q[i].kind == ES_TK_NUM && !num_aligned(q, nq, qm, &q[i]))
				num_missing = true;
		}
	}
	/* generic words or places left over on both sides ("X Systems" / "X
	 * Industries", "(Hong Kong)" / "(Singapore)") tell two companies apart:
	 * they weigh as full words */
	if (uq_gen > 0 && ul_gen > 0) {
		den += (uq_gen_full - uq_gen) + (ul_gen_full - ul_gen);
		uq_words += uq_gen_full;
		ul_words += ul_gen_full;
	}
	/* words left over on both sides are a different name (Dario vs Mario,
	 * another given name), not a word added or left out */
	den += CONFLICT * (uq_words < ul_words ? uq_words : ul_words);
	/* two different legal forms (Inc. vs JSC) say "another company" a little */
	den += LEGAL_CONFLICT * (uq_legal < ul_legal ? uq_legal : ul_legal);
	double S = den > 0 ? num / den : 0.0;
	if (num_missing)
		S *= ES_SCORE_NUM_PENALTY;
	if (particle_order_broken(q, nq, l, nl, lm))
		S *= PARTICLE_ORDER;
	if (S > 1.0)
		S = 1.0;
	if (info) {
		info->raw = S;
		info->same_words = same_words(q, nq, l, nl);
		info->contains = contains_listed(q, nq, l, nl, qm, lm, ls);
	}
	if (info && info->contains && S < ES_SCORE_CONTAINS)
		S = ES_SCORE_CONTAINS;

	if (al) {
		for (size_t i = 0; i < nq; i++) {
			if (qm[i] == -1) {
				put_align(al, max_al, n_al, q[i].text, q[i].text_len, "", 0, 0.0);
				continue;
			}
			size_t j = (size_t)qm[i];
			if (j + 1 < nl && lm[j] == (int)i && lm[j + 1] == (int)i) {
				char buf[ES_TOK_LEN * 2 + 1];
				snprintf(buf, sizeof buf, "%.*s %.*s", l[j].text_len, l[j].text, l[j + 1].text_len,
					 l[j + 1].text);
				put_align(al, max_al, n_al, q[i].text, q[i].text_len, buf, strlen(buf), qs[i]);
			} else if (i + 1 < nq && qm[i + 1] == (int)j && lm[j] == (int)i) {
				char buf[ES_TOK_LEN * 2 + 1];
				snprintf(buf, sizeof buf, "%.*s %.*s", q[i].text_len, q[i].text, q[i + 1].text_len,
					 q[i + 1].text);
				put_align(al, max_al, n_al, buf, strlen(buf), l[j].text, l[j].text_len, qs[i]);
				i++;
			} else {
				put_align(al, max_al, n_al, q[i].text, q[i].text_len, l[j].text, l[j].text_len, qs[i]);
			}
		}
		for (size_t j = 0; j < nl; j++)
			if (lm[j] == -1)
				put_align(al, max_al, n_al, "", 0, l[j].text, l[j].text_len, 0.0);
	}
	return S;
}
