/* exportscreen — export-control screening filter: the command table and the
 * global options. All logic lives in the library (src/lib). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const cli_cmd commands[] = {
	{"fetch", cmd_fetch, "fetch [SOURCE...] [--force] [--sources FILE] [--print-sources]",
	 "download lists, validate, swap in, rebuild index", cmd_fetch_opts},
	{"lists", cmd_lists, "lists [--json]", "sources in use: entries, list date, fetched at, sha256, age",
	 cmd_lists_opts},
	{"check", cmd_check, "check NAME... | - [--json] [--country CC] [--type T] [--threshold T] [--limit N]",
	 "ad-hoc name screening", cmd_check_opts},
	{"compare", cmd_compare, "compare NAME1 NAME2 | - [--json] [--type person|entity]",
	 "score two names directly, with the token alignment", cmd_compare_opts},
	{"filter", cmd_filter, "filter [--format jsonl|csv] [--allow-stale] [--max-age DAYS] [--threshold T]",
	 "orders on stdin -> decisions on stdout", cmd_filter_opts},
	{"audit", cmd_audit, "audit verify [--json] | head | export [--since D] [--until D] [--decision D] [--order ID] [--format jsonl|csv]",
	 "the audit trail: verify the MAC chain, print its head, export records", cmd_audit_opts},
	{"review", cmd_review,
	 "review add --party NAME [--country CC] --source S --entry ID (--false-positive | --true-match) --reason TEXT [--by WHO] [--expires DATE] | list [--json] [--all] | revoke ID --reason TEXT [--by WHO]",
	 "reviewers' decisions (dispositions) on list hits", cmd_review_opts},
	{"rescreen", cmd_rescreen, "rescreen [--since DATE] [--json] [--allow-stale]",
	 "screen every recorded party again with the lists in use; print changes", cmd_rescreen_opts},
	{"report", cmd_report, "report --since DATE [--until DATE] [--format html|csv]",
	 "sign-off report: every order not CLEAR in the period", cmd_report_opts},
	{"serve", cmd_serve,
	 "serve [--listen ADDR:PORT] [--token-file FILE] [--threads N] [--record] [--allow-stale] [--max-age DAYS]",
	 "HTTP API (/v1/screen, /v1/check, /v1/compare, /v1/lists, /healthz, /metrics) and the review page",
	 cmd_serve_opts},
	{"version", cmd_version, "version", "print the version", NULL},
	{NULL, NULL, NULL, NULL, NULL},
};

static void main_help(FILE *f)
{
	fprintf(f, "usage: exportscreen [GLOBAL OPTIONS] COMMAND [ARGS]\n\n"
		   "Export-control screening of orders and names against the public\n"
		   "denied-party and sanctions lists.\n\nCommands:\n");
	for (const cli_cmd *c = commands; c->name; c++)
		fprintf(f, "  %-9s %s\n", c->name, c->summary);
	fprintf(f, "\nGlobal options (before or after the command):\n"
		   "  --data-dir DIR        fetched lists and caches (default $EXPORTSCREEN_DATA,\n"
		   "                        else ~/.local/share/exportscreen)\n"
		   "  --records FILE        compliance records store (default $EXPORTSCREEN_RECORDS,\n"
		   "                        else DATA-DIR/records.sqlite)\n"
		   "  -q, --quiet           no progress or warnings on stderr\n"
		   "  --color auto|always|never\n"
		   "  --help                this text; 'exportscreen COMMAND --help' for a command\n"
		   "\nExit status: 0 clear / no match, 1 matches or decisions to act on, 2 usage error,\n"
		   "3 error records or lists missing/corrupt, 4 I/O error.\n");
}

/* Removes the global options from argv (wherever they are), filling ctx. */
static int take_globals(cli_ctx *ctx, int *argc, char **argv, int *want_help)
{
	int o = 1;
	for (int i = 1; i < *argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			while (i < *argc)
				argv[o++] = argv[i++];
			break;
		}
		if (strcmp(a, "--records") == 0) { /* compliance records store (docs/records.md) */
			if (i + 1 >= *argc)
				return cli_usage("option '%s' needs an argument", a);
			ctx->records_path = argv[++i];
			continue;
		}
		if (strncmp(a, "--records=", 10) == 0) {
			ctx->records_path = a + 10;
			continue;
		}
		if (strcmp(a, "--data-dir") == 0 || strcmp(a, "--color") == 0) {
			if (i + 1 >= *argc)
				return cli_usage("option '%s' needs an argument", a);
			const char *v = argv[++i];
			if (a[2] == 'd') {
				ctx->data_dir = v;
			} else if (strcmp(v, "auto") == 0) {
				ctx->color = CLI_COLOR_AUTO;
			} else if (strcmp(v, "always") == 0) {
				ctx->color = CLI_COLOR_ALWAYS;
			} else if (strcmp(v, "never") == 0) {
				ctx->color = CLI_COLOR_NEVER;
			} else {
				return cli_usage("--color must be auto, always or never, not '%s'", v);
			}
		} else if (strncmp(a, "--data-dir=", 11) == 0) {
			ctx->data_dir = a + 11;
		} else if (strncmp(a, "--color=", 8) == 0) {
			const char *v = a + 8;
			ctx->color = strcmp(v, "always") == 0 ? CLI_COLOR_ALWAYS
				     : strcmp(v, "never") == 0 ? CLI_COLOR_NEVER
				     : strcmp(v, "auto") == 0 ? CLI_COLOR_AUTO : -1;
			if (ctx->color < 0)
				return cli_usage("--color must be auto, always or never, not '%s'", v);
		} else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
			ctx->quiet = true;
		} else if ((strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) && o == 1) {
			*want_help = 1;
		} else {
			argv[o++] = argv[i];
		}
	}
	*argc = o;
	argv[o] = NULL;
	return 0;
}

int main(int argc, char **argv)
{
	cli_ctx ctx = {0};
	int want_help = 0;
	const char *ld = getenv("EXPORTSCREEN_LISTS_DIR");
	ctx.lists_dir = ld && *ld ? ld : ES_LISTS_DIR;
	if (take_globals(&ctx, &argc, argv, &want_help) != 0)
		return CLI_EXIT_USAGE;
	if (argc < 2) {
		if (want_help) {
			main_help(stdout);
			return cli_finish_stdout(0);
		}
		return cli_usage("no command given");
	}
	for (const cli_cmd *c = commands; c->name; c++) {
		if (strcmp(argv[1], c->name) == 0) {
			if (want_help) {
				cli_print_help(stdout, c);
				return cli_finish_stdout(0);
			}
			ctx.cmd = c;
			return c->fn(&ctx, argc - 1, argv + 1);
		}
	}
	return cli_usage("unknown command '%s'", argv[1]);
}
