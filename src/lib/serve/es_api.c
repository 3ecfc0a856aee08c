/* es_api — JSON bodies of the read endpoints (see es_api.h). The check and
 * compare bodies come from the builders check --json and compare --json use
 * (es_check_json), each match with the reviewer's disposition as
 * src/cli/cmd_check.c adds it; the lists body follows cmd_lists.c member for
 * member;
 * tests/cli/test_serve.py compares the bytes with the CLI's. */
#include "es_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "es_check_json.h"
#include "es_normalize.h"
#include "es_script.h"
#include "es_utf8.h"

/* json_dumps with a newline, or ES_ENOMEM. */
static es_code dump_line(json_t *o, size_t flags, char **out, size_t *out_len, es_err *err)
{
	char *t = json_dumps(o, flags);
	json_decref(o);
	if (!t)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	size_t n = strlen(t);
	char *r = realloc(t, n + 2);
	if (!r) {
		free(t);
		return es_err_set(err, ES_ENOMEM, "out of memory");
	}
	r[n] = '\n';
	r[n + 1] = '\0';
	*out = r;
	*out_len = n + 1;
	return ES_OK;
}

/* The reviewer's disposition of a match, as check adds it (es_check_line's
 * hook). */
typedef struct {
	es_records *records;
	const es_matcher *m;
	const char *country;
} disposition_ctx;

static void hit_disposition(void *user, const char *name, const es_hit *h, es_buf *b)
{
	const disposition_ctx *d = user;
	es_rec rec;
	es_matcher_entity(d->m, h->entity, &rec);
	es_records_disposition_write(d->records, d->m, name, d->country, &rec, b);
}

es_code es_api_check_json(const es_matcher *m, const es_rules *rules, const es_links *links, es_records *records,
			  const char *name, size_t len,
			  const es_query *q, bool explain, char **out, size_t *out_len, size_t *n_matches,
			  es_err *err)
{
	*out = NULL;
	*n_matches = 0;
	if (len > ES_API_MAX_NAME)
		return es_err_set(err, ES_ETOOBIG, "name longer than %d bytes", ES_API_MAX_NAME);
	if (memchr(name, '\0', len))
		return es_err_set(err, ES_EENCODING, "name contains a NUL byte");
	size_t max = q->limit ? q->limit : 10;
	if (max > ES_API_MAX_LIMIT)
		return es_err_set(err, ES_EUSAGE, "limit above %d", ES_API_MAX_LIMIT);
	es_hit *hits = calloc(max, sizeof *hits);
	if (!hits)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	size_t n = 0;
	es_check_entity *g = NULL;
	size_t ng = 0;
	es_query qa = *q;
	qa.align = explain; /* the words' alignment is shown only with explain */
	es_code rc = es_matcher_query(m, name, &qa, hits, max, &n, err);
	if (rc == ES_OK)
		rc = es_check_group(m, rules, hits, n, &g, &ng, err);
	if (rc == ES_OK) {
		/* as check: a name the lists cannot be searched by, or one mixing
		 * scripts inside a word, says so */
		char sdet[96], warn[256] = "";
		unsigned sf = es_normalize_script_flags(es_matcher_normalizer(m), name, len, sdet, sizeof sdet);
		if (sf & ES_SCRIPT_UNBRIDGED)
			snprintf(warn, sizeof warn,
				 "written in a script the lists cannot be searched by (%s): screen a romanized name", sdet);
		else if (sf & ES_SCRIPT_MIXED)
			snprintf(warn, sizeof warn, "mixes scripts inside a word (%s): look-alike letters?", sdet);
		disposition_ctx d = {records, m, q->country};
		es_check_line c = {.m = m, .rules = rules, .links = links, .explain = explain,
				   .hit_extra = records ? hit_disposition : NULL, .user = &d};
		es_buf b = {0};
		es_check_line_json(&b, &c, name, len, warn, hits, n, g, ng);
		*out_len = b.len;
		if (!(*out = es_buf_take(&b)))
			rc = es_err_set(err, ES_ENOMEM, "out of memory");
		else
			*n_matches = n;
	}
	es_check_entities_free(g);
	free(hits);
	return rc;
}

es_code es_api_compare_json(const es_matcher *m, const char *a, const char *b, es_type type, double threshold,
			    char **out, size_t *out_len, es_err *err)
{
	es_align al[64];
	size_t nal = 0;
	double score = 0;
	*out = NULL;
	es_code rc = es_matcher_compare(m, a, b, type, &score, al, 64, &nal, err);
	if (rc != ES_OK)
		return rc;
	json_t *o = es_compare_json(a, b, score, threshold, al, nal);
	return dump_line(o, JSON_COMPACT | JSON_REAL_PRECISION(6), out, out_len, err);
}

es_code es_api_lists_json(const es_snapshot *s, const es_data_age *ages, long max_age_days, time_t now, char **out,
			  size_t *out_len,
			  es_err *err)
{
	const es_listset *ls = s->ls;
	json_t *root = json_object(), *arr = json_array();
	json_object_set_new(root, "in_use", json_string(ls->bundled ? "bundled" : "fetched"));
	json_object_set_new(root, "set_dir", json_string(ls->set_dir));
	json_object_set_new(root, "version", json_string(ls->set_hash));
	json_object_set_new(root, "sources", arr);
	for (size_t i = 0; i < ls->manifest.n_sources; i++) {
		const es_manifest_source *src = &ls->manifest.sources[i];
		es_source_state st;
		es_source_state_at(src, ages, max_age_days, now, &st);
		json_array_append_new(arr, es_source_json(src, &st, s->problems ? s->problems[i] : NULL));
	}
	return dump_line(root, JSON_COMPACT, out, out_len, err);
}
