/* es_data_age — how old a source's own data date may be before it is worth a
 * warning, from the data file lists/data_age.tsv ("source<TAB>days").
 * Staleness stays by fetch time (es_listset_stale); this is only a hint that a
 * publisher stopped updating a list. Immutable once loaded. */
#ifndef ES_DATA_AGE_H
#define ES_DATA_AGE_H

#include <stdbool.h>
#include <time.h>

#include <jansson.h>

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

/* How one source of a list set stands at now: its fetch age and staleness
 * against max_age_days, the age of its own data date and whether that is
 * past its limit in ages (NULL: no limits). */
typedef struct {
	long age_days;      /* since fetched (es_source_age_days) */
	bool stale;
	long data_age_days; /* -1: no data date */
	long data_limit;    /* -1: none */
	bool data_old;
} es_source_state;

void es_source_state_at(const es_manifest_source *s, const es_data_age *ages, long max_age_days, time_t now,
			es_source_state *st);

/* The object `lists --json` and GET /v1/lists print for one source, with an
 * "error" member when problem is not NULL. */
json_t *es_source_json(const es_manifest_source *s, const es_source_state *st, const char *problem);

#endif
