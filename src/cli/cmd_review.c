/* review — reviewers' decisions (dispositions) on list hits (docs/records.md):
 * `review add` binds a party to one list entry as it is now, `review list`
 * shows them, `review revoke` ends one. Every action is an audit record. */
#include <jansson.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_records.h"

enum {
	OPT_JSON = 'j',
	OPT_PARTY = 256,
	OPT_COUNTRY,
	OPT_SOURCE,
	OPT_ENTRY,
	OPT_FP,
	OPT_TM,
	OPT_REASON,
	OPT_BY,
	OPT_EXPIRES,
	OPT_ALL,
};

const cli_opt cmd_review_opts[] = {
	{"party", OPT_PARTY, true, "NAME", "add: the party's name as it appears on orders"},
	{"country", OPT_COUNTRY, true, "CC", "add: bind to the party's country too (ISO alpha-2)"},
	{"source", OPT_SOURCE, true, "S", "add: source id of the list entry (ofac_sdn, us_csl, ...)"},
	{"entry", OPT_ENTRY, true, "ID", "add: entry id in that source"},
	{"false-positive", OPT_FP, false, NULL, "add: the party is not the listed entry"},
	{"true-match", OPT_TM, false, NULL, "add: the party is the listed entry"},
	{"reason", OPT_REASON, true, "TEXT", "add, revoke: why (required)"},
	{"by", OPT_BY, true, "WHO", "add, revoke: reviewer (default: the user)"},
	{"expires", OPT_EXPIRES, true, "DATE", "add: last day it applies (YYYY-MM-DD)"},
	{"json", OPT_JSON, false, NULL, "list: one JSON object per disposition"},
	{"all", OPT_ALL, false, NULL, "list: also revoked, expired and changed-entry ones"},
	{NULL, 0, false, NULL, NULL},
};

static const char *default_user(void)
{
	const char *u = getenv("USER");
	if (u && *u)
		return u;
	struct passwd *pw = getpwuid(getuid());
	return pw ? pw->pw_name : "unknown";
}

static es_code print_disp(void *user, const es_disposition *d, es_err *err)
{
	bool json = *(bool *)user;
	if (json) {
		json_t *o = json_object();
		json_object_set_new(o, "id", json_integer(d->id));
		json_object_set_new(o, "status", json_string(d->status));
		json_object_set_new(o, "kind", json_string(d->true_match ? "true_match" : "false_positive"));
		json_object_set_new(o, "party", json_string(d->party));
		json_object_set_new(o, "country", d->country ? json_string(d->country) : json_null());
		json_object_set_new(o, "source", json_string(d->source));
		json_object_set_new(o, "entry_id", json_string(d->entry_id));
		json_object_set_new(o, "entry_name", d->entry_name ? json_string(d->entry_name) : json_null());
		json_object_set_new(o, "reason", json_string(d->reason));
		json_object_set_new(o, "by", json_string(d->by));
		json_object_set_new(o, "at", json_string(d->at));
		json_object_set_new(o, "expires", d->expires ? json_string(d->expires) : json_null());
		if (d->revoked_at) {
			json_object_set_new(o, "revoked_at", json_string(d->revoked_at));
			json_object_set_new(o, "revoked_by", json_string(d->revoked_by ? d->revoked_by : ""));
			json_object_set_new(o, "revoke_reason", json_string(d->revoke_reason ? d->revoke_reason : ""));
		}
		char *t = json_dumps(o, JSON_COMPACT);
		json_decref(o);
		if (!t)
			return es_err_set(err, ES_ENOMEM, "out of memory");
		puts(t);
		free(t);
	} else {
		printf("%-5lld %-13s %-14s %-9s %-10s %-24s %s%s%s -- %s (%s, %s%s%s)\n", d->id, d->status,
		       d->true_match ? "true_match" : "false_positive", d->source, d->entry_id,
		       d->entry_name ? d->entry_name : "", d->party, d->country ? " / " : "", d->country ? d->country : "",
		       d->reason, d->by, d->at, d->expires ? ", expires " : "", d->expires ? d->expires : "");
	}
	return ES_OK;
}

int cmd_review(cli_ctx *ctx, int argc, char **argv)
{
	int idx = 1, npos = 0, k, ec;
	const char *arg;
	es_disposition_new d = {0};
	bool fp = false, tm = false, json = false, all = false;
	char **pos = calloc((size_t)argc + 1, sizeof *pos);
	if (!pos)
		return CLI_EXIT_IO;
	while ((k = cli_next(ctx->cmd, argc, argv, &idx, &arg, pos, &npos)) != -1) {
		if (k == '?' || k == CLI_HELP) {
			free(pos);
			return k == CLI_HELP ? cli_finish_stdout(0) : CLI_EXIT_USAGE;
		}
		switch (k) {
		case OPT_PARTY: d.party = arg; break;
		case OPT_COUNTRY: d.country = arg; break;
		case OPT_SOURCE: d.source = arg; break;
		case OPT_ENTRY: d.entry_id = arg; break;
		case OPT_FP: fp = true; break;
		case OPT_TM: tm = true; break;
		case OPT_REASON: d.reason = arg; break;
		case OPT_BY: d.by = arg; break;
		case OPT_EXPIRES: d.expires = arg; break;
		case OPT_JSON: json = true; break;
		case OPT_ALL: all = true; break;
		}
	}
	const char *sub = npos ? pos[0] : NULL, *idarg = npos > 1 ? pos[1] : NULL;
	int nargs = npos;
	free(pos);
	if (!sub)
		return cli_usage("review: say add, list or revoke");
	if (!d.by)
		d.by = default_user();
	int rc = CLI_EXIT_OK;
	es_err err = {0};
	es_code c;
	if (strcmp(sub, "add") == 0) {
		if (nargs > 1)
			return cli_usage("review add: unexpected argument '%s'", idarg);
		if (!d.party || !*d.party || !d.source || !d.entry_id)
			return cli_usage("review add: needs --party NAME, --source S and --entry ID");
		if (fp == tm)
			return cli_usage("review add: say --false-positive or --true-match");
		if (!d.reason || !*d.reason)
			return cli_usage("review add: --reason TEXT is required");
		char next[11];
		if (d.expires && !es_records_day_valid(d.expires, next))
			return cli_usage("review add: --expires needs a date YYYY-MM-DD, not '%s'", d.expires);
		if (d.country && (strlen(d.country) != 2))
			return cli_usage("review add: --country needs an ISO alpha-2 code, not '%s'", d.country);
		char cc[3] = "";
		if (d.country) {
			cc[0] = (char)(d.country[0] & ~0x20);
			cc[1] = (char)(d.country[1] & ~0x20);
			d.country = cc;
		}
		d.true_match = tm;
		es_listset *ls = cli_open_lists(ctx);
		es_countries *countries = ls ? cli_load_countries(ctx) : NULL;
		es_matcher *m = NULL;
		es_records *r = NULL;
		if (!ls || !countries) {
			rc = CLI_EXIT_DATA;
			goto add_done;
		}
		if (es_matcher_open(&m, ls, countries, ctx->lists_dir, &err) != ES_OK) {
			cli_error("cannot open the list index: %s", err.msg);
			rc = CLI_EXIT_DATA;
			goto add_done;
		}
		if (!(r = cli_open_records(ctx, ES_RECORDS_CREATE, false, &ec))) {
			rc = ec;
			goto add_done;
		}
		es_records_run run;
		long long id = 0;
		if ((c = es_records_describe(r, ls, ctx->lists_dir, "review", &run, &err)) != ES_OK ||
		    (c = es_records_start_run(r, &run, &err)) != ES_OK ||
		    (c = es_records_disposition_add(r, m, &d, &id, &err)) != ES_OK) {
			cli_error("review add: %s", err.msg);
			rc = c == ES_EUSAGE ? CLI_EXIT_USAGE : cli_records_exit(c);
			goto add_done;
		}
		printf("disposition %lld: %s %s %s entry %s\n", id, d.party, tm ? "is" : "is not", d.source, d.entry_id);
	add_done:
		es_records_free(r);
		es_matcher_free(m);
		es_countries_free(countries);
		es_listset_free(ls);
		return cli_finish_stdout(rc);
	}
	if (strcmp(sub, "revoke") == 0) {
		char *end = NULL;
		long long id = idarg ? strtoll(idarg, &end, 10) : 0;
		if (!idarg || !*idarg || *end || id <= 0 || nargs > 2)
			return cli_usage("review revoke: needs one disposition id");
		if (!d.reason || !*d.reason)
			return cli_usage("review revoke: --reason TEXT is required");
		es_records *r = cli_open_records(ctx, 0, false, &ec);
		if (!r)
			return ec;
		if ((c = es_records_disposition_revoke(r, id, d.by, d.reason, &err)) != ES_OK) {
			cli_error("review revoke: %s", err.msg);
			rc = c == ES_EUSAGE ? CLI_EXIT_USAGE : c == ES_EMISSING ? CLI_EXIT_DATA : cli_records_exit(c);
		} else {
			printf("disposition %lld revoked\n", id);
		}
		es_records_free(r);
		return cli_finish_stdout(rc);
	}
	if (strcmp(sub, "list") == 0) {
		if (nargs > 1)
			return cli_usage("review list: unexpected argument '%s'", idarg);
		es_records *r = cli_open_records(ctx, ES_RECORDS_READONLY, true, &ec);
		if (!r)
			return ec == CLI_EXIT_DATA ? cli_finish_stdout(0) : ec; /* no store: no dispositions */
		/* with the lists in use, so a changed or removed entry shows */
		es_listset *ls = cli_open_lists(ctx);
		es_countries *countries = ls ? cli_load_countries(ctx) : NULL;
		es_matcher *m = NULL;
		if (countries && es_matcher_open(&m, ls, countries, ctx->lists_dir, &err) != ES_OK)
			m = NULL;
		if (!m)
			cli_warn(ctx, "lists not usable: entry changes are not shown");
		if ((c = es_records_disposition_list(r, m, all, print_disp, &json, &err)) != ES_OK) {
			cli_error("review list: %s", err.msg);
			rc = cli_records_exit(c);
		}
		es_matcher_free(m);
		es_countries_free(countries);
		es_listset_free(ls);
		es_records_free(r);
		return cli_finish_stdout(rc);
	}
	return cli_usage("review: unknown subcommand '%s' (add, list or revoke)", sub);
}
