/* es_http — one bounded, policy-enforcing HTTP GET into a file (libcurl).
 *
 * Policy, which callers cannot switch off:
 *   - TLS peer and host verification are always on (a CA bundle may be
 *     given; the system one is used otherwise);
 *   - https only, except plain http to a loopback host (127.0.0.0/8, ::1,
 *     "localhost") for tests and local mirrors;
 *   - redirects are followed by this module, hop by hop, so that every hop is
 *     checked against the same rule and a redirect from https to http (even to
 *     loopback) is refused;
 *   - connect timeout, overall timeout and a stall timeout (no byte for
 *     stall_ms) per attempt;
 *   - at most max_body bytes on the wire and max_decoded bytes after
 *     Content-Encoding (gzip/deflate) decoding;
 *   - retries with exponential backoff and jitter on 5xx/408/429, timeouts,
 *     resets, truncated bodies and refused connections; a Retry-After sent
 *     with the error (seconds or an HTTP date) is waited for when it is
 *     longer than the backoff, and a retry is not attempted when it is longer
 *     than max_retry_after_ms.
 * The body is written to an already-open file descriptor, truncated at every
 * attempt; on failure its content is unspecified and the caller discards it.
 * Nothing here prints; progress goes through a callback. */
#ifndef ES_HTTP_H
#define ES_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "es_error.h"

/* Default size limits: 256 MiB on the wire; 512 MiB after Content-Encoding
 * decoding (a gzip-encoded list expands), which is also the largest list file
 * the parsers read (ES_PARSE_MAX_BYTES; es_fetch checks they agree).
 * docs/fetch.md, README and `fetch --help` state these figures. */
#define ES_HTTP_DEFAULT_MAX_BODY ((size_t)256 * 1024 * 1024)
#define ES_HTTP_DEFAULT_MAX_DECODED ((size_t)512 * 1024 * 1024)

/* Called now and then while bytes arrive: bytes on the wire so far and the
 * expected total (0 when the server did not say). */
typedef void (*es_http_progress_cb)(void *ctx, double now, double total);

typedef struct {
	long connect_timeout_ms;  /* 0 = 10 s */
	long timeout_ms;          /* whole attempt; 0 = 300 s */
	long stall_ms;            /* abort when no byte arrives for this long; 0 = 60 s */
	int retries;              /* extra attempts after the first; < 0 = 0 */
	long retry_delay_ms;      /* first backoff; doubled each retry, +-50% jitter; 0 = 1 s */
	long max_retry_after_ms;  /* longest Retry-After (429/503) waited for; longer gives up; 0 = 120 s */
	size_t max_body;          /* bytes on the wire; 0 = ES_HTTP_DEFAULT_MAX_BODY */
	size_t max_decoded;       /* bytes after content decoding; 0 = ES_HTTP_DEFAULT_MAX_DECODED */
	int max_redirects;        /* 0 = 10 */
	const char *cacert;       /* CA bundle file, or NULL for the system default */
	const char *if_none_match;     /* ETag of the copy we hold, or NULL */
	const char *if_modified_since; /* Last-Modified of the copy we hold, or NULL */
	const char *user_agent;   /* NULL = "exportscreen/<version>" */
	es_http_progress_cb progress;
	void *progress_ctx;
} es_http_opts;

typedef struct {
	long status;              /* final HTTP status (200, 304...), 0 if none */
	bool not_modified;        /* 304: the held copy is current; the file is empty */
	char *etag;               /* validators of the response (NULL when absent), caller frees */
	char *last_modified;
	char *final_url;          /* after redirects (not to be stored: may be short-lived) */
	size_t bytes;             /* decoded bytes written */
	int attempts;             /* attempts made */
	long retry_after_s;       /* Retry-After of the last failed attempt, 0 if none */
	int redirects;            /* redirects followed on the last attempt */
} es_http_result;

/* Once per process, before any other call (wraps curl_global_init). */
es_code es_http_global_init(es_err *err);
void es_http_global_cleanup(void);

/* Checks a URL against the scheme/host policy above; ES_EUSAGE with the
 * reason when refused. */
es_code es_http_check_url(const char *url, es_err *err);

/* GETs url into fd. Returns ES_OK for a 2xx body or for a 304
 * (res->not_modified) to a conditional request (if_none_match or
 * if_modified_since sent); a 304 to a request that carried neither confirms
 * nothing and is ES_ENET;
 * ES_ENET for network failures and HTTP errors (after the retries), ES_ETOOBIG
 * over a size limit, ES_EUSAGE for a URL or redirect the policy refuses.
 * res is filled as far as known in every case; free it with es_http_result_free. */
es_code es_http_get(const char *url, const es_http_opts *opts, int fd, es_http_result *res, es_err *err);
void es_http_result_free(es_http_result *res);

#endif
