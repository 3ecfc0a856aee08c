/* serve — the HTTP API and the review page (es_serve) until SIGINT/SIGTERM. Options, the list
 * watcher and the request log only; the endpoints are es_serve's, the list
 * swaps es_live's. The address actually bound is printed on stdout as
 * "listening on ADDR:PORT" (one line, flushed), for scripts that pass port 0. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cli_records.h"
#include "exportscreen.h"

enum {
	OPT_LISTEN = 256,
	OPT_TOKEN_FILE,
	OPT_THREADS,
	OPT_ALLOW_STALE,
	OPT_MAX_AGE,
	OPT_THRESHOLD,
	OPT_MAX_BODY,
	OPT_TIMEOUT,
	OPT_RELOAD,
	OPT_RECORD,
};

const cli_opt cmd_serve_opts[] = {
	{"listen", OPT_LISTEN, true, "ADDR:PORT", "address to listen on (default 127.0.0.1:8080; port 0: any)"},
	{"token-file", OPT_TOKEN_FILE, true, "FILE", "'name token' lines; Bearer auth (required off loopback)"},
	{"threads", OPT_THREADS, true, "N", "worker threads (default 2)"},
	{"allow-stale", OPT_ALLOW_STALE, false, NULL, "no LISTS_STALE review and a healthy /healthz on old lists"},
	{"max-age", OPT_MAX_AGE, true, "DAYS", "age after which lists are stale (default 7)"},
	{"threshold", OPT_THRESHOLD, true, "T", "review threshold for fuzzy name matches in /v1/screen (0..1)"},
	{"max-body", OPT_MAX_BODY, true, "BYTES", "largest request body (default 16 MiB; more -> 413)"},
	{"timeout", OPT_TIMEOUT, true, "SECONDS", "idle connection timeout (default 10)"},
	{"reload-interval", OPT_RELOAD, true, "SECONDS", "how often to look for a newly fetched list set (default 2)"},
	{"record", OPT_RECORD, false, NULL, "keep an audit record of every /v1/screen order (--records FILE)"},
	{NULL, 0, false, NULL, NULL},
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void log_line(void *ud, const char *line)
{
	(void)ud;
	fprintf(stderr, "exportscreen: %s\n", line);
}

int cmd_serve(cli_ctx *ctx, int argc, char **argv)
{
	es_serve_config sc = {0};
	bool allow_stale = false;
	long max_age = ES_DEFAULT_MAX_AGE_DAYS;
	double threshold = -1, reload_s = 2;
	int idx = 1, npos = 0, k;
	const char *arg;
	char **pos = calloc((size_t)argc + 1, sizeof *pos);
	if (!pos)
		return CLI_EXIT_DATA;
	while ((k = cli_next(ctx->cmd, argc, argv, &idx, &arg, pos, &npos)) != -1) {
		double d;
		if (k == '?' || k == CLI_HELP) {
			free(pos);
			return k == CLI_HELP ? cli_finish_stdout(0) : CLI_EXIT_USAGE;
		}
		switch (k) {
		case OPT_LISTEN:
			sc.listen = arg;
			break;
		case OPT_TOKEN_FILE:
			sc.token_file = arg;
			break;
		case OPT_THREADS:
			if ((d = cli_parse_double(arg, 1, 256)) < 1 || d != (unsigned)d) {
				free(pos);
				return cli_usage("serve: --threads needs a whole number from 1 to 256, not '%s'", arg);
			}
			sc.threads = (unsigned)d;
			break;
		case OPT_ALLOW_STALE:
			allow_stale = true;
			break;
		case OPT_MAX_AGE:
			if ((d = cli_parse_double(arg, 0, 100000)) < 0) {
				free(pos);
				return cli_usage("serve: --max-age needs a number of days, not '%s'", arg);
			}
			max_age = (long)d;
			break;
		case OPT_THRESHOLD:
			if ((threshold = cli_parse_double(arg, 0, 1)) < 0) {
				free(pos);
				return cli_usage("serve: --threshold needs a number between 0 and 1, not '%s'", arg);
			}
			break;
		case OPT_MAX_BODY:
			if ((d = cli_parse_double(arg, 1024, 1e9)) < 0) {
				free(pos);
				return cli_usage("serve: --max-body needs a number of bytes from 1024 to 1e9, not '%s'", arg);
			}
			sc.max_body = (size_t)d;
			break;
		case OPT_TIMEOUT:
			if ((d = cli_parse_double(arg, 1, 3600)) < 1) {
				free(pos);
				return cli_usage("serve: --timeout needs a number of seconds from 1 to 3600, not '%s'", arg);
			}
			sc.timeout_s = (unsigned)d;
			sc.request_time_s = (unsigned)d * 3;
			break;
		case OPT_RECORD:
			sc.record = true;
			break;
		case OPT_RELOAD:
			if ((reload_s = cli_parse_double(arg, 0.05, 3600)) < 0) {
				free(pos);
				return cli_usage("serve: --reload-interval needs seconds from 0.05 to 3600, not '%s'", arg);
			}
			break;
		}
	}
	free(pos);
	if (npos)
		return cli_usage("serve: takes no arguments");
	if (sc.listen) {
		bool loopback = false;
		es_err le = {0};
		if (es_serve_check_listen(sc.listen, &loopback, &le) != ES_OK)
			return cli_usage("serve: %s", le.msg);
		if (!loopback && !sc.token_file)
			return cli_usage("serve: listening on '%s' (not loopback) needs --token-file", sc.listen);
	}

	int rc = CLI_EXIT_DATA;
	es_err err = {0};
	es_countries *countries = NULL;
	es_rules *rules = NULL;
	es_live *live = NULL;
	es_serve *srv = NULL;
	char *records_path = NULL;
	if (!(countries = cli_load_countries(ctx)))
		goto done;
	if (es_rules_load(&rules, ctx->lists_dir, &err) != ES_OK) {
		cli_error("%s", err.msg);
		goto done;
	}
	if (threshold >= 0)
		es_rules_set_review_threshold(rules, threshold);
	es_live_config lc = {
		.data_dir = ctx->data_dir,
		.lists_dir = ctx->lists_dir,
		.countries = countries,
		.rules = rules,
		.max_age_days = max_age,
		.allow_stale = allow_stale,
		.verify_files = true,
	};
	if (es_live_open(&live, &lc, &err) != ES_OK) {
		cli_error("%s", err.msg);
		goto done;
	}
	if (!(records_path = cli_records_path(ctx))) {
		cli_error("out of memory");
		goto done;
	}
	sc.records_path = records_path;
	sc.lists_dir = ctx->lists_dir;
	sc.live = live;
	sc.rules = rules;
	sc.max_age_days = max_age;
	sc.allow_stale = allow_stale;
	if (!ctx->quiet) {
		sc.log = log_line;
	}
	if (es_serve_start(&srv, &sc, &err) != ES_OK) {
		if (err.code == ES_EUSAGE)
			rc = cli_usage("serve: %s", err.msg);
		else
			cli_error("serve: %s", err.msg);
		goto done;
	}
	signal(SIGPIPE, SIG_IGN);
	struct sigaction sa = {0};
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	es_snapshot *snap = es_live_acquire(live);
	cli_warn(ctx, "lists %.16s (%s)%s", snap->version, snap->ls->bundled ? "bundled" : "fetched",
		 snap->stale ? allow_stale ? ", stale (allowed)" : ", STALE: every order is at least REVIEW" : "");
	es_snapshot_release(snap);
	printf("listening on %s\n", es_serve_address(srv));
	fflush(stdout);
	struct timespec tick = {0, 50 * 1000 * 1000};
	double waited = 0;
	while (!stop_requested) {
		nanosleep(&tick, NULL);
		waited += 0.05;
		if (waited + 1e-9 < reload_s)
			continue;
		waited = 0;
		es_serve_poll_records(srv); /* dispositions apply even while a list reload fails */
		bool changed = false;
		es_err re = {0};
		if (es_live_refresh(live, &changed, &re) != ES_OK) {
			es_serve_reload_status(srv, re.msg);
			continue;
		}
		es_serve_reload_status(srv, NULL);
		if (changed) {
			snap = es_live_acquire(live);
			cli_warn(ctx, "lists reloaded: now %.16s (%s)", snap->version, snap->ls->bundled ? "bundled" : "fetched");
			es_snapshot_release(snap);
		}
	}
	rc = CLI_EXIT_OK;
done:
	es_serve_stop(srv);
	es_live_free(live);
	es_rules_free(rules);
	es_countries_free(countries);
	free(records_path);
	return rc;
}
