/* Fuzz target: the OFAC classic XML parser (SDN.XML / CONSOLIDATED.XML) over a
 * memory buffer. The first byte's low bit picks SDN or non-SDN. Every entity
 * handed over is checked for the model's invariants. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "es_country.h"
#include "es_ofac_remarks.h"
#include "es_parser.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static es_countries *countries;

static es_code take(void *ctx, es_entity *e, es_err *err)
{
	(void)ctx;
	(void)err;
	if (!e->entry_id || !e->name || !e->list || e->n_names == 0 || strcmp(e->names[0].name, e->name) != 0)
		abort();
	es_entity_free(e);
	return ES_OK;
}

static void quiet(void *ctx, const char *msg)
{
	(void)ctx;
	if (strchr(msg, '\n'))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	es_err err = {0};
	if (!countries && es_countries_load(&countries, ES_LISTS_DIR "/countries.tsv", &err) != ES_OK)
		return 0;
	es_parse_input in = {
		.source = size && (data[0] & 1) ? ES_SRC_OFAC_CONS : ES_SRC_OFAC_SDN,
		.path = "SDN.XML",
		.countries = countries,
		.lists_dir = ES_LISTS_DIR,
		.on_entity = take,
		.on_diag = quiet,
	};
	es_parse_stats st;
	es_code rc = es_parse_ofac_xml_buf(&in, (const char *)data, size, &st, &err);
	if (rc != ES_OK && (err.msg[0] == '\0' || strchr(err.msg, '\n')))
		abort();
	return 0;
}
