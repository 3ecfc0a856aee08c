/* EU FSF XML parser: the real 2016 legacy excerpt (WHOLE/ENTITY), a
 * hand-made v1.1 file (no real v1.1 file could be obtained), broken files
 * and hostile XML. */
#include "test_util.h"

static es_code parse(const char *path, es_entityset *out, es_parse_stats *st, diags *d, es_err *err)
{
	return parse_file("eu_xml", ES_SRC_EU_FSF, path, out, st, d, err);
}

static size_t count_program(const es_entityset *s, const char *p)
{
	size_t n = 0;
	for (size_t i = 0; i < s->n; i++)
		for (size_t k = 0; k < s->items[i]->n_programs; k++)
			n += strcmp(s->items[i]->programs[k], p) == 0;
	return n;
}

static void test_legacy_excerpt(void **state)
{
	(void)state;
	es_entityset s;
	es_parse_stats st;
	diags d = {0};
	es_err err = {0};
	assert_int_equal(parse(ES_TEST_DATA "/eu/legacy-2016-02-11-excerpt.xml.gz", &s, &st, &d, &err), ES_OK);
	assert_int_equal(s.n, 595);
	assert_int_equal(st.bad, 0);
	assert_string_equal(st.data_date, "2016-02-11");
	size_t p = 0, e_ = 0;
	for (size_t i = 0; i < s.n; i++) {
		p += s.items[i]->type == ES_TYPE_PERSON;
		e_ += s.items[i]->type == ES_TYPE_ENTITY;
		assert_string_equal(s.items[i]->list, "EU");
	}
	assert_int_equal(p, 319);
	assert_int_equal(e_, 276);
	assert_int_equal(count_program(&s, "IRQ"), 292);
	assert_int_equal(count_program(&s, "TAQA"), 155);
	assert_int_equal(count_program(&s, "AFG"), 108);
	assert_int_equal(count_program(&s, "TERR"), 22);
	assert_int_equal(count_program(&s, "COD"), 16);
	assert_int_equal(count_program(&s, "ZWE"), 2);

	const es_entity *e = find(&s, "13");
	assert_non_null(e);
	assert_int_equal(e->type, ES_TYPE_PERSON);
	assert_string_equal(e->name, "Saddam Hussein Al-Tikriti");
	assert_non_null(name_of(e, "Abu Ali"));
	assert_non_null(name_of(e, "Abou Ali"));
	assert_int_equal(e->n_dobs, 1);
	assert_int_equal(e->dobs[0].year, 1937);
	assert_int_equal(e->dobs[0].month, 4);
	assert_int_equal(e->dobs[0].day, 28);
	assert_string_equal(e->pobs[0], "al-Awja, near Tikrit");
	assert_true(has_country(e, "IQ", ES_CTRY_BIRTH));       /* BIRTH/COUNTRY "IRQ" */
	assert_true(has_country(e, "IQ", ES_CTRY_CITIZENSHIP)); /* CITIZEN/COUNTRY "IRQ" */
	assert_string_equal(e->remarks, "(UNSC RESOLUTION 1483)");

	/* an entity with two addresses */
	e = find(&s, "230");
	assert_non_null(e);
	assert_int_equal(e->type, ES_TYPE_ENTITY);
	assert_string_equal(e->name, "Central Bank of Iraq");
	assert_int_equal(e->n_addresses, 2);
	assert_string_equal(e->addresses[0].street, "Rashid Street");
	assert_string_equal(e->addresses[0].city, "Baghdad");
	assert_string_equal(e->addresses[0].country, "IQ");
	assert_string_equal(e->addresses[1].city, "Mosul");

	/* a passport; the repeated BIRTH is kept once; FUNCTION as title */
	e = find(&s, "1");
	assert_non_null(e);
	assert_string_equal(e->name, "Robert Gabriel Mugabe");
	assert_int_equal(e->n_ids, 1);
	assert_string_equal(e->ids[0].type, "Passport");
	assert_string_equal(e->ids[0].number, "AD001095 (passport-National passport) ((passport))");
	assert_int_equal(e->n_dobs, 1);
	assert_string_equal(e->pobs[0], "Kutama");
	assert_string_equal(e->title, "President; president");
	es_entityset_clear(&s);
}

static void test_handmade_v11(void **state)
{
	(void)state;
	es_entityset s;
	es_parse_stats st;
	diags d = {0};
	es_err err = {0};
	assert_int_equal(parse(ES_TEST_DATA "/eu/handmade-v1.1.xml", &s, &st, &d, &err), ES_OK);
	assert_int_equal(s.n, 4);
	assert_int_equal(st.bad, 2);
	assert_string_equal(st.data_date, "2024-12-11");
	assert_int_equal(d.n, 2);
	assert_string_equal(d.msgs[0], "handmade-v1.1.xml:42: sanctionEntity has no logicalId");
	assert_string_equal(d.msgs[1], "handmade-v1.1.xml:46: sanctionEntity 900030: no nameAlias with a name");

	const es_entity *e = find(&s, "13");
	assert_non_null(e);
	assert_string_equal(e->name, "Saddam Hussein Al-Tikriti");
	assert_int_equal(e->type, ES_TYPE_PERSON);
	assert_string_equal(e->programs[0], "IRQ");
	assert_true(has_country(e, "IQ", ES_CTRY_CITIZENSHIP));
	assert_true(has_country(e, "IQ", ES_CTRY_BIRTH));
	assert_int_equal(e->dobs[0].year, 1937);
	assert_string_equal(e->pobs[0], "al-Awja, near Tikrit, IRAQ");
	assert_string_equal(e->remarks, "UNSC RESOLUTION 1483");
	assert_string_equal(e->start_date, "2003-07-07");

	e = find(&s, "900001");
	assert_non_null(e);
	assert_string_equal(e->name, "Ivan Petrovich Sidorov");
	const es_name *n = name_of(e, "Иван Петрович Сидоров");
	assert_non_null(n);
	assert_string_equal(n->script, "Cyrillic");
	assert_int_equal(n->strength, ES_STRONG);
	n = name_of(e, "Vanya");
	assert_non_null(n);
	assert_int_equal(n->strength, ES_WEAK);
	assert_int_equal(e->n_countries, 1); /* the "00" citizenship and birth country are dropped */
	assert_true(has_country(e, "RU", ES_CTRY_CITIZENSHIP));
	assert_int_equal(e->dobs[0].year, 1965);
	assert_true(e->dobs[0].approximate);
	assert_string_equal(e->ids[0].type, "National passport");
	assert_string_equal(e->ids[0].number, "7501 123456");
	assert_string_equal(e->ids[0].country, "RU");
	assert_string_equal(e->title, "Member of the State Duma");
	assert_string_equal(e->programs[0], "RUS");

	e = find(&s, "900010");
	assert_non_null(e);
	assert_int_equal(e->type, ES_TYPE_ENTITY);
	assert_int_equal(e->n_addresses, 2);
	assert_string_equal(e->addresses[0].street, "Ulitsa Primernaya 1");
	assert_string_equal(e->addresses[0].city, "Saint Petersburg");
	assert_string_equal(e->addresses[0].postal_code, "190000");
	assert_string_equal(e->addresses[0].country, "RU");
	assert_string_equal(e->addresses[1].country, ""); /* "00" */
	assert_string_equal(e->addresses[1].full, "Crimea");

	e = find(&s, "900040"); /* only a weak name: it still becomes the primary name */
	assert_non_null(e);
	assert_string_equal(e->name, "Only Weak Name");
	es_entityset_clear(&s);
}

static void expect_fail(const char *file, es_code code, const char *msg)
{
	expect_parse_fail("eu_xml", ES_SRC_EU_FSF, file, code, msg);
}

static void test_bad_files(void **state)
{
	(void)state;
	expect_fail(ES_TEST_DATA "/eu/truncated-legacy.xml", ES_EFORMAT, "truncated-legacy.xml:420: ENTITY: malformed or truncated record");
	expect_fail(ES_TEST_DATA "/eu/latin1.xml", ES_EENCODING, "latin1.xml:3: invalid UTF-8 byte 0xFC");
	expect_fail(ES_TEST_DATA "/un/html.xml", ES_EFORMAT, "DOCTYPE declarations are not allowed");
	expect_fail(ES_TEST_DATA "/un/html-nodoctype.xml", ES_EFORMAT,
		    "html-nodoctype.xml:1: root element is <html>, not <export> (v1.1) or <WHOLE> (legacy)");
	expect_fail(ES_TEST_DATA "/un/wrong_root.xml", ES_EFORMAT, "root element is <sdnList>");
	expect_fail(ES_TEST_DATA "/csl/excerpt-2025.csv", ES_EFORMAT, "excerpt-2025.csv:1:");
	expect_fail(ES_TEST_DATA "/eu/does-not-exist.xml", ES_EIO, NULL);
}

static void test_xml_attacks(void **state)
{
	(void)state;
	expect_xml_attacks_refused("eu_xml", ES_SRC_EU_FSF);
}

static void test_oversize_name(void **state)
{
	(void)state;
	size_t big = ES_MAX_NAME + 50;
	const char *head = "<export xmlns=\"http://eu.europa.ec/fpi/fsd/export\">\n"
			   "<sanctionEntity logicalId=\"1\"><nameAlias wholeName=\"A\" strong=\"true\"/>"
			   "<nameAlias wholeName=\"";
	const char *tail = "\" strong=\"true\"/></sanctionEntity>\n<sanctionEntity logicalId=\"2\">"
			   "<nameAlias wholeName=\"B\" strong=\"true\"/></sanctionEntity></export>\n";
	size_t len;
	char *buf = padded(head, 'x', big, tail, &len);
	es_entityset s;
	es_entityset_init(&s);
	diags d = {0};
	es_parse_input in = {.source = ES_SRC_EU_FSF, .path = "big.xml", .countries = countries,
			     .on_entity = collect, .ctx = &s, .on_diag = on_diag, .diag_ctx = &d};
	es_parse_stats st;
	es_err err = {0};
	assert_int_equal(es_parse_eu_xml_buf(&in, buf, len, &st, &err), ES_OK);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.items[0]->entry_id, "2");
	assert_int_equal(st.bad, 1);
	assert_non_null(strstr(d.msgs[0], "big.xml:2: sanctionEntity 1: field of 1074 bytes exceeds the limit"));
	free(buf);
	es_entityset_clear(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_legacy_excerpt),
		cmocka_unit_test(test_handmade_v11),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_xml_attacks),
		cmocka_unit_test(test_oversize_name),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
