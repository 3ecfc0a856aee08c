/* cli_records — what the commands share about the records store
 * (docs/records.md): opening it from --records / $EXPORTSCREEN_RECORDS /
 * <data-dir>/records.sqlite, describing the run, the filter hooks, and
 * re-screening (rescreen and fetch --rescreen). */
#ifndef ES_CLI_RECORDS_H
#define ES_CLI_RECORDS_H

#include "cli.h"
#include "exportscreen.h"

/* Path of the store (caller frees). */
char *cli_records_path(const cli_ctx *ctx);

/* Opens the store with flags (ES_RECORDS_*), printing an error. Without
 * ES_RECORDS_CREATE a missing store is *missing (no error printed when
 * quiet_missing). Returns NULL on failure; *exit_code says which exit. */
es_records *cli_open_records(const cli_ctx *ctx, unsigned flags, bool quiet_missing, int *exit_code);

/* The exit code for a records error: 4 for I/O (disk full, unwritable), 3 otherwise. */
int cli_records_exit(es_code rc);

/* For filter: opens the store when recording (creating it, registering the
 * run) or, when it exists, to apply dispositions. *out is NULL when there is
 * nothing to do. Returns 0 or an exit code (error printed). */
int cli_records_for_filter(const cli_ctx *ctx, bool record, const es_listset *ls, const es_matcher *m,
			   const char *command, es_records **out, es_filter_hooks *hooks);

/* rescreen with the lists in use; shared by rescreen and fetch --rescreen.
 * Returns the exit code (0 no change raising a decision, 1 one did). */
int cli_rescreen_run(const cli_ctx *ctx, const char *since, bool json, bool allow_stale);

/* fetch --rescreen: a heading, then cli_rescreen_run over every recorded party
 * (JSON Lines); a data dir without a records store has nothing to re-screen. */
int cli_fetch_rescreen(const cli_ctx *ctx);

/* ---- check's hooks: reviewers' dispositions on ad-hoc matches ---- */
/* The store, read-only, when it exists (NULL otherwise: no dispositions). */
es_records *cli_records_for_check(const cli_ctx *ctx);
/* Matches not cleared as false positives (all n when r is NULL). */
size_t cli_check_uncleared(es_records *r, const es_matcher *m, const char *name, const char *country,
			   const es_hit *hits, size_t n);
/* Appends ,"disposition":{...} to the JSON of match h in b when one applies. */
void cli_check_disposition_write(es_records *r, const es_matcher *m, const char *name, const char *country,
				 const es_hit *h, es_buf *b);
/* Prints the dispositions that apply under the human table. */
void cli_check_disposition_print(es_records *r, const es_matcher *m, const char *name, const char *country,
				 const es_hit *hits, size_t n);

#endif
