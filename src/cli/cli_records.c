/* cli_records — see cli_records.h. */
#include "cli_records.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

char *cli_records_path(const cli_ctx *ctx)
{
	if (ctx->records_path)
		return strdup(ctx->records_path);
	return es_records_default_path(ctx->data_dir);
}

int cli_records_exit(es_code rc)
{
	return rc == ES_EIO || rc == ES_ELOCKED || rc == ES_ENOMEM ? CLI_EXIT_IO : CLI_EXIT_DATA;
}

es_records *cli_open_records(const cli_ctx *ctx, unsigned flags, bool quiet_missing, int *exit_code)
{
	char *path = cli_records_path(ctx);
	es_records *r = NULL;
	es_err err = {0};
	*exit_code = CLI_EXIT_OK;
	if (!path) {
		cli_error("out of memory");
		*exit_code = CLI_EXIT_IO;
		return NULL;
	}
	es_code rc = es_records_open(&r, path, NULL, flags, &err);
	if (rc != ES_OK) {
		if (!(rc == ES_EMISSING && quiet_missing))
			cli_error("%s", err.msg);
		*exit_code = rc == ES_EMISSING ? CLI_EXIT_DATA : cli_records_exit(rc);
	}
	free(path);
	return r;
}

int cli_records_for_filter(const cli_ctx *ctx, bool record, const es_listset *ls, const es_matcher *m,
			   const char *command, es_records **out, es_filter_hooks *hooks)
{
	int ec;
	es_err err = {0};
	es_code rc;
	*out = NULL;
	memset(hooks, 0, sizeof *hooks);
	if (!record) {
		/* dispositions only: a store that does not exist has none */
		char *path = cli_records_path(ctx);
		struct stat sb;
		bool exists = path && stat(path, &sb) == 0;
		free(path);
		if (!exists)
			return 0;
	}
	es_records *r = NULL;
	if (record) {
		if (!(r = cli_open_records(ctx, ES_RECORDS_CREATE, false, &ec)))
			return ec;
	} else {
		/* dispositions only: a store that cannot be read clears nothing (fail closed) */
		char *path = cli_records_path(ctx);
		es_err e2 = {0};
		if (path && es_records_open(&r, path, NULL, ES_RECORDS_READONLY, &e2) != ES_OK) {
			cli_warn(ctx, "reviewers' dispositions not applied: %s", e2.msg);
			r = NULL;
		}
		free(path);
		if (!r)
			return 0;
	}
	if (record) {
		es_records_run run;
		if ((rc = es_records_describe(r, ls, ctx->lists_dir, command, &run, &err)) != ES_OK ||
		    (rc = es_records_start_run(r, &run, &err)) != ES_OK) {
			cli_error("%s", err.msg);
			es_records_free(r);
			return cli_records_exit(rc);
		}
	}
	if ((rc = es_records_filter_hooks(r, m, record, hooks, &err)) != ES_OK) {
		cli_error("%s", err.msg);
		es_records_free(r);
		return cli_records_exit(rc);
	}
	if (es_records_dispositions_refused(r))
		cli_warn(ctx, "%zu disposition(s) not applied: changed outside exportscreen or no key to check them "
			      "(run 'exportscreen audit verify')", es_records_dispositions_refused(r));
	*out = r;
	return 0;
}

int cli_fetch_rescreen(const cli_ctx *ctx)
{
	char *path = cli_records_path(ctx);
	struct stat sb;
	bool exists = path && stat(path, &sb) == 0;
	free(path);
	if (!exists) {
		cli_warn(ctx, "fetch --rescreen: no records store, nothing to re-screen");
		return CLI_EXIT_OK;
	}
	printf("\nre-screen (changes as JSON Lines):\n");
	fflush(stdout);
	return cli_rescreen_run(ctx, NULL, true, false);
}

es_records *cli_records_for_check(const cli_ctx *ctx)
{
	char *path = cli_records_path(ctx);
	struct stat sb;
	bool exists = path && stat(path, &sb) == 0;
	free(path);
	int ec;
	es_records *r = exists ? cli_open_records(ctx, ES_RECORDS_READONLY, true, &ec) : NULL;
	es_err err = {0};
	if (r && es_records_reload_dispositions(r, &err) != ES_OK) {
		cli_warn(ctx, "reviewers' dispositions not applied: %s", err.msg);
		es_records_free(r);
		return NULL;
	}
	if (r && es_records_dispositions_refused(r))
		cli_warn(ctx, "%zu disposition(s) not applied: changed outside exportscreen or no key to check them "
			      "(run 'exportscreen audit verify')", es_records_dispositions_refused(r));
	return r;
}

static const es_disposition_view *check_disp(es_records *r, const es_matcher *m, const char *name,
					     const char *country, const es_hit *h)
{
	if (!r)
		return NULL;
	es_rec rec;
	es_matcher_entity(m, h->entity, &rec);
	return es_records_disposition_for(r, m, name, country, &rec);
}

size_t cli_check_uncleared(es_records *r, const es_matcher *m, const char *name, const char *country,
			   const es_hit *hits, size_t n)
{
	size_t live = 0;
	for (size_t i = 0; i < n; i++) {
		const es_disposition_view *d = check_disp(r, m, name, country, &hits[i]);
		live += !d || d->true_match;
	}
	return live;
}

void cli_check_disposition_write(es_records *r, const es_matcher *m, const char *name, const char *country,
				 const es_hit *h, es_buf *b)
{
	if (!r)
		return;
	es_rec rec;
	es_matcher_entity(m, h->entity, &rec);
	es_records_disposition_write(r, m, name, country, &rec, b);
}

void cli_check_disposition_print(es_records *r, const es_matcher *m, const char *name, const char *country,
				 const es_hit *hits, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const es_disposition_view *d = check_disp(r, m, name, country, &hits[i]);
		if (!d)
			continue;
		es_rec rec;
		es_matcher_entity(m, hits[i].entity, &rec);
		printf("  disposition %lld on %s %s: %s by %s at %s: %s\n", d->id, es_source_id(rec.source),
		       rec.entry_id ? rec.entry_id : "", d->true_match ? "TRUE MATCH" : "false positive",
		       d->by ? d->by : "", d->at ? d->at : "", d->reason ? d->reason : "");
	}
}
