/* es_data_age — how old a source's own data date may be before it is worth a
 * warning, from the data file lists/data_age.tsv ("source<TAB>days").
 * Staleness stays by fetch time (es_listset_stale); this is only a hint that a
 * publisher stopped updating a list. Immutable once loaded. */
#ifndef ES_DATA_AGE_H
#define ES_DATA_AGE_H

#include <time.h>

#include "es_entity.h"
#include "es_error.h"
#include "es_manifest.h"

typedef struct es_data_age es_data_age;

/* Loads path; a malformed line fails with "file:line: reason". */
es_code es_data_age_load(es_data_age **out, const char *path, es_err *err);
void es_data_age_free(es_data_age *a);

/* Days a source's data date may reach before the warning, or -1 when the
 * file names no limit for it. */
long es_data_age_limit(const es_data_age *a, es_source s);

/* Whole days from a source's data_date to now, or -1 when it has none. */
long es_source_data_age_days(const es_manifest_source *s, time_t now);

#endif
