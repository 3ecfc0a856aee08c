/* compare — scores two names with exactly the normalization and scoring that
 * check uses (word weights from the lists in use), and shows the token
 * alignment. "compare -" reads tab-separated pairs, one per line, and prints
 * one JSON object per line. Exit 0: every pair below the threshold; 1: at
 * least one at or above it; 2: usage; 3: lists or data files unusable or a
 * pair that could not be compared. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"

enum { OPT_JSON = 'j', OPT_TYPE = 256, OPT_THRESHOLD };

const cli_opt cmd_compare_opts[] = {
	{"json", OPT_JSON, false, NULL, "print JSON (interface.md)"},
	{"type", OPT_TYPE, true, "T", "person or entity (a person's left-out middle names count less)"},
	{"threshold", OPT_THRESHOLD, true, "T", "score that counts as a match (default: the tuned default)"},
	{NULL, 0, false, NULL, NULL},
};

#define LINE_MAX_BYTES 8192

typedef struct {
	const es_matcher *m;
	es_type type;
	double threshold;
	bool json;
} cmp_run;

static int compare_one(const cmp_run *r, const char *a, const char *b)
{
	es_align al[64];
	size_t nal = 0;
	double score = 0;
	es_err err = {0};
	if (es_matcher_compare(r->m, a, b, r->type, &score, al, 64, &nal, &err) != ES_OK) {
		if (r->json) {
			json_t *o = json_object();
			json_object_set_new(o, "name1", es_utf8_valid(a, strlen(a), NULL) ? json_string(a) : json_null());
			json_object_set_new(o, "name2", es_utf8_valid(b, strlen(b), NULL) ? json_string(b) : json_null());
			json_object_set_new(o, "error", json_string(err.msg));
			char *t = json_dumps(o, JSON_COMPACT);
			puts(t ? t : "{}");
			free(t);
			json_decref(o);
		} else {
			cli_error("compare: %s", err.msg);
		}
		return 3;
	}
	bool match = score >= r->threshold;
	if (r->json) {
		json_t *o = es_compare_json(a, b, score, r->threshold, al, nal); /* as POST /v1/compare */
		char *t = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(6));
		puts(t ? t : "{}");
		free(t);
		json_decref(o);
	} else {
		printf("%.4f  %s (threshold %.2f)\n", score, match ? "MATCH" : "no match", r->threshold);
		printf("  %-30s %-30s %s\n", "name1 token", "name2 token", "similarity");
		for (size_t i = 0; i < nal; i++)
			printf("  %-30s %-30s %.2f\n", al[i].query_token[0] ? al[i].query_token : "-",
			       al[i].list_token[0] ? al[i].list_token : "-", al[i].similarity);
	}
	return match ? 1 : 0;
}

int cmd_compare(cli_ctx *ctx, int argc, char **argv)
{
	cmp_run r = {0};
	r.type = ES_TYPE_UNKNOWN;
	r.threshold = ES_MATCH_DEFAULT_THRESHOLD;
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
		if (k == OPT_JSON) {
			r.json = true;
		} else if (k == OPT_TYPE) {
			if (es_type_from_name(arg, &r.type) != 0 || r.type == ES_TYPE_UNKNOWN) {
				free(pos);
				return cli_usage("compare: --type must be person or entity, not '%s'", arg);
			}
		} else if (k == OPT_THRESHOLD) {
			double d = cli_parse_double(arg, 0, 1);
			if (d < 0) {
				free(pos);
				return cli_usage("compare: --threshold needs a number between 0 and 1, not '%s'", arg);
			}
			r.threshold = d;
		}
	}
	bool from_stdin = npos == 1 && strcmp(pos[0], "-") == 0;
	if (!from_stdin && npos != 2) {
		free(pos);
		return cli_usage("compare: give two names, or '-' to read tab-separated pairs from stdin");
	}
	es_listset *ls = cli_open_lists(ctx);
	es_countries *countries = ls ? cli_load_countries(ctx) : NULL;
	es_matcher *m = NULL;
	es_err err = {0};
	es_code mrc = ES_OK;
	if (!ls || !countries || (mrc = es_matcher_open(&m, ls, countries, ctx->lists_dir, &err)) != ES_OK) {
		int fail = ls && countries ? cli_exit_for_lists(mrc) : cli_failure_status();
		if (ls && countries)
			cli_error("compare: %s", err.msg);
		es_countries_free(countries);
		es_listset_free(ls);
		free(pos);
		return fail;
	}
	r.m = m;
	int rc = 0;
	if (from_stdin) {
		r.json = true;
		char *line = malloc(LINE_MAX_BYTES + 2);
		size_t lineno = 0;
		size_t len;
		bool toolong;
		while (line && !ferror(stdout) && cli_read_line(stdin, line, LINE_MAX_BYTES, &len, &toolong)) {
			lineno++;
			bool nul = !toolong && memchr(line, '\0', len);
			char *tab = toolong || nul ? NULL : strchr(line, '\t');
			if (!tab) {
				printf("{\"error\":\"line %zu: %s\"}\n", lineno,
				       toolong ? "too long" : nul ? "contains a NUL byte" : "expected two names separated by a tab");
				rc = 3;
				continue;
			}
			*tab = '\0';
			int c = compare_one(&r, line, tab + 1);
			rc = cli_worse(rc, c);
		}
		free(line);
	} else {
		rc = compare_one(&r, pos[0], pos[1]);
	}
	es_matcher_free(m);
	es_countries_free(countries);
	es_listset_free(ls);
	free(pos);
	return cli_finish_stdout(rc);
}
