/* cli — what the exportscreen executable shares between its commands:
 * global options, the command table, option tables that drive both parsing
 * and --help, and usage errors (one line + "try 'exportscreen --help'", exit 2).
 * Commands only parse options, call the library and print. */
#ifndef ES_CLI_H
#define ES_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "exportscreen.h"

enum { CLI_EXIT_OK = 0, CLI_EXIT_FOUND = 1, CLI_EXIT_USAGE = 2, CLI_EXIT_DATA = 3, CLI_EXIT_IO = 4 };
enum { CLI_COLOR_AUTO, CLI_COLOR_ALWAYS, CLI_COLOR_NEVER };

struct cli_cmd;

typedef struct {
	const struct cli_cmd *cmd; /* the command being run */
	const char *data_dir;   /* --data-dir or NULL (library default / $EXPORTSCREEN_DATA) */
	const char *lists_dir;  /* bundled lists and data files: $EXPORTSCREEN_LISTS_DIR, else found
				 * next to the executable (es_install_lists_dir) */
	const char *records_path; /* --records FILE or NULL (cli_records_path) */
	bool quiet;
	int color;
} cli_ctx;

typedef struct cli_opt {
	const char *name;       /* long name without "--" */
	int key;                /* short letter or a value >= 256 */
	bool has_arg;
	const char *arg;        /* argument name for help */
	const char *help;
} cli_opt;

typedef struct cli_cmd {
	const char *name;
	int (*fn)(cli_ctx *ctx, int argc, char **argv);
	const char *usage;      /* e.g. "check NAME... | -" */
	const char *summary;
	const cli_opt *opts;    /* NULL-name terminated, may be NULL */
	const char *details;    /* more text for --help and the man page, or NULL */
	bool no_lists;          /* runs without the bundled data files (version, help) */
} cli_cmd;

/* The command table (main.c), NULL-name terminated, and the global options. */
extern const cli_cmd cli_commands[];
extern const cli_opt cli_global_opts[];
const cli_cmd *cli_find_command(const char *name);

/* Iterates over argv[1..] of a command: returns the option key, '?' after a
 * usage error (already printed), or -1 at the end. Non-option arguments are
 * collected in order into pos[] (*npos, caller-sized argc). "--help" prints
 * the command's help and returns 'h' + 1000. */
int cli_next(const cli_cmd *cmd, int argc, char **argv, int *idx, const char **arg,
	     char **pos, int *npos);
#define CLI_HELP ('h' + 1000)

/* Prints "exportscreen: <msg>" and the --help hint to stderr; returns 2. */
int cli_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "exportscreen: <msg>" to stderr (for data and I/O errors). */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_warn(const cli_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cli_print_help(FILE *f, const cli_cmd *cmd);
/* The option lines of --help: "  -j, --json   one JSON object..." */
void cli_print_options(FILE *f, const cli_opt *opts);

/* Writes s[0..n) for a person to read, control characters (C0, DEL, C1) as
 * '?': names and remarks come from the lists, queries from the user, and
 * neither may move the cursor or recolour a reviewer's terminal. */
void cli_put_text(FILE *f, const char *s, size_t n);

/* Whether to colour a stream. */
bool cli_use_color(const cli_ctx *ctx, FILE *f);

/* Opens the list set in use, printing an error; NULL on failure. */
es_listset *cli_open_lists(const cli_ctx *ctx);
/* The exit status for the last failure of cli_open_lists or cli_load_countries. */
int cli_failure_status(void);
/* Loads lists/countries.tsv, printing an error; NULL on failure. */
es_countries *cli_load_countries(const cli_ctx *ctx);
/* Path of a data file in the bundled lists directory (caller frees). */
char *cli_data_path(const cli_ctx *ctx, const char *rel);

/* Reads the next line of f into buf (which holds max + 2 bytes) without its
 * line end. A line longer than max bytes is consumed whole (so one record
 * still answers one input line), *toolong is set and buf holds its start.
 * Returns false at the end of input (or on a read error: check ferror). */
bool cli_read_line(FILE *f, char *buf, size_t max, size_t *len, bool *toolong);

/* Parses a decimal number in [lo, hi] (lo >= 0): digits, one '.', an
 * exponent; "nan", "inf", hex and anything out of range give -1. */
double cli_parse_double(const char *s, double lo, double hi);

/* The one mapping from a library error code to the exit status, for every
 * command: usage -> 2; I/O, network, lock and out of memory (the machine, not
 * the data) -> 4; everything about the data (format, encoding, limits,
 * missing or corrupt files, rejected downloads) -> 3.
 * cli_exit_for_lists is the same mapping for a failure to open the lists or
 * the bundled data files, where a file that cannot be read means the lists
 * are missing (3, interface.md); only out of memory stays 4. */
int cli_exit_for(es_code code);
int cli_exit_for_lists(es_code code);

/* Combines two exit statuses: the most severe wins (4 > 3 > 2 > 1 > 0). */
int cli_worse(int a, int b);

/* Prints the man page of cmd (NULL: exportscreen(1)) in roff, from the same
 * option tables as --help. */
void cli_print_man(FILE *f, const cli_cmd *cmd);
/* Prints a bash completion script built from the command and option tables. */
void cli_print_bash_completion(FILE *f);

/* Checks stdout at exit (ferror + fclose); returns CLI_EXIT_IO on failure, else rc. */
int cli_finish_stdout(int rc);

/* Commands (cmd_*.c) */
int cmd_version(cli_ctx *ctx, int argc, char **argv);
int cmd_lists(cli_ctx *ctx, int argc, char **argv);
int cmd_check(cli_ctx *ctx, int argc, char **argv);
int cmd_compare(cli_ctx *ctx, int argc, char **argv);
int cmd_filter(cli_ctx *ctx, int argc, char **argv);
int cmd_fetch(cli_ctx *ctx, int argc, char **argv);
int cmd_help(cli_ctx *ctx, int argc, char **argv);
int cmd_show(cli_ctx *ctx, int argc, char **argv);
int cmd_serve(cli_ctx *ctx, int argc, char **argv);

extern const cli_opt cmd_lists_opts[], cmd_check_opts[], cmd_compare_opts[], cmd_filter_opts[],
	cmd_fetch_opts[], cmd_help_opts[], cmd_show_opts[];
extern const cli_opt cmd_serve_opts[];

/* Compliance records (docs/records.md) */
int cmd_audit(cli_ctx *ctx, int argc, char **argv);
int cmd_review(cli_ctx *ctx, int argc, char **argv);
int cmd_rescreen(cli_ctx *ctx, int argc, char **argv);
int cmd_report(cli_ctx *ctx, int argc, char **argv);
extern const cli_opt cmd_audit_opts[], cmd_review_opts[], cmd_rescreen_opts[], cmd_report_opts[];

#endif
