/* STUB: the matcher replaces this file. Lets callers link meanwhile. */
#include "es_match.h"

#include <stdlib.h>

const double ES_MATCH_DEFAULT_THRESHOLD = 0.85;

char *es_match_index_path(const es_listset *ls)
{
	(void)ls;
	return NULL;
}

es_code es_match_build_index(const es_listset *ls, const es_countries *countries,
			     const char *lists_dir, es_err *err)
{
	(void)ls;
	(void)countries;
	(void)lists_dir;
	return es_err_set(err, ES_ENOTIMPL, "matcher not implemented yet");
}

es_code es_matcher_open(es_matcher **out, const es_listset *ls, const es_countries *countries,
			const char *lists_dir, es_err *err)
{
	(void)ls;
	(void)countries;
	(void)lists_dir;
	*out = NULL;
	return es_err_set(err, ES_ENOTIMPL, "matcher not implemented yet");
}

void es_matcher_free(es_matcher *m)
{
	(void)m;
}

size_t es_matcher_count(const es_matcher *m)
{
	(void)m;
	return 0;
}

void es_matcher_entity(const es_matcher *m, size_t i, es_rec *r)
{
	(void)m;
	(void)i;
	(void)r;
}

es_code es_matcher_query(const es_matcher *m, const char *name, const es_query *q, es_hit *hits,
			 size_t max, size_t *n, es_err *err)
{
	(void)m;
	(void)name;
	(void)q;
	(void)hits;
	(void)max;
	*n = 0;
	return es_err_set(err, ES_ENOTIMPL, "matcher not implemented yet");
}

es_code es_normalizer_open(es_normalizer **out, const char *lists_dir, es_err *err)
{
	(void)lists_dir;
	*out = NULL;
	return es_err_set(err, ES_ENOTIMPL, "normalizer not implemented yet");
}

void es_normalizer_free(es_normalizer *nz)
{
	(void)nz;
}

es_code es_compare_names(const es_normalizer *nz, const char *a, const char *b, es_type type,
			 double *score, es_align *align, size_t max_align, size_t *n_align, es_err *err)
{
	(void)nz;
	(void)a;
	(void)b;
	(void)type;
	(void)score;
	(void)align;
	(void)max_align;
	*n_align = 0;
	return es_err_set(err, ES_ENOTIMPL, "compare not implemented yet");
}
