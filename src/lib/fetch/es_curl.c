#define ES_CURL_IMPL
#include "es_curl.h"

#include <stdarg.h>
#include <stdbool.h>

#include "es_dl.h"

#ifndef ES_CURL_SONAME
#define ES_CURL_SONAME "libcurl.so.4"
#endif

/* The functions used, in the order of struct api. */
static const char *const syms[] = {
	"curl_global_init", "curl_global_cleanup", "curl_easy_init", "curl_easy_reset", "curl_easy_cleanup",
	"curl_easy_setopt", "curl_easy_getinfo", "curl_easy_perform", "curl_easy_strerror", "curl_free",
	"curl_getdate", "curl_slist_append", "curl_slist_free_all", "curl_url", "curl_url_cleanup",
	"curl_url_get", "curl_url_set", NULL,
};

static union {
	void *fn[sizeof syms / sizeof syms[0] - 1];
	struct {
		CURLcode (*global_init)(long);
		void (*global_cleanup)(void);
		CURL *(*easy_init)(void);
		void (*easy_reset)(CURL *);
		void (*easy_cleanup)(CURL *);
		CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
		CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
		CURLcode (*easy_perform)(CURL *);
		const char *(*easy_strerror)(CURLcode);
		void (*free)(void *);
		time_t (*getdate)(const char *, const time_t *);
		struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
		void (*slist_free_all)(struct curl_slist *);
		CURLU *(*url)(void);
		void (*url_cleanup)(CURLU *);
		CURLUcode (*url_get)(CURLU *, CURLUPart, char **, unsigned int);
		CURLUcode (*url_set)(CURLU *, CURLUPart, const char *, unsigned int);
	} f;
} api;

static es_dl lib = {"libcurl", ES_CURL_SONAME, syms, api.fn, 0, ""};

es_code es_curl_load(es_err *err)
{
	return es_dl_load(&lib, err);
}

static bool loaded(void)
{
	return es_curl_load(NULL) == ES_OK;
}

CURLcode es_curl_global_init(long flags)
{
	return loaded() ? api.f.global_init(flags) : CURLE_FAILED_INIT;
}

void es_curl_global_cleanup(void)
{
	if (loaded())
		api.f.global_cleanup();
}

CURL *es_curl_easy_init(void)
{
	return loaded() ? api.f.easy_init() : NULL;
}

/* (a handle exists only when libcurl is loaded) */
void es_curl_easy_reset(CURL *h)
{
	api.f.easy_reset(h);
}

void es_curl_easy_cleanup(CURL *h)
{
	if (h)
		api.f.easy_cleanup(h);
}

/* An option's argument is of the type its number says (curl.h, CURLOPTTYPE_*). */
CURLcode es_curl_easy_setopt(CURL *h, CURLoption opt, ...)
{
	va_list ap;
	va_start(ap, opt);
	CURLcode rc;
	if (opt < CURLOPTTYPE_OBJECTPOINT)
		rc = api.f.easy_setopt(h, opt, va_arg(ap, long));
	else if (opt < CURLOPTTYPE_FUNCTIONPOINT)
		rc = api.f.easy_setopt(h, opt, va_arg(ap, void *));
	else if (opt < CURLOPTTYPE_OFF_T)
		rc = api.f.easy_setopt(h, opt, va_arg(ap, void (*)(void)));
	else if (opt < CURLOPTTYPE_BLOB)
		rc = api.f.easy_setopt(h, opt, va_arg(ap, curl_off_t));
	else
		rc = api.f.easy_setopt(h, opt, va_arg(ap, void *));
	va_end(ap);
	return rc;
}

/* Every CURLINFO_* takes one pointer. */
CURLcode es_curl_easy_getinfo(CURL *h, CURLINFO info, ...)
{
	va_list ap;
	va_start(ap, info);
	CURLcode rc = api.f.easy_getinfo(h, info, va_arg(ap, void *));
	va_end(ap);
	return rc;
}

CURLcode es_curl_easy_perform(CURL *h)
{
	return api.f.easy_perform(h);
}

const char *es_curl_easy_strerror(CURLcode c)
{
	return loaded() ? api.f.easy_strerror(c) : "libcurl not loaded";
}

void es_curl_free(void *p)
{
	if (p)
		api.f.free(p);
}

time_t es_curl_getdate(const char *s, const time_t *unused)
{
	return loaded() ? api.f.getdate(s, unused) : (time_t)-1;
}

struct curl_slist *es_curl_slist_append(struct curl_slist *l, const char *s)
{
	return loaded() ? api.f.slist_append(l, s) : NULL;
}

void es_curl_slist_free_all(struct curl_slist *l)
{
	if (l)
		api.f.slist_free_all(l);
}

CURLU *es_curl_url(void)
{
	return loaded() ? api.f.url() : NULL;
}

void es_curl_url_cleanup(CURLU *u)
{
	if (u)
		api.f.url_cleanup(u);
}

CURLUcode es_curl_url_get(CURLU *u, CURLUPart what, char **part, unsigned int flags)
{
	return api.f.url_get(u, what, part, flags);
}

CURLUcode es_curl_url_set(CURLU *u, CURLUPart what, const char *part, unsigned int flags)
{
	return api.f.url_set(u, what, part, flags);
}
