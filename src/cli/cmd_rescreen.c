/* rescreen — every distinct recorded party screened again with the lists now
 * in use (docs/records.md). Prints only changes (new hit, hit gone, decision
 * changed); each change is recorded. Exit 1 when a change raises a decision.
 * `fetch --rescreen` runs the same after a successful swap. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cli_records.h"
#include "es_rules.h"

enum { OPT_JSON = 'j', OPT_SINCE = 256, OPT_ALLOW_STALE };

const cli_opt cmd_rescreen_opts[] = {
	{"since", OPT_SINCE, true, "DATE", "only parties recorded on or after DATE (YYYY-MM-DD)"},
	{"json", OPT_JSON, false, NULL, "one JSON object per change (JSON Lines)"},
	{"allow-stale", OPT_ALLOW_STALE, false, NULL, "as filter --allow-stale (no LISTS_STALE review)"},
	{NULL, 0, false, NULL, NULL},
};

static es_code print_change(void *user, const es_rescreen_change *c, es_err *err)
{
	bool json = *(bool *)user;
	if (json)
		puts(c->json);
	else if (strcmp(c->change, "decision_changed") == 0)
		printf("%-18s %-12s %-22s %s -> %s%s\n", c->order_id ? c->order_id : "-", c->role, c->name, c->before,
		       c->after, c->raises ? "  (raised)" : "");
	else
		printf("%-18s %-12s %-22s %s %s\n", c->order_id ? c->order_id : "-", c->role, c->name, c->change,
		       c->hit_json ? c->hit_json : "");
	if (ferror(stdout))
		return es_err_set(err, ES_EIO, "cannot write to standard output");
	return ES_OK;
}

int cli_rescreen_run(const cli_ctx *ctx, const char *since, bool json, bool allow_stale)
{
	int rc = CLI_EXIT_DATA, ec;
	es_err err = {0};
	es_listset *ls = NULL;
	es_countries *countries = NULL;
	es_rules *rules = NULL;
	es_matcher *m = NULL;
	es_records *r = cli_open_records(ctx, 0, false, &ec);
	if (!r)
		return ec;
	if (!(ls = cli_open_lists(ctx)) || !(countries = cli_load_countries(ctx)))
		goto done;
	if (es_rules_load(&rules, ctx->lists_dir, &err) != ES_OK) {
		cli_error("%s", err.msg);
		goto done;
	}
	if (es_matcher_open(&m, ls, countries, ctx->lists_dir, &err) != ES_OK) {
		cli_error("cannot open the list index: %s", err.msg);
		goto done;
	}
	es_records_run run;
	es_code c;
	if ((c = es_records_describe(r, ls, ctx->lists_dir, "rescreen", &run, &err)) != ES_OK ||
	    (c = es_records_start_run(r, &run, &err)) != ES_OK) {
		cli_error("%s", err.msg);
		rc = cli_records_exit(c);
		goto done;
	}
	/* screened as filter screens (stale lists: LISTS_STALE unless --allow-stale) */
	es_filter_config cfg = {
		.rules = rules,
		.countries = countries,
		.matcher = m,
		.list_version = ls->set_hash,
		.lists_stale = es_listset_stale(ls, time(NULL), ES_DEFAULT_MAX_AGE_DAYS),
		.allow_stale = allow_stale,
		.max_age_days = ES_DEFAULT_MAX_AGE_DAYS,
	};
	es_rescreen_stats st;
	if ((c = es_records_rescreen(r, &cfg, m, since, print_change, &json, &st, &err)) != ES_OK) {
		cli_error("rescreen: %s", err.msg[0] ? err.msg : es_strerror(c));
		rc = cli_records_exit(c);
		goto done;
	}
	if (!ctx->quiet)
		fprintf(stderr, "exportscreen: rescreen: %zu parties (%zu orders) screened again, %zu changes, %zu raised\n",
			st.parties, st.orders, st.changes, st.raised);
	rc = st.raised ? CLI_EXIT_FOUND : CLI_EXIT_OK;
done:
	es_records_free(r);
	es_matcher_free(m);
	es_rules_free(rules);
	es_countries_free(countries);
	es_listset_free(ls);
	return rc;
}

int cmd_rescreen(cli_ctx *ctx, int argc, char **argv)
{
	int idx = 1, npos = 0, k;
	const char *arg, *since = NULL;
	bool json = false, allow_stale = false;
	char **pos = calloc((size_t)argc + 1, sizeof *pos);
	if (!pos)
		return CLI_EXIT_IO;
	while ((k = cli_next(ctx->cmd, argc, argv, &idx, &arg, pos, &npos)) != -1) {
		if (k == '?' || k == CLI_HELP) {
			free(pos);
			return k == CLI_HELP ? cli_finish_stdout(0) : CLI_EXIT_USAGE;
		}
		if (k == OPT_JSON)
			json = true;
		else if (k == OPT_ALLOW_STALE)
			allow_stale = true;
		else if (k == OPT_SINCE) {
			char next[11];
			if (!es_records_day_valid(arg, next)) {
				free(pos);
				return cli_usage("rescreen: --since needs a date YYYY-MM-DD, not '%s'", arg);
			}
			since = arg;
		}
	}
	free(pos);
	if (npos)
		return cli_usage("rescreen: takes no arguments");
	return cli_finish_stdout(cli_rescreen_run(ctx, since, json, allow_stale));
}
