#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "es_io.h"

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

void cli_print_help(FILE *f, const cli_cmd *cmd)
{
	fprintf(f, "usage: exportscreen %s\n\n%s\n", cmd->usage, cmd->summary);
	if (cmd->opts && cmd->opts[0].name) {
		fputs("\nOptions:\n", f);
		for (const cli_opt *o = cmd->opts; o->name; o++) {
			char left[64];
			if (o->key < 256)
				snprintf(left, sizeof left, "-%c, --%s%s%s", o->key, o->name, o->has_arg ? " " : "",
					 o->has_arg ? o->arg : "");
			else
				snprintf(left, sizeof left, "--%s%s%s", o->name, o->has_arg ? " " : "",
					 o->has_arg ? o->arg : "");
			fprintf(f, "  %-24s %s\n", left, o->help);
		}
	}
	fputs("\nGlobal options: --data-dir DIR, --records FILE, -q/--quiet, --color auto|always|never, --help\n", f);
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

bool cli_use_color(const cli_ctx *ctx, FILE *f)
{
	if (ctx->color == CLI_COLOR_ALWAYS)
		return true;
	if (ctx->color == CLI_COLOR_NEVER || getenv("NO_COLOR"))
		return false;
	return isatty(fileno(f));
}

es_listset *cli_open_lists(const cli_ctx *ctx)
{
	es_listset *ls;
	es_err err = {0};
	if (es_listset_open(&ls, ctx->data_dir, ctx->lists_dir, &err) != ES_OK) {
		cli_error("%s", err.msg);
		return NULL;
	}
	if (ls->fallback_reason)
		cli_warn(ctx, "fetched lists not usable (%s); using the bundled snapshot", ls->fallback_reason);
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
		cli_error("%s", err.msg[0] ? err.msg : es_strerror(rc));
		return NULL;
	}
	return c;
}

bool cli_read_line(FILE *f, char *buf, size_t max, size_t *len, bool *toolong)
{
	if (!fgets(buf, (int)(max + 2), f))
		return false;
	size_t n = strlen(buf);
	*toolong = n > max;
	if (*toolong) {
		int ch;
		while ((ch = getc(f)) != EOF && ch != '\n')
			;
	}
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	*len = n;
	return true;
}

double cli_parse_double(const char *s, double lo, double hi)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	return v;
}

int cli_finish_stdout(int rc)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (errno != EPIPE)
			cli_error("cannot write to standard output: %s", strerror(errno));
		return CLI_EXIT_IO;
	}
	if (fclose(stdout) != 0) {
		if (errno != EPIPE)
			cli_error("cannot write to standard output: %s", strerror(errno));
		return CLI_EXIT_IO;
	}
	return rc;
}
