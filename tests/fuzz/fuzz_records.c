/* Fuzz target: what the records layer reads back from a store whose content
 * may have been written by anyone with the file: a record's input and output
 * (JSON or a CSV row), run through the report (HTML and CSV: JSON and CSV
 * parsing of stored outputs), the export (both formats) and verify. Input: the
 * first byte chooses CSV (odd) or JSON Lines; the rest up to the first NUL is
 * the output record, after it the input record. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "es_records.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	char dir[] = "/tmp/es-fuzz-records-XXXXXX";
	if (!mkdtemp(dir))
		return 0;
	char path[64], cmd[96];
	snprintf(path, sizeof path, "%s/r.sqlite", dir);
	bool csv = data[0] & 1;
	const char *body = (const char *)data + 1;
	size_t n = size - 1;
	const char *nul = memchr(body, '\0', n);
	size_t out_len = nul ? (size_t)(nul - body) : n;
	const char *in = nul ? nul + 1 : "";
	size_t in_len = nul ? n - out_len - 1 : 0;
	char *output = malloc(out_len + 1);
	es_records *r = NULL;
	es_err err = {0};
	FILE *sink = fopen("/dev/null", "w");
	if (!output || !sink || es_records_open(&r, path, NULL, ES_RECORDS_CREATE, &err) != ES_OK)
		goto done;
	memcpy(output, body, out_len);
	output[out_len] = '\0';
	es_records_run run = {.command = "fuzz", .list_version = "v", .lists_json = "[{\"id\":\"un_sc\"}]",
			      .rules_hash = "h"};
	if (es_records_start_run(r, &run, &err) != ES_OK)
		goto done;
	if (csv) {
		es_filter_event hdr = {.raw = "order_id,buyer_name", .raw_len = 19, .csv_header = true};
		es_records_add_screening(r, &hdr, &err);
	}
	es_filter_event ev = {.raw = in, .raw_len = in_len, .lineno = 1, .output = output,
			      .output_len = strlen(output), .decision = ES_DEC_REVIEW};
	if (es_records_add_screening(r, &ev, &err) != ES_OK || es_records_commit(r, &err) != ES_OK)
		goto done;
	es_records_report(r, NULL, "2000-01-01", NULL, true, sink, &err);
	es_records_report(r, NULL, "2000-01-01", NULL, false, sink, &err);
	es_export_query q = {0};
	es_records_export(r, &q, sink, &err);
	q.csv = true;
	es_records_export(r, &q, sink, &err);
	es_audit_verify v;
	if (es_records_verify(r, &v, &err) == ES_OK && !v.intact)
		abort(); /* what was just written must verify */
done:
	es_records_free(r);
	if (sink)
		fclose(sink);
	free(output);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 0;
	return 0;
}
