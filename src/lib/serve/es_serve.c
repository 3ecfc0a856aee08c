/* es_serve — the HTTP API (see es_serve.h). */
#include "es_serve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "es_buf.h"
#include "es_io.h"
#include "es_mhd.h"
#include "es_records.h"
#include "es_review.h"
#include "es_text.h"
#include "es_utf8.h"

/* ---- tokens --------------------------------------------------------------------- */

#define TOKEN_MIN 16
#define TOKEN_MAX 256
#define NAME_MAX_LEN 64

typedef struct {
	char name[NAME_MAX_LEN + 1];
	char token[TOKEN_MAX + 1];
	size_t len;
} token_row;

struct es_tokens {
	token_row *rows;
	size_t n;
};

es_code es_tokens_parse(es_tokens **out, const char *text, size_t len, const char *name, es_err *err)
{
	es_code rc = ES_OK;
	*out = NULL;
	char *buf = malloc(len + 1);
	es_tokens *t = calloc(1, sizeof *t);
	if (!buf || !t) {
		free(buf);
		free(t);
		return es_err_set(err, ES_ENOMEM, "out of memory");
	}
	memcpy(buf, text, len);
	buf[len] = '\0';
	if (memchr(text, '\0', len)) {
		rc = es_err_set(err, ES_EFORMAT, "%s: contains a NUL byte", name);
		goto fail;
	}
	char *cursor = buf;
	long lineno = 0;
	for (char *line; (line = es_text_data_line(&cursor, &lineno));) {
		char name_s[NAME_MAX_LEN + 2], tok[TOKEN_MAX + 2], extra[2];
		int k = sscanf(line, "%65s %257s %1s", name_s, tok, extra);
		if (k != 2) {
			rc = es_err_set(err, ES_EFORMAT, "%s:%ld: expected 'name token'", name, lineno);
			goto fail;
		}
		if (strlen(name_s) > NAME_MAX_LEN || strlen(tok) > TOKEN_MAX) {
			rc = es_err_set(err, ES_EFORMAT, "%s:%ld: name or token too long", name, lineno);
			goto fail;
		}
		if (strlen(tok) < TOKEN_MIN) {
			rc = es_err_set(err, ES_EFORMAT, "%s:%ld: token shorter than %d characters", name, lineno, TOKEN_MIN);
			goto fail;
		}
		if (t->n == ES_SERVE_MAX_TOKENS) {
			rc = es_err_set(err, ES_ETOOBIG, "%s: more than %d tokens", name, ES_SERVE_MAX_TOKENS);
			goto fail;
		}
		token_row *nr = realloc(t->rows, (t->n + 1) * sizeof *nr);
		if (!nr) {
			rc = es_err_set(err, ES_ENOMEM, "out of memory");
			goto fail;
		}
		t->rows = nr;
		snprintf(nr[t->n].name, sizeof nr[t->n].name, "%s", name_s);
		snprintf(nr[t->n].token, sizeof nr[t->n].token, "%s", tok);
		nr[t->n].len = strlen(tok);
		t->n++;
	}
	if (!t->n) {
		rc = es_err_set(err, ES_EFORMAT, "%s: no tokens", name);
		goto fail;
	}
	free(buf);
	*out = t;
	return ES_OK;
fail:
	free(buf);
	es_tokens_free(t);
	return rc;
}

es_code es_tokens_load(es_tokens **out, const char *path, es_err *err)
{
	char *buf = NULL;
	size_t len = 0;
	struct stat st;
	*out = NULL;
	if (stat(path, &st) != 0)
		return es_err_set(err, ES_EIO, "%s: %s", path, strerror(errno));
	if (st.st_mode & (S_IROTH | S_IWOTH))
		return es_err_set(err, ES_EUSAGE, "%s: readable by other users; chmod 600 it", path);
	es_code rc = es_read_file(path, 1 << 20, &buf, &len, err);
	if (rc == ES_OK)
		rc = es_tokens_parse(out, buf, len, path, err);
	if (buf)
		memset(buf, 0, len);
	free(buf);
	return rc;
}

void es_tokens_free(es_tokens *t)
{
	if (!t)
		return;
	if (t->rows)
		memset(t->rows, 0, t->n * sizeof *t->rows);
	free(t->rows);
	free(t);
}

const char *es_tokens_lookup(const es_tokens *t, const char *tok)
{
	size_t len = strnlen(tok, TOKEN_MAX + 1);
	const char *who = NULL;
	for (size_t i = 0; i < t->n; i++) {
		/* constant time in the token's bytes: no early exit on the first difference */
		unsigned char d = (unsigned char)(len != t->rows[i].len);
		for (size_t k = 0; k < t->rows[i].len; k++)
			d |= (unsigned char)(t->rows[i].token[k] ^ (k < len ? tok[k] : 0));
		if (!d && !who)
			who = t->rows[i].name;
	}
	return who;
}

/* ---- addresses ------------------------------------------------------------------ */

typedef struct {
	struct sockaddr_storage sa;
	socklen_t len;
	bool v6, loopback;
	char text[80];
} listen_addr;

static es_code parse_listen(const char *listen, listen_addr *a, es_err *err)
{
	char host[64];
	const char *port_s;
	memset(a, 0, sizeof *a);
	if (listen[0] == '[') {
		const char *close = strchr(listen, ']');
		if (!close || close[1] != ':' || (size_t)(close - listen - 1) >= sizeof host)
			return es_err_set(err, ES_EUSAGE, "--listen: expected [ADDR]:PORT, not '%s'", listen);
		memcpy(host, listen + 1, (size_t)(close - listen - 1));
		host[close - listen - 1] = '\0';
		port_s = close + 2;
	} else {
		const char *colon = strrchr(listen, ':');
		if (!colon || (size_t)(colon - listen) >= sizeof host)
			return es_err_set(err, ES_EUSAGE, "--listen: expected ADDR:PORT, not '%s'", listen);
		memcpy(host, listen, (size_t)(colon - listen));
		host[colon - listen] = '\0';
		port_s = colon + 1;
	}
	char *end;
	errno = 0;
	long port = strtol(port_s, &end, 10);
	if (!*port_s || *end || errno || port < 0 || port > 65535)
		return es_err_set(err, ES_EUSAGE, "--listen: bad port in '%s'", listen);
	if (strcmp(host, "localhost") == 0)
		snprintf(host, sizeof host, "127.0.0.1");
	struct sockaddr_in *v4 = (struct sockaddr_in *)&a->sa;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&a->sa;
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		a->len = sizeof *v4;
		a->loopback = (ntohl(v4->sin_addr.s_addr) >> 24) == 127;
	} else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		a->len = sizeof *v6;
		a->v6 = true;
		a->loopback = IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr);
	} else {
		return es_err_set(err, ES_EUSAGE, "--listen: '%s' is not a numeric IPv4/IPv6 address", host);
	}
	snprintf(a->text, sizeof a->text, a->v6 ? "[%s]:%ld" : "%s:%ld", host, port);
	return ES_OK;
}

es_code es_serve_check_listen(const char *listen, bool *loopback, es_err *err)
{
	listen_addr a;
	es_code rc = parse_listen(listen, &a, err);
	*loopback = rc == ES_OK && a.loopback;
	return rc;
}

bool es_serve_is_loopback(const char *listen)
{
	listen_addr a;
	es_err e = {0};
	return parse_listen(listen, &a, &e) == ES_OK && a.loopback;
}

/* ---- metrics -------------------------------------------------------------------- */

enum {
	EP_SCREEN, EP_CHECK, EP_COMPARE, EP_LISTS, EP_HEALTHZ, EP_METRICS,
	EP_REVIEW, EP_REVIEW_DISP, EP_REVIEW_REPORT, EP_REVIEW_LOGIN, EP_OTHER, EP_COUNT
};
static const char *const ep_names[EP_COUNT] = {"screen", "check", "compare", "lists", "healthz", "metrics",
					       "review", "review_disposition", "review_report", "review_login",
					       "other"};
static const char *const ep_paths[EP_COUNT] = {"/v1/screen", "/v1/check", "/v1/compare", "/v1/lists",
					       "/healthz", "/metrics", "/review", "/review/disposition",
					       "/review/report", "/review/login", NULL};

static const unsigned statuses[] = {200, 303, 400, 401, 403, 404, 405, 413, 500, 503};
#define N_STATUS (sizeof statuses / sizeof statuses[0])
static const double buckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
#define N_BUCKET (sizeof buckets / sizeof buckets[0])

typedef struct {
	atomic_ulong requests[EP_COUNT][N_STATUS + 1]; /* last: any other status */
	atomic_ulong latency[EP_COUNT][N_BUCKET + 1];  /* per bucket (not cumulative); last: +Inf */
	atomic_ulong latency_us_sum[EP_COUNT];
	atomic_ulong decisions[ES_DEC_ERROR + 1];
	atomic_long in_flight;
} metrics;

/* ---- the server ----------------------------------------------------------------- */

struct es_serve {
	es_serve_config cfg;
	struct MHD_Daemon *d;
	es_tokens *tokens;
	listen_addr addr;
	char address[96];
	metrics m;
	pthread_mutex_t reload_lock;
	char reload_error[512];
	/* screening workers: a filter (and records handle) per concurrent request,
	 * bound to one snapshot and one generation of the store's dispositions */
	pthread_mutex_t pool_lock;
	struct worker *pool;
	size_t n_pool;
	atomic_uint disp_gen;
	char disp_sig[128];      /* es_serve_poll_records: what the dispositions looked like */
	unsigned char csrf_key[32];
	es_links *links;        /* lists/source_links.tsv: official source links (check, review page) */
	es_data_age *ages;      /* data-date limits as lists prints them */
};

typedef struct worker {
	es_snapshot *snap;       /* one reference held */
	unsigned gen;
	es_filter *f;
	es_records *rec;         /* NULL without a store */
	es_filter_hooks hooks;
	struct worker *next;
} worker;

static void worker_free(worker *w)
{
	if (!w)
		return;
	es_filter_free(w->f);
	es_records_free(w->rec);
	es_snapshot_release(w->snap);
	free(w);
}

static bool store_exists(const es_serve *s)
{
	struct stat st;
	return s->cfg.records_path && stat(s->cfg.records_path, &st) == 0;
}

/* A worker for the snapshot in use: from the pool, or new. */
static worker *worker_take(es_serve *s, es_err *err)
{
	es_snapshot *snap = es_live_acquire(s->cfg.live);
	unsigned gen = atomic_load(&s->disp_gen);
	worker *w = NULL, *stale = NULL;
	pthread_mutex_lock(&s->pool_lock);
	for (worker **pp = &s->pool; *pp;) {
		worker *x = *pp;
		if (x->snap == snap && x->gen == gen && !w) {
			*pp = x->next;
			w = x;
		} else if (x->snap != snap || x->gen != gen) {
			*pp = x->next;
			x->next = stale;
			stale = x;
		} else {
			pp = &x->next;
			continue;
		}
		s->n_pool--;
	}
	pthread_mutex_unlock(&s->pool_lock);
	while (stale) {
		worker *n = stale->next;
		worker_free(stale);
		stale = n;
	}
	if (w) {
		es_snapshot_release(snap);
		return w;
	}
	if (!(w = calloc(1, sizeof *w))) {
		es_snapshot_release(snap);
		es_err_set(err, ES_ENOMEM, "out of memory");
		return NULL;
	}
	w->snap = snap;
	w->gen = gen;
	es_filter_config cfg;
	es_snapshot_filter_config(snap, &cfg);
	if (s->cfg.record || store_exists(s)) {
		es_code rc = es_records_open(&w->rec, s->cfg.records_path, NULL,
					     s->cfg.record ? ES_RECORDS_CREATE : ES_RECORDS_READONLY, err);
		es_records_run run;
		if (rc == ES_OK && s->cfg.record &&
		    ((rc = es_records_describe(w->rec, snap->ls, s->cfg.lists_dir, "serve", &run, err)) != ES_OK ||
		     (rc = es_records_start_run(w->rec, &run, err)) != ES_OK)) {
			worker_free(w);
			return NULL;
		}
		if (rc != ES_OK || (rc = es_records_filter_hooks(w->rec, snap->m, s->cfg.record, &w->hooks, err)) != ES_OK) {
			worker_free(w);
			return NULL;
		}
		cfg.hooks = &w->hooks;
	}
	if (es_filter_new(&w->f, &cfg, err) != ES_OK) {
		worker_free(w);
		return NULL;
	}
	return w;
}

static void worker_give(es_serve *s, worker *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&s->pool_lock);
	bool keep = s->n_pool < 2 * (size_t)s->cfg.threads + 2 && w->gen == atomic_load(&s->disp_gen);
	if (keep) {
		w->next = s->pool;
		s->pool = w;
		s->n_pool++;
	}
	pthread_mutex_unlock(&s->pool_lock);
	if (!keep)
		worker_free(w);
}

/* The store keeps what was screened before anyone sees the result. */
static es_code worker_commit(worker *w, es_err *err)
{
	return w->hooks.commit ? w->hooks.commit(w->hooks.user, err) : ES_OK;
}

typedef struct {
	int ep;
	bool post, head;
	uint64_t start_ns;
	es_buf body;
	bool too_big, queued;
	unsigned status;
	const char *who;      /* token name, or NULL */
	unsigned refuse_status; /* refused before the body (refuse_early), or 0 */
	char refuse_msg[96];
} request;

static bool ep_is_post(int ep)
{
	return ep == EP_SCREEN || ep == EP_COMPARE || ep == EP_REVIEW_DISP;
}

static bool ep_is_html(int ep)
{
	return ep == EP_REVIEW || ep == EP_REVIEW_DISP || ep == EP_REVIEW_REPORT || ep == EP_REVIEW_LOGIN;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void add_common_headers(struct MHD_Response *resp, const char *ctype, const char *version)
{
	MHD_add_response_header(resp, "Content-Type", ctype);
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	if (version)
		MHD_add_response_header(resp, "X-Lists-Version", version);
}

/* Queues buf (malloc'd, taken over) as the response. */
static enum MHD_Result send_buf(struct MHD_Connection *c, request *r, unsigned status, char *buf, size_t len,
				const char *ctype, const char *version)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(buf);
		return MHD_NO;
	}
	add_common_headers(resp, ctype, version);
	if (status == 401)
		MHD_add_response_header(resp, "WWW-Authenticate", "Bearer realm=\"exportscreen\"");
	if (status == 405) {
		const char *allow = r->ep == EP_REVIEW_LOGIN ? "GET, HEAD, POST"
				    : ep_is_post(r->ep)   ? "POST"
							  : "GET, HEAD";
		MHD_add_response_header(resp, "Allow", allow);
	}
	enum MHD_Result ok = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	r->status = status;
	r->queued = true;
	return ok;
}

/* {"error": msg} (plus "version" when known). */
static enum MHD_Result send_error(struct MHD_Connection *c, request *r, unsigned status, const char *msg,
				  const char *version)
{
	json_t *o = json_object();
	json_object_set_new(o, "error", json_string(msg));
	if (version)
		json_object_set_new(o, "version", json_string(version));
	char *t = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!t)
		return MHD_NO;
	size_t n = strlen(t);
	char *b = realloc(t, n + 2);
	if (!b) {
		free(t);
		return MHD_NO;
	}
	b[n] = '\n';
	return send_buf(c, r, status, b, n + 1, "application/json", version);
}

static int route(const char *url)
{
	for (int i = 0; i < EP_COUNT; i++)
		if (ep_paths[i] && strcmp(url, ep_paths[i]) == 0)
			return i;
	return EP_OTHER;
}


/* ---- /v1/screen ------------------------------------------------------------------ */

static bool is_ndjson(struct MHD_Connection *c)
{
	const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
	if (!ct)
		return false;
	static const char *const kinds[] = {"application/x-ndjson", "application/jsonl", "application/x-jsonlines",
					    "application/jsonlines"};
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		size_t k = strlen(kinds[i]);
		if (strncasecmp(ct, kinds[i], k) == 0 && (ct[k] == '\0' || ct[k] == ';' || ct[k] == ' '))
			return true;
	}
	return false;
}

/* The records of an x-ndjson body, screened as MHD asks for more output. */
typedef struct {
	es_serve *s;
	worker *w;
	char *body;
	size_t len, pos, lineno;
	es_buf out;
	size_t out_pos;
} stream;

static void stream_free(void *cls)
{
	stream *st = cls;
	worker_give(st->s, st->w);
	free(st->body);
	es_buf_free(&st->out);
	free(st);
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	stream *st = cls;
	(void)pos;
	while (st->out_pos == st->out.len) {
		if (st->pos >= st->len)
			return MHD_CONTENT_READER_END_OF_STREAM;
		es_buf_clear(&st->out);
		st->out_pos = 0;
		/* up to 64 KiB of records per refill: fewer calls, bounded memory */
		while (st->pos < st->len && st->out.len < (1u << 16)) {
			const char *line = st->body + st->pos;
			const char *nl = memchr(line, '\n', st->len - st->pos);
			size_t n = nl ? (size_t)(nl - line) : st->len - st->pos;
			st->pos += n + (nl ? 1 : 0);
			st->lineno++;
			bool blank = true;
			for (size_t i = 0; i < n && blank; i++)
				blank = line[i] == ' ' || line[i] == '\t' || line[i] == '\r';
			if (blank)
				continue; /* the filter skips blank lines too */
			es_decision d = ES_DEC_ERROR;
			es_err e = {0};
			if (es_filter_jsonl_record(st->w->f, line, n, st->lineno, nl != NULL, &st->out, &d, &e) != ES_OK)
				return MHD_CONTENT_READER_END_WITH_ERROR;
			atomic_fetch_add(&st->s->m.decisions[d], 1);
		}
		es_err e = {0};
		if (worker_commit(st->w, &e) != ES_OK)
			return MHD_CONTENT_READER_END_WITH_ERROR; /* nothing unrecorded is sent */
	}
	size_t k = st->out.len - st->out_pos;
	if (k > max)
		k = max;
	memcpy(buf, st->out.s + st->out_pos, k);
	st->out_pos += k;
	return (ssize_t)k;
}

static enum MHD_Result do_screen(es_serve *s, struct MHD_Connection *c, request *r)
{
	es_err e = {0};
	if (r->body.len == 0)
		return send_error(c, r, 400, "empty body: one order (JSON) or orders as application/x-ndjson expected",
				  NULL);
	bool nd = is_ndjson(c);
	if (nd) {
		/* a line the filter would cut is refused before any record is sent */
		size_t lineno = 0;
		for (size_t p = 0; p < r->body.len;) {
			const char *nl = memchr(r->body.s + p, '\n', r->body.len - p);
			size_t n = nl ? (size_t)(nl - (r->body.s + p)) : r->body.len - p;
			lineno++;
			if (n > ES_FILTER_MAX_LINE) {
				char msg[96];
				snprintf(msg, sizeof msg, "line %zu: longer than %u bytes", lineno, ES_FILTER_MAX_LINE);
				return send_error(c, r, 413, msg, NULL);
			}
			p += n + 1;
		}
	} else if (r->body.len > ES_FILTER_MAX_LINE) {
		return send_error(c, r, 413, "order longer than the filter's line limit", NULL);
	}
	worker *w = worker_take(s, &e);
	if (!w)
		return send_error(c, r, 503, e.msg[0] ? e.msg : "cannot screen now", NULL);
	if (nd) {
		stream *st = calloc(1, sizeof *st);
		if (!st) {
			worker_give(s, w);
			return send_error(c, r, 500, "out of memory", NULL);
		}
		st->s = s;
		st->w = w;
		st->len = r->body.len;
		st->body = es_buf_take(&r->body);
		struct MHD_Response *resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 1 << 16, stream_read,
									      st, stream_free);
		if (!resp) {
			stream_free(st);
			return MHD_NO;
		}
		add_common_headers(resp, "application/x-ndjson", w->snap->version);
		enum MHD_Result ok = MHD_queue_response(c, 200, resp);
		MHD_destroy_response(resp);
		r->status = 200;
		r->queued = true;
		return ok;
	}
	size_t len = r->body.len;
	if (len && r->body.s[len - 1] == '\n')
		len--; /* the line the filter would read */
	es_buf ob = {0};
	es_decision d = ES_DEC_ERROR;
	es_code rc = es_filter_jsonl_record(w->f, r->body.s, len, 1, true, &ob, &d, &e);
	if (rc == ES_OK)
		rc = worker_commit(w, &e);
	char version[65];
	snprintf(version, sizeof version, "%s", w->snap->version);
	if (rc != ES_OK) {
		/* a worker whose store failed is not reused */
		worker_free(w);
		es_buf_free(&ob);
		return send_error(c, r, rc == ES_ENOMEM ? 500 : 503, e.msg, version);
	}
	worker_give(s, w);
	atomic_fetch_add(&s->m.decisions[d], 1);
	size_t out_len = ob.len;
	char *out = es_buf_take(&ob);
	if (!out)
		return send_error(c, r, 500, "out of memory", version);
	/* a malformed order is a 400 whose body is the filter's ERROR record ({"error": ...} among its members) */
	return send_buf(c, r, d == ES_DEC_ERROR ? 400 : 200, out, out_len, "application/json", version);
}

/* ---- /v1/check, /v1/compare, /v1/lists, /healthz, /metrics ---------------------- */

typedef struct {
	const char *bad;
} arg_scan;

static enum MHD_Result check_arg_known(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	arg_scan *a = cls;
	static const char *const known[] = {"name", "country", "type", "limit", "threshold", "explain"};
	(void)kind;
	(void)value;
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		if (strcmp(key, known[i]) == 0)
			return MHD_YES;
	a->bad = key;
	return MHD_NO;
}

static enum MHD_Result do_check(es_serve *s, struct MHD_Connection *c, request *r)
{
	char msg[256];
	arg_scan as = {0};
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, check_arg_known, &as);
	if (as.bad) {
		snprintf(msg, sizeof msg, "unknown parameter '%.64s' (name, country, type, limit, threshold, explain)",
			 as.bad);
		return send_error(c, r, 400, msg, NULL);
	}
	const char *name = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "name");
	const char *country = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "country");
	const char *type = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "type");
	const char *limit = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "limit");
	const char *threshold = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "threshold");
	const char *explain = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "explain");
	es_query q = {.threshold = ES_MATCH_DEFAULT_THRESHOLD, .limit = 10, .type = ES_TYPE_UNKNOWN};
	char cc[3] = "";
	if (!name || !*name)
		return send_error(c, r, 400, "parameter 'name' is required", NULL);
	if (country && *country) {
		if (strlen(country) != 2 || !((country[0] | 32) >= 'a' && (country[0] | 32) <= 'z') ||
		    !((country[1] | 32) >= 'a' && (country[1] | 32) <= 'z'))
			return send_error(c, r, 400, "country: an ISO alpha-2 code expected", NULL);
		cc[0] = (char)(country[0] & ~32);
		cc[1] = (char)(country[1] & ~32);
		q.country = cc;
	}
	if (type && *type && (es_type_from_name(type, &q.type) != 0 || q.type == ES_TYPE_UNKNOWN))
		return send_error(c, r, 400, "type: person, entity, vessel or aircraft expected", NULL);
	char *end;
	if (threshold && *threshold) {
		errno = 0;
		q.threshold = strtod(threshold, &end);
		if (errno || *end || !(q.threshold >= 0 && q.threshold <= 1))
			return send_error(c, r, 400, "threshold: a number between 0 and 1 expected", NULL);
	}
	if (limit && *limit) {
		errno = 0;
		long l = strtol(limit, &end, 10);
		if (errno || *end || l < 1 || l > ES_API_MAX_LIMIT) {
			snprintf(msg, sizeof msg, "limit: a whole number from 1 to %d expected", ES_API_MAX_LIMIT);
			return send_error(c, r, 400, msg, NULL);
		}
		q.limit = (size_t)l;
	}
	bool ex = explain && (strcmp(explain, "1") == 0 || strcmp(explain, "true") == 0);
	es_err e = {0};
	worker *w = worker_take(s, &e); /* its store handle gives the dispositions */
	if (!w)
		return send_error(c, r, 503, e.msg[0] ? e.msg : "cannot screen now", NULL);
	char *out = NULL;
	size_t out_len = 0, n = 0;
	es_code rc = es_api_check_json(w->snap->m, s->cfg.rules, s->links, w->rec, name, strlen(name), &q, ex, &out, &out_len, &n, &e);
	char version[65];
	snprintf(version, sizeof version, "%s", w->snap->version);
	worker_give(s, w);
	return rc == ES_OK ? send_buf(c, r, 200, out, out_len, "application/json", version)
			   : send_error(c, r, rc == ES_ENOMEM ? 500 : 400, e.msg, version);
}

static enum MHD_Result do_compare(es_serve *s, struct MHD_Connection *c, request *r)
{
	json_error_t je;
	json_t *o = json_loadb(r->body.s ? r->body.s : "", r->body.len, JSON_REJECT_DUPLICATES, &je);
	char msg[300];
	if (!o || !json_is_object(o)) {
		snprintf(msg, sizeof msg, "body: a JSON object {\"name1\", \"name2\", \"type\"} expected%s%s",
			 o ? "" : ": ", o ? "" : je.text);
		json_decref(o);
		return send_error(c, r, 400, msg, NULL);
	}
	json_t *a = json_object_get(o, "name1"), *b = json_object_get(o, "name2");
	json_t *t = json_object_get(o, "type"), *th = json_object_get(o, "threshold");
	const char *key;
	json_t *v;
	const char *unknown = NULL;
	json_object_foreach(o, key, v)
	{
		if (strcmp(key, "name1") && strcmp(key, "name2") && strcmp(key, "type") && strcmp(key, "threshold"))
			unknown = key;
	}
	es_type type = ES_TYPE_UNKNOWN;
	double threshold = ES_MATCH_DEFAULT_THRESHOLD;
	const char *bad = NULL;
	if (unknown)
		bad = "unknown member (name1, name2, type, threshold)";
	else if (!json_is_string(a) || !json_is_string(b))
		bad = "name1 and name2 must be strings";
	else if (strlen(json_string_value(a)) != json_string_length(a) ||
		 strlen(json_string_value(b)) != json_string_length(b))
		bad = "a name contains a NUL character";
	else if (json_string_length(a) > ES_API_MAX_NAME || json_string_length(b) > ES_API_MAX_NAME)
		bad = "a name is longer than 4096 bytes";
	else if (t && !json_is_null(t) &&
		 (!json_is_string(t) || es_type_from_name(json_string_value(t), &type) != 0 || type == ES_TYPE_UNKNOWN))
		bad = "type: person or entity expected";
	else if (th && !json_is_null(th)) {
		threshold = json_number_value(th);
		if (!json_is_number(th) || !(threshold >= 0 && threshold <= 1))
			bad = "threshold: a number between 0 and 1 expected";
	}
	if (bad) {
		json_decref(o);
		return send_error(c, r, 400, bad, NULL);
	}
	es_snapshot *snap = es_live_acquire(s->cfg.live);
	char *out = NULL;
	size_t out_len = 0;
	es_err e = {0};
	es_code rc = es_api_compare_json(snap->m, json_string_value(a), json_string_value(b), type, threshold, &out,
					 &out_len, &e);
	json_decref(o);
	enum MHD_Result ok = rc == ES_OK ? send_buf(c, r, 200, out, out_len, "application/json", snap->version)
			     : send_error(c, r, rc == ES_ENOMEM ? 500 : 400, e.msg, snap->version);
	es_snapshot_release(snap);
	return ok;
}

static enum MHD_Result do_lists(es_serve *s, struct MHD_Connection *c, request *r)
{
	es_snapshot *snap = es_live_acquire(s->cfg.live);
	char *out = NULL;
	size_t out_len = 0;
	es_err e = {0};
	es_code rc = es_api_lists_json(snap, s->ages, s->cfg.max_age_days, time(NULL), &out, &out_len, &e);
	enum MHD_Result ok = rc == ES_OK ? send_buf(c, r, 200, out, out_len, "application/json", snap->version)
			     : send_error(c, r, 500, e.msg, snap->version);
	es_snapshot_release(snap);
	return ok;
}

/* Why the service should not take traffic, or NULL. */
static const char *unhealthy(es_serve *s, const es_snapshot *snap, char *buf, size_t cap)
{
	pthread_mutex_lock(&s->reload_lock);
	bool failed = s->reload_error[0] != '\0';
	if (failed)
		snprintf(buf, cap, "list reload failed (still screening with the previous set): %s", s->reload_error);
	pthread_mutex_unlock(&s->reload_lock);
	if (failed)
		return buf;
	for (size_t i = 0; snap->problems && i < snap->ls->manifest.n_sources; i++)
		if (snap->problems[i]) {
			snprintf(buf, cap, "%s: %s", es_source_id(snap->ls->manifest.sources[i].source), snap->problems[i]);
			return buf;
		}
	time_t now = time(NULL);
	if (!s->cfg.allow_stale && es_listset_stale(snap->ls, now, s->cfg.max_age_days)) {
		long oldest = 0;
		const char *who = "?";
		for (size_t i = 0; i < snap->ls->manifest.n_sources; i++) {
			long age = es_source_age_days(&snap->ls->manifest.sources[i], now);
			if (age < 0 || age > oldest) {
				oldest = age;
				who = es_source_id(snap->ls->manifest.sources[i].source);
				if (age < 0)
					break;
			}
		}
		snprintf(buf, cap, "lists are stale: %s is %ld days old (max %ld); run 'exportscreen fetch'", who, oldest,
			 s->cfg.max_age_days);
		return buf;
	}
	return NULL;
}

static enum MHD_Result do_healthz(es_serve *s, struct MHD_Connection *c, request *r)
{
	es_snapshot *snap = es_live_acquire(s->cfg.live);
	char why[700];
	const char *bad = unhealthy(s, snap, why, sizeof why);
	enum MHD_Result ok;
	if (bad) {
		ok = send_error(c, r, 503, bad, snap->version);
	} else {
		json_t *o = json_pack("{s:s,s:s,s:s}", "status", "ok", "version", snap->version, "in_use",
				      snap->ls->bundled ? "bundled" : "fetched");
		char *t = o ? json_dumps(o, JSON_COMPACT) : NULL;
		json_decref(o);
		ok = t ? send_buf(c, r, 200, t, strlen(t), "application/json", snap->version) : MHD_NO;
	}
	es_snapshot_release(snap);
	return ok;
}

static enum MHD_Result do_metrics(es_serve *s, struct MHD_Connection *c, request *r)
{
	es_buf b = {0};
	metrics *m = &s->m;
	es_buf_adds(&b, "# HELP exportscreen_requests_total HTTP requests by endpoint and status.\n"
			"# TYPE exportscreen_requests_total counter\n");
	for (int e = 0; e < EP_COUNT; e++)
		for (size_t k = 0; k <= N_STATUS; k++) {
			unsigned long v = atomic_load(&m->requests[e][k]);
			if (!v)
				continue;
			if (k < N_STATUS)
				es_buf_printf(&b, "exportscreen_requests_total{endpoint=\"%s\",status=\"%u\"} %lu\n", ep_names[e],
					      statuses[k], v);
			else
				es_buf_printf(&b, "exportscreen_requests_total{endpoint=\"%s\",status=\"other\"} %lu\n",
					      ep_names[e], v);
		}
	es_buf_adds(&b, "# HELP exportscreen_request_duration_seconds Time from the request's first byte to its "
			"last response byte.\n# TYPE exportscreen_request_duration_seconds histogram\n");
	for (int e = 0; e < EP_COUNT; e++) {
		unsigned long cum = 0;
		for (size_t k = 0; k <= N_BUCKET; k++) {
			cum += atomic_load(&m->latency[e][k]);
			if (k < N_BUCKET)
				es_buf_printf(&b, "exportscreen_request_duration_seconds_bucket{endpoint=\"%s\",le=\"%g\"} %lu\n",
					      ep_names[e], buckets[k], cum);
			else
				es_buf_printf(&b, "exportscreen_request_duration_seconds_bucket{endpoint=\"%s\",le=\"+Inf\"} %lu\n",
					      ep_names[e], cum);
		}
		es_buf_printf(&b, "exportscreen_request_duration_seconds_sum{endpoint=\"%s\"} %.6f\n", ep_names[e],
			      (double)atomic_load(&m->latency_us_sum[e]) / 1e6);
		es_buf_printf(&b, "exportscreen_request_duration_seconds_count{endpoint=\"%s\"} %lu\n", ep_names[e], cum);
	}
	es_buf_adds(&b, "# HELP exportscreen_decisions_total Screened orders by decision.\n"
			"# TYPE exportscreen_decisions_total counter\n");
	for (int d = 0; d <= ES_DEC_ERROR; d++)
		es_buf_printf(&b, "exportscreen_decisions_total{decision=\"%s\"} %lu\n", es_decision_name((es_decision)d),
			      atomic_load(&m->decisions[d]));
	es_snapshot *snap = es_live_acquire(s->cfg.live);
	time_t now = time(NULL);
	es_buf_adds(&b, "# HELP exportscreen_list_age_days Age of each source of the list set in use (-1 unknown).\n"
			"# TYPE exportscreen_list_age_days gauge\n");
	for (size_t i = 0; i < snap->ls->manifest.n_sources; i++)
		es_buf_printf(&b, "exportscreen_list_age_days{source=\"%s\"} %ld\n",
			      es_source_id(snap->ls->manifest.sources[i].source),
			      es_source_age_days(&snap->ls->manifest.sources[i], now));
	es_buf_printf(&b,
		      "# HELP exportscreen_lists_stale 1 when the list set in use is older than the maximum age.\n"
		      "# TYPE exportscreen_lists_stale gauge\nexportscreen_lists_stale %d\n"
		      "# HELP exportscreen_lists_info The list set in use.\n# TYPE exportscreen_lists_info gauge\n"
		      "exportscreen_lists_info{version=\"%s\",in_use=\"%s\"} 1\n"
		      "# HELP exportscreen_list_reloads_total List sets swapped in without restart.\n"
		      "# TYPE exportscreen_list_reloads_total counter\nexportscreen_list_reloads_total %zu\n"
		      "# HELP exportscreen_list_reload_failures_total Reloads refused (the set in use was kept).\n"
		      "# TYPE exportscreen_list_reload_failures_total counter\nexportscreen_list_reload_failures_total %zu\n"
		      "# HELP exportscreen_requests_in_flight Requests being answered.\n"
		      "# TYPE exportscreen_requests_in_flight gauge\nexportscreen_requests_in_flight %ld\n",
		      es_listset_stale(snap->ls, now, s->cfg.max_age_days) ? 1 : 0, snap->version,
		      snap->ls->bundled ? "bundled" : "fetched", es_live_reloads(s->cfg.live),
		      es_live_reload_failures(s->cfg.live), (long)atomic_load(&m->in_flight));
	char *version = strdup(snap->version);
	es_snapshot_release(snap);
	size_t len = b.len;
	char *t = es_buf_take(&b);
	enum MHD_Result ok = t && version ? send_buf(c, r, 200, t, len, "text/plain; version=0.0.4", version) : MHD_NO;
	if (!t || !version)
		free(t);
	free(version);
	return ok;
}

static es_code poll_one(void *user, const es_disposition *d, es_err *err)
{
	long long *g = user;
	(void)err;
	g[0]++;
	if (d->id > g[1])
		g[1] = d->id;
	if (d->revoked_at)
		g[2]++;
	return ES_OK;
}

/* ---- the review page ------------------------------------------------------------- */

#define HTML_CSP "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

static enum MHD_Result send_html(struct MHD_Connection *c, request *r, unsigned status, es_buf *b, const char *version,
				 const char *location, const char *cookie)
{
	if (b->oom) {
		es_buf_free(b);
		return send_error(c, r, 500, "out of memory", NULL);
	}
	size_t len = b->len;
	char *t = es_buf_take(b);
	if (!t && !(t = strdup("")))
		return MHD_NO;
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, t, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(t);
		return MHD_NO;
	}
	add_common_headers(resp, "text/html; charset=utf-8", version);
	MHD_add_response_header(resp, "Content-Security-Policy", HTML_CSP);
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Referrer-Policy", "same-origin"); /* no-referrer would make form posts Origin: null */
	if (location)
		MHD_add_response_header(resp, "Location", location);
	if (cookie)
		MHD_add_response_header(resp, "Set-Cookie", cookie);
	if (status == 401)
		MHD_add_response_header(resp, "WWW-Authenticate", "Bearer realm=\"exportscreen\"");
	enum MHD_Result ok = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	r->status = status;
	r->queued = true;
	return ok;
}

static enum MHD_Result html_message(struct MHD_Connection *c, request *r, unsigned status, const char *title,
				    const char *msg)
{
	es_buf b = {0};
	es_review_message_page(&b, title, msg, "/review");
	return send_html(c, r, status, &b, NULL, NULL, NULL);
}

/* The form token of an identity: hex HMAC-SHA256(key made at start, identity). */
static void csrf_token(const es_serve *s, const char *who, char out[65])
{
	unsigned char mac[32];
	unsigned int n = 0;
	const char *id = who ? who : "-";
	HMAC(EVP_sha256(), s->csrf_key, sizeof s->csrf_key, (const unsigned char *)id, strlen(id), mac, &n);
	for (unsigned i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", mac[i]);
}

static int hexval(char ch)
{
	return ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
}

char *es_form_value(const char *body, size_t len, const char *key)
{
	size_t kl = strlen(key);
	for (size_t p = 0; p < len;) {
		const char *amp = memchr(body + p, '&', len - p);
		size_t n = amp ? (size_t)(amp - (body + p)) : len - p;
		const char *f = body + p;
		p += n + 1;
		if (n < kl + 1 || memcmp(f, key, kl) != 0 || f[kl] != '=')
			continue;
		char *v = malloc(n - kl);
		if (!v)
			return NULL;
		size_t o = 0;
		for (size_t i = kl + 1; i < n; i++) {
			if (f[i] == '+') {
				v[o++] = ' ';
			} else if (f[i] == '%') {
				int hi = i + 2 < n ? hexval(f[i + 1]) : -1, lo = i + 2 < n ? hexval(f[i + 2]) : -1;
				if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
					free(v);
					return NULL; /* malformed escape or a NUL byte */
				}
				v[o++] = (char)(hi * 16 + lo);
				i += 2;
			} else {
				v[o++] = f[i];
			}
		}
		v[o] = '\0';
		return v;
	}
	return NULL;
}

static const char *arg(struct MHD_Connection *c, const char *k)
{
	const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, k);
	return v && *v ? v : NULL;
}

static es_code open_store(const es_serve *s, bool write, es_records **out, es_err *err)
{
	*out = NULL;
	if (!s->cfg.records_path)
		return es_err_set(err, ES_EMISSING, "no records store");
	if (!write && !store_exists(s))
		return ES_OK;
	return es_records_open(out, s->cfg.records_path, NULL, write ? ES_RECORDS_CREATE : ES_RECORDS_READONLY, err);
}

static enum MHD_Result do_review(es_serve *s, struct MHD_Connection *c, request *r)
{
	es_snapshot *snap = es_live_acquire(s->cfg.live);
	es_records *rec = NULL;
	es_err e = {0};
	char csrf[65];
	csrf_token(s, r->who, csrf);
	enum MHD_Result ok;
	if (s->cfg.records_path && open_store(s, false, &rec, &e) != ES_OK) {
		ok = html_message(c, r, 503, "Records store unavailable", e.msg);
	} else {
		es_review_ctx ctx = {rec, snap->m, snap->version, s->links, csrf, r->who};
		es_review_query q = {arg(c, "since"), arg(c, "until"), arg(c, "decision"), arg(c, "list"), arg(c, "party"),
				     arg(c, "msg")};
		es_buf b = {0};
		es_code rc = es_review_page(&ctx, &q, &b, &e);
		if (rc == ES_OK) {
			ok = send_html(c, r, 200, &b, snap->version, NULL, NULL);
		} else {
			es_buf_free(&b);
			ok = html_message(c, r, rc == ES_EUSAGE ? 400 : 500, "Cannot show the review page", e.msg);
		}
	}
	es_records_free(rec);
	es_snapshot_release(snap);
	return ok;
}

static enum MHD_Result do_review_disposition(es_serve *s, struct MHD_Connection *c, request *r)
{
	const char *body = r->body.s ? r->body.s : "";
	size_t len = r->body.len;
	char *f_csrf = es_form_value(body, len, "csrf"), *party = es_form_value(body, len, "party"),
	     *country = es_form_value(body, len, "country"), *source = es_form_value(body, len, "source"),
	     *entry = es_form_value(body, len, "entry_id"), *kind = es_form_value(body, len, "kind"),
	     *reason = es_form_value(body, len, "reason"), *by = es_form_value(body, len, "by"),
	     *back = es_form_value(body, len, "back");
	char want[65];
	csrf_token(s, r->who, want);
	enum MHD_Result ok;
	const char *who = r->who ? r->who : by;
	if (!f_csrf || strlen(f_csrf) != 64 || CRYPTO_memcmp(f_csrf, want, 64) != 0) {
		ok = html_message(c, r, 403, "Refused", "the form's token is missing or wrong: reload the review page");
	} else if (!party || !*party || !source || !entry || !kind ||
		   (strcmp(kind, "false_positive") && strcmp(kind, "true_match"))) {
		ok = html_message(c, r, 400, "Not recorded", "party, list entry and kind (false positive or true match) are required");
	} else if (!reason || !*reason || strlen(reason) > 500) {
		ok = html_message(c, r, 400, "Not recorded", "a reason (up to 500 characters) is required");
	} else if (!who || !*who || strlen(who) > 64) {
		ok = html_message(c, r, 400, "Not recorded", "your name (up to 64 characters) is required");
	} else if (!es_utf8_valid(party, strlen(party), NULL) || !es_utf8_valid(reason, strlen(reason), NULL) ||
		   !es_utf8_valid(who, strlen(who), NULL)) {
		ok = html_message(c, r, 400, "Not recorded", "the form is not valid UTF-8");
	} else {
		es_snapshot *snap = es_live_acquire(s->cfg.live);
		es_records *rec = NULL;
		es_err e = {0};
		long long id = 0;
		es_disposition_new d = {party, country && *country ? country : NULL, source, entry,
					strcmp(kind, "true_match") == 0, reason, who, NULL};
		es_code rc = open_store(s, true, &rec, &e);
		if (rc == ES_OK)
			rc = es_records_disposition_add(rec, snap->m, &d, &id, &e);
		es_records_free(rec);
		es_snapshot_release(snap);
		if (rc != ES_OK) {
			ok = html_message(c, r, rc == ES_EMISSING ? 400 : 503, "Not recorded", e.msg);
		} else {
			atomic_fetch_add(&s->disp_gen, 1); /* the next screenings load it */
			es_buf loc = {0};
			es_buf_adds(&loc, back && strncmp(back, "/review?", 8) == 0 && !strpbrk(back, "\r\n") ? back
													       : "/review?");
			char msg[128];
			snprintf(msg, sizeof msg, "disposition %lld recorded (%s)", id, kind);
			es_buf_adds(&loc, "&msg=");
			es_review_url_encode(&loc, msg);
			es_buf b = {0};
			es_review_message_page(&b, "Recorded", msg, loc.s);
			ok = loc.oom ? MHD_NO : send_html(c, r, 303, &b, NULL, loc.s, NULL);
			es_buf_free(&loc);
		}
	}
	free(f_csrf);
	free(party);
	free(country);
	free(source);
	free(entry);
	free(kind);
	free(reason);
	free(by);
	free(back);
	return ok;
}

static enum MHD_Result do_review_report(es_serve *s, struct MHD_Connection *c, request *r)
{
	const char *since = arg(c, "since"), *until = arg(c, "until"), *format = arg(c, "format");
	char next[11];
	if (!since || !es_records_day_valid(since, next) || (until && !es_records_day_valid(until, next)))
		return html_message(c, r, 400, "No report", "since (and until) must be real days, YYYY-MM-DD");
	bool html = !format || strcmp(format, "csv") != 0;
	if (format && strcmp(format, "html") && strcmp(format, "csv"))
		return html_message(c, r, 400, "No report", "format is html or csv");
	es_records *rec = NULL;
	es_err e = {0};
	if (open_store(s, false, &rec, &e) != ES_OK || !rec) {
		es_records_free(rec);
		return html_message(c, r, 503, "No report", rec ? e.msg : "no records store yet");
	}
	es_snapshot *snap = es_live_acquire(s->cfg.live);
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	es_code rc = mem ? es_records_report(rec, snap->m, since, until, html, mem, &e) : es_err_set(&e, ES_ENOMEM, "out of memory");
	if (mem)
		fclose(mem);
	es_records_free(rec);
	enum MHD_Result ok;
	if (rc != ES_OK) {
		free(text);
		ok = html_message(c, r, 500, "No report", e.msg);
	} else {
		struct MHD_Response *resp = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
		if (!resp) {
			free(text);
			ok = MHD_NO;
		} else {
			add_common_headers(resp, html ? "text/html; charset=utf-8" : "text/csv; charset=utf-8", snap->version);
			MHD_add_response_header(resp, "Content-Security-Policy", HTML_CSP);
			char cd[96];
			snprintf(cd, sizeof cd, "attachment; filename=\"signoff-%s%s%s.%s\"", since, until ? "-" : "",
				 until ? until : "", html ? "html" : "csv");
			MHD_add_response_header(resp, "Content-Disposition", cd);
			ok = MHD_queue_response(c, 200, resp);
			MHD_destroy_response(resp);
			r->status = 200;
			r->queued = true;
		}
	}
	es_snapshot_release(snap);
	return ok;
}

/* A browser cannot send a Bearer header on navigation: the token, given once
 * here, comes back as an HttpOnly SameSite=Strict cookie. */
static enum MHD_Result do_review_login(es_serve *s, struct MHD_Connection *c, request *r)
{
	es_buf b = {0};
	if (r->post) {
		char *tok = es_form_value(r->body.s ? r->body.s : "", r->body.len, "token");
		const char *who = tok && s->tokens ? es_tokens_lookup(s->tokens, tok) : NULL;
		if (!who || strpbrk(tok, ";, \t\r\n")) {
			free(tok);
			return html_message(c, r, 401, "Not signed in", "unknown token");
		}
		es_buf cookie = {0};
		es_buf_printf(&cookie, "es_token=%s; Path=/; HttpOnly; SameSite=Strict", tok);
		free(tok);
		es_review_message_page(&b, "Signed in", who, "/review");
		enum MHD_Result ok = cookie.oom ? MHD_NO : send_html(c, r, 303, &b, NULL, "/review", cookie.s);
		es_buf_free(&cookie);
		return ok;
	}
	es_buf_adds(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sign in</title></head><body>"
			"<h1>Sign in</h1><form method=\"post\" action=\"/review/login\"><label>token "
			"<input type=\"password\" name=\"token\" required autocomplete=\"current-password\"></label> "
			"<button type=\"submit\">sign in</button></form></body></html>\n");
	return send_html(c, r, 200, &b, NULL, NULL, NULL);
}

void es_serve_poll_records(es_serve *s)
{
	/* dispositions added or revoked by another process (`review add`) apply
	 * to the next screenings: a signature of the table, checked each call
	 * (the first taken when the service starts, so none is missed) */
	char sig[128] = "no store";
	if (store_exists(s)) {
		es_records *rec = NULL;
		es_err e = {0};
		if (es_records_open(&rec, s->cfg.records_path, NULL, ES_RECORDS_READONLY, &e) != ES_OK)
			return;
		long long g[3] = {0, 0, 0}; /* count, highest id, revoked */
		es_code rc = es_records_disposition_list(rec, NULL, true, poll_one, g, &e);
		es_records_free(rec);
		if (rc != ES_OK)
			return;
		snprintf(sig, sizeof sig, "%lld/%lld/%lld", g[0], g[1], g[2]);
	}
	if (strcmp(sig, s->disp_sig) != 0) {
		if (s->disp_sig[0])
			atomic_fetch_add(&s->disp_gen, 1);
		snprintf(s->disp_sig, sizeof s->disp_sig, "%s", sig);
	}
}

/* ---- dispatch --------------------------------------------------------------------- */

/* A browser page of another origin must not drive the API (CSRF on loopback). */
static bool cross_origin(struct MHD_Connection *c)
{
	/* browsers that send Sec-Fetch-Site say it outright; others are judged by Origin */
	const char *site = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Sec-Fetch-Site");
	if (site)
		return strcmp(site, "same-origin") != 0 && strcmp(site, "none") != 0;
	const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
	if (!origin)
		return false; /* not a browser (curl, pipelines) */
	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
	if (!host || strncmp(origin, "http://", 7) != 0)
		return true;
	return strcmp(origin + 7, host) != 0;
}

static const char *bearer_name(es_serve *s, struct MHD_Connection *c)
{
	const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	if (auth)
		return strncasecmp(auth, "Bearer ", 7) == 0 ? es_tokens_lookup(s->tokens, auth + 7) : NULL;
	const char *cookie = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "es_token");
	return cookie ? es_tokens_lookup(s->tokens, cookie) : NULL;
}

/* What refuses a request before its body: unknown path, method, missing
 * token, another origin, a declared body over the limit. */
static void refuse_early(es_serve *s, struct MHD_Connection *c, request *r, const char *method)
{
	bool get = strcmp(method, "GET") == 0 || r->head;
	if (r->ep == EP_OTHER) {
		r->refuse_status = 404;
		snprintf(r->refuse_msg, sizeof r->refuse_msg, "no such endpoint (see docs/openapi.yaml)");
	} else if (r->ep == EP_REVIEW_LOGIN ? !(get || r->post) : ep_is_post(r->ep) ? !r->post : !get) {
		r->refuse_status = 405;
		snprintf(r->refuse_msg, sizeof r->refuse_msg, "method not allowed");
	} else if (s->tokens && r->ep != EP_HEALTHZ && r->ep != EP_REVIEW_LOGIN && !(r->who = bearer_name(s, c))) {
		r->refuse_status = 401;
		snprintf(r->refuse_msg, sizeof r->refuse_msg, "a valid 'Authorization: Bearer <token>' is required");
	} else if ((r->post || r->ep == EP_REVIEW_DISP) && cross_origin(c)) {
		r->refuse_status = 403;
		snprintf(r->refuse_msg, sizeof r->refuse_msg, "cross-origin request refused");
	} else if (r->post) {
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
		char *end;
		errno = 0;
		unsigned long long n = cl ? strtoull(cl, &end, 10) : 0;
		if (cl && (errno || *end || n > s->cfg.max_body)) {
			r->refuse_status = 413;
			snprintf(r->refuse_msg, sizeof r->refuse_msg, "request body over %zu bytes", s->cfg.max_body);
		} else if (n && !es_buf_reserve(&r->body, (size_t)n)) {
			r->refuse_status = 500;
			snprintf(r->refuse_msg, sizeof r->refuse_msg, "out of memory");
		}
	}
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	es_serve *s = cls;
	request *r = *con_cls;
	(void)version;
	if (!r) {
		if (!(r = calloc(1, sizeof *r)))
			return MHD_NO;
		*con_cls = r;
		r->start_ns = now_ns();
		atomic_fetch_add(&s->m.in_flight, 1);
		r->ep = route(url);
		r->post = strcmp(method, "POST") == 0;
		r->head = strcmp(method, "HEAD") == 0;
		refuse_early(s, c, r, method);
		/* A request without a body is answered on the next call: MHD closes a
		 * connection whose response was queued before the request was read
		 * whole, and keep-alive matters for pipelines. A refused body is
		 * answered now, and the connection closed without reading it. */
		if (r->refuse_status && r->post)
			return send_error(c, r, r->refuse_status, r->refuse_msg, NULL);
		return MHD_YES;
	}
	if (r->refuse_status && !r->queued) {
		if (r->refuse_status == 401 && ep_is_html(r->ep))
			return html_message(c, r, 401, "Sign in", "sign in at /review/login with your token");
		return send_error(c, r, r->refuse_status, r->refuse_msg, NULL);
	}
	if (r->queued) {
		*upload_size = 0; /* answered already (refused before its body): drop the rest */
		return MHD_YES;
	}
	if (*upload_size) {
		if (now_ns() - r->start_ns > (uint64_t)s->cfg.request_time_s * 1000000000ull)
			return MHD_NO; /* too slow: drop the connection */
		if (r->too_big || r->body.len + *upload_size > s->cfg.max_body) {
			r->too_big = true;
			es_buf_free(&r->body);
		} else {
			es_buf_add(&r->body, upload, *upload_size);
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (r->too_big) {
		char msg[96];
		snprintf(msg, sizeof msg, "request body over %zu bytes", s->cfg.max_body);
		return send_error(c, r, 413, msg, NULL);
	}
	if (r->body.oom)
		return send_error(c, r, 500, "out of memory", NULL);
	switch (r->ep) {
	case EP_SCREEN:
		return do_screen(s, c, r);
	case EP_CHECK:
		return do_check(s, c, r);
	case EP_COMPARE:
		return do_compare(s, c, r);
	case EP_LISTS:
		return do_lists(s, c, r);
	case EP_HEALTHZ:
		return do_healthz(s, c, r);
	case EP_METRICS:
		return do_metrics(s, c, r);
	case EP_REVIEW:
		return do_review(s, c, r);
	case EP_REVIEW_DISP:
		return do_review_disposition(s, c, r);
	case EP_REVIEW_REPORT:
		return do_review_report(s, c, r);
	case EP_REVIEW_LOGIN:
		return do_review_login(s, c, r);
	}
	return send_error(c, r, 404, "no such endpoint", NULL);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	es_serve *s = cls;
	request *r = *con_cls;
	(void)c;
	if (!r)
		return;
	uint64_t us = (now_ns() - r->start_ns) / 1000;
	double secs = (double)us / 1e6;
	size_t k = 0;
	while (k < N_STATUS && statuses[k] != r->status)
		k++;
	atomic_fetch_add(&s->m.requests[r->ep][k], 1);
	size_t bk = 0;
	while (bk < N_BUCKET && secs > buckets[bk])
		bk++;
	atomic_fetch_add(&s->m.latency[r->ep][bk], 1);
	atomic_fetch_add(&s->m.latency_us_sum[r->ep], us);
	atomic_fetch_sub(&s->m.in_flight, 1);
	if (s->cfg.log) {
		char line[256];
		snprintf(line, sizeof line, "%s %s %u %.1fms%s%s%s", r->post ? "POST" : r->head ? "HEAD" : "GET",
			 r->ep == EP_OTHER ? "(unknown path)" : ep_paths[r->ep], r->status, (double)us / 1000.0,
			 r->who ? " by " : "", r->who ? r->who : "",
			 toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (connection ended early)");
		s->cfg.log(s->cfg.log_ud, line);
	}
	es_buf_free(&r->body);
	free(r);
	*con_cls = NULL;
}

es_code es_serve_start(es_serve **out, const es_serve_config *cfg, es_err *err)
{
	es_code rc = ES_OK;
	es_serve *s = calloc(1, sizeof *s);
	*out = NULL;
	if (!s)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	s->cfg = *cfg;
	pthread_mutex_init(&s->reload_lock, NULL);
	pthread_mutex_init(&s->pool_lock, NULL);
	atomic_init(&s->disp_gen, 0);
	es_serve_poll_records(s); /* the dispositions as they are at start */
	if (RAND_bytes(s->csrf_key, sizeof s->csrf_key) != 1) {
		rc = es_err_set(err, ES_EINTERNAL, "no random bytes for the form key");
		goto fail;
	}
	if (cfg->lists_dir) {
		char *lp = es_path_join(cfg->lists_dir, "source_links.tsv");
		char *ap = es_path_join(cfg->lists_dir, "data_age.tsv");
		rc = !lp || !ap ? es_err_set(err, ES_ENOMEM, "out of memory") : es_links_load(&s->links, lp, err);
		if (rc == ES_OK)
			rc = es_data_age_load(&s->ages, ap, err);
		free(lp);
		free(ap);
		if (rc != ES_OK)
			goto fail;
	}
	if (!s->cfg.threads)
		s->cfg.threads = 2;
	if (!s->cfg.max_body)
		s->cfg.max_body = ES_SERVE_DEFAULT_MAX_BODY;
	if (!s->cfg.timeout_s)
		s->cfg.timeout_s = 10;
	if (!s->cfg.request_time_s)
		s->cfg.request_time_s = 30;
	if ((rc = parse_listen(cfg->listen ? cfg->listen : "127.0.0.1:8080", &s->addr, err)) != ES_OK)
		goto fail;
	if (!s->addr.loopback && !cfg->token_file) {
		rc = es_err_set(err, ES_EUSAGE, "listening on %s (not loopback) needs --token-file", s->addr.text);
		goto fail;
	}
	if (cfg->token_file && (rc = es_tokens_load(&s->tokens, cfg->token_file, err)) != ES_OK)
		goto fail;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_TURBO;
	if (s->addr.v6)
		flags |= MHD_USE_IPv6;
	if ((rc = es_mhd_load(err)) != ES_OK)
		goto fail;
	/* (MHD_OPTION_ARRAY: one value per option; a callback's closure in ptr_value) */
	struct MHD_OptionItem ops[] = {
		{MHD_OPTION_SOCK_ADDR, 0, &s->addr.sa},
		{MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)s->cfg.threads, NULL},
		{MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)s->cfg.timeout_s, NULL},
		{MHD_OPTION_CONNECTION_LIMIT, 1000, NULL},
		{MHD_OPTION_CONNECTION_MEMORY_LIMIT, 64 * 1024, NULL},
		{MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, s},
		{MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024, NULL},
		{MHD_OPTION_END, 0, NULL},
	};
	s->d = es_mhd_start_daemon(flags, 0, on_request, s, ops);
	if (!s->d) {
		rc = es_err_set(err, ES_EIO, "cannot listen on %s (in use, or not an address of this machine)",
				s->addr.text);
		goto fail;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	unsigned port = di ? di->port : 0;
	char host[64];
	const void *ap = s->addr.v6 ? (const void *)&((struct sockaddr_in6 *)&s->addr.sa)->sin6_addr
				    : (const void *)&((struct sockaddr_in *)&s->addr.sa)->sin_addr;
	inet_ntop(s->addr.v6 ? AF_INET6 : AF_INET, ap, host, sizeof host);
	snprintf(s->address, sizeof s->address, s->addr.v6 ? "[%s]:%u" : "%s:%u", host, port);
	*out = s;
	return ES_OK;
fail:
	es_serve_stop(s);
	return rc;
}

const char *es_serve_address(const es_serve *s)
{
	return s->address;
}

void es_serve_reload_status(es_serve *s, const char *msg)
{
	pthread_mutex_lock(&s->reload_lock);
	snprintf(s->reload_error, sizeof s->reload_error, "%s", msg ? msg : "");
	pthread_mutex_unlock(&s->reload_lock);
}

void es_serve_stop(es_serve *s)
{
	if (!s)
		return;
	if (s->d)
		MHD_stop_daemon(s->d);
	while (s->pool) {
		worker *n = s->pool->next;
		worker_free(s->pool);
		s->pool = n;
	}
	pthread_mutex_destroy(&s->pool_lock);
	es_links_free(s->links);
	es_data_age_free(s->ages);
	OPENSSL_cleanse(s->csrf_key, sizeof s->csrf_key);
	es_tokens_free(s->tokens);
	pthread_mutex_destroy(&s->reload_lock);
	free(s);
}
