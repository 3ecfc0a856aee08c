/* es_address — finding a party's street address among the listed addresses.
 *
 * A party address matches a listed address when its folded form (es_fold_address)
 * is a whole-token prefix of the listed one: "Rm 31, 9/F, Shing Yip Ind. Bldg"
 * finds "ROOM 31, 9TH FLOOR, SHING YIP INDUSTRIAL BUILDING, 19-21 SHING YIP
 * STREET, KWUN TONG, HONG KONG". A short street address ("Koenigstrasse 10")
 * counts only together with its city ("street, city" must then be the prefix),
 * and only addresses with a digit are matched (a city alone names no tenant).
 *
 * The index holds, for each listed address of the entities the caller keeps, a
 * hash of its first tokens, sorted: memory is a few words per address, and the
 * index is immutable after build (shareable between threads). */
#ifndef ES_ADDRESS_H
#define ES_ADDRESS_H

#include <stdbool.h>
#include <stddef.h>

#include "es_error.h"
#include "es_fold.h"
#include "es_match.h"

typedef struct es_address_index es_address_index;

/* Whether entity rec's addresses are matched (the caller's policy). */
typedef bool (*es_address_keep_fn)(void *arg, const es_rec *rec);

/* Indexes the addresses of every entity of m that keep accepts. The index
 * borrows m and fold (keep them alive until es_address_index_free). */
es_code es_address_index_build(es_address_index **out, const es_matcher *m, const es_folder *fold,
			       es_address_keep_fn keep, void *arg, es_err *err);
void es_address_index_free(es_address_index *ix);
size_t es_address_index_count(const es_address_index *ix);

/* The text of a listed address that is matched: the full address, else the street. */
const char *es_address_text(const es_rec_address *a);

/* Called for each listed address that matches, in index order: entity (for
 * es_matcher_entity), its record, and which of its addresses. Return false to stop. */
typedef bool (*es_address_visit_fn)(void *arg, size_t entity, const es_rec *rec, size_t addr);

/* Finds the listed addresses the party's street address (and city) match. */
void es_address_find(const es_address_index *ix, const char *address, const char *city, es_address_visit_fn visit,
		     void *arg);

#endif
