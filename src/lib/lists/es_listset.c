#include "es_listset.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "es_io.h"

char *es_default_data_dir(void)
{
	const char *e = getenv("EXPORTSCREEN_DATA");
	if (e && *e)
		return strdup(e);
	const char *x = getenv("XDG_DATA_HOME");
	if (x && *x)
		return es_path_join(x, "exportscreen");
	const char *h = getenv("HOME");
	return es_path_join(h && *h ? h : "/tmp", ".local/share/exportscreen");
}

void es_listset_free(es_listset *ls)
{
	if (!ls)
		return;
	free(ls->set_dir);
	free(ls->data_dir);
	free(ls->lists_dir);
	free(ls->fallback_reason);
	es_manifest_free(&ls->manifest);
	free(ls);
}

es_code es_listset_open(es_listset **out, const char *data_dir, const char *lists_dir, es_err *err)
{
	es_code rc = ES_OK;
	*out = NULL;
	es_listset *ls = calloc(1, sizeof *ls);
	if (!ls)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	ls->data_dir = data_dir ? strdup(data_dir) : es_default_data_dir();
	ls->lists_dir = strdup(lists_dir);
	if (!ls->data_dir || !ls->lists_dir) {
		rc = es_err_set(err, ES_ENOMEM, "out of memory");
		goto fail;
	}
	/* a fetched set: resolve "current" once, so a concurrent swap cannot mix sets */
	char *cur = es_path_join(ls->data_dir, "current");
	char resolved[PATH_MAX];
	struct stat st;
	if (cur && lstat(cur, &st) == 0 && realpath(cur, resolved)) {
		char *mpath = es_path_join(resolved, "manifest.json");
		es_err e2 = {0};
		if (mpath && es_manifest_load(&ls->manifest, mpath, &e2) == ES_OK) {
			ls->set_dir = strdup(resolved);
		} else {
			ls->fallback_reason = strdup(e2.msg[0] ? e2.msg : "cannot read fetched manifest");
		}
		free(mpath);
	}
	free(cur);
	if (!ls->set_dir) {
		char *mpath = es_path_join(ls->lists_dir, "manifest.json");
		rc = mpath ? es_manifest_load(&ls->manifest, mpath, err) : es_err_set(err, ES_ENOMEM, "out of memory");
		free(mpath);
		if (rc != ES_OK)
			goto fail;
		ls->set_dir = strdup(ls->lists_dir);
		ls->bundled = true;
	}
	es_manifest_set_hash(&ls->manifest, ls->set_hash);
	*out = ls;
	return ES_OK;
fail:
	es_listset_free(ls);
	return rc;
}

es_code es_listset_open_dir(es_listset **out, const char *dir, const char *data_dir, const char *lists_dir,
			    es_err *err)
{
	es_code rc = ES_OK;
	*out = NULL;
	es_listset *ls = calloc(1, sizeof *ls);
	if (!ls)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	ls->set_dir = strdup(dir);
	ls->data_dir = strdup(data_dir);
	ls->lists_dir = strdup(lists_dir);
	char *mpath = es_path_join(dir, "manifest.json");
	if (!ls->set_dir || !ls->data_dir || !ls->lists_dir || !mpath) {
		rc = es_err_set(err, ES_ENOMEM, "out of memory");
		goto fail;
	}
	if ((rc = es_manifest_load(&ls->manifest, mpath, err)) != ES_OK)
		goto fail;
	free(mpath);
	es_manifest_set_hash(&ls->manifest, ls->set_hash);
	*out = ls;
	return ES_OK;
fail:
	free(mpath);
	es_listset_free(ls);
	return rc;
}

char *es_listset_path(const es_listset *ls, const char *rel)
{
	return es_path_join(ls->set_dir, rel);
}

es_code es_listset_parse_source(const es_listset *ls, const es_manifest_source *src,
				const es_countries *countries, es_entityset *out,
				es_diag_cb on_diag, void *diag_ctx, es_parse_stats *stats, es_err *err)
{
	const es_parser *p = es_parser_find(src->format);
	if (!p)
		return es_err_set(err, ES_ECORRUPT, "source %s: unknown format '%s'", es_source_id(src->source),
				  src->format);
	const char *main = es_manifest_file_path(src, "main");
	if (!main)
		return es_err_set(err, ES_ECORRUPT, "source %s: no main file", es_source_id(src->source));
	const char *add = es_manifest_file_path(src, "add");
	const char *alt = es_manifest_file_path(src, "alt");
	const char *com = es_manifest_file_path(src, "comments");
	char *pm = es_listset_path(ls, main);
	char *pa = add ? es_listset_path(ls, add) : NULL;
	char *pl = alt ? es_listset_path(ls, alt) : NULL;
	char *pc = com ? es_listset_path(ls, com) : NULL;
	es_parse_input in = {
		.source = src->source,
		.path = pm,
		.add_path = pa,
		.alt_path = pl,
		.comments_path = pc,
		.countries = countries,
		.lists_dir = ls->lists_dir,
		.on_diag = on_diag,
		.diag_ctx = diag_ctx,
	};
	es_parse_stats local;
	es_code rc = pm ? es_parse_into(p, in, out, stats ? stats : &local, err)
			: es_err_set(err, ES_ENOMEM, "out of memory");
	free(pm);
	free(pa);
	free(pl);
	free(pc);
	return rc;
}

es_code es_listset_parse_all(const es_listset *ls, const es_countries *countries, es_entityset *out,
			     es_diag_cb on_diag, void *diag_ctx, es_err *err)
{
	for (size_t i = 0; i < ls->manifest.n_sources; i++) {
		es_parse_stats st = {0};
		es_code rc = es_listset_parse_source(ls, &ls->manifest.sources[i], countries, out, on_diag,
						     diag_ctx, &st, err);
		if (rc != ES_OK)
			return rc;
	}
	return ES_OK;
}

long es_source_age_days(const es_manifest_source *s, time_t now)
{
	time_t t = es_parse_iso_time(s->fetched_at);
	if (t < 0)
		return -1;
	return now > t ? (long)((now - t) / 86400) : 0;
}

bool es_listset_stale(const es_listset *ls, time_t now, long max_age_days)
{
	for (size_t i = 0; i < ls->manifest.n_sources; i++) {
		long age = es_source_age_days(&ls->manifest.sources[i], now);
		if (age < 0 || age > max_age_days)
			return true;
	}
	return false;
}
