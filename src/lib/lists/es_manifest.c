#include "es_manifest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "es_date.h"
#include "es_io.h"

static void copy_str(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

static char *dup_or_null(json_t *v)
{
	const char *s = json_string_value(v);
	return s && *s ? strdup(s) : NULL;
}

/* "required": an array of source ids (absent in the bundled manifest). */
static es_code load_required(es_manifest *m, json_t *req, const char *path, es_err *err)
{
	if (!req)
		return ES_OK;
	if (!json_is_array(req))
		return es_err_set(err, ES_ECORRUPT, "%s: 'required' is not an array of source ids", path);
	size_t i;
	json_t *v;
	json_array_foreach(req, i, v) {
		es_source sid;
		const char *id = json_string_value(v);
		if (!id || es_source_from_id(id, &sid) != 0)
			return es_err_set(err, ES_ECORRUPT, "%s: 'required' names an unknown source '%s'", path,
					  id ? id : "");
		m->required[sid] = true;
	}
	m->has_required = true;
	return ES_OK;
}

es_code es_manifest_load(es_manifest *m, const char *path, es_err *err)
{
	es_code rc = ES_OK;
	char *buf = NULL;
	size_t len;
	json_t *root = NULL;
	memset(m, 0, sizeof *m);
	if ((rc = es_read_file(path, 1 << 20, &buf, &len, err)) != ES_OK)
		return rc;
	json_error_t je;
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (!root || !json_is_object(root)) {
		rc = es_err_set(err, ES_ECORRUPT, "%s:%d: invalid manifest: %s", path, je.line,
				root ? "not an object" : je.text);
		goto out;
	}
	copy_str(m->set, sizeof m->set, json_string_value(json_object_get(root, "set")));
	json_t *srcs = json_object_get(root, "sources");
	if (!json_is_array(srcs)) {
		rc = es_err_set(err, ES_ECORRUPT, "%s: manifest has no 'sources' array", path);
		goto out;
	}
	size_t i;
	json_t *js;
	json_array_foreach(srcs, i, js) {
		const char *id = json_string_value(json_object_get(js, "id"));
		es_source sid;
		if (!id || es_source_from_id(id, &sid) != 0) {
			rc = es_err_set(err, ES_ECORRUPT, "%s: source %zu has an unknown id '%s'", path, i,
					id ? id : "");
			goto out;
		}
		if (m->n_sources == ES_SRC_COUNT || es_manifest_find(m, sid)) {
			rc = es_err_set(err, ES_ECORRUPT, "%s: source '%s' listed twice", path, id);
			goto out;
		}
		es_manifest_source *s = &m->sources[m->n_sources++];
		s->source = sid;
		copy_str(s->format, sizeof s->format, json_string_value(json_object_get(js, "format")));
		copy_str(s->data_date, sizeof s->data_date, json_string_value(json_object_get(js, "data_date")));
		copy_str(s->fetched_at, sizeof s->fetched_at, json_string_value(json_object_get(js, "fetched_at")));
		es_date dd;
		if (s->data_date[0] && !es_date_parse_iso(s->data_date, strlen(s->data_date), &dd)) {
			rc = es_err_set(err, ES_ECORRUPT, "%s: source '%s' has a bad data_date '%s'", path, id,
					s->data_date);
			goto out;
		}
		if (s->fetched_at[0] && es_parse_iso_time(s->fetched_at) < 0) {
			rc = es_err_set(err, ES_ECORRUPT, "%s: source '%s' has a bad fetched_at '%s'", path, id,
					s->fetched_at);
			goto out;
		}
		s->entries = (long)json_integer_value(json_object_get(js, "entries"));
		s->etag = dup_or_null(json_object_get(js, "etag"));
		s->last_modified = dup_or_null(json_object_get(js, "last_modified"));
		s->url = dup_or_null(json_object_get(js, "url"));
		json_t *files = json_object_get(js, "files"), *jf;
		size_t k;
		if (!json_is_array(files) || json_array_size(files) == 0 ||
		    json_array_size(files) > ES_MANIFEST_MAX_FILES) {
			rc = es_err_set(err, ES_ECORRUPT, "%s: source '%s' has no valid 'files' array", path, id);
			goto out;
		}
		json_array_foreach(files, k, jf) {
			es_manifest_file *f = &s->files[s->n_files];
			const char *p = json_string_value(json_object_get(jf, "path"));
			const char *h = json_string_value(json_object_get(jf, "sha256"));
			if (!p || !*p || strstr(p, "..") || p[0] == '/' || !h || strlen(h) != 64) {
				rc = es_err_set(err, ES_ECORRUPT, "%s: source '%s' file %zu: bad path or sha256",
						path, id, k);
				goto out;
			}
			copy_str(f->role, sizeof f->role, json_string_value(json_object_get(jf, "role")));
			f->path = strdup(p);
			memcpy(f->sha256, h, 65);
			s->n_files++;
			if (!f->path) {
				rc = es_err_set(err, ES_ENOMEM, "out of memory");
				goto out;
			}
		}
	}
	if ((rc = load_required(m, json_object_get(root, "required"), path, err)) != ES_OK)
		goto out;
out:
	json_decref(root);
	free(buf);
	if (rc != ES_OK)
		es_manifest_free(m);
	return rc;
}

static void set_opt(json_t *o, const char *k, const char *v)
{
	if (v && *v)
		json_object_set_new(o, k, json_string(v));
}

es_code es_manifest_save(const es_manifest *m, const char *path, es_err *err)
{
	json_t *root = json_object(), *srcs = json_array();
	json_object_set_new(root, "set", json_string(m->set));
	json_object_set_new(root, "sources", srcs);
	for (size_t i = 0; i < m->n_sources; i++) {
		const es_manifest_source *s = &m->sources[i];
		json_t *js = json_object(), *files = json_array();
		json_object_set_new(js, "id", json_string(es_source_id(s->source)));
		json_object_set_new(js, "format", json_string(s->format));
		json_object_set_new(js, "data_date", json_string(s->data_date));
		json_object_set_new(js, "fetched_at", json_string(s->fetched_at));
		json_object_set_new(js, "entries", json_integer(s->entries));
		set_opt(js, "etag", s->etag);
		set_opt(js, "last_modified", s->last_modified);
		set_opt(js, "url", s->url);
		for (size_t k = 0; k < s->n_files; k++) {
			json_t *jf = json_object();
			json_object_set_new(jf, "role", json_string(s->files[k].role));
			json_object_set_new(jf, "path", json_string(s->files[k].path));
			json_object_set_new(jf, "sha256", json_string(s->files[k].sha256));
			json_array_append_new(files, jf);
		}
		json_object_set_new(js, "files", files);
		json_array_append_new(srcs, js);
	}
	if (m->has_required) {
		json_t *req = json_array();
		for (int id = 0; id < ES_SRC_COUNT; id++)
			if (m->required[id])
				json_array_append_new(req, json_string(es_source_id((es_source)id)));
		json_object_set_new(root, "required", req);
	}
	char *text = json_dumps(root, JSON_INDENT(2));
	json_decref(root);
	if (!text)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	es_code rc = es_write_atomic(path, text, strlen(text), err);
	free(text);
	return rc;
}

void es_manifest_free(es_manifest *m)
{
	for (size_t i = 0; i < m->n_sources; i++) {
		es_manifest_source *s = &m->sources[i];
		free(s->etag);
		free(s->last_modified);
		free(s->url);
		for (size_t k = 0; k < s->n_files; k++)
			free(s->files[k].path);
	}
	memset(m, 0, sizeof *m);
}

es_manifest_source *es_manifest_find(es_manifest *m, es_source s)
{
	for (size_t i = 0; i < m->n_sources; i++)
		if (m->sources[i].source == s)
			return &m->sources[i];
	return NULL;
}

const char *es_manifest_file_path(const es_manifest_source *s, const char *role)
{
	for (size_t k = 0; k < s->n_files; k++)
		if (strcmp(s->files[k].role, role) == 0)
			return s->files[k].path;
	return NULL;
}

void es_manifest_set_hash(const es_manifest *m, char out[65])
{
	/* sources in source-id order so the hash does not depend on file order */
	char buf[ES_SRC_COUNT * ES_MANIFEST_MAX_FILES * 100];
	size_t o = 0;
	for (int id = 0; id < ES_SRC_COUNT; id++) {
		for (size_t i = 0; i < m->n_sources; i++) {
			const es_manifest_source *s = &m->sources[i];
			if ((int)s->source != id)
				continue;
			o += (size_t)snprintf(buf + o, sizeof buf - o, "%s", es_source_id(s->source));
			for (size_t k = 0; k < s->n_files; k++)
				o += (size_t)snprintf(buf + o, sizeof buf - o, " %s:%s", s->files[k].role,
						      s->files[k].sha256);
			o += (size_t)snprintf(buf + o, sizeof buf - o, "\n");
		}
	}
	es_sha256_hex(buf, o, out);
}

static bool two_digits(const char *s, int max, int *out)
{
	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
		return false;
	*out = (s[0] - '0') * 10 + (s[1] - '0');
	return *out <= max;
}

time_t es_parse_iso_time(const char *s)
{
	es_date d;
	size_t len = s ? strlen(s) : 0;
	if (!s || es_date_parse_iso_prefix(s, len, &d) != 10)
		return -1;
	int h = 0, mi = 0, sec = 0;
	if (len > 10) {
		/* "THH:MM:SS" or " HH:MM:SS", then "Z" or nothing */
		const char *t = s + 11;
		if ((s[10] != 'T' && s[10] != ' ') || len < 19 || !two_digits(t, 23, &h) || t[2] != ':' ||
		    !two_digits(t + 3, 59, &mi) || t[5] != ':' || !two_digits(t + 6, 60, &sec))
			return -1;
		if (len > 19 && strcmp(s + 19, "Z") != 0)
			return -1;
	}
	return (time_t)(es_date_days(d) * 86400 + h * 3600 + mi * 60 + sec);
}
