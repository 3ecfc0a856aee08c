#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>


int cli_usage(const char *fmt, ...)
{
	va_list ap;
	fputs("exportscreen: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\ntry 'exportscreen --help'\n", stderr);
	return CLI_EXIT_USAGE;
}

void cli_error(const char *fmt, ...)
{
	va_list ap;
	fputs("exportscreen: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cli_warn(const cli_ctx *ctx, const char *fmt, ...)
{
	if (ctx->quiet)
		return;
	va_list ap;
	fputs("exportscreen: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* "-j, --json" / "--country CC" */
static void opt_left(const cli_opt *o, char *left, size_t cap)
{
	if (o->key < 256)
		snprintf(left, cap, "-%c, --%s%s%s", o->key, o->name, o->has_arg ? " " : "", o->has_arg ? o->arg : "");
	else
		snprintf(left, cap, "--%s%s%s", o->name, o->has_arg ? " " : "", o->has_arg ? o->arg : "");
}

void cli_print_options(FILE *f, const cli_opt *opts)
{
	for (const cli_opt *o = opts; o && o->name; o++) {
		char left[64];
		opt_left(o, left, sizeof left);
		if (strlen(left) > 24)
			fprintf(f, "  %s\n  %-24s %s\n", left, "", o->help);
		else
			fprintf(f, "  %-24s %s\n", left, o->help);
	}
}

void cli_print_help(FILE *f, const cli_cmd *cmd)
{
	fprintf(f, "usage: exportscreen %s\n\n%s\n", cmd->usage, cmd->summary);
	if (cmd->details)
		fprintf(f, "\n%s\n", cmd->details);
	if (cmd->opts && cmd->opts[0].name) {
		fputs("\nOptions:\n", f);
		cli_print_options(f, cmd->opts);
	}
	fputs("\nGlobal options (before or after the command):\n", f);
	cli_print_options(f, cli_global_opts);
}

const cli_cmd *cli_find_command(const char *name)
{
	for (const cli_cmd *c = cli_commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

/* roff text: backslashes and hyphens escaped, a leading '.' or '\'' guarded */
static void roff(FILE *f, const char *s)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", f);
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\e", f);
		else if (*s == '-')
			fputs("\\-", f);
		else if (*s == '\n') {
			fputc('\n', f);
			if (s[1] == '.' || s[1] == '\'')
				fputs("\\&", f);
		} else
			fputc(*s, f);
	}
}

static void man_opts(FILE *f, const cli_opt *opts)
{
	for (const cli_opt *o = opts; o && o->name; o++) {
		char left[64];
		opt_left(o, left, sizeof left);
		fputs(".TP\n.B ", f);
		roff(f, left);
		fputc('\n', f);
		roff(f, o->help);
		fputc('\n', f);
	}
}

static void upper(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc(toupper((unsigned char)*s), f);
}

static const char man_exit[] =
	".SH EXIT STATUS\n"
	".TP\n.B 0\nall clear, no match\n"
	".TP\n.B 1\nmatches, or a REVIEW, LICENSE_REQUIRED or PROHIBITED record: something to act on\n"
	".TP\n.B 2\nusage error\n"
	".TP\n.B 3\nan ERROR record, a name that could not be screened, or lists missing or corrupt\n"
	".TP\n.B 4\nI/O error (cannot read input or write output, a download failed), or out of memory\n"
	".PP\nThe most severe applicable status wins (4 > 3 > 1 > 0).\n";

static const char man_env[] =
	".SH ENVIRONMENT\n"
	".TP\n.B EXPORTSCREEN_DATA\ndata directory (fetched lists, index caches) when \\-\\-data\\-dir is not given;\n"
	"default $XDG_DATA_HOME/exportscreen, else ~/.local/share/exportscreen\n"
	".TP\n.B EXPORTSCREEN_RECORDS\nthe compliance records store when \\-\\-records is not given\n"
	".TP\n.B EXPORTSCREEN_LISTS_DIR\nthe bundled lists and data files (the directory holding manifest.json);\n"
	"default: share/exportscreen beside the installed executable\n"
	".TP\n.B EXPORTSCREEN_CA_BUNDLE\nCA bundle for fetch (default: the system's)\n"
	".TP\n.B NO_COLOR\nwhen set and not empty, no colour unless \\-\\-color always\n";

void cli_print_man(FILE *f, const cli_cmd *cmd)
{
	fputs(".TH ", f);
	fputs("EXPORTSCREEN", f);
	if (cmd) {
		fputc('-', f);
		upper(f, cmd->name);
	}
	fprintf(f, " 1 \"\" \"exportscreen %s\" \"User Commands\"\n.SH NAME\n", ES_VERSION);
	if (cmd) {
		fprintf(f, "exportscreen\\-%s \\- ", cmd->name);
		roff(f, cmd->summary);
		fputs("\n.SH SYNOPSIS\n.B exportscreen\n", f);
		roff(f, cmd->usage);
		fputs("\n.SH DESCRIPTION\n", f);
		roff(f, cmd->summary);
		fputs(".\n", f);
		if (cmd->details) {
			fputs(".PP\n", f);
			roff(f, cmd->details);
			fputc('\n', f);
		}
		if (cmd->opts && cmd->opts[0].name) {
			fputs(".SH OPTIONS\n", f);
			man_opts(f, cmd->opts);
		}
	} else {
		fputs("exportscreen \\- export\\-control screening of orders and names against the public\n"
		      "denied\\-party and sanctions lists\n.SH SYNOPSIS\n.B exportscreen\n"
		      "[GLOBAL OPTIONS] COMMAND [ARGS]\n.SH COMMANDS\n", f);
		for (const cli_cmd *c = cli_commands; c->name; c++) {
			fputs(".TP\n.B ", f);
			roff(f, c->name);
			fputc('\n', f);
			roff(f, c->summary);
			fprintf(f, "; see\n.BR exportscreen\\-%s (1)\n", c->name);
		}
	}
	fputs(".SH GLOBAL OPTIONS\nAccepted before or after the command. Short flags may be bundled\n"
	      "(\\-qj); \\-\\- ends the options.\n", f);
	man_opts(f, cli_global_opts);
	fputs(man_exit, f);
	fputs(man_env, f);
	fputs(".SH SEE ALSO\n", f);
	if (cmd)
		fputs(".BR exportscreen (1)\n", f);
	else
		fputs("The README of the exportscreen distribution and its docs/ directory.\n", f);
}

static void words(FILE *f, const cli_opt *opts)
{
	for (const cli_opt *o = opts; o && o->name; o++) {
		fprintf(f, " --%s", o->name);
		if (o->key < 256)
			fprintf(f, " -%c", o->key);
	}
}

void cli_print_bash_completion(FILE *f)
{
	fputs("# bash completion for exportscreen (generated by 'exportscreen help --bash-completion')\n"
	      "_exportscreen()\n{\n"
	      "  local cur prev cmd i\n"
	      "  cur=${COMP_WORDS[COMP_CWORD]}\n  prev=${COMP_WORDS[COMP_CWORD-1]}\n"
	      "  case $prev in\n"
	      "    --data-dir) COMPREPLY=($(compgen -d -- \"$cur\")); return;;\n"
	      "    --records) COMPREPLY=($(compgen -f -- \"$cur\")); return;;\n"
	      "    --color) COMPREPLY=($(compgen -W 'auto always never' -- \"$cur\")); return;;\n"
	      "    --sources|--cacert|--catalog|--columns) COMPREPLY=($(compgen -f -- \"$cur\")); return;;\n"
	      "    --type) COMPREPLY=($(compgen -W 'person entity vessel aircraft' -- \"$cur\")); return;;\n"
	      "    --format) COMPREPLY=($(compgen -W 'jsonl csv' -- \"$cur\")); return;;\n"
	      "  esac\n"
	      "  cmd=\n  for ((i = 1; i < COMP_CWORD; i++)); do\n"
	      "    case ${COMP_WORDS[i]} in\n      --data-dir|--color|--records) ((i++));;\n      -*) ;;\n"
	      "      *) cmd=${COMP_WORDS[i]}; break;;\n    esac\n  done\n"
	      "  local globals='", f);
	words(f, cli_global_opts);
	fputs("'\n  case $cmd in\n    '') COMPREPLY=($(compgen -W \"", f);
	for (const cli_cmd *c = cli_commands; c->name; c++)
		fprintf(f, "%s%s", c == cli_commands ? "" : " ", c->name);
	fputs(" $globals\" -- \"$cur\"));;\n", f);
	for (const cli_cmd *c = cli_commands; c->name; c++) {
		fprintf(f, "    %s) COMPREPLY=($(compgen -W \"", c->name);
		words(f, c->opts);
		if (strcmp(c->name, "help") == 0)
			for (const cli_cmd *d = cli_commands; d->name; d++)
				fprintf(f, " %s", d->name);
		if (strcmp(c->name, "fetch") == 0 || strcmp(c->name, "show") == 0)
			fputs(" ofac_sdn ofac_cons us_csl un_sc eu_fsf uk_fcdo", f);
		fputs(" $globals\" -- \"$cur\"));;\n", f);
	}
	fputs("  esac\n}\ncomplete -F _exportscreen exportscreen\n", f);
}

int cli_next(const cli_cmd *cmd, int argc, char **argv, int *idx, const char **arg,
	     char **pos, int *npos)
{
	/* hand-rolled rather than getopt_long so option tables stay declarative and
	 * positional arguments ("-" included) may come anywhere */
	while (*idx < argc) {
		char *a = argv[(*idx)++];
		if (strcmp(a, "--") == 0) {
			while (*idx < argc)
				pos[(*npos)++] = argv[(*idx)++];
			return -1;
		}
		if (a[0] != '-' || a[1] == '\0') {
			pos[(*npos)++] = a;
			continue;
		}
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			cli_print_help(stdout, cmd);
			return CLI_HELP;
		}
		const cli_opt *hit = NULL;
		const char *val = NULL;
		if (a[1] == '-') {
			const char *name = a + 2;
			const char *eq = strchr(name, '=');
			size_t nl = eq ? (size_t)(eq - name) : strlen(name);
			for (const cli_opt *o = cmd->opts; o && o->name; o++)
				if (strlen(o->name) == nl && strncmp(o->name, name, nl) == 0)
					hit = o;
			if (!hit) {
				cli_usage("%s: unknown option '%s'", cmd->name, a);
				return '?';
			}
			if (eq)
				val = eq + 1;
		} else {
			for (const cli_opt *o = cmd->opts; o && o->name; o++)
				if (o->key < 256 && o->key == a[1] && a[2] == '\0')
					hit = o;
			if (!hit) {
				cli_usage("%s: unknown option '%s'", cmd->name, a);
				return '?';
			}
		}
		if (hit->has_arg && !val) {
			if (*idx >= argc) {
				cli_usage("%s: option '--%s' needs an argument", cmd->name, hit->name);
				return '?';
			}
			val = argv[(*idx)++];
		} else if (!hit->has_arg && val) {
			cli_usage("%s: option '--%s' takes no argument", cmd->name, hit->name);
			return '?';
		}
		*arg = val;
		return hit->key;
	}
	return -1;
}

void cli_put_text(FILE *f, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f) {
			putc('?', f);
		} else if (c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 && (unsigned char)s[i + 1] <= 0x9f) {
			putc('?', f); /* a C1 control (U+0080..U+009F, CSI among them) */
			i++;
		} else {
			putc(c, f);
		}
	}
}

bool cli_use_color(const cli_ctx *ctx, FILE *f)
{
	if (ctx->color == CLI_COLOR_ALWAYS)
		return true;
	const char *nc = getenv("NO_COLOR"); /* no-color.org: set and not empty */
	if (ctx->color == CLI_COLOR_NEVER || (nc && *nc))
		return false;
	return isatty(fileno(f));
}

/* the code of the last cli_open_lists / cli_load_countries failure */
static es_code last_failure = ES_OK;

int cli_failure_status(void)
{
	return cli_exit_for_lists(last_failure == ES_OK ? ES_EINTERNAL : last_failure);
}

es_listset *cli_open_lists(const cli_ctx *ctx)
{
	es_listset *ls;
	es_err err = {0};
	es_code rc = es_listset_open(&ls, ctx->data_dir, ctx->lists_dir, &err);
	if (rc != ES_OK) {
		last_failure = rc;
		cli_error("%s", err.msg[0] ? err.msg : es_strerror(rc));
		return NULL;
	}
	return ls;
}

char *cli_data_path(const cli_ctx *ctx, const char *rel)
{
	return es_path_join(ctx->lists_dir, rel);
}

es_countries *cli_load_countries(const cli_ctx *ctx)
{
	es_countries *c;
	es_err err = {0};
	char *p = cli_data_path(ctx, "countries.tsv");
	es_code rc = p ? es_countries_load(&c, p, &err) : ES_ENOMEM;
	free(p);
	if (rc != ES_OK) {
		last_failure = rc;
		cli_error("%s", err.msg[0] ? err.msg : es_strerror(rc));
		return NULL;
	}
	return c;
}

bool cli_read_line(FILE *f, char *buf, size_t max, size_t *len, bool *toolong)
{
	/* byte by byte rather than fgets: a NUL inside the line must not cut it,
	 * the caller sees the whole line and rejects it */
	size_t n = 0;
	int ch = EOF;
	bool any = false;
	*toolong = false;
	while ((ch = getc_unlocked(f)) != EOF) {
		any = true;
		if (ch == '\n')
			break;
		if (n < max)
			buf[n++] = (char)ch;
		else
			*toolong = true;
	}
	if (!any)
		return false;
	while (n && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	*len = n;
	return true;
}

double cli_parse_double(const char *s, double lo, double hi)
{
	/* strtod alone takes "nan", "inf", "0x1p-2" and leading blanks */
	if (!*s || strspn(s, "0123456789.eE+-") != strlen(s) || !isdigit((unsigned char)s[s[0] == '+' || s[0] == '-']))
		return -1;
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < lo || v > hi)
		return -1;
	return v;
}

int cli_exit_for(es_code code)
{
	switch (code) {
	case ES_OK:
		return CLI_EXIT_OK;
	case ES_EUSAGE:
		return CLI_EXIT_USAGE;
	case ES_EIO:
	case ES_ENET:
	case ES_ELOCKED:
	case ES_ENOMEM:
		return CLI_EXIT_IO;
	case ES_EFORMAT:
	case ES_ETOOBIG:
	case ES_EENCODING:
	case ES_EMISSING:
	case ES_ECORRUPT:
	case ES_EREJECTED:
	case ES_ENOTIMPL:
	case ES_EINTERNAL:
		break;
	}
	return CLI_EXIT_DATA;
}

int cli_exit_for_lists(es_code code)
{
	return code == ES_EIO ? CLI_EXIT_DATA : cli_exit_for(code);
}

int cli_worse(int a, int b)
{
	return a > b ? a : b;
}

/* Whether stdout is a pipe whose reader has gone (head -1 took what it wanted):
 * errno may no longer say EPIPE by the time the caller looks. */
static bool reader_gone(void)
{
	struct stat st;
	if (errno == EPIPE)
		return true;
	if (fstat(STDOUT_FILENO, &st) != 0 || !S_ISFIFO(st.st_mode))
		return false;
	struct pollfd p = {.fd = STDOUT_FILENO, .events = POLLOUT};
	return poll(&p, 1, 0) == 1 && (p.revents & POLLERR);
}

int cli_finish_stdout(int rc)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (!reader_gone())
			cli_error("cannot write to standard output: %s", strerror(errno));
		return CLI_EXIT_IO;
	}
	if (fclose(stdout) != 0) {
		if (!reader_gone())
			cli_error("cannot write to standard output: %s", strerror(errno));
		return CLI_EXIT_IO;
	}
	return rc;
}
