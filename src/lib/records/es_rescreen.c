/* es_rescreen — re-screening recorded parties (see es_records.h). */
#include "es_records_int.h"

es_code es_records_rescreen(es_records *r, const es_filter_config *cfg, const es_matcher *m, const char *since,
			    es_rescreen_fn fn, void *user, es_rescreen_stats *st, es_err *err)
{
	(void)r; (void)cfg; (void)m; (void)since; (void)fn; (void)user; (void)st;
	return es_err_set(err, ES_ENOTIMPL, "rescreen: not implemented yet");
}
