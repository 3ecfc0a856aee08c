/* es_country — country names and nationality adjectives to ISO 3166-1 alpha-2,
 * from the data file lists/countries.tsv ("CC<TAB>name|alt|..."). Lookup is
 * by a folded key (ASCII case folded, punctuation and spaces collapsed), so
 * "Korea, North", "KOREA NORTH" and "korea (north)" differ only where the
 * data file lists them. The table is immutable once loaded and may be shared. */
#ifndef ES_COUNTRY_H
#define ES_COUNTRY_H

#include <stdbool.h>
#include <stddef.h>

#include "es_error.h"

typedef struct es_countries es_countries;

es_code es_countries_load(es_countries **out, const char *path, es_err *err);
void es_countries_free(es_countries *t);

/* ISO code for a name (or for an ISO code itself, any case), or NULL.
 * The returned pointer is owned by the table. */
const char *es_country_lookup(const es_countries *t, const char *name, size_t len);

/* True when cc is a 2-letter upper-case code known to the table. */
bool es_country_valid(const es_countries *t, const char *cc);

/* English name for a code, or NULL. */
const char *es_country_name(const es_countries *t, const char *cc);

#endif
