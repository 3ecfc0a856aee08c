/* Fuzz target: the OFAC CSV quartet parser over memory buffers.
 *
 * The input is split at lines consisting of "%%" into up to four parts: main
 * file, add, alt, comments (no "%%": main file only), so the joins, the
 * comments continuation and the Remarks patterns are all reached. The first
 * byte's low bit picks SDN or non-SDN (the sub-list table) and is kept in the
 * main file. Every entity handed over is checked for the model's invariants. */
#include "es_ofac_remarks.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static es_code take(void *ctx, es_entity *e, es_err *err)
{
	(void)ctx;
	(void)err;
	if (!fuzz_entity_ok(e))
		abort();
	for (size_t i = 0; i < e->n_countries; i++)
		if (strlen(e->countries[i].cc) != 2)
			abort();
	es_entity_free(e);
	return ES_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	es_err err = {0};
	es_countries *countries = fuzz_countries();
	if (!countries)
		return 0;
	const char *part[4] = {NULL, NULL, NULL, NULL};
	size_t plen[4] = {0, 0, 0, 0};
	const char *s = (const char *)data;
	size_t np = 0, start = 0;
	for (size_t i = 0; i + 3 <= size && np < 3; i++) {
		if ((i == 0 || s[i - 1] == '\n') && s[i] == '%' && s[i + 1] == '%' && s[i + 2] == '\n') {
			part[np] = s + start;
			plen[np++] = i - start;
			start = i + 3;
			i += 2;
		}
	}
	part[np] = s + start;
	plen[np] = size - start;
	es_parse_input in = {
		.source = size && (data[0] & 1) ? ES_SRC_OFAC_CONS : ES_SRC_OFAC_SDN,
		.path = "sdn.csv",
		.add_path = "add.csv",
		.alt_path = "alt.csv",
		.comments_path = "sdn_comments.csv",
		.countries = countries,
		.lists_dir = ES_LISTS_DIR,
		.on_entity = take,
		.on_diag = fuzz_one_line,
	};
	es_parse_stats st;
	es_ofac_csv_bufs b = {{part[0] ? part[0] : "", plen[0]}, {part[1], plen[1]}, {part[2], plen[2]},
			      {part[3], plen[3]}};
	es_code rc = es_parse_ofac_csv_buf(&in, &b, &st, &err);
	fuzz_check_failure(rc, &err);
	return 0;
}
