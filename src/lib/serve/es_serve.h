/* es_serve — `exportscreen serve`: the HTTP API over libmicrohttpd.
 *
 * Invariants: a pool of threads (MHD's) answers requests; every request
 * screens with one list snapshot (es_live) from start to end, and the response
 * names it in the X-Lists-Version header (screening records also in their
 * "lists" member); list data is read from the shared memory-mapped index, each
 * thread taking its own filter from the snapshot's pool. Limits: a request body
 * over max_body bytes is refused with 413; a connection idle for timeout_s is
 * closed, and one whose request is not received within request_time_s is
 * dropped, so slow clients cannot hold the threads. Listening on anything but a
 * loopback address needs a token file (lines "name token"): every endpoint but
 * /healthz then needs "Authorization: Bearer <token>", and the name is the
 * caller's identity in the log. A browser request from another origin (Origin
 * or Sec-Fetch-Site cross-site) is refused with 403, since loopback without
 * tokens would otherwise let any web page post orders. Nothing is served from
 * disk. The log (a callback) gets one line per request: method, path without
 * the query string, status, time, caller name; never order or list data.
 * Errors are {"error": "..."} with 400, 401, 403, 404, 405, 413, 503.
 *
 * The review page (/review, es_review) reads the records store; a disposition
 * posted from it goes through es_records_disposition_add (audited), needs the
 * form's CSRF token (an HMAC of the caller's identity under a key made at
 * start) and a same-origin POST. Browsers authenticate with the token too:
 * /review/login sets it as an HttpOnly, SameSite=Strict cookie. HTML is sent
 * with a Content-Security-Policy that allows no script at all. */
#ifndef ES_SERVE_H
#define ES_SERVE_H

#include <stdbool.h>
#include <stddef.h>

#include "es_api.h"
#include "es_error.h"
#include "es_live.h"

typedef struct es_serve es_serve;

typedef struct {
	const char *listen;        /* "ADDR:PORT", "[V6]:PORT"; NULL = 127.0.0.1:8080; port 0 = any free one */
	const char *token_file;    /* NULL = no authentication (loopback only) */
	unsigned threads;          /* 0 = 2 */
	size_t max_body;           /* 0 = ES_SERVE_DEFAULT_MAX_BODY */
	unsigned timeout_s;        /* idle connection timeout; 0 = 10 */
	unsigned request_time_s;   /* time to receive a whole request; 0 = 30 */
	es_live *live;             /* borrowed */
	const es_rules *rules;     /* borrowed: list actions for /v1/check */
	long max_age_days;
	bool allow_stale;
	const char *records_path;  /* the records store: its dispositions apply to /v1/screen, /review
				    * lists what it holds; NULL = none */
	bool record;               /* every /v1/screen screening becomes an audit record (creates the store) */
	const char *lists_dir;     /* bundled data files (source_links.tsv, data_age.tsv) */
	void (*log)(void *ud, const char *line); /* NULL = no request log */
	void *log_ud;
} es_serve_config;

#define ES_SERVE_DEFAULT_MAX_BODY ((size_t)16 << 20)
#define ES_SERVE_MAX_TOKENS 1000

/* Reads the token file: "name token" per line, '#' comments; a token has at
 * least 16 characters; the file must not be readable by others. */
typedef struct es_tokens es_tokens;
es_code es_tokens_load(es_tokens **out, const char *path, es_err *err);
/* The same from text (name is used in messages). */
es_code es_tokens_parse(es_tokens **out, const char *text, size_t len, const char *name, es_err *err);
void es_tokens_free(es_tokens *t);
/* The name whose token is tok (compared in constant time), or NULL. */
const char *es_tokens_lookup(const es_tokens *t, const char *tok);

/* application/x-www-form-urlencoded: the decoded value of the first field
 * named key (a new string; caller frees), or NULL when absent, malformed
 * (a bad %-escape) or holding a NUL byte. */
char *es_form_value(const char *body, size_t len, const char *key);

/* Whether "ADDR:PORT" names a loopback address (127.0.0.0/8, ::1, localhost). */
bool es_serve_is_loopback(const char *listen);
/* Checks "ADDR:PORT" (ES_EUSAGE with the reason) and says whether it is loopback. */
es_code es_serve_check_listen(const char *listen, bool *loopback, es_err *err);

/* Binds and starts the threads. ES_EUSAGE for a bad address or a non-loopback
 * one without token file; ES_EIO when the address cannot be bound. */
es_code es_serve_start(es_serve **out, const es_serve_config *cfg, es_err *err);
/* "ADDR:PORT" actually bound (the port filled in when 0 was asked). */
const char *es_serve_address(const es_serve *s);
/* Records the outcome of a list reload for /healthz and /metrics (msg NULL = ok). */
void es_serve_reload_status(es_serve *s, const char *msg);
/* Looks whether the store's dispositions changed (a `review add` or revoke
 * elsewhere); if so the next screenings load them. For the watcher thread. */
void es_serve_poll_records(es_serve *s);
/* Stops accepting, finishes the threads and frees. */
void es_serve_stop(es_serve *s);

#endif
