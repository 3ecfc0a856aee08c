/* es_name_derive — names derived from a listed name by data-file patterns.
 *
 * Some lists write more than the entity's own name into the name field: a
 * parent ("X.  Affiliated Entity:  Y"), a scope clause ("X and any successor,
 * sub-unit, or subsidiary thereof"), a trailing location or abbreviation
 * ("X Co., Ltd., Hangzhou, Zhejiang", "X (FACRI)"), an embedded a.k.a. The
 * PCRE2 patterns of a data file (lists/patterns/<list>_names.tsv, whose header
 * explains the format and the rules) derive the entity's own names, which are
 * added as strong aliases; the listed name stays the primary. A handle holds
 * match scratch space: one thread at a time. Nothing here prints or aborts. */
#ifndef ES_NAME_DERIVE_H
#define ES_NAME_DERIVE_H

#include "es_entity.h"
#include "es_error.h"

#define ES_CSL_NAMES_FILE "patterns/csl_names.tsv"
#define ES_UN_NAMES_FILE "patterns/un_names.tsv"

typedef struct es_name_derive es_name_derive;

/* Loads and compiles the patterns of path. A malformed line fails with
 * ES_EFORMAT naming the file line. Free *out with es_name_derive_free. */
es_code es_name_derive_load(es_name_derive **out, const char *path, es_err *err);
void es_name_derive_free(es_name_derive *d);

/* Adds the names the patterns derive from e->name and its strong aliases
 * (and, in turn, from those)
 * to e as strong aliases (kind aka or fka, per pattern): at most 16, each of
 * two or more words, at most 160 bytes, not folding like a name e already has.
 * Persons (ES_TYPE_PERSON) and a NULL d are left alone. Fails only when e
 * refuses a name (ES_ENOMEM). */
es_code es_name_derive_apply(es_name_derive *d, es_entity *e, es_err *err);

#endif
