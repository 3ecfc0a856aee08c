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
 * meets (symspell), and a frequent word's names are listed once. The loader checks magic, version, size, checksum, both hashes and
 * every range and id before the index is used; a bad or stale file is never
 * trusted (the caller rebuilds it). */
#ifndef ES_INDEX_H
#define ES_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "es_entity.h"
#include "es_error.h"
#include "es_normalize.h"
#include "es_record.h"
#include "es_score.h"

/* Also bumped when a parser's output for the same list files changes (18: CSL and
 * UN names derived by lists/patterns/{csl,un}_names.tsv, on top of 17's deletion-2
 * keys), so a cached index built before is rebuilt rather than trusted. */
#define ES_INDEX_VERSION 21

typedef struct {
	uint32_t entry_id, list, name, lic_req, lic_pol, frn, start_date, end_date;
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
	uint8_t pad_[3];
} es_ix_name;

typedef struct {
	uint32_t canon, text;
	float w;
	uint8_t canon_len, text_len, kind, flags;
} es_ix_tok;

typedef struct {
	uint64_t h;       /* 0 = empty slot */
	uint32_t start;   /* TREF range start, or ES_IX_DF for a document-frequency key */
	uint32_t len;     /* TREF range length, or the document frequency */
} es_ix_key;
#define ES_IX_DF UINT32_MAX

typedef struct {
	uint32_t start, len;  /* range of POST */
} es_ix_term;

typedef struct {
	uint32_t np;          /* (name id << 8) | token position (| 0x80: a pair of words) */
	float w;              /* weight of the listed word(s) there: bounds scores while walking */
} es_ix_post;

typedef struct es_index es_index;

/* Builds the index image of a set of entities into a malloc'd buffer. */
es_code es_index_build(const es_entityset *ents, const es_normalizer *nz, const char *set_hash,
		       void **out, size_t *out_len, size_t *skipped_names, es_err *err);

/* Validates an image and wraps it. Takes ownership of buf: free()d, or
 * munmap()ed when mapped, by es_index_free (also on failure). */
es_code es_index_attach(es_index **out, void *buf, size_t len, bool mapped, const char *set_hash,
			const char *norm_hash, es_err *err);
/* Maps a file read-only and attaches it. ES_EMISSING when there is no file;
 * ES_ECORRUPT (with the reason) when it is damaged or stale. */
es_code es_index_load(es_index **out, const char *path, const char *set_hash, const char *norm_hash,
		      es_err *err);
void es_index_free(es_index *ix);

size_t es_index_n_entities(const es_index *ix);
size_t es_index_n_names(const es_index *ix);
const es_ix_entity *es_index_entity(const es_index *ix, size_t i);
const es_ix_name *es_index_name(const es_index *ix, size_t i);
/* A pool string ("" for offset 0 or out of range). */
const char *es_index_str(const es_index *ix, uint32_t off);
/* Views for es_rec, built once at attach: programme pointers from index i,
 * addresses from index i, countries from index i. */
const char *const *es_index_progs(const es_index *ix, size_t i);
const es_rec_address *es_index_addrs(const es_index *ix, size_t i);
const char (*es_index_ctrys(const es_index *ix, size_t i))[3];

/* Scorer view of a name's tokens (at most ES_NAME_TOKENS); returns the count. */
size_t es_index_name_toks(const es_index *ix, const es_ix_name *nm, es_stok *out);

/* Weight of token k of a name (k < n_tok). */
float es_index_tok_weight(const es_index *ix, const es_ix_name *nm, size_t k);

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

/* Inverse document frequency for a df (df 0: a word found in no listed name). */
double es_index_idf(const es_index *ix, uint32_t df);

/* Key hash of a kind letter and a string. */
uint64_t es_index_key(char kind, const char *s, size_t len);

/* Keys of s itself and, when len >= 5, of its deletion-1 variants (a deletion
 * equal to the previous one is skipped), in that order, into out (room for
 * len + 1 keys); returns how many. Each equals es_index_key() of the spelling;
 * the shared prefixes are hashed once. */
/* Asks the CPU to fetch the tokens of a name (es_index_name_toks) ahead. */
void es_index_prefetch_toks(const es_index *ix, const es_ix_name *nm);
size_t es_index_key_dels(char kind, const char *s, size_t len, uint64_t *out);
/* Keys of the deletion-2 variants of s (at most ES_INDEX_MAX_DEL2). Listed
 * spellings of at least ES_INDEX_DEL2_MIN letters have them (key space 'k',
 * with the spellings and deletion-1 variants), so that words two edits
 * apart, which the scorer allows from 9 letters, still meet. */
#define ES_INDEX_DEL2_MIN 9
#define ES_INDEX_MAX_DEL2 (ES_TOK_LEN * ES_TOK_LEN)
size_t es_index_key_dels2(char kind, const char *s, size_t len, uint64_t *out);

#endif
