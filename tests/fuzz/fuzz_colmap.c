/* Fuzz target: the CSV column map parser (es_colmap_parse). A map either loads
 * (and every header it names looks up to a contract column) or fails with one
 * line naming file:line, never crashing or leaking. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "es_colmap.h"
#include "es_order.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	es_err err = {0};
	es_colmap *m = NULL;
	es_code rc = es_colmap_parse(&m, (const char *)data, size, "map.tsv", &err);
	if (rc != ES_OK) {
		if (m || !err.msg[0] || strchr(err.msg, '\n') || strncmp(err.msg, "map.tsv", 7) != 0)
			abort();
		return 0;
	}
	/* the text before each line's first TAB names a known column */
	const char *p = (const char *)data, *end = p + size;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		const char *tab = memchr(p, '\t', len);
		if (tab) {
			const char *h = p;
			size_t hl = (size_t)(tab - p);
			while (hl && (*h == ' ' || *h == '\t' || *h == '\r'))
				h++, hl--;
			while (hl && (h[hl - 1] == ' ' || h[hl - 1] == '\r'))
				hl--;
			const char *to = hl && *p != '#' ? es_colmap_lookup(m, h, hl) : NULL;
			if (to && !es_csv_column_known(to))
				abort();
		}
		p += len + 1;
	}
	es_colmap_free(m);
	return 0;
}
