/* es_match — name screening against the compiled index of a list set.
 *
 * CONTRACT between the matcher (es_normalize / es_index / es_score, which
 * implement it) and its users (check, compare, filter, fetch). Keep these
 * signatures; add to them freely.
 *
 * An es_matcher is opened for one es_listset. It memory-maps the set's
 * compiled index (es_match_index_path), building and saving it first when it
 * is missing or stale (header hash != set hash) or refusing it when corrupt.
 * The index holds every entity's display data, so a query never re-parses
 * the lists. A matcher is read-only after open and may be shared by threads. */
#ifndef ES_MATCH_H
#define ES_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "es_country.h"
#include "es_entity.h"
#include "es_error.h"
#include "es_listset.h"
#include "es_record.h"
#include "es_score.h"

typedef struct es_matcher es_matcher;

/* Where the compiled index of a set lives: for a fetched set
 * <set_dir>/index.bin; for the bundled set <data_dir>/cache/bundled-<hash16>.idx
 * (caller frees). */
char *es_match_index_path(const es_listset *ls);

/* Builds the index of ls and saves it atomically at es_match_index_path
 * (used by fetch before it swaps a new set in). lists_dir holds the
 * normalization data files. */
es_code es_match_build_index(const es_listset *ls, const es_countries *countries,
			     const char *lists_dir, es_err *err);

/* Checks the saved index of ls completely (checksum and every record; an
 * open checks only what it reads): ES_EMISSING when there is none,
 * ES_ECORRUPT with the reason when it is damaged or stale (the file is then
 * removed, so the next open rebuilds it). */
es_code es_match_verify_index(const es_listset *ls, const char *lists_dir, es_err *err);

/* Opens (loading, or building and caching) the index of ls. When the cache
 * location is not writable, the index is built in memory. */
es_code es_matcher_open(es_matcher **out, const es_listset *ls, const es_countries *countries,
			const char *lists_dir, es_err *err);
void es_matcher_free(es_matcher *m);

/* Before a long run (a stream of names or orders), while m is not yet shared:
 * its index read from memory with huge pages (es_index_settle: ~9% less CPU
 * per name, ~50 MB more resident). Not for one name (the copy costs more than
 * it saves). False when not done (m is then as it was). */
bool es_matcher_settle(es_matcher *m);

/* Number of entities in the index. */
size_t es_matcher_count(const es_matcher *m);


/* Fills *r for entity i (0 <= i < es_matcher_count). */
void es_matcher_entity(const es_matcher *m, size_t i, es_rec *r);

typedef struct {
	double threshold;   /* minimum score returned; default ES_MATCH_DEFAULT_THRESHOLD */
	size_t limit;       /* max hits (best first); 0 = 10 */
	es_type type;       /* ES_TYPE_UNKNOWN = any; else a qualifier */
	const char *country;/* ISO alpha-2 qualifier or NULL */
	bool exhaustive;    /* score every listed name instead of using the index */
	struct es_query_stats *stats; /* when non-NULL, filled with what the query cost */
	bool align;         /* fill es_hit.align (the words' alignment, for --explain); else n_align = 0 */
} es_query;

typedef struct es_query_stats {
	size_t candidates;  /* names reached through the index keys (all names when exhaustive) */
	size_t bounded;     /* of those, names whose score bound reached the threshold */
	size_t scored;      /* names aligned and scored */
} es_query_stats;

/* How a hit matched. */
typedef enum {
	ES_MATCH_BY_NAME = 0,     /* the names are alike (the score says how much) */
	ES_MATCH_BY_CONTAINS = 1  /* the query holds the listed name plus words a branch,
				     subsidiary or office adds ("X Bank Paris Branch",
				     "X Europe B.V."): scored at least ES_SCORE_CONTAINS */
} es_match_by;

typedef struct {
	size_t entity;          /* index for es_matcher_entity */
	double score;           /* [0,1]; 1 = identical normalized names */
	const char *matched_name; /* the listed name or alias that matched (owned by matcher) */
	bool weak_alias;
	es_match_by by;
	bool same_words;        /* the listed name's words as written, in its order or in
				   the "SURNAME, Given" turn ("Given SURNAME"): the literal name */
	es_align align[16];
	size_t n_align;
} es_hit;

/* Default threshold (tuned on the dev set; documented in README). */
extern const double ES_MATCH_DEFAULT_THRESHOLD;

/* Screens one name. Writes up to max hits, best first, to hits and their count
 * to *n. Invalid UTF-8 or an over-long name fails with a clear error. */
es_code es_matcher_query(const es_matcher *m, const char *name, const es_query *q, es_hit *hits,
			 size_t max, size_t *n, es_err *err);

/* Compare two names directly with the same normalization and scoring.
 * es_compare_names weighs every word alike (no list statistics); use
 * es_matcher_compare for the weights check uses (word rarity in the lists). */
es_code es_compare_names(const es_normalizer *nz, const char *a, const char *b, es_type type,
			 double *score, es_align *align, size_t max_align, size_t *n_align, es_err *err);
es_code es_matcher_compare(const es_matcher *m, const char *a, const char *b, es_type type,
			   double *score, es_align *align, size_t max_align, size_t *n_align, es_err *err);

/* A matcher over entities already in memory (index built in memory, not
 * saved): for tests and benchmarks. */
es_code es_matcher_from_entities(es_matcher **out, const es_entityset *ents, const char *lists_dir,
				 es_err *err);

/* The matcher's normalizer (owned by the matcher). */
const es_normalizer *es_matcher_normalizer(const es_matcher *m);
/* Number of listed names and aliases indexed. */
size_t es_matcher_name_count(const es_matcher *m);

#endif
