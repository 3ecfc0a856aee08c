/* FCDO UK Sanctions List parsers (CSV and XML) on HAND-MADE fixtures (no real
 * FCDO file could be obtained; see tests/data/uk/README.md), broken files and
 * hostile XML. The two fixtures describe the same designations, so both
 * parsers must agree on them. */
#include "test_util.h"

static es_code parse(const char *fmt, const char *path, es_entityset *out, es_parse_stats *st, diags *d,
		     es_err *err)
{
	return parse_file(fmt, ES_SRC_UK_FCDO, path, out, st, d, err);
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
	expect_parse_fail(fmt, ES_SRC_UK_FCDO, file, code, msg);
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
	expect_xml_attacks_refused("uk_xml", ES_SRC_UK_FCDO);
}

static void test_oversize_field(void **state)
{
	(void)state;
	/* one oversize cell drops its whole designation (reported once); the others stay */
	size_t big = ES_MAX_FIELD + 10;
	const char *head = "Report Date: 28-Jan-2026\nUnique ID,Name 6,Name type,Designation Type,Other Information\n"
			   "RUS9001,ONE LLC,Primary Name,Entity,ok\nRUS9002,TWO LLC,Primary Name,Entity,\"";
	const char *tail = "\"\nRUS9002,TWO,Alias,Entity,\nRUS9003,THREE LLC,Primary Name,Entity,\n";
	size_t len;
	char *buf = padded(head, 'x', big, tail, &len);
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
