/* UN Security Council XML parser on the real 2026 (bundled) and 2024 files,
 * a hand-made file of entry-level problems, broken files and hostile XML. */
#include "test_util.h"

static es_code parse(const char *path, es_entityset *out, es_parse_stats *st, diags *d, es_err *err)
{
	return parse_file("un_xml", ES_SRC_UN_SC, path, out, st, d, err);
}

static void test_2026_file(void **state)
{
	(void)state;
	es_entityset s;
	es_parse_stats st;
	diags d = {0};
	es_err err = {0};
	assert_int_equal(parse(ES_LISTS_DIR "/un-sc/consolidated.xml.gz", &s, &st, &d, &err), ES_OK);
	assert_int_equal(s.n, 1003);
	assert_int_equal(st.entries, 1003);
	assert_int_equal(st.bad, 0);
	assert_int_equal(count_type(&s, ES_TYPE_PERSON), 730);
	assert_int_equal(count_type(&s, ES_TYPE_ENTITY), 273);
	assert_string_equal(st.data_date, "2026-02-27");

	/* an individual with an Arabic original-script name and a Low-quality alias */
	const es_entity *e = find(&s, "IQi.001");
	assert_non_null(e);
	assert_int_equal(e->source, ES_SRC_UN_SC);
	assert_string_equal(e->list, "UN");
	assert_int_equal(e->type, ES_TYPE_PERSON);
	assert_string_equal(e->name, "SADDAM HUSSEIN AL-TIKRITI");
	assert_int_equal(e->n_names, 3);
	const es_name *n = name_of(e, "صدام حسين التكريتي");
	assert_non_null(n);
	assert_int_equal(n->kind, ES_NAME_ORIGINAL);
	assert_string_equal(n->script, "Arabic");
	n = name_of(e, "Abu Ali");
	assert_non_null(n);
	assert_int_equal(n->kind, ES_NAME_AKA);
	assert_int_equal(n->strength, ES_WEAK);
	assert_int_equal(e->n_dobs, 1);
	assert_int_equal(e->dobs[0].year, 1937);
	assert_int_equal(e->dobs[0].month, 4);
	assert_int_equal(e->dobs[0].day, 28);
	assert_false(e->dobs[0].approximate);
	assert_true(has_country(e, "IQ", ES_CTRY_NATIONALITY));
	assert_true(has_country(e, "IQ", ES_CTRY_BIRTH));
	assert_int_equal(e->n_pobs, 1);
	assert_string_equal(e->pobs[0], "al-Awja, near Tikrit, Iraq");
	assert_int_equal(e->n_programs, 1);
	assert_string_equal(e->programs[0], "Iraq");
	assert_string_equal(e->start_date, "2003-06-27");
	assert_int_equal(e->n_addresses, 0); /* <INDIVIDUAL_ADDRESS><COUNTRY/></...> carries nothing */

	/* an entity with a.k.a. and f.k.a. aliases and an address */
	e = find(&s, "CDe.001");
	assert_non_null(e);
	assert_int_equal(e->type, ES_TYPE_ENTITY);
	assert_string_equal(e->name, "ADF");
	n = name_of(e, "Allied Democratic Forces");
	assert_non_null(n);
	assert_int_equal(n->kind, ES_NAME_AKA);
	assert_int_equal(n->strength, ES_STRONG);
	n = name_of(e, "ADF/NALU");
	assert_non_null(n);
	assert_int_equal(n->kind, ES_NAME_FKA);
	assert_int_equal(e->n_addresses, 1);
	assert_string_equal(e->addresses[0].region, "North Kivu");
	assert_string_equal(e->addresses[0].country, "CD");
	assert_string_equal(e->programs[0], "DRC");

	/* a passport with its issuing country */
	e = find(&s, "CDi.021");
	assert_non_null(e);
	assert_int_equal(e->n_ids, 1);
	assert_string_equal(e->ids[0].type, "Passport");
	assert_string_equal(e->ids[0].number, "OB 0243318");
	assert_string_equal(e->ids[0].country, "CD");

	/* a document with TYPE_OF_DOCUMENT2 and an address with a NOTE */
	e = find(&s, "CDi.002");
	assert_non_null(e);
	assert_string_equal(e->title, "FARDC General");
	assert_string_equal(e->addresses[0].city, "Kinshasa");
	assert_string_equal(e->addresses[0].full, "Kinshasa, Democratic Republic of the Congo (as of June 2016)");

	size_t originals = 0;
	for (size_t i = 0; i < s.n; i++)
		for (size_t k = 0; k < s.items[i]->n_names; k++)
			if (s.items[i]->names[k].kind == ES_NAME_ORIGINAL) {
				originals++;
				assert_non_null(s.items[i]->names[k].script);
			}
	assert_int_equal(originals, 377); /* 378 listed; QDe.164's equals its primary name */
	es_entityset_clear(&s);
}

/* Names derived from the listed name by lists/patterns/un_names.tsv. */
static void test_derived_names(void **state)
{
	(void)state;
	es_entityset s;
	es_parse_stats st;
	diags d = {0};
	es_err err = {0};
	assert_int_equal(parse(ES_LISTS_DIR "/un-sc/consolidated.xml.gz", &s, &st, &d, &err), ES_OK);
	assert_int_equal(s.n, 1003);
	const es_entity *e = find(&s, "KPe.047");
	assert_non_null(e);
	assert_string_equal(e->name, "FOREIGN TRADE BANK (FTB)");
	const es_name *n = name_of(e, "FOREIGN TRADE BANK");
	assert_non_null(n);
	assert_int_equal(n->kind, ES_NAME_AKA);
	assert_int_equal(n->strength, ES_STRONG);
	assert_null(name_of(e, "FTB"));
	/* two names in one field, each without its abbreviation */
	e = find(&s, "CDe.003");
	assert_non_null(e);
	assert_non_null(name_of(e, "COMPAGNIE AERIENNE DES GRANDS LACS"));
	assert_non_null(name_of(e, "GREAT LAKES BUSINESS COMPANY"));
	e = find(&s, "IRe.015");
	assert_non_null(e);
	assert_non_null(name_of(e, "ESFAHAN NUCLEAR FUEL RESEARCH AND PRODUCTION CENTRE"));
	assert_non_null(name_of(e, "ESFAHAN NUCLEAR TECHNOLOGY CENTRE"));
	/* a place in parentheses tells the listed branch from the foundation: kept */
	e = find(&s, "QDe.104");
	assert_non_null(e);
	assert_null(name_of(e, "AL-HARAMAIN FOUNDATION"));
	/* individuals are left as listed; 4,121 names as listed, 95 derived
	 * (66 from the primary names, 29 from aliases) */
	size_t names = 0;
	for (size_t i = 0; i < s.n; i++)
		names += s.items[i]->n_names;
	assert_int_equal(names, 4121 + 95);
	es_entityset_clear(&s);
}

static void test_2024_file(void **state)
{
	(void)state;
	es_entityset s;
	es_parse_stats st;
	diags d = {0};
	es_err err = {0};
	/* single-quoted serialiser, 4-space indent */
	assert_int_equal(parse(ES_TEST_DATA "/un/consolidated-2024-09-26.xml.gz", &s, &st, &d, &err), ES_OK);
	assert_int_equal(s.n, 875);
	assert_int_equal(count_type(&s, ES_TYPE_PERSON), 682);
	assert_int_equal(count_type(&s, ES_TYPE_ENTITY), 193);
	assert_int_equal(st.bad, 0);
	assert_string_equal(st.data_date, "2024-09-26");
	const es_entity *e = find(&s, "TAi.005");
	assert_non_null(e);
	assert_string_equal(e->name, "MUHAMMAD TAHER ANWARI");
	assert_int_equal(name_of(e, "Haji Mudir")->strength, ES_WEAK);
	assert_int_equal(name_of(e, "Muhammad Tahir Anwari")->strength, ES_STRONG);
	assert_int_equal(e->dobs[0].year, 1961);
	assert_true(e->dobs[0].approximate);
	assert_string_equal(e->pobs[0], "Zurmat District, Paktia Province, Afghanistan");
	assert_true(has_country(e, "AF", ES_CTRY_NATIONALITY));
	assert_string_equal(e->programs[0], "Taliban");
	es_entityset_clear(&s);
}

static void test_bad_entries(void **state)
{
	(void)state;
	es_entityset s;
	es_parse_stats st;
	diags d = {0};
	es_err err = {0};
	assert_int_equal(parse(ES_TEST_DATA "/un/bad_entries.xml", &s, &st, &d, &err), ES_OK);
	assert_int_equal(s.n, 2);
	assert_int_equal(st.bad, 2);
	assert_int_equal(d.n, 2);
	assert_string_equal(d.msgs[0], "bad_entries.xml:6: INDIVIDUAL (DATAID 1) has no REFERENCE_NUMBER");
	assert_string_equal(d.msgs[1], "bad_entries.xml:12: INDIVIDUAL XXi.002: no FIRST_NAME..FOURTH_NAME");
	const es_entity *e = find(&s, "XXi.003"); /* reference trimmed */
	assert_non_null(e);
	assert_string_equal(name_of(e, "Иван Петров")->script, "Cyrillic");
	assert_true(has_country(e, "RU", ES_CTRY_NATIONALITY));
	assert_int_equal(e->n_countries, 1); /* "Atlantis" is no country */
	assert_int_equal(e->n_dobs, 2);
	assert_int_equal(e->dobs[0].year, 1960);
	assert_int_equal(e->dobs[0].year_to, 1962);
	assert_true(e->dobs[1].approximate);
	e = find(&s, "KPe.999");
	assert_non_null(e);
	assert_string_equal(name_of(e, "朝鮮貿易")->script, "Han");
	es_entityset_clear(&s);
}

static void expect_fail(const char *file, es_code code, const char *msg)
{
	expect_parse_fail("un_xml", ES_SRC_UN_SC, file, code, msg);
}

static void test_bad_files(void **state)
{
	(void)state;
	expect_fail(ES_TEST_DATA "/un/truncated.xml", ES_EFORMAT,
		    "truncated.xml:709: INDIVIDUAL: malformed or truncated record");
	expect_fail(ES_TEST_DATA "/un/html.xml", ES_EFORMAT, "DOCTYPE declarations are not allowed");
	expect_fail(ES_TEST_DATA "/un/html-nodoctype.xml", ES_EFORMAT,
		    "html-nodoctype.xml:1: root element is <html>, not <CONSOLIDATED_LIST>");
	expect_fail(ES_TEST_DATA "/un/wrong_root.xml", ES_EFORMAT,
		    "wrong_root.xml:2: root element is <sdnList>, not <CONSOLIDATED_LIST>");
	expect_fail(ES_TEST_DATA "/un/cp1252.xml", ES_EENCODING, "cp1252.xml:3: invalid UTF-8 byte 0x92");
	expect_fail(ES_TEST_DATA "/csl/html.csv", ES_EFORMAT, NULL);
	expect_fail(ES_TEST_DATA "/un/does-not-exist.xml", ES_EIO, NULL);
}

static void test_xml_attacks(void **state)
{
	(void)state;
	expect_xml_attacks_refused("un_xml", ES_SRC_UN_SC);
}

static void test_oversize_text(void **state)
{
	(void)state;
	/* an alias over ES_MAX_NAME is an entry-level error; the next record still parses */
	size_t big = ES_MAX_NAME + 100;
	const char *head = "<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><FIRST_NAME>A</FIRST_NAME>"
			   "<REFERENCE_NUMBER>X.1</REFERENCE_NUMBER><INDIVIDUAL_ALIAS><ALIAS_NAME>";
	const char *tail = "</ALIAS_NAME></INDIVIDUAL_ALIAS></INDIVIDUAL><INDIVIDUAL><FIRST_NAME>B</FIRST_NAME>"
			   "<REFERENCE_NUMBER>X.2</REFERENCE_NUMBER></INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>";
	size_t len;
	char *buf = padded(head, 'x', big, tail, &len);
	es_entityset s;
	es_entityset_init(&s);
	diags d = {0};
	es_parse_input in = {.source = ES_SRC_UN_SC, .path = "big.xml", .countries = countries,
			     .on_entity = collect, .ctx = &s, .on_diag = on_diag, .diag_ctx = &d};
	es_parse_stats st;
	es_err err = {0};
	assert_int_equal(es_parse_un_xml_buf(&in, buf, len, &st, &err), ES_OK);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.items[0]->entry_id, "X.2");
	assert_int_equal(st.bad, 1);
	assert_non_null(strstr(d.msgs[0], "big.xml:1: INDIVIDUAL X.1: field of 1124 bytes exceeds the limit"));
	/* and without an entity callback the parser refuses to start */
	in.on_entity = NULL;
	assert_int_equal(es_parse_un_xml_buf(&in, buf, len, &st, &err), ES_EUSAGE);
	free(buf);
	es_entityset_clear(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_2026_file),   cmocka_unit_test(test_2024_file),
		cmocka_unit_test(test_bad_entries), cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_xml_attacks), cmocka_unit_test(test_oversize_text),
		cmocka_unit_test(test_derived_names),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
