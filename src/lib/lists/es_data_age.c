#include "es_data_age.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "es_io.h"
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
