/* es_report — the sign-off report (see es_records.h). */
#include "es_records_int.h"

es_code es_records_report(es_records *r, const char *since, const char *until, bool html, FILE *out, es_err *err)
{
	(void)r; (void)since; (void)until; (void)html; (void)out;
	return es_err_set(err, ES_ENOTIMPL, "report: not implemented yet");
}
