/* STUB: replaced by the real parser module. */
#include "es_parser.h"

es_code es_parse_uk_csv(const es_parse_input *in, es_parse_stats *stats, es_err *err)
{
	(void)stats;
	return es_err_set(err, ES_ENOTIMPL, "%s: format uk_csv not implemented yet", in->path);
}
