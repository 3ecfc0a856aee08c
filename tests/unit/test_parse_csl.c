/* trade.gov CSL parser on the real bundled 2022 file, the real 2025 excerpt
 * and hand-broken copies (bad input must give one clear line). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "es_name_derive.h"

#include "test_util.h"

static es_code parse(const char *path, es_entityset *out, es_parse_stats *st, diags *d, es_err *err)
{
	return parse_file("csl_csv", ES_SRC_US_CSL, path, out, st, d, err);
}

static bool has_name(const es_entity *e, const char *name, es_name_kind kind)
{
	for (size_t i = 0; i < e->n_names; i++)
		if (strcmp(e->names[i].name, name) == 0 && e->names[i].kind == kind)
			return true;
	return false;
}

static es_entityset full;
static es_parse_stats full_st;

static int setup_full(void **state)
{
	if (setup(state))
		return -1;
	es_err err = {0};
	diags d = {0};
	return parse(ES_LISTS_DIR "/us-csl/consolidated.csv.gz", &full, &full_st, &d, &err) == ES_OK ? 0 : -1;
}

static int teardown_full(void **state)
{
	es_entityset_clear(&full);
	return teardown(state);
}

static void test_counts_2022(void **state)
{
	(void)state;
	assert_int_equal(full.n, 14160);
	assert_int_equal(full_st.entries, 14160);
	assert_int_equal(full_st.bad, 0);
	assert_string_equal(full_st.data_date, ""); /* the CSL carries no date */
	static const struct {
		const char *list;
		size_t n;
	} want[] = {{"SDN", 10026}, {"EL", 2001}, {"DTC", 727}, {"DPL", 462}, {"SSI", 290},
		    {"UVL", 201},  {"ISN", 163}, {"PLC", 78},  {"MEU", 71},  {"CMIC", 68},
		    {"CAP", 53},   {"MBS", 17},  {"FSE", 3}};
	size_t total = 0;
	for (size_t k = 0; k < sizeof want / sizeof *want; k++) {
		size_t n = 0;
		for (size_t i = 0; i < full.n; i++)
			n += strcmp(full.items[i]->list, want[k].list) == 0;
		assert_int_equal(n, want[k].n);
		total += n;
	}
	assert_int_equal(total, 14160);
	size_t unknown = 0;
	for (size_t i = 0; i < full.n; i++)
		unknown += full.items[i]->type == ES_TYPE_UNKNOWN;
	assert_int_equal(unknown, 3625); /* type is empty for all non-OFAC sources */
}

static void test_entity_list_row(void **state)
{
	(void)state;
	const es_entity *e = find(&full, "74b1ddd6619cd5e31b3b5709c2d1f639a8b04c66");
	assert_non_null(e);
	assert_int_equal(e->source, ES_SRC_US_CSL);
	assert_string_equal(e->list, "EL");
	assert_int_equal(e->type, ES_TYPE_UNKNOWN);
	assert_string_equal(e->name, "48th Central Scientific Research Institute, Kirov");
	assert_int_equal(e->n_names, 4);
	assert_true(has_name(e, "48th TsNII Kirov", ES_NAME_AKA));
	assert_true(has_name(e, "Scientific Research Institute of Microbiology", ES_NAME_AKA));
	assert_true(has_name(e, "Scientific Research Institute of Epidemiology and Hygiene", ES_NAME_AKA));
	assert_string_equal(e->license_requirement, "For all items subject to the EAR.  (See §744.11 of the EAR).");
	assert_string_equal(e->license_policy, "Presumption of denial.");
	assert_string_equal(e->federal_register_notice, "85 FR 52901");
	assert_string_equal(e->start_date, "2020-08-27");
	assert_int_equal(e->n_addresses, 1);
	assert_string_equal(e->addresses[0].full, "119 Oktyabrsky Prospekt, Kirov, Kirov Oblast, RU");
	assert_string_equal(e->addresses[0].country, "RU");
	assert_string_equal(e->addresses[0].city, "Kirov Oblast");
	assert_true(has_country(e, "RU", ES_CTRY_ADDRESS));
}

static void test_and_prefixed_alias(void **state)
{
	(void)state;
	const es_entity *e = find(&full, "4398d33e9e93c7477af39f1e0bfffc13ddd47bcc");
	assert_non_null(e);
	assert_string_equal(e->name, "140 Repair Plant JSC");
	assert_true(has_name(e, "Open Joint Stock Company 140 Repair Plant", ES_NAME_AKA));
	assert_true(has_name(e, "JSC 140 Repair Plant", ES_NAME_AKA)); /* "and " stripped */
	assert_false(has_name(e, "and JSC 140 Repair Plant", ES_NAME_AKA));
	assert_string_equal(e->addresses[0].postal_code, "222512");
	assert_string_equal(e->addresses[0].city, "Borisov");
	assert_string_equal(e->addresses[0].street, "19 Luysi Chalovskoy St.");
}

static void test_embedded_newline(void **state)
{
	(void)state;
	const es_entity *e = find(&full, "3da5adfe0d93a9e200e7e2a53b60f74d6a9642ab");
	assert_non_null(e);
	assert_string_equal(e->list, "ISN");
	assert_string_equal(e->name, "Gaobeidian Kaituo Precise Instrument\nCo. Ltd");
	assert_string_equal(e->federal_register_notice, "Vol. 85, No. 193, 10/05/2020");
	assert_int_equal(e->n_programs, 1);
	assert_string_equal(e->programs[0], "INKSNA");
}

static void test_dpl_row(void **state)
{
	(void)state;
	const es_entity *e = find(&full, "deb7a1d5743a85c354ca1a2c7f2664e2104b32d7");
	assert_non_null(e);
	assert_string_equal(e->list, "DPL");
	assert_string_equal(e->name, "I. ASH");
	assert_string_equal(e->standard_order, "Y");
	assert_string_equal(e->start_date, "2003-06-19");
	assert_string_equal(e->end_date, "2056-06-29");
	assert_string_equal(e->remarks, "FEDERAL REGISTER NOTICE UPDATED");
	assert_string_equal(e->federal_register_notice, "68 F.R. 38290 6/27/03 71 F.R. 38843 7/10/06 72 F.R. 4236 1/30/07");
	const es_address *a = &e->addresses[0];
	assert_string_equal(a->country, "US");
	assert_string_equal(a->postal_code, "75159");
	assert_string_equal(a->region, "TX");
	assert_string_equal(a->city, "SEAGOVILLE");
}

static void test_sdn_rows(void **state)
{
	(void)state;
	const es_entity *e = find(&full, "21944");
	assert_non_null(e);
	assert_string_equal(e->list, "SDN");
	assert_int_equal(e->type, ES_TYPE_PERSON);
	assert_string_equal(e->name, "'ABBAS, Rim");
	assert_string_equal(e->title, "Scientific Studies and Research Center Employee");
	assert_int_equal(e->n_dobs, 1);
	assert_int_equal(e->dobs[0].year, 1973);
	assert_int_equal(e->dobs[0].month, 3);
	assert_int_equal(e->dobs[0].day, 25);
	assert_true(has_country(e, "SY", ES_CTRY_NATIONALITY));
	assert_true(has_country(e, "SY", ES_CTRY_ADDRESS));
	assert_string_equal(e->programs[0], "SYRIA");

	/* 2022 ids: "CC, [dates, ]number, type" */
	e = find(&full, "17291");
	assert_non_null(e);
	assert_int_equal(e->n_ids, 2);
	assert_string_equal(e->ids[0].type, "National ID No.");
	assert_string_equal(e->ids[0].number, "28940000602");
	assert_string_equal(e->ids[0].country, "QA");
	assert_string_equal(e->ids[1].type, "Passport");
	assert_string_equal(e->ids[1].number, "K475336");
	assert_string_equal(e->ids[1].country, "JO");
	assert_true(has_name(e, "'Umar al-Qatari", ES_NAME_AKA));

	e = find(&full, "306");
	assert_non_null(e);
	assert_int_equal(e->type, ES_TYPE_ENTITY);
	assert_int_equal(e->n_addresses, 4);
	assert_string_equal(e->addresses[0].street, "Zweierstrasse 35");
	assert_string_equal(e->addresses[0].city, "Zurich");
	assert_string_equal(e->addresses[0].postal_code, "CH-8022");
	assert_string_equal(e->addresses[0].country, "CH");
	assert_true(has_name(e, "BNC", ES_NAME_AKA));
}

/* Names derived from the listed name by lists/patterns/csl_names.tsv: the
 * entity's own name is a strong alias, the listed name stays the primary. */
static bool has_strong_aka(const es_entity *e, const char *name)
{
	for (size_t i = 0; i < e->n_names; i++)
		if (strcmp(e->names[i].name, name) == 0)
			return e->names[i].kind == ES_NAME_AKA && e->names[i].strength == ES_STRONG;
	return false;
}

static bool has_any_name(const es_entity *e, const char *name)
{
	for (size_t i = 0; i < e->n_names; i++)
		if (strcmp(e->names[i].name, name) == 0)
			return true;
	return false;
}

static void test_derived_affiliate(void **state)
{
	(void)state;
	const es_entity *e = find(&full, "9172ac8adb6967b96216fae65b633dbcbe6a4ea9");
	assert_non_null(e);
	assert_string_equal(e->list, "EL");
	assert_string_equal(e->name, "Huawei Technologies Co., Ltd. (Huawei).  Affiliated Entity:  Beijing Huawei Longshine "
				     "Information Technology Co., Ltd.");
	assert_string_equal(e->names[0].name, e->name);
	assert_int_equal(e->names[0].kind, ES_NAME_PRIMARY);
	assert_true(has_strong_aka(e, "Beijing Huawei Longshine Information Technology Co., Ltd."));
	assert_true(has_strong_aka(e, "Huawei Technologies Co., Ltd."));
	assert_true(has_strong_aka(e, "Beijing Huawei Longshine")); /* alt_names, as before */
	assert_false(has_any_name(e, "Huawei")); /* no bare abbreviation */
	/* the affiliate is itself "X, Beijing Research Institute": that is a unit, not a place */
	e = find(&full, "1290cbfadaf501f92be3061e3b01b58f3379d07c");
	assert_non_null(e);
	assert_true(has_strong_aka(e, "Huawei Technologies Co., Ltd., Beijing Research Institute"));
	assert_true(has_strong_aka(e, "Huawei Technologies Co., Ltd."));
}

static void test_derived_subordinate_and_scope(void **state)
{
	(void)state;
	const es_entity *e = find(&full, "d6ef32a3d0cec5a4e91ee694e628af34b3ed454b");
	assert_non_null(e);
	assert_true(has_strong_aka(e, "National Development Complex"));
	assert_true(has_strong_aka(e, "Pakistan Atomic Energy Commission"));
	assert_true(has_strong_aka(e, "National Defense Complex")); /* alt_names */
	assert_false(has_any_name(e, "NDC"));
	assert_false(has_any_name(e, "PAEC"));
	/* a subordinate named only by number and unit is qualified by its parent */
	e = find(&full, "e453abe44aa95cc2ac5690a395012cfc7010902e");
	assert_non_null(e);
	assert_true(has_strong_aka(e, "China Aerospace Science and Industry Corporation Second Academy 283 Factory"));
	assert_true(has_strong_aka(e, "China Aerospace Science and Industry Corporation Second Academy"));
	assert_false(has_any_name(e, "283 Factory"));
	/* a listed parent before its subsidiary; an institute before its (unlisted) academy */
	e = find(&full, "b27d28814a0f7a30b865fcbab3e7c69387521b0e");
	assert_non_null(e);
	assert_true(has_strong_aka(e, "Joint Stock Company Avangard"));
	assert_true(has_strong_aka(e, "Tactical Missile Corporation"));
	e = find(&full, "580ffa88d34754dddda5b564b829083d62e658a6");
	assert_non_null(e);
	assert_true(has_strong_aka(e, "Shanghai Institute of Applied Physics"));
	assert_false(has_any_name(e, "Chinese Academy of Sciences"));
	e = find(&full, "50438c0ef9b56310508057adf82c22aa4433fcc7");
	assert_non_null(e);
	assert_true(has_strong_aka(e, "Ministry of Defence of the Russian Federation"));
}

static void test_derived_location_and_abbreviation(void **state)
{
	(void)state;
	const es_entity *e = find(&full, "6662ba0546f3971d67b9bce06957a3d703f80420");
	assert_non_null(e);
	assert_string_equal(e->name, "Hangzhou Huawei Digital Technology Co., Ltd., Hangzhou, Zhejiang, China");
	assert_true(has_strong_aka(e, "Hangzhou Huawei Digital Technology Co., Ltd."));
	assert_int_equal(e->n_names, 2);
	/* a location after a parenthetical after the legal form: both go, one at a time */
	e = find(&full, "014be91b8c97b3b08740ace884806cded45a6322");
	assert_non_null(e);
	assert_true(has_strong_aka(e, "HiSilicon Technologies Co., Ltd (HiSilicon)"));
	assert_true(has_strong_aka(e, "HiSilicon Technologies Co., Ltd"));
	e = find(&full, "33eaf45b054425c980bb5b453df600c1bdb0ed85");
	assert_non_null(e);
	assert_true(has_strong_aka(e, "APPLIED SYSTEMS METHODS AND TECHNOLOGY"));
	assert_false(has_any_name(e, "ASMAT"));
	/* a mid-name parenthetical is part of the name: nothing derived */
	e = find(&full, "7f899e8fdf22e8517d1e116dcac529c52fc7e81d");
	assert_non_null(e);
	assert_string_equal(e->name, "AVIC Chengdu Aircraft Industrial (GROUP) Co. Ltd.");
	assert_int_equal(e->n_names, 1);
	/* a trailing branch parenthetical names a different entity: kept */
	e = find(&full, "12115");
	assert_non_null(e);
	assert_string_equal(e->name, "IMAM KHOMEINI RELIEF COMMITTEE (LEBANON BRANCH)");
	assert_false(has_any_name(e, "IMAM KHOMEINI RELIEF COMMITTEE"));
}

static void test_derived_aka(void **state)
{
	(void)state;
	const es_entity *e = find(&full, "81e505e4c18d6196ade3a1af2f3ed55c95d9b0a8");
	assert_non_null(e);
	assert_true(has_strong_aka(e, "Far East Trading Company, Inc."));
	assert_true(has_strong_aka(e, "FETCO, Inc.")); /* in alt_names too: listed once */
	size_t fetco = 0;
	for (size_t i = 0; i < e->n_names; i++)
		fetco += strcmp(e->names[i].name, "FETCO, Inc.") == 0;
	assert_int_equal(fetco, 1);
	e = find(&full, "baeba8ddd6a099f9ebe1fbd9cad3a6d32ffcc8e0");
	assert_non_null(e);
	assert_true(has_strong_aka(e, "Chitron Electronics Company Ltd."));
	assert_true(has_strong_aka(e, "Chi-Chung Electronics Company Ltd."));
	e = find(&full, "ebaed3548b9f31ca3c32f07fe5b2e63ff1abf205");
	assert_non_null(e);
	assert_true(has_strong_aka(e, "Astronautics Research Institute"));
	assert_true(has_strong_aka(e, "Astronautics Systems Research Center"));
	assert_true(has_strong_aka(e, "Aerospace Research Institute"));
	e = find(&full, "09d1963d38d11dd8022afaeb70fd21c537df4322");
	assert_non_null(e);
	assert_true(has_strong_aka(e, "Gazprom Promgaz, AO"));
	assert_true(has_name(e, "Otkrytoe Aktsionernoe Obshchestvo Gazprom Promgaz", ES_NAME_FKA));
}

static void test_derived_total(void **state)
{
	(void)state;
	/* 34,078 names as listed (primary + alt_names); the patterns add 675
	 * (535 before the numbered units after a parent's abbreviation) */
	size_t names = 0;
	for (size_t i = 0; i < full.n; i++)
		names += full.items[i]->n_names;
	assert_int_equal(names, 34078 + 675);
	/* a numbered unit after its parent's abbreviation, written both ways */
	const es_entity *u = find(&full, "0fa537b1f62ebfed41e85ce64bc4e6ab6b6fa66d");
	assert_non_null(u);
	assert_true(has_strong_aka(u, "CSSC 710th Research Institute"));
	assert_true(has_strong_aka(u, "China State Shipbuilding Corporation, Limited 710th Research Institute"));
	/* an alias carries a clause as the primary name does */
	const es_entity *e = find(&full, "141adeecf1dd9953b273c6e4df396ed89fb868c9");
	assert_non_null(e);
	assert_true(has_strong_aka(e, "CETC 11th Research Institute"));
	/* a numbered unit without the force it belongs to */
	size_t units = 0;
	for (size_t i = 0; i < full.n; i++)
		units += has_strong_aka(full.items[i], "77TH LIGHT INFANTRY DIVISION");
	assert_int_equal(units, 1);
}

/* A malformed pattern file is refused with the file and line, never half-used. */
static void expect_bad_patterns(const char *text, const char *msg)
{
	char path[] = "/tmp/es-csl-names-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	es_name_derive *d = (es_name_derive *)1;
	es_err err = {0};
	assert_int_equal(es_name_derive_load(&d, path, &err), ES_EFORMAT);
	assert_null(d);
	assert_non_null(strstr(err.msg, msg));
	unlink(path);
}

static void test_bad_name_patterns(void **state)
{
	(void)state;
	expect_bad_patterns("# c\naka:${value}\t-\t^(?<value>.+$\n", ":2: bad pattern at offset");
	expect_bad_patterns("aka:${value}\t-\n", ":1: expected outputs<TAB>split<TAB>pattern");
	expect_bad_patterns("aka:${nope}\t-\t^(?<value>.+)$\n", ":1: outputs must be");
	expect_bad_patterns("weak:${value}\t-\t^(?<value>.+)$\n", ":1: outputs must be");
	expect_bad_patterns("aka:${value\t-\t^(?<value>.+)$\n", ":1: outputs must be");
	expect_bad_patterns("aka:${value}\tcolon\t^(?<value>.+)$\n", ":1: split is '-', 'semicolon' or 'comma'");
	/* a good file, and a NULL handle, are fine */
	es_name_derive *d = NULL;
	es_err err = {0};
	assert_int_equal(es_name_derive_load(&d, ES_LISTS_DIR "/" ES_CSL_NAMES_FILE, &err), ES_OK);
	assert_non_null(d);
	es_entity *e = es_entity_new(ES_SRC_US_CSL);
	assert_non_null(e);
	assert_int_equal(es_entity_set_name(e, "Acme Widgets Co., Ltd. (AWC)", (size_t)-1, &err), ES_OK);
	assert_int_equal(es_name_derive_apply(NULL, e, &err), ES_OK);
	assert_int_equal(e->n_names, 1);
	assert_int_equal(es_name_derive_apply(d, e, &err), ES_OK);
	assert_int_equal(e->n_names, 2);
	assert_string_equal(e->names[1].name, "Acme Widgets Co., Ltd.");
	/* a person's name is left as listed */
	es_entity *p = es_entity_new(ES_SRC_US_CSL);
	assert_non_null(p);
	p->type = ES_TYPE_PERSON;
	assert_int_equal(es_entity_set_name(p, "Lev Anatolyevich Yershov (Ershov)", (size_t)-1, &err), ES_OK);
	assert_int_equal(es_name_derive_apply(d, p, &err), ES_OK);
	assert_int_equal(p->n_names, 1);
	es_entity_free(p);
	es_entity_free(e);
	es_name_derive_free(d);
}

static void test_excerpt_2025(void **state)
{
	(void)state;
	es_entityset s;
	es_parse_stats st;
	diags d = {0};
	es_err err = {0};
	assert_int_equal(parse(ES_TEST_DATA "/csl/excerpt-2025.csv", &s, &st, &d, &err), ES_OK);
	assert_int_equal(s.n, 13);
	assert_int_equal(st.bad, 0);
	const es_entity *e = find(&s, "52291");
	assert_non_null(e);
	assert_string_equal(e->list, "SDN");
	assert_string_equal(e->name, "RIM, Ryong Nam");
	/* 2025 ids: "type, number[, CC]" */
	assert_string_equal(e->ids[0].type, "Passport");
	assert_string_equal(e->ids[0].number, "836238033");
	assert_string_equal(e->ids[0].country, "KP");
	assert_string_equal(e->ids[2].type, "Gender");
	assert_string_equal(e->ids[2].number, "Male");
	assert_int_equal(e->n_addresses, 2);
	assert_string_equal(e->addresses[1].city, "Pyongyang");
	assert_true(has_country(e, "KP", ES_CTRY_NATIONALITY));
	e = find(&s, "1b5979e8fd3920a1a0985bf5088dad930a6a5562d1513f9e4b015e42");
	assert_non_null(e);
	assert_string_equal(e->list, "UVL");
	assert_string_equal(e->addresses[0].country, "AM");
	assert_string_equal(e->addresses[0].city, "Yerevan");
	assert_string_equal(e->addresses[0].street, "Komitas 26/114");
	e = find(&s, "9673");
	assert_non_null(e);
	assert_string_equal(e->list, "PLC");
	assert_string_equal(e->pobs[0], "Izna, Hebron");
	assert_true(has_name(e, "Mohammad Mutlaq ABU JHESHEH", ES_NAME_AKA));
	es_entityset_clear(&s);
}

static void expect_fail(const char *file, es_code code, const char *msg)
{
	es_entityset s;
	es_parse_stats st;
	diags d = {0};
	es_err err = {0};
	assert_int_equal(parse(file, &s, &st, &d, &err), code);
	if (msg)
		assert_string_equal(err.msg, msg);
	assert_true(err.msg[0] != '\0');
	assert_null(strchr(err.msg, '\n'));
	es_entityset_clear(&s);
}

static void test_bad_files(void **state)
{
	(void)state;
	expect_fail(ES_TEST_DATA "/csl/html.csv", ES_EFORMAT,
		    "html.csv:1: looks like an HTML/XML page, not a CSV list");
	expect_fail(ES_TEST_DATA "/csl/cp1252.csv", ES_EENCODING,
		    "cp1252.csv:2: invalid UTF-8 byte 0x92 (not UTF-8; Windows-1252?)");
	expect_fail(ES_TEST_DATA "/csl/truncated.csv", ES_EFORMAT,
		    "truncated.csv:3: file ends inside a quoted field (truncated download?)");
	expect_fail(ES_TEST_DATA "/csl/no_name_column.csv", ES_EFORMAT,
		    "no_name_column.csv:1: header has no 'name' column (not a CSL file?)");
	expect_fail(ES_TEST_DATA "/csl/stray_quote.csv", ES_EFORMAT,
		    "stray_quote.csv:2: malformed CSV: a quote inside a field that is not escaped");
	expect_fail(ES_TEST_DATA "/csl/does-not-exist.csv", ES_EIO, NULL);
}

static void test_bad_entries(void **state)
{
	(void)state;
	es_entityset s;
	es_parse_stats st;
	diags d = {0};
	es_err err = {0};
	assert_int_equal(parse(ES_TEST_DATA "/csl/bad_entries.csv", &s, &st, &d, &err), ES_OK);
	assert_int_equal(st.bad, 3);
	assert_int_equal(s.n, 2);
	assert_int_equal(d.n, 4); /* 3 skipped + 1 note on the unknown source */
	const es_entity *e = find(&s, "1003");
	assert_non_null(e);
	assert_string_equal(e->list, "SNL"); /* abbreviation taken from the name */
	e = find(&s, "1005");
	assert_non_null(e);
	assert_true(has_name(e, "GE Ltd", ES_NAME_AKA));
	assert_true(has_name(e, "GEL", ES_NAME_AKA));
	assert_string_equal(e->addresses[0].postal_code, "518000");
	assert_string_equal(e->addresses[0].city, "Shenzhen");
	assert_string_equal(e->addresses[0].street, "Room 1, 2 Main St");
	assert_string_equal(d.last, "bad_entries.csv:5: entry 1004: entry has no source");
	es_entityset_clear(&s);
}

static void test_oversize_field(void **state)
{
	(void)state;
	char path[] = "/tmp/es_csl_big_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	fputs("_id,source,name,remarks\n1,Entity List (EL) - Bureau of Industry and Security,Big Remarks Ltd,\"", f);
	for (int i = 0; i < ES_MAX_FIELD + 10; i++)
		fputc('x', f);
	fputs("\"\n2,Entity List (EL) - Bureau of Industry and Security,Small Ltd,ok\n", f);
	fclose(f);
	es_entityset s;
	es_parse_stats st;
	diags d = {0};
	es_err err = {0};
	assert_int_equal(parse(path, &s, &st, &d, &err), ES_OK);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.items[0]->name, "Small Ltd");
	assert_int_equal(st.bad, 1);
	assert_non_null(strstr(d.last, ":2: entry 1: field 4 is over the size limit"));
	es_entityset_clear(&s);
	unlink(path);
}

static void test_size_limit(void **state)
{
	(void)state;
	es_entityset s;
	es_entityset_init(&s);
	es_parse_input in = {.source = ES_SRC_US_CSL, .path = ES_LISTS_DIR "/us-csl/consolidated.csv.gz",
			     .countries = countries, .lists_dir = ES_LISTS_DIR, .max_bytes = 1000000};
	es_parse_stats st;
	es_err err = {0};
	/* 5.8 MB decompressed: over a 1 MB limit is an error, not a partial list */
	assert_int_equal(es_parse_into(es_parser_find("csl_csv"), in, &s, &st, &err), ES_ETOOBIG);
	assert_int_equal(s.n, 0);
	assert_true(err.msg[0] != '\0');
	es_entityset_clear(&s);
}

/* dates of birth go through es_date: an impossible day is dropped (the year
 * and month stay), bare years, ranges and circa are kept as before */
static void test_dob_dates(void **state)
{
	(void)state;
	static const char csv[] =
		"_id,source,entity_number,type,programs,name,dates_of_birth\n"
		"d1,Entity List (EL) - Bureau of Industry and Security,,Individual,,Ivan Example,"
		"1970-02-30; 1971-02-28; 1964; circa 1960 to 1962; 1975-13-01\n";
	es_entityset out;
	es_entityset_init(&out);
	es_parse_input in = {.source = ES_SRC_US_CSL, .path = "dob.csv", .countries = countries,
			     .lists_dir = ES_LISTS_DIR, .on_entity = collect, .ctx = &out};
	es_parse_stats st = {0};
	es_err err = {0};
	assert_int_equal(es_parse_csl_csv_buf(&in, csv, sizeof csv - 1, &st, &err), ES_OK);
	const es_entity *e = find(&out, "d1");
	assert_non_null(e);
	assert_int_equal(e->n_dobs, 5);
	assert_string_equal(e->dobs[0].text, "1970-02-30");
	assert_true(e->dobs[0].year == 1970 && e->dobs[0].month == 2 && e->dobs[0].day == 0);
	assert_true(e->dobs[1].year == 1971 && e->dobs[1].month == 2 && e->dobs[1].day == 28);
	assert_true(e->dobs[2].year == 1964 && e->dobs[2].month == 0 && e->dobs[2].year_to == 0);
	assert_true(e->dobs[3].approximate && e->dobs[3].year == 1960 && e->dobs[3].year_to == 1962);
	assert_true(e->dobs[4].year == 1975 && e->dobs[4].month == 0 && e->dobs[4].day == 0);
	es_entityset_clear(&out);
}

int main(void)
{
	const struct CMUnitTest full_tests[] = {
		cmocka_unit_test(test_counts_2022),     cmocka_unit_test(test_entity_list_row),
		cmocka_unit_test(test_and_prefixed_alias), cmocka_unit_test(test_embedded_newline),
		cmocka_unit_test(test_dpl_row),          cmocka_unit_test(test_sdn_rows),
		cmocka_unit_test(test_derived_affiliate), cmocka_unit_test(test_derived_subordinate_and_scope),
		cmocka_unit_test(test_derived_location_and_abbreviation), cmocka_unit_test(test_derived_aka),
		cmocka_unit_test(test_derived_total),
	};
	const struct CMUnitTest small_tests[] = {
		cmocka_unit_test(test_dob_dates),
		cmocka_unit_test(test_excerpt_2025),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_bad_entries),
		cmocka_unit_test(test_oversize_field),
		cmocka_unit_test(test_size_limit),
		cmocka_unit_test(test_bad_name_patterns),
	};
	int rc = cmocka_run_group_tests(full_tests, setup_full, teardown_full);
	rc |= cmocka_run_group_tests(small_tests, setup, teardown);
	return rc;
}
