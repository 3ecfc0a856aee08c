#include "es_data_age.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "es_io.h"
#include "es_listset.h"
#include "es_text.h"

#define DATA_AGE_MAX_BYTES (64 * 1024)
#define DATA_AGE_MAX_DAYS 36500

struct es_data_age {
	long days[ES_SRC_COUNT];
};

es_code es_data_age_load(es_data_age **out, const char *path, es_err *err)
{
	es_code rc = ES_OK;
	char *text = NULL;
	size_t len = 0;
	es_data_age *a = malloc(sizeof *a);
	*out = NULL;
	if (!a)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	for (size_t i = 0; i < ES_SRC_COUNT; i++)
		a->days[i] = -1;
	if ((rc = es_read_file(path, DATA_AGE_MAX_BYTES, &text, &len, err)) != ES_OK)
		goto fail;
	char *cur = text, *line;
	long lineno = 0;
	while ((line = es_text_data_line(&cur, &lineno))) {
		char *col[3];
		es_source s;
		char *end;
		if (es_text_split_tabs(line, col, 3) != 2) {
			rc = es_err_set(err, ES_EFORMAT, "%s:%ld: expected a source id and a number of days", path, lineno);
			goto fail;
		}
		if (es_source_from_id(col[0], &s) != 0) {
			rc = es_err_set(err, ES_EFORMAT, "%s:%ld: unknown source '%s'", path, lineno, col[0]);
			goto fail;
		}
		errno = 0;
		long d = strtol(col[1], &end, 10);
		if (errno || end == col[1] || *end || d < 1 || d > DATA_AGE_MAX_DAYS) {
			rc = es_err_set(err, ES_EFORMAT, "%s:%ld: days must be a whole number from 1 to %d, not '%s'", path,
					lineno, DATA_AGE_MAX_DAYS, col[1]);
			goto fail;
		}
		if (a->days[s] >= 0) {
			rc = es_err_set(err, ES_EFORMAT, "%s:%ld: %s given twice", path, lineno, col[0]);
			goto fail;
		}
		a->days[s] = d;
	}
	free(text);
	*out = a;
	return ES_OK;
fail:
	free(text);
	free(a);
	return rc;
}

void es_data_age_free(es_data_age *a)
{
	free(a);
}

long es_data_age_limit(const es_data_age *a, es_source s)
{
	return a && (int)s >= 0 && s < ES_SRC_COUNT ? a->days[s] : -1;
}

long es_source_data_age_days(const es_manifest_source *s, time_t now)
{
	time_t t = s->data_date[0] ? es_parse_iso_time(s->data_date) : -1;
	if (t < 0 || now < t)
		return t < 0 ? -1 : 0;
	return (long)((now - t) / 86400);
}

void es_source_state_at(const es_manifest_source *s, const es_data_age *ages, long max_age_days, time_t now,
			es_source_state *st)
{
	st->age_days = es_source_age_days(s, now);
	st->stale = st->age_days < 0 || st->age_days > max_age_days;
	st->data_age_days = es_source_data_age_days(s, now);
	st->data_limit = ages ? es_data_age_limit(ages, s->source) : -1;
	st->data_old = st->data_age_days >= 0 && st->data_limit >= 0 && st->data_age_days > st->data_limit;
}

json_t *es_source_json(const es_manifest_source *s, const es_source_state *st, const char *problem)
{
	json_t *js = json_object();
	json_object_set_new(js, "id", json_string(es_source_id(s->source)));
	json_object_set_new(js, "entries", json_integer(s->entries));
	json_object_set_new(js, "data_date", json_string(s->data_date));
	json_object_set_new(js, "fetched_at", json_string(s->fetched_at));
	json_object_set_new(js, "sha256", json_string(s->n_files ? s->files[0].sha256 : ""));
	json_object_set_new(js, "age_days", json_integer(st->age_days));
	json_object_set_new(js, "stale", json_boolean(st->stale));
	json_object_set_new(js, "data_age_days", st->data_age_days >= 0 ? json_integer(st->data_age_days) : json_null());
	json_object_set_new(js, "data_old", json_boolean(st->data_old));
	json_object_set_new(js, "format", json_string(s->format));
	if (problem)
		json_object_set_new(js, "error", json_string(problem));
	return js;
}
