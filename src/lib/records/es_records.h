/* es_records — compliance records: the audit trail, reviewers' dispositions,
 * re-screening and the sign-off report (docs/records.md).
 *
 * One store (SQLite by default, behind es_store.h so a server database can
 * follow) holds:
 *   - the audit trail: one record per screened order (input bytes and their
 *     sha256, order id, output record, decision, the run's list-set version
 *     with each source's sha256 and data date, rules hash, tool version, host,
 *     user, time), per review action and per re-screen change;
 *   - the dispositions reviewers gave to list hits;
 *   - the last known state of every distinct party (for re-screening).
 *
 * Invariants:
 *   - Records are chained: record n carries body_mac = HMAC-SHA256(key, body)
 *     and mac = HMAC-SHA256(key, mac[n-1] | n | body_mac). The key lives in a
 *     separate file (mode 0600, created on first use); whoever holds only the
 *     database cannot rewrite history without es_records_verify noticing.
 *   - Appends are serialized across processes (a write transaction taken
 *     before the chain's tail is read), so several writers keep one chain.
 *   - Records passed to the filter hooks are buffered and written in one
 *     transaction at es_filter_hooks.commit, which the filter calls before any
 *     output is written and before every blocking read: an order whose output
 *     was seen is in the store. A failed commit leaves nothing half-written.
 *   - A disposition binds a party (normalized name, and country when given) to
 *     one list entry and a hash of that entry's content; it stops applying when
 *     the entry changes, when it expires or when it is revoked. A
 *     false-positive disposition never clears anything but that hit.
 *
 * An es_records handle is not shared between threads; open one per thread. */
#ifndef ES_RECORDS_H
#define ES_RECORDS_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "es_error.h"
#include "es_filter.h"
#include "es_listset.h"
#include "es_match.h"

typedef struct es_records es_records;

#define ES_RECORDS_SCHEMA 1

enum {
	ES_RECORDS_CREATE = 1,   /* create the store (and key) when missing */
	ES_RECORDS_READONLY = 2  /* never write (lists, verify, export, report) */
};

/* Default store path: $EXPORTSCREEN_RECORDS, else <data_dir>/records.sqlite
 * (data_dir NULL = the default data dir). Caller frees. */
char *es_records_default_path(const char *data_dir);

/* Opens the store at path, creating it with ES_RECORDS_CREATE, migrating an
 * older schema. key_path NULL = $EXPORTSCREEN_RECORDS_KEY, else path + ".key".
 * Without ES_RECORDS_CREATE a missing store is ES_EMISSING. */
es_code es_records_open(es_records **out, const char *path, const char *key_path, unsigned flags,
			es_err *err);
void es_records_free(es_records *r);
const char *es_records_path(const es_records *r);
const char *es_records_key_path(const es_records *r);

/* Whether date is a real YYYY-MM-DD; next gets the day after. */
bool es_records_day_valid(const char *date, char next[11]);

/* ---- a run: what every record of one process shares ---------------------- */

typedef struct {
	const char *command;       /* "filter", "rescreen", "review", "serve" */
	const char *list_version;  /* set hash */
	const char *lists_json;    /* [{"id","sha256","data_date","fetched_at"},...] */
	const char *rules_hash;    /* es_records_hash_rules */
	const char *tool_version;
	const char *host, *user;   /* NULL = from the system */
} es_records_run;

/* Registers the run (its own small transaction). Records added afterwards
 * carry it. */
es_code es_records_start_run(es_records *r, const es_records_run *run, es_err *err);

/* The run description for a list set (lists_json, list_version, rules hash
 * over lists_dir/rules/). Strings are owned by r, valid until the next call. */
es_code es_records_describe(es_records *r, const es_listset *ls, const char *lists_dir,
			    const char *command, es_records_run *out, es_err *err);

/* ---- screening ------------------------------------------------------------ */

/* Fills hooks for es_filter_config.hooks. record: keep a record of every
 * screened order (else only dispositions are applied). matcher: the one the
 * filter screens with (normalizes party names, reads entries). hooks stays
 * valid while r is open. */
es_code es_records_filter_hooks(es_records *r, const es_matcher *m, bool record, es_filter_hooks *hooks,
				es_err *err);
/* A server screening one request at a time: es_records_filter_hooks once,
 * then per request es_filter_jsonl_record (the hooks buffer its record and
 * apply dispositions) and es_records_commit before answering.
 * es_records_reload_dispositions picks up reviews made since (e.g. per request
 * or when the review page changed one). */
es_code es_records_reload_dispositions(es_records *r, es_err *err);
/* Adds one screening (as the filter hook does). Buffered: see es_records_commit. */
es_code es_records_add_screening(es_records *r, const es_filter_event *ev, es_err *err);
/* Writes buffered records in one transaction, extending the chain. */
es_code es_records_commit(es_records *r, es_err *err);

/* ---- dispositions ---------------------------------------------------------- */

typedef struct {
	long long id;
	const char *party, *country;   /* as given (country may be NULL) */
	const char *party_key;         /* normalized */
	const char *source, *entry_id, *entry_name, *entry_hash;
	bool true_match;
	const char *reason, *by, *at, *expires;
	const char *revoked_at, *revoked_by, *revoke_reason;
	const char *status;            /* "active", "expired", "revoked", "entry_changed", "entry_gone" */
} es_disposition;

typedef struct {
	const char *party, *country, *source, *entry_id;
	bool true_match;
	const char *reason, *by, *expires;  /* expires: YYYY-MM-DD or NULL */
} es_disposition_new;

/* Binds a party to the entry as it is in m now; records an audit record.
 * Fails with ES_EMISSING when the entry is not in the lists in use. */
es_code es_records_disposition_add(es_records *r, const es_matcher *m, const es_disposition_new *d,
				   long long *id, es_err *err);
es_code es_records_disposition_revoke(es_records *r, long long id, const char *by, const char *reason,
				      es_err *err);
typedef es_code (*es_disposition_fn)(void *user, const es_disposition *d, es_err *err);
/* Lists dispositions (all = also revoked, expired and changed ones), oldest
 * first; status is computed against m (NULL: entry changes not checked). */
es_code es_records_disposition_list(es_records *r, const es_matcher *m, bool all, es_disposition_fn fn,
				    void *user, es_err *err);
/* The active disposition for a party's hit on rec, or NULL (for check and the
 * filter hook). */
const es_disposition_view *es_records_disposition_for(es_records *r, const es_matcher *m, const char *party,
						      const char *country, const es_rec *rec);
/* Appends the member ,"disposition":{id, kind, by, at, reason} to b, inside
 * the JSON of a party's hit on rec as check prints it, when an active
 * disposition applies (es_records_disposition_for; nothing when r is NULL). */
void es_records_disposition_write(es_records *r, const es_matcher *m, const char *party, const char *country,
				  const es_rec *rec, es_buf *b);
/* Dispositions not applied because their row does not match its MAC
 * (changed outside exportscreen, or no key to check it with). */
size_t es_records_dispositions_refused(const es_records *r);
/* Hex sha256 of an entry's content (names, programs, countries, addresses,
 * licence texts, dates): what a disposition is bound to. */
void es_records_entry_hash(const es_rec *rec, char out[65]);

/* ---- the audit trail ------------------------------------------------------- */

typedef struct {
	long long seq;          /* latest sequence number (0 = empty) */
	char mac[65];
	long long records;
} es_audit_head;
es_code es_records_head(es_records *r, es_audit_head *out, es_err *err);

typedef struct {
	bool intact;
	long long checked;      /* records checked */
	long long bad_seq;      /* first bad record (sequence number) */
	const char *problem;    /* "edited", "deleted", "reordered", "inserted", "key" */
	char detail[256];
} es_audit_verify;
/* Walks the chain. Returns ES_OK with out->intact false when it is broken
 * (ES_* errors only when the store cannot be read). */
es_code es_records_verify(es_records *r, es_audit_verify *out, es_err *err);

typedef struct {
	const char *since, *until;   /* YYYY-MM-DD (inclusive) or NULL */
	const char *decision;        /* decision name or NULL */
	const char *order_id;        /* or NULL */
	bool csv;
} es_export_query;
/* Writes matching records (JSON Lines or CSV with a header) to out. */
es_code es_records_export(es_records *r, const es_export_query *q, FILE *out, es_err *err);

/* ---- re-screening ------------------------------------------------------------ */

typedef struct {
	const char *order_id, *role, *name, *country;
	const char *change;          /* "new_hit", "hit_gone", "decision_changed" */
	const char *before, *after;  /* decisions */
	const char *hit_json;        /* the hit object (new_hit / hit_gone) or NULL */
	bool raises;                 /* the decision rose */
	const char *json;            /* the whole change as one JSON object (as recorded) */
} es_rescreen_change;
typedef es_code (*es_rescreen_fn)(void *user, const es_rescreen_change *c, es_err *err);
typedef struct {
	size_t parties, orders, changes, raised;
} es_rescreen_stats;
/* Screens every distinct recorded party (seen since `since`, or all) again
 * with cfg (the lists now in use; cfg->hooks is ignored: r applies its own
 * dispositions), reports and records each change, and updates the parties'
 * state. Memory does not grow with the number of parties. */
es_code es_records_rescreen(es_records *r, const es_filter_config *cfg, const es_matcher *m,
			    const char *since, es_rescreen_fn fn, void *user, es_rescreen_stats *st,
			    es_err *err);

/* ---- sign-off report ---------------------------------------------------------- */

/* Every order not CLEAR recorded in [since, until] with reasons, hits,
 * evidence and dispositions: HTML (one self-contained file, every field
 * escaped) or CSV. m (may be NULL): the lists in use, for each hit's
 * programs, addresses and listing date. */
es_code es_records_report(es_records *r, const es_matcher *m, const char *since, const char *until, bool html,
			  FILE *out, es_err *err);

#endif
