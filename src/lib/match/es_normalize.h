/* es_normalize — the one name normalization applied identically to listed
 * names (at index build time) and to queries.
 *
 * A name becomes a sequence of tokens. Each token keeps the normalized text
 * (lower-case Latin ASCII, shown in alignments) and a canonical form used for
 * comparison only (romanization class + spelling rules), plus a kind that
 * sets its weight: legal forms, stopwords and generic business words count
 * little, honorifics are dropped. Dictionaries are data files under
 * lists/normalize/ (see the comments at the top of each):
 *   legal_forms.txt, honorifics.txt, stopwords.txt, generic.txt   (phrases)
 *   romanization.txt        (equivalence classes of whole tokens)
 *   romanization_rules.txt  (spelling rewrites for the canonical form)
 *
 * Steps: UTF-8 validation; CSL "?"-for-apostrophe artifacts; for non-ASCII
 * input only, ICU case folding + transliteration of any script to Latin ASCII
 * (the transliterator is created lazily, on the first non-ASCII name, because
 * constructing it costs tens of milliseconds); ASCII folding; dots of
 * initialisms joined (L.L.C. = LLC); punctuation, hyphens and apostrophes;
 * "LAST, First" order recorded as token flags; phrase recognition (longest
 * match); canonical forms. Numbers stay tokens of their own kind.
 *
 * The normalizer is immutable after open except for the lazily created ICU
 * objects, which are guarded by a mutex: it may be shared by threads. */
#ifndef ES_NORMALIZE_H
#define ES_NORMALIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "es_error.h"

/* The normalizer: dictionaries loaded from lists_dir/normalize. */
typedef struct es_normalizer es_normalizer;
es_code es_normalizer_open(es_normalizer **out, const char *lists_dir, es_err *err);
void es_normalizer_free(es_normalizer *nz);

#define ES_TOK_LEN 64        /* bytes per token incl. NUL; longer words are split in chunks */
#define ES_NAME_TOKENS 96    /* tokens per name; more is ES_ETOOBIG */
#define ES_QUERY_MAX 1024    /* bytes of one input name (= ES_MAX_NAME) */

typedef enum {
	ES_TK_WORD,    /* an ordinary word */
	ES_TK_NUM,     /* digits: must match exactly */
	ES_TK_INITIAL, /* a single letter */
	ES_TK_LEGAL,   /* a legal form (canonical: "llc", "jsc", "co ltd"...) */
	ES_TK_STOP,    /* connecting word or name particle */
	ES_TK_GENERIC  /* generic business word ("trading", "group", "branch") */
} es_tok_kind;

enum {
	ES_TF_PAREN = 1,   /* inside (...) or [...] */
	ES_TF_SURNAME = 2, /* before the comma of "LAST, First" */
	ES_TF_GIVEN = 4,   /* after that comma */
	ES_TF_TITLE = 8,   /* queries only: a leading title (titles.txt), cheap when unmatched */
	ES_TF_BRAND = 16   /* index only: the word of a one-word name that a longer name of the
			    * same entity also has (es_index.c's mark_brands) */
};

typedef struct {
	char text[ES_TOK_LEN];  /* normalized text */
	char canon[ES_TOK_LEN]; /* comparison form */
	uint8_t kind;           /* es_tok_kind */
	uint8_t flags;          /* ES_TF_* */
	uint8_t text_len, canon_len;
} es_tok;

typedef struct {
	es_tok tok[ES_NAME_TOKENS];
	size_t n;
} es_ntoks;

/* Normalizes s[0..len). Fails with ES_EENCODING on invalid UTF-8 and
 * ES_ETOOBIG beyond ES_QUERY_MAX bytes or ES_NAME_TOKENS tokens. A name
 * may normalize to zero tokens (e.g. only punctuation). */
es_code es_normalize(const es_normalizer *nz, const char *s, size_t len, es_ntoks *out, es_err *err);

/* Whether a word (its canonical form) is a word of the listed names. */
typedef bool (*es_listed_word_fn)(void *ctx, const char *canon, size_t len);

/* es_normalize for a query: a word of >= 6 letters one edit (substitution,
 * insertion, deletion or transposition) from exactly one legal-form word of
 * >= 6 letters ("LIMITDE", "COMAPNY") is read as that word when the result is
 * a legal form and listed(ctx, canon of the word) is false (a word that
 * listed names use is never changed). With listed NULL it is es_normalize.
 * Listed names are normalized with es_normalize: only what a clerk typed is
 * corrected, never a listed spelling. */
es_code es_normalize_query(const es_normalizer *nz, const char *s, size_t len, es_ntoks *out,
			   es_listed_word_fn listed, void *ctx, es_err *err);

/* ES_SCRIPT_* flags (es_script.h) of a raw name: a word mixing scripts,
 * letters of a script that no listed name can be reached from (scripts.txt).
 * detail (cap bytes, may be NULL) names the scripts. */
unsigned es_normalize_script_flags(const es_normalizer *nz, const char *s, size_t len, char *detail, size_t cap);

/* The Latin look-alike reading of a raw name (es_script_latin_reading after
 * NFKC folding): true, with the reading in out (cap bytes), when some word
 * is written wholly in Latin look-alikes of another script ("РАУРАL"). The
 * matcher screens this reading as well as the name. */
bool es_normalize_lookalike(const es_normalizer *nz, const char *s, size_t len, char *out, size_t cap);

/* Reading number k (>= 1) of a Chinese name whose words have other English
 * forms (cjk_words.tsv "a|b"): true, with the name in out (cap bytes), when
 * some word has more than k forms. The matcher screens these readings too. */
bool es_normalize_cjk_reading(const es_normalizer *nz, const char *s, size_t len, unsigned k, char *out, size_t cap);

/* Reading number k (0, 1) of a name in Arabic script with the organization
 * words of arabic_words.tsv in English (شرکت ملی نفت ایران: "company national
 * oil iran"): true, with the reading in out (cap bytes), when some word is
 * known (for k = 1: has a second form). The matcher screens these readings too. */
bool es_normalize_arabic_reading(const es_normalizer *nz, const char *s, size_t len, unsigned k, char *out,
				 size_t cap);

/* SHA-256 (hex) of the dictionaries loaded: part of the index header, so a
 * changed data file makes a cached index stale. */
const char *es_normalizer_hash(const es_normalizer *nz);

/* The romanization-canonical form of one already-normalized word (used by
 * tests and by the index for concatenated tokens). out has ES_TOK_LEN bytes. */
void es_normalize_canon(const es_normalizer *nz, const char *word, char *out);

#endif
