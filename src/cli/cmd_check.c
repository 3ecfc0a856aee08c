/* check — ad-hoc name screening against the lists in use (interface.md).
 * Names come from the arguments or, with "-", one per line from stdin. The
 * output is a human table (with the token alignment of each hit) or, with
 * --json, one JSON object per name in input order. Exit 0: nothing at or
 * above the threshold; 1: matches; 2: usage; 3: lists missing/corrupt or a
 * name that could not be screened. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli.h"
#include "cli_records.h"
#include "es_io.h"
#include "es_match.h"
#include "es_rules.h"
#include "es_script.h"

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
	{"limit", OPT_LIMIT, true, "N", "matches per name (default 10)"},
	{"exhaustive", OPT_EXHAUSTIVE, false, NULL, "score every listed name instead of using the index"},
	{"explain", OPT_EXPLAIN, false, NULL, "with --json: add each match's token alignment"},
	{NULL, 0, false, NULL, NULL},
};

#define LINE_MAX_BYTES 4096
#define MAX_LIMIT 1000

/* What a strong match on the list means (the rules' list_actions.tsv). */
static const char *action_for(const es_rules *rules, es_source src, const char *list)
{
	return es_decision_name(es_rules_list_action(rules, es_source_id(src), list));
}

typedef struct {
	const cli_ctx *ctx;
	const es_matcher *m;
	const es_rules *rules;
	es_query q;
	bool json, explain;
	es_hit *hits;
	size_t max;
	bool color;
	es_records *records;    /* reviewers' dispositions (docs/records.md), or NULL */
} check_run;

static double round4(double x)
{
	return round(x * 10000.0) / 10000.0;
}

static json_t *hit_json(const check_run *r, const es_hit *h)
{
	es_rec rec;
	es_matcher_entity(r->m, h->entity, &rec);
	json_t *o = json_object();
	json_object_set_new(o, "score", json_real(round4(h->score)));
	json_object_set_new(o, "source", json_string(es_source_id(rec.source)));
	json_object_set_new(o, "list", json_string(rec.list));
	json_object_set_new(o, "entry_id", json_string(rec.entry_id));
	json_object_set_new(o, "name", json_string(rec.name));
	json_object_set_new(o, "matched_name", json_string(h->matched_name));
	json_object_set_new(o, "type", json_string(es_type_name(rec.type)));
	json_t *c = json_array();
	for (size_t i = 0; i < rec.n_countries; i++)
		json_array_append_new(c, json_string(rec.countries[i]));
	json_object_set_new(o, "countries", c);
	json_t *p = json_array();
	for (size_t i = 0; i < rec.n_programs; i++)
		json_array_append_new(p, json_string(rec.programs[i]));
	json_object_set_new(o, "programs", p);
	json_object_set_new(o, "action", json_string(action_for(r->rules, rec.source, rec.list)));
	if (h->weak_alias)
		json_object_set_new(o, "weak_alias", json_true());
	/* how it matched: "name" (alike), "contains" (the query holds the listed
	 * name plus what a branch or office adds) */
	json_object_set_new(o, "by", json_string(h->by == ES_MATCH_BY_CONTAINS ? "contains" : "name"));
	if (r->explain) {
		json_t *al = json_array();
		for (size_t i = 0; i < h->n_align; i++)
			json_array_append_new(al, json_pack("[ssf]", h->align[i].query_token, h->align[i].list_token,
							    round4(h->align[i].similarity)));
		json_object_set_new(o, "alignment", al);
	}
	return o;
}

static void print_human(const check_run *r, const char *name, const es_hit *hits, size_t n)
{
	const char *b = r->color ? "\033[1m" : "", *e = r->color ? "\033[0m" : "";
	printf("%s%s%s: %zu match%s at or above %.2f\n", b, name, e, n, n == 1 ? "" : "es", r->q.threshold);
	if (!n)
		return;
	printf("  %-6s %-9s %-5s %-14s %-36s %-30s %s\n", "score", "source", "list", "entry id", "listed name",
	       "matched name", "action");
	for (size_t i = 0; i < n; i++) {
		es_rec rec;
		es_matcher_entity(r->m, hits[i].entity, &rec);
		printf("  %-6.3f %-9s %-5s %-14.14s %-36.36s %-30.30s %s%s\n", hits[i].score, es_source_id(rec.source),
		       rec.list, rec.entry_id, rec.name, hits[i].matched_name,
		       action_for(r->rules, rec.source, rec.list), hits[i].weak_alias ? " (weak alias)" : "");
		if (hits[i].by == ES_MATCH_BY_CONTAINS)
			printf("         contains the listed name (a branch, subsidiary or office?)\n");
		printf("         tokens:");
		for (size_t k = 0; k < hits[i].n_align; k++) {
			const es_align *a = &hits[i].align[k];
			if (a->query_token[0] && a->list_token[0])
				printf(" %s=%s(%.2f)", a->query_token, a->list_token, a->similarity);
			else if (a->query_token[0])
				printf(" %s=-", a->query_token);
			else
				printf(" -=%s", a->list_token);
		}
		printf("\n");
	}
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
		rc = 3;
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
	rc = cli_check_uncleared(r->records, r->m, name, r->q.country, r->hits, n) ? 1 : 0;
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
	if (r->json) {
		json_t *o = json_object();
		json_object_set_new(o, "query", json_stringn(name, len));
		if (warn[0])
			json_object_set_new(o, "warning", json_string(warn));
		json_t *arr = json_array();
		for (size_t i = 0; i < n; i++) {
			json_t *hj = hit_json(r, &r->hits[i]);
			cli_check_disposition_json(r->records, r->m, name, r->q.country, &r->hits[i], hj);
			json_array_append_new(arr, hj);
		}
		json_object_set_new(o, "matches", arr);
		/* one buffer, one write per line: many small writes cost more than the match */
		static char buf[1 << 16];
		size_t jl = json_dumpb(o, buf, sizeof buf - 1, JSON_COMPACT | JSON_REAL_PRECISION(6));
		if (jl > 0 && jl < sizeof buf - 1) {
			buf[jl++] = '\n';
			fwrite(buf, 1, jl, stdout);
		} else {
			char *t = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(6));
			puts(t ? t : "{\"matches\": []}");
			free(t);
		}
		json_decref(o);
	} else {
		print_human(r, name, r->hits, n);
		cli_check_disposition_print(r->records, r->m, name, r->q.country, r->hits, n);
	}
	return rc;
}

static int worse(int a, int b)
{
	/* 3 > 1 > 0 */
	if (a == 3 || b == 3)
		return 3;
	return a > b ? a : b;
}

int cmd_check(cli_ctx *ctx, int argc, char **argv)
{
	check_run r;
	memset(&r, 0, sizeof r);
	r.ctx = ctx;
	r.q.threshold = ES_MATCH_DEFAULT_THRESHOLD;
	r.q.limit = 10;
	r.q.type = ES_TYPE_UNKNOWN;
	int idx = 1, npos = 0, k;
	const char *arg;
	char cc[3] = "";
	char **pos = calloc((size_t)argc + 1, sizeof *pos);
	if (!pos) {
		cli_error("out of memory");
		return CLI_EXIT_DATA;
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
			break;
		case OPT_COUNTRY:
			if (strlen(arg) != 2 || !((arg[0] | 32) >= 'a' && (arg[0] | 32) <= 'z') ||
			    !((arg[1] | 32) >= 'a' && (arg[1] | 32) <= 'z')) {
				free(pos);
				return cli_usage("check: --country needs an ISO alpha-2 code, not '%s'", arg);
			}
			cc[0] = (char)(arg[0] & ~32);
			cc[1] = (char)(arg[1] & ~32);
			cc[2] = '\0';
			r.q.country = cc;
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

	es_listset *ls = cli_open_lists(ctx);
	if (!ls) {
		free(pos);
		return CLI_EXIT_DATA;
	}
	es_countries *countries = cli_load_countries(ctx);
	if (!countries) {
		es_listset_free(ls);
		free(pos);
		return CLI_EXIT_DATA;
	}
	if (es_listset_stale(ls, time(NULL), ES_DEFAULT_MAX_AGE_DAYS))
		cli_warn(ctx, "lists are older than %d days: run 'exportscreen fetch'", ES_DEFAULT_MAX_AGE_DAYS);
	es_matcher *m = NULL;
	es_err err = {0};
	if (es_matcher_open(&m, ls, countries, ctx->lists_dir, &err) != ES_OK) {
		cli_error("check: %s", err.msg);
		es_countries_free(countries);
		es_listset_free(ls);
		free(pos);
		return CLI_EXIT_DATA;
	}
	es_rules *rules = NULL;
	if (es_rules_load(&rules, ctx->lists_dir, &err) != ES_OK) {
		cli_error("check: %s", err.msg);
		es_matcher_free(m);
		es_countries_free(countries);
		es_listset_free(ls);
		free(pos);
		return CLI_EXIT_DATA;
	}
	r.m = m;
	r.rules = rules;
	r.max = r.q.limit;
	r.hits = calloc(r.max, sizeof *r.hits);
	r.color = !r.json && cli_use_color(ctx, stdout);
	r.records = cli_records_for_check(ctx);
	int rc = 0;
	if (!r.hits) {
		cli_error("out of memory");
		rc = CLI_EXIT_DATA;
	} else if (from_stdin) {
		char *line = malloc(LINE_MAX_BYTES + 2);
		size_t lineno = 0;
		size_t len;
		bool toolong;
		while (line && cli_read_line(stdin, line, LINE_MAX_BYTES, &len, &toolong)) {
			lineno++;
			if (toolong) {
				if (r.json)
					printf("{\"query\":null,\"error\":\"line %zu: longer than %d bytes\",\"matches\":[]}\n",
					       lineno, LINE_MAX_BYTES);
				else
					cli_error("check: line %zu: longer than %d bytes", lineno, LINE_MAX_BYTES);
				rc = worse(rc, 3);
				continue;
			}
			rc = worse(rc, check_one(&r, line, len));
		}
		if (ferror(stdin)) {
			cli_error("check: cannot read stdin");
			rc = CLI_EXIT_IO;
		}
		free(line);
	} else {
		for (int i = 0; i < npos; i++)
			rc = worse(rc, check_one(&r, pos[i], strlen(pos[i])));
	}
	free(r.hits);
	es_records_free(r.records);
	es_rules_free(rules);
	es_matcher_free(m);
	es_countries_free(countries);
	es_listset_free(ls);
	free(pos);
	return cli_finish_stdout(rc);
}
