#include "es_listset.h"

#include <errno.h>
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
	es_manifest_free(&ls->manifest);
	free(ls);
}

bool es_data_dir_has_fetched(const char *data_dir)
{
	struct stat st;
	char *marker = es_path_join(data_dir, ES_FETCHED_MARKER);
	char *cur = es_path_join(data_dir, "current");
	/* "current" (even dangling) counts too: a fetch killed between the swap
	 * and writing the marker has still put a fetched set in use */
	bool has = (marker && lstat(marker, &st) == 0) || (cur && lstat(cur, &st) == 0);
	free(marker);
	free(cur);
	return has;
}

/* Every source the manifest says the set must hold is there, and every file
 * it names exists; otherwise ES_ECORRUPT saying what to fetch. */
static es_code check_complete(const es_manifest *m, const char *set_dir, es_err *err)
{
	if (!m->has_required)
		return es_err_set(err, ES_ECORRUPT,
				  "fetched lists in %s: the manifest does not say which sources the set must hold "
				  "(damaged); run 'exportscreen fetch'",
				  set_dir);
	char missing[256] = "";
	size_t o = 0, n = 0;
	for (int id = 0; id < ES_SRC_COUNT; id++) {
		if (!m->required[id] || es_manifest_find((es_manifest *)m, (es_source)id))
			continue;
		o += (size_t)snprintf(missing + o, sizeof missing - o, " %s", es_source_id((es_source)id));
		n++;
	}
	if (n)
		return es_err_set(err, ES_ECORRUPT,
				  "fetched lists in %s lack %s the catalog has:%s; run 'exportscreen fetch%s'", set_dir,
				  n == 1 ? "a source" : "sources", missing, missing);
	for (size_t i = 0; i < m->n_sources; i++)
		for (size_t k = 0; k < m->sources[i].n_files; k++) {
			const es_manifest_source *s = &m->sources[i];
			char *p = es_path_join(set_dir, s->files[k].path);
			struct stat st;
			bool ok = p && stat(p, &st) == 0 && S_ISREG(st.st_mode);
			free(p);
			if (!ok)
				return es_err_set(err, ES_ECORRUPT,
						  "fetched lists in %s: %s file %s is missing; run 'exportscreen fetch %s'",
						  set_dir, es_source_id(s->source), s->files[k].path,
						  es_source_id(s->source));
		}
	return ES_OK;
}

/* The fetched set DATA/current points at, resolved once so that a concurrent
 * swap cannot mix sets; every way it can be unusable is an error. */
static es_code open_fetched(es_listset *ls, es_err *err)
{
	es_code rc = ES_OK;
	char *cur = es_path_join(ls->data_dir, "current");
	char *mpath = NULL;
	char resolved[PATH_MAX];
	struct stat st;
	if (!cur)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	if (lstat(cur, &st) != 0) {
		rc = es_err_set(err, ES_ECORRUPT,
				"%s has held fetched lists but %s is missing; run 'exportscreen fetch'", ls->data_dir,
				cur);
		goto out;
	}
	if (!realpath(cur, resolved)) {
		int e = errno;
		rc = es_err_set(err, ES_ECORRUPT, "fetched lists unusable: %s %s; run 'exportscreen fetch'", cur,
				e == ELOOP    ? "is a symlink loop"
				: e == ENOENT ? "points to a set that does not exist"
					      : strerror(e));
		goto out;
	}
	if (!(mpath = es_path_join(resolved, "manifest.json"))) {
		rc = es_err_set(err, ES_ENOMEM, "out of memory");
		goto out;
	}
	es_err me = {0};
	if (es_manifest_load(&ls->manifest, mpath, &me) != ES_OK) {
		rc = es_err_set(err, me.code == ES_ENOMEM ? ES_ENOMEM : ES_ECORRUPT,
				"fetched lists unusable: %s; run 'exportscreen fetch'", me.msg);
		goto out;
	}
	if ((rc = check_complete(&ls->manifest, resolved, err)) != ES_OK)
		goto out;
	if (!(ls->set_dir = strdup(resolved)))
		rc = es_err_set(err, ES_ENOMEM, "out of memory");
out:
	free(cur);
	free(mpath);
	return rc;
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
	if (es_data_dir_has_fetched(ls->data_dir)) {
		/* never a fall-back to the (older) bundled snapshot */
		if ((rc = open_fetched(ls, err)) != ES_OK)
			goto fail;
	} else {
		char *mpath = es_path_join(ls->lists_dir, "manifest.json");
		rc = mpath ? es_manifest_load(&ls->manifest, mpath, err) : es_err_set(err, ES_ENOMEM, "out of memory");
		free(mpath);
		if (rc != ES_OK)
			goto fail;
		if (!(ls->set_dir = strdup(ls->lists_dir))) {
			rc = es_err_set(err, ES_ENOMEM, "out of memory");
			goto fail;
		}
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

/* The manifest sha256 of the file with this role, or NULL. */
static const char *file_sha(const es_manifest_source *src, const char *role)
{
	for (size_t k = 0; k < src->n_files; k++)
		if (strcmp(src->files[k].role, role) == 0)
			return src->files[k].sha256;
	return NULL;
}

es_code es_listset_parse_source(const es_listset *ls, const es_manifest_source *src,
				const es_listset_parse_opts *o, es_parse_stats *stats, es_err *err)
{
	const es_parser *p = es_parser_find(src->format);
	if (!p)
		return es_err_set(err, ES_ECORRUPT, "source %s: unknown format '%s'", es_source_id(src->source),
				  src->format);
	const char *main = es_manifest_file_path(src, "main");
	if (!main)
		return es_err_set(err, ES_ECORRUPT, "source %s: no main file", es_source_id(src->source));
	es_code rc = ES_OK;
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
		/* each file is checked against the manifest on the bytes parsed */
		.sha256 = file_sha(src, "main"),
		.add_sha256 = file_sha(src, "add"),
		.alt_sha256 = file_sha(src, "alt"),
		.comments_sha256 = file_sha(src, "comments"),
		.countries = o->countries,
		.lists_dir = ls->lists_dir,
		.on_diag = o->on_diag,
		.diag_ctx = o->diag_ctx,
	};
	es_parse_stats local;
	rc = pm ? es_parse_into(p, in, o->out, stats ? stats : &local, err)
		: es_err_set(err, ES_ENOMEM, "out of memory");
	if (rc == ES_ECORRUPT && err) {
		/* a file that fails its check: say what to do about it */
		size_t l = strlen(err->msg);
		snprintf(err->msg + l, sizeof err->msg - l, " (%s list); %s", es_source_id(src->source),
			 ls->bundled ? "the bundled snapshot is damaged: reinstall the program"
				     : "run 'exportscreen fetch'");
	}
	free(pm);
	free(pa);
	free(pl);
	free(pc);
	return rc;
}

es_code es_listset_parse_all(const es_listset *ls, const es_listset_parse_opts *o, es_err *err)
{
	for (size_t i = 0; i < ls->manifest.n_sources; i++) {
		es_parse_stats st = {0};
		es_code rc = es_listset_parse_source(ls, &ls->manifest.sources[i], o, &st, err);
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
