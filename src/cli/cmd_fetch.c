/* fetch — download the lists of the source catalog, validate them and swap
 * them in (es_fetch does the work). This file parses options, draws the
 * progress bars on a terminal and prints the summary table.
 * Exit: 0 every source updated or unchanged; 3 a download was rejected by
 * validation (or the catalog / index is bad); 4 a download failed or another
 * fetch holds the lock (4 wins over 3); 2 usage. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cli_records.h"
#include "es_fetch.h"
#include "es_io.h"

enum {
	OPT_FORCE = 'f',
	OPT_SOURCES = 256,
	OPT_PRINT,
	OPT_CACERT,
	OPT_TIMEOUT,
	OPT_CONNECT,
	OPT_RETRIES,
	OPT_DELAY,
	OPT_AFTER,
	OPT_SHRINK,
	OPT_MAXBYTES,
	OPT_RESCREEN,
};

const cli_opt cmd_fetch_opts[] = {
	{"force", OPT_FORCE, false, NULL, "no conditional requests; re-validate and replace even unchanged lists"},
	{"sources", OPT_SOURCES, true, "FILE", "source catalog to use (default: lists/sources.tsv)"},
	{"print-sources", OPT_PRINT, false, NULL, "print the source catalog in use and exit"},
	{"cacert", OPT_CACERT, true, "FILE", "CA bundle for https (default $EXPORTSCREEN_CA_BUNDLE, else system)"},
	{"timeout", OPT_TIMEOUT, true, "SECS", "limit for one download attempt (default 300)"},
	{"connect-timeout", OPT_CONNECT, true, "SECS", "limit for connecting (default 10)"},
	{"retries", OPT_RETRIES, true, "N", "retries on 5xx, timeouts, resets (default 3)"},
	{"retry-delay", OPT_DELAY, true, "SECS", "first backoff, doubled per retry, with jitter (default 1)"},
	{"max-retry-after", OPT_AFTER, true, "SECS", "longest Retry-After of a 429/503 to wait for (default 120)"},
	{"max-shrink", OPT_SHRINK, true, "F", "reject a list that lost more than this share of entries (default 0.10)"},
	{"max-bytes", OPT_MAXBYTES, true, "N", "largest download, on the wire and decoded (default 256 MiB)"},
	{"rescreen", OPT_RESCREEN, false, NULL, "after a new set is swapped in, re-screen the recorded parties"},
	{NULL, 0, false, NULL, NULL},
};

typedef struct {
	bool on;            /* progress bars drawn (stderr is a terminal, not -q) */
	struct timespec t0;
	double last_draw;
} progress;

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void human(double b, char *out, size_t cap)
{
	if (b >= 1024.0 * 1024.0)
		snprintf(out, cap, "%.1f MB", b / (1024.0 * 1024.0));
	else if (b >= 1024.0)
		snprintf(out, cap, "%.0f kB", b / 1024.0);
	else
		snprintf(out, cap, "%.0f B", b);
}

static void on_progress(void *ctx, es_fetch_event ev, const char *sid, const char *role, double now,
			double total)
{
	progress *p = ctx;
	if (!p->on)
		return;
	double t = mono();
	if (ev == ES_FETCH_EV_START) {
		p->t0.tv_sec = 0;
		p->last_draw = 0;
		p->t0.tv_nsec = 0;
		clock_gettime(CLOCK_MONOTONIC, &p->t0);
		fprintf(stderr, "\r\033[K%-10s %-8s connecting...", sid, role);
		fflush(stderr);
		return;
	}
	if (ev == ES_FETCH_EV_PROGRESS && t - p->last_draw < 0.1)
		return;
	p->last_draw = t;
	double el = t - ((double)p->t0.tv_sec + (double)p->t0.tv_nsec / 1e9);
	double rate = el > 0 ? now / el : 0;
	char bn[32], rn[32], tn[32];
	human(now, bn, sizeof bn);
	human(rate, rn, sizeof rn);
	char bar[23] = "[--------------------]";
	char eta[32] = "";
	if (total > 0) {
		int fill = (int)(20.0 * (now / total));
		for (int i = 0; i < 20; i++)
			bar[1 + i] = i < fill ? '#' : '-';
		human(total, tn, sizeof tn);
		if (rate > 0 && ev == ES_FETCH_EV_PROGRESS)
			snprintf(eta, sizeof eta, " ETA %.0fs", (total - now) / rate);
	} else {
		snprintf(tn, sizeof tn, "?");
	}
	fprintf(stderr, "\r\033[K%-10s %-8s %s %s / %s  %s/s%s", sid, role, bar, bn, tn, rn, eta);
	if (ev == ES_FETCH_EV_DONE)
		fputc('\n', stderr);
	fflush(stderr);
}

static int print_file(const char *path)
{
	char *buf;
	size_t len;
	es_err err = {0};
	if (es_read_file(path, 1 << 20, &buf, &len, &err) != ES_OK) {
		cli_error("fetch: %s", err.msg);
		return CLI_EXIT_DATA;
	}
	fwrite(buf, 1, len, stdout);
	free(buf);
	return cli_finish_stdout(CLI_EXIT_OK);
}

static int bad_num(const char *opt, const char *arg)
{
	return cli_usage("fetch: --%s needs a number, not '%s'", opt, arg);
}

int cmd_fetch(cli_ctx *ctx, int argc, char **argv)
{
	es_fetch_opts fo = {0};
	fo.max_shrink = ES_FETCH_DEFAULT_MAX_SHRINK;
	fo.http.retries = 3;
	fo.http.retry_delay_ms = 1000;
	const char *env_ca = getenv("EXPORTSCREEN_CA_BUNDLE");
	fo.http.cacert = env_ca && *env_ca ? env_ca : NULL;
	bool print_sources = false;
	es_source only[ES_SRC_COUNT];
	size_t n_only = 0;
	int idx = 1, npos = 0, k;
	const char *arg;
	double d;
	char **pos = calloc((size_t)argc + 1, sizeof *pos);
	if (!pos) {
		cli_error("out of memory");
		return CLI_EXIT_IO;
	}
	int rc = CLI_EXIT_OK;
	bool rescreen = false;
	while ((k = cli_next(ctx->cmd, argc, argv, &idx, &arg, pos, &npos)) != -1) {
		switch (k) {
		case '?':
			rc = CLI_EXIT_USAGE;
			goto done;
		case CLI_HELP:
			fputs("\nSOURCE: ofac_sdn ofac_cons us_csl un_sc eu_fsf uk_fcdo (default: every source of the\n"
			      "catalog). Exit: 0 all updated/unchanged, 3 a download rejected by validation,\n"
			      "4 a download failed or another fetch is running; the last good lists are kept.\n",
			      stdout);
			rc = cli_finish_stdout(CLI_EXIT_OK);
			goto done;
		case OPT_RESCREEN:
			rescreen = true;
			break;
		case OPT_FORCE:
			fo.force = true;
			break;
		case OPT_SOURCES:
			fo.catalog_path = arg;
			break;
		case OPT_PRINT:
			print_sources = true;
			break;
		case OPT_CACERT:
			fo.http.cacert = arg;
			break;
		case OPT_TIMEOUT:
			if ((d = cli_parse_double(arg, 0.001, 86400)) < 0) {
				rc = bad_num("timeout", arg);
				goto done;
			}
			fo.http.timeout_ms = (long)(d * 1000);
			break;
		case OPT_CONNECT:
			if ((d = cli_parse_double(arg, 0.001, 3600)) < 0) {
				rc = bad_num("connect-timeout", arg);
				goto done;
			}
			fo.http.connect_timeout_ms = (long)(d * 1000);
			break;
		case OPT_RETRIES:
			if ((d = cli_parse_double(arg, 0, 20)) < 0 || d != (double)(int)d) {
				rc = bad_num("retries", arg);
				goto done;
			}
			fo.http.retries = (int)d;
			break;
		case OPT_DELAY:
			if ((d = cli_parse_double(arg, 0.001, 3600)) < 0) {
				rc = bad_num("retry-delay", arg);
				goto done;
			}
			fo.http.retry_delay_ms = (long)(d * 1000);
			break;
		case OPT_AFTER:
			if ((d = cli_parse_double(arg, 1, 86400)) < 0) {
				rc = bad_num("max-retry-after", arg);
				goto done;
			}
			fo.http.max_retry_after_ms = (long)(d * 1000);
			break;
		case OPT_SHRINK:
			if ((d = cli_parse_double(arg, 0, 1)) < 0) {
				rc = cli_usage("fetch: --max-shrink needs a share between 0 and 1, not '%s'", arg);
				goto done;
			}
			fo.max_shrink = d;
			break;
		case OPT_MAXBYTES:
			if ((d = cli_parse_double(arg, 1, 1e12)) < 0) {
				rc = bad_num("max-bytes", arg);
				goto done;
			}
			fo.http.max_body = fo.http.max_decoded = (size_t)d;
			break;
		}
	}
	for (int i = 0; i < npos; i++) {
		es_source s;
		if (es_source_from_id(pos[i], &s) != 0) {
			rc = cli_usage("fetch: unknown source '%s' (ofac_sdn ofac_cons us_csl un_sc eu_fsf uk_fcdo)", pos[i]);
			goto done;
		}
		bool dup = false;
		for (size_t j = 0; j < n_only; j++)
			dup |= only[j] == s;
		if (!dup)
			only[n_only++] = s;
	}
	char *cat_default = NULL;
	if (print_sources) {
		if (!fo.catalog_path)
			cat_default = cli_data_path(ctx, "sources.tsv");
		rc = print_file(fo.catalog_path ? fo.catalog_path : cat_default);
		free(cat_default);
		goto done;
	}

	char *data_dir = ctx->data_dir ? strdup(ctx->data_dir) : es_default_data_dir();
	if (!data_dir) {
		cli_error("out of memory");
		rc = CLI_EXIT_IO;
		goto done;
	}
	progress pr = {.on = !ctx->quiet && isatty(STDERR_FILENO)};
	fo.data_dir = data_dir;
	fo.lists_dir = ctx->lists_dir;
	fo.only = n_only ? only : NULL;
	fo.n_only = n_only;
	fo.progress = on_progress;
	fo.progress_ctx = &pr;
	es_err err = {0};
	es_fetch_report rep;
	es_code frc = es_http_global_init(&err);
	if (frc == ES_OK)
		frc = es_fetch_run(&fo, &rep, &err);
	es_http_global_cleanup();
	free(data_dir);
	if (frc != ES_OK) {
		cli_error("fetch: %s", err.msg[0] ? err.msg : es_strerror(frc));
		rc = frc == ES_EUSAGE ? CLI_EXIT_USAGE
		     : frc == ES_ELOCKED || frc == ES_ENET || frc == ES_EIO || frc == ES_ENOMEM ? CLI_EXIT_IO
											   : CLI_EXIT_DATA;
		goto done;
	}

	bool any_failed = false, any_rejected = false;
	for (size_t i = 0; i < rep.n_results; i++) {
		const es_fetch_result *r = &rep.results[i];
		if (r->status == ES_FETCH_FAILED || r->status == ES_FETCH_REJECTED) {
			any_failed |= r->status == ES_FETCH_FAILED;
			any_rejected |= r->status == ES_FETCH_REJECTED;
			cli_error("fetch: %s %s: %s; %s", es_source_id(r->source), es_fetch_status_name(r->status),
				  r->message, r->entries_before >= 0 ? "kept the last good copy" : "no copy held");
		}
	}
	printf("%-10s %-10s %17s  %-10s\n", "source", "result", "entries", "data date");
	for (size_t i = 0; i < rep.n_results; i++) {
		const es_fetch_result *r = &rep.results[i];
		char before[24], after[24], ent[56];
		if (r->entries_before >= 0)
			snprintf(before, sizeof before, "%ld", r->entries_before);
		else
			snprintf(before, sizeof before, "-");
		if (r->entries_after >= 0)
			snprintf(after, sizeof after, "%ld", r->entries_after);
		else
			snprintf(after, sizeof after, "-");
		snprintf(ent, sizeof ent, "%s -> %s", before, after);
		printf("%-10s %-10s %17s  %-10s\n", es_source_id(r->source), es_fetch_status_name(r->status), ent,
		       r->data_date[0] ? r->data_date : "-");
	}
	printf("\nlists in use: %s, version %.16s\n", rep.swapped ? "new fetched set" : "same set as before",
	       rep.version_after);
	if (rep.index_note[0])
		cli_warn(ctx, "fetch: %s", rep.index_note);
	rc = any_failed ? CLI_EXIT_IO : any_rejected ? CLI_EXIT_DATA : CLI_EXIT_OK;
	/* records hook (docs/records.md): re-screen the recorded parties against the new set */
	if (rescreen && rep.swapped) {
		int rs = cli_fetch_rescreen(ctx);
		rc = rs > rc ? rs : rc;
	}
	rc = cli_finish_stdout(rc);
done:
	free(pos);
	return rc;
}
