#include "es_parser.h"

#include <string.h>

static const es_parser parsers[] = {
	{"ofac_csv", "OFAC CSV (sdn/add/alt/comments, cons_*)", es_parse_ofac_csv},
	{"ofac_xml", "OFAC classic XML (SDN.XML, CONSOLIDATED.XML)", es_parse_ofac_xml},
	{"csl_csv", "trade.gov Consolidated Screening List CSV", es_parse_csl_csv},
	{"un_xml", "UN Security Council consolidated XML", es_parse_un_xml},
	{"eu_xml", "EU FSF XML v1.1 (and the legacy WHOLE format)", es_parse_eu_xml},
	{"uk_csv", "UK FCDO UK Sanctions List CSV", es_parse_uk_csv},
	{"uk_xml", "UK FCDO UK Sanctions List XML", es_parse_uk_xml},
	{NULL, NULL, NULL},
};

const es_parser *es_parser_find(const char *format)
{
	for (const es_parser *p = parsers; p->format; p++)
		if (strcmp(p->format, format) == 0)
			return p;
	return NULL;
}

const es_parser *es_parsers(void)
{
	return parsers;
}

static es_code collect(void *ctx, es_entity *e, es_err *err)
{
	return es_entityset_add(ctx, e, err);
}

es_code es_parse_into(const es_parser *p, es_parse_input in, es_entityset *out,
		      es_parse_stats *stats, es_err *err)
{
	in.on_entity = collect;
	in.ctx = out;
	return p->parse(&in, stats, err);
}
