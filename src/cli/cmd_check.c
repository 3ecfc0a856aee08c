/* check — ad-hoc name screening against the lists in use (interface.md).
 * Names come from the arguments or, with "-", one per line from stdin.
 *
 * The table shows one row per listed entity (the rows one entity has in the
 * lists grouped: the CSL's per-address rows, an OFAC entry and its CSL copy),
 * most severe action first, then score, cut to the terminal by display width;
 * --explain adds each row's evidence. --json prints one object per name in
 * input order: the contract's "matches" (the best --limit by score, members
 * unchanged) with the evidence added, and "entities" (those matches grouped).
 * Exit 0: nothing at or above the threshold; 1: matches; 2: usage; 3: lists
 * missing/corrupt or a name that could not be screened; 4: output closed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "cli_records.h"

enum {
	OPT_JSON = 'j',
	OPT_COUNTRY = 256,
	OPT_TYPE,
	OPT_THRESHOLD,
	OPT_LIMIT,
	OPT_EXHAUSTIVE,
	OPT_EXPLAIN,
};

const cli_opt cmd_check_opts[] = {
	{"json", OPT_JSON, false, NULL, "one JSON object per name (JSON Lines)"},
	{"country", OPT_COUNTRY, true, "CC", "qualifier: the party's country (ISO alpha-2)"},
	{"type", OPT_TYPE, true, "T", "qualifier: person, entity, vessel or aircraft"},
	{"threshold", OPT_THRESHOLD, true, "T", "minimum score reported (default: the tuned default)"},
	{"limit", OPT_LIMIT, true, "N", "entities per name in the table, matches per name in --json (default 10)"},
	{"exhaustive", OPT_EXHAUSTIVE, false, NULL, "score every listed name instead of using the index"},
	{"explain", OPT_EXPLAIN, false, NULL,
	 "the evidence of each entity (addresses, dates, notice, licence, source) and the token alignment"},
	{NULL, 0, false, NULL, NULL},
};

#define LINE_MAX_BYTES 4096
#define MAX_LIMIT 1000

typedef struct {
	const cli_ctx *ctx;
	const es_matcher *m;
	const es_rules *rules;
	const es_links *links;
	es_query q;
	bool json, explain;
	es_hit *hits;
	size_t max;     /* hits asked of the matcher */
	size_t limit;   /* --limit: matches (JSON) or entities (table) shown */
	bool color;
	es_records *records;    /* reviewers' dispositions (docs/records.md), or NULL */
	size_t name_width; /* display cells left for the listed name */
	es_buf *line;      /* --json: the line being written */
} check_run;

#define NAME_KEY 160

typedef es_check_entity group;

/* ---- the table ---- */

/* Cells before the listed name: action, score, addresses, countries, entry, lists. */
#define TABLE_LEFT (2 + 17 + 6 + 5 + 9 + 17 + 23)


static const char *action_color(es_decision a)
{
	switch (a) {
	case ES_DEC_PROHIBITED:
	case ES_DEC_ERROR:
		return "\033[1;31m"; /* bold red */
	case ES_DEC_LICENSE:
		return "\033[1;35m"; /* bold magenta */
	case ES_DEC_REVIEW:
		return "\033[33m";   /* yellow */
	case ES_DEC_CLEAR:
		break;
	}
	return "\033[32m";
}

static void show_n(const char *s, size_t n)
{
	cli_put_text(stdout, s, n);
}

static void show(const char *s)
{
	cli_put_text(stdout, s, strlen(s));
}

/* "       label value\n" for a value from the lists (nothing when absent) */
static void show_line(const char *label, const char *value)
{
	if (!value || !*value)
		return;
	fputs(label, stdout);
	show(value);
	putchar('\n');
}

/* Prints s in a column of width display cells: cut by display width, never
 * inside a UTF-8 sequence, marked with "~" when cut; padded unless last. */
static void col(const char *s, size_t width, bool last)
{
	size_t len = strlen(s), cols = 0;
	size_t w = es_utf8_width(s, len);
	if (w > width && width > 1) {
		size_t b = es_utf8_prefix_width(s, len, width - 1, &cols);
		show_n(s, b);
		fputc('~', stdout);
		cols++;
	} else {
		show(s);
		cols = w;
	}
	if (!last)
		for (; cols < width + 1; cols++)
			fputc(' ', stdout);
}

static void print_address(const es_rec_address *a)
{
	if (a->full && *a->full) {
		show(a->full);
	} else {
		const char *parts[] = {a->street, a->city, a->region, a->postal_code};
		bool any = false;
		for (size_t i = 0; i < 4; i++)
			if (parts[i] && *parts[i]) {
				fputs(any ? ", " : "", stdout);
				show(parts[i]);
				any = true;
			}
		if (a->country[0])
			printf("%s%s", any ? ", " : "", a->country);
	}
}

static void print_evidence(const check_run *r, const group *g)
{
	for (size_t i = 0; i < g->n; i++) {
		const es_hit *h = &r->hits[g->members[i]];
		es_rec e;
		es_matcher_entity(r->m, h->entity, &e);
		char url[1024];
		printf("       %s %s entry ", es_source_id(e.source), e.list);
		show(e.entry_id);
		printf(" (score %.3f)\n", h->score);
		show_line("         listed name: ", e.name);
		if (h->by == ES_MATCH_BY_CONTAINS)
			puts("         the query contains the listed name (a branch, subsidiary or office?)");
		if (strcmp(h->matched_name, e.name) != 0) {
			show_line("         matched:     ", h->matched_name);
			if (h->weak_alias)
				puts("                      (a weak alias)");
		}
		for (size_t k = 0; k < e.n_addresses; k++) {
			fputs(k ? "                      " : "         address:     ", stdout);
			print_address(&e.addresses[k]);
			putchar('\n');
		}
		if (e.n_countries) {
			fputs("         countries:  ", stdout);
			for (size_t k = 0; k < e.n_countries; k++)
				printf(" %s", e.countries[k]);
			putchar('\n');
		}
		if (e.n_programs) {
			fputs("         programs:   ", stdout);
			for (size_t k = 0; k < e.n_programs; k++) {
				putchar(' ');
				show(e.programs[k]);
			}
			putchar('\n');
		}
		show_line("         listed since: ", e.start_date);
		show_line("         Federal Register: ", e.federal_register_notice);
		show_line("         licence requirement: ", e.license_requirement);
		show_line("         licence policy: ", e.license_policy);
		show_line("         remarks:     ", e.remarks);
		if (es_links_url(r->links, e.source, e.list, e.entry_id, url, sizeof url) == ES_OK)
			show_line("         source:      ", url);
		fputs("         tokens:     ", stdout);
		for (size_t k = 0; k < h->n_align; k++) {
			const es_align *a = &h->align[k];
			putchar(' ');
			show(a->query_token[0] ? a->query_token : "-");
			putchar('=');
			show(a->list_token[0] ? a->list_token : "-");
			if (a->query_token[0] && a->list_token[0])
				printf("(%.2f)", a->similarity);
		}
		putchar('\n');
	}
}

/* "EL: us_csl" / "SDN: ofac_sdn, us_csl" */
static void lists_text(const check_run *r, const group *g, char *out, size_t cap)
{
	es_rec first;
	es_matcher_entity(r->m, r->hits[g->first].entity, &first);
	size_t n = (size_t)snprintf(out, cap, "%s:", first.list);
	bool seen[ES_SRC_COUNT] = {0};
	for (size_t i = 0; i < g->n; i++) {
		es_rec m;
		es_matcher_entity(r->m, r->hits[g->members[i]].entity, &m);
		seen[m.source] = true;
	}
	/* in the catalog's order, so one entity always reads the same */
	for (int s = 0; s < ES_SRC_COUNT && n < cap; s++)
		if (seen[s])
			n += (size_t)snprintf(out + n, cap - n, " %s", es_source_id((es_source)s));
}

/* The entity's countries over its rows, deduplicated, in first-seen order:
 * "CN", "CN HK", "-" for none. */
static void countries_text(const check_run *r, const group *g, char *out, size_t cap)
{
	size_t n = 0;
	out[0] = '\0';
	for (size_t i = 0; i < g->n; i++) {
		es_rec m;
		es_matcher_entity(r->m, r->hits[g->members[i]].entity, &m);
		for (size_t k = 0; k < m.n_countries; k++) {
			bool seen = false;
			for (size_t j = 0; j < n; j += 3)
				seen |= strncmp(out + j, m.countries[k], 2) == 0;
			if (!seen && n + 4 < cap)
				n += (size_t)snprintf(out + n, cap - n, "%s%s", n ? " " : "", m.countries[k]);
		}
	}
	if (!n)
		snprintf(out, cap, "-");
}

static void print_human(const check_run *r, const char *name, size_t n, const group *g, size_t ng)
{
	const char *b = r->color ? "\033[1m" : "", *e = r->color ? "\033[0m" : "";
	size_t shown = ng < r->limit ? ng : r->limit;
	fputs(b, stdout);
	show(name);
	printf("%s: ", e);
	if (!n) {
		printf("no match at or above %.2f\n", r->q.threshold);
		return;
	}
	printf("%zu match%s", n, n == 1 ? "" : "es");
	if (ng != n)
		printf(" in %s%zu listed entit%s", n == r->max ? "at least " : "", ng, ng == 1 ? "y" : "ies");
	printf(" at or above %.2f", r->q.threshold);
	if (shown < ng)
		printf("; showing %zu of %zu (--limit)", shown, ng);
	printf("\n  ");
	col("action", 16, false);
	col("score", 5, false);
	col("addr", 4, false);
	col("country", 8, false);
	col("entry", 16, false);
	col("lists", 22, false);
	col("listed name", r->name_width, true);
	putchar('\n');
	for (size_t k = 0; k < shown; k++) {
		const es_hit *h = &r->hits[g[k].first];
		es_rec rec;
		es_matcher_entity(r->m, h->entity, &rec);
		char lists[128], score[16], addr[16], entry[64], ccs[64];
		lists_text(r, &g[k], lists, sizeof lists);
		snprintf(score, sizeof score, "%.3f", g[k].score);
		snprintf(addr, sizeof addr, "%4zu", g[k].n_addresses);
		if (g[k].n > 1)
			snprintf(entry, sizeof entry, "%.*s +%zu", strlen(rec.entry_id) > 11 ? 10 : 11, rec.entry_id,
				 g[k].n - 1);
		else
			snprintf(entry, sizeof entry, "%s", rec.entry_id);
		fputs("  ", stdout);
		if (r->color)
			fputs(action_color(g[k].action), stdout);
		col(es_decision_name(g[k].action), 16, false);
		if (r->color)
			fputs("\033[0m", stdout);
		col(score, 5, false);
		col(addr, 4, false);
		countries_text(r, &g[k], ccs, sizeof ccs);
		col(ccs, 8, false);
		col(entry, 16, false);
		col(lists, 22, false);
		col(rec.name, r->name_width, true);
		putchar('\n');
		char mk[NAME_KEY], lk[NAME_KEY];
		es_check_fold(h->matched_name, mk, sizeof mk);
		es_check_fold(rec.name, lk, sizeof lk);
		/* the alias that matched, unless it only leaves off the end of the
		 * listed name (a derived name without its clause or location) */
		if (!r->explain && strncmp(mk, lk, strlen(mk)) != 0) {
			printf("%*sas: ", (int)(TABLE_LEFT - 4), "");
			col(h->matched_name, r->name_width - 4, true);
			fputs(h->weak_alias ? " (weak alias)\n" : "\n", stdout);
		}
		if (h->by == ES_MATCH_BY_CONTAINS)
			printf("%*scontains the listed name (a branch, subsidiary or office?)\n", (int)(TABLE_LEFT - 4), "");
		if (r->explain)
			print_evidence(r, &g[k]);
	}
}

/* es_check_line's hook: the reviewer's disposition of a match */
static void hit_disposition(void *user, const char *name, const es_hit *h, es_buf *b)
{
	const check_run *r = user;
	cli_check_disposition_write(r->records, r->m, name, r->q.country, h, b);
}

/* Screens one name; returns 0 no match, 1 matches, 3 could not be screened. */
static int check_one(const check_run *r, const char *name, size_t len)
{
	es_err err = {0};
	size_t n = 0;
	int rc = 0;
	es_code c = ES_OK;
	if (memchr(name, '\0', len))
		c = es_err_set(&err, ES_EENCODING, "name contains a NUL byte");
	else
		c = es_matcher_query(r->m, name, &r->q, r->hits, r->max, &n, &err);
	bool utf8 = es_utf8_valid(name, len, NULL);
	if (c != ES_OK) {
		rc = cli_exit_for(c);
		if (r->json) {
			json_t *o = json_object();
			json_object_set_new(o, "query", utf8 ? json_stringn(name, len) : json_null());
			json_object_set_new(o, "error", json_string(err.msg));
			json_object_set_new(o, "matches", json_array());
			char *t = json_dumps(o, JSON_COMPACT);
			puts(t ? t : "{\"matches\": []}");
			free(t);
			json_decref(o);
		} else {
			cli_error("check: %s", err.msg);
		}
		return rc;
	}
	/* records hook: a match cleared as a false positive does not count */
	rc = cli_check_uncleared(r->records, r->m, name, r->q.country, r->hits, n) ? CLI_EXIT_FOUND : CLI_EXIT_OK;
	/* a name the lists cannot be searched by, or one mixing scripts inside a
	 * word, is never a silent "no match" */
	char sdet[96], warn[256] = "";
	unsigned sf = es_normalize_script_flags(es_matcher_normalizer(r->m), name, len, sdet, sizeof sdet);
	if (sf & ES_SCRIPT_UNBRIDGED)
		snprintf(warn, sizeof warn, "written in a script the lists cannot be searched by (%s): screen a romanized name", sdet);
	else if (sf & ES_SCRIPT_MIXED)
		snprintf(warn, sizeof warn, "mixes scripts inside a word (%s): look-alike letters?", sdet);
	if (warn[0])
		cli_warn(r->ctx, "'%.*s' %s", (int)(len > 200 ? 200 : len), name, warn);
	group *g = NULL;
	size_t ng = 0;
	size_t shown = r->json && n > r->limit ? r->limit : n;
	if (es_check_group(r->m, r->rules, r->hits, shown, &g, &ng, &err) != ES_OK) {
		cli_error("check: out of memory");
		return cli_exit_for(ES_ENOMEM);
	}
	if (r->json) {
		/* one builder with GET /v1/check (es_check_json), written as text
		 * into one buffer kept between names: one write per line, since many
		 * small writes cost more than the match */
		es_check_line cl = {.m = r->m, .rules = r->rules, .links = r->links, .explain = r->explain,
				    .hit_extra = r->records ? hit_disposition : NULL, .user = (void *)r};
		es_buf_clear(r->line);
		es_check_line_json(r->line, &cl, name, len, warn, r->hits, shown, g, ng);
		if (r->line->oom) {
			es_buf_free(r->line); /* the next name starts afresh */
			es_check_entities_free(g);
			cli_error("check: out of memory");
			return cli_exit_for(ES_ENOMEM);
		}
		fwrite(r->line->s, 1, r->line->len, stdout);
	} else {
		print_human(r, name, n, g, ng);
		cli_check_disposition_print(r->records, r->m, name, r->q.country, r->hits, n);
	}
	es_check_entities_free(g);
	return rc;
}

/* The listed name takes what the terminal has left after the other columns
 * (at least 16 cells); 200 columns when stdout is not a terminal. */
static size_t table_name_width(void)
{
	size_t cols = 200;
	struct winsize ws;
	const char *env = getenv("COLUMNS");
	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		cols = ws.ws_col;
	else if (env && atoi(env) > 0)
		cols = (size_t)atoi(env);
	return cols > TABLE_LEFT + 16 ? cols - TABLE_LEFT : 16;
}

/* Hits asked of the matcher for the table: enough to group the rows of many
 * entities and say how many there are beyond --limit. */
#define TABLE_HITS 500

int cmd_check(cli_ctx *ctx, int argc, char **argv)
{
	check_run r;
	es_buf line_buf = {0};
	memset(&r, 0, sizeof r);
	r.ctx = ctx;
	r.line = &line_buf;
	r.q.threshold = ES_MATCH_DEFAULT_THRESHOLD;
	r.q.limit = 10;
	r.q.type = ES_TYPE_UNKNOWN;
	int idx = 1, npos = 0, k;
	const char *arg;
	const char *country_arg = NULL;
	char cc[3] = "";
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
		switch (k) {
		case OPT_JSON:
			r.json = true;
			break;
		case OPT_EXHAUSTIVE:
			r.q.exhaustive = true;
			break;
		case OPT_EXPLAIN:
			r.explain = true;
			r.q.align = true;
			break;
		case OPT_COUNTRY:
			/* the form is checked here, the code against countries.tsv once it is loaded */
			if (strlen(arg) != 2 || !((arg[0] | 32) >= 'a' && (arg[0] | 32) <= 'z') ||
			    !((arg[1] | 32) >= 'a' && (arg[1] | 32) <= 'z')) {
				free(pos);
				return cli_usage("check: --country needs an ISO alpha-2 code, not '%s'", arg);
			}
			country_arg = arg;
			break;
		case OPT_TYPE:
			if (es_type_from_name(arg, &r.q.type) != 0 || r.q.type == ES_TYPE_UNKNOWN) {
				free(pos);
				return cli_usage("check: --type must be person, entity, vessel or aircraft, not '%s'", arg);
			}
			break;
		case OPT_THRESHOLD: {
			double d = cli_parse_double(arg, 0, 1);
			if (d < 0) {
				free(pos);
				return cli_usage("check: --threshold needs a number between 0 and 1, not '%s'", arg);
			}
			r.q.threshold = d;
			break;
		}
		case OPT_LIMIT: {
			double d = cli_parse_double(arg, 1, MAX_LIMIT);
			if (d < 1 || d != floor(d)) {
				free(pos);
				return cli_usage("check: --limit needs a whole number from 1 to %d, not '%s'", MAX_LIMIT, arg);
			}
			r.q.limit = (size_t)d;
			break;
		}
		}
	}
	if (npos == 0) {
		free(pos);
		return cli_usage("check: give one or more names, or '-' to read names from stdin");
	}
	bool from_stdin = npos == 1 && strcmp(pos[0], "-") == 0;

	int rc = CLI_EXIT_OK;
	es_err err = {0};
	es_code lrc;
	es_listset *ls = NULL;
	es_countries *countries = NULL;
	es_matcher *m = NULL;
	es_links *links = NULL;
	char *links_path = NULL;
	es_rules *rules = NULL;
	char *line = NULL;
	if (!(ls = cli_open_lists(ctx)) || !(countries = cli_load_countries(ctx))) {
		rc = cli_failure_status();
		goto done;
	}
	if (country_arg) {
		const char *code = es_country_lookup(countries, country_arg, 2);
		if (!code || strlen(code) != 2 || !es_country_valid(countries, code)) {
			rc = cli_usage("check: --country '%s' is not a country code of %s/countries.tsv", country_arg,
				       ctx->lists_dir);
			goto done;
		}
		memcpy(cc, code, 3);
		r.q.country = cc;
	}
	if (!(links_path = cli_data_path(ctx, "source_links.tsv"))) {
		rc = cli_exit_for(ES_ENOMEM);
		goto done;
	}
	if ((lrc = es_links_load(&links, links_path, &err)) != ES_OK) {
		cli_error("check: %s", err.msg);
		rc = cli_exit_for_lists(lrc);
		goto done;
	}
	if (es_listset_stale(ls, time(NULL), ES_DEFAULT_MAX_AGE_DAYS))
		cli_warn(ctx, "lists are older than %d days: run 'exportscreen fetch'", ES_DEFAULT_MAX_AGE_DAYS);
	if ((lrc = es_matcher_open(&m, ls, countries, ctx->lists_dir, &err)) != ES_OK) {
		cli_error("check: %s", err.msg);
		rc = cli_exit_for_lists(lrc);
		goto done;
	}
	if (from_stdin)
		(void)es_matcher_settle(m); /* a stream of names */
	if ((lrc = es_rules_load(&rules, ctx->lists_dir, &err)) != ES_OK) {
		cli_error("check: %s", err.msg);
		rc = cli_exit_for_lists(lrc);
		goto done;
	}
	r.m = m;
	r.rules = rules;
	r.links = links;
	r.limit = r.q.limit;
	/* JSON keeps the contract's matches (the best --limit); the table asks
	 * for more, to group them into entities and count what it leaves out */
	r.max = r.json ? r.q.limit : (r.q.limit > TABLE_HITS ? r.q.limit : TABLE_HITS);
	r.q.limit = r.max;
	r.hits = calloc(r.max, sizeof *r.hits);
	r.color = !r.json && cli_use_color(ctx, stdout);
	r.records = cli_records_for_check(ctx);
	r.name_width = table_name_width();
	if (!r.hits) {
		cli_error("out of memory");
		rc = cli_exit_for(ES_ENOMEM);
	} else if (from_stdin) {
		line = malloc(LINE_MAX_BYTES + 2);
		size_t lineno = 0;
		size_t len;
		bool toolong;
		while (line && !ferror(stdout) && cli_read_line(stdin, line, LINE_MAX_BYTES, &len, &toolong)) {
			lineno++;
			if (toolong) {
				if (r.json)
					printf("{\"query\":null,\"error\":\"line %zu: longer than %d bytes\",\"matches\":[]}\n",
					       lineno, LINE_MAX_BYTES);
				else
					cli_error("check: line %zu: longer than %d bytes", lineno, LINE_MAX_BYTES);
				rc = cli_worse(rc, cli_exit_for(ES_ETOOBIG));
				continue;
			}
			rc = cli_worse(rc, check_one(&r, line, len));
		}
		if (!line) {
			cli_error("out of memory");
			rc = cli_exit_for(ES_ENOMEM);
		} else if (ferror(stdin)) {
			cli_error("check: cannot read stdin");
			rc = cli_exit_for(ES_EIO);
		}
	} else {
		for (int i = 0; i < npos && !ferror(stdout); i++)
			rc = cli_worse(rc, check_one(&r, pos[i], strlen(pos[i])));
	}
	rc = cli_finish_stdout(rc);
done:
	free(line);
	es_buf_free(&line_buf);
	free(r.hits);
	es_records_free(r.records);
	es_rules_free(rules);
	free(links_path);
	es_links_free(links);
	es_matcher_free(m);
	es_countries_free(countries);
	es_listset_free(ls);
	free(pos);
	return rc;
}
