/* es_curl — libcurl, loaded when the fetcher first needs it (es_dl), so
 * that check, filter and serve start without it and the two dozen
 * libraries it links. es_http.c and es_fetch.c include this instead of
 * <curl/curl.h> and call libcurl under its own names, which the macros at
 * the end send here. Without libcurl each function fails the way libcurl's
 * would (NULL, CURLE_FAILED_INIT, CURLUE_OUT_OF_MEMORY, -1); es_curl_load
 * says why.
 */
#ifndef ES_CURL_H
#define ES_CURL_H

#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>

#include "es_error.h"

/* Loads libcurl once; ES_EMISSING with the reason when it cannot. */
es_code es_curl_load(es_err *err);

CURLcode es_curl_global_init(long flags);
void es_curl_global_cleanup(void);
CURL *es_curl_easy_init(void);
void es_curl_easy_reset(CURL *h);
void es_curl_easy_cleanup(CURL *h);
CURLcode es_curl_easy_setopt(CURL *h, CURLoption opt, ...);
CURLcode es_curl_easy_getinfo(CURL *h, CURLINFO info, ...);
CURLcode es_curl_easy_perform(CURL *h);
const char *es_curl_easy_strerror(CURLcode c);
void es_curl_free(void *p);
time_t es_curl_getdate(const char *s, const time_t *unused);
struct curl_slist *es_curl_slist_append(struct curl_slist *l, const char *s);
void es_curl_slist_free_all(struct curl_slist *l);
CURLU *es_curl_url(void);
void es_curl_url_cleanup(CURLU *u);
CURLUcode es_curl_url_get(CURLU *u, CURLUPart what, char **part, unsigned int flags);
CURLUcode es_curl_url_set(CURLU *u, CURLUPart what, const char *part, unsigned int flags);

#ifndef ES_CURL_IMPL
#define curl_global_init es_curl_global_init
#define curl_global_cleanup es_curl_global_cleanup
#define curl_easy_init es_curl_easy_init
#define curl_easy_reset es_curl_easy_reset
#define curl_easy_cleanup es_curl_easy_cleanup
#undef curl_easy_setopt /* (curl.h's own pass-through macros) */
#undef curl_easy_getinfo
#define curl_easy_setopt es_curl_easy_setopt
#define curl_easy_getinfo es_curl_easy_getinfo
#define curl_easy_perform es_curl_easy_perform
#define curl_easy_strerror es_curl_easy_strerror
#define curl_free es_curl_free
#define curl_getdate es_curl_getdate
#define curl_slist_append es_curl_slist_append
#define curl_slist_free_all es_curl_slist_free_all
#define curl_url es_curl_url
#define curl_url_cleanup es_curl_url_cleanup
#define curl_url_get es_curl_url_get
#define curl_url_set es_curl_url_set
#endif

#endif
