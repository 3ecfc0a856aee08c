/* filter — orders on stdin, decisions on stdout (interface.md "filter").
 * Options and exit codes only; the stream is es_filter's, the decisions es_rules'. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cli_records.h"

enum {
	OPT_FORMAT = 'f',
	OPT_ALLOW_STALE = 256,
	OPT_MAX_AGE,
	OPT_THRESHOLD,
	OPT_ENCODING,
	OPT_DELIMITER,
	OPT_COLUMNS,
	OPT_CATALOG,
	OPT_RECORD
};

/* The catalog used when --catalog is not given, if it exists. */
#define DEFAULT_CATALOG "catalog.csv"

const cli_opt cmd_filter_opts[] = {
	{"format", OPT_FORMAT, true, "jsonl|csv", "input format (default: detected from the first line)"},
	{"allow-stale", OPT_ALLOW_STALE, false, NULL, "no LISTS_STALE review when the lists are old"},
	{"max-age", OPT_MAX_AGE, true, "DAYS", "age after which lists are stale (default 7)"},
	{"threshold", OPT_THRESHOLD, true, "T", "review threshold for fuzzy name matches (0..1)"},
	{"encoding", OPT_ENCODING, true, "E",
	 "input encoding: utf-8 (default), latin1, cp1252, utf-16[le|be]; a BOM decides; output is UTF-8"},
	{"delimiter", OPT_DELIMITER, true, "C", "CSV field delimiter: ',' ';' tab '|' (default: detected from the header)"},
	{"columns", OPT_COLUMNS, true, "FILE", "CSV column map: lines 'ERP header<TAB>contract column'"},
	{"catalog", OPT_CATALOG, true, "FILE",
	 "classification catalog: CSV part_number,eccn,enc,ccats,note (default <data-dir>/" DEFAULT_CATALOG
	 " if it exists)"},
	{"record", OPT_RECORD, false, NULL, "keep an audit record of every order (--records FILE)"},
	{NULL, 0, false, NULL, NULL},
};

/* --delimiter: one byte, or its name. 0 when not usable. */
static char parse_delimiter(const char *s)
{
	static const struct {
		const char *name;
		char c;
	} names[] = {{"tab", '\t'}, {"\\t", '\t'}, {"comma", ','}, {"semicolon", ';'}, {"pipe", '|'}};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(s, names[i].name) == 0)
			return names[i].c;
	if (strlen(s) != 1 || s[0] == '"' || s[0] == '\r' || s[0] == '\n' || (unsigned char)s[0] >= 0x80)
		return 0;
	return s[0];
}

/* A long-running filter picks up a list set that `fetch` swapped in: between
 * records, at most once a second, it looks where DATA/current points and, when
 * that is another set, screens the next records with it (es_live). A new set
 * that cannot be opened is reported once and the set in use is kept. */
typedef struct {
	const cli_ctx *ctx;
	const es_listset *first;   /* the set opened at start */
	es_live_config lc;
	es_live *live;             /* from the first swap on */
	es_snapshot *snap;         /* the set screened with after a swap */
	struct timespec last;
	char *failed;              /* target already reported as unusable */
	es_records *records;       /* with a store: a new run and hooks for the new set */
	es_filter_hooks *hooks;
	bool record;
} lists_watch;

/* The store's run and hooks follow the set: records screened after the swap
 * name the new list version; what was screened before is committed first. */
static es_code rehook_records(lists_watch *w, const es_snapshot *s, es_err *err)
{
	es_code rc = ES_OK;
	if (!w->records)
		return ES_OK;
	if ((rc = es_records_commit(w->records, err)) != ES_OK)
		return rc;
	if (w->record) {
		es_records_run run;
		if ((rc = es_records_describe(w->records, s->ls, w->ctx->lists_dir, "filter", &run, err)) != ES_OK ||
		    (rc = es_records_start_run(w->records, &run, err)) != ES_OK)
			return rc;
	}
	return es_records_filter_hooks(w->records, s->m, w->record, w->hooks, err);
}

static es_code watch_lists(void *ud, es_filter *f, es_err *err)
{
	lists_watch *w = ud;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec - w->last.tv_sec < 1)
		return ES_OK;
	w->last = now;
	const es_listset *in_use = w->snap ? w->snap->ls : w->first;
	char *cur = es_path_join(in_use->data_dir, "current");
	char resolved[PATH_MAX];
	bool have = cur && realpath(cur, resolved);
	free(cur);
	if (in_use->bundled ? !have : have && strcmp(resolved, in_use->set_dir) == 0)
		return ES_OK;
	if (have && w->failed && strcmp(w->failed, resolved) == 0)
		return ES_OK;
	es_err e = {0};
	bool changed = true;
	es_code rc = w->live ? es_live_refresh(w->live, &changed, &e) : es_live_open(&w->live, &w->lc, &e);
	if (rc == ES_OK && w->live) {
		es_snapshot *s = es_live_acquire(w->live);
		if (s->ls->bundled && !w->first->bundled)
			rc = es_err_set(&e, ES_EMISSING, "the fetched list set is gone");
		else if ((rc = rehook_records(w, s, err)) != ES_OK ||
			 (rc = es_filter_set_lists(f, s->m, s->version, s->stale, err)) != ES_OK) {
			es_snapshot_release(s);
			return rc;
		}
		if (rc != ES_OK) {
			es_snapshot_release(s);
		} else {
			es_snapshot_release(w->snap);
			w->snap = s;
			free(w->failed);
			w->failed = NULL;
			cli_warn(w->ctx, "lists reloaded: now %.16s (%s); the following records are screened with them",
				 s->version, s->ls->bundled ? "bundled" : "fetched");
			return ES_OK;
		}
	}
	free(w->failed);
	w->failed = have ? strdup(resolved) : NULL;
	cli_warn(w->ctx, "a new list set is not usable (%s); still screening with %.16s", e.msg, in_use->set_hash);
	return ES_OK;
}

int cmd_filter(cli_ctx *ctx, int argc, char **argv)
{
	es_format fmt = ES_FMT_AUTO;
	const char *encoding = NULL, *columns_path = NULL, *catalog_path = NULL;
	char delimiter = 0;
	bool allow_stale = false;
	long max_age = ES_DEFAULT_MAX_AGE_DAYS;
	double threshold = -1;
	bool record = false;
	int idx = 1, npos = 0, k;
	const char *arg;
	char **pos = calloc((size_t)argc + 1, sizeof *pos);
	if (!pos) {
		cli_error("out of memory");
		return cli_exit_for(ES_ENOMEM);
	}
	while ((k = cli_next(ctx->cmd, argc, argv, &idx, &arg, pos, &npos)) != -1) {
		if (k == '?' || k == CLI_HELP) {
			free(pos);
			return k == CLI_HELP ? cli_finish_stdout(0) : CLI_EXIT_USAGE;
		}
		if (k == OPT_FORMAT) {
			if (strcmp(arg, "jsonl") == 0 || strcmp(arg, "json") == 0)
				fmt = ES_FMT_JSONL;
			else if (strcmp(arg, "csv") == 0)
				fmt = ES_FMT_CSV;
			else {
				free(pos);
				return cli_usage("filter: --format must be jsonl or csv, not '%s'", arg);
			}
		} else if (k == OPT_ALLOW_STALE) {
			allow_stale = true;
		} else if (k == OPT_MAX_AGE) {
			double d = cli_parse_double(arg, 0, 100000);
			if (d < 0) {
				free(pos);
				return cli_usage("filter: --max-age needs a number of days, not '%s'", arg);
			}
			max_age = (long)d;
		} else if (k == OPT_RECORD) {
			record = true;
		} else if (k == OPT_THRESHOLD) {
			threshold = cli_parse_double(arg, 0, 1);
			if (threshold < 0) {
				free(pos);
				return cli_usage("filter: --threshold needs a number between 0 and 1, not '%s'", arg);
			}
		} else if (k == OPT_ENCODING) {
			if (!(encoding = es_decode_name(arg))) {
				free(pos);
				return cli_usage("filter: --encoding must be utf-8, latin1, cp1252, utf-16, utf-16le or "
						 "utf-16be, not '%s'",
						 arg);
			}
		} else if (k == OPT_DELIMITER) {
			if (!(delimiter = parse_delimiter(arg))) {
				free(pos);
				return cli_usage("filter: --delimiter must be one character (',' ';' '|') or tab, not '%s'",
						 arg);
			}
		} else if (k == OPT_COLUMNS) {
			columns_path = arg;
		} else if (k == OPT_CATALOG) {
			catalog_path = arg;
		}
	}
	free(pos);
	if (npos)
		return cli_usage("filter: takes no arguments (orders come on standard input)");
	if (fmt == ES_FMT_JSONL && (delimiter || columns_path))
		return cli_usage("filter: --delimiter and --columns are for CSV input, not --format jsonl");

	/* a reader that goes away (filter | head -1) is not an error to shout about:
	 * EPIPE is seen on write and the run ends quietly */
	signal(SIGPIPE, SIG_IGN);

	int rc = CLI_EXIT_DATA;
	es_code c;
	es_err err = {0};
	es_listset *ls = NULL;
	es_countries *countries = NULL;
	es_rules *rules = NULL;
	es_matcher *m = NULL;
	es_filter *f = NULL;
	es_colmap *columns = NULL;
	es_products *catalog = NULL;
	char *default_catalog = NULL;
	lists_watch watch = {0};
	es_records *records = NULL;
	es_filter_hooks hooks;
	if (!(ls = cli_open_lists(ctx)) || !(countries = cli_load_countries(ctx))) {
		rc = cli_failure_status();
		goto done;
	}
	if (columns_path && (c = es_colmap_load(&columns, columns_path, &err)) != ES_OK) {
		cli_error("--columns: %s", err.msg);
		rc = c == ES_ENOMEM ? cli_exit_for(c) : CLI_EXIT_DATA;
		goto done;
	}
	if (!catalog_path) {
		default_catalog = es_path_join(ls->data_dir, DEFAULT_CATALOG);
		if (default_catalog && access(default_catalog, F_OK) == 0)
			catalog_path = default_catalog;
	}
	if (catalog_path && (c = es_products_load(&catalog, catalog_path, &err)) != ES_OK) {
		cli_error("%s%s", catalog_path == default_catalog ? "" : "--catalog: ", err.msg);
		rc = c == ES_ENOMEM ? cli_exit_for(c) : CLI_EXIT_DATA;
		goto done;
	}
	if ((c = es_rules_load(&rules, ctx->lists_dir, &err)) != ES_OK) {
		cli_error("%s", err.msg);
		rc = cli_exit_for_lists(c);
		goto done;
	}
	if (threshold >= 0)
		es_rules_set_review_threshold(rules, threshold);
	if ((c = es_matcher_open(&m, ls, countries, ctx->lists_dir, &err)) != ES_OK) {
		cli_error("cannot open the list index: %s", err.msg);
		rc = cli_exit_for_lists(c);
		goto done;
	}
	(void)es_matcher_settle(m); /* a stream of orders */
	bool stale = es_listset_stale(ls, time(NULL), max_age);
	if (stale && !allow_stale)
		cli_warn(ctx, "lists are older than %ld days: every order is at least REVIEW (LISTS_STALE); "
			      "run 'exportscreen fetch' or pass --allow-stale", max_age);
	es_filter_config cfg = {
		.rules = rules,
		.countries = countries,
		.matcher = m,
		.list_version = ls->set_hash,
		.lists_stale = stale,
		.allow_stale = allow_stale,
		.max_age_days = max_age,
		.format = fmt,
		.encoding = encoding,
		.delimiter = delimiter,
		.columns = columns,
		.catalog = catalog,
		.between_records = watch_lists,
		.between_ud = &watch,
	};
	/* records hook (docs/records.md): audit records with --record; dispositions always */
	int rrc = cli_records_for_filter(ctx, record, ls, m, "filter", &records, &hooks);
	if (rrc) {
		rc = rrc;
		goto done;
	}
	if (records)
		cfg.hooks = &hooks;
	watch.ctx = ctx;
	watch.first = ls;
	watch.lc = (es_live_config){.data_dir = ls->data_dir, .lists_dir = ctx->lists_dir, .countries = countries,
				    .rules = rules, .max_age_days = max_age, .allow_stale = allow_stale};
	clock_gettime(CLOCK_MONOTONIC, &watch.last);
	watch.records = records;
	watch.hooks = &hooks;
	watch.record = record;
	if ((c = es_filter_new(&f, &cfg, &err)) != ES_OK) {
		cli_error("%s", err.msg);
		rc = cli_exit_for(c);
		goto done;
	}
	static char obuf[1 << 16];
	setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
	es_filter_stats st;
	es_code frc = es_filter_run(f, STDIN_FILENO, stdout, &st, &err);
	if (frc == ES_EIO) {
		if (!st.output_closed)
			cli_error("%s", err.msg);
		rc = CLI_EXIT_IO;
		goto done;
	}
	if (frc != ES_OK) {
		/* the stream stopped: whatever the cause, not every record was answered */
		cli_error("%s", err.msg);
		rc = cli_worse(cli_exit_for(frc), CLI_EXIT_IO);
		goto done;
	}
	if (st.by_decision[ES_DEC_ERROR])
		rc = CLI_EXIT_DATA;
	else if (st.by_decision[ES_DEC_REVIEW] || st.by_decision[ES_DEC_LICENSE] || st.by_decision[ES_DEC_PROHIBITED])
		rc = CLI_EXIT_FOUND;
	else
		rc = CLI_EXIT_OK;
	rc = cli_finish_stdout(rc);
done:
	es_filter_free(f);
	es_products_free(catalog);
	es_colmap_free(columns);
	free(default_catalog);
	es_snapshot_release(watch.snap);
	es_live_free(watch.live);
	free(watch.failed);
	es_records_free(records);
	es_matcher_free(m);
	es_rules_free(rules);
	es_countries_free(countries);
	es_listset_free(ls);
	if (rc == CLI_EXIT_IO) {
		/* the stdio buffer may still hold bytes for a closed pipe: drop them quietly */
		fflush(stdout);
	}
	return rc;
}
