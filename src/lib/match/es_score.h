/* es_score — how similar two normalized names are.
 *
 * Tokens are aligned one-to-one (each used once; a word may also align with
 * two adjacent words of the other side written together, within one edit,
 * "abdulrahman" = "abdul rahman"). Each pair has a similarity in [0,1] on
 * the canonical forms: exact, or an edit-distance score that allows one typo
 * in tokens of 3 to 5 letters, two up to 12 and three beyond;
 * numbers only match exactly.
 * The score is a weighted Dice coefficient:
 *
 *   S = sum(2 * sim * w_list) / (sum(2 * w_list) + UQ * unmatched query weight
 *                                + UL * unmatched list weight)
 *
 * where a token's weight is its rarity across the lists (IDF) times the
 * weight of its kind (legal forms and stopwords barely count). Identical
 * normalized names score exactly 1; because S is a ratio of weights, a
 * threshold means the same for a two-word and a six-word name. An unmatched
 * number on either side multiplies S by ES_SCORE_NUM_PENALTY. */
#ifndef ES_SCORE_H
#define ES_SCORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "es_entity.h"
#include "es_normalize.h"

/* One aligned token pair of an explanation. */
typedef struct {
	char query_token[64];
	char list_token[64];   /* "" when unmatched */
	double similarity;
} es_align;

/* What es_lexicon knows about a token (es_stok.lex). */
enum {
	ES_LX_GIVEN = 1,        /* cls is a given-name class (given_names.txt) */
	ES_LX_LEGAL_FAMILY = 2, /* cls is a legal-form family (legal_families.txt) */
	ES_LX_PARTICLE = 4,     /* bin, ibn, ould...: the order around it is part of the name */
	ES_LX_BRANCH = 8,       /* a word a branch or office adds (region, country, city, marker) */
	ES_LX_MARKER = 16,      /* Branch, Representative Office, Campus...: says it is a branch */
	ES_LX_PATRONYMIC = 32,  /* ends as a patronymic does (patronymics.txt): a person's middle name */
	ES_LX_COMMON = 64,      /* too common in bank and state names to make a listed name containable */
	ES_LX_INSTITUTION = 128 /* University, Academy...: a place before "University of X" names another one */
};

/* One token as the scorer sees it (points into an es_ntoks or the index). */
typedef struct {
	const char *canon, *text;
	uint8_t canon_len, text_len, kind, flags;
	float w;
	uint32_t id;   /* identity of the spelling for es_sim_cache (index pool offset), 0 = none */
	uint16_t cls;  /* given-name class or legal-form family (lex says which), 0 = none */
	uint8_t lex;   /* ES_LX_* */
} es_stok;

/* How a score came about, beyond the number. */
typedef struct {
	/* the query holds every word of the listed name, in one run, plus only
	 * words a branch, subsidiary or office adds: the score is at least
	 * ES_SCORE_CONTAINS (the caller decides whether the listed party can
	 * have branches: not a person) */
	bool contains;
	/* the same words as the listed name, in the same order up to the
	 * "SURNAME, Given" turn (a rotation: "Given SURNAME") */
	bool same_words;
	/* the score before containment raised it */
	double raw;
} es_score_info;

/* The score of a containment (es_score_info.contains): just above the
 * default threshold, a match for a person to review, never a strong one. */
#define ES_SCORE_CONTAINS 0.85

/* Whether listed tokens have the words a containment needs (es_score.c):
 * two words, numbers or generic words outside parentheses, one of them a
 * word or number, or three generic words, or one word an entity's brand
 * (ES_TF_BRAND). A name without them is contained in no query. */
bool es_score_containable(const es_stok *l, size_t nl);

/* Whether a listed token of this kind and flags (ES_TK_*, ES_TF_*) is a word
 * a containment needs (a word, number or generic word, not in parentheses);
 * a branch's name adds the others freely. */
static inline bool es_score_core_word(uint8_t kind, uint8_t flags)
{
	return (kind == ES_TK_WORD || kind == ES_TK_NUM || kind == ES_TK_GENERIC) && !(flags & ES_TF_PAREN);
}

/* Per-query memo of token similarities: a query meets the same listed words
 * in many candidate names. Owned by the caller; clear with epoch++. */
#define ES_SIM_CACHE_SIZE 8192
typedef struct {
	uint64_t key[ES_SIM_CACHE_SIZE];
	float sim[ES_SIM_CACHE_SIZE];
	uint32_t stamp[ES_SIM_CACHE_SIZE];
	uint32_t epoch;
} es_sim_cache;

/* Similarity of two tokens in [0,1]. */
double es_token_sim(const es_stok *a, const es_stok *b);

/* es_token_sim of query token qi against listed token l, memoized in c
 * (which may be NULL) like es_score_names_cached does. */
double es_token_sim_cached(es_sim_cache *c, size_t qi, const es_stok *q, const es_stok *l);

/* Weight of a token of this kind/flags relative to an ordinary word. */
double es_kind_weight(uint8_t kind, uint8_t flags);

/* Sets t[i].w = idf[i] * kind weight; when a name has no distinctive word
 * at all (only legal forms, stopwords, generic words) the kinds are ignored
 * so such a name still matches itself and only itself. */
void es_score_weigh(es_stok *t, size_t n, const double *idf);

/* Scores query tokens q against listed tokens l. person: the listed party
 * is an individual (middle names left out count less). Fills up to max_al
 * alignment rows (query order, then unmatched list tokens) when al != NULL. */
double es_score_names(const es_stok *q, size_t nq, const es_stok *l, size_t nl, bool person,
		      es_align *al, size_t max_al, size_t *n_al);
/* The same, memoizing similarities of query tokens against listed tokens
 * with an id in cache (which may be NULL). */
double es_score_names_cached(const es_stok *q, size_t nq, const es_stok *l, size_t nl, bool person,
			     es_sim_cache *cache, es_align *al, size_t max_al, size_t *n_al);

/* Edits the scorer allows between two words whose longer one has L letters
 * (none when the shorter has fewer than ES_SCORE_MIN_TYPO_LEN): what the
 * index keys must reach (es_index.c). */
#define ES_SCORE_MIN_TYPO_LEN 3
#define ES_SCORE_MAX_EDITS(L) ((L) <= 5 ? 1 : (L) <= 12 ? 2 : 3)

/* The scorer's edit-distance similarity of two spellings (es_token_sim
 * takes the larger of it on the canonical forms and on the spellings as
 * written): 0 when they are farther apart than ES_SCORE_MAX_EDITS or the
 * shorter has fewer than ES_SCORE_MIN_TYPO_LEN letters and they differ. */
double es_score_str_sim(const char *a, int la, const char *b, int lb);
/* Whether es_score_str_sim(a, la, b, lb) > 0, without working out how much. */
bool es_score_str_near(const char *a, int la, const char *b, int lb);

/* es_score_names_cached that also says how the score came about (info may
 * be NULL). */
double es_score_names_info(const es_stok *q, size_t nq, const es_stok *l, size_t nl, bool person,
			   es_sim_cache *cache, es_align *al, size_t max_al, size_t *n_al, es_score_info *info);

/* The highest similarity two different words can have when one of them
 * (the query word) has len letters and they are not the same canonical form
 * or spelling: one transposition in a word of len + 1 letters (a given-name
 * equivalent scores less). The index counts a listed word that a query word
 * reaches only through deletions at this share of its weight. */
#define ES_SCORE_TRANSPOSE_COST 0.6
#define ES_SCORE_CANON_EQUAL 0.99
static inline double es_score_typo_max(size_t len)
{
	return (1.0 - ES_SCORE_TRANSPOSE_COST / (double)(len + 1)) * ES_SCORE_CANON_EQUAL;
}

/* The same for words two or more edits apart (the scorer allows two from
 * ES_INDEX_DEL2_MIN letters: es_score.c), and for given-name equivalents. */
static inline double es_score_typo2_max(size_t len)
{
	return (1.0 - 0.8 * 2.0 / (double)(len + 2)) * ES_SCORE_CANON_EQUAL;
}
#define ES_SCORE_GIVEN_EQUIV 0.7

/* Penalty factors for unmatched words, tuned on the dev set as a whole (see
 * docs/matching.md); here so es_score_bound, called for every name a query
 * reaches, can be inlined. */
#define ES_SCORE_UQ 0.8            /* unmatched query weight (clerks add words) */
#define ES_SCORE_UL 1.0            /* unmatched listed weight */
#define ES_SCORE_MIDDLE_FACTOR 0.4 /* a listed middle name the query leaves out */
#ifndef ES_SCORE_MIDDLE_STRONG
#define ES_SCORE_MIDDLE_STRONG 0.25 /* the same when first and last name align exactly */
#endif
#define ES_SCORE_MIDDLE_MIN (ES_SCORE_MIDDLE_STRONG < ES_SCORE_MIDDLE_FACTOR ? ES_SCORE_MIDDLE_STRONG : ES_SCORE_MIDDLE_FACTOR)
#define ES_SCORE_UQ_PERSON 1.2     /* an extra given name is another person, not noise */

#define ES_SCORE_CONFLICT 0.5 /* extra weight of words unmatched on both sides (es_score.c) */

/* The numerator and denominator of es_score_bound_x. */
static inline void es_score_bound_terms(double W, double M, double miss, bool person, double extra, double *num,
					double *den)
{
	/* every aligned pair at similarity 1; unmatched words on both sides at
	 * the smallest penalty they can get (middle names of a person) */
	double uq = person ? ES_SCORE_UQ_PERSON * ES_SCORE_MIDDLE_FACTOR : ES_SCORE_UQ;
	/* the smaller middle-name factor only when the query adds nothing (miss
	 * is a difference of float sums: a word weighs far more than 1e-3) */
	double ul = person ? ES_SCORE_UL * (miss > 1e-3 ? ES_SCORE_MIDDLE_FACTOR : ES_SCORE_MIDDLE_MIN) : ES_SCORE_UL;
	if (M > W)
		M = W;
	if (miss < 0)
		miss = 0;
	*num = 2 * M;
	*den = 2 * M + ul * (W - M) + uq * miss + extra;
}

/* An upper bound of es_score_names for a listed name of total weight W of
 * which at most M can align, when query words of weight miss surely stay
 * unmatched and the scorer's denominator has at least extra more (a
 * conflict: es_score_conflict_min): lets the index skip names that cannot
 * reach a threshold. */
static inline double es_score_bound_x(double W, double M, double miss, bool person, double extra)
{
	double num, den;
	es_score_bound_terms(W, M, miss, person, extra, &num, &den);
	return den > 0 ? num / den : 0.0;
}

static inline double es_score_bound(double W, double M, double miss, bool person)
{
	return es_score_bound_x(W, M, miss, person, 0.0);
}

/* A lower bound of the scorer's conflict term (words left over on both
 * sides, ES_SCORE_CONFLICT) when query words (words or numbers) of weight
 * miss and listed words or numbers of weight unl surely stay unmatched: only
 * when neither side has an initial (a listed word an initial stands for is
 * not left over, nor a query word that stands for a listed initial). */
static inline double es_score_conflict_min(double miss, double unl, bool person)
{
	if (miss <= 0 || unl <= 0)
		return 0.0;
	double uq = person ? ES_SCORE_UQ_PERSON * ES_SCORE_MIDDLE_FACTOR : ES_SCORE_UQ;
	double ul = person ? ES_SCORE_UL * ES_SCORE_MIDDLE_MIN : ES_SCORE_UL;
	double a = uq * miss, b = ul * unl;
	return ES_SCORE_CONFLICT * (a < b ? a : b);
}

/* Whether es_score_bound_x(W, M, miss, person, extra) < t, without its
 * division (for the many names a query reaches; t > 0). */
static inline bool es_score_bound_below(double W, double M, double miss, bool person, double extra, double t)
{
	double num, den;
	es_score_bound_terms(W, M, miss, person, extra, &num, &den);
	return den > 0 ? num < t * den : true;
}

#endif
