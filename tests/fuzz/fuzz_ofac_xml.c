/* Fuzz target: the OFAC classic XML parser (SDN.XML / CONSOLIDATED.XML) over a
 * memory buffer. The first byte's low bit picks SDN or non-SDN. Every entity
 * handed over is checked for the model's invariants. */
#include "es_ofac_remarks.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static es_code take(void *ctx, es_entity *e, es_err *err)
{
	(void)ctx;
	(void)err;
	if (!fuzz_entity_ok(e))
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
	es_parse_input in = {
		.source = size && (data[0] & 1) ? ES_SRC_OFAC_CONS : ES_SRC_OFAC_SDN,
		.path = "SDN.XML",
		.countries = countries,
		.lists_dir = ES_LISTS_DIR,
		.on_entity = take,
		.on_diag = fuzz_one_line,
	};
	es_parse_stats st;
	es_code rc = es_parse_ofac_xml_buf(&in, (const char *)data, size, &st, &err);
	fuzz_check_failure(rc, &err);
	return 0;
}
