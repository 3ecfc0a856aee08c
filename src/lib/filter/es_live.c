/* es_live — the list set in use, swapped without restart (see es_live.h). */
#include "es_live.h"

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "es_io.h"

struct es_snapshot_priv {
	atomic_size_t refs;
	es_filter_config fcfg;
};

struct es_live {
	es_live_config cfg;
	char *data_dir;
	char *lists_dir;
	pthread_mutex_t lock;
	es_snapshot *cur;
	bool ever_fetched; /* the data dir held a fetched set: never fall back to the bundled one */
	char *failed_target;  /* a set that could not be taken: not tried again (sets are immutable) */
	es_err failed_err;
	atomic_size_t reloads, failures;
};

static void snapshot_free(es_snapshot *s)
{
	if (!s)
		return;
	free(s->priv);
	if (s->problems && s->ls)
		for (size_t i = 0; i < s->ls->manifest.n_sources; i++)
			free(s->problems[i]);
	free(s->problems);
	es_matcher_free(s->m);
	es_listset_free(s->ls);
	free(s);
}

/* `lists` hashes every file against the manifest; a snapshot does it once when taken. */
static es_code verify_files(es_snapshot *s, es_err *err)
{
	size_t n = s->ls->manifest.n_sources;
	s->problems = calloc(n ? n : 1, sizeof *s->problems);
	if (!s->problems)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		const es_manifest_source *src = &s->ls->manifest.sources[i];
		for (size_t f = 0; f < src->n_files && !s->problems[i]; f++) {
			char hex[65];
			es_err e = {0};
			char *p = es_listset_path(s->ls, src->files[f].path);
			const char *problem = NULL;
			if (!p || es_sha256_file(p, ES_PARSE_MAX_BYTES, hex, &e) != ES_OK)
				problem = e.msg[0] ? e.msg : "cannot read";
			else if (strcmp(hex, src->files[f].sha256) != 0)
				problem = "content does not match the manifest sha256";
			free(p);
			if (problem && !(s->problems[i] = strdup(problem)))
				return es_err_set(err, ES_ENOMEM, "out of memory");
		}
	}
	return ES_OK;
}

static es_code snapshot_take(es_live *l, es_snapshot **out, es_err *err)
{
	es_code rc = ES_OK;
	es_snapshot *s = calloc(1, sizeof *s);
	*out = NULL;
	if (!s || !(s->priv = calloc(1, sizeof *s->priv))) {
		free(s);
		return es_err_set(err, ES_ENOMEM, "out of memory");
	}
	atomic_init(&s->priv->refs, 1);
	if ((rc = es_listset_open(&s->ls, l->data_dir, l->lists_dir, err)) != ES_OK)
		goto fail;
	if (s->ls->bundled && l->ever_fetched) {
		rc = es_err_set(err, ES_EMISSING, "the fetched list set is not usable (DATA/current is gone); "
				"run 'exportscreen fetch'");
		goto fail;
	}
	if ((rc = es_matcher_open(&s->m, s->ls, l->cfg.countries, l->lists_dir, err)) != ES_OK)
		goto fail;
	(void)es_matcher_settle(s->m); /* a long run (filter, serve); not shared yet */
	if (l->cfg.verify_files && (rc = verify_files(s, err)) != ES_OK)
		goto fail;
	s->version = s->ls->set_hash;
	s->taken_at = time(NULL);
	s->stale = es_listset_stale(s->ls, s->taken_at, l->cfg.max_age_days);
	s->priv->fcfg = (es_filter_config){
		.rules = l->cfg.rules,
		.countries = l->cfg.countries,
		.matcher = s->m,
		.list_version = s->version,
		.lists_stale = s->stale,
		.allow_stale = l->cfg.allow_stale,
		.max_age_days = l->cfg.max_age_days,
		.format = ES_FMT_JSONL,
	};
	*out = s;
	return ES_OK;
fail:
	snapshot_free(s);
	return rc;
}

es_code es_live_open(es_live **out, const es_live_config *cfg, es_err *err)
{
	es_code rc = ES_OK;
	es_live *l = calloc(1, sizeof *l);
	*out = NULL;
	if (!l)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	l->cfg = *cfg;
	l->data_dir = cfg->data_dir ? strdup(cfg->data_dir) : es_default_data_dir();
	l->lists_dir = strdup(cfg->lists_dir);
	pthread_mutex_init(&l->lock, NULL);
	atomic_init(&l->reloads, 0);
	atomic_init(&l->failures, 0);
	if (!l->data_dir || !l->lists_dir) {
		rc = es_err_set(err, ES_ENOMEM, "out of memory");
		goto fail;
	}
	l->cfg.data_dir = l->data_dir;
	l->cfg.lists_dir = l->lists_dir;
	if ((rc = snapshot_take(l, &l->cur, err)) != ES_OK)
		goto fail;
	l->ever_fetched = !l->cur->ls->bundled;
	*out = l;
	return ES_OK;
fail:
	es_live_free(l);
	return rc;
}

void es_live_free(es_live *l)
{
	if (!l)
		return;
	es_snapshot_release(l->cur);
	pthread_mutex_destroy(&l->lock);
	free(l->data_dir);
	free(l->lists_dir);
	free(l->failed_target);
	free(l);
}

es_snapshot *es_live_acquire(es_live *l)
{
	pthread_mutex_lock(&l->lock);
	es_snapshot *s = l->cur;
	atomic_fetch_add(&s->priv->refs, 1);
	pthread_mutex_unlock(&l->lock);
	return s;
}

void es_snapshot_release(es_snapshot *s)
{
	if (s && atomic_fetch_sub(&s->priv->refs, 1) == 1)
		snapshot_free(s);
}

/* The set directory DATA/current names now, or NULL when there is none. */
static char *current_target(const es_live *l)
{
	char *cur = es_path_join(l->data_dir, "current");
	char resolved[PATH_MAX];
	struct stat st;
	char *r = NULL;
	if (cur && lstat(cur, &st) == 0 && realpath(cur, resolved))
		r = strdup(resolved);
	free(cur);
	return r;
}

es_code es_live_refresh(es_live *l, bool *changed, es_err *err)
{
	*changed = false;
	es_snapshot *old = l->cur; /* only this thread replaces l->cur */
	char *target = current_target(l);
	bool same_set = old->ls->bundled ? target == NULL : target && strcmp(target, old->ls->set_dir) == 0;
	bool stale_now = es_listset_stale(old->ls, time(NULL), l->cfg.max_age_days);
	if (same_set && stale_now == old->stale) {
		free(target);
		free(l->failed_target);
		l->failed_target = NULL;
		return ES_OK;
	}
	const char *key = target ? target : "";
	if (l->failed_target && strcmp(l->failed_target, key) == 0) {
		free(target);
		if (err)
			*err = l->failed_err;
		return l->failed_err.code;
	}
	es_snapshot *s = NULL;
	es_code rc = snapshot_take(l, &s, err);
	if (rc != ES_OK) {
		atomic_fetch_add(&l->failures, 1);
		free(l->failed_target);
		l->failed_target = strdup(key);
		if (err)
			l->failed_err = *err;
		free(target);
		return rc;
	}
	free(target);
	free(l->failed_target);
	l->failed_target = NULL;
	pthread_mutex_lock(&l->lock);
	l->cur = s;
	pthread_mutex_unlock(&l->lock);
	if (!s->ls->bundled)
		l->ever_fetched = true;
	atomic_fetch_add(&l->reloads, 1);
	es_snapshot_release(old);
	*changed = true;
	return ES_OK;
}

size_t es_live_reloads(const es_live *l)
{
	return atomic_load(&((es_live *)l)->reloads);
}

size_t es_live_reload_failures(const es_live *l)
{
	return atomic_load(&((es_live *)l)->failures);
}

void es_snapshot_filter_config(const es_snapshot *s, es_filter_config *out)
{
	*out = s->priv->fcfg;
}
