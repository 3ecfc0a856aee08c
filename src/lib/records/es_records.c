/* es_records — the store, the MAC chain, the filter hooks and the audit
 * trail (see es_records.h). Re-screening is es_rescreen.c, the report es_report.c,
 * dispositions es_disposition.c. */
#include "es_records_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/rand.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "es_io.h"

/* Portable SQL only (see es_store.h). Version 1. */
static const char SCHEMA[] =
	"CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS runs (id INTEGER PRIMARY KEY, started TEXT NOT NULL, command TEXT,"
	" tool TEXT, host TEXT, usr TEXT, list_version TEXT, lists TEXT, rules_hash TEXT, csv_header BLOB);"
	"CREATE TABLE IF NOT EXISTS audit (seq INTEGER PRIMARY KEY, n INTEGER NOT NULL, kind TEXT NOT NULL,"
	" at TEXT NOT NULL, run_id INTEGER, order_id TEXT, decision TEXT, input BLOB, input_sha256 TEXT,"
	" output TEXT, out_prefix INTEGER, extra TEXT, body_mac TEXT NOT NULL, mac TEXT NOT NULL);"
	"CREATE INDEX IF NOT EXISTS audit_at ON audit(at);"
	"CREATE INDEX IF NOT EXISTS audit_order ON audit(order_id);"
	"CREATE TABLE IF NOT EXISTS parties (id INTEGER PRIMARY KEY, name TEXT NOT NULL, country TEXT NOT NULL,"
	" ptype TEXT, role TEXT, pidx INTEGER, last_seq INTEGER, last_order TEXT, last_at TEXT, hits TEXT,"
	" decision TEXT, UNIQUE (name, country));"
	"CREATE INDEX IF NOT EXISTS parties_order ON parties(last_seq, id);"
	"CREATE TABLE IF NOT EXISTS dispositions (id INTEGER PRIMARY KEY, party TEXT NOT NULL,"
	" party_key TEXT NOT NULL, country TEXT, source TEXT NOT NULL, entry_id TEXT NOT NULL, entry_name TEXT,"
	" entry_hash TEXT NOT NULL, kind TEXT NOT NULL, reason TEXT NOT NULL, by_user TEXT NOT NULL,"
	" at TEXT NOT NULL, expires TEXT, revoked_at TEXT, revoked_by TEXT, revoke_reason TEXT, mac TEXT)";

static const char SQL_META_GET[] = "SELECT v FROM meta WHERE k = ?";
static const char SQL_META_SET[] =
	"INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v";
static const char SQL_TAIL[] = "SELECT seq, mac FROM audit ORDER BY seq DESC LIMIT 1";
static const char SQL_INS_AUDIT[] =
	"INSERT INTO audit (seq, n, kind, at, run_id, order_id, decision, input, input_sha256, output, out_prefix,"
	" extra, body_mac, mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_UPS_PARTY[] =
	"INSERT INTO parties (name, country, ptype, role, pidx, last_seq, last_order, last_at, hits, decision)"
	" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name, country) DO UPDATE SET ptype = excluded.ptype,"
	" role = excluded.role, pidx = excluded.pidx, last_seq = excluded.last_seq,"
	" last_order = excluded.last_order, last_at = excluded.last_at, hits = excluded.hits,"
	" decision = excluded.decision";
static const char SQL_INS_RUN[] =
	"INSERT INTO runs (started, command, tool, host, usr, list_version, lists, rules_hash) VALUES"
	" (?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_LAST_RUN[] = "SELECT max(id) FROM runs";
static const char SQL_RUN_HEADER[] = "UPDATE runs SET csv_header = ? WHERE id = ?";

/* ---- small helpers ---------------------------------------------------------- */

void es_rec_now(char out[32])
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

bool es_rec_day_after(const char *date, char out[11])
{
	int y, m, d, n = 0;
	if (!date || strlen(date) != 10 || sscanf(date, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10)
		return false;
	struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_hour = 12};
	time_t t = timegm(&tm);
	gmtime_r(&t, &tm);
	if (tm.tm_year != y - 1900 || tm.tm_mon != m - 1 || tm.tm_mday != d)
		return false; /* 2026-02-31 */
	t += 86400;
	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
	return true;
}

bool es_records_day_valid(const char *date, char next[11])
{
	return es_rec_day_after(date, next);
}

void es_rec_json_str(es_buf *b, const char *s)
{
	if (!s) {
		es_buf_adds(b, "null");
		return;
	}
	json_t *j = json_string(s);
	if (!j) /* invalid UTF-8: keep it readable, never fail */
		j = json_stringn_nocheck(s, strlen(s));
	char *t = j ? json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
	es_buf_adds(b, t ? t : "null");
	free(t);
	json_decref(j);
}

static char *xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

static char *xmemdup(const char *s, size_t n)
{
	char *p = malloc(n + 1);
	if (p) {
		memcpy(p, s ? s : "", n);
		p[n] = '\0';
	}
	return p;
}

static void hex(const unsigned char *in, size_t n, char *out)
{
	static const char d[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[in[i] >> 4];
		out[2 * i + 1] = d[in[i] & 15];
	}
	out[2 * n] = '\0';
}

/* ---- HMAC-SHA256 -------------------------------------------------------------- */

typedef struct {
	EVP_MAC_CTX *c;
} mac_ctx;

/* A keyed context is made once (after the key is loaded) and copied per MAC:
 * cheaper than fetching the digest and keying HMAC three times per record. */
static bool mac_begin(es_records *r, mac_ctx *m)
{
	if (!r->mac_tmpl) {
		OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
				       OSSL_PARAM_construct_end()};
		r->mac_tmpl = EVP_MAC_CTX_new(r->mac);
		if (!r->mac_tmpl || EVP_MAC_init(r->mac_tmpl, r->key, sizeof r->key, params) != 1) {
			EVP_MAC_CTX_free(r->mac_tmpl);
			r->mac_tmpl = NULL;
			m->c = NULL;
			return false;
		}
	}
	m->c = EVP_MAC_CTX_dup(r->mac_tmpl);
	return m->c != NULL;
}

/* one field: its length (or "-" for NULL) and its bytes, so fields cannot run together */
static void mac_field(mac_ctx *m, const char *s, size_t len_bytes)
{
	size_t n = len_bytes;
	char len[32];
	size_t k = sizeof len;
	len[--k] = ':';
	if (!s)
		len[--k] = '-';
	else
		do
			len[--k] = (char)('0' + n % 10);
		while ((n /= 10) && k);
	EVP_MAC_update(m->c, (const unsigned char *)len + k, sizeof len - k);
	if (s && len_bytes)
		EVP_MAC_update(m->c, (const unsigned char *)s, len_bytes);
}

static void mac_str(mac_ctx *m, const char *s)
{
	mac_field(m, s, s ? strlen(s) : 0);
}

static bool mac_end(mac_ctx *m, char out[65])
{
	unsigned char md[64];
	size_t n = 0;
	bool ok = EVP_MAC_final(m->c, md, &n, sizeof md) == 1 && n == 32;
	EVP_MAC_CTX_free(m->c);
	m->c = NULL;
	if (ok)
		hex(md, 32, out);
	else
		out[0] = '\0';
	return ok;
}

typedef struct {
	long long n;
	const char *kind, *at, *order_id, *decision, *extra;
	const char *input, *output;
	size_t input_len, output_len;
	const char *list_version, *lists, *rules, *tool, *host, *user, *csv_header;
	size_t csv_header_len;
} body;

static bool body_mac(es_records *r, const body *b, char out[65])
{
	mac_ctx m;
	if (!mac_begin(r, &m))
		return false;
	char n[32];
	snprintf(n, sizeof n, "%lld", b->n);
	mac_str(&m, "exportscreen-record-1");
	mac_str(&m, n);
	mac_str(&m, b->kind);
	mac_str(&m, b->at);
	mac_str(&m, b->order_id);
	mac_str(&m, b->decision);
	mac_field(&m, b->input, b->input_len);
	mac_field(&m, b->output, b->output_len);
	mac_str(&m, b->extra);
	mac_str(&m, b->list_version);
	mac_str(&m, b->lists);
	mac_str(&m, b->rules);
	mac_str(&m, b->tool);
	mac_str(&m, b->host);
	mac_str(&m, b->user);
	mac_field(&m, b->csv_header, b->csv_header_len);
	return mac_end(&m, out);
}

static bool chain_mac(es_records *r, const char *prev, const char *bmac, char out[65])
{
	mac_ctx m;
	if (!mac_begin(r, &m))
		return false;
	mac_str(&m, "chain");
	mac_str(&m, prev);
	mac_str(&m, bmac);
	return mac_end(&m, out);
}

static bool head_tag(es_records *r, long long seq, const char *mac, char out[65])
{
	mac_ctx m;
	char n[32];
	snprintf(n, sizeof n, "%lld", seq);
	if (!mac_begin(r, &m))
		return false;
	mac_str(&m, "head");
	mac_str(&m, n);
	mac_str(&m, mac);
	return mac_end(&m, out);
}

bool es_rec_disp_mac(es_records *r, const char *const *fields, size_t n, char out[65])
{
	mac_ctx m;
	if (!mac_begin(r, &m))
		return false;
	mac_str(&m, "disposition-1");
	for (size_t i = 0; i < n; i++)
		mac_str(&m, fields[i]);
	return mac_end(&m, out);
}

static bool key_id(es_records *r, char out[65])
{
	mac_ctx m;
	if (!mac_begin(r, &m))
		return false;
	mac_str(&m, "exportscreen-records-key-id");
	return mac_end(&m, out);
}

/* ---- the key file ------------------------------------------------------------ */

static es_code load_key(es_records *r, bool *found, es_err *err)
{
	*found = false;
	int fd = open(r->key_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return ES_OK;
		return es_err_set(err, ES_EIO, "%s: cannot read the records key: %s", r->key_path, strerror(errno));
	}
	struct stat sb;
	char buf[2 * ES_KEY_BYTES + 2];
	ssize_t n = fstat(fd, &sb) == 0 ? read(fd, buf, sizeof buf) : -1;
	close(fd);
	if (n < 0)
		return es_err_set(err, ES_EIO, "%s: cannot read the records key: %s", r->key_path, strerror(errno));
	if (sb.st_mode & 077)
		return es_err_set(err, ES_EUSAGE, "%s: the records key is readable by others (chmod 600 it)",
				  r->key_path);
	if (n < 2 * ES_KEY_BYTES)
		return es_err_set(err, ES_ECORRUPT, "%s: not a records key (64 hex digits)", r->key_path);
	for (size_t i = 0; i < ES_KEY_BYTES; i++) {
		unsigned v = 0;
		for (int k = 0; k < 2; k++) {
			char c = buf[2 * i + (size_t)k];
			int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
			if (d < 0)
				return es_err_set(err, ES_ECORRUPT, "%s: not a records key (64 hex digits)", r->key_path);
			v = v * 16 + (unsigned)d;
		}
		r->key[i] = (unsigned char)v;
	}
	*found = true;
	return ES_OK;
}

static es_code create_key(es_records *r, es_err *err)
{
	if (RAND_bytes(r->key, sizeof r->key) != 1)
		return es_err_set(err, ES_EINTERNAL, "cannot get random bytes for the records key");
	char h[2 * ES_KEY_BYTES + 2];
	hex(r->key, sizeof r->key, h);
	strcat(h, "\n");
	int fd = open(r->key_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return es_err_set(err, ES_EIO, "%s: cannot create the records key: %s", r->key_path, strerror(errno));
	ssize_t w = write(fd, h, strlen(h));
	int e = errno;
	if (w != (ssize_t)strlen(h) || fsync(fd) != 0) {
		close(fd);
		unlink(r->key_path);
		return es_err_set(err, ES_EIO, "%s: cannot write the records key: %s", r->key_path,
				  w < 0 ? strerror(e) : "short write");
	}
	close(fd);
	return ES_OK;
}

/* ---- open ----------------------------------------------------------------------- */

char *es_records_default_path(const char *data_dir)
{
	const char *env = getenv("EXPORTSCREEN_RECORDS");
	if (env && *env)
		return strdup(env);
	char *dd = data_dir ? strdup(data_dir) : es_default_data_dir();
	char *p = dd ? es_path_join(dd, "records.sqlite") : NULL;
	free(dd);
	return p;
}

static es_code meta_get(es_records *r, const char *k, char *out, size_t cap, es_err *err)
{
	es_cursor *c;
	es_val a[] = {ES_VTEXT(k)};
	out[0] = '\0';
	es_code rc = r->st->ops->query(r->st, SQL_META_GET, a, 1, &c, err);
	if (rc != ES_OK)
		return rc;
	int s = r->st->ops->step(c, err);
	if (s > 0) {
		const char *v = r->st->ops->col_text(c, 0);
		snprintf(out, cap, "%s", v ? v : "");
	}
	r->st->ops->done(c);
	return s < 0 ? ES_EIO : ES_OK;
}

static es_code meta_set(es_records *r, const char *k, const char *v, es_err *err)
{
	es_val a[] = {ES_VTEXT(k), ES_VTEXT(v)};
	return r->st->ops->exec(r->st, SQL_META_SET, a, 2, NULL, err);
}

es_code es_records_open(es_records **out, const char *path, const char *key_path, unsigned flags, es_err *err)
{
	es_code rc = ES_OK;
	bool readonly = flags & ES_RECORDS_READONLY;
	*out = NULL;
	es_records *r = calloc(1, sizeof *r);
	if (!r)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	const char *ek = getenv("EXPORTSCREEN_RECORDS_KEY");
	r->path = strdup(path);
	if (key_path)
		r->key_path = strdup(key_path);
	else if (ek && *ek)
		r->key_path = strdup(ek);
	else if (r->path && (r->key_path = malloc(strlen(path) + 5)))
		sprintf(r->key_path, "%s.key", path);
	r->ntoks = malloc(sizeof *r->ntoks);
	r->mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (!r->path || !r->key_path || !r->ntoks) {
		rc = es_err_set(err, ES_ENOMEM, "out of memory");
		goto fail;
	}
	if (!r->mac) {
		rc = es_err_set(err, ES_EINTERNAL, "OpenSSL has no HMAC");
		goto fail;
	}
	char now[32];
	es_rec_now(now);
	memcpy(r->today, now, 10);
	r->today[10] = '\0';
	/* the day dispositions' expiry is judged on: for replaying a past day, and tests */
	const char *td = getenv("EXPORTSCREEN_TODAY");
	char nx[11];
	if (td && es_rec_day_after(td, nx))
		memcpy(r->today, td, 11);
	if ((rc = es_store_open_sqlite(&r->st, path, flags & ES_RECORDS_CREATE, readonly, err)) != ES_OK)
		goto fail;
	char ver[32], kid[80];
	if (!readonly) {
		if ((rc = r->st->ops->begin_write(r->st, err)) != ES_OK)
			goto fail;
		if ((rc = r->st->ops->script(r->st, SCHEMA, err)) != ES_OK ||
		    (rc = meta_get(r, "schema_version", ver, sizeof ver, err)) != ES_OK) {
			r->st->ops->rollback(r->st);
			goto fail;
		}
		if (ver[0] && atoi(ver) > ES_RECORDS_SCHEMA) {
			r->st->ops->rollback(r->st);
			rc = es_err_set(err, ES_ECORRUPT, "%s: records schema %s is newer than this program's (%d)", path,
					ver, ES_RECORDS_SCHEMA);
			goto fail;
		}
		/* later schema versions migrate here, one step at a time */
		if (!ver[0] && (rc = meta_set(r, "schema_version", "1", err)) != ES_OK) {
			r->st->ops->rollback(r->st);
			goto fail;
		}
		bool found;
		r->have_key = true;
		if ((rc = meta_get(r, "key_id", kid, sizeof kid, err)) != ES_OK ||
		    (rc = load_key(r, &found, err)) != ES_OK) {
			r->st->ops->rollback(r->st);
			goto fail;
		}
		if (!found && kid[0]) {
			r->st->ops->rollback(r->st);
			rc = es_err_set(err, ES_EMISSING, "%s: the records key is missing (this store was written with one)",
					r->key_path);
			goto fail;
		}
		if (!found && (rc = create_key(r, err)) != ES_OK) {
			r->st->ops->rollback(r->st);
			goto fail;
		}
		char mine[65];
		key_id(r, mine);
		if (kid[0] && strcmp(kid, mine) != 0) {
			r->st->ops->rollback(r->st);
			rc = es_err_set(err, ES_ECORRUPT, "%s: this key is not the key the records store %s was written with",
					r->key_path, path);
			goto fail;
		}
		if (!kid[0] && (rc = meta_set(r, "key_id", mine, err)) != ES_OK) {
			r->st->ops->rollback(r->st);
			goto fail;
		}
		if ((rc = r->st->ops->commit(r->st, err)) != ES_OK)
			goto fail;
	} else {
		bool found;
		if ((rc = load_key(r, &found, err)) != ES_OK)
			goto fail;
		r->have_key = found;
		if (!found)
			memset(r->key, 0, sizeof r->key);
	}
	*out = r;
	return ES_OK;
fail:
	es_records_free(r);
	return rc;
}

static void free_pending(es_records *r)
{
	pending_rec *p = r->pending.data;
	for (size_t i = 0; i < r->pending.n; i++) {
		free(p[i].kind);
		free(p[i].at);
		free(p[i].order_id);
		free(p[i].decision);
		free(p[i].extra);
		free(p[i].input);
		free(p[i].output);
	}
	pending_party *q = r->pparties.data;
	for (size_t i = 0; i < r->pparties.n; i++) {
		free(q[i].name);
		free(q[i].country);
		free(q[i].ptype);
		free(q[i].role);
		free(q[i].hits);
	}
	r->pending.n = 0;
	r->pparties.n = 0;
	r->pending_bytes = 0;
}

static void free_disps(es_records *r)
{
	loaded_disp *d = r->disps.data;
	for (size_t i = 0; i < r->disps.n; i++) {
		free(d[i].party_key);
		free(d[i].country);
		free(d[i].source);
		free(d[i].entry_id);
		free(d[i].entry_hash);
		free(d[i].expires);
		free(d[i].by);
		free(d[i].at);
		free(d[i].reason);
	}
	es_vec_free(&r->disps);
	r->disps_loaded = false;
}

void es_records_free(es_records *r)
{
	if (!r)
		return;
	free_pending(r);
	es_vec_free(&r->pending);
	es_vec_free(&r->pparties);
	free_disps(r);
	if (r->st)
		r->st->ops->close(r->st);
	EVP_MAC_CTX_free(r->mac_tmpl);
	EVP_MAC_free(r->mac);
	OPENSSL_cleanse(r->key, sizeof r->key);
	free(r->path);
	free(r->key_path);
	free(r->ntoks);
	free(r->run_list_version);
	free(r->run_lists);
	free(r->run_rules);
	free(r->run_tool);
	free(r->run_host);
	free(r->run_user);
	free(r->run_csv_header);
	free(r->d_lists);
	free(r->d_rules);
	free(r);
}

const char *es_records_path(const es_records *r)
{
	return r->path;
}

const char *es_records_key_path(const es_records *r)
{
	return r->key_path;
}

/* ---- runs ----------------------------------------------------------------------- */

static void hash_file_into(EVP_MD_CTX *md, const char *path, const char *name)
{
	EVP_DigestUpdate(md, name, strlen(name) + 1);
	FILE *f = fopen(path, "rb");
	if (!f)
		return;
	char buf[8192];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		EVP_DigestUpdate(md, buf, n);
	fclose(f);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

es_code es_records_describe(es_records *r, const es_listset *ls, const char *lists_dir, const char *command,
			    es_records_run *out, es_err *err)
{
	memset(out, 0, sizeof *out);
	es_buf b = {0};
	es_buf_adds(&b, "[");
	for (size_t i = 0; i < ls->manifest.n_sources; i++) {
		const es_manifest_source *s = &ls->manifest.sources[i];
		es_buf_adds(&b, i ? ",{\"id\":" : "{\"id\":");
		es_rec_json_str(&b, es_source_id(s->source));
		es_buf_adds(&b, ",\"sha256\":[");
		for (size_t k = 0; k < s->n_files; k++) {
			if (k)
				es_buf_adds(&b, ",");
			es_rec_json_str(&b, s->files[k].sha256);
		}
		es_buf_adds(&b, "],\"data_date\":");
		es_rec_json_str(&b, s->data_date);
		es_buf_adds(&b, ",\"fetched_at\":");
		es_rec_json_str(&b, s->fetched_at);
		es_buf_adds(&b, "}");
	}
	es_buf_adds(&b, "]");
	if (b.oom)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	free(r->d_lists);
	r->d_lists = es_buf_take(&b);
	/* the rules data: every file of lists_dir/rules, by name */
	char *dir = es_path_join(lists_dir, "rules");
	DIR *d = dir ? opendir(dir) : NULL;
	char **names = NULL;
	size_t nn = 0, cap = 0;
	if (d) {
		struct dirent *e;
		while ((e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			if (nn == cap) {
				cap = cap ? cap * 2 : 32;
				char **nv = realloc(names, cap * sizeof *nv);
				if (!nv)
					break;
				names = nv;
			}
			names[nn++] = strdup(e->d_name);
		}
		closedir(d);
	}
	qsort(names, nn, sizeof *names, cmp_str);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char dg[32];
	unsigned dl = 0;
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	for (size_t i = 0; i < nn; i++) {
		char *p = names[i] ? es_path_join(dir, names[i]) : NULL;
		if (p)
			hash_file_into(md, p, names[i]);
		free(p);
		free(names[i]);
	}
	free(names);
	free(dir);
	EVP_DigestFinal_ex(md, dg, &dl);
	EVP_MD_CTX_free(md);
	free(r->d_rules);
	r->d_rules = malloc(65);
	if (!r->d_rules)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	hex(dg, 32, r->d_rules);
	out->command = command;
	out->list_version = ls->set_hash;
	out->lists_json = r->d_lists;
	out->rules_hash = r->d_rules;
	out->tool_version = ES_VERSION;
	return ES_OK;
}

es_code es_records_start_run(es_records *r, const es_records_run *run, es_err *err)
{
	char host[256] = "", now[32];
	const char *user = run->user;
	if (!user) {
		user = getenv("USER");
		if (!user || !*user) {
			struct passwd *pw = getpwuid(getuid());
			user = pw ? pw->pw_name : "unknown";
		}
	}
	if (run->host)
		snprintf(host, sizeof host, "%s", run->host);
	else if (gethostname(host, sizeof host - 1) != 0)
		strcpy(host, "unknown");
	es_rec_now(now);
	free(r->run_list_version);
	free(r->run_lists);
	free(r->run_rules);
	free(r->run_tool);
	free(r->run_host);
	free(r->run_user);
	free(r->run_csv_header);
	r->run_csv_header = NULL;
	r->run_list_version = xstrdup(run->list_version);
	r->run_lists = xstrdup(run->lists_json);
	r->run_rules = xstrdup(run->rules_hash);
	r->run_tool = xstrdup(run->tool_version ? run->tool_version : ES_VERSION);
	r->run_host = xstrdup(host);
	r->run_user = xstrdup(user);
	es_val a[] = {ES_VTEXT(now), ES_VTEXT(run->command), ES_VTEXT(r->run_tool), ES_VTEXT(r->run_host),
		      ES_VTEXT(r->run_user), ES_VTEXT(run->list_version), ES_VTEXT(run->lists_json),
		      ES_VTEXT(run->rules_hash)};
	es_code rc;
	es_cursor *c;
	if ((rc = r->st->ops->begin_write(r->st, err)) != ES_OK)
		return rc;
	if ((rc = r->st->ops->exec(r->st, SQL_INS_RUN, a, 8, NULL, err)) != ES_OK ||
	    (rc = r->st->ops->query(r->st, SQL_LAST_RUN, NULL, 0, &c, err)) != ES_OK) {
		r->st->ops->rollback(r->st);
		return rc;
	}
	if (r->st->ops->step(c, err) > 0)
		r->run_id = r->st->ops->col_int(c, 0);
	r->st->ops->done(c);
	return r->st->ops->commit(r->st, err);
}

/* ---- pending records and the chain ------------------------------------------------ */

es_code es_rec_pend(es_records *r, const char *kind, const char *order_id, const char *decision, const char *input,
		    size_t input_len, const char *output, size_t output_len, const char *extra, es_err *err)
{
	pending_rec *p = es_vec_push(&r->pending, sizeof *p);
	if (!p)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	char now[32];
	es_rec_now(now);
	p->kind = xstrdup(kind);
	p->at = xstrdup(now);
	p->order_id = xstrdup(order_id);
	p->decision = xstrdup(decision);
	p->extra = xstrdup(extra);
	p->input = input ? xmemdup(input, input_len) : NULL;
	p->input_len = input_len;
	p->output = output ? xmemdup(output, output_len) : NULL;
	p->output_len = output_len;
	p->first_party = r->pparties.n;
	r->pending_bytes += input_len + output_len + 256;
	if (!p->kind || !p->at || (input && !p->input) || (output && !p->output))
		return es_err_set(err, ES_ENOMEM, "out of memory");
	return ES_OK;
}

/* Writes the pending records inside an open write transaction. */
static es_code write_pending(es_records *r, es_err *err)
{
	es_code rc = ES_OK;
	const es_store_ops *o = r->st->ops;
	long long seq = 0;
	char prev[80] = "";
	es_cursor *c;
	if ((rc = o->query(r->st, SQL_TAIL, NULL, 0, &c, err)) != ES_OK)
		return rc;
	int s = o->step(c, err);
	if (s > 0) {
		seq = o->col_int(c, 0);
		const char *m = o->col_text(c, 1);
		snprintf(prev, sizeof prev, "%s", m ? m : "");
	}
	o->done(c);
	if (s < 0)
		return ES_EIO;
	pending_rec *p = r->pending.data;
	pending_party *pp = r->pparties.data;
	for (size_t i = 0; i < r->pending.n; i++) {
		seq++;
		body b = {seq, p[i].kind, p[i].at, p[i].order_id, p[i].decision, p[i].extra, p[i].input,
			  p[i].output, p[i].input_len, p[i].output_len, r->run_list_version, r->run_lists,
			  r->run_rules, r->run_tool, r->run_host, r->run_user, r->run_csv_header,
			  r->run_csv_header ? strlen(r->run_csv_header) : 0};
		char bm[65], cm[65], sha[65];
		if (!body_mac(r, &b, bm) || !chain_mac(r, prev, bm, cm))
			return es_err_set(err, ES_EINTERNAL, "HMAC failed");
		if (p[i].input)
			es_sha256_hex(p[i].input, p[i].input_len, sha);
		/* the output of a JSON line or CSV row starts with the input: stored once */
		size_t sh = 0;
		if (p[i].input && p[i].output)
			while (sh < p[i].input_len && sh < p[i].output_len && p[i].input[sh] == p[i].output[sh])
				sh++;
		if (sh < 16)
			sh = 0;
		es_val a[] = {ES_VINT(seq), ES_VINT(seq), ES_VTEXT(p[i].kind), ES_VTEXT(p[i].at),
			      r->run_id ? ES_VINT(r->run_id) : ES_VNULL, ES_VTEXT(p[i].order_id),
			      ES_VTEXT(p[i].decision),
			      p[i].input ? ES_VBLOB(p[i].input, p[i].input_len) : ES_VNULL,
			      p[i].input ? ES_VTEXT(sha) : ES_VNULL,
			      p[i].output ? (es_val){ES_V_TEXT, 0, p[i].output + sh, p[i].output_len - sh} : ES_VNULL,
			      sh ? ES_VINT((long long)sh) : ES_VNULL, ES_VTEXT(p[i].extra), ES_VTEXT(bm), ES_VTEXT(cm)};
		if (p[i].output && p[i].output_len == sh)
			a[9] = ES_VTEXT("");
		if ((rc = o->exec(r->st, SQL_INS_AUDIT, a, 14, NULL, err)) != ES_OK)
			return rc;
		for (size_t k = p[i].first_party; k < p[i].first_party + p[i].n_parties; k++) {
			es_val q[] = {ES_VTEXT(pp[k].name), ES_VTEXT(pp[k].country ? pp[k].country : ""),
				      ES_VTEXT(pp[k].ptype), ES_VTEXT(pp[k].role), ES_VINT(pp[k].pidx), ES_VINT(seq),
				      ES_VTEXT(p[i].order_id), ES_VTEXT(p[i].at), ES_VTEXT(pp[k].hits),
				      ES_VTEXT(p[i].decision)};
			if ((rc = o->exec(r->st, SQL_UPS_PARTY, q, 10, NULL, err)) != ES_OK)
				return rc;
		}
		memcpy(prev, cm, 65);
	}
	if (r->pending.n) {
		char n[32], tag[65];
		snprintf(n, sizeof n, "%lld", seq);
		head_tag(r, seq, prev, tag);
		if ((rc = meta_set(r, "head_seq", n, err)) != ES_OK || (rc = meta_set(r, "head_mac", prev, err)) != ES_OK ||
		    (rc = meta_set(r, "head_tag", tag, err)) != ES_OK)
			return rc;
	}
	return ES_OK;
}

static bool header_dirty(es_records *r)
{
	return r->run_csv_header && r->run_id && r->pending.n;
}

static es_code commit_open(es_records *r, es_err *err)
{
	es_code rc = ES_OK;
	if (header_dirty(r)) {
		es_val a[] = {ES_VBLOB(r->run_csv_header, strlen(r->run_csv_header)), ES_VINT(r->run_id)};
		if ((rc = r->st->ops->exec(r->st, SQL_RUN_HEADER, a, 2, NULL, err)) != ES_OK)
			return rc;
	}
	return write_pending(r, err);
}

es_code es_records_commit(es_records *r, es_err *err)
{
	if (!r->pending.n)
		return ES_OK;
	es_code rc = r->st->ops->begin_write(r->st, err);
	if (rc == ES_OK && (rc = commit_open(r, err)) != ES_OK)
		r->st->ops->rollback(r->st);
	else if (rc == ES_OK)
		rc = r->st->ops->commit(r->st, err);
	/* on failure nothing of the batch is in the store, and the caller stops
	 * before writing any of its output */
	free_pending(r);
	return rc;
}

/* Runs fn's writes and the pending records in one write transaction. */
es_code es_rec_write_with(es_records *r, es_code (*fn)(es_records *r, void *u, es_err *err), void *u, es_err *err);
es_code es_rec_write_with(es_records *r, es_code (*fn)(es_records *r, void *u, es_err *err), void *u, es_err *err)
{
	es_code rc = r->st->ops->begin_write(r->st, err);
	if (rc != ES_OK) {
		free_pending(r);
		return rc;
	}
	if ((rc = fn(r, u, err)) != ES_OK || (rc = commit_open(r, err)) != ES_OK)
		r->st->ops->rollback(r->st);
	else
		rc = r->st->ops->commit(r->st, err);
	free_pending(r);
	return rc;
}

/* ---- screening ------------------------------------------------------------------ */

static int cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void es_rec_party_hits(const es_filter_event *ev, size_t pi, es_buf *hb)
{
	const es_result *res = ev->result;
	const char *keys[ES_MAX_HIT_USES];
	char kb[ES_MAX_HIT_USES][160];
	size_t nk = 0;
	for (size_t i = 0; res && i < res->n_hits; i++) {
		const es_party_hit *h = &ev->hits[res->hits[i].hit];
		if (h->party != pi)
			continue;
		const es_disposition_view *d = ev->disp ? ev->disp[i] : NULL;
		snprintf(kb[nk], sizeof kb[nk], "%s|%s|%s%s", es_source_id(h->rec.source),
			 h->rec.entry_id ? h->rec.entry_id : "", es_decision_name(res->hits[i].action),
			 d ? (d->true_match ? "|tm" : "|fp") : "");
		keys[nk] = kb[nk];
		nk++;
	}
	qsort(keys, nk, sizeof *keys, cmp_cstr);
	for (size_t i = 0; i < nk; i++) {
		if (i && strcmp(keys[i], keys[i - 1]) == 0)
			continue;
		if (hb->len)
			es_buf_addc(hb, ';');
		es_buf_adds(hb, keys[i]);
	}
}

es_code es_records_add_screening(es_records *r, const es_filter_event *ev, es_err *err)
{
	if (ev->csv_header) {
		free(r->run_csv_header);
		r->run_csv_header = xmemdup(ev->raw, ev->raw_len);
		return r->run_csv_header ? ES_OK : es_err_set(err, ES_ENOMEM, "out of memory");
	}
	char extra[64];
	snprintf(extra, sizeof extra, "{\"line\":%zu}", ev->lineno);
	const es_order *o = ev->order;
	es_code rc = es_rec_pend(r, "screen", o ? o->order_id : NULL, es_decision_name(ev->decision), ev->raw,
				 ev->raw_len, ev->output, ev->output_len, extra, err);
	if (rc != ES_OK || !o)
		return rc;
	/* each party's state, for re-screening */
	for (size_t pi = 0; pi < o->n_parties; pi++) {
		const es_party *p = &o->parties[pi];
		es_buf hb = {0};
		es_rec_party_hits(ev, pi, &hb);
		pending_party *pp = es_vec_push(&r->pparties, sizeof *pp);
		if (!pp || hb.oom) {
			es_buf_free(&hb);
			return es_err_set(err, ES_ENOMEM, "out of memory");
		}
		pp->name = xstrdup(p->name);
		pp->country = xstrdup(p->country ? p->country : "");
		pp->ptype = xstrdup(p->type);
		pp->role = xstrdup(es_role_name(p->role));
		pp->hits = hb.len ? es_buf_take(&hb) : strdup("");
		pp->pidx = (int)pi;
		es_buf_free(&hb);
		((pending_rec *)r->pending.data)[r->pending.n - 1].n_parties++;
	}
	return ES_OK;
}

#define BATCH_BYTES (8u << 20) /* commit at least this often (memory bound) */

static es_code hook_screened(void *u, const es_filter_event *ev, es_err *err)
{
	es_records *r = u;
	if (!r->hook_record)
		return ES_OK;
	es_code rc = es_records_add_screening(r, ev, err);
	if (rc == ES_OK && r->pending_bytes > BATCH_BYTES)
		rc = es_records_commit(r, err);
	return rc;
}

static es_code hook_commit(void *u, es_err *err)
{
	return es_records_commit(u, err);
}

static const es_disposition_view *hook_disposition(void *u, const es_order *o, const es_party_hit *h)
{
	es_records *r = u;
	const es_party *p = &o->parties[h->party];
	return es_records_disposition_for(r, r->hook_matcher, p->name, p->country, &h->rec);
}

es_code es_records_reload_dispositions(es_records *r, es_err *err)
{
	free_disps(r);
	r->disps_bad = 0;
	return es_rec_load_disps(r, err);
}

es_code es_records_filter_hooks(es_records *r, const es_matcher *m, bool record, es_filter_hooks *hooks, es_err *err)
{
	memset(hooks, 0, sizeof *hooks);
	r->hook_matcher = m;
	r->hook_record = record;
	es_code rc = es_rec_load_disps(r, err);
	if (rc != ES_OK)
		return rc;
	hooks->user = r;
	if (record) {
		hooks->screened = hook_screened;
		hooks->commit = hook_commit;
	}
	/* always: dispositions reloaded later (es_records_reload_dispositions) apply too */
	hooks->disposition = hook_disposition;
	return ES_OK;
}

/* ---- head, verify, export ------------------------------------------------------------ */

char *es_rec_output(const char *in, size_t in_len, long long prefix, const char *tail, size_t *len)
{
	if (!tail) {
		*len = 0;
		return NULL;
	}
	size_t tl = strlen(tail), k = prefix > 0 && in && (size_t)prefix <= in_len ? (size_t)prefix : 0;
	char *o = malloc(k + tl + 1);
	if (!o) {
		*len = 0;
		return NULL;
	}
	if (k)
		memcpy(o, in, k);
	memcpy(o + k, tail, tl + 1);
	*len = k + tl;
	return o;
}

es_code es_records_head(es_records *r, es_audit_head *out, es_err *err)
{
	memset(out, 0, sizeof *out);
	es_cursor *c;
	es_code rc = r->st->ops->query(r->st, SQL_TAIL, NULL, 0, &c, err);
	if (rc != ES_OK)
		return rc;
	int s = r->st->ops->step(c, err);
	if (s > 0) {
		out->seq = r->st->ops->col_int(c, 0);
		const char *m = r->st->ops->col_text(c, 1);
		snprintf(out->mac, sizeof out->mac, "%s", m ? m : "");
	}
	r->st->ops->done(c);
	if (s < 0)
		return ES_EIO;
	static const char SQL_COUNT[] = "SELECT count(*) FROM audit";
	if ((rc = r->st->ops->query(r->st, SQL_COUNT, NULL, 0, &c, err)) != ES_OK)
		return rc;
	if (r->st->ops->step(c, err) > 0)
		out->records = r->st->ops->col_int(c, 0);
	r->st->ops->done(c);
	return ES_OK;
}

static const char SQL_WALK[] =
	"SELECT a.seq, a.n, a.kind, a.at, a.order_id, a.decision, a.input, a.input_sha256, a.output, a.extra,"
	" a.body_mac, a.mac, r.list_version, r.lists, r.rules_hash, r.tool, r.host, r.usr, r.csv_header, a.out_prefix"
	" FROM audit a LEFT JOIN runs r ON r.id = a.run_id ORDER BY a.seq";

typedef struct {
	long long seq, n;
	bool body_ok;
	char bmac[80], mac[80];
} walk_row;

static void walk_read(es_records *r, es_cursor *c, walk_row *w)
{
	const es_store_ops *o = r->st->ops;
	body b = {0};
	size_t inl = 0, hl = 0;
	w->seq = o->col_int(c, 0);
	w->n = o->col_int(c, 1);
	b.n = w->n;
	b.kind = o->col_text(c, 2);
	b.at = o->col_text(c, 3);
	b.order_id = o->col_text(c, 4);
	b.decision = o->col_text(c, 5);
	b.input = o->col_blob(c, 6, &inl);
	b.input_len = inl;
	const char *sha = o->col_text(c, 7);
	char sha_now[65] = "";
	bool input_ok = true;
	if (b.input) {
		es_sha256_hex(b.input, inl, sha_now);
		input_ok = sha && strcmp(sha, sha_now) == 0;
	} else if (inl == 0 && sha) {
		/* an empty BLOB reads back as NULL */
		b.input = "";
		es_sha256_hex("", 0, sha_now);
		input_ok = strcmp(sha, sha_now) == 0;
	}
	char *full = es_rec_output(b.input, inl, o->col_int(c, 19), o->col_text(c, 8), &b.output_len);
	b.output = full;
	b.extra = o->col_text(c, 9);
	const char *bm = o->col_text(c, 10), *cm = o->col_text(c, 11);
	snprintf(w->bmac, sizeof w->bmac, "%s", bm ? bm : "");
	snprintf(w->mac, sizeof w->mac, "%s", cm ? cm : "");
	b.list_version = o->col_text(c, 12);
	b.lists = o->col_text(c, 13);
	b.rules = o->col_text(c, 14);
	b.tool = o->col_text(c, 15);
	b.host = o->col_text(c, 16);
	b.user = o->col_text(c, 17);
	b.csv_header = o->col_blob(c, 18, &hl);
	b.csv_header_len = hl;
	char now[65];
	w->body_ok = input_ok && body_mac(r, &b, now) && strcmp(now, w->bmac) == 0;
	free(full);
}

static void verify_fail(es_audit_verify *v, long long seq, const char *problem, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void verify_fail(es_audit_verify *v, long long seq, const char *problem, const char *fmt, ...)
{
	va_list ap;
	v->intact = false;
	v->bad_seq = seq;
	v->problem = problem;
	va_start(ap, fmt);
	vsnprintf(v->detail, sizeof v->detail, fmt, ap);
	va_end(ap);
}

es_code es_records_verify(es_records *r, es_audit_verify *v, es_err *err)
{
	memset(v, 0, sizeof *v);
	v->intact = true;
	const es_store_ops *o = r->st->ops;
	char kid[80], mine[65];
	es_code rc = meta_get(r, "key_id", kid, sizeof kid, err);
	if (rc != ES_OK)
		return rc;
	key_id(r, mine);
	if (kid[0] && strcmp(kid, mine) != 0) {
		v->intact = false;
		v->problem = "key";
		snprintf(v->detail, sizeof v->detail, "the key %s is not the key this store was written with",
			 r->key_path);
		return ES_OK;
	}
	es_cursor *c;
	if ((rc = o->begin_read(r->st, err)) != ES_OK)
		return rc;
	if ((rc = o->query(r->st, SQL_WALK, NULL, 0, &c, err)) != ES_OK) {
		o->rollback(r->st);
		return rc;
	}
	char prev[80] = "";
	long long expect = 1;
	walk_row w;
	int s;
	while ((s = o->step(c, err)) > 0) {
		walk_read(r, c, &w);
		v->checked++;
		if (!w.body_ok) {
			/* edited in place, or a forged record put in: a forged record leaves
			 * the next one chained to the record before it */
			long long bad = w.seq;
			walk_row nx;
			bool inserted = false;
			if (o->step(c, err) > 0) {
				walk_read(r, c, &nx);
				char cm[65];
				inserted = nx.body_ok && chain_mac(r, prev, nx.bmac, cm) && strcmp(cm, nx.mac) == 0;
			}
			if (inserted)
				verify_fail(v, bad, "inserted", "record %lld was not written by this program (inserted)",
					    bad);
			else
				verify_fail(v, bad, "edited",
					    "record %lld does not match its MAC: its content was changed (edited)", bad);
			break;
		}
		if (w.n != w.seq) {
			verify_fail(v, w.seq, "reordered",
				    "record written as number %lld is at position %lld (reordered)", w.n, w.seq);
			break;
		}
		if (w.seq != expect) {
			verify_fail(v, expect, "deleted", "records %lld to %lld are missing (deleted)", expect, w.seq - 1);
			break;
		}
		char cm[65];
		if (!chain_mac(r, prev, w.bmac, cm) || strcmp(cm, w.mac) != 0) {
			verify_fail(v, w.seq, "edited",
				    "record %lld does not chain to the record before it (its MAC was edited)", w.seq);
			break;
		}
		memcpy(prev, w.mac, sizeof prev);
		expect = w.seq + 1;
	}
	o->done(c);
	if (s < 0) {
		o->rollback(r->st);
		return ES_EIO;
	}
	if (v->intact) {
		/* dispositions decide screenings: each row carries its own MAC */
		long long bad = 0;
		if ((rc = es_rec_verify_disps(r, &bad, err)) != ES_OK) {
			o->rollback(r->st);
			return rc;
		}
		if (bad)
			verify_fail(v, 0, "edited", "disposition %lld was changed outside exportscreen (edited); it is not applied",
				    bad);
	}
	if (v->intact) {
		/* the head written with the last commit: the tail cannot be cut off */
		char hs[32], hm[80], ht[80], tag[65];
		if ((rc = meta_get(r, "head_seq", hs, sizeof hs, err)) != ES_OK ||
		    (rc = meta_get(r, "head_mac", hm, sizeof hm, err)) != ES_OK ||
		    (rc = meta_get(r, "head_tag", ht, sizeof ht, err)) != ES_OK) {
			o->rollback(r->st);
			return rc;
		}
		long long head = atoll(hs);
		if (hs[0] && (!head_tag(r, head, hm, tag) || strcmp(tag, ht) != 0))
			verify_fail(v, head, "edited", "the stored head (record %lld) does not match its MAC (edited)",
				    head);
		else if (head > expect - 1)
			verify_fail(v, expect, "deleted", "records %lld to %lld are missing at the end (deleted)", expect,
				    head);
		else if (head < expect - 1)
			verify_fail(v, head + 1, "inserted", "records %lld to %lld were added after the head (inserted)",
				    head + 1, expect - 1);
		else if (hs[0] && strcmp(hm, prev) != 0)
			verify_fail(v, head, "edited", "record %lld is not the record the head names (edited)", head);
	}
	o->rollback(r->st); /* read transaction: nothing to keep */
	return ES_OK;
}

static const char SQL_EXPORT[] =
	"SELECT a.seq, a.kind, a.at, a.order_id, a.decision, a.input, a.input_sha256, a.output, a.extra, a.mac,"
	" r.list_version, r.rules_hash, r.tool, r.host, r.usr, a.out_prefix FROM audit a"
	" LEFT JOIN runs r ON r.id = a.run_id"
	" WHERE (? IS NULL OR a.at >= ?) AND (? IS NULL OR a.at < ?) AND (? IS NULL OR a.decision = ?)"
	" AND (? IS NULL OR a.order_id = ?) ORDER BY a.seq";

static void csv_field(es_buf *b, const char *s, size_t n)
{
	es_buf_addc(b, '"');
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			es_buf_addc(b, '"');
		es_buf_addc(b, s[i]);
	}
	es_buf_addc(b, '"');
}

/* Bytes as a JSON string (invalid UTF-8 replaced; the sha256 proves the bytes). */
static void json_bytes(es_buf *b, const char *s, size_t n)
{
	json_t *j = json_stringn(s, n);
	if (!j) {
		char *c = xmemdup(s, n);
		for (size_t i = 0; c && i < n; i++)
			if ((unsigned char)c[i] >= 0x80 || c[i] == 0)
				c[i] = '?';
		j = c ? json_stringn(c, n) : NULL;
		free(c);
	}
	char *t = j ? json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
	es_buf_adds(b, t ? t : "null");
	free(t);
	json_decref(j);
}

es_code es_records_export(es_records *r, const es_export_query *q, FILE *out, es_err *err)
{
	char until[11];
	bool has_until = q->until && es_rec_day_after(q->until, until);
	es_val a[] = {ES_VTEXT(q->since), ES_VTEXT(q->since), has_until ? ES_VTEXT(until) : ES_VNULL,
		      has_until ? ES_VTEXT(until) : ES_VNULL, ES_VTEXT(q->decision), ES_VTEXT(q->decision),
		      ES_VTEXT(q->order_id), ES_VTEXT(q->order_id)};
	const es_store_ops *o = r->st->ops;
	es_cursor *c;
	es_code rc = o->begin_read(r->st, err);
	if (rc != ES_OK)
		return rc;
	if ((rc = o->query(r->st, SQL_EXPORT, a, 8, &c, err)) != ES_OK) {
		o->rollback(r->st);
		return rc;
	}
	es_buf b = {0};
	if (q->csv)
		fputs("seq,kind,at,order_id,decision,input_sha256,list_version,rules_hash,tool,host,user,mac,input,"
		      "output,extra\n",
		      out);
	int s;
	while ((s = o->step(c, err)) > 0) {
		es_buf_clear(&b);
		size_t inl = 0;
		const char *in = o->col_blob(c, 5, &inl);
		size_t full_len;
		char *full = es_rec_output(in, inl, o->col_int(c, 15), o->col_text(c, 7), &full_len);
		const char *outp = full, *extra = o->col_text(c, 8);
		if (q->csv) {
			static const int cols[] = {0, 1, 2, 3, 4, 6, 10, 11, 12, 13, 14, 9};
			for (size_t k = 0; k < sizeof cols / sizeof *cols; k++) {
				const char *t = cols[k] == 0 ? NULL : o->col_text(c, cols[k]);
				if (cols[k] == 0)
					es_buf_printf(&b, "%lld", o->col_int(c, 0));
				else if (t)
					csv_field(&b, t, strlen(t));
				es_buf_addc(&b, ',');
			}
			csv_field(&b, in ? in : "", inl);
			es_buf_addc(&b, ',');
			size_t ol = outp ? strlen(outp) : 0;
			while (ol && (outp[ol - 1] == '\n' || outp[ol - 1] == '\r'))
				ol--;
			csv_field(&b, outp ? outp : "", ol);
			es_buf_addc(&b, ',');
			csv_field(&b, extra ? extra : "", extra ? strlen(extra) : 0);
			es_buf_addc(&b, '\n');
		} else {
			es_buf_printf(&b, "{\"seq\":%lld,\"kind\":", o->col_int(c, 0));
			es_rec_json_str(&b, o->col_text(c, 1));
			es_buf_adds(&b, ",\"at\":");
			es_rec_json_str(&b, o->col_text(c, 2));
			es_buf_adds(&b, ",\"order_id\":");
			es_rec_json_str(&b, o->col_text(c, 3));
			es_buf_adds(&b, ",\"decision\":");
			es_rec_json_str(&b, o->col_text(c, 4));
			es_buf_adds(&b, ",\"list_version\":");
			es_rec_json_str(&b, o->col_text(c, 10));
			es_buf_adds(&b, ",\"rules_hash\":");
			es_rec_json_str(&b, o->col_text(c, 11));
			es_buf_adds(&b, ",\"tool\":");
			es_rec_json_str(&b, o->col_text(c, 12));
			es_buf_adds(&b, ",\"host\":");
			es_rec_json_str(&b, o->col_text(c, 13));
			es_buf_adds(&b, ",\"user\":");
			es_rec_json_str(&b, o->col_text(c, 14));
			es_buf_adds(&b, ",\"input_sha256\":");
			es_rec_json_str(&b, o->col_text(c, 6));
			es_buf_adds(&b, ",\"input\":");
			if (in || o->col_text(c, 6))
				json_bytes(&b, in ? in : "", inl);
			else
				es_buf_adds(&b, "null");
			/* the output record, as an object when it is one (JSON Lines input) */
			es_buf_adds(&b, ",\"output\":");
			size_t ol = outp ? strlen(outp) : 0;
			while (ol && (outp[ol - 1] == '\n' || outp[ol - 1] == '\r'))
				ol--;
			json_t *j = outp && ol && outp[0] == '{' ? json_loadb(outp, ol, 0, NULL) : NULL;
			if (j)
				es_buf_add(&b, outp, ol);
			else if (outp)
				json_bytes(&b, outp, ol);
			else
				es_buf_adds(&b, "null");
			json_decref(j);
			es_buf_adds(&b, ",\"extra\":");
			if (extra && *extra)
				es_buf_adds(&b, extra);
			else
				es_buf_adds(&b, "null");
			es_buf_adds(&b, ",\"mac\":");
			es_rec_json_str(&b, o->col_text(c, 9));
			es_buf_adds(&b, "}\n");
		}
		free(full);
		if (b.oom) {
			rc = es_err_set(err, ES_ENOMEM, "out of memory");
			break;
		}
		if (fwrite(b.s, 1, b.len, out) != b.len) {
			rc = es_err_set(err, ES_EIO, "cannot write the export: %s", strerror(errno));
			break;
		}
	}
	if (s < 0 && rc == ES_OK)
		rc = ES_EIO;
	o->done(c);
	o->rollback(r->st);
	es_buf_free(&b);
	return rc;
}
