/* report — the sign-off report (docs/records.md): every order recorded in the
 * period whose decision is not CLEAR, with reasons, hits, evidence and
 * dispositions; HTML (one self-contained printable file) or CSV on stdout. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_records.h"

enum { OPT_SINCE = 256, OPT_UNTIL, OPT_FORMAT };

const cli_opt cmd_report_opts[] = {
	{"since", OPT_SINCE, true, "DATE", "first day of the period (YYYY-MM-DD, UTC; required)"},
	{"until", OPT_UNTIL, true, "DATE", "last day of the period (default: up to now)"},
	{"format", OPT_FORMAT, true, "html|csv", "output format (default html)"},
	{NULL, 0, false, NULL, NULL},
};

int cmd_report(cli_ctx *ctx, int argc, char **argv)
{
	int idx = 1, npos = 0, k, ec;
	const char *arg, *since = NULL, *until = NULL;
	bool html = true;
	char next[11];
	char **pos = calloc((size_t)argc + 1, sizeof *pos);
	if (!pos)
		return CLI_EXIT_IO;
	while ((k = cli_next(ctx->cmd, argc, argv, &idx, &arg, pos, &npos)) != -1) {
		if (k == '?' || k == CLI_HELP) {
			free(pos);
			return k == CLI_HELP ? cli_finish_stdout(0) : CLI_EXIT_USAGE;
		}
		if (k == OPT_SINCE || k == OPT_UNTIL) {
			if (!es_records_day_valid(arg, next)) {
				free(pos);
				return cli_usage("report: --%s needs a date YYYY-MM-DD, not '%s'", k == OPT_SINCE ? "since" : "until",
						 arg);
			}
			*(k == OPT_SINCE ? &since : &until) = arg;
		} else if (k == OPT_FORMAT) {
			if (strcmp(arg, "html") != 0 && strcmp(arg, "csv") != 0) {
				free(pos);
				return cli_usage("report: --format must be html or csv, not '%s'", arg);
			}
			html = strcmp(arg, "html") == 0;
		}
	}
	free(pos);
	if (npos)
		return cli_usage("report: takes no arguments");
	if (!since)
		return cli_usage("report: --since DATE is required");
	if (until && strcmp(until, since) < 0)
		return cli_usage("report: --until %s is before --since %s", until, since);
	es_records *r = cli_open_records(ctx, ES_RECORDS_READONLY, false, &ec);
	if (!r)
		return ec;
	/* the lists in use give each hit's evidence; without them the report still lists every order */
	es_err err = {0};
	es_listset *ls = es_listset_open(&ls, ctx->data_dir, ctx->lists_dir, &err) == ES_OK ? ls : NULL;
	es_countries *countries = ls ? cli_load_countries(ctx) : NULL;
	es_matcher *m = NULL;
	if (countries && es_matcher_open(&m, ls, countries, ctx->lists_dir, &err) != ES_OK)
		m = NULL;
	if (!m)
		cli_warn(ctx, "report: lists not usable, hits are shown without programs and addresses");
	int rc = CLI_EXIT_OK;
	es_code c = es_records_report(r, m, since, until, html, stdout, &err);
	if (c != ES_OK) {
		cli_error("report: %s", err.msg[0] ? err.msg : es_strerror(c));
		rc = cli_records_exit(c);
	}
	es_matcher_free(m);
	es_countries_free(countries);
	es_listset_free(ls);
	es_records_free(r);
	return cli_finish_stdout(rc);
}
