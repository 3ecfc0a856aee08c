/* Fuzz target: a CSV order stream through the CSV reader, line by line as the
 * filter feeds it. Every completed data row either becomes an order with at least
 * one named party or fails with a one-line message; nothing crashes or leaks. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "es_country.h"
#include "es_order.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static es_countries *countries;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	es_err err = {0};
	if (!countries && es_countries_load(&countries, ES_LISTS_DIR "/countries.tsv", &err) != ES_OK)
		abort();
	es_csv_orders *r;
	if (es_csv_orders_new(&r, &err) != ES_OK)
		abort();
	static es_order o;
	const char *p = (const char *)data, *end = p + size;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
		bool done = false, hdr = false;
		es_err_clear(&err);
		es_code rc = es_csv_orders_feed(r, p, len, nl == NULL, &done, &hdr, &err);
		if (rc != ES_OK && (!err.msg[0] || strchr(err.msg, '\n')))
			abort();
		if (rc == ES_OK && done && !hdr && es_csv_orders_columns(r)) {
			es_err_clear(&err);
			rc = es_csv_orders_row(r, countries, &o, &err);
			if (rc == ES_OK && (o.n_parties == 0 || !o.parties[0].name || !o.parties[0].name[0]))
				abort();
			if (rc != ES_OK && (!err.msg[0] || strchr(err.msg, '\n')))
				abort();
			es_order_release(&o);
		}
		p += len;
	}
	es_csv_orders_free(r);
	return 0;
}
