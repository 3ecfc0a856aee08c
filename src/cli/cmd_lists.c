/* lists — which list set is in use and, per source, its entries, data date,
 * sha256, fetch time, age and staleness. Staleness is by fetch time; a source
 * whose own data date is older than lists/data_age.tsv allows gets a warning
 * (its publisher may have stopped updating it). Each file's content is hashed and
 * compared with the manifest, so a damaged set is reported (exit 3). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli.h"

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
		return cli_failure_status();
	es_data_age *ages = NULL;
	es_err aerr = {0};
	char *ap = cli_data_path(ctx, "data_age.tsv");
	es_code arc = ap ? es_data_age_load(&ages, ap, &aerr) : ES_ENOMEM;
	free(ap);
	if (arc != ES_OK) {
		cli_error("lists: %s", aerr.msg[0] ? aerr.msg : es_strerror(arc));
		es_listset_free(ls);
		return cli_exit_for_lists(arc);
	}
	int rc = CLI_EXIT_OK;
	time_t now = time(NULL);
	json_t *root = json_object(), *arr = json_array();
	json_object_set_new(root, "in_use", json_string(ls->bundled ? "bundled" : "fetched"));
	json_object_set_new(root, "set_dir", json_string(ls->set_dir));
	json_object_set_new(root, "version", json_string(ls->set_hash));
	json_object_set_new(root, "sources", arr);
	if (!json)
		printf("lists in use: %s (%s)\nversion: %.16s\n\n%-10s %8s  %-10s %9s  %-20s %6s  %-12s  %s\n",
		       ls->bundled ? "bundled snapshot" : "fetched", ls->set_dir, ls->set_hash, "source",
		       "entries", "data date", "data age", "fetched at", "age", "sha256", "status");
	for (size_t i = 0; i < ls->manifest.n_sources; i++) {
		es_manifest_source *s = &ls->manifest.sources[i];
		es_source_state st;
		es_source_state_at(s, ages, max_age, now, &st);
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
		json_array_append_new(arr, es_source_json(s, &st, problem));
		if (!json) {
			char da[24] = "-";
			if (st.data_age_days >= 0)
				snprintf(da, sizeof da, "%ldd", st.data_age_days);
			printf("%-10s %8ld  %-10s %9s  %-20s %5ldd  %-12.12s  %s%s\n", es_source_id(s->source), s->entries,
			       s->data_date[0] ? s->data_date : "-", da, s->fetched_at, st.age_days, sha,
			       problem ? "CORRUPT" : st.stale ? "STALE" : "ok", st.data_old ? ", old data" : "");
		}
		/* a stale source already says "fetch"; the hint is for a fresh fetch of old data */
		if (st.data_old && !st.stale && !problem)
			cli_warn(ctx, "%s: the list's own data date %s is %ld days old (more than %ld): its publisher may "
				      "have stopped updating it; check the source URL ('exportscreen fetch --print-sources')",
				 es_source_id(s->source), s->data_date, st.data_age_days, st.data_limit);
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
	es_data_age_free(ages);
	es_listset_free(ls);
	return cli_finish_stdout(rc);
}
