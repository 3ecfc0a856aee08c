/* es_review — the review page of `serve` (/review): the held orders of the
 * records store, newest first, with their reasons, citations and each hit's
 * evidence, and a form per hit to record a disposition.
 *
 * Invariants: server-rendered HTML with no script and no external asset (the
 * page works, and prints, without JS; the server sends a CSP that forbids
 * scripts); every field that comes from a record, an order or a list is
 * HTML-escaped (es_review_html_escape), URLs are built from escaped, URL-encoded
 * parts; every form that posts carries the caller's CSRF token. The page reads
 * the store read-only; what it lists is bounded (ES_REVIEW_MAX_ORDERS), and
 * without a "since" date it covers the last ES_REVIEW_DEFAULT_DAYS days. */
#ifndef ES_REVIEW_H
#define ES_REVIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "es_buf.h"
#include "es_error.h"
#include "es_links.h"
#include "es_match.h"
#include "es_records.h"

#define ES_REVIEW_MAX_ORDERS 200
#define ES_REVIEW_DEFAULT_DAYS 30

typedef struct {
	const char *since, *until;   /* YYYY-MM-DD or NULL */
	const char *decision;        /* REVIEW, LICENSE_REQUIRED, PROHIBITED or NULL = all three */
	const char *list;            /* a hit's list or source (EL, SDN, un_sc...) or NULL */
	const char *party;           /* case-insensitive part of a party's name, or NULL */
	const char *msg;             /* a notice to show (after a disposition), or NULL */
} es_review_query;

typedef struct {
	es_records *records;         /* NULL: no store yet (the page says how to make one) */
	const es_matcher *m;         /* the list set in use, for evidence */
	const char *list_version;
	const es_links *links;        /* lists/source_links.tsv, as check and show link entries; may be NULL */
	const char *csrf;            /* the caller's form token */
	const char *who;             /* the caller's identity (token name) or NULL: the form asks */
} es_review_ctx;

/* Renders the page into out (NUL-terminated HTML). ES_EUSAGE for a bad query
 * (err says which field). */
es_code es_review_page(const es_review_ctx *c, const es_review_query *q, es_buf *out, es_err *err);

/* A small page with one message (errors, confirmations), escaped. */
void es_review_message_page(es_buf *out, const char *title, const char *msg, const char *back_href);

/* Appends s HTML-escaped (& < > " ' and control characters). */
void es_review_html_escape(es_buf *b, const char *s);
/* Appends s percent-encoded for a URL query value. */
void es_review_url_encode(es_buf *b, const char *s);

#endif
