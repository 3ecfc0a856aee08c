/* Unit tests of es_order: the JSON Lines and CSV order readers and their validation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "es_country.h"
#include "es_order.h"

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

static es_code parse(const char *s, es_err *err)
{
	es_err_clear(err);
	return es_order_parse_json(s, strlen(s), countries, &order, err);
}

static void test_valid_order(void **state)
{
	(void)state;
	es_err err;
	const char *s = "{\"order_id\":\"A-1\",\"destination\":\"de\",\"ship_date\":\"2026-06-01\",\"extra\":[1,2],"
			"\"parties\":[{\"role\":\"buyer\",\"name\":\"Alpen Netz GmbH\",\"country\":\"DE\",\"type\":\"Commercial\"},"
			"{\"role\":\"end_user\",\"name\":\"X\",\"country\":null,\"type\":\"weird\"},"
			"{\"role\":\"other\",\"name\":\"Owner AG\",\"relationship\":\"owner\",\"ownership_percent\":null}],"
			"\"items\":[{\"sku\":\"S\",\"eccn\":\"5A002.a\",\"enc\":\"b2\",\"quantity\":12345678901234567890123}]}";
	assert_int_equal(parse(s, &err), ES_OK);
	assert_string_equal(order.order_id, "A-1");
	assert_string_equal(order.destination, "DE"); /* canonical code */
	assert_string_equal(order.ship_date, "2026-06-01");
	assert_int_equal(order.n_parties, 3);
	assert_int_equal(order.parties[0].role, ES_ROLE_BUYER);
	assert_int_equal(order.parties[0].eu_type, ES_EU_COMMERCIAL);
	assert_null(order.parties[1].country);
	assert_int_equal(order.parties[1].eu_type, ES_EU_OTHER);
	assert_true(order.parties[2].has_ownership);
	assert_false(order.parties[2].ownership_known);
	assert_int_equal(order.n_items, 1);
	assert_string_equal(order.items[0].eccn, "5A002.a");
	assert_true(order.items_given);
	es_order_release(&order);
	assert_null(order.json_root);
}

/* Each malformed order is rejected with a message naming what is wrong. */
static void test_rejects(void **state)
{
	(void)state;
	static const struct {
		const char *in, *msg;
	} cases[] = {
		{"{\"parties\": [}", "invalid JSON"},
		{"[{\"parties\":[]}]", "not a JSON object"},
		{"\"x\"", "not a JSON object"},
		{"{}", "no 'parties'"},
		{"{\"parties\":{}}", "not an array"},
		{"{\"parties\":[]}", "empty"},
		{"{\"parties\":[{\"role\":\"buyer\"}]}", "has no name"},
		{"{\"parties\":[{\"role\":\"buyer\",\"name\":\"\"}]}", "empty name"},
		{"{\"parties\":[{\"role\":\"buyer\",\"name\":12}]}", "not a string"},
		{"{\"parties\":[{\"role\":\"buyer\",\"name\":\"A\\u0000\"}]}", "NUL"},
		{"{\"parties\":[{\"role\":\"seller\",\"name\":\"A\"}]}", "unknown role"},
		{"{\"parties\":[{\"name\":\"A\"}]}", "no role"},
		{"{\"parties\":[{\"role\":\"buyer\",\"name\":\"A\",\"country\":\"DEU\"}]}", "ISO 3166-1"},
		{"{\"destination\":\"GER\",\"parties\":[{\"role\":\"buyer\",\"name\":\"A\"}]}", "ISO 3166-1"},
		{"{\"destination\":\"DE\",\"destination\":\"IR\",\"parties\":[{\"role\":\"buyer\",\"name\":\"A\"}]}",
		 "duplicate"},
		{"{\"parties\":[{\"role\":\"buyer\",\"name\":\"A\"}],\"items\":{}}", "'items' is not an array"},
		{"{\"parties\":[{\"role\":\"buyer\",\"name\":\"A\"}],\"items\":[3]}", "item 0 is not an object"},
		{"{\"parties\":[{\"role\":\"buyer\",\"name\":\"A\"}],\"screening\":{}}", "screening"},
		{"{\"parties\":[{\"role\":\"buyer\",\"name\":\"A\",\"ownership_percent\":\"50\"}]}", "not a number"},
		{"{\"a\":1} {\"b\":2}", "invalid JSON"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		es_err err;
		es_code rc = parse(cases[i].in, &err);
		if (rc == ES_OK || !strstr(err.msg, cases[i].msg))
			fail_msg("case %zu (%s): rc %d msg '%s', want '%s'", i, cases[i].in, rc, err.msg, cases[i].msg);
		assert_null(strchr(err.msg, '\n'));
	}
}

static void test_limits(void **state)
{
	(void)state;
	es_err err;
	/* a 1001-character name (multi-byte characters count once) */
	size_t n = 1001;
	char *s = malloc(n * 2 + 100);
	strcpy(s, "{\"parties\":[{\"role\":\"buyer\",\"name\":\"");
	size_t o = strlen(s);
	for (size_t i = 0; i < n; i++) {
		s[o++] = '\xc3';
		s[o++] = '\xa9';
	}
	strcpy(s + o, "\"}]}");
	assert_int_equal(parse(s, &err), ES_ETOOBIG);
	/* 1000 characters (2000 bytes) is fine */
	memmove(s + o - 2, s + o, strlen(s + o) + 1);
	assert_int_equal(parse(s, &err), ES_OK);
	free(s);
	/* too many parties */
	char *t = malloc(ES_ORDER_MAX_PARTIES * 40 + 100);
	strcpy(t, "{\"parties\":[");
	for (int i = 0; i <= ES_ORDER_MAX_PARTIES; i++)
		strcat(t, i ? ",{\"role\":\"buyer\",\"name\":\"A\"}" : "{\"role\":\"buyer\",\"name\":\"A\"}");
	strcat(t, "]}");
	assert_int_equal(parse(t, &err), ES_ETOOBIG);
	free(t);
	/* deep nesting is an error, not a stack overflow */
	size_t d = 100000;
	char *u = malloc(2 * d + 1);
	memset(u, '[', d);
	memset(u + d, ']', d);
	u[2 * d] = '\0';
	assert_int_equal(parse(u, &err), ES_EFORMAT);
	free(u);
	/* invalid UTF-8 */
	assert_int_equal(parse("{\"parties\":[{\"role\":\"buyer\",\"name\":\"M\xfcller\"}]}", &err), ES_EENCODING);
}

/* What the JSON reader (jansson) must reject or accept, at the edges the filter relies on. */
static void test_json_edges(void **state)
{
	(void)state;
	static const struct {
		const char *in, *msg; /* msg NULL: accepted */
	} cases[] = {
		{"{\"parties\":[{\"role\":\"buyer\",\"name\":\"A\\udc00\"}]}", "invalid JSON"},       /* lone low */
		{"{\"parties\":[{\"role\":\"buyer\",\"name\":\"A\\ud800\"}]}", "invalid JSON"},       /* lone high */
		{"{\"parties\":[{\"role\":\"buyer\",\"name\":\"A\\ud800\\u0041\"}]}", "invalid JSON"}, /* high, no low */
		{"{\"parties\":[{\"role\":\"buyer\",\"name\":\"A\\ud83d\\ude00\"}]}", NULL},          /* a pair */
		{"{\"parties\":[{\"role\":\"buyer\",\"name\":\"A\tB\"}]}", "invalid JSON"},           /* raw TAB */
		{"{\"parties\":[{\"role\":\"buyer\",\"name\":\"A\"},]}", "invalid JSON"},
		{"{\"parties\":[{\"role\":\"buyer\",\"name\":\"A\"}],\"x\":01}", "invalid JSON"},
		{"{\"parties\":[{\"role\":\"buyer\",\"name\":\"A\"}],\"x\":-}", "invalid JSON"},
		{"{\"parties\":[{\"role\":\"buyer\",\"name\":\"A\"}],\"x\":1e-400,\"y\":-0.5E+3}", NULL},
		{"{\"parties\":[{\"role\":\"buyer\",\"name\":\"A\"}],\"x\":1e400}", "invalid JSON"}, /* beyond double */
		{"{\"parties\":[{\"role\":\"buyer\",\"name\":\"A\"}],\"x\":tru}", "invalid JSON"},
		{"{\"parties\":[{\"role\":\"buyer\",\"name\":\"A\"}]}  \t", NULL},
		{"{\"parties\":[{\"role\":\"buyer\",\"name\":\"A\"}]}x", "invalid JSON"},
		{"42", "not a JSON object (got a scalar)"},
		{"null", "not a JSON object (got a scalar)"},
		{"", "invalid JSON"},
		/* duplicate names compare decoded: "destination" spelled with an escape */
		{"{\"destination\":\"DE\",\"destin\\u0061tion\":\"IR\",\"parties\":[{\"role\":\"buyer\",\"name\":\"A\"}]}",
		 "duplicate"},
		{"{\"parties\":[{\"role\":\"buyer\",\"name\":\"A\",\"x\":{\"k\":1,\"k\":2}}]}", "duplicate"},
		{"{\"parties\":[{\"role\":\"buyer\",\"name\":\"A\\u00e9\\n\",\"ownership_percent\":5e1}]}", NULL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		es_err err;
		es_code rc = parse(cases[i].in, &err);
		if (cases[i].msg ? rc == ES_OK || !strstr(err.msg, cases[i].msg) : rc != ES_OK)
			fail_msg("case %zu (%s): rc %d msg '%s', want '%s'", i, cases[i].in, rc, err.msg,
				 cases[i].msg ? cases[i].msg : "accepted");
		assert_null(strchr(err.msg, '\n'));
	}
	es_err err;
	assert_int_equal(parse("{\"parties\":[{\"role\":\"buyer\",\"name\":\"A\\u00e9\\n\",\"ownership_percent\":5e1}]}",
			       &err), ES_OK);
	assert_string_equal(order.parties[0].name, "A\xc3\xa9\n");
	assert_true(order.parties[0].ownership_known);
	assert_true(order.parties[0].ownership_percent == 50.0);

	/* a raw NUL byte, inside a string or outside, wherever it is */
	static const char nul_in[] = "{\"parties\":[{\"role\":\"buyer\",\"name\":\"A\0B\"}]}";
	static const char nul_after[] = "{\"parties\":[{\"role\":\"buyer\",\"name\":\"A\"}]}\0";
	es_err_clear(&err);
	assert_int_equal(es_order_parse_json(nul_in, sizeof nul_in - 1, countries, &order, &err), ES_EFORMAT);
	assert_non_null(strstr(err.msg, "invalid JSON at column 38: a NUL byte"));
	es_err_clear(&err);
	assert_int_equal(es_order_parse_json(nul_after, sizeof nul_after - 1, countries, &order, &err), ES_EFORMAT);
	assert_non_null(strstr(err.msg, "NUL"));

	/* nesting: 2048 levels are JSON (this order then lacks parties), 2049 are not */
	for (size_t depth = 2048; depth <= 2049; depth++) {
		size_t nb = depth - 1; /* the object is one level */
		char *u = malloc(2 * nb + 16);
		size_t k = 0;
		memcpy(u, "{\"x\":", 5);
		k = 5;
		memset(u + k, '[', nb);
		k += nb;
		memset(u + k, ']', nb);
		k += nb;
		memcpy(u + k, "}", 2);
		es_code rc = parse(u, &err);
		assert_int_not_equal(rc, ES_OK);
		if (depth == 2048)
			assert_non_null(strstr(err.msg, "no 'parties'"));
		else
			assert_non_null(strstr(err.msg, "invalid JSON"));
		free(u);
	}
}

static void feed(es_csv_orders *r, const char *line, bool eof, bool *done, bool *hdr, es_code want)
{
	es_err err = {0};
	es_code rc = es_csv_orders_feed(r, line, strlen(line), eof, done, hdr, &err);
	if (rc != want)
		fail_msg("feed '%s': rc %d (%s), want %d", line, rc, err.msg, want);
}

static void test_csv(void **state)
{
	(void)state;
	es_csv_orders *r;
	es_err err = {0};
	bool done, hdr;
	assert_int_equal(es_csv_orders_new(&r, &err), ES_OK);
	feed(r, "order_id,destination,buyer_name,buyer_country,end_user_name,end_user_type,eccn,enc,note\n", false,
	     &done, &hdr, ES_OK);
	assert_true(done && hdr);
	assert_int_equal(es_csv_orders_columns(r), 9);
	feed(r, "C1,DE,A GmbH,DE,\"B, \"\"quoted\"\"\",military,5A992.c; EAR99,mass_market;none,\"two\n", false, &done,
	     &hdr, ES_OK);
	assert_false(done); /* quoted newline: the record goes on */
	feed(r, "lines\"\n", false, &done, &hdr, ES_OK);
	assert_true(done);
	assert_false(hdr);
	assert_int_equal(es_csv_orders_row(r, countries, &order, &err), ES_OK);
	assert_int_equal(order.n_parties, 2);
	assert_string_equal(order.parties[1].name, "B, \"quoted\"");
	assert_int_equal(order.parties[1].eu_type, ES_EU_MILITARY);
	assert_int_equal(order.n_items, 2);
	assert_string_equal(order.items[1].eccn, "EAR99");
	assert_string_equal(order.items[1].enc, "none");
	/* wrong field count, bad country, party without name, last line without newline */
	feed(r, "C2,DE,A\n", false, &done, &hdr, ES_OK);
	assert_int_not_equal(es_csv_orders_row(r, countries, &order, &err), ES_OK);
	assert_non_null(strstr(err.msg, "fields"));
	feed(r, "C3,XX,A,DE,B,,EAR99,none,\n", false, &done, &hdr, ES_OK);
	assert_int_not_equal(es_csv_orders_row(r, countries, &order, &err), ES_OK);
	feed(r, "C4,DE,,DE,B,,EAR99,none,", true, &done, &hdr, ES_OK);
	assert_true(done);
	assert_int_not_equal(es_csv_orders_row(r, countries, &order, &err), ES_OK);
	assert_non_null(strstr(err.msg, "no name"));
	es_csv_orders_free(r);

	/* a header without any <role>_name column is refused */
	assert_int_equal(es_csv_orders_new(&r, &err), ES_OK);
	feed(r, "a,b,c\n", false, &done, &hdr, ES_EFORMAT);
	es_csv_orders_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_order),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_json_edges),
		cmocka_unit_test(test_csv),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
