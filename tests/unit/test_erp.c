/* Unit tests of the ERP input path: the decoder (es_decode), CSV dialects and the
 * record limit of the CSV order reader, column maps (es_colmap) and the product
 * classification catalog (es_products). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "es_colmap.h"
#include "es_country.h"
#include "es_decode.h"
#include "es_order.h"
#include "es_products.h"

static es_countries *countries;
static es_order order;

static int setup(void **state)
{
	es_err err = {0};
	(void)state;
	return es_countries_load(&countries, ES_LISTS_DIR "/countries.tsv", &err) == ES_OK ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	es_order_dispose(&order);
	es_countries_free(countries);
	return 0;
}

/* Decodes all of in (cut into pieces of step bytes) into a NUL-terminated string. */
static char *decode(const char *enc, const char *in, size_t n, size_t step)
{
	es_err err = {0};
	es_decoder *d = NULL;
	es_buf out = {0};
	assert_int_equal(es_decoder_new(&d, enc, &err), ES_OK);
	assert_non_null(d);
	for (size_t i = 0; i < n; i += step) {
		size_t k = n - i < step ? n - i : step;
		assert_int_equal(es_decoder_run(d, in + i, k, false, &out, &err), ES_OK);
	}
	assert_int_equal(es_decoder_run(d, NULL, 0, true, &out, &err), ES_OK);
	es_decoder_free(d);
	es_buf_addc(&out, '\0');
	return es_buf_take(&out);
}

static void test_decode(void **state)
{
	(void)state;
	es_err err = {0};
	es_decoder *d = (es_decoder *)1;
	/* names */
	assert_string_equal(es_decode_name("ISO-8859-1"), "latin1");
	assert_string_equal(es_decode_name("Windows-1252"), "cp1252");
	assert_string_equal(es_decode_name("UTF_16LE"), "utf-16le");
	assert_null(es_decode_name("ebcdic"));
	assert_int_equal(es_decoder_new(&d, "ebcdic", &err), ES_EUSAGE);
	assert_null(d);
	assert_int_equal(es_decoder_new(&d, "utf-8", &err), ES_OK);
	assert_null(d); /* UTF-8 needs no decoder */
	/* BOMs */
	assert_string_equal(es_decode_bom("\xEF\xBB\xBFx", 4), "utf-8");
	assert_string_equal(es_decode_bom("\xFF\xFEx\0", 4), "utf-16le");
	assert_string_equal(es_decode_bom("\xFE\xFF\0x", 4), "utf-16be");
	assert_null(es_decode_bom("\xFF", 1));
	assert_null(es_decode_bom("ab", 2));

	char *s = decode("latin1", "M\xFCller \xC9\x63ole", 12, 1);
	assert_string_equal(s, "M\xC3\xBCller \xC3\x89\x63ole");
	free(s);
	/* cp1252: the euro sign and curly quotes; an undefined byte (0x81) is 0xFF */
	s = decode("cp1252", "\x80 \x93x\x94 \x81", 8, 3);
	assert_string_equal(s, "\xE2\x82\xAC \xE2\x80\x9Cx\xE2\x80\x9D \xFF");
	free(s);
	/* Latin-1 0x80..0x9F are C1 controls: undecodable text */
	s = decode("latin1", "a\x85z", 3, 3);
	assert_string_equal(s, "a\xFFz");
	free(s);
	/* UTF-16LE with BOM, a supplementary character split across calls: whole */
	static const char le[] = "\xFF\xFE" "A\0" "\x3D\xD8\x00\xDE" "\n\0";
	s = decode("utf-16", le, sizeof le - 1, 1);
	assert_string_equal(s, "\xEF\xBB\xBF" "A\xF0\x9F\x98\x80\n");
	free(s);
	/* UTF-16 without a BOM: the byte order from the zero bytes */
	s = decode("utf-16", "\0a\0b", 4, 4);
	assert_string_equal(s, "ab");
	free(s);
	s = decode("utf-16", "a\0b\0", 4, 2);
	assert_string_equal(s, "ab");
	free(s);
	/* a lone surrogate, and an odd byte at the end: each one 0xFF */
	s = decode("utf-16le", "a\0\x00\xDC" "b\0" "c", 7, 7);
	assert_string_equal(s, "a\xFF" "b\xFF");
	free(s);
	s = decode("utf-16le", "a\0\x3D\xD8", 4, 1); /* a high surrogate at the end */
	assert_string_equal(s, "a\xFF");
	free(s);
}

/* Feeds text to r line by line; returns the number of completed records and
 * leaves the last one's feed result in *last. */
static int feed_all(es_csv_orders *r, const char *text, es_code *last, es_err *err)
{
	int rows = 0;
	const char *p = text, *end = text + strlen(text);
	*last = ES_OK;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
		bool done = false, hdr = false;
		es_code rc = es_csv_orders_feed(r, p, len, !nl, &done, &hdr, err);
		if (done) {
			rows++;
			*last = rc;
		}
		p += len;
	}
	return rows;
}

static void test_csv_dialects(void **state)
{
	(void)state;
	es_err err = {0};
	es_code last;
	es_csv_orders *r;
	/* semicolon detected; several items in one field separated by ',' then */
	assert_int_equal(es_csv_orders_new(&r, &err), ES_OK);
	assert_int_equal(feed_all(r, "order_id;end_user_name;end_user_country;eccn;enc\r\n"
				     "A-1;\"Caf\xC3\xA9; Bar\";de;5A992.c,EAR99;mass_market,none\r\n",
				  &last, &err),
			 2);
	assert_int_equal(last, ES_OK);
	assert_int_equal(es_csv_orders_delimiter(r), ';');
	assert_int_equal(es_csv_orders_row(r, countries, &order, &err), ES_OK);
	assert_string_equal(order.parties[0].name, "Caf\xC3\xA9; Bar");
	assert_string_equal(order.parties[0].country, "DE");
	assert_int_equal(order.n_items, 2);
	assert_string_equal(order.items[1].eccn, "EAR99");
	assert_string_equal(order.items[1].enc, "none");
	es_csv_orders_free(r);

	/* tab detected; a comma inside a field is text */
	assert_int_equal(es_csv_orders_new(&r, &err), ES_OK);
	assert_int_equal(feed_all(r, "order_id\tend_user_name\tsku\nA-2\tAcme, Inc.\tEX2300-24T\n", &last, &err), 2);
	assert_int_equal(es_csv_orders_delimiter(r), '\t');
	assert_int_equal(es_csv_orders_row(r, countries, &order, &err), ES_OK);
	assert_string_equal(order.parties[0].name, "Acme, Inc.");
	/* a SKU column alone makes items (for the catalog) */
	assert_true(order.items_given);
	assert_int_equal(order.n_items, 1);
	assert_string_equal(order.items[0].sku, "EX2300-24T");
	assert_null(order.items[0].eccn);
	es_csv_orders_free(r);

	/* a given delimiter is not second-guessed: with '|' the ';' stay in the fields */
	assert_int_equal(es_csv_orders_new(&r, &err), ES_OK);
	es_csv_orders_set_delimiter(r, '|');
	assert_int_equal(feed_all(r, "order_id|end_user_name;x|buyer_name\nA-3|a;b;c|Buyer\n", &last, &err), 2);
	assert_int_equal(es_csv_orders_columns(r), 3);
	assert_int_equal(es_csv_orders_row(r, countries, &order, &err), ES_OK);
	assert_string_equal(order.parties[0].name, "Buyer");
	es_csv_orders_free(r);
}

/* Found by fuzz_order_csv: a message quoting a value that holds a line break
 * (a quoted CSV field spanning lines, a JSON escape) must still be one line. */
static void test_messages_one_line(void **state)
{
	(void)state;
	es_err err = {0};
	es_code last;
	es_csv_orders *r;
	assert_int_equal(es_csv_orders_new(&r, &err), ES_OK);
	assert_int_equal(feed_all(r, "order_id,end_user_name,end_user_country\nA-1,Eifel eG,\"D\nE\"\n", &last, &err), 2);
	assert_int_equal(es_csv_orders_row(r, countries, &order, &err), ES_EFORMAT);
	assert_string_equal(err.msg, "party 0 country 'D E' is not an ISO 3166-1 alpha-2 country code");
	es_csv_orders_free(r);
	assert_int_equal(es_csv_orders_new(&r, &err), ES_OK);
	feed_all(r, "\"end_user\nname\",end_user_name,END_USER_NAME\n", &last, &err);
	assert_int_equal(last, ES_EFORMAT);
	assert_null(strchr(err.msg, '\n'));
	es_csv_orders_free(r);
	const char *j = "{\"parties\":[{\"role\":\"buyer\",\"name\":\"X\",\"country\":\"D\\nE\"}]}";
	assert_int_equal(es_order_parse_json(j, strlen(j), countries, &order, &err), ES_EFORMAT);
	assert_string_equal(err.msg, "party 0 country 'D E' is not an ISO 3166-1 alpha-2 country code");
}

/* Issue 10 item 5: a stray quote must not make the reader hold the rest of the
 * input; the record fails at the limit and the next line is read on its own. */
static void test_csv_record_limit(void **state)
{
	(void)state;
	es_err err = {0};
	es_csv_orders *r;
	bool done, hdr;
	assert_int_equal(es_csv_orders_new(&r, &err), ES_OK);
	es_csv_orders_set_max_record(r, 4096);
	const char *h = "order_id,end_user_name,end_user_country\n";
	assert_int_equal(es_csv_orders_feed(r, h, strlen(h), false, &done, &hdr, &err), ES_OK);
	assert_true(done && hdr);
	const char *stray = "S-1,\"Stray Co,DE\n";
	assert_int_equal(es_csv_orders_feed(r, stray, strlen(stray), false, &done, &hdr, &err), ES_OK);
	assert_false(done);
	const char *row = "R-1,Eifel Molkerei eG,DE\n";
	size_t max_fp = 0, fed = 0;
	es_code rc = ES_OK;
	/* 5 MB of lines after the quote: one failure at the limit, then rows again */
	int failures = 0, rows = 0;
	for (int i = 0; i < 200000; i++) {
		es_err_clear(&err);
		rc = es_csv_orders_feed(r, row, strlen(row), false, &done, &hdr, &err);
		fed += strlen(row);
		if (rc != ES_OK) {
			failures++;
			assert_int_equal(rc, ES_ETOOBIG);
			assert_non_null(strstr(err.msg, "unbalanced quote"));
			assert_true(done);
		} else if (done) {
			rows++;
			assert_false(hdr); /* the header was kept */
			assert_int_equal(es_csv_orders_row(r, countries, &order, &err), ES_OK);
			assert_string_equal(order.order_id, "R-1");
		}
		size_t fp = es_csv_orders_footprint(r);
		max_fp = fp > max_fp ? fp : max_fp;
	}
	assert_int_equal(failures, 1);
	assert_true(rows > 199000);
	assert_true(fed > 4000000);
	/* the buffers stay a small multiple of the limit plus libcsv's first block */
	assert_true(max_fp < 8 * 4096 + 2 * 65536 + 16384);
	/* a single line over the limit fails on its own; the header stays */
	char big[5000];
	memset(big, 'x', sizeof big);
	big[sizeof big - 1] = '\n';
	assert_int_equal(es_csv_orders_feed(r, big, sizeof big, false, &done, &hdr, &err), ES_ETOOBIG);
	assert_true(done);
	assert_int_equal(es_csv_orders_feed(r, row, strlen(row), false, &done, &hdr, &err), ES_OK);
	assert_true(done && !hdr);
	/* issue 10 item 6: after a reset (the filter skipped an over-long line) the
	 * header is still known */
	assert_int_equal(es_csv_orders_feed(r, "R-2,\"half", 9, false, &done, &hdr, &err), ES_OK);
	assert_int_equal(es_csv_orders_reset(r, &err), ES_OK);
	assert_int_equal(es_csv_orders_feed(r, row, strlen(row), false, &done, &hdr, &err), ES_OK);
	assert_true(done && !hdr);
	assert_int_equal(es_csv_orders_columns(r), 3);
	es_csv_orders_free(r);
}

static void test_colmap(void **state)
{
	(void)state;
	es_err err = {0};
	es_colmap *m = NULL;
	const char *text = "\xEF\xBB\xBF# SAP export\n"
			   "End User Name\tend_user_name\n"
			   "  Endkunde Land \t END_USER_COUNTRY\r\n"
			   "\n"
			   "Sold-To\tbuyer_name\n"
			   "Material\tsku\n";
	assert_int_equal(es_colmap_parse(&m, text, strlen(text), "map.tsv", &err), ES_OK);
	assert_int_equal(es_colmap_count(m), 4);
	assert_string_equal(es_colmap_lookup(m, "end user name", 13), "end_user_name");
	assert_string_equal(es_colmap_lookup(m, "Endkunde Land", 13), "end_user_country");
	assert_null(es_colmap_lookup(m, "End User", 8));

	/* a CSV read with the map: ERP headers become contract columns */
	es_csv_orders *r;
	es_code last;
	assert_int_equal(es_csv_orders_new(&r, &err), ES_OK);
	es_csv_orders_set_columns(r, m);
	assert_int_equal(feed_all(r, "Order,Sold-To,End User Name,ENDKUNDE LAND,Material\nA-1,Buyer AG,Eifel eG,de,SRX300\n",
				  &last, &err),
			 2);
	assert_int_equal(last, ES_OK);
	assert_int_equal(es_csv_orders_row(r, countries, &order, &err), ES_OK);
	assert_int_equal(order.n_parties, 2);
	assert_int_equal(order.parties[0].role, ES_ROLE_BUYER);
	assert_string_equal(order.parties[1].name, "Eifel eG");
	assert_string_equal(order.parties[1].country, "DE");
	assert_string_equal(order.items[0].sku, "SRX300");
	assert_null(order.order_id); /* "Order" is not mapped: passed through */
	es_csv_orders_free(r);
	/* a header naming a contract column and a mapped one for the same column */
	assert_int_equal(es_csv_orders_new(&r, &err), ES_OK);
	es_csv_orders_set_columns(r, m);
	feed_all(r, "end_user_name,End User Name\n", &last, &err);
	assert_int_equal(last, ES_EFORMAT);
	assert_non_null(strstr(err.msg, "twice"));
	es_csv_orders_free(r);
	es_colmap_free(m);

	/* errors name file and line */
	static const struct {
		const char *text, *msg;
	} bad[] = {
		{"a\tend_user_name\nb\tend_user_nam\n", "map.tsv:2: 'end_user_nam' is not a column"},
		{"a\tend_user_name\nA\tbuyer_name\n", "map.tsv:2: header 'A' is mapped twice (first at line 1)"},
		{"# x\nno tab here\n", "map.tsv:2: want 'ERP header<TAB>contract column', got 1 column"},
		{"a\tb\tc\n", "map.tsv:1: want"},
		{"\t end_user_name\n", "map.tsv:1: an empty header"},
		{"# only comments\n", "map.tsv: no mappings"},
		{"a\tend_user_name\n\xFF\tsku\n", "map.tsv:2: invalid UTF-8"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		es_err_clear(&err);
		assert_int_not_equal(es_colmap_parse(&m, bad[i].text, strlen(bad[i].text), "map.tsv", &err), ES_OK);
		assert_null(m);
		if (strncmp(err.msg, bad[i].msg, strlen(bad[i].msg)) != 0)
			fail_msg("map %zu: got '%s', want '%s...'", i, err.msg, bad[i].msg);
	}
	assert_int_not_equal(es_colmap_parse(&m, "a\tsku\n\0b\tsku\n", 13, "map.tsv", &err), ES_OK);
	assert_string_equal(err.msg, "map.tsv:2: a NUL byte");
	assert_int_equal(es_colmap_load(&m, ES_TEST_DATA "/no/such/map.tsv", &err), ES_EIO);
}

static es_products *catalog(const char *text)
{
	es_err err = {0};
	es_products *c = NULL;
	if (es_products_parse(&c, text, strlen(text), "catalog.csv", &err) != ES_OK)
		fail_msg("catalog: %s", err.msg);
	return c;
}

static void test_products(void **state)
{
	(void)state;
	es_err err = {0};
	es_products *c = catalog("# example\n"
				 "Note,SKU,ECCN,Enc,ccats\n"
				 "routers,MX*,5A002.a,b2,\n"
				 "the one box,mx204-hw-base,5A002.a.1,B1,G123456\n"
				 "optics,*-SFP-*,EAR99,none,\n"
				 "longer,QFX*-SFP-*,5A991,,\n"
				 ",QFX*,5A992.c,mass_market,\n");
	assert_int_equal(es_products_count(c), 5);
	const es_product *e = es_products_lookup(c, " MX204-HW-BASE ");
	assert_non_null(e);
	assert_string_equal(e->eccn, "5A002.a.1"); /* exact beats the pattern */
	assert_string_equal(e->enc, "b1");
	assert_string_equal(e->ccats, "G123456");
	assert_string_equal(es_products_lookup(c, "mx480-base")->eccn, "5A002.a");
	/* the pattern with the most literal characters wins, whatever the line order */
	assert_string_equal(es_products_lookup(c, "QFX5100-SFP-10G")->eccn, "5A991");
	assert_string_equal(es_products_lookup(c, "EX-SFP-1GE")->eccn, "EAR99");
	assert_string_equal(es_products_lookup(c, "QFX5120")->eccn, "5A992.c");
	assert_null(es_products_lookup(c, "SRX300"));
	assert_null(es_products_lookup(c, ""));

	assert_true(es_products_eccn_agrees("5A002", "5A002.a.1"));
	assert_true(es_products_eccn_agrees("5a002.A", "5A002.a"));
	assert_true(es_products_eccn_agrees("EAR 99", "EAR99"));
	assert_false(es_products_eccn_agrees("5A002.a", "5A002.b"));
	assert_false(es_products_eccn_agrees("5A99", "5A992.c"));
	assert_false(es_products_eccn_agrees("5A992.c", "5A002.a"));

	/* classification of an order's items */
	es_order o = {0};
	o.n_items = 6;
	o.items[0] = (es_item){.sku = "MX480"};                                   /* SKU only */
	o.items[1] = (es_item){.sku = "MX480", .eccn = "5A992.c", .enc = "mass_market"}; /* contradicts */
	o.items[2] = (es_item){.sku = "NO-SUCH-PART"};                            /* absent */
	o.items[3] = (es_item){.sku = "mx204-hw-base", .eccn = "5A002", .enc = "b1"}; /* agrees */
	o.items[4] = (es_item){.eccn = "EAR99"};                                  /* no SKU */
	o.items[5] = (es_item){.sku = "MX480", .eccn = "5A002.a"};                /* ENC left out */
	es_products_classify(c, &o);
	assert_int_equal(o.items[0].source, ES_ITEM_FROM_CATALOG);
	assert_string_equal(o.items[0].eccn, "5A002.a");
	assert_string_equal(o.items[0].enc, "b2");
	assert_int_equal(o.items[1].source, ES_ITEM_MISMATCH);
	assert_string_equal(o.items[1].eccn, "5A002.a");
	assert_string_equal(o.items[1].given_eccn, "5A992.c");
	assert_string_equal(o.items[1].given_enc, "mass_market");
	assert_int_equal(o.items[2].source, ES_ITEM_NOT_IN_CATALOG);
	assert_null(o.items[2].eccn);
	assert_int_equal(o.items[3].source, ES_ITEM_AS_GIVEN);
	assert_string_equal(o.items[3].eccn, "5A002.a.1");
	assert_int_equal(o.items[4].source, ES_ITEM_AS_GIVEN);
	assert_string_equal(o.items[4].eccn, "EAR99");
	assert_int_equal(o.items[5].source, ES_ITEM_FROM_CATALOG);
	assert_string_equal(o.items[5].enc, "b2");
	es_products_free(c);

	/* the bundled example parses */
	assert_int_equal(es_products_load(&c, ES_LISTS_DIR "/catalog/juniper-example.csv", &err), ES_OK);
	assert_true(es_products_count(c) >= 10);
	assert_string_equal(es_products_lookup(c, "SRX300-SYS-JB")->eccn, "5A002.a");
	es_products_free(c);

	static const struct {
		const char *text, *msg;
	} bad[] = {
		{"part_number,enc\nA,b1\n", "catalog.csv:1: the header needs part_number and eccn columns"},
		{"part_number,eccn,enc\nA,5A002,b4\n", "catalog.csv:2: enc 'b4' is not b1, b2, b3, mass_market or none"},
		{"part_number,eccn\nA,5A002\n#\na,5A992\n", "catalog.csv:4: part number 'A' is listed twice (first at line 2)"},
		{"part_number,eccn\nA*,5A002\nB,EAR99\na*,5A992\n", "catalog.csv:4: part number 'A*' is listed twice"},
		{"part_number,eccn\nA,\n", "catalog.csv:2: part number 'A' has no ECCN"},
		{"part_number,eccn\n,5A002\n", "catalog.csv:2: no part number"},
		{"part_number,eccn\nA,5A002 a\n", "catalog.csv:2: ECCN '5A002 a' is not an ECCN"},
		{"part_number,eccn\nA,\"5A002\n", "catalog.csv:2: malformed CSV"},
		{"part_number,eccn\nA,5A002\n\xFF,1\n", "catalog.csv:3: invalid UTF-8"},
		{"# nothing\n", "catalog.csv: empty"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		es_err_clear(&err);
		c = NULL;
		assert_int_not_equal(es_products_parse(&c, bad[i].text, strlen(bad[i].text), "catalog.csv", &err), ES_OK);
		assert_null(c);
		if (strncmp(err.msg, bad[i].msg, strlen(bad[i].msg)) != 0)
			fail_msg("catalog %zu: got '%s', want '%s...'", i, err.msg, bad[i].msg);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_csv_dialects),
		cmocka_unit_test(test_csv_record_limit),
		cmocka_unit_test(test_messages_one_line),
		cmocka_unit_test(test_colmap),
		cmocka_unit_test(test_products),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
