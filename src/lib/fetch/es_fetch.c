/* nftw() is an XSI interface */
#define _XOPEN_SOURCE 700

#include "es_fetch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "es_country.h"
#include "es_io.h"
#include "es_listset.h"
#include "es_match.h"
#include "es_parser.h"

#define CATALOG_MAX_BYTES (1 << 20)
#define CATALOG_MAX_LINE 8192
#define VALIDATORS_FILE "validators.json"
#define KEEP_OLD_SETS 2

/* ------------------------------------------------------------------ catalog */

struct es_catalog {
	es_catalog_source sources[ES_SRC_COUNT];
	size_t n;
};

static const char *const ROLES[] = {"main", "add", "alt", "comments", NULL};

void es_catalog_free(es_catalog *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		for (size_t k = 0; k < c->sources[i].n_files; k++) {
			es_catalog_file *f = &c->sources[i].files[k];
			free(f->file);
			free(f->version);
			for (size_t u = 0; u < f->n_urls; u++)
				free(f->urls[u]);
		}
	free(c);
}

size_t es_catalog_count(const es_catalog *c)
{
	return c->n;
}

const es_catalog_source *es_catalog_get(const es_catalog *c, size_t i)
{
	return i < c->n ? &c->sources[i] : NULL;
}

const es_catalog_source *es_catalog_find(const es_catalog *c, es_source s)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->sources[i].source == s)
			return &c->sources[i];
	return NULL;
}

static bool version_valid(const char *v)
{
	if (strcmp(v, "sha256") == 0)
		return true;
	if (strncmp(v, "sha256-xml-attr:", 16) == 0) {
		const char *n = v + 16;
		if (!*n || strlen(n) > 64)
			return false;
		for (; *n; n++)
			if (!(*n == '_' || *n == '-' || *n == ':' || (*n >= 'a' && *n <= 'z') ||
			      (*n >= 'A' && *n <= 'Z') || (*n >= '0' && *n <= '9')))
				return false;
		return true;
	}
	if (strncmp(v, "sha256-skip-lines:", 18) == 0) {
		char *end;
		long n = strtol(v + 18, &end, 10);
		return end != v + 18 && !*end && n >= 0 && n <= 100;
	}
	return false;
}

static bool rel_path_valid(const char *p)
{
	return *p && p[0] != '/' && !strstr(p, "..") && strlen(p) < 256 && !strchr(p, '\\') &&
	       strcmp(p, "manifest.json") != 0 && strcmp(p, VALIDATORS_FILE) != 0 && strcmp(p, "index.bin") != 0;
}

es_code es_catalog_load(es_catalog **out, const char *path, es_err *err)
{
	es_code rc = ES_OK;
	char *buf = NULL;
	size_t len;
	*out = NULL;
	es_catalog *c = calloc(1, sizeof *c);
	if (!c)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	if ((rc = es_read_file(path, CATALOG_MAX_BYTES, &buf, &len, err)) != ES_OK)
		goto fail;
	if (strlen(buf) != len || !es_utf8_valid(buf, len, NULL)) {
		rc = es_err_set(err, ES_EFORMAT, "%s: not a UTF-8 text file", path);
		goto fail;
	}
	int lineno = 0;
	char *save = NULL;
	for (char *line = buf; line; line = save) {
		char *nl = strchr(line, '\n');
		save = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		lineno++;
		size_t ll = strlen(line);
		if (ll && line[ll - 1] == '\r')
			line[--ll] = '\0';
		if (ll > CATALOG_MAX_LINE) {
			rc = es_err_set(err, ES_EFORMAT, "%s:%d: line longer than %d bytes", path, lineno,
					CATALOG_MAX_LINE);
			goto fail;
		}
		const char *p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '#')
			continue;
		char *col[6];
		int nc = 0;
		char *q = line;
		while (nc < 6) {
			col[nc++] = q;
			char *t = strchr(q, '\t');
			if (!t)
				break;
			*t = '\0';
			q = t + 1;
		}
		if (nc != 6 || strchr(col[5], '\t')) {
			rc = es_err_set(err, ES_EFORMAT, "%s:%d: expected 6 tab-separated columns "
					"(source format role file version urls)", path, lineno);
			goto fail;
		}
		es_source sid;
		if (es_source_from_id(col[0], &sid) != 0) {
			rc = es_err_set(err, ES_EFORMAT, "%s:%d: unknown source id '%.64s'", path, lineno, col[0]);
			goto fail;
		}
		if (!es_parser_find(col[1]) || strlen(col[1]) >= 16) {
			rc = es_err_set(err, ES_EFORMAT, "%s:%d: unknown format '%.64s'", path, lineno, col[1]);
			goto fail;
		}
		bool role_ok = false;
		for (int r = 0; ROLES[r]; r++)
			role_ok |= strcmp(ROLES[r], col[2]) == 0;
		if (!role_ok) {
			rc = es_err_set(err, ES_EFORMAT, "%s:%d: unknown role '%.64s' (main, add, alt, comments)", path,
					lineno, col[2]);
			goto fail;
		}
		if (!rel_path_valid(col[3])) {
			rc = es_err_set(err, ES_EFORMAT, "%s:%d: bad file path '%.64s' (relative, no '..')", path, lineno,
					col[3]);
			goto fail;
		}
		if (!version_valid(col[4])) {
			rc = es_err_set(err, ES_EFORMAT, "%s:%d: unknown version method '%.64s'", path, lineno, col[4]);
			goto fail;
		}
		es_catalog_source *s = (es_catalog_source *)es_catalog_find(c, sid);
		if (!s) {
			s = &c->sources[c->n++];
			s->source = sid;
			snprintf(s->format, sizeof s->format, "%s", col[1]);
		} else if (strcmp(s->format, col[1]) != 0) {
			rc = es_err_set(err, ES_EFORMAT, "%s:%d: source %s has two formats", path, lineno, col[0]);
			goto fail;
		}
		for (size_t k = 0; k < s->n_files; k++)
			if (strcmp(s->files[k].role, col[2]) == 0 || strcmp(s->files[k].file, col[3]) == 0) {
				rc = es_err_set(err, ES_EFORMAT, "%s:%d: source %s lists role or file twice", path,
						lineno, col[0]);
				goto fail;
			}
		if (s->n_files == ES_MANIFEST_MAX_FILES) {
			rc = es_err_set(err, ES_EFORMAT, "%s:%d: too many files for %s", path, lineno, col[0]);
			goto fail;
		}
		es_catalog_file *f = &s->files[s->n_files++];
		snprintf(f->role, sizeof f->role, "%s", col[2]);
		f->file = strdup(col[3]);
		f->version = strdup(col[4]);
		if (!f->file || !f->version) {
			rc = es_err_set(err, ES_ENOMEM, "out of memory");
			goto fail;
		}
		char *tok, *sp = NULL;
		for (tok = strtok_r(col[5], " ", &sp); tok; tok = strtok_r(NULL, " ", &sp)) {
			if (f->n_urls == ES_CATALOG_MAX_URLS) {
				rc = es_err_set(err, ES_EFORMAT, "%s:%d: more than %d URLs", path, lineno,
						ES_CATALOG_MAX_URLS);
				goto fail;
			}
			es_err ue = {0};
			if (es_http_check_url(tok, &ue) != ES_OK) {
				rc = es_err_set(err, ES_EFORMAT, "%s:%d: %s", path, lineno, ue.msg);
				goto fail;
			}
			if (!(f->urls[f->n_urls++] = strdup(tok))) {
				rc = es_err_set(err, ES_ENOMEM, "out of memory");
				goto fail;
			}
		}
		if (f->n_urls == 0) {
			rc = es_err_set(err, ES_EFORMAT, "%s:%d: no URL", path, lineno);
			goto fail;
		}
	}
	for (size_t i = 0; i < c->n; i++) {
		bool has_main = false;
		for (size_t k = 0; k < c->sources[i].n_files; k++)
			has_main |= strcmp(c->sources[i].files[k].role, "main") == 0;
		if (!has_main) {
			rc = es_err_set(err, ES_EFORMAT, "%s: source %s has no main file", path,
					es_source_id(c->sources[i].source));
			goto fail;
		}
	}
	if (c->n == 0) {
		rc = es_err_set(err, ES_EFORMAT, "%s: no sources", path);
		goto fail;
	}
	free(buf);
	*out = c;
	return ES_OK;
fail:
	free(buf);
	es_catalog_free(c);
	return rc;
}

/* ------------------------------------------------------------------ helpers */

const char *es_fetch_status_name(es_fetch_status s)
{
	switch (s) {
	case ES_FETCH_UPDATED:
		return "updated";
	case ES_FETCH_UNCHANGED:
		return "unchanged";
	case ES_FETCH_FAILED:
		return "failed";
	case ES_FETCH_REJECTED:
		return "rejected";
	}
	return "?";
}

static void iso_now(char out[32], time_t t)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* "Tue, 02 Jul 2024 08:24:03 GMT" -> "2024-07-02"; "" when unparsable. */
static void http_date_to_day(const char *hd, char out[32])
{
	out[0] = '\0';
	if (!hd)
		return;
	time_t t = curl_getdate(hd, NULL);
	if (t <= 0)
		return;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%d", &tm);
}

static int rm_entry(const char *p, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (type == FTW_DP)
		rmdir(p);
	else
		unlink(p);
	return 0;
}

static void rm_tree(const char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static es_code mkparent(const char *path, es_err *err)
{
	char *d = strdup(path);
	if (!d)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	char *slash = strrchr(d, '/');
	es_code rc = ES_OK;
	if (slash && slash != d) {
		*slash = '\0';
		rc = es_mkdirs(d, err);
	}
	free(d);
	return rc;
}

static es_code fsync_path(const char *path, es_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return es_err_set(err, ES_EIO, "%s: cannot open: %s", path, strerror(errno));
	int r = fsync(fd);
	int e = errno;
	close(fd);
	/* some file systems refuse fsync on directories; the data is still written */
	if (r != 0 && e != EINVAL && e != EBADF)
		return es_err_set(err, ES_EIO, "%s: fsync: %s", path, strerror(e));
	return ES_OK;
}

/* Hard link (cheap, same content by construction) or, across file systems or
 * when may_link is false, a copy. Files of the bundled lists are always copied:
 * a data dir must never share an inode with the program's own snapshot. */
static es_code link_or_copy(const char *src, const char *dst, bool may_link, es_err *err)
{
	es_code rc = mkparent(dst, err);
	if (rc != ES_OK)
		return rc;
	unlink(dst);
	if (may_link && link(src, dst) == 0)
		return ES_OK;
	int in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return es_err_set(err, ES_EIO, "%s: cannot open: %s", src, strerror(errno));
	int outfd = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (outfd < 0) {
		rc = es_err_set(err, ES_EIO, "%s: cannot create: %s", dst, strerror(errno));
		close(in);
		return rc;
	}
	char buf[65536];
	for (;;) {
		ssize_t n = read(in, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = es_err_set(err, ES_EIO, "%s: read: %s", src, strerror(errno));
			break;
		}
		if (n == 0)
			break;
		for (ssize_t o = 0; o < n;) {
			ssize_t w = write(outfd, buf + o, (size_t)(n - o));
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				rc = es_err_set(err, ES_EIO, "%s: write: %s", dst, strerror(errno));
				goto done;
			}
			o += w;
		}
	}
done:
	if (rc == ES_OK && fsync(outfd) != 0)
		rc = es_err_set(err, ES_EIO, "%s: fsync: %s", dst, strerror(errno));
	close(in);
	if (close(outfd) != 0 && rc == ES_OK)
		rc = es_err_set(err, ES_EIO, "%s: close: %s", dst, strerror(errno));
	return rc;
}

/* An HTML page where a list was expected: trade.gov and others have served
 * error pages with status 200. Looks only at the start of the (decoded) file. */
static bool looks_like_html(const char *buf, size_t len)
{
	size_t n = len < 2048 ? len : 2048;
	char low[2049];
	for (size_t i = 0; i < n; i++) {
		char ch = buf[i];
		low[i] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : (ch == '\0' ? ' ' : ch);
	}
	low[n] = '\0';
	const char *p = low;
	if ((unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB && (unsigned char)p[2] == 0xBF)
		p += 3;
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	if (strncmp(p, "<!doctype html", 14) == 0 || strncmp(p, "<html", 5) == 0 || strncmp(p, "<head", 5) == 0)
		return true;
	/* XHTML behind an XML declaration */
	return strncmp(p, "<?xml", 5) == 0 && (strstr(p, "<!doctype html") || strstr(p, "<html"));
}

/* The content hash that decides "unchanged", per the catalog's version method. */
static void change_hash(const char *method, const char *buf, size_t len, char out[65])
{
	if (strncmp(method, "sha256-xml-attr:", 16) == 0) {
		const char *name = method + 16;
		size_t nl = strlen(name);
		size_t lim = len < 65536 ? len : 65536;
		/* the attribute sits on the root element, near the top */
		for (size_t i = 1; i + nl + 2 < lim; i++) {
			if ((buf[i - 1] == ' ' || buf[i - 1] == '\t' || buf[i - 1] == '\n' || buf[i - 1] == '\r') &&
			    memcmp(buf + i, name, nl) == 0 && buf[i + nl] == '=' &&
			    (buf[i + nl + 1] == '"' || buf[i + nl + 1] == '\'')) {
				char q = buf[i + nl + 1];
				const char *vstart = buf + i + nl + 2;
				const char *vend = memchr(vstart, q, (size_t)(buf + len - vstart));
				if (!vend)
					break;
				size_t pre = (size_t)(vstart - buf), post = (size_t)(buf + len - vend);
				char *tmp = malloc(pre + post + 1);
				if (!tmp)
					break;
				memcpy(tmp, buf, pre);
				memcpy(tmp + pre, vend, post);
				es_sha256_hex(tmp, pre + post, out);
				free(tmp);
				return;
			}
		}
	} else if (strncmp(method, "sha256-skip-lines:", 18) == 0) {
		long n = strtol(method + 18, NULL, 10);
		size_t off = 0;
		for (long k = 0; k < n && off < len; k++) {
			const char *nlp = memchr(buf + off, '\n', len - off);
			off = nlp ? (size_t)(nlp - buf) + 1 : len;
		}
		es_sha256_hex(buf + off, len - off, out);
		return;
	}
	es_sha256_hex(buf, len, out);
}

static es_code count_entity(void *ctx, es_entity *e, es_err *err)
{
	(void)ctx;
	(void)err;
	es_entity_free(e);
	return ES_OK;
}

/* ------------------------------------------------------------------ the run */

typedef struct {
	const es_fetch_opts *o;
	char *data_dir, *lists_dir;
	es_countries *countries;
	es_catalog *cat;
	/* the set in use before: a fetched one (cur_dir) and/or the bundled one */
	bool have_cur;
	char *cur_dir;
	es_manifest cur;
	json_t *cur_validators;
	es_manifest bund;
	bool have_bund;
	/* the set being built */
	char *new_dir;       /* DATA/sets/<id>.part */
	char new_id[64];
	es_manifest nm;
	json_t *new_validators;
	char now[32];
	time_t now_t;
} run;

typedef struct {
	const es_fetch_opts *o;
	const char *source_id, *role;
} prog_ctx;

static void http_progress(void *ctx, double now, double total)
{
	prog_ctx *pc = ctx;
	if (pc->o->progress)
		pc->o->progress(pc->o->progress_ctx, ES_FETCH_EV_PROGRESS, pc->source_id, pc->role, now, total);
}

static char *dup_opt(const char *s)
{
	return s && *s ? strdup(s) : NULL;
}

/* Deep copy of a manifest source entry (strings duplicated). */
static es_code copy_msource(es_manifest_source *dst, const es_manifest_source *src, es_err *err)
{
	*dst = *src;
	dst->etag = dup_opt(src->etag);
	dst->last_modified = dup_opt(src->last_modified);
	dst->url = dup_opt(src->url);
	for (size_t k = 0; k < src->n_files; k++)
		dst->files[k].path = strdup(src->files[k].path);
	for (size_t k = 0; k < src->n_files; k++)
		if (!dst->files[k].path)
			return es_err_set(err, ES_ENOMEM, "out of memory");
	return ES_OK;
}

/* Adds the held copy of a source (entry + files) from dir to the new set. */
static es_code carry_over(run *r, const es_manifest_source *src, const char *dir, es_err *err)
{
	es_code rc = ES_OK;
	es_manifest_source *d = &r->nm.sources[r->nm.n_sources++];
	memset(d, 0, sizeof *d);
	if ((rc = copy_msource(d, src, err)) != ES_OK)
		return rc;
	for (size_t k = 0; k < src->n_files && rc == ES_OK; k++) {
		char *from = es_path_join(dir, src->files[k].path);
		char *to = es_path_join(r->new_dir, src->files[k].path);
		rc = from && to ? link_or_copy(from, to, dir != r->lists_dir, err)
				: es_err_set(err, ES_ENOMEM, "out of memory");
		free(from);
		free(to);
	}
	/* validators of a carried copy stay valid: they describe the same bytes */
	if (rc == ES_OK && r->cur_validators && dir == r->cur_dir) {
		json_t *v = json_object_get(r->cur_validators, es_source_id(src->source));
		if (v)
			json_object_set(r->new_validators, es_source_id(src->source), v);
	}
	return rc;
}

/* The held copy of a source: the fetched set's, else the bundled one. */
static const es_manifest_source *held(run *r, es_source s, const char **dir)
{
	es_manifest_source *m = r->have_cur ? es_manifest_find(&r->cur, s) : NULL;
	if (m) {
		*dir = r->cur_dir;
		return m;
	}
	m = r->have_bund ? es_manifest_find(&r->bund, s) : NULL;
	*dir = r->lists_dir;
	return m;
}

static const es_manifest_file *mfile(const es_manifest_source *s, const char *role)
{
	for (size_t k = 0; s && k < s->n_files; k++)
		if (strcmp(s->files[k].role, role) == 0)
			return &s->files[k];
	return NULL;
}

typedef struct {
	char *tmp;            /* downloaded file (new_dir/<file>.download) or NULL */
	bool not_modified;    /* 304 */
	bool same;            /* content equal to the held copy */
	char *etag, *last_modified, *url;
} dl_file;

static void dl_free(dl_file *d, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (d[i].tmp) {
			unlink(d[i].tmp);
			free(d[i].tmp);
		}
		free(d[i].etag);
		free(d[i].last_modified);
		free(d[i].url);
	}
}

/* Downloads one file of a source, trying its URLs in order. */
static es_code download(run *r, const es_catalog_source *cs, const es_catalog_file *cf,
			const es_manifest_source *prev, bool held_ok, dl_file *d, es_err *err)
{
	es_code rc = ES_OK;
	const char *sid = es_source_id(cs->source);
	d->tmp = NULL;
	char *final = es_path_join(r->new_dir, cf->file);
	if (!final)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	size_t fl = strlen(final);
	d->tmp = malloc(fl + 10);
	if (!d->tmp) {
		free(final);
		return es_err_set(err, ES_ENOMEM, "out of memory");
	}
	snprintf(d->tmp, fl + 10, "%s.download", final);
	free(final);
	if ((rc = mkparent(d->tmp, err)) != ES_OK)
		return rc;
	int fd = open(d->tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return es_err_set(err, ES_EIO, "%s: cannot create: %s", d->tmp, strerror(errno));

	/* conditional request only when the held copy of this very file came from
	 * a fetch that recorded its validators, and is intact; validators are
	 * keyed by the URL that gave them, so a catalog whose URL changed (or
	 * state without a URL) never sends one URL's ETag to another */
	const char *inm = NULL, *ims = NULL;
	if (!r->o->force && held_ok && prev && mfile(prev, cf->role) && r->cur_validators &&
	    es_manifest_find(&r->cur, cs->source) == prev) {
		json_t *v = json_object_get(json_object_get(r->cur_validators, sid), cf->role);
		const char *vurl = json_string_value(json_object_get(v, "url"));
		if (vurl && strcmp(vurl, cf->urls[0]) == 0) {
			inm = json_string_value(json_object_get(v, "etag"));
			ims = json_string_value(json_object_get(v, "last_modified"));
		}
	}
	prog_ctx pc = {r->o, sid, cf->role};
	es_http_opts ho = r->o->http;
	ho.if_none_match = inm;
	ho.if_modified_since = ims;
	ho.progress = http_progress;
	ho.progress_ctx = &pc;
	if (r->o->progress)
		r->o->progress(r->o->progress_ctx, ES_FETCH_EV_START, sid, cf->role, 0, 0);
	es_http_result res = {0};
	es_err first = {0};
	es_code first_rc = ES_OK;
	size_t used = 0;
	for (size_t u = 0; u < cf->n_urls; u++) {
		es_http_result_free(&res);
		es_err e = {0};
		used = u;
		/* the validators belong to the first URL: a mirror gets a plain request */
		ho.if_none_match = u == 0 ? inm : NULL;
		ho.if_modified_since = u == 0 ? ims : NULL;
		rc = es_http_get(cf->urls[u], &ho, fd, &res, &e);
		if (rc == ES_OK)
			break;
		if (u == 0 || rc == ES_EIO || rc == ES_ENOMEM) {
			first = e;
			first_rc = rc;
		}
		if (rc == ES_EIO || rc == ES_ENOMEM)
			break; /* local trouble: another URL will not help */
	}
	if (r->o->progress)
		r->o->progress(r->o->progress_ctx, ES_FETCH_EV_DONE, sid, cf->role, (double)res.bytes,
			       rc == ES_OK ? (double)res.bytes : 0);
	if (rc != ES_OK) {
		/* the first URL is the official one: its error is the one that matters */
		rc = first_rc;
		es_err_set(err, rc, "%s: %s", cf->role, first.msg);
		close(fd);
		es_http_result_free(&res);
		return rc;
	}
	if (fsync(fd) != 0) {
		rc = es_err_set(err, ES_EIO, "%s: fsync: %s", d->tmp, strerror(errno));
		close(fd);
		es_http_result_free(&res);
		return rc;
	}
	close(fd);
	d->not_modified = res.not_modified;
	if (d->not_modified) {
		/* a 304 carries no new validators in practice; keep the ones we sent */
		d->etag = dup_opt(res.etag ? res.etag : inm);
		d->last_modified = dup_opt(res.last_modified ? res.last_modified : ims);
		free(res.etag);
		free(res.last_modified);
	} else {
		d->etag = res.etag;
		d->last_modified = res.last_modified;
	}
	res.etag = res.last_modified = NULL;
	/* the catalog URL that answered, never the redirect target (pre-signed,
	 * short-lived): the key its validators are stored under */
	d->url = strdup(cf->urls[used]);
	es_http_result_free(&res);
	return ES_OK;
}

/* The validators of one downloaded file as validators.json keeps them,
 * with the URL they came from (download only sends them back to it). */
static json_t *file_validators(const dl_file *d)
{
	json_t *fv = json_object();
	if (d->etag)
		json_object_set_new(fv, "etag", json_string(d->etag));
	if (d->last_modified)
		json_object_set_new(fv, "last_modified", json_string(d->last_modified));
	if (d->url && (d->etag || d->last_modified))
		json_object_set_new(fv, "url", json_string(d->url));
	return fv;
}

static void set_msg(es_fetch_result *fr, const es_err *e)
{
	snprintf(fr->message, sizeof fr->message, "%s", e->msg[0] ? e->msg : es_strerror(e->code));
}

/* Fetches, validates and (when good) installs one source into the new set. */
static es_code fetch_source(run *r, const es_catalog_source *cs, es_fetch_result *fr, es_err *err)
{
	es_code rc = ES_OK;
	const char *sid = es_source_id(cs->source);
	const char *prev_dir = NULL;
	const es_manifest_source *prev = held(r, cs->source, &prev_dir);
	dl_file dl[ES_MANIFEST_MAX_FILES];
	memset(dl, 0, sizeof dl);
	char *bufs_path[ES_MANIFEST_MAX_FILES] = {0};
	es_err e = {0};

	fr->source = cs->source;
	fr->entries_before = prev ? prev->entries : -1;
	fr->entries_after = fr->entries_before;
	snprintf(fr->data_date, sizeof fr->data_date, "%s", prev ? prev->data_date : "");

	/* 0. is the held copy intact? A damaged file must not be confirmed
	 * "unchanged" (by hash or 304) and carried on: the download replaces it */
	bool held_ok[ES_MANIFEST_MAX_FILES] = {false};
	for (size_t k = 0; k < cs->n_files; k++) {
		const es_manifest_file *pf = mfile(prev, cs->files[k].role);
		char *hp = pf ? es_path_join(prev_dir, pf->path) : NULL;
		char actual[65];
		held_ok[k] = hp && es_sha256_file(hp, ES_PARSE_MAX_BYTES, actual, NULL) == ES_OK &&
			     strcmp(actual, pf->sha256) == 0;
		free(hp);
	}

	/* 1. download every file of the source */
	for (size_t k = 0; k < cs->n_files; k++) {
		es_code drc = download(r, cs, &cs->files[k], prev, held_ok[k], &dl[k], &e);
		/* local trouble (memory, disk) ends the whole run; the network only this source */
		if (drc == ES_ENOMEM || drc == ES_EIO) {
			rc = es_err_set(err, drc, "%s: %s", sid, e.msg);
			goto out;
		}
		if (drc != ES_OK) {
			fr->status = ES_FETCH_FAILED;
			set_msg(fr, &e);
			goto keep_old;
		}
		if (dl[k].not_modified && !held_ok[k]) {
			fr->status = ES_FETCH_FAILED;
			snprintf(fr->message, sizeof fr->message, "%s: HTTP 304 for a file we do not hold",
				 cs->files[k].role);
			goto keep_old;
		}
	}

	/* 2. cheap checks and the content comparison */
	bool all_same = true;
	for (size_t k = 0; k < cs->n_files; k++) {
		const es_catalog_file *cf = &cs->files[k];
		if (dl[k].not_modified) {
			dl[k].same = true;
			continue;
		}
		char *buf = NULL;
		size_t len = 0;
		size_t lim = r->o->http.max_decoded ? r->o->http.max_decoded : ES_PARSE_MAX_BYTES;
		if (es_read_file(dl[k].tmp, lim, &buf, &len, &e) != ES_OK) {
			fr->status = ES_FETCH_REJECTED;
			snprintf(fr->message, sizeof fr->message, "%s: %.400s", cf->role, e.msg);
			goto keep_old;
		}
		size_t nonws = 0;
		for (size_t i = 0; i < len && !nonws; i++)
			nonws = !(buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n' || buf[i] == 0x1A);
		if (!nonws) {
			free(buf);
			fr->status = ES_FETCH_REJECTED;
			snprintf(fr->message, sizeof fr->message, "%s: empty download (%zu bytes)", cf->role, len);
			goto keep_old;
		}
		if (looks_like_html(buf, len)) {
			free(buf);
			fr->status = ES_FETCH_REJECTED;
			snprintf(fr->message, sizeof fr->message, "%s: got an HTML page, not %s data", cf->role,
				 cs->format);
			goto keep_old;
		}
		const es_manifest_file *pf = mfile(prev, cf->role);
		if (pf && held_ok[k] && !r->o->force) {
			char hnew[65], hold[65];
			change_hash(cf->version, buf, len, hnew);
			if (strcmp(cf->version, "sha256") == 0) {
				snprintf(hold, sizeof hold, "%s", pf->sha256);
			} else {
				char *ob = NULL;
				size_t ol = 0;
				char *op = es_path_join(prev_dir, pf->path);
				if (op && es_read_file(op, lim, &ob, &ol, NULL) == ES_OK)
					change_hash(cf->version, ob, ol, hold);
				else
					hold[0] = '\0';
				free(ob);
				free(op);
			}
			dl[k].same = strcmp(hnew, hold) == 0;
		}
		free(buf);
		all_same &= dl[k].same;
	}
	/* the held copy must not have more roles than the catalog names now */
	if (prev && prev->n_files != cs->n_files)
		all_same = false;

	if (all_same && prev) {
		/* 3a. confirmed unchanged: keep the held files, refresh fetched_at */
		if ((rc = carry_over(r, prev, prev_dir, err)) != ES_OK)
			goto out;
		es_manifest_source *d = &r->nm.sources[r->nm.n_sources - 1];
		snprintf(d->fetched_at, sizeof d->fetched_at, "%s", r->now);
		json_t *v = json_object();
		for (size_t k = 0; k < cs->n_files; k++)
			json_object_set_new(v, cs->files[k].role, file_validators(&dl[k]));
		json_object_set_new(r->new_validators, sid, v);
		fr->status = ES_FETCH_UNCHANGED;
		goto out;
	}

	/* 3b. changed: parse the whole new copy (unchanged companions from the held set) */
	for (size_t k = 0; k < cs->n_files; k++) {
		const es_manifest_file *pf = mfile(prev, cs->files[k].role);
		if (dl[k].not_modified)
			bufs_path[k] = es_path_join(prev_dir, pf->path);
		else
			bufs_path[k] = strdup(dl[k].tmp);
		if (!bufs_path[k]) {
			rc = es_err_set(err, ES_ENOMEM, "out of memory");
			goto out;
		}
	}
	const es_parser *p = es_parser_find(cs->format);
	es_parse_input in = {
		.source = cs->source,
		.countries = r->countries,
		.lists_dir = r->lists_dir,
		.max_bytes = r->o->http.max_decoded,
		.on_entity = count_entity,
	};
	char display[300] = "";
	for (size_t k = 0; k < cs->n_files; k++) {
		const char *role = cs->files[k].role;
		if (strcmp(role, "main") == 0) {
			in.path = bufs_path[k];
			const char *b = strrchr(cs->files[k].file, '/');
			snprintf(display, sizeof display, "%s", b ? b + 1 : cs->files[k].file);
		} else if (strcmp(role, "add") == 0) {
			in.add_path = bufs_path[k];
		} else if (strcmp(role, "alt") == 0) {
			in.alt_path = bufs_path[k];
		} else if (strcmp(role, "comments") == 0) {
			in.comments_path = bufs_path[k];
		}
	}
	in.display_name = display;
	es_parse_stats st;
	memset(&st, 0, sizeof st);
	st.declared_count = -1;
	es_code prc = p->parse(&in, &st, &e);
	if (prc == ES_ENOMEM) {
		rc = es_err_set(err, prc, "%s: %s", sid, e.msg);
		goto out;
	}
	if (prc != ES_OK) {
		fr->status = ES_FETCH_REJECTED;
		snprintf(fr->message, sizeof fr->message, "does not parse as %s: %.400s", cs->format,
			 e.msg[0] ? e.msg : es_strerror(prc));
		goto keep_old;
	}
	if (st.entries == 0) {
		fr->status = ES_FETCH_REJECTED;
		snprintf(fr->message, sizeof fr->message, "no entries in the new copy (%zu skipped as bad)", st.bad);
		goto keep_old;
	}
	if (st.declared_count >= 0 && (size_t)st.declared_count != st.entries) {
		fr->status = ES_FETCH_REJECTED;
		snprintf(fr->message, sizeof fr->message, "file declares %ld entries but holds %zu",
			 st.declared_count, st.entries);
		goto keep_old;
	}
	double max_shrink = r->o->max_shrink >= 0 ? r->o->max_shrink : ES_FETCH_DEFAULT_MAX_SHRINK;
	if (prev && prev->entries > 0 && (double)st.entries < (double)prev->entries * (1.0 - max_shrink)) {
		fr->status = ES_FETCH_REJECTED;
		long lost = prev->entries - (long)st.entries;
		snprintf(fr->message, sizeof fr->message,
			 "would lose %ld of %ld entries (%.1f%%), more than the allowed %.1f%% (--max-shrink)", lost,
			 prev->entries, 100.0 * (double)lost / (double)prev->entries, 100.0 * max_shrink);
		goto keep_old;
	}

	/* 4. install: rename the downloads into place, link unchanged companions */
	es_manifest_source *d = &r->nm.sources[r->nm.n_sources++];
	memset(d, 0, sizeof *d);
	d->source = cs->source;
	snprintf(d->format, sizeof d->format, "%s", cs->format);
	snprintf(d->fetched_at, sizeof d->fetched_at, "%s", r->now);
	d->entries = (long)st.entries;
	json_t *v = json_object();
	json_object_set_new(r->new_validators, sid, v);
	for (size_t k = 0; k < cs->n_files; k++) {
		const es_catalog_file *cf = &cs->files[k];
		es_manifest_file *mf = &d->files[d->n_files++];
		snprintf(mf->role, sizeof mf->role, "%s", cf->role);
		if (dl[k].not_modified) {
			const es_manifest_file *pf = mfile(prev, cf->role);
			mf->path = strdup(pf->path);
			memcpy(mf->sha256, pf->sha256, 65);
			char *to = es_path_join(r->new_dir, pf->path);
			rc = mf->path && to ? link_or_copy(bufs_path[k], to, prev_dir != r->lists_dir, err)
					    : es_err_set(err, ES_ENOMEM, "out of memory");
			free(to);
		} else {
			mf->path = strdup(cf->file);
			char *to = es_path_join(r->new_dir, cf->file);
			rc = mf->path && to ? es_sha256_file(dl[k].tmp, ES_PARSE_MAX_BYTES, mf->sha256, err)
					    : es_err_set(err, ES_ENOMEM, "out of memory");
			if (rc == ES_OK && rename(dl[k].tmp, to) != 0)
				rc = es_err_set(err, ES_EIO, "%s: rename: %s", to, strerror(errno));
			free(to);
			if (rc == ES_OK) {
				free(dl[k].tmp);
				dl[k].tmp = NULL;
			}
		}
		if (rc != ES_OK)
			goto out;
		json_object_set_new(v, cf->role, file_validators(&dl[k]));
		if (strcmp(cf->role, "main") == 0) {
			d->etag = dup_opt(dl[k].etag);
			d->last_modified = dup_opt(dl[k].last_modified);
			d->url = dup_opt(cf->urls[0]);
			if (st.data_date[0])
				snprintf(d->data_date, sizeof d->data_date, "%s", st.data_date);
			else
				http_date_to_day(dl[k].last_modified, d->data_date);
		}
	}
	fr->status = ES_FETCH_UPDATED;
	fr->entries_after = d->entries;
	snprintf(fr->data_date, sizeof fr->data_date, "%s", d->data_date);
	goto out;

keep_old:
	if (prev)
		rc = carry_over(r, prev, prev_dir, err);
out:
	dl_free(dl, cs->n_files);
	for (size_t k = 0; k < ES_MANIFEST_MAX_FILES; k++)
		free(bufs_path[k]);
	return rc;
}

static bool selected(const es_fetch_opts *o, es_source s)
{
	if (!o->only || o->n_only == 0)
		return true;
	for (size_t i = 0; i < o->n_only; i++)
		if (o->only[i] == s)
			return true;
	return false;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Removes leftovers of interrupted fetches (*.part) and all but the newest
 * KEEP_OLD_SETS sets besides the one in use. Runs under the lock. */
static void remove_old_sets(const char *sets_dir, const char *keep_id)
{
	DIR *d = opendir(sets_dir);
	if (!d)
		return;
	char *names[1024];
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d)) && n < 1024) {
		if (de->d_name[0] == '.')
			continue;
		size_t l = strlen(de->d_name);
		if (l > 5 && strcmp(de->d_name + l - 5, ".part") == 0) {
			char *p = es_path_join(sets_dir, de->d_name);
			if (p)
				rm_tree(p);
			free(p);
			continue;
		}
		if (strcmp(de->d_name, keep_id) == 0)
			continue;
		names[n] = strdup(de->d_name);
		if (names[n])
			n++;
	}
	closedir(d);
	qsort(names, n, sizeof *names, cmp_str);
	for (size_t i = 0; i < n; i++) {
		if (i + KEEP_OLD_SETS < n) {
			char *p = es_path_join(sets_dir, names[i]);
			if (p)
				rm_tree(p);
			free(p);
		}
		free(names[i]);
	}
}

static es_code save_validators(json_t *v, const char *dir, es_err *err)
{
	char *text = json_dumps(v, JSON_INDENT(2) | JSON_SORT_KEYS);
	char *p = es_path_join(dir, VALIDATORS_FILE);
	es_code rc = text && p ? es_write_atomic(p, text, strlen(text), err) : es_err_set(err, ES_ENOMEM, "out of memory");
	free(text);
	free(p);
	return rc;
}

/* Points DATA/current at sets/<id> with one rename of a fresh symlink. */
static es_code swap_current(run *r, const char *id, es_err *err)
{
	es_code rc = ES_OK;
	char target[128], tmpname[160];
	snprintf(target, sizeof target, "sets/%s", id);
	snprintf(tmpname, sizeof tmpname, "current.tmp-%ld", (long)getpid());
	char *tmp = es_path_join(r->data_dir, tmpname);
	char *cur = es_path_join(r->data_dir, "current");
	if (!tmp || !cur) {
		rc = es_err_set(err, ES_ENOMEM, "out of memory");
		goto out;
	}
	unlink(tmp);
	if (symlink(target, tmp) != 0) {
		rc = es_err_set(err, ES_EIO, "%s: cannot create symlink: %s", tmp, strerror(errno));
		goto out;
	}
	if (rename(tmp, cur) != 0) {
		rc = es_err_set(err, ES_EIO, "%s: cannot replace: %s", cur, strerror(errno));
		unlink(tmp);
		goto out;
	}
	rc = fsync_path(r->data_dir, err);
out:
	free(tmp);
	free(cur);
	return rc;
}

static void run_free(run *r)
{
	es_countries_free(r->countries);
	es_catalog_free(r->cat);
	if (r->have_cur)
		es_manifest_free(&r->cur);
	if (r->have_bund)
		es_manifest_free(&r->bund);
	es_manifest_free(&r->nm);
	json_decref(r->cur_validators);
	json_decref(r->new_validators);
	free(r->cur_dir);
	free(r->new_dir);
	free(r->data_dir);
	free(r->lists_dir);
}

static es_code load_current(run *r)
{
	char *cur = es_path_join(r->data_dir, "current");
	char resolved[PATH_MAX];
	struct stat st;
	if (cur && lstat(cur, &st) == 0 && realpath(cur, resolved)) {
		char *mp = es_path_join(resolved, "manifest.json");
		if (mp && es_manifest_load(&r->cur, mp, NULL) == ES_OK) {
			r->have_cur = true;
			r->cur_dir = strdup(resolved);
			char *vp = es_path_join(resolved, VALIDATORS_FILE);
			char *vb = NULL;
			size_t vl;
			if (vp && es_read_file(vp, 1 << 20, &vb, &vl, NULL) == ES_OK)
				r->cur_validators = json_loadb(vb, vl, 0, NULL);
			if (r->cur_validators && !json_is_object(r->cur_validators)) {
				json_decref(r->cur_validators);
				r->cur_validators = NULL;
			}
			free(vb);
			free(vp);
		}
		free(mp);
	}
	free(cur);
	return r->have_cur && !r->cur_dir ? ES_ENOMEM : ES_OK;
}

es_code es_fetch_run(const es_fetch_opts *o, es_fetch_report *rep, es_err *err)
{
	es_code rc = ES_OK;
	run r;
	memset(&r, 0, sizeof r);
	memset(rep, 0, sizeof *rep);
	int lock_fd = -1;
	char *sets_dir = NULL, *lock_path = NULL, *final_dir = NULL;
	r.o = o;
	if (!o->data_dir || !o->lists_dir)
		return es_err_set(err, ES_EUSAGE, "fetch needs a data directory and a lists directory");
	r.data_dir = strdup(o->data_dir);
	r.lists_dir = strdup(o->lists_dir);
	char *cat_path = o->catalog_path ? strdup(o->catalog_path) : es_path_join(o->lists_dir, "sources.tsv");
	char *cpath = es_path_join(o->lists_dir, "countries.tsv");
	sets_dir = es_path_join(o->data_dir, "sets");
	lock_path = es_path_join(o->data_dir, "fetch.lock");
	if (!r.data_dir || !r.lists_dir || !cat_path || !cpath || !sets_dir || !lock_path) {
		rc = es_err_set(err, ES_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = es_catalog_load(&r.cat, cat_path, err)) != ES_OK)
		goto out;
	for (size_t i = 0; i < o->n_only; i++)
		if (!es_catalog_find(r.cat, o->only[i])) {
			rc = es_err_set(err, ES_EUSAGE, "source '%s' is not in the catalog %s", es_source_id(o->only[i]),
					cat_path);
			goto out;
		}
	if ((rc = es_countries_load(&r.countries, cpath, err)) != ES_OK)
		goto out;

	/* the lock comes before anything in the data dir is looked at or written */
	if ((rc = es_mkdirs(sets_dir, err)) != ES_OK)
		goto out;
	lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (lock_fd < 0) {
		rc = es_err_set(err, ES_EIO, "%s: cannot open: %s", lock_path, strerror(errno));
		goto out;
	}
	if (flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
		rc = errno == EWOULDBLOCK
			     ? es_err_set(err, ES_ELOCKED, "another fetch is running (%s is locked)", lock_path)
			     : es_err_set(err, ES_EIO, "%s: cannot lock: %s", lock_path, strerror(errno));
		goto out;
	}

	r.now_t = time(NULL);
	iso_now(r.now, r.now_t);
	if (load_current(&r) != ES_OK) {
		rc = es_err_set(err, ES_ENOMEM, "out of memory");
		goto out;
	}
	{
		char *bp = es_path_join(r.lists_dir, "manifest.json");
		es_err be = {0};
		r.have_bund = bp && es_manifest_load(&r.bund, bp, &be) == ES_OK;
		free(bp);
	}
	es_manifest_set_hash(r.have_cur ? &r.cur : &r.bund, rep->version_before);
	r.new_validators = json_object();

	/* the new set: sets/<UTC time>-<pid>.part, renamed when complete */
	{
		/* names sort in creation order (remove_old_sets relies on it): UTC time to the
		 * nanosecond, then pid and a counter only to make them unique */
		struct timespec now_ts;
		clock_gettime(CLOCK_REALTIME, &now_ts);
		struct tm tm;
		gmtime_r(&now_ts.tv_sec, &tm);
		char ts[32];
		strftime(ts, sizeof ts, "%Y%m%dT%H%M%S", &tm);
		for (int n = 0; n < 1000; n++) {
			snprintf(r.new_id, sizeof r.new_id, "%s.%09ldZ-%ld-%d", ts, (long)now_ts.tv_nsec, (long)getpid(), n);
			char part[96];
			snprintf(part, sizeof part, "%s.part", r.new_id);
			free(r.new_dir);
			r.new_dir = es_path_join(sets_dir, part);
			free(final_dir);
			final_dir = es_path_join(sets_dir, r.new_id);
			if (!r.new_dir || !final_dir) {
				rc = es_err_set(err, ES_ENOMEM, "out of memory");
				goto out;
			}
			struct stat st;
			if (stat(final_dir, &st) == 0)
				continue;
			rm_tree(r.new_dir);
			if (mkdir(r.new_dir, 0755) == 0)
				break;
			if (errno != EEXIST) {
				rc = es_err_set(err, ES_EIO, "%s: cannot create: %s", r.new_dir, strerror(errno));
				goto out;
			}
		}
	}
	snprintf(r.nm.set, sizeof r.nm.set, "fetched");

	/* fetch the chosen sources in catalog order */
	bool any_updated = false, any_unchanged = false;
	for (size_t i = 0; i < es_catalog_count(r.cat); i++) {
		const es_catalog_source *cs = es_catalog_get(r.cat, i);
		if (!selected(o, cs->source))
			continue;
		es_fetch_result *fr = &rep->results[rep->n_results++];
		memset(fr, 0, sizeof *fr);
		if ((rc = fetch_source(&r, cs, fr, err)) != ES_OK)
			goto out;
		any_updated |= fr->status == ES_FETCH_UPDATED;
		any_unchanged |= fr->status == ES_FETCH_UNCHANGED;
	}
	/* everything else the set in use held is carried over unchanged */
	{
		es_manifest *base = r.have_cur ? &r.cur : r.have_bund ? &r.bund : NULL;
		const char *bdir = r.have_cur ? r.cur_dir : r.lists_dir;
		for (size_t i = 0; base && i < base->n_sources; i++)
			if (!es_manifest_find(&r.nm, base->sources[i].source))
				if ((rc = carry_over(&r, &base->sources[i], bdir, err)) != ES_OK)
					goto out;
	}

	/* a source confirmed against the bundled copy must enter a new set */
	bool unchanged_in_cur = true;
	for (size_t i = 0; i < rep->n_results; i++)
		if (rep->results[i].status == ES_FETCH_UNCHANGED && r.have_cur &&
		    !es_manifest_find(&r.cur, rep->results[i].source))
			unchanged_in_cur = false;
	if (!any_updated && r.have_cur && unchanged_in_cur) {
		/* nothing new: only the confirmation times change, in place */
		for (size_t i = 0; i < rep->n_results; i++) {
			if (rep->results[i].status != ES_FETCH_UNCHANGED)
				continue;
			es_manifest_source *s = es_manifest_find(&r.cur, rep->results[i].source);
			if (s)
				snprintf(s->fetched_at, sizeof s->fetched_at, "%s", r.now);
			json_t *v = json_object_get(r.new_validators, es_source_id(rep->results[i].source));
			if (v) {
				if (!r.cur_validators)
					r.cur_validators = json_object();
				json_object_set(r.cur_validators, es_source_id(rep->results[i].source), v);
			}
		}
		if (any_unchanged) {
			char *mp = es_path_join(r.cur_dir, "manifest.json");
			rc = mp ? es_manifest_save(&r.cur, mp, err) : es_err_set(err, ES_ENOMEM, "out of memory");
			free(mp);
			if (rc == ES_OK && r.cur_validators)
				rc = save_validators(r.cur_validators, r.cur_dir, err);
			if (rc != ES_OK)
				goto out;
		}
		rm_tree(r.new_dir);
		memcpy(rep->version_after, rep->version_before, 65);
		snprintf(rep->set_dir, sizeof rep->set_dir, "%s", r.cur_dir);
		goto out;
	}
	if (!any_updated && !any_unchanged) {
		/* every download failed against the bundled set: nothing to record */
		rm_tree(r.new_dir);
		memcpy(rep->version_after, rep->version_before, 65);
		snprintf(rep->set_dir, sizeof rep->set_dir, "%s", r.lists_dir);
		goto out;
	}

	/* write the new set, build its index, and swap it in */
	{
		char *mp = es_path_join(r.new_dir, "manifest.json");
		rc = mp ? es_manifest_save(&r.nm, mp, err) : es_err_set(err, ES_ENOMEM, "out of memory");
		free(mp);
		if (rc == ES_OK)
			rc = save_validators(r.new_validators, r.new_dir, err);
		if (rc != ES_OK)
			goto out;
	}
	if (rename(r.new_dir, final_dir) != 0) {
		rc = es_err_set(err, ES_EIO, "%s: cannot rename: %s", r.new_dir, strerror(errno));
		goto out;
	}
	free(r.new_dir);
	r.new_dir = final_dir;
	final_dir = NULL;
	{
		es_listset *ls = NULL;
		es_err ie = {0};
		es_code irc = es_listset_open_dir(&ls, r.new_dir, r.data_dir, r.lists_dir, &ie);
		if (irc == ES_OK)
			irc = es_match_build_index(ls, r.countries, r.lists_dir, &ie);
		es_listset_free(ls);
		if (irc == ES_ENOTIMPL) {
			snprintf(rep->index_note, sizeof rep->index_note, "no index built (matcher not available yet)");
		} else if (irc != ES_OK) {
			rc = es_err_set(err, irc, "index build failed, old lists kept: %s", ie.msg);
			goto out;
		}
	}
	if ((rc = fsync_path(r.new_dir, err)) != ES_OK || (rc = fsync_path(sets_dir, err)) != ES_OK)
		goto out;
	if ((rc = swap_current(&r, r.new_id, err)) != ES_OK)
		goto out;
	rep->swapped = true;
	es_manifest_set_hash(&r.nm, rep->version_after);
	snprintf(rep->set_dir, sizeof rep->set_dir, "%s", r.new_dir);
	free(r.new_dir);
	r.new_dir = NULL; /* now in use: not to be removed below */
	remove_old_sets(sets_dir, r.new_id);

out:
	if (rc != ES_OK && r.new_dir)
		rm_tree(r.new_dir);
	if (lock_fd >= 0)
		close(lock_fd); /* releases the flock */
	run_free(&r);
	free(final_dir);
	free(cat_path);
	free(cpath);
	free(sets_dir);
	free(lock_path);
	return rc;
}
