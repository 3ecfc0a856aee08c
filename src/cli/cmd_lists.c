/* lists — which list set is in use and, per source, its entries, data date,
 * sha256, fetch time, age and staleness. Each file's content is hashed and
 * compared with the manifest, so a damaged set is reported (exit 3). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli.h"
#include "es_io.h"
#include "es_match.h"

enum { OPT_JSON = 'j', OPT_MAX_AGE = 256, OPT_VERIFY };

const cli_opt cmd_lists_opts[] = {
	{"json", OPT_JSON, false, NULL, "print JSON (interface.md)"},
	{"max-age", OPT_MAX_AGE, true, "DAYS", "age after which a source is stale (default 7)"},
	{"verify", OPT_VERIFY, false, NULL, "also check the compiled name index completely (checksum)"},
	{NULL, 0, false, NULL, NULL},
};

int cmd_lists(cli_ctx *ctx, int argc, char **argv)
{
	bool json = false, verify = false;
	long max_age = ES_DEFAULT_MAX_AGE_DAYS;
	int idx = 1, npos = 0, k;
	const char *arg;
	char **pos = calloc((size_t)argc + 1, sizeof *pos);
	while ((k = cli_next(ctx->cmd, argc, argv, &idx, &arg, pos, &npos)) != -1) {
		if (k == '?' || k == CLI_HELP) {
			free(pos);
			return k == CLI_HELP ? cli_finish_stdout(0) : CLI_EXIT_USAGE;
		}
		if (k == OPT_JSON)
			json = true;
		else if (k == OPT_VERIFY)
			verify = true;
		else if (k == OPT_MAX_AGE) {
			double d = cli_parse_double(arg, 0, 100000);
			if (d < 0) {
				free(pos);
				return cli_usage("lists: --max-age needs a number of days, not '%s'", arg);
			}
			max_age = (long)d;
		}
	}
	free(pos);
	if (npos)
		return cli_usage("lists: takes no arguments");

	es_listset *ls = cli_open_lists(ctx);
	if (!ls)
		return CLI_EXIT_DATA;
	int rc = CLI_EXIT_OK;
	time_t now = time(NULL);
	json_t *root = json_object(), *arr = json_array();
	json_object_set_new(root, "in_use", json_string(ls->bundled ? "bundled" : "fetched"));
	json_object_set_new(root, "set_dir", json_string(ls->set_dir));
	json_object_set_new(root, "version", json_string(ls->set_hash));
	json_object_set_new(root, "sources", arr);
	if (!json)
		printf("lists in use: %s (%s)\nversion: %.16s\n\n%-10s %8s  %-10s  %-20s  %-12s %6s  %s\n",
		       ls->bundled ? "bundled snapshot" : "fetched", ls->set_dir, ls->set_hash, "source",
		       "entries", "data date", "fetched at", "sha256", "age", "status");
	for (size_t i = 0; i < ls->manifest.n_sources; i++) {
		es_manifest_source *s = &ls->manifest.sources[i];
		long age = es_source_age_days(s, now);
		bool stale = age < 0 || age > max_age;
		const char *problem = NULL;
		es_err err = {0};
		for (size_t f = 0; f < s->n_files && !problem; f++) {
			char hex[65];
			char *p = es_listset_path(ls, s->files[f].path);
			if (!p || es_sha256_file(p, ES_PARSE_MAX_BYTES, hex, &err) != ES_OK)
				problem = err.msg[0] ? err.msg : "cannot read";
			else if (strcmp(hex, s->files[f].sha256) != 0)
				problem = "content does not match the manifest sha256";
			if (problem)
				cli_error("%s: %s: %s", es_source_id(s->source), s->files[f].path, problem);
			free(p);
		}
		if (problem)
			rc = CLI_EXIT_DATA;
		const char *sha = s->n_files ? s->files[0].sha256 : "";
		json_t *js = json_object();
		json_object_set_new(js, "id", json_string(es_source_id(s->source)));
		json_object_set_new(js, "entries", json_integer(s->entries));
		json_object_set_new(js, "data_date", json_string(s->data_date));
		json_object_set_new(js, "fetched_at", json_string(s->fetched_at));
		json_object_set_new(js, "sha256", json_string(sha));
		json_object_set_new(js, "age_days", json_integer(age));
		json_object_set_new(js, "stale", json_boolean(stale));
		json_object_set_new(js, "format", json_string(s->format));
		if (problem)
			json_object_set_new(js, "error", json_string(problem));
		json_array_append_new(arr, js);
		if (!json)
			printf("%-10s %8ld  %-10s  %-20s  %-12.12s %5ldd  %s\n", es_source_id(s->source), s->entries,
			       s->data_date, s->fetched_at, sha, age, problem ? "CORRUPT" : stale ? "STALE" : "ok");
	}
	if (verify) {
		/* the index is derived data: missing is not an error (the next check
		 * builds it), damaged or stale is (the next check rebuilds it) */
		es_err ierr = {0};
		es_code ic = es_match_verify_index(ls, ctx->lists_dir, &ierr);
		const char *state = ic == ES_OK ? "ok" : ic == ES_EMISSING ? "missing" : "damaged";
		json_t *ji = json_object();
		json_object_set_new(ji, "status", json_string(state));
		if (ic != ES_OK && ic != ES_EMISSING) {
			json_object_set_new(ji, "error", json_string(ierr.msg));
			cli_error("index: %s", ierr.msg);
			rc = CLI_EXIT_DATA;
		}
		json_object_set_new(root, "index", ji);
		if (!json)
			printf("\nname index: %s%s\n", state,
			       ic == ES_EMISSING ? " (built by the next check or filter)" : "");
	}
	if (json) {
		char *t = json_dumps(root, JSON_COMPACT);
		puts(t);
		free(t);
	} else if (es_listset_stale(ls, now, max_age)) {
		printf("\nLists older than %ld days are stale: run 'exportscreen fetch'. Until then\n"
		       "'filter' marks every order at least REVIEW (LISTS_STALE) unless --allow-stale.\n",
		       max_age);
	}
	json_decref(root);
	es_listset_free(ls);
	return cli_finish_stdout(rc);
}
