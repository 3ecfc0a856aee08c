/* Fuzz target: one JSON Lines record through the order reader, the rules and the
 * record writer (no matcher). Whatever the input, the output must be exactly one
 * line holding one valid JSON object with a "screening" member (an ERROR record
 * included), with no duplicate member names. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "es_country.h"
#include "es_filter.h"
#include "es_rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static es_filter *filter;

static void init(void)
{
	static es_countries *countries;
	static es_rules *rules;
	es_err err = {0};
	if (es_countries_load(&countries, ES_LISTS_DIR "/countries.tsv", &err) != ES_OK ||
	    es_rules_load(&rules, ES_LISTS_DIR, &err) != ES_OK) {
		fprintf(stderr, "fuzz_order_jsonl: %s\n", err.msg);
		abort();
	}
	es_filter_config cfg = {.rules = rules, .countries = countries, .list_version = "fuzz", .format = ES_FMT_JSONL,
				.now = 1796083200};
	if (es_filter_new(&filter, &cfg, &err) != ES_OK)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!filter)
		init();
	/* one physical line: the driver splits at '\n' before calling the reader */
	const char *nl = memchr(data, '\n', size);
	size_t len = nl ? (size_t)(nl - (const char *)data) : size;
	es_buf out = {0};
	es_decision d;
	es_err err = {0};
	if (es_filter_jsonl_record(filter, (const char *)data, len, 1, true, &out, &d, &err) != ES_OK)
		abort();
	const char *buf = out.s;
	size_t n = out.len;
	if (n == 0 || buf[n - 1] != '\n' || memchr(buf, '\n', n - 1))
		abort(); /* exactly one line */
	json_error_t jerr;
	json_t *o = json_loadb(buf, n, JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL | JSON_ALLOW_NUL, &jerr);
	if (!o || !json_is_object(o) || !json_is_object(json_object_get(o, "screening")))
		abort();
	const char *dec = json_string_value(json_object_get(json_object_get(o, "screening"), "decision"));
	if (!dec || strcmp(dec, es_decision_name(d)) != 0)
		abort();
	if (d == ES_DEC_ERROR && !json_is_string(json_object_get(o, "error")))
		abort();
	json_decref(o);
	es_buf_free(&out);
	return 0;
}
