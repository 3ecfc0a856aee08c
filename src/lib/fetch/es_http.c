#include "es_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "es_curl.h"
#include <openssl/rand.h>

#ifndef ES_VERSION
#define ES_VERSION "0"
#endif

#define DEF_CONNECT_MS 10000L
#define DEF_TIMEOUT_MS 300000L
#define DEF_STALL_MS 60000L
#define DEF_RETRY_MS 1000L
#define DEF_MAX_RETRY_AFTER_MS 120000L
#define DEF_MAX_REDIRECTS 10
#define MAX_HEADER_VALUE 1024

es_code es_http_global_init(es_err *err)
{
	es_code rc = es_curl_load(err);
	if (rc != ES_OK)
		return rc;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return es_err_set(err, ES_ENET, "cannot initialise libcurl");
	return ES_OK;
}

void es_http_global_cleanup(void)
{
	curl_global_cleanup();
}

void es_http_result_free(es_http_result *res)
{
	if (!res)
		return;
	free(res->etag);
	free(res->last_modified);
	free(res->final_url);
	memset(res, 0, sizeof *res);
}

static bool host_is_loopback(const char *host)
{
	if (strcasecmp(host, "localhost") == 0)
		return true;
	char buf[64];
	size_t n = strlen(host);
	/* libcurl gives IPv6 literals in brackets */
	if (n >= 2 && host[0] == '[' && host[n - 1] == ']' && n - 2 < sizeof buf) {
		memcpy(buf, host + 1, n - 2);
		buf[n - 2] = '\0';
		struct in6_addr a6;
		return inet_pton(AF_INET6, buf, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
	}
	struct in_addr a4;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	return false;
}

/* Splits url into scheme and host (both lower-cased by libcurl). */
static es_code url_parts(const char *url, char **scheme, char **host, es_err *err)
{
	es_code rc = ES_OK;
	*scheme = *host = NULL;
	CURLU *u = curl_url();
	if (!u)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, host, 0) != CURLUE_OK) {
		rc = es_err_set(err, ES_EUSAGE, "'%.200s' is not a valid absolute URL", url);
		curl_free(*scheme);
		curl_free(*host);
		*scheme = *host = NULL;
	}
	curl_url_cleanup(u);
	return rc;
}

es_code es_http_check_url(const char *url, es_err *err)
{
	char *scheme, *host;
	es_code rc = url_parts(url, &scheme, &host, err);
	if (rc != ES_OK)
		return rc;
	if (strcmp(scheme, "https") == 0)
		rc = ES_OK;
	else if (strcmp(scheme, "http") == 0 && host_is_loopback(host))
		rc = ES_OK;
	else if (strcmp(scheme, "http") == 0)
		rc = es_err_set(err, ES_EUSAGE, "%.200s: plain http is only allowed to loopback hosts, use https",
				url);
	else
		rc = es_err_set(err, ES_EUSAGE, "%.200s: scheme '%s' not allowed (https only)", url, scheme);
	curl_free(scheme);
	curl_free(host);
	return rc;
}

static bool is_https(const char *url)
{
	return strncasecmp(url, "https:", 6) == 0;
}

/* State of one hop (one request/response). */
typedef struct {
	const es_http_opts *o;
	CURL *h;
	int fd;
	size_t max_body, max_decoded;
	size_t decoded;
	long status;          /* learnt at the first body byte */
	bool too_big_wire, too_big_decoded, write_failed;
	int write_errno;
	char etag[MAX_HEADER_VALUE], last_modified[MAX_HEADER_VALUE];
	bool have_etag, have_lm;
} hop;

static size_t on_header(char *buf, size_t size, size_t n, void *ud)
{
	hop *hp = ud;
	size_t len = size * n;
	/* a new status line starts a new header block (redirect, 100-continue) */
	if (len >= 5 && strncmp(buf, "HTTP/", 5) == 0) {
		hp->have_etag = hp->have_lm = false;
		return len;
	}
	const char *colon = memchr(buf, ':', len);
	if (!colon)
		return len;
	size_t kl = (size_t)(colon - buf);
	const char *v = colon + 1;
	const char *end = buf + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
		end--;
	size_t vl = (size_t)(end - v);
	char *dst = NULL;
	bool *flag = NULL;
	if (kl == 4 && strncasecmp(buf, "etag", 4) == 0) {
		dst = hp->etag;
		flag = &hp->have_etag;
	} else if (kl == 13 && strncasecmp(buf, "last-modified", 13) == 0) {
		dst = hp->last_modified;
		flag = &hp->have_lm;
	} else if (kl == 14 && strncasecmp(buf, "content-length", 14) == 0) {
		/* refuse an announced oversize body before reading it */
		char num[32];
		if (vl < sizeof num) {
			memcpy(num, v, vl);
			num[vl] = '\0';
			unsigned long long cl = strtoull(num, NULL, 10);
			long st = 0;
			curl_easy_getinfo(hp->h, CURLINFO_RESPONSE_CODE, &st);
			if (st >= 200 && st < 300 && cl > hp->max_body) {
				hp->too_big_wire = true;
				return 0;
			}
		}
		return len;
	}
	/* over-long validators are dropped rather than truncated: a cut ETag would
	 * never match and would only cost a full download */
	if (dst && vl < MAX_HEADER_VALUE) {
		memcpy(dst, v, vl);
		dst[vl] = '\0';
		*flag = true;
	}
	return len;
}

static size_t on_body(char *buf, size_t size, size_t n, void *ud)
{
	hop *hp = ud;
	size_t len = size * n;
	if (hp->status == 0)
		curl_easy_getinfo(hp->h, CURLINFO_RESPONSE_CODE, &hp->status);
	if (hp->status < 200 || hp->status >= 300)
		return len; /* error pages and redirect bodies are discarded */
	if (hp->decoded + len > hp->max_decoded) {
		hp->too_big_decoded = true;
		return 0;
	}
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(hp->fd, buf + off, len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			hp->write_failed = true;
			hp->write_errno = errno;
			return 0;
		}
		off += (size_t)w;
	}
	hp->decoded += len;
	return len;
}

static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
	hop *hp = ud;
	if (dlnow > 0 && (size_t)dlnow > hp->max_body) {
		hp->too_big_wire = true;
		return 1;
	}
	if (hp->o->progress && dlnow > 0)
		hp->o->progress(hp->o->progress_ctx, (double)dlnow, (double)dltotal);
	return 0;
}

static bool curl_code_retryable(CURLcode c)
{
	switch (c) {
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_GOT_NOTHING:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return true;
	default:
		return false;
	}
}

static bool status_retryable(long st)
{
	return st >= 500 || st == 408 || st == 429;
}

/* Sleeps the backoff before retry number attempt (doubling from base_ms, with
 * jitter), or the server's Retry-After when that is longer. */
static void backoff_sleep(long base_ms, int attempt, long retry_after_ms)
{
	long ms = base_ms;
	for (int i = 1; i < attempt && ms < 600000; i++)
		ms *= 2;
	/* jitter in [0.5, 1.5) so that many clients retrying at once spread out */
	unsigned int r = 0;
	if (RAND_bytes((unsigned char *)&r, sizeof r) != 1)
		r = (unsigned int)getpid() * 2654435761u;
	double f = 0.5 + (double)(r % 10000) / 10000.0;
	long d = (long)((double)ms * f);
	if (d < retry_after_ms)
		d = retry_after_ms;
	struct timespec ts = {d / 1000, (d % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
	}
}

typedef enum { ATT_OK, ATT_RETRY, ATT_FATAL } att_kind;

/* What every attempt of one GET asks for. */
typedef struct {
	const char *url;
	const es_http_opts *o;
	size_t max_body, max_decoded; /* the limits in force (defaults applied) */
	int fd;                       /* the body goes here */
} att_req;

/* The options of one hop: the policy (TLS verification, protocols, no
 * automatic redirects), the limits, and the callbacks writing into hp. */
static void hop_options(CURL *h, const att_req *q, const char *cur, struct curl_slist *hdrs, char *errbuf,
			const char *ua, hop *hp)
{
	const es_http_opts *o = q->o;
	long stall_s = (o->stall_ms > 0 ? o->stall_ms : DEF_STALL_MS) / 1000;
	size_t max_body = q->max_body;
	curl_easy_setopt(h, CURLOPT_URL, cur);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L); /* we follow, checking each hop */
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (o->cacert && *o->cacert)
		curl_easy_setopt(h, CURLOPT_CAINFO, o->cacert);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
			 o->connect_timeout_ms > 0 ? o->connect_timeout_ms : DEF_CONNECT_MS);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, o->timeout_ms > 0 ? o->timeout_ms : DEF_TIMEOUT_MS);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, stall_s > 0 ? stall_s : 1L);
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max_body);
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "gzip, deflate");
	curl_easy_setopt(h, CURLOPT_USERAGENT, o->user_agent ? o->user_agent : ua);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, hp);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, hp);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, hp);
}

/* One attempt: the hop-by-hop redirect walk from q->url. */
static att_kind attempt(const att_req *q, es_http_result *res, es_code *rc, es_err *err)
{
	const char *url = q->url;
	const es_http_opts *o = q->o;
	size_t max_body = q->max_body, max_decoded = q->max_decoded;
	int fd = q->fd;
	att_kind kind = ATT_FATAL;
	CURL *h = NULL;
	struct curl_slist *hdrs = NULL;
	char *cur = strdup(url);
	char errbuf[CURL_ERROR_SIZE];
	int max_redir = o->max_redirects > 0 ? o->max_redirects : DEF_MAX_REDIRECTS;
	hop hp;

	if (!cur) {
		*rc = es_err_set(err, ES_ENOMEM, "out of memory");
		goto out;
	}
	res->redirects = 0;
	if (ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) != 0) {
		*rc = es_err_set(err, ES_EIO, "cannot truncate the download file: %s", strerror(errno));
		goto out;
	}
	char ua[64];
	snprintf(ua, sizeof ua, "exportscreen/%s", ES_VERSION);
	char hbuf[MAX_HEADER_VALUE + 32];
	if (o->if_none_match && *o->if_none_match && strlen(o->if_none_match) < MAX_HEADER_VALUE) {
		snprintf(hbuf, sizeof hbuf, "If-None-Match: %s", o->if_none_match);
		hdrs = curl_slist_append(hdrs, hbuf);
	}
	if (o->if_modified_since && *o->if_modified_since && strlen(o->if_modified_since) < MAX_HEADER_VALUE) {
		snprintf(hbuf, sizeof hbuf, "If-Modified-Since: %s", o->if_modified_since);
		hdrs = curl_slist_append(hdrs, hbuf);
	}
	bool conditional = hdrs != NULL;

	for (;;) {
		es_code urc = es_http_check_url(cur, err);
		if (urc != ES_OK) {
			*rc = urc;
			goto out;
		}
		memset(&hp, 0, sizeof hp);
		hp.o = o;
		hp.fd = fd;
		hp.max_body = max_body;
		hp.max_decoded = max_decoded;
		if (!h)
			h = curl_easy_init();
		else
			curl_easy_reset(h);
		if (!h) {
			*rc = es_err_set(err, ES_ENOMEM, "cannot create a libcurl handle");
			goto out;
		}
		hp.h = h;
		errbuf[0] = '\0';
		hop_options(h, q, cur, hdrs, errbuf, ua, &hp);

		CURLcode cc = curl_easy_perform(h);
		long st = 0;
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &st);
		res->status = st;
		if (hp.too_big_wire || cc == CURLE_FILESIZE_EXCEEDED) {
			*rc = es_err_set(err, ES_ETOOBIG, "GET %.200s: body larger than the limit of %zu bytes", cur,
					 max_body);
			goto out;
		}
		if (hp.too_big_decoded) {
			*rc = es_err_set(err, ES_ETOOBIG, "GET %.200s: decoded body larger than the limit of %zu bytes",
					 cur, max_decoded);
			goto out;
		}
		if (hp.write_failed) {
			*rc = es_err_set(err, ES_EIO, "cannot write the download: %s", strerror(hp.write_errno));
			goto out;
		}
		if (cc != CURLE_OK) {
			const char *why = errbuf[0] ? errbuf : curl_easy_strerror(cc);
			if (cc == CURLE_OPERATION_TIMEDOUT)
				*rc = es_err_set(err, ES_ENET, "GET %.200s: timed out (%s)", cur, why);
			else
				*rc = es_err_set(err, ES_ENET, "GET %.200s: %s", cur, why);
			kind = curl_code_retryable(cc) ? ATT_RETRY : ATT_FATAL;
			goto out;
		}
		if (st >= 300 && st < 400 && st != 304) {
			char *loc = NULL;
			curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &loc);
			if (!loc || !*loc) {
				*rc = es_err_set(err, ES_ENET, "GET %.200s: HTTP %ld redirect without a Location", cur, st);
				goto out;
			}
			if (++res->redirects > max_redir) {
				*rc = es_err_set(err, ES_ENET, "GET %.200s: more than %d redirects", url, max_redir);
				goto out;
			}
			if (is_https(cur) && !is_https(loc)) {
				*rc = es_err_set(err, ES_EUSAGE, "GET %.200s: redirect from https to '%.200s' refused", cur,
						 loc);
				goto out;
			}
			char *next = strdup(loc);
			if (!next) {
				*rc = es_err_set(err, ES_ENOMEM, "out of memory");
				goto out;
			}
			free(cur);
			cur = next;
			if (ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) != 0) {
				*rc = es_err_set(err, ES_EIO, "cannot truncate the download file: %s", strerror(errno));
				goto out;
			}
			continue;
		}
		if (st == 304) {
			/* only a conditional request can be answered "not modified": a 304
			 * to a request without validators confirms nothing */
			if (!conditional) {
				*rc = es_err_set(err, ES_ENET,
						 "GET %.200s: HTTP 304 (not modified) to a request that carried no "
						 "validators; nothing is confirmed",
						 cur);
				goto out;
			}
			res->not_modified = true;
		} else if (st < 200 || st >= 300) {
			*rc = es_err_set(err, ES_ENET, "GET %.200s: HTTP %ld", cur, st);
			kind = status_retryable(st) ? ATT_RETRY : ATT_FATAL;
			curl_off_t after = 0;
			if (curl_easy_getinfo(h, CURLINFO_RETRY_AFTER, &after) == CURLE_OK && after > 0)
				res->retry_after_s = after > 86400 * 365 ? 86400L * 365 : (long)after;
			goto out;
		}
		free(res->etag);
		free(res->last_modified);
		free(res->final_url);
		res->etag = hp.have_etag ? strdup(hp.etag) : NULL;
		res->last_modified = hp.have_lm ? strdup(hp.last_modified) : NULL;
		res->final_url = cur;
		cur = NULL;
		res->bytes = hp.decoded;
		*rc = ES_OK;
		kind = ATT_OK;
		goto out;
	}
out:
	free(cur);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(h);
	return kind;
}

es_code es_http_get(const char *url, const es_http_opts *opts, int fd, es_http_result *res, es_err *err)
{
	es_code rc = ES_OK;
	es_http_opts defaults = {0};
	const es_http_opts *o = opts ? opts : &defaults;
	memset(res, 0, sizeof *res);
	att_req q = {
		.url = url,
		.o = o,
		.max_body = o->max_body ? o->max_body : ES_HTTP_DEFAULT_MAX_BODY,
		.max_decoded = o->max_decoded ? o->max_decoded : ES_HTTP_DEFAULT_MAX_DECODED,
		.fd = fd,
	};
	int tries = 1 + (o->retries > 0 ? o->retries : 0);
	long delay = o->retry_delay_ms > 0 ? o->retry_delay_ms : DEF_RETRY_MS;
	long max_after = o->max_retry_after_ms > 0 ? o->max_retry_after_ms : DEF_MAX_RETRY_AFTER_MS;

	if ((rc = es_http_check_url(url, err)) != ES_OK)
		return rc;
	for (int i = 1; i <= tries; i++) {
		res->attempts = i;
		res->retry_after_s = 0;
		att_kind k = attempt(&q, res, &rc, err);
		if (k == ATT_OK)
			return ES_OK;
		if (k == ATT_FATAL || i == tries)
			break;
		if (res->retry_after_s * 1000 > max_after) {
			if (err) {
				size_t l = strlen(err->msg);
				snprintf(err->msg + l, sizeof err->msg - l,
					 "; the server asks to retry after %ld s, longer than the %ld s this fetch waits",
					 res->retry_after_s, max_after / 1000);
			}
			break;
		}
		backoff_sleep(delay, i, res->retry_after_s * 1000);
	}
	if (rc != ES_OK && err && res->attempts > 1) {
		size_t l = strlen(err->msg);
		snprintf(err->msg + l, sizeof err->msg - l, " (after %d attempts)", res->attempts);
	}
	return rc;
}
