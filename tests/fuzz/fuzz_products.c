/* Fuzz target: the product classification catalog parser (es_products_parse).
 * A catalog either loads or fails with one line naming file:line; a loaded one
 * answers lookups of part numbers taken from the input and classifies an order
 * with them, never crashing or leaking. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "es_products.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	es_err err = {0};
	es_products *c = NULL;
	es_code rc = es_products_parse(&c, (const char *)data, size, "catalog.csv", &err);
	if (rc != ES_OK) {
		if (c || !err.msg[0] || strchr(err.msg, '\n') || strncmp(err.msg, "catalog.csv", 11) != 0)
			abort();
		return 0;
	}
	/* every line's first field as a SKU, and a few fixed ones */
	static es_order o;
	char sku[8][72];
	size_t n = 0;
	const char *p = (const char *)data, *end = p + size;
	while (p < end && n < 8) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		const char *comma = memchr(p, ',', len);
		size_t k = comma ? (size_t)(comma - p) : len;
		if (k < sizeof sku[0] && !memchr(p, '\0', k)) {
			memcpy(sku[n], p, k);
			sku[n][k] = '\0';
			n++;
		}
		p += len + 1;
	}
	memset(&o, 0, sizeof o);
	for (size_t i = 0; i < n; i++) {
		const es_product *e = es_products_lookup(c, sku[i]);
		if (e && (!e->part || !e->eccn || !e->eccn[0]))
			abort();
		o.items[i] = (es_item){.sku = sku[i], .eccn = i % 2 ? "5A002.a" : NULL, .enc = i % 3 ? NULL : "b2"};
	}
	o.n_items = n;
	es_products_classify(c, &o);
	for (size_t i = 0; i < n; i++)
		if (o.items[i].source != ES_ITEM_NOT_IN_CATALOG && o.items[i].source != ES_ITEM_AS_GIVEN &&
		    !o.items[i].eccn)
			abort();
	es_products_free(c);
	return 0;
}
