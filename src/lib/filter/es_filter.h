/* es_filter — the streaming driver of `exportscreen filter`: reader -> screening -> writer.
 *
 * Invariants (interface.md): exactly one output record per non-blank input record,
 * in input order; a record that cannot be screened becomes an ERROR record carrying
 * the raw input, its physical line number and a one-line reason, and the stream goes
 * on; a screened JSON order is written as the input bytes with one member
 * "screening" spliced in before the final '}', so member order, numbers and unknown
 * members stay byte-exact. Memory is bounded by the line limit, not by the number of
 * orders. Input in another encoding is decoded to UTF-8 first (es_decode): the
 * output, and the raw text of ERROR records, are that UTF-8. Each output record
 * ends as its input line did (CRLF in, CRLF out). Output is buffered and flushed
 * whenever the filter is about to wait for input, so a pipeline sees each
 * decision as soon as its order is processed. */
#ifndef ES_FILTER_H
#define ES_FILTER_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "es_buf.h"
#include "es_country.h"
#include "es_error.h"
#include "es_match.h"
#include "es_rules.h"

#define ES_FILTER_MAX_LINE (1u << 20) /* bytes in one input line (longer -> ERROR record) */

typedef enum { ES_FMT_AUTO, ES_FMT_JSONL, ES_FMT_CSV } es_format;

typedef struct es_filter es_filter;

/* ---- hooks for the records layer (compliance records, docs/records.md) ----
 * The filter knows nothing of storage; a caller that keeps records or applies
 * reviewers' dispositions passes these callbacks. All are optional. */

/* A reviewer's decision that applies to one hit (owned by the hook's user,
 * valid until the next call of the hook). */
typedef struct {
	long long id;
	bool true_match;       /* false: a false positive */
	const char *by, *at, *reason;
} es_disposition_view;

/* One record as screened, passed to es_filter_hooks.screened. */
typedef struct {
	const char *raw;            /* the input record as received (JSON line or CSV row) */
	size_t raw_len;
	size_t lineno;
	bool csv_header;            /* the CSV header line (no output record of its own) */
	const es_order *order;      /* NULL for an ERROR record */
	const char *output;         /* the output record (with its newline) */
	size_t output_len;
	es_decision decision;
	const es_party_hit *hits;   /* indexed by result->hits[i].hit */
	const es_result *result;    /* NULL for an ERROR record */
	const es_disposition_view *const *disp; /* per result->hits[i]: the disposition or NULL */
} es_filter_event;

typedef struct {
	void *user;
	/* After each record is screened, before its output can be written. */
	es_code (*screened)(void *user, const es_filter_event *ev, es_err *err);
	/* Before any output is written and before every blocking read: what was
	 * passed to screened must be durable when this returns ES_OK. */
	es_code (*commit)(void *user, es_err *err);
	/* The disposition applying to hit h of party h->party of o, or NULL. */
	const es_disposition_view *(*disposition)(void *user, const es_order *o, const es_party_hit *h);
} es_filter_hooks;

/* Everything a filter screens with. The filter borrows all of it (the caller
 * keeps it alive and frees it after es_filter_free). matcher may be NULL
 * (no list screening: for tests of the rules without a compiled index). */
typedef struct {
	const es_rules *rules;
	const es_countries *countries;
	const es_matcher *matcher;
	const char *list_version;  /* set hash reported in every record */
	bool lists_stale;          /* the lists are older than max_age_days */
	bool allow_stale;          /* --allow-stale: no LISTS_STALE reason */
	long max_age_days;
	es_format format;
	time_t now;                /* 0 = time(NULL) per order */
	/* ERP input (all optional): the input's encoding (NULL = UTF-8, or UTF-16 when
	 * a UTF-16 byte order mark starts the input; a BOM always decides); the CSV
	 * delimiter (0 = detected from the header); a column map for CSV headers; a
	 * classification catalog applied to every order's items. Borrowed. */
	const char *encoding;
	char delimiter;
	const struct es_colmap *columns;
	const struct es_products *catalog;
	const es_filter_hooks *hooks; /* records / dispositions, or NULL */
	/* Called by es_filter_run before each record (NULL: never). It may call
	 * es_filter_set_lists to screen the next records with a newly fetched set:
	 * a running filter picks up a swap between records, never within one. */
	es_code (*between_records)(void *ud, es_filter *f, es_err *err);
	void *between_ud;
} es_filter_config;

typedef struct {
	size_t records;            /* records written */
	size_t by_decision[ES_DEC_ERROR + 1];
	size_t skipped_blank;
	bool output_closed;        /* the reader of stdout went away (EPIPE): stop quietly */
} es_filter_stats;

es_code es_filter_new(es_filter **out, const es_filter_config *cfg, es_err *err);
void es_filter_free(es_filter *f);

/* Screens the following records with another matcher (borrowed, like the
 * config's) and list version; the query cache and address index are rebuilt
 * so no answer of the old set survives. On failure the filter is unchanged. */
es_code es_filter_set_lists(es_filter *f, const es_matcher *m, const char *list_version, bool lists_stale,
			    es_err *err);

/* Reads records from in_fd until EOF and writes results to out. Returns ES_EIO on a
 * read or write error (err says which; stats->output_closed is set for EPIPE).
 * Other failures (out of memory) stop the run with their code. */
es_code es_filter_run(es_filter *f, int in_fd, FILE *out, es_filter_stats *stats, es_err *err);

/* Screens one JSON Lines record (without its '\n') and appends the output record
 * to out (the caller frees it with es_buf_free), exactly as es_filter_run does
 * for line lineno: the record ends "\r\n" when the line ends with '\r' (a CRLF
 * line), else "\n"; a last line that did not end (ended false) ends as the line
 * before it. A UTF-8 byte order mark opening line 1 is kept in an ERROR record's
 * raw but is not part of the order. For the service, rescreens, tests and
 * fuzzing; returns the record's decision in *decision (may be NULL). */
es_code es_filter_jsonl_record(es_filter *f, const char *line, size_t len, size_t lineno, bool ended, es_buf *out,
			       es_decision *decision, es_err *err);

#endif
