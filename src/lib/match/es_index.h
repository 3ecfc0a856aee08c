/* es_index — the compiled, memory-mappable index of a list set.
 *
 * One file of flat arrays addressed by offsets (no pointers on disk):
 *   header   magic, format version, byte size, checksum of header and body, the
 *            hash of the list set and of the normalization dictionaries,
 *            counts and section offsets
 *   STR      string pool (offset 0 is "" and stands for NULL)
 *   ENT      es_ix_entity: display data of every entity (what es_rec shows)
 *   ADDR/PROG/CTRY  the entities' addresses, programme names, countries
 *   NAME     es_ix_name: every listed name and alias, normalized
 *   TOK      es_ix_tok: their tokens (canonical form, text, kind, weight)
 *   BKT      hash buckets: BKT[b]..BKT[b+1] index the keys of bucket b
 *   KEY      key hash -> term range (TREF), a document frequency ('c' keys)
 *            or a mark ('g' keys: spellings of words that have no keys)
 *   TREF     term ids per key
 *   TERM     postings range per term
 *   POST     (name id, token position, listed weight) per term
 * Terms are the distinct spellings (canonical and as written) of listed
 * distinctive words and of adjacent words written together; keys are the
 * terms and their deletion-1 variants, so one typo or transposition still
 * meets (symspell), and a frequent word's names are listed once. The loader
 * checks magic, version, size, both hashes and the section ranges before the
 * index is used, and every range and id is checked before it is followed; a
 * stale or bad file is never trusted (the caller rebuilds it). The checksum
 * is checked after a save and on request (es_index_verify). */
#ifndef ES_INDEX_H
#define ES_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "es_entity.h"
#include "es_error.h"
#include "es_lexicon.h"
#include "es_normalize.h"
#include "es_record.h"
#include "es_score.h"

/* Also bumped when a parser's output for the same list files changes (18: CSL and
 * UN names derived by lists/patterns/{csl,un}_names.tsv, on top of 17's deletion-2
 * keys; 21: the normalization of other scripts and readings; 22: deletion keys
 * from 3 letters, deletion-2 keys from 6, token classes and lexicon marks,
 * given-name class keys, postings with the name's weight; 23: each entity's
 * remarks, for check's evidence; 24: names derived from aliases too, the
 * patronymic mark; 25: a legal-form word hyphened to another is a word;
 * 26: each term has the first letters of its names' initials, so a typo
 * walk may leave out the terms that cannot align; 27-29: each name's
 * weight of long words, whether it is plain, its heaviest word, for the
 * matcher's first bound; 30: a name without the words a containment needs
 * is not containable), so a cached index built
 * before is rebuilt rather than trusted. */
#define ES_INDEX_VERSION 31

typedef struct {
	uint32_t entry_id, list, name, lic_req, lic_pol, frn, start_date, end_date;
	uint32_t remarks;  /* the source's remarks, shown to a reviewer (check --explain) */
	uint32_t prog_start, addr_start, ctry_start;
	uint16_t n_prog, n_addr, n_ctry;
	uint8_t source, type, address_only, person_like; /* person_like: type unknown, name reads like a person's */
} es_ix_entity;

typedef struct {
	uint32_t street, city, region, postal, full;
	char country[4];
} es_ix_addr;

typedef struct {
	uint32_t entity, display, tok_start;
	uint8_t n_tok, strength, kind;
	uint8_t person;   /* the entity is a person (or reads like one): how it is scored */
	float wsum;       /* total token weight: bounds the score before scoring */
	float wfree;      /* weight of tokens without keys of their own (may align anyway) */
	uint8_t maxlen;   /* longest spelling of a word (canon or text; not initials, numbers) */
	uint8_t containable; /* a query may contain this name (es_score_info.contains): not a
				person, the words a containment needs (es_score_containable),
				and a word found in at most ES_INDEX_CONTAIN_MAX_DF names, or no
				distinctive word at all */
	uint8_t ukmin, ukmax; /* shortest and longest spelling of a word without keys of
				 its own (legal form, stopword, generic word; not an
				 initial), 0 when there is none: which query words
				 may still align with one (es_match.c) */
	uint16_t wlong;   /* weight of the words with a spelling of >= 10 letters (not
			     initials, numbers): what may align three edits away
			     (es_match.c); 1/ES_IX_WSCALE units rounded up */
	uint8_t plain;    /* a word or number and no initial: what the query does not
			     reach of its words stays unmatched (es_score_conflict_min) */
	uint8_t pad_;
	uint16_t wmax;    /* the heaviest word with keys: what one query initial may take
			     (es_match.c); units as wlong */
	uint8_t pad2_[2];
} es_ix_name;

/* What the matcher's first bound reads of every name a query reaches, side
 * by side for all names (es_index_hot): about half of es_ix_name, so the
 * reached names' records stay in cache. Made at attach from the names. */
typedef struct {
	float wsum, wfree;   /* es_ix_name's */
	float wlong, wmax;   /* es_ix_name's, as weights (INFINITY: at least UINT16_MAX units) */
	uint8_t person, containable, maxlen, plain;
} es_ix_hot;

/* A listed name contained in a query (a branch: "Bank Tejarat Paris Branch")
 * needs a word found in at most this many listed names ("Bank Tejarat" yes,
 * "National Bank" no). */
#define ES_INDEX_CONTAIN_MAX_DF 150

typedef struct {
	uint32_t canon, text;
	float w;
	uint8_t canon_len, text_len, kind, flags;
	uint16_t cls;     /* es_stok.cls: given-name class or legal-form family */
	uint8_t lex;      /* es_stok.lex: ES_LX_* */
	uint8_t pad_;
} es_ix_tok;

typedef struct {
	uint64_t h;       /* 0 = empty slot */
	uint32_t start;   /* TREF range start, or ES_IX_DF for a document-frequency key */
	uint32_t len;     /* TREF range length, or the document frequency */
} es_ix_key;
#define ES_IX_DF UINT32_MAX

typedef struct {
	uint32_t start, len;  /* range of POST */
	uint32_t initials;    /* es_index_letter_bit of the initials (canonical and as
				 written) of the names of the postings: which query
				 words may align with one (what a typo walk may not
				 leave out: es_match.c, term_misses) */
} es_ix_term;

/* The bit of a spelling's first byte in es_ix_term.initials (all bits for
 * an empty one): a listed initial aligns only with a word of its first
 * letter, its spelling or its canonical form (es_token_sim). */
static inline uint32_t es_index_letter_bit(const char *s, size_t len)
{
	return len ? 1u << ((unsigned char)s[0] & 31) : UINT32_MAX;
}

typedef struct {
	uint32_t np;          /* (name id << 8) | token position (| 0x80: a pair of words) */
	uint16_t w;           /* weight of the listed word(s) there (bounds scores while
				 walking), in 1/ES_IX_WSCALE units rounded up */
	uint16_t W;           /* total weight of the name, the same way; UINT16_MAX: at
				 least that (a name no longer light enough to skip) */
} es_ix_post;
#define ES_IX_WSCALE 64.0f
static inline float es_ix_weight(uint16_t v)
{
	return (float)v / ES_IX_WSCALE;
}

typedef struct es_index es_index;

/* Builds the index image of a set of entities into a malloc'd buffer. lex
 * (may be NULL) marks the tokens (es_lexicon_mark); norm_hash (NULL: the
 * normalizer's) is the hash of the text data recorded in the header. */
es_code es_index_build(const es_entityset *ents, const es_normalizer *nz, const es_lexicon *lex,
		       const char *set_hash, const char *norm_hash, void **out, size_t *out_len,
		       size_t *skipped_names, es_err *err);

/* Whether a name of an untyped party reads like a person's: 2 to 5 words,
 * none of them a legal form, a generic business word or a number. */
bool es_index_reads_like_person(const es_ntoks *nt);

/* The key of a given-name class: listed given names have it, so a query
 * word of that class meets them (Bill reaches William). */
uint64_t es_index_class_key(uint16_t cls);

/* Validates an image and wraps it. Takes ownership of buf: free()d, or
 * munmap()ed when mapped, by es_index_free (also on failure). */
es_code es_index_attach(es_index **out, void *buf, size_t len, bool mapped, const char *set_hash,
			const char *norm_hash, es_err *err);
/* Maps a file read-only and attaches it. ES_EMISSING when there is no file;
 * ES_ECORRUPT (with the reason) when it is damaged or stale. Attach and load
 * check the header, the section bounds and the small sections; the key, term
 * and posting sections are range-checked where they are read, so a damaged
 * file is never read out of bounds, but the checksum is not computed (it
 * reads the whole file, a third of a cold check). */
es_code es_index_load(es_index **out, const char *path, const char *set_hash, const char *norm_hash,
		      es_err *err);
/* Loads the file at path with every check: the checksum of the whole image
 * and every record. Run after an index is saved (build, fetch) and by
 * `lists --verify`. */
es_code es_index_verify(const char *path, const char *set_hash, const char *norm_hash, es_err *err);
void es_index_free(es_index *ix);

/* For a long run (a stream of names or orders): the image copied into memory
 * advised for transparent huge pages, so the random reads of names, keys and
 * postings miss the TLB far less (~9% less CPU for `check --json -` here).
 * Costs a copy of the image at once (~50 MB: not for one name) and keeps all
 * of it resident. Only before the index is shared or queried; false when not
 * done (the index then stays as it was). */
bool es_index_settle(es_index *ix);

size_t es_index_n_entities(const es_index *ix);
size_t es_index_n_names(const es_index *ix);
/* Number of terms (term ids are below it). */
size_t es_index_n_terms(const es_index *ix);
const es_ix_entity *es_index_entity(const es_index *ix, size_t i);
const es_ix_name *es_index_name(const es_index *ix, size_t i);
/* The names' es_ix_hot records, indexed by name id. */
const es_ix_hot *es_index_hot(const es_index *ix);
/* A pool string ("" for offset 0 or out of range). */
const char *es_index_str(const es_index *ix, uint32_t off);
/* Views for es_rec, built once at attach: programme pointers from index i,
 * addresses from index i, countries from index i. */
const char *const *es_index_progs(const es_index *ix, size_t i);
const es_rec_address *es_index_addrs(const es_index *ix, size_t i, size_t n);
const char (*es_index_ctrys(const es_index *ix, size_t i))[3];

/* Scorer view of a name's tokens (at most ES_NAME_TOKENS); returns the count. */
size_t es_index_name_toks(const es_index *ix, const es_ix_name *nm, es_stok *out);


/* Terms of a key (NULL/0 when absent) and the key's document frequency.
 * Keys 'k' + a spelling or a deletion-1 variant of it lead to the terms
 * (distinct spellings of listed words, and adjacent words written
 * together); keys 'c' + canonical word carry the document frequency. */
const uint32_t *es_index_terms(const es_index *ix, uint64_t key, uint32_t *len, uint32_t *df);
/* The terms of several keys at once (up to max, concatenated, maybe with
 * repeats); faster than one es_index_terms call per key. */
size_t es_index_terms_many(const es_index *ix, const uint64_t *keys, size_t nk, uint32_t *out, size_t max);

/* Whether a key is in the index (used for 'g' keys: spellings and
 * deletion-1 variants of listed legal forms, stopwords and generic words). */
bool es_index_has_key(const es_index *ix, uint64_t key);
bool es_index_has_any_key(const es_index *ix, const uint64_t *keys, size_t nk);

/* Postings of a term. */
const es_ix_post *es_index_term_postings(const es_index *ix, uint32_t term, uint32_t *len);
/* Where a term's postings start: es_index_postings_at(ix, start, len) gives
 * them back without reading the term's record (for terms kept across
 * queries); NULL when out of range. */
uint32_t es_index_term_start(const es_index *ix, uint32_t term);
const es_ix_post *es_index_postings_at(const es_index *ix, uint32_t start, uint32_t len);
/* The spellings of the listed word a posting (es_ix_post.np) points to:
 * its canonical form and its spelling as written, or for a pair of words
 * (POS_PAIR) their canonical forms written together, in buf (ES_TOK_LEN
 * bytes), as both. A term is one of the spellings of each of its postings.
 * false for a damaged posting. */
bool es_index_post_spellings(const es_index *ix, uint32_t np, char *buf, const char **c, size_t *cl,
			     const char **x, size_t *xl);
/* The letters of the initials of a term's names (es_ix_term.initials). */
uint32_t es_index_term_initials(const es_index *ix, uint32_t term);
/* Asks the CPU to fetch a term's record (es_index_term_postings) ahead. */
void es_index_prefetch_term(const es_index *ix, uint32_t term);

/* Inverse document frequency for a df (df 0: a word found in no listed name). */
double es_index_idf(const es_index *ix, uint32_t df);

/* Key hash of a kind letter and a string. */
uint64_t es_index_key(char kind, const char *s, size_t len);

/* Keys of s itself and, when len >= ES_SCORE_MIN_TYPO_LEN, of its deletion-1 variants (a deletion
 * equal to the previous one is skipped), in that order, into out (room for
 * len + 1 keys); returns how many. Each equals es_index_key() of the spelling;
 * the shared prefixes are hashed once. */
/* Asks the CPU to fetch the tokens of a name (es_index_name_toks) ahead. */
void es_index_prefetch_toks(const es_index *ix, const es_ix_name *nm);
size_t es_index_key_dels(char kind, const char *s, size_t len, uint64_t *out);
/* Keys of the deletion-2 variants of s (at most ES_INDEX_MAX_DEL2). Listed
 * spellings of at least ES_INDEX_DEL2_MIN letters have them (key space 'k',
 * with the spellings and deletion-1 variants), so that words two edits
 * apart, which the scorer allows from 6 letters (ES_SCORE_MAX_EDITS), still meet. */
#define ES_INDEX_DEL2_MIN 6
#define ES_INDEX_MAX_DEL2 (ES_TOK_LEN * ES_TOK_LEN)
size_t es_index_key_dels2(char kind, const char *s, size_t len, uint64_t *out);
/* Two adjacent words written as one, as their pair is keyed: their canonical
 * forms a and b together in out (ES_TOK_LEN bytes); 0 when that is too long
 * for a word (no pair key then). */
size_t es_index_pair_spelling(const char *a, size_t al, const char *b, size_t bl, char *out);

#endif
