/* Fuzz target: the UK uk_xml parser over arbitrary bytes. Any input must end in
 * ES_OK or a clean error code, never a crash, leak or hang. */
#include <stdint.h>
#include <stdlib.h>

#include "es_parser.h"

static es_code drop(void *ctx, es_entity *e, es_err *err)
{
	(void)ctx;
	(void)err;
	if (!e->name || !e->entry_id || !e->list)
		abort(); /* a parsed entity always has these */
	es_entity_free(e);
	return ES_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static es_countries *countries;
	es_err err = {0};
	if (!countries && es_countries_load(&countries, ES_LISTS_DIR "/countries.tsv", &err) != ES_OK)
		abort();
	es_parse_input in = {.source = ES_SRC_UK_FCDO, .path = "fuzz.xml", .countries = countries,
			     .lists_dir = ES_LISTS_DIR, .on_entity = drop};
	es_parse_stats st;
	es_parse_uk_xml_buf(&in, (const char *)data, size, &st, &err);
	return 0;
}
