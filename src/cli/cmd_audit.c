/* audit — the audit trail of the compliance records (docs/records.md):
 * `audit verify` walks the MAC chain (exit 0 intact, 3 broken: the first bad
 * record and why), `audit head` prints the latest sequence number and MAC (to
 * anchor elsewhere) and the key file's path, `audit export` writes records as
 * JSON Lines or CSV. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_records.h"
#include "es_io.h"

enum { OPT_JSON = 'j', OPT_SINCE = 256, OPT_UNTIL, OPT_DECISION, OPT_ORDER, OPT_FORMAT };

const cli_opt cmd_audit_opts[] = {
	{"json", OPT_JSON, false, NULL, "verify: print the result as one JSON object"},
	{"since", OPT_SINCE, true, "DATE", "export: records from DATE (YYYY-MM-DD, UTC)"},
	{"until", OPT_UNTIL, true, "DATE", "export: records up to and including DATE"},
	{"decision", OPT_DECISION, true, "D", "export: only records with this decision"},
	{"order", OPT_ORDER, true, "ID", "export: only records of this order id"},
	{"format", OPT_FORMAT, true, "jsonl|csv", "export: output format (default jsonl)"},
	{NULL, 0, false, NULL, NULL},
};

static bool valid_date(const char *s)
{
	char next[11];
	return es_records_day_valid(s, next);
}

static bool valid_decision(const char *d)
{
	static const char *const names[] = {"CLEAR", "REVIEW", "LICENSE_REQUIRED", "PROHIBITED", "ERROR"};
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (strcmp(d, names[i]) == 0)
			return true;
	return false;
}

int cmd_audit(cli_ctx *ctx, int argc, char **argv)
{
	int idx = 1, npos = 0, k, ec;
	const char *arg;
	bool json = false, csv = false;
	es_export_query q = {0};
	char **pos = calloc((size_t)argc + 1, sizeof *pos);
	if (!pos)
		return CLI_EXIT_IO;
	while ((k = cli_next(ctx->cmd, argc, argv, &idx, &arg, pos, &npos)) != -1) {
		if (k == '?' || k == CLI_HELP) {
			free(pos);
			return k == CLI_HELP ? cli_finish_stdout(0) : CLI_EXIT_USAGE;
		}
		if (k == OPT_JSON)
			json = true;
		else if (k == OPT_SINCE || k == OPT_UNTIL) {
			if (!valid_date(arg)) {
				free(pos);
				return cli_usage("audit: --%s needs a date YYYY-MM-DD, not '%s'", k == OPT_SINCE ? "since" : "until",
						 arg);
			}
			*(k == OPT_SINCE ? &q.since : &q.until) = arg;
		} else if (k == OPT_DECISION) {
			if (!valid_decision(arg)) {
				free(pos);
				return cli_usage("audit: --decision must be CLEAR, REVIEW, LICENSE_REQUIRED, PROHIBITED or ERROR, not '%s'",
						 arg);
			}
			q.decision = arg;
		} else if (k == OPT_ORDER)
			q.order_id = arg;
		else if (k == OPT_FORMAT) {
			if (strcmp(arg, "csv") != 0 && strcmp(arg, "jsonl") != 0 && strcmp(arg, "json") != 0) {
				free(pos);
				return cli_usage("audit: --format must be jsonl or csv, not '%s'", arg);
			}
			csv = strcmp(arg, "csv") == 0;
		}
	}
	const char *sub = npos ? pos[0] : NULL;
	int nargs = npos;
	free(pos);
	if (!sub)
		return cli_usage("audit: say verify, head or export");
	if (nargs > 1)
		return cli_usage("audit %s: takes no arguments", sub);
	bool is_export = strcmp(sub, "export") == 0;
	if (strcmp(sub, "verify") != 0 && strcmp(sub, "head") != 0 && !is_export)
		return cli_usage("audit: unknown subcommand '%s' (verify, head or export)", sub);
	if (!is_export && (q.since || q.until || q.decision || q.order_id || csv))
		return cli_usage("audit %s: --since, --until, --decision, --order and --format are for export", sub);
	es_records *r = cli_open_records(ctx, ES_RECORDS_READONLY, false, &ec);
	if (!r)
		return ec;
	es_err err = {0};
	es_code rc;
	int out = CLI_EXIT_OK;
	if (strcmp(sub, "verify") == 0) {
		es_audit_verify v;
		if ((rc = es_records_verify(r, &v, &err)) != ES_OK) {
			cli_error("%s", err.msg[0] ? err.msg : es_strerror(rc));
			out = cli_records_exit(rc);
		} else if (json) {
			printf("{\"intact\":%s,\"checked\":%lld", v.intact ? "true" : "false", v.checked);
			if (!v.intact) {
				printf(",\"problem\":\"%s\",\"record\":%lld,\"detail\":", v.problem, v.bad_seq);
				/* detail is ours: no quotes or controls except a path */
				putchar('"');
				for (const char *p = v.detail; *p; p++) {
					if (*p == '"' || *p == '\\')
						putchar('\\');
					if ((unsigned char)*p >= 0x20)
						putchar(*p);
				}
				putchar('"');
			}
			puts("}");
			out = v.intact ? CLI_EXIT_OK : CLI_EXIT_DATA;
		} else if (v.intact) {
			printf("audit trail intact: %lld records checked\n", v.checked);
		} else {
			printf("audit trail BROKEN at record %lld: %s: %s\n", v.bad_seq, v.problem, v.detail);
			out = CLI_EXIT_DATA;
		}
	} else if (strcmp(sub, "head") == 0) {
		es_audit_head h;
		if ((rc = es_records_head(r, &h, &err)) != ES_OK) {
			cli_error("%s", err.msg);
			out = cli_records_exit(rc);
		} else {
			printf("seq %lld\nmac %s\nrecords %lld\nstore %s\nkey %s\n", h.seq, h.seq ? h.mac : "-", h.records,
			       es_records_path(r), es_records_key_path(r));
		}
	} else {
		q.csv = csv;
		if ((rc = es_records_export(r, &q, stdout, &err)) != ES_OK) {
			cli_error("%s", err.msg[0] ? err.msg : es_strerror(rc));
			out = cli_records_exit(rc);
		}
	}
	es_records_free(r);
	return cli_finish_stdout(out);
}
