/* FCDO UK Sanctions List parsers (CSV and XML) on HAND-MADE fixtures (no real
 * FCDO file could be obtained; see tests/data/uk/README.md), broken files and
 * hostile XML. The two fixtures describe the same designations, so both
 * parsers must agree on them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "es_country.h"
#include "es_parser.h"

static es_countries *countries;

typedef struct {
	char msgs[8][ES_ERR_MSG_MAX];
	int n;
} diags;

static void on_diag(void *ctx, const char *msg)
{
	diags *d = ctx;
	if (d->n < 8)
		snprintf(d->msgs[d->n], sizeof d->msgs[0], "%s", msg);
	d->n++;
}

static es_code parse(const char *fmt, const char *path, es_entityset *out, es_parse_stats *st, diags *d,
		     es_err *err)
{
	es_parse_input in = {.source = ES_SRC_UK_FCDO, .path = path, .countries = countries,
			     .lists_dir = ES_LISTS_DIR, .on_diag = on_diag, .diag_ctx = d};
	es_entityset_init(out);
	return es_parse_into(es_parser_find(fmt), in, out, st, err);
}

static const es_entity *find(const es_entityset *s, const char *id)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->items[i]->entry_id, id) == 0)
			return s->items[i];
	return NULL;
}

static const es_name *name_of(const es_entity *e, const char *name)
{
	for (size_t i = 0; i < e->n_names; i++)
		if (strcmp(e->names[i].name, name) == 0)
			return &e->names[i];
	return NULL;
}

static bool has_country(const es_entity *e, const char *cc, es_country_role role)
{
	for (size_t i = 0; i < e->n_countries; i++)
		if (strcmp(e->countries[i].cc, cc) == 0 && e->countries[i].role == role)
			return true;
	return false;
}

static int setup(void **state)
{
	(void)state;
	es_err err = {0};
	return es_countries_load(&countries, ES_LISTS_DIR "/countries.tsv", &err) == ES_OK ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	es_countries_free(countries);
	return 0;
}

/* What both fixtures say about the designations they share. */
static void check_common(const es_entityset *s)
{
	const es_entity *e = find(s, "RUS0001");
	assert_non_null(e);
	assert_int_equal(e->source, ES_SRC_UK_FCDO);
	assert_string_equal(e->list, "UK");
	assert_int_equal(e->type, ES_TYPE_PERSON);
	assert_string_equal(e->name, "IVANOV, Ivan Sergeyevich"); /* Name6, Name1 Name2 */
	assert_int_equal(e->names[0].kind, ES_NAME_PRIMARY);
	const es_name *n = name_of(e, "IVANOFF, Ivan");
	assert_non_null(n);
	assert_int_equal(n->kind, ES_NAME_AKA);
	assert_int_equal(n->strength, ES_WEAK); /* "Low quality" */
	n = name_of(e, "IVANOV, Vanya");
	assert_non_null(n);
	assert_int_equal(n->strength, ES_STRONG);
	n = name_of(e, "Иванов Иван Сергеевич");
	assert_non_null(n);
	assert_int_equal(n->kind, ES_NAME_ORIGINAL);
	assert_string_equal(n->script, "Cyrillic");
	assert_int_equal(e->n_names, 4);
	assert_int_equal(e->n_programs, 1);
	assert_string_equal(e->programs[0], "Russia");
	assert_int_equal(e->n_dobs, 1);
	assert_string_equal(e->dobs[0].text, "00/05/1962");
	assert_int_equal(e->dobs[0].year, 1962);
	assert_int_equal(e->dobs[0].month, 5);
	assert_int_equal(e->dobs[0].day, 0); /* 00 = unknown */
	assert_true(has_country(e, "RU", ES_CTRY_NATIONALITY));
	assert_true(has_country(e, "UA", ES_CTRY_NATIONALITY));
	assert_true(has_country(e, "RU", ES_CTRY_BIRTH));
	assert_string_equal(e->pobs[0], "Moscow, Russia");
	assert_int_equal(e->n_addresses, 1);
	assert_string_equal(e->addresses[0].street, "Ulitsa Tverskaya 1, Apartment 5");
	assert_string_equal(e->addresses[0].postal_code, "125009");
	assert_string_equal(e->addresses[0].country, "RU");
	assert_int_equal(e->n_ids, 1);
	assert_string_equal(e->ids[0].type, "Passport");
	assert_string_equal(e->ids[0].number, "7512345678");
	assert_string_equal(e->title, "Member of the State Duma");
	assert_string_equal(e->start_date, "2022-03-15");

	e = find(s, "RUS1500");
	assert_non_null(e);
	assert_int_equal(e->type, ES_TYPE_ENTITY);
	assert_string_equal(e->name, "EXAMPLE SHIPPING LLC"); /* whole name, even when an alias comes first */
	assert_int_equal(e->names[0].kind, ES_NAME_PRIMARY);
	assert_non_null(name_of(e, "EXAMPLE SHIPPING"));
	assert_string_equal(name_of(e, "ООО «Пример Шиппинг»")->script, "Cyrillic");
	assert_string_equal(e->addresses[0].country, "RU");
	assert_string_equal(e->start_date, "2023-02-24");

	e = find(s, "RUS2001");
	assert_non_null(e);
	assert_int_equal(e->type, ES_TYPE_VESSEL);
	assert_string_equal(e->name, "SEA EXAMPLE");
	assert_string_equal(e->ids[0].type, "IMO");
	assert_string_equal(e->ids[0].number, "9123456");
}

static void test_csv(void **state)
{
	(void)state;
	es_entityset s;
	es_parse_stats st;
	diags d = {0};
	es_err err = {0};
	assert_int_equal(parse("uk_csv", ES_TEST_DATA "/uk/handmade.csv", &s, &st, &d, &err), ES_OK);
	assert_string_equal(st.data_date, "2026-01-28"); /* "Report Date: 28-Jan-2026" after a BOM */
	assert_int_equal(s.n, 4);
	assert_int_equal(st.entries, 4);
	assert_int_equal(st.bad, 2);
	assert_string_equal(d.msgs[0], "handmade.csv:11: row has no Unique ID");
	assert_string_equal(d.msgs[1], "handmade.csv:13: entry XXX0001 has no name");
	check_common(&s);
	/* first-seen order, rows of one designation need not be adjacent */
	assert_string_equal(s.items[0]->entry_id, "RUS0001");
	assert_string_equal(s.items[1]->entry_id, "GHR0086");
	const es_entity *e = find(&s, "GHR0086");
	assert_string_equal(e->name, "MITHOO, Mian Abdul Haq");
	assert_non_null(name_of(e, "HAQ, Mian Abdul"));
	assert_string_equal(e->addresses[0].country, "PK");
	assert_true(has_country(e, "PK", ES_CTRY_NATIONALITY));
	assert_int_equal(e->dobs[0].day, 9);
	assert_int_equal(e->dobs[0].month, 12);
	e = find(&s, "RUS2001");
	assert_string_equal(e->vessel_flag, "Cameroon");
	assert_string_equal(e->vessel_type, "Crude Oil Tanker");
	es_entityset_clear(&s);
}

static void test_xml(void **state)
{
	(void)state;
	es_entityset s;
	es_parse_stats st;
	diags d = {0};
	es_err err = {0};
	assert_int_equal(parse("uk_xml", ES_TEST_DATA "/uk/handmade.xml", &s, &st, &d, &err), ES_OK);
	assert_int_equal(s.n, 3);
	assert_int_equal(st.bad, 2);
	assert_string_equal(d.msgs[0], "handmade.xml:58: Designation has no UniqueID");
	assert_string_equal(d.msgs[1], "handmade.xml:62: Designation XXX0001: no Names/Name with a name");
	check_common(&s);
	es_entityset_clear(&s);
}

static void expect_fail(const char *fmt, const char *file, es_code code, const char *msg)
{
	es_entityset s;
	es_parse_stats st;
	diags d = {0};
	es_err err = {0};
	assert_int_equal(parse(fmt, file, &s, &st, &d, &err), code);
	assert_true(err.msg[0] != '\0');
	if (msg && !strstr(err.msg, msg))
		fail_msg("'%s' does not contain '%s'", err.msg, msg);
	assert_null(strchr(err.msg, '\n'));
	es_entityset_clear(&s);
}

static void test_bad_csv(void **state)
{
	(void)state;
	expect_fail("uk_csv", ES_TEST_DATA "/uk/no_report_date.csv", ES_EFORMAT,
		    "no_report_date.csv:1: expected 'Report Date: DD-Mon-YYYY' (not a UK Sanctions List CSV?)");
	expect_fail("uk_csv", ES_TEST_DATA "/uk/cp1252.csv", ES_EENCODING,
		    "cp1252.csv:3: invalid UTF-8 byte 0x92 (not UTF-8; Windows-1252?)");
	expect_fail("uk_csv", ES_TEST_DATA "/uk/missing_column.csv", ES_EFORMAT,
		    "missing_column.csv:2: header has no 'Unique ID' column (not a UK Sanctions List CSV?)");
	expect_fail("uk_csv", ES_TEST_DATA "/uk/truncated.csv", ES_EFORMAT,
		    "truncated.csv:4: file ends inside a quoted field (truncated download?)");
	expect_fail("uk_csv", ES_TEST_DATA "/csl/html.csv", ES_EFORMAT,
		    "html.csv:1: looks like an HTML/XML page, not a CSV list");
	expect_fail("uk_csv", ES_TEST_DATA "/uk/does-not-exist.csv", ES_EIO, NULL);
}

static void test_bad_xml(void **state)
{
	(void)state;
	expect_fail("uk_xml", ES_TEST_DATA "/uk/truncated.xml", ES_EFORMAT,
		    "truncated.xml:39: Designation: malformed or truncated record");
	expect_fail("uk_xml", ES_TEST_DATA "/un/html.xml", ES_EFORMAT, "DOCTYPE declarations are not allowed");
	expect_fail("uk_xml", ES_TEST_DATA "/un/html-nodoctype.xml", ES_EFORMAT,
		    "html-nodoctype.xml:1: root element is <html>, not <Designations>");
	expect_fail("uk_xml", ES_TEST_DATA "/un/cp1252.xml", ES_EENCODING, "cp1252.xml:3: invalid UTF-8 byte 0x92");
	expect_fail("uk_xml", ES_TEST_DATA "/uk/handmade.csv", ES_EFORMAT, "handmade.csv:1:");
	expect_fail("uk_xml", ES_TEST_DATA "/xml-attacks/billion_laughs.xml", ES_EFORMAT, "billion_laughs.xml");
	expect_fail("uk_xml", ES_TEST_DATA "/xml-attacks/xxe_file.xml", ES_EFORMAT,
		    "DOCTYPE declarations are not allowed");
	expect_fail("uk_xml", ES_TEST_DATA "/xml-attacks/xxe_network.xml", ES_EFORMAT,
		    "DOCTYPE declarations are not allowed");
	expect_fail("uk_xml", ES_TEST_DATA "/xml-attacks/xxe_parameter.xml", ES_EFORMAT,
		    "DOCTYPE declarations are not allowed");
}

static es_code collect(void *ctx, es_entity *e, es_err *err)
{
	return es_entityset_add(ctx, e, err);
}

static void test_oversize_field(void **state)
{
	(void)state;
	/* one oversize cell drops its whole designation (reported once); the others stay */
	size_t big = ES_MAX_FIELD + 10;
	const char *head = "Report Date: 28-Jan-2026\nUnique ID,Name 6,Name type,Designation Type,Other Information\n"
			   "RUS9001,ONE LLC,Primary Name,Entity,ok\nRUS9002,TWO LLC,Primary Name,Entity,\"";
	const char *tail = "\"\nRUS9002,TWO,Alias,Entity,\nRUS9003,THREE LLC,Primary Name,Entity,\n";
	size_t len = strlen(head) + big + strlen(tail);
	char *buf = malloc(len + 1);
	assert_non_null(buf);
	strcpy(buf, head);
	memset(buf + strlen(head), 'x', big);
	strcpy(buf + strlen(head) + big, tail);
	es_entityset s;
	es_entityset_init(&s);
	diags d = {0};
	es_parse_input in = {.source = ES_SRC_UK_FCDO, .path = "big.csv", .countries = countries,
			     .on_entity = collect, .ctx = &s, .on_diag = on_diag, .diag_ctx = &d};
	es_parse_stats st;
	es_err err = {0};
	assert_int_equal(es_parse_uk_csv_buf(&in, buf, len, &st, &err), ES_OK);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.items[0]->entry_id, "RUS9001");
	assert_string_equal(s.items[1]->entry_id, "RUS9003");
	assert_int_equal(st.bad, 1);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.msgs[0], "big.csv:4: entry RUS9002: field 5 is over the size limit");
	free(buf);
	es_entityset_clear(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_xml),
		cmocka_unit_test(test_bad_csv),
		cmocka_unit_test(test_bad_xml),
		cmocka_unit_test(test_oversize_field),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
