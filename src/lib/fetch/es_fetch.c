/* nftw() is an XSI interface */
#define _XOPEN_SOURCE 700

#include "es_fetch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "es_curl.h"
#include <jansson.h>

#include "es_buf.h"
#include "es_country.h"
#include "es_date.h"
#include "es_io.h"
#include "es_listset.h"
#include "es_match.h"
#include "es_parser.h"
#include "es_text.h"

#define CATALOG_MAX_BYTES (1 << 20)
#define CATALOG_MAX_LINE 8192
#define VALIDATORS_FILE "validators.json"
#define KEEP_OLD_SETS 2

/* a download the fetcher accepts after decoding must be one the parsers read */
_Static_assert(ES_HTTP_DEFAULT_MAX_DECODED == ES_PARSE_MAX_BYTES,
	       "the decoded-size limit of a download and the parsers' file limit differ");

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

/* One catalog line: "source format role file version urls", checked and
 * added to c. */
static es_code catalog_line(es_catalog *c, char *line, const char *path, long lineno, es_err *err)
{
	char *col[6];
	if (es_text_split_tabs(line, col, 6) != 6 || strchr(col[5], '\t'))
		return es_err_set(err, ES_EFORMAT, "%s:%ld: expected 6 tab-separated columns "
				"(source format role file version urls)", path, lineno);
	es_source sid;
	if (es_source_from_id(col[0], &sid) != 0)
		return es_err_set(err, ES_EFORMAT, "%s:%ld: unknown source id '%.64s'", path, lineno, col[0]);
	if (!es_parser_find(col[1]) || strlen(col[1]) >= 16)
		return es_err_set(err, ES_EFORMAT, "%s:%ld: unknown format '%.64s'", path, lineno, col[1]);
	bool role_ok = false;
	for (int r = 0; ROLES[r]; r++)
		role_ok |= strcmp(ROLES[r], col[2]) == 0;
	if (!role_ok)
		return es_err_set(err, ES_EFORMAT, "%s:%ld: unknown role '%.64s' (main, add, alt, comments)", path,
				lineno, col[2]);
	if (!rel_path_valid(col[3]))
		return es_err_set(err, ES_EFORMAT, "%s:%ld: bad file path '%.64s' (relative, no '..')", path, lineno,
				col[3]);
	if (!version_valid(col[4]))
		return es_err_set(err, ES_EFORMAT, "%s:%ld: unknown version method '%.64s'", path, lineno, col[4]);
	es_catalog_source *s = (es_catalog_source *)es_catalog_find(c, sid);
	if (!s) {
		s = &c->sources[c->n++];
		s->source = sid;
		snprintf(s->format, sizeof s->format, "%s", col[1]);
	} else if (strcmp(s->format, col[1]) != 0) {
		return es_err_set(err, ES_EFORMAT, "%s:%ld: source %s has two formats", path, lineno, col[0]);
	}
	for (size_t k = 0; k < s->n_files; k++)
		if (strcmp(s->files[k].role, col[2]) == 0 || strcmp(s->files[k].file, col[3]) == 0)
			return es_err_set(err, ES_EFORMAT, "%s:%ld: source %s lists role or file twice", path,
					lineno, col[0]);
	if (s->n_files == ES_MANIFEST_MAX_FILES)
		return es_err_set(err, ES_EFORMAT, "%s:%ld: too many files for %s", path, lineno, col[0]);
	es_catalog_file *f = &s->files[s->n_files++];
	snprintf(f->role, sizeof f->role, "%s", col[2]);
	f->file = strdup(col[3]);
	f->version = strdup(col[4]);
	if (!f->file || !f->version)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	char *tok, *sp = NULL;
	for (tok = strtok_r(col[5], " ", &sp); tok; tok = strtok_r(NULL, " ", &sp)) {
		if (f->n_urls == ES_CATALOG_MAX_URLS)
			return es_err_set(err, ES_EFORMAT, "%s:%ld: more than %d URLs", path, lineno,
					ES_CATALOG_MAX_URLS);
		es_err ue = {0};
		if (es_http_check_url(tok, &ue) != ES_OK)
			return es_err_set(err, ES_EFORMAT, "%s:%ld: %s", path, lineno, ue.msg);
		if (!(f->urls[f->n_urls++] = strdup(tok)))
			return es_err_set(err, ES_ENOMEM, "out of memory");
	}
	if (f->n_urls == 0)
		return es_err_set(err, ES_EFORMAT, "%s:%ld: no URL", path, lineno);
	return ES_OK;
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
	long lineno = 0;
	char *cursor = buf;
	for (char *line; (line = es_text_data_line(&cursor, &lineno));) {
		if (strlen(line) > CATALOG_MAX_LINE) {
			rc = es_err_set(err, ES_EFORMAT, "%s:%ld: line longer than %d bytes", path, lineno,
					CATALOG_MAX_LINE);
			goto fail;
		}
		const char *p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '#')
			continue; /* blank but for spaces, or an indented comment */
		if ((rc = catalog_line(c, line, path, lineno, err)) != ES_OK)
			goto fail;
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
	/* the set in use before: a fetched one (cur_dir), or the bundled one but
	 * only for a data dir that never held a fetched set */
	bool has_fetched;    /* the data dir has held a fetched set */
	bool have_cur;
	char *cur_dir;
	es_manifest cur;
	json_t *cur_validators;
	es_manifest bund;
	bool have_bund;
	char *cat_path, *sets_dir;
	int lock_fd;         /* holds the flock; -1 until taken */
	/* the set being built */
	char *new_dir;       /* DATA/sets/<id>.part, then DATA/sets/<id> */
	char *final_dir;     /* DATA/sets/<id> */
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

/* The held copy of a source: the fetched set's, else the bundled one (which
 * is loaded only for a data dir that never held a fetched set: the copies of
 * a vanished or damaged set are never replaced by the older bundled ones). */
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

/* ------------------------------------------------ one source, step by step */

/* What one source's fetch knows as it goes through its steps. */
typedef struct {
	const es_catalog_source *cs;
	const char *sid;
	es_fetch_result *fr;
	const es_manifest_source *prev; /* the held copy, or NULL */
	const char *prev_dir;
	bool prev_intact;               /* every held file matches its manifest sha256 */
	bool held_ok[ES_MANIFEST_MAX_FILES]; /* per catalog file: held and intact */
	dl_file dl[ES_MANIFEST_MAX_FILES];
	bool all_same;                  /* every file confirmed equal to the held copy */
	bool keep_old;                  /* failed or rejected: the held copy stays */
	char *paths[ES_MANIFEST_MAX_FILES]; /* the copy to validate, per catalog file */
	es_parse_stats st;              /* of the validated new copy */
} src_job;

static void job_free(src_job *j)
{
	dl_free(j->dl, j->cs->n_files);
	for (size_t k = 0; k < ES_MANIFEST_MAX_FILES; k++)
		free(j->paths[k]);
}

/* Ends the source's fetch as failed or rejected, with a message. */
static void job_reject(src_job *j, es_fetch_status status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void job_reject(src_job *j, es_fetch_status status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(j->fr->message, sizeof j->fr->message, fmt, ap);
	va_end(ap);
	j->fr->status = status;
	j->keep_old = true;
}

/* Step 0: is the held copy intact? A damaged file must not be confirmed
 * "unchanged" (by hash or 304) and carried on: the download replaces it. */
static void check_held(src_job *j)
{
	const es_manifest_source *prev = j->prev;
	bool file_ok[ES_MANIFEST_MAX_FILES] = {false};
	j->prev_intact = prev != NULL;
	for (size_t i = 0; prev && i < prev->n_files; i++) {
		char *hp = es_path_join(j->prev_dir, prev->files[i].path);
		char actual[65];
		file_ok[i] = hp && es_sha256_file(hp, ES_PARSE_MAX_BYTES, actual, NULL) == ES_OK &&
			     strcmp(actual, prev->files[i].sha256) == 0;
		j->prev_intact &= file_ok[i];
		free(hp);
	}
	for (size_t k = 0; k < j->cs->n_files; k++) {
		const es_manifest_file *pf = mfile(prev, j->cs->files[k].role);
		j->held_ok[k] = pf && file_ok[pf - prev->files];
	}
}

/* Step 1: download every file of the source. */
static es_code download_all(run *r, src_job *j, es_err *err)
{
	for (size_t k = 0; k < j->cs->n_files; k++) {
		es_err e = {0};
		es_code drc = download(r, j->cs, &j->cs->files[k], j->prev, j->held_ok[k], &j->dl[k], &e);
		/* local trouble (memory, disk) ends the whole run; the network only this source */
		if (drc == ES_ENOMEM || drc == ES_EIO)
			return es_err_set(err, drc, "%s: %s", j->sid, e.msg);
		if (drc != ES_OK) {
			job_reject(j, ES_FETCH_FAILED, "%s", e.msg[0] ? e.msg : es_strerror(e.code));
			return ES_OK;
		}
		if (j->dl[k].not_modified && !j->held_ok[k]) {
			job_reject(j, ES_FETCH_FAILED, "%s: HTTP 304 for a file we do not hold", j->cs->files[k].role);
			return ES_OK;
		}
	}
	return ES_OK;
}

/* Does the download equal the held file, by the catalog's version method? */
static bool same_as_held(run *r, const src_job *j, size_t k, const char *buf, size_t len, size_t lim)
{
	const es_catalog_file *cf = &j->cs->files[k];
	const es_manifest_file *pf = mfile(j->prev, cf->role);
	if (!pf || !j->held_ok[k] || r->o->force)
		return false;
	char hnew[65], hold[65];
	change_hash(cf->version, buf, len, hnew);
	if (strcmp(cf->version, "sha256") == 0) {
		snprintf(hold, sizeof hold, "%s", pf->sha256);
	} else {
		char *ob = NULL;
		size_t ol = 0;
		char *op = es_path_join(j->prev_dir, pf->path);
		if (op && es_read_file(op, lim, &ob, &ol, NULL) == ES_OK)
			change_hash(cf->version, ob, ol, hold);
		else
			hold[0] = '\0';
		free(ob);
		free(op);
	}
	return strcmp(hnew, hold) == 0;
}

/* Step 2: cheap checks (not empty, not HTML) and the content comparison. */
static void check_downloads(run *r, src_job *j)
{
	j->all_same = true;
	for (size_t k = 0; k < j->cs->n_files; k++) {
		const es_catalog_file *cf = &j->cs->files[k];
		if (j->dl[k].not_modified) {
			j->dl[k].same = true;
			continue;
		}
		char *buf = NULL;
		size_t len = 0;
		es_err e = {0};
		size_t lim = r->o->http.max_decoded ? r->o->http.max_decoded : ES_PARSE_MAX_BYTES;
		if (es_read_file(j->dl[k].tmp, lim, &buf, &len, &e) != ES_OK) {
			job_reject(j, ES_FETCH_REJECTED, "%s: %.400s", cf->role, e.msg);
			return;
		}
		size_t nonws = 0;
		for (size_t i = 0; i < len && !nonws; i++)
			nonws = !(buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n' || buf[i] == 0x1A);
		if (!nonws)
			job_reject(j, ES_FETCH_REJECTED, "%s: empty download (%zu bytes)", cf->role, len);
		else if (looks_like_html(buf, len))
			job_reject(j, ES_FETCH_REJECTED, "%s: got an HTML page, not %s data", cf->role, j->cs->format);
		else
			j->dl[k].same = same_as_held(r, j, k, buf, len, lim);
		free(buf);
		if (j->keep_old)
			return;
		j->all_same &= j->dl[k].same;
	}
	/* the held copy must not have more roles than the catalog names now */
	if (!j->prev || j->prev->n_files != j->cs->n_files)
		j->all_same = false;
}

/* The validators of each downloaded file, as validators.json keeps them. */
static json_t *job_validators(const src_job *j)
{
	json_t *v = json_object();
	for (size_t k = 0; k < j->cs->n_files; k++)
		json_object_set_new(v, j->cs->files[k].role, file_validators(&j->dl[k]));
	return v;
}

/* Step 3a: confirmed unchanged: keep the held files, refresh fetched_at. */
static es_code confirm_unchanged(run *r, src_job *j, es_err *err)
{
	es_code rc = carry_over(r, j->prev, j->prev_dir, err);
	if (rc != ES_OK)
		return rc;
	es_manifest_source *d = &r->nm.sources[r->nm.n_sources - 1];
	snprintf(d->fetched_at, sizeof d->fetched_at, "%s", r->now);
	json_object_set_new(r->new_validators, j->sid, job_validators(j));
	j->fr->status = ES_FETCH_UNCHANGED;
	return ES_OK;
}

/* Step 3b: parse the whole new copy with the parser the tool uses (unchanged
 * companions from the held set) and check what came out. */
static es_code validate_new(run *r, src_job *j, es_err *err)
{
	const es_catalog_source *cs = j->cs;
	for (size_t k = 0; k < cs->n_files; k++) {
		const es_manifest_file *pf = mfile(j->prev, cs->files[k].role);
		j->paths[k] = j->dl[k].not_modified ? es_path_join(j->prev_dir, pf->path) : strdup(j->dl[k].tmp);
		if (!j->paths[k])
			return es_err_set(err, ES_ENOMEM, "out of memory");
	}
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
			in.path = j->paths[k];
			const char *b = strrchr(cs->files[k].file, '/');
			snprintf(display, sizeof display, "%s", b ? b + 1 : cs->files[k].file);
		} else if (strcmp(role, "add") == 0) {
			in.add_path = j->paths[k];
		} else if (strcmp(role, "alt") == 0) {
			in.alt_path = j->paths[k];
		} else if (strcmp(role, "comments") == 0) {
			in.comments_path = j->paths[k];
		}
	}
	in.display_name = display;
	es_parse_stats *st = &j->st;
	memset(st, 0, sizeof *st);
	st->declared_count = -1;
	es_err e = {0};
	es_code prc = es_parser_find(cs->format)->parse(&in, st, &e);
	if (prc == ES_ENOMEM)
		return es_err_set(err, prc, "%s: %s", j->sid, e.msg);
	if (prc != ES_OK) {
		job_reject(j, ES_FETCH_REJECTED, "does not parse as %s: %.400s", cs->format,
			   e.msg[0] ? e.msg : es_strerror(prc));
		return ES_OK;
	}
	if (st->entries == 0) {
		job_reject(j, ES_FETCH_REJECTED, "no entries in the new copy (%zu skipped as bad)", st->bad);
		return ES_OK;
	}
	if (st->declared_count >= 0 && (size_t)st->declared_count != st->entries) {
		job_reject(j, ES_FETCH_REJECTED, "file declares %ld entries but holds %zu", st->declared_count,
			   st->entries);
		return ES_OK;
	}
	double max_shrink = r->o->max_shrink >= 0 ? r->o->max_shrink : ES_FETCH_DEFAULT_MAX_SHRINK;
	const es_manifest_source *prev = j->prev;
	if (prev && prev->entries > 0 && (double)st->entries < (double)prev->entries * (1.0 - max_shrink)) {
		long lost = prev->entries - (long)st->entries;
		job_reject(j, ES_FETCH_REJECTED,
			   "would lose %ld of %ld entries (%.1f%%), more than the allowed %.1f%% (--max-shrink)", lost,
			   prev->entries, 100.0 * (double)lost / (double)prev->entries, 100.0 * max_shrink);
	}
	return ES_OK;
}

/* The data date of an accepted copy: the file's own (when it is a real
 * date), else the day of the HTTP Last-Modified, else "". */
static void accepted_data_date(const char *from_file, const char *last_modified, char out[32])
{
	es_date d;
	if (from_file[0] && es_date_parse_iso(from_file, strlen(from_file), &d))
		snprintf(out, 32, "%s", from_file);
	else
		http_date_to_day(last_modified, out);
}

/* Step 4: install: rename the downloads into place, link unchanged companions. */
static es_code install_new(run *r, src_job *j, es_err *err)
{
	es_code rc = ES_OK;
	const es_catalog_source *cs = j->cs;
	es_manifest_source *d = &r->nm.sources[r->nm.n_sources++];
	memset(d, 0, sizeof *d);
	d->source = cs->source;
	snprintf(d->format, sizeof d->format, "%s", cs->format);
	snprintf(d->fetched_at, sizeof d->fetched_at, "%s", r->now);
	d->entries = (long)j->st.entries;
	json_object_set_new(r->new_validators, j->sid, job_validators(j));
	for (size_t k = 0; k < cs->n_files && rc == ES_OK; k++) {
		const es_catalog_file *cf = &cs->files[k];
		dl_file *dl = &j->dl[k];
		es_manifest_file *mf = &d->files[d->n_files++];
		snprintf(mf->role, sizeof mf->role, "%s", cf->role);
		if (dl->not_modified) {
			const es_manifest_file *pf = mfile(j->prev, cf->role);
			mf->path = strdup(pf->path);
			memcpy(mf->sha256, pf->sha256, 65);
			char *to = es_path_join(r->new_dir, pf->path);
			rc = mf->path && to ? link_or_copy(j->paths[k], to, j->prev_dir != r->lists_dir, err)
					    : es_err_set(err, ES_ENOMEM, "out of memory");
			free(to);
		} else {
			mf->path = strdup(cf->file);
			char *to = es_path_join(r->new_dir, cf->file);
			rc = mf->path && to ? es_sha256_file(dl->tmp, ES_PARSE_MAX_BYTES, mf->sha256, err)
					    : es_err_set(err, ES_ENOMEM, "out of memory");
			if (rc == ES_OK && rename(dl->tmp, to) != 0)
				rc = es_err_set(err, ES_EIO, "%s: rename: %s", to, strerror(errno));
			free(to);
			if (rc == ES_OK) {
				free(dl->tmp);
				dl->tmp = NULL;
			}
		}
		if (rc == ES_OK && strcmp(cf->role, "main") == 0) {
			d->etag = dup_opt(dl->etag);
			d->last_modified = dup_opt(dl->last_modified);
			d->url = dup_opt(cf->urls[0]);
			accepted_data_date(j->st.data_date, dl->last_modified, d->data_date);
		}
	}
	if (rc != ES_OK)
		return rc;
	j->fr->status = ES_FETCH_UPDATED;
	j->fr->entries_after = d->entries;
	snprintf(j->fr->data_date, sizeof j->fr->data_date, "%s", d->data_date);
	return ES_OK;
}

/* A failed or rejected source keeps its held copy, when that copy is intact;
 * a damaged one is not carried into the new set (which then lacks the
 * source, and says so, rather than hold lists that fail their check). */
static es_code keep_held(run *r, src_job *j, es_err *err)
{
	if (!j->prev)
		return ES_OK;
	if (!j->prev_intact) {
		size_t l = strlen(j->fr->message);
		snprintf(j->fr->message + l, sizeof j->fr->message - l,
			 "; the held copy fails its sha256 check and is not carried into a new set");
		j->fr->entries_after = -1;
		j->fr->data_date[0] = '\0';
		return ES_OK;
	}
	return carry_over(r, j->prev, j->prev_dir, err);
}

/* Fetches, validates and (when good) installs one source into the new set:
 * the steps above, in order; any of them may end the source as failed or
 * rejected, which keeps the held copy. */
static es_code fetch_source(run *r, const es_catalog_source *cs, es_fetch_result *fr, es_err *err)
{
	es_code rc = ES_OK;
	src_job j;
	memset(&j, 0, sizeof j);
	j.cs = cs;
	j.sid = es_source_id(cs->source);
	j.fr = fr;
	j.prev = held(r, cs->source, &j.prev_dir);
	fr->source = cs->source;
	fr->entries_before = j.prev ? j.prev->entries : -1;
	fr->entries_after = fr->entries_before;
	snprintf(fr->data_date, sizeof fr->data_date, "%s", j.prev ? j.prev->data_date : "");

	check_held(&j);
	if ((rc = download_all(r, &j, err)) != ES_OK || j.keep_old)
		goto done;
	check_downloads(r, &j);
	if (j.keep_old)
		goto done;
	if (j.all_same) {
		rc = confirm_unchanged(r, &j, err);
		goto done;
	}
	if ((rc = validate_new(r, &j, err)) != ES_OK || j.keep_old)
		goto done;
	rc = install_new(r, &j, err);
done:
	if (rc == ES_OK && j.keep_old)
		rc = keep_held(r, &j, err);
	job_free(&j);
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

static bool ends_with(const char *s, const char *suffix)
{
	size_t l = strlen(s), n = strlen(suffix);
	return l >= n && strcmp(s + l - n, suffix) == 0;
}

static void rm_under(const char *dir, const char *name)
{
	char *p = es_path_join(dir, name);
	if (p)
		rm_tree(p);
	free(p);
}

/* The id of the set DATA/current names (sets/<id>), even when it is gone;
 * "" when there is no such link. */
static void current_id(const char *data_dir, char out[128])
{
	out[0] = '\0';
	char *cur = es_path_join(data_dir, "current");
	char target[PATH_MAX];
	ssize_t n = cur ? readlink(cur, target, sizeof target - 1) : -1;
	free(cur);
	if (n <= 0)
		return;
	target[n] = '\0';
	const char *slash = strrchr(target, '/');
	const char *id = slash ? slash + 1 : target;
	if (strlen(id) < 128)
		memcpy(out, id, strlen(id) + 1);
}

/* Removes what killed or failed fetches leave behind, and old sets. Runs
 * under the lock (no other fetch is writing), at the start of every fetch
 * and after a swap:
 *   - half-built sets (sets/<id>.part) and stray current.tmp-* links;
 *   - complete sets newer than the one in use: a fetch renamed them into
 *     place but was killed before the swap, so no reader ever used them;
 *   - temporary files of an interrupted in-place manifest rewrite in the set
 *     in use;
 *   - all but the newest KEEP_OLD_SETS older sets (a reader that resolved an
 *     older "current" can finish). */
static void clean_orphans(const char *data_dir, const char *sets_dir)
{
	char keep[128];
	current_id(data_dir, keep);
	DIR *d = opendir(data_dir);
	struct dirent *de;
	while (d && (de = readdir(d)))
		if (strncmp(de->d_name, "current.tmp-", 12) == 0)
			rm_under(data_dir, de->d_name);
	if (d)
		closedir(d);
	if (!(d = opendir(sets_dir)))
		return;
	es_vec names = {0};
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (ends_with(de->d_name, ".part") || (keep[0] && strcmp(de->d_name, keep) > 0)) {
			rm_under(sets_dir, de->d_name);
			continue;
		}
		if (strcmp(de->d_name, keep) == 0)
			continue;
		char **slot = es_vec_push(&names, sizeof(char *));
		if (slot && !(*slot = strdup(de->d_name)))
			names.n--;
	}
	closedir(d);
	char **nv = names.data;
	if (nv)
		qsort(nv, names.n, sizeof *nv, cmp_str);
	for (size_t i = 0; i < names.n; i++) {
		if (i + KEEP_OLD_SETS < names.n)
			rm_under(sets_dir, nv[i]);
		free(nv[i]);
	}
	es_vec_free(&names);
	/* es_write_atomic's temporaries (manifest.json.tmpXXXXXX, ...) in the set in
	 * use; not index.bin's, which a reader may be writing right now */
	char *kd = keep[0] ? es_path_join(sets_dir, keep) : NULL;
	if (kd && (d = opendir(kd))) {
		while ((de = readdir(d)))
			if (strncmp(de->d_name, "manifest.json.tmp", 17) == 0 ||
			    strncmp(de->d_name, VALIDATORS_FILE ".tmp", 19) == 0)
				rm_under(kd, de->d_name);
		closedir(d);
	}
	free(kd);
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
	free(r->final_dir);
	free(r->data_dir);
	free(r->lists_dir);
	free(r->cat_path);
	free(r->sets_dir);
	if (r->lock_fd >= 0)
		close(r->lock_fd); /* releases the flock */
}

/* The fetched set in use (DATA/current) and its validators. A current that
 * is missing, dangling, looping or has a damaged manifest holds nothing: its
 * sources are fetched as if never held (never from the bundled snapshot). */
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

/* The durable record that this data dir has held a fetched set: from then on
 * readers never fall back to the bundled snapshot (es_listset). */
static es_code mark_fetched(run *r, es_err *err)
{
	char *p = es_path_join(r->data_dir, ES_FETCHED_MARKER);
	struct stat st;
	es_code rc = ES_OK;
	if (!p)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	if (lstat(p, &st) != 0) {
		char text[160];
		snprintf(text, sizeof text,
			 "%s: a fetched list set has been in use here; the bundled snapshot is no longer used\n",
			 r->now);
		rc = es_write_atomic(p, text, strlen(text), err);
	}
	free(p);
	return rc;
}

/* The sources the new set must hold: the catalog's, those the set before
 * had to hold, and those it holds. */
static void set_required(run *r)
{
	es_manifest *nm = &r->nm;
	nm->has_required = true;
	for (size_t i = 0; i < es_catalog_count(r->cat); i++)
		nm->required[es_catalog_get(r->cat, i)->source] = true;
	for (int id = 0; r->have_cur && id < ES_SRC_COUNT; id++)
		nm->required[id] |= r->cur.required[id];
	for (size_t i = 0; i < nm->n_sources; i++)
		nm->required[nm->sources[i].source] = true;
}

/* ---- the run, step by step ---- */

/* Paths, the catalog (checked against the sources asked for) and the
 * country table: everything needed before the data dir is touched. */
static es_code run_prepare(run *r, const es_fetch_opts *o, es_err *err)
{
	es_code rc = ES_OK;
	r->o = o;
	r->lock_fd = -1;
	if (!o->data_dir || !o->lists_dir)
		return es_err_set(err, ES_EUSAGE, "fetch needs a data directory and a lists directory");
	r->data_dir = strdup(o->data_dir);
	r->lists_dir = strdup(o->lists_dir);
	r->cat_path = o->catalog_path ? strdup(o->catalog_path) : es_path_join(o->lists_dir, "sources.tsv");
	char *cpath = es_path_join(o->lists_dir, "countries.tsv");
	r->sets_dir = es_path_join(o->data_dir, "sets");
	if (!r->data_dir || !r->lists_dir || !r->cat_path || !cpath || !r->sets_dir) {
		rc = es_err_set(err, ES_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = es_catalog_load(&r->cat, r->cat_path, err)) != ES_OK)
		goto out;
	for (size_t i = 0; i < o->n_only; i++)
		if (!es_catalog_find(r->cat, o->only[i])) {
			rc = es_err_set(err, ES_EUSAGE, "source '%s' is not in the catalog %s", es_source_id(o->only[i]),
					r->cat_path);
			goto out;
		}
	rc = es_countries_load(&r->countries, cpath, err);
out:
	free(cpath);
	return rc;
}

/* The lock comes before anything in the data dir is looked at or written. */
static es_code run_lock(run *r, es_err *err)
{
	es_code rc = es_mkdirs(r->sets_dir, err);
	char *lock_path = es_path_join(r->data_dir, "fetch.lock");
	if (rc != ES_OK || !lock_path) {
		free(lock_path);
		return rc != ES_OK ? rc : es_err_set(err, ES_ENOMEM, "out of memory");
	}
	r->lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (r->lock_fd < 0)
		rc = es_err_set(err, ES_EIO, "%s: cannot open: %s", lock_path, strerror(errno));
	else if (flock(r->lock_fd, LOCK_EX | LOCK_NB) != 0)
		rc = errno == EWOULDBLOCK
			     ? es_err_set(err, ES_ELOCKED, "another fetch is running (%s is locked)", lock_path)
			     : es_err_set(err, ES_EIO, "%s: cannot lock: %s", lock_path, strerror(errno));
	free(lock_path);
	return rc;
}

/* Under the lock: orphans removed, then the set in use (and, for a data dir
 * that never held a fetched set, the bundled one) loaded as the held copies. */
static es_code run_load_held(run *r, es_fetch_report *rep, es_err *err)
{
	es_code rc = ES_OK;
	r->now_t = time(NULL);
	iso_now(r->now, r->now_t);
	clean_orphans(r->data_dir, r->sets_dir);
	r->has_fetched = es_data_dir_has_fetched(r->data_dir);
	if (load_current(r) != ES_OK)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	if (r->have_cur && (rc = mark_fetched(r, err)) != ES_OK)
		return rc;
	if (!r->has_fetched) {
		char *bp = es_path_join(r->lists_dir, "manifest.json");
		es_err be = {0};
		r->have_bund = bp && es_manifest_load(&r->bund, bp, &be) == ES_OK;
		free(bp);
	}
	if (r->have_cur || r->have_bund)
		es_manifest_set_hash(r->have_cur ? &r->cur : &r->bund, rep->version_before);
	if (!(r->new_validators = json_object()))
		return es_err_set(err, ES_ENOMEM, "out of memory");
	snprintf(r->nm.set, sizeof r->nm.set, "fetched");
	return ES_OK;
}

/* The new set's directory: sets/<UTC time>-<pid>.part, renamed when complete.
 * Names sort in creation order (clean_orphans relies on it): UTC time to the
 * nanosecond, then pid and a counter only to make them unique. */
static es_code new_set_dir(run *r, es_err *err)
{
	struct timespec now_ts;
	clock_gettime(CLOCK_REALTIME, &now_ts);
	struct tm tm;
	gmtime_r(&now_ts.tv_sec, &tm);
	char ts[32];
	strftime(ts, sizeof ts, "%Y%m%dT%H%M%S", &tm);
	for (int n = 0; n < 1000; n++) {
		snprintf(r->new_id, sizeof r->new_id, "%s.%09ldZ-%ld-%d", ts, (long)now_ts.tv_nsec, (long)getpid(), n);
		char part[96];
		snprintf(part, sizeof part, "%s.part", r->new_id);
		free(r->new_dir);
		r->new_dir = es_path_join(r->sets_dir, part);
		free(r->final_dir);
		r->final_dir = es_path_join(r->sets_dir, r->new_id);
		if (!r->new_dir || !r->final_dir)
			return es_err_set(err, ES_ENOMEM, "out of memory");
		struct stat st;
		if (stat(r->final_dir, &st) == 0)
			continue;
		rm_tree(r->new_dir);
		if (mkdir(r->new_dir, 0755) == 0)
			return ES_OK;
		if (errno != EEXIST)
			return es_err_set(err, ES_EIO, "%s: cannot create: %s", r->new_dir, strerror(errno));
	}
	return es_err_set(err, ES_EIO, "%s: cannot find a free name for a new set", r->sets_dir);
}

/* The chosen sources in catalog order; then everything else the set in use
 * held is carried over unchanged. */
static es_code fetch_selected(run *r, es_fetch_report *rep, es_err *err)
{
	es_code rc = ES_OK;
	for (size_t i = 0; i < es_catalog_count(r->cat); i++) {
		const es_catalog_source *cs = es_catalog_get(r->cat, i);
		if (!selected(r->o, cs->source))
			continue;
		es_fetch_result *fr = &rep->results[rep->n_results++];
		memset(fr, 0, sizeof *fr);
		if ((rc = fetch_source(r, cs, fr, err)) != ES_OK)
			return rc;
	}
	/* (a source fetched this run is in the new set as that fetch decided:
	 * a held copy it dropped as damaged is not brought back here) */
	es_manifest *base = r->have_cur ? &r->cur : r->have_bund ? &r->bund : NULL;
	const char *bdir = r->have_cur ? r->cur_dir : r->lists_dir;
	for (size_t i = 0; base && i < base->n_sources; i++) {
		es_source s = base->sources[i].source;
		bool fetched = false;
		for (size_t k = 0; k < rep->n_results; k++)
			fetched |= rep->results[k].source == s;
		if (fetched || es_manifest_find(&r->nm, s))
			continue;
		if ((rc = carry_over(r, &base->sources[i], bdir, err)) != ES_OK)
			return rc;
	}
	return ES_OK;
}

/* Nothing new against the fetched set in use: only the confirmation times
 * (and what the set must hold, should the catalog have grown) change, in
 * place; the set hash stays. */
static es_code confirm_in_place(run *r, es_fetch_report *rep, es_err *err)
{
	for (size_t i = 0; i < es_catalog_count(r->cat); i++)
		r->cur.required[es_catalog_get(r->cat, i)->source] = true;
	for (size_t i = 0; i < r->cur.n_sources; i++)
		r->cur.required[r->cur.sources[i].source] = true;
	r->cur.has_required = true;
	for (size_t i = 0; i < rep->n_results; i++) {
		if (rep->results[i].status != ES_FETCH_UNCHANGED)
			continue;
		const char *sid = es_source_id(rep->results[i].source);
		es_manifest_source *s = es_manifest_find(&r->cur, rep->results[i].source);
		if (s)
			snprintf(s->fetched_at, sizeof s->fetched_at, "%s", r->now);
		json_t *v = json_object_get(r->new_validators, sid);
		if (v) {
			if (!r->cur_validators)
				r->cur_validators = json_object();
			json_object_set(r->cur_validators, sid, v);
		}
	}
	char *mp = es_path_join(r->cur_dir, "manifest.json");
	es_code rc = mp ? es_manifest_save(&r->cur, mp, err) : es_err_set(err, ES_ENOMEM, "out of memory");
	free(mp);
	if (rc == ES_OK && r->cur_validators)
		rc = save_validators(r->cur_validators, r->cur_dir, err);
	if (rc != ES_OK)
		return rc;
	rm_tree(r->new_dir);
	memcpy(rep->version_after, rep->version_before, 65);
	snprintf(rep->set_dir, sizeof rep->set_dir, "%s", r->cur_dir);
	return ES_OK;
}

/* Writes the new set's manifest and validators, renames it into place,
 * builds its index (from files checked against the manifest), and swaps it
 * in; the marker and the cleanup follow. */
static es_code install_set(run *r, es_fetch_report *rep, es_err *err)
{
	es_code rc = ES_OK;
	set_required(r);
	char *mp = es_path_join(r->new_dir, "manifest.json");
	rc = mp ? es_manifest_save(&r->nm, mp, err) : es_err_set(err, ES_ENOMEM, "out of memory");
	free(mp);
	if (rc == ES_OK)
		rc = save_validators(r->new_validators, r->new_dir, err);
	if (rc != ES_OK)
		return rc;
	if (rename(r->new_dir, r->final_dir) != 0)
		return es_err_set(err, ES_EIO, "%s: cannot rename: %s", r->new_dir, strerror(errno));
	free(r->new_dir);
	r->new_dir = r->final_dir; /* removed on failure from here on */
	r->final_dir = NULL;
	es_listset *ls = NULL;
	es_err ie = {0};
	es_code irc = es_listset_open_dir(&ls, r->new_dir, r->data_dir, r->lists_dir, &ie);
	if (irc == ES_OK)
		irc = es_match_build_index(ls, r->countries, r->lists_dir, &ie);
	es_listset_free(ls);
	if (irc == ES_ENOTIMPL)
		snprintf(rep->index_note, sizeof rep->index_note, "no index built (matcher not available yet)");
	else if (irc != ES_OK)
		return es_err_set(err, irc, "index build failed, old lists kept: %s", ie.msg);
	if ((rc = fsync_path(r->new_dir, err)) != ES_OK || (rc = fsync_path(r->sets_dir, err)) != ES_OK ||
	    (rc = swap_current(r, r->new_id, err)) != ES_OK)
		return rc;
	rep->swapped = true;
	es_manifest_set_hash(&r->nm, rep->version_after);
	snprintf(rep->set_dir, sizeof rep->set_dir, "%s", r->new_dir);
	free(r->new_dir);
	r->new_dir = NULL; /* now in use: never removed */
	if ((rc = mark_fetched(r, err)) != ES_OK)
		return rc;
	clean_orphans(r->data_dir, r->sets_dir);
	return ES_OK;
}

es_code es_fetch_run(const es_fetch_opts *o, es_fetch_report *rep, es_err *err)
{
	es_code rc = ES_OK;
	run r;
	memset(&r, 0, sizeof r);
	memset(rep, 0, sizeof *rep);
	if ((rc = run_prepare(&r, o, err)) != ES_OK || (rc = run_lock(&r, err)) != ES_OK ||
	    (rc = run_load_held(&r, rep, err)) != ES_OK || (rc = new_set_dir(&r, err)) != ES_OK ||
	    (rc = fetch_selected(&r, rep, err)) != ES_OK)
		goto out;
	bool any_updated = false, any_unchanged = false, unchanged_in_cur = true;
	for (size_t i = 0; i < rep->n_results; i++) {
		es_fetch_status st = rep->results[i].status;
		any_updated |= st == ES_FETCH_UPDATED;
		any_unchanged |= st == ES_FETCH_UNCHANGED;
		/* a source confirmed against the bundled copy must enter a new set */
		if (st == ES_FETCH_UNCHANGED && r.have_cur && !es_manifest_find(&r.cur, rep->results[i].source))
			unchanged_in_cur = false;
	}
	if (!any_updated && r.have_cur && unchanged_in_cur) {
		rc = confirm_in_place(&r, rep, err);
	} else if (!any_updated && !any_unchanged) {
		/* every download failed and no fetched set is in use: nothing to record */
		rm_tree(r.new_dir);
		memcpy(rep->version_after, rep->version_before, 65);
		snprintf(rep->set_dir, sizeof rep->set_dir, "%s", r.have_bund ? r.lists_dir : "");
	} else {
		rc = install_set(&r, rep, err);
	}
out:
	if (rc != ES_OK && r.new_dir)
		rm_tree(r.new_dir);
	run_free(&r); /* closing the lock file releases the flock */
	return rc;
}
