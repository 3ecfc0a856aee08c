/* Fuzz target: a CSV order stream through the CSV reader, line by line as the
 * filter feeds it. Every completed data row either becomes an order with at least
 * one named party or fails with a one-line message; nothing crashes or leaks.
 *
 * Memory stays bounded whatever the input (issue 10 item 5: an unbalanced quote
 * must not make the reader hold the rest of the stream): the reader runs with a
 * small record limit, and after every line its footprint is checked against a
 * fixed multiple of that limit.
 *
 * A first byte below 0x10 chooses the ERP options, as `filter` would set them:
 * bits 0-1 the delimiter (detected, ';', tab, '|'), bits 2-3 the encoding the
 * rest is decoded from (UTF-8, latin1, cp1252, utf-16). A small column map is
 * always in use. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "es_buf.h"
#include "es_colmap.h"
#include "es_country.h"
#include "es_decode.h"
#include "es_order.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define LIMIT 2048
/* the reader's buffers double, and libcsv's first block is 64 KiB */
#define MAX_FOOTPRINT (8 * LIMIT + 2 * 65536 + 16384)

static es_countries *countries;
static es_colmap *map;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char map_text[] = "End User Name\tend_user_name\nLand\tend_user_country\nMaterial\tsku\n";
	static const char delims[] = {0, ';', '\t', '|'};
	static const char *const encodings[] = {NULL, "latin1", "cp1252", "utf-16"};
	es_err err = {0};
	if (!countries && es_countries_load(&countries, ES_LISTS_DIR "/countries.tsv", &err) != ES_OK)
		abort();
	if (!map && es_colmap_parse(&map, map_text, sizeof map_text - 1, "map", &err) != ES_OK)
		abort();
	char delim = 0;
	const char *enc = NULL;
	if (size && data[0] < 0x10) {
		delim = delims[data[0] & 3];
		enc = encodings[(data[0] >> 2) & 3];
		data++;
		size--;
	}
	es_buf dec = {0};
	const char *p = (const char *)data, *end = p + size;
	if (enc) {
		es_decoder *d = NULL;
		if (es_decoder_new(&d, enc, &err) != ES_OK || !d)
			abort();
		/* in two pieces, as reads would cut it */
		size_t half = size / 2;
		if (es_decoder_run(d, p, half, false, &dec, &err) != ES_OK ||
		    es_decoder_run(d, p + half, size - half, true, &dec, &err) != ES_OK)
			abort();
		es_decoder_free(d);
		if (dec.len > 3 * size + 4)
			abort(); /* the stated bound of the decoder's output */
		p = dec.s ? dec.s : "";
		end = p + dec.len;
	}
	es_csv_orders *r;
	if (es_csv_orders_new(&r, &err) != ES_OK)
		abort();
	es_csv_orders_set_delimiter(r, delim);
	es_csv_orders_set_columns(r, map);
	es_csv_orders_set_max_record(r, LIMIT);
	static es_order o;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
		bool done = false, hdr = false;
		es_err_clear(&err);
		es_code rc = es_csv_orders_feed(r, p, len, nl == NULL, &done, &hdr, &err);
		if (rc != ES_OK && (!err.msg[0] || strchr(err.msg, '\n'))) {
			fprintf(stderr, "feed message not one line: '%s'\n", err.msg);
			abort();
		}
		if (es_csv_orders_footprint(r) > MAX_FOOTPRINT) {
			fprintf(stderr, "footprint %zu > %d\n", es_csv_orders_footprint(r), MAX_FOOTPRINT);
			abort();
		}
		if (rc == ES_OK && done && !hdr && es_csv_orders_columns(r)) {
			es_err_clear(&err);
			rc = es_csv_orders_row(r, countries, &o, &err);
			if (rc == ES_OK && (o.n_parties == 0 || !o.parties[0].name || !o.parties[0].name[0]))
				abort();
			if (rc != ES_OK && (!err.msg[0] || strchr(err.msg, '\n'))) {
				fprintf(stderr, "row message not one line: '%s'\n", err.msg);
				abort();
			}
			es_order_release(&o);
		}
		p += len;
	}
	es_csv_orders_free(r);
	es_buf_free(&dec);
	return 0;
}
