/* exportscreen — export-control screening filter: the command table and the
 * global options. All logic lives in the library (src/lib). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char fetch_details[] =
	"SOURCE: ofac_sdn ofac_cons us_csl un_sc eu_fsf uk_fcdo (default: every source of the catalog).\n"
	"Exit: 0 all updated/unchanged, 3 a download rejected by validation, 4 a download failed or\n"
	"another fetch is running; the last good lists are kept.";

static const char check_details[] =
	"One row per listed entity: the rows one entity has in the lists (the CSL's per-address\n"
	"Entity List rows, an OFAC entry and its CSL copy) are grouped, naming every list and the\n"
	"number of addresses, ordered by action (PROHIBITED first) and then score. --explain shows\n"
	"each entity's evidence (addresses, programs, dates, Federal Register notice, licence\n"
	"requirement and policy, the official source) and the token alignment; 'exportscreen show\n"
	"SOURCE ENTRY' prints one entry in full. Exit: 0 no match, 1 matches, 3 a name that could\n"
	"not be screened (invalid UTF-8, a NUL byte, too long) or lists unusable, 4 output closed.";

static const char show_details[] =
	"Prints one list entry in full, as the lists in use hold it: names and aliases, addresses,\n"
	"countries, programs, dates, identifiers, remarks, Federal Register notice, licence\n"
	"requirement and policy, and the official source. ENTRY is the entry_id 'check' prints.\n"
	"Exit: 0 found, 3 no such entry or lists unusable.";

static const char help_details[] =
	"--man and --bash-completion print the man pages and the bash completion that\n"
	"'cmake --install' installs; they are made from the same tables as --help.";

const cli_cmd cli_commands[] = {
	{"fetch", cmd_fetch, "fetch [SOURCE...] [--force] [--sources FILE] [--print-sources]",
	 "download lists, validate, swap in, rebuild index", cmd_fetch_opts, fetch_details, false},
	{"lists", cmd_lists, "lists [--json]", "sources in use: entries, list date, fetched at, sha256, age",
	 cmd_lists_opts, NULL, false},
	{"check", cmd_check, "check NAME... | - [--json] [--country CC] [--type T] [--threshold T] [--limit N]",
	 "ad-hoc name screening", cmd_check_opts, check_details, false},
	{"show", cmd_show, "show SOURCE ENTRY [--json]", "one list entry in full, with its official source",
	 cmd_show_opts, show_details, false},
	{"compare", cmd_compare, "compare NAME1 NAME2 | - [--json] [--type person|entity]",
	 "score two names directly, with the token alignment", cmd_compare_opts, NULL, false},
	{"filter", cmd_filter, "filter [--format jsonl|csv] [--allow-stale] [--max-age DAYS] [--threshold T] [--encoding E] [--delimiter C] [--columns FILE] [--catalog FILE] [--record]",
	 "orders on stdin -> decisions on stdout", cmd_filter_opts, NULL, false},
	{"audit", cmd_audit, "audit verify [--json] | head | export [--since D] [--until D] [--decision D] [--order ID] [--format jsonl|csv]",
	 "the audit trail: verify the MAC chain, print its head, export records", cmd_audit_opts, NULL, false},
	{"review", cmd_review,
	 "review add --party NAME [--country CC] --source S --entry ID (--false-positive | --true-match) --reason TEXT [--by WHO] [--expires DATE] | list [--json] [--all] | revoke ID --reason TEXT [--by WHO]",
	 "reviewers' decisions (dispositions) on list hits", cmd_review_opts, NULL, false},
	{"rescreen", cmd_rescreen, "rescreen [--since DATE] [--json] [--allow-stale]",
	 "screen every recorded party again with the lists in use; print changes", cmd_rescreen_opts, NULL, false},
	{"report", cmd_report, "report --since DATE [--until DATE] [--format html|csv]",
	 "sign-off report: every order not CLEAR in the period", cmd_report_opts, NULL, false},
	{"serve", cmd_serve,
	 "serve [--listen ADDR:PORT] [--token-file FILE] [--threads N] [--record] [--allow-stale] [--max-age DAYS]",
	 "HTTP API (/v1/screen, /v1/check, /v1/compare, /v1/lists, /healthz, /metrics) and the review page",
	 cmd_serve_opts, NULL, false},
	{"version", cmd_version, "version", "print the version", NULL, NULL, true},
	{"help", cmd_help, "help [COMMAND] [--man] [--bash-completion] [--commands]", "help on a command", cmd_help_opts,
	 help_details, true},
	{NULL, NULL, NULL, NULL, NULL, NULL, false},
};

enum { GOPT_DATA_DIR = 256, GOPT_RECORDS, GOPT_COLOR, GOPT_VERSION, GOPT_QUIET = 'q', GOPT_HELP = 'h' };

const cli_opt cli_global_opts[] = {
	{"data-dir", GOPT_DATA_DIR, true, "DIR",
	 "fetched lists and caches (default $EXPORTSCREEN_DATA, else ~/.local/share/exportscreen)"},
	{"records", GOPT_RECORDS, true, "FILE",
	 "compliance records store (default $EXPORTSCREEN_RECORDS, else DATA-DIR/records.sqlite)"},
	{"quiet", GOPT_QUIET, false, NULL, "no progress or warnings on stderr"},
	{"color", GOPT_COLOR, true, "auto|always|never", "colour on a terminal (NO_COLOR turns auto off)"},
	{"help", GOPT_HELP, false, NULL, "this text; 'exportscreen help COMMAND' for a command"},
	{"version", GOPT_VERSION, false, NULL, "print the version and exit"},
	{NULL, 0, false, NULL, NULL},
};

static void main_help(FILE *f)
{
	fprintf(f, "usage: exportscreen [GLOBAL OPTIONS] COMMAND [ARGS]\n\n"
		   "Export-control screening of orders and names against the public\n"
		   "denied-party and sanctions lists.\n\nCommands:\n");
	for (const cli_cmd *c = cli_commands; c->name; c++)
		fprintf(f, "  %-9s %s\n", c->name, c->summary);
	fputs("\nGlobal options (before or after the command; short flags bundle: -qj):\n", f);
	cli_print_options(f, cli_global_opts);
	fprintf(f, "\nThe bundled lists are found beside the executable (share/exportscreen);\n"
		   "$EXPORTSCREEN_LISTS_DIR overrides. NO_COLOR (not empty) turns colour off.\n"
		   "\nExit status: 0 clear / no match, 1 matches or decisions to act on, 2 usage error,\n"
		   "3 error records or lists missing/corrupt, 4 I/O error or out of memory.\n");
}

static const cli_opt *find_short(const cli_opt *opts, char c)
{
	for (const cli_opt *o = opts; o && o->name; o++)
		if (o->key < 256 && o->key == c)
			return o;
	return NULL;
}

static const cli_opt *find_long(const cli_opt *opts, const char *a)
{
	const char *eq = strchr(a, '=');
	size_t nl = eq ? (size_t)(eq - a) : strlen(a);
	for (const cli_opt *o = opts; o && o->name; o++)
		if (strlen(o->name) == nl && strncmp(o->name, a, nl) == 0)
			return o;
	return NULL;
}

/* Splits bundled short flags ("-qj" -> "-q" "-j"; "-qfcsv" -> "-q" "-f" "csv")
 * using the global options and those of the command (the first word that is
 * not an option). Words after "--", option values and anything that is not
 * made only of known flags are left alone. The new argv and its strings live
 * in *store (freed by the caller). */
static char **expand_bundles(int *argc, char **argv, char **store)
{
	size_t cap = 1;
	for (int i = 0; i < *argc; i++)
		cap += strlen(argv[i]) + 1;
	char **out = calloc(cap, sizeof *out);
	char *pool = malloc(cap * 3);
	if (!out || !pool) {
		free(out);
		free(pool);
		return NULL;
	}
	*store = pool;
	const cli_cmd *cmd = NULL;
	int n = 0;
	out[n++] = argv[0];
	for (int i = 1; i < *argc; i++) {
		char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			while (i < *argc)
				out[n++] = argv[i++];
			break;
		}
		if (a[0] == '-' && a[1] == '-') {
			const cli_opt *o = find_long(cli_global_opts, a + 2);
			if (!o && cmd)
				o = find_long(cmd->opts, a + 2);
			out[n++] = a;
			if (o && o->has_arg && !strchr(a, '=') && i + 1 < *argc)
				out[n++] = argv[++i];
			continue;
		}
		if (a[0] != '-' || a[1] == '\0') {
			if (!cmd)
				cmd = cli_find_command(a);
			out[n++] = a;
			continue;
		}
		/* a single dash: split only when every letter up to an argument is a known flag */
		bool ok = true;
		for (const char *p = a + 1; *p && ok; p++) {
			const cli_opt *o = find_short(cli_global_opts, *p);
			if (!o && cmd)
				o = find_short(cmd->opts, *p);
			if (!o)
				ok = false;
			else if (o->has_arg)
				break;
		}
		if (!ok || a[2] == '\0') {
			const cli_opt *o = a[2] == '\0' ? find_short(cli_global_opts, a[1]) : NULL;
			if (!o && a[2] == '\0' && cmd)
				o = find_short(cmd->opts, a[1]);
			out[n++] = a;
			if (o && o->has_arg && i + 1 < *argc)
				out[n++] = argv[++i];
			continue;
		}
		for (const char *p = a + 1; *p; p++) {
			const cli_opt *o = find_short(cli_global_opts, *p);
			if (!o)
				o = find_short(cmd->opts, *p);
			pool[0] = '-';
			pool[1] = *p;
			pool[2] = '\0';
			out[n++] = pool;
			pool += 3;
			if (o->has_arg) {
				if (p[1])
					out[n++] = (char *)p + 1;
				else if (i + 1 < *argc)
					out[n++] = argv[++i];
				break;
			}
		}
	}
	out[n] = NULL;
	*argc = n;
	return out;
}

static int set_color(cli_ctx *ctx, const char *v)
{
	if (strcmp(v, "auto") == 0)
		ctx->color = CLI_COLOR_AUTO;
	else if (strcmp(v, "always") == 0)
		ctx->color = CLI_COLOR_ALWAYS;
	else if (strcmp(v, "never") == 0)
		ctx->color = CLI_COLOR_NEVER;
	else
		return cli_usage("--color must be auto, always or never, not '%s'", v);
	return 0;
}

/* Removes the global options from argv (wherever they are), filling ctx. */
static int take_globals(cli_ctx *ctx, int *argc, char **argv, int *want_help, int *want_version)
{
	int o = 1;
	for (int i = 1; i < *argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			while (i < *argc)
				argv[o++] = argv[i++];
			break;
		}
		if (strcmp(a, "--data-dir") == 0 || strcmp(a, "--color") == 0 || strcmp(a, "--records") == 0) {
			if (i + 1 >= *argc)
				return cli_usage("option '%s' needs an argument", a);
			const char *v = argv[++i];
			if (a[2] == 'd')
				ctx->data_dir = v;
			else if (a[2] == 'r')
				ctx->records_path = v; /* compliance records store (docs/records.md) */
			else if (set_color(ctx, v) != 0)
				return CLI_EXIT_USAGE;
		} else if (strncmp(a, "--data-dir=", 11) == 0) {
			ctx->data_dir = a + 11;
		} else if (strncmp(a, "--records=", 10) == 0) {
			ctx->records_path = a + 10;
		} else if (strncmp(a, "--color=", 8) == 0) {
			if (set_color(ctx, a + 8) != 0)
				return CLI_EXIT_USAGE;
		} else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
			ctx->quiet = true;
		} else if ((strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) && o == 1) {
			*want_help = 1;
		} else if (strcmp(a, "--version") == 0 && o == 1) {
			*want_version = 1;
		} else {
			argv[o++] = argv[i];
		}
	}
	*argc = o;
	argv[o] = NULL;
	return 0;
}

static int run(int argc, char **argv)
{
	cli_ctx ctx = {0};
	int want_help = 0, want_version = 0;
	if (take_globals(&ctx, &argc, argv, &want_help, &want_version) != 0)
		return CLI_EXIT_USAGE;
	if (want_version) {
		printf("exportscreen %s\n", ES_VERSION);
		return cli_finish_stdout(CLI_EXIT_OK);
	}
	if (argc < 2) {
		if (want_help) {
			main_help(stdout);
			return cli_finish_stdout(0);
		}
		return cli_usage("no command given");
	}
	const cli_cmd *c = cli_find_command(argv[1]);
	if (!c)
		return cli_usage("unknown command '%s'", argv[1]);
	if (want_help) {
		cli_print_help(stdout, c);
		return cli_finish_stdout(0);
	}
	ctx.cmd = c;
	char *lists_dir = NULL;
	if (!c->no_lists) {
		es_err err = {0};
		es_code rc = es_install_lists_dir(&lists_dir, NULL, &err);
		if (rc != ES_OK) {
			cli_error("%s", err.msg);
			return cli_exit_for(rc);
		}
		ctx.lists_dir = lists_dir;
	}
	int rc = c->fn(&ctx, argc - 1, argv + 1);
	free(lists_dir);
	return rc;
}

int main(int argc, char **argv)
{
	/* a reader that goes away (exportscreen ... | head -1) is not an error to
	 * shout about: every command sees EPIPE on write, ends quietly, exit 4 */
	signal(SIGPIPE, SIG_IGN);
	char *store = NULL;
	char **args = expand_bundles(&argc, argv, &store);
	if (!args) {
		cli_error("out of memory");
		return cli_exit_for(ES_ENOMEM);
	}
	int rc = run(argc, args);
	free(args);
	free(store);
	return rc;
}

/* help [COMMAND] [--man] [--bash-completion] */
enum { HOPT_MAN = 256, HOPT_BASH, HOPT_COMMANDS };

const cli_opt cmd_help_opts[] = {
	{"man", HOPT_MAN, false, NULL, "print the man page (roff) of COMMAND, or exportscreen(1)"},
	{"bash-completion", HOPT_BASH, false, NULL, "print the bash completion script"},
	{"commands", HOPT_COMMANDS, false, NULL, "print the command names, one per line"},
	{NULL, 0, false, NULL, NULL},
};

int cmd_help(cli_ctx *ctx, int argc, char **argv)
{
	bool man = false, bash = false, list = false;
	int idx = 1, npos = 0, k;
	const char *arg;
	char *pos[4];
	if (argc > 4)
		return cli_usage("help: give at most one command");
	while ((k = cli_next(ctx->cmd, argc, argv, &idx, &arg, pos, &npos)) != -1) {
		if (k == '?')
			return CLI_EXIT_USAGE;
		if (k == CLI_HELP)
			return cli_finish_stdout(CLI_EXIT_OK);
		man |= k == HOPT_MAN;
		bash |= k == HOPT_BASH;
		list |= k == HOPT_COMMANDS;
	}
	if (npos > 1)
		return cli_usage("help: give at most one command");
	const cli_cmd *c = npos ? cli_find_command(pos[0]) : NULL;
	if (npos && !c)
		return cli_usage("help: unknown command '%s'", pos[0]);
	if (list)
		for (const cli_cmd *x = cli_commands; x->name; x++)
			puts(x->name);
	else if (bash)
		cli_print_bash_completion(stdout);
	else if (man)
		cli_print_man(stdout, c);
	else if (c)
		cli_print_help(stdout, c);
	else
		main_help(stdout);
	return cli_finish_stdout(CLI_EXIT_OK);
}
