/* Unit tests of es_rules: decisions from orders and synthetic list hits, with the
 * bundled data files under lists/rules (no matcher involved). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "es_country.h"
#include "es_order.h"
#include "es_rules.h"

static es_countries *countries;
static es_rules *rules;
static es_order order;
static es_result res;

static int setup(void **state)
{
	es_err err = {0};
	(void)state;
	if (es_countries_load(&countries, ES_LISTS_DIR "/countries.tsv", &err) != ES_OK)
		return -1;
	if (es_rules_load(&rules, ES_LISTS_DIR, &err) != ES_OK) {
		fprintf(stderr, "%s\n", err.msg);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	es_order_dispose(&order);
	es_rules_free(rules);
	es_countries_free(countries);
	return 0;
}

/* Decides a JSON order with the given hits; returns the decision. */
static es_decision decide(const char *json, const es_party_hit *hits, size_t n)
{
	es_err err = {0};
	if (es_order_parse_json(json, strlen(json), countries, &order, &err) != ES_OK)
		fail_msg("order does not parse: %s", err.msg);
	es_rules_ctx ctx = {.stale = false, .max_age_days = 7, .now = 1796083200 /* 2026-12-01 */};
	es_rules_decide(rules, &order, hits, n, &ctx, &res);
	if (getenv("TEST_RULES_VERBOSE"))
		for (size_t i = 0; i < res.n_reasons; i++)
			fprintf(stderr, "  %s %s: %s\n", res.reasons[i].code, es_decision_name(res.reasons[i].decision),
				res.reasons[i].message);
	return res.decision;
}

static bool has_reason(const char *code)
{
	for (size_t i = 0; i < res.n_reasons; i++)
		if (strcmp(res.reasons[i].code, code) == 0) {
			assert_true(res.reasons[i].message[0] != '\0');
			assert_true(res.reasons[i].citation[0] != '\0');
			return true;
		}
	return false;
}

#define EU(name, cc, type) "{\"role\":\"end_user\",\"name\":\"" name "\",\"country\":\"" cc "\",\"type\":\"" type "\"}"
#define ORDER(dest, parties, items) \
	"{\"order_id\":\"T\",\"destination\":\"" dest "\",\"parties\":[" parties "],\"items\":[" items "]}"
#define ITEM(eccn, enc) "{\"eccn\":\"" eccn "\",\"enc\":\"" enc "\"}"

static const char de_cc[][3] = {"DE"};
static const char cn_cc[][3] = {"CN"};

static es_party_hit hit(size_t party, double score, const char *list, es_source src, const char *name,
			const char (*cc)[3], size_t ncc)
{
	es_party_hit h = {0};
	h.party = party;
	h.score = score;
	h.matched_name = name;
	h.rec.source = src;
	h.rec.list = list;
	h.rec.entry_id = "E1";
	h.rec.name = name;
	h.rec.countries = cc;
	h.rec.n_countries = ncc;
	return h;
}

static void test_clean_and_destinations(void **state)
{
	(void)state;
	assert_int_equal(decide(ORDER("DE", EU("Eifel Molkerei eG", "DE", "commercial"), ITEM("5A992.c", "mass_market")),
				NULL, 0),
			 ES_DEC_CLEAR);
	assert_int_equal(res.n_reasons, 0);
	assert_int_equal(decide(ORDER("CU", EU("Paladar", "CU", "commercial"), ITEM("EAR99", "none")), NULL, 0),
			 ES_DEC_PROHIBITED);
	assert_true(has_reason("EMBARGO"));
	assert_int_equal(decide(ORDER("SY", EU("Bakery", "SY", "commercial"), ITEM("EAR99", "none")), NULL, 0),
			 ES_DEC_REVIEW);
	assert_true(has_reason("SYRIA_SPP"));
	assert_int_equal(decide(ORDER("RU", EU("Dairy", "RU", "commercial"), ITEM("5A992.c", "mass_market")), NULL, 0),
			 ES_DEC_LICENSE);
	assert_true(has_reason("RUSSIA_BELARUS"));
	/* diversion: end user in Iran behind a Turkish destination */
	assert_int_equal(decide(ORDER("TR", EU("Isfahan Steel", "IR", "commercial"), ITEM("EAR99", "none")), NULL, 0),
			 ES_DEC_PROHIBITED);
	assert_true(has_reason("DIVERSION_RISK"));
}

static void test_enc_and_end_users(void **state)
{
	(void)state;
	assert_int_equal(decide(ORDER("BR", EU("Ministerio da Economia", "BR", "government"), ITEM("5A002.a", "b2")),
				NULL, 0),
			 ES_DEC_LICENSE);
	assert_true(has_reason("ENC_GOV_END_USER"));
	assert_int_equal(decide(ORDER("FR", EU("Ministere", "FR", "government"), ITEM("5A002.a", "b2")), NULL, 0),
			 ES_DEC_CLEAR);
	/* the paragraph as classifications write it is the same class */
	assert_int_equal(decide(ORDER("BR", EU("Ministerio da Economia", "BR", "government"),
				      ITEM("5A002.a", "740.17(b)(2)")), NULL, 0),
			 ES_DEC_LICENSE);
	assert_true(has_reason("ENC_GOV_END_USER"));
	assert_false(has_reason("BAD_ENC"));
	assert_int_equal(decide(ORDER("BR", EU("Empresa", "BR", "commercial"), ITEM("5A002.a", "ENC (b)(1)")), NULL, 0),
			 ES_DEC_CLEAR);
	assert_int_equal(decide(ORDER("DE", EU("Firma", "DE", "commercial"), ITEM("5A992.c", "Mass Market")), NULL, 0),
			 ES_DEC_CLEAR);
	/* ... but not another paragraph */
	assert_int_equal(decide(ORDER("DE", EU("Firma", "DE", "commercial"), ITEM("5A002.a", "740.17(b)(4)")), NULL, 0),
			 ES_DEC_REVIEW);
	assert_true(has_reason("BAD_ENC"));
	assert_int_equal(decide(ORDER("BR", EU("Empresa", "BR", "commercial"), ITEM("5A002.a", "none")), NULL, 0),
			 ES_DEC_LICENSE);
	assert_true(has_reason("ENC_NOT_ELIGIBLE"));
	assert_int_equal(decide(ORDER("CA", EU("Empresa", "CA", "commercial"), ITEM("5A002.a", "none")), NULL, 0),
			 ES_DEC_CLEAR);
	/* military end user in China: Supp. 2 item -> licence, (b)(1) 5A002 -> review */
	assert_int_equal(decide(ORDER("CN", EU("Unit 61398", "CN", "military"), ITEM("5A992.c", "mass_market")), NULL, 0),
			 ES_DEC_LICENSE);
	assert_int_equal(decide(ORDER("CN", EU("Unit 61398", "CN", "military"), ITEM("5A002.a", "b1")), NULL, 0),
			 ES_DEC_REVIEW);
	/* keyword re-typing: 'Army' in a 'commercial' end user's name, substring traps do not fire */
	assert_int_equal(decide(ORDER("KH", EU("Royal Army Signal Unit", "KH", "commercial"), ITEM("5A992.c", "mass_market")),
				NULL, 0),
			 ES_DEC_LICENSE);
	assert_true(has_reason("KEYWORD_END_USER"));
	assert_int_equal(decide(ORDER("KH", EU("Armyworm Guardian Navyblue Ltd", "KH", "commercial"),
				      ITEM("5A992.c", "mass_market")),
				NULL, 0),
			 ES_DEC_CLEAR);
	/* missing data */
	assert_int_equal(decide(ORDER("DE", EU("Eifel", "DE", "commercial"), "{\"sku\":\"x\"}"), NULL, 0), ES_DEC_REVIEW);
	assert_true(has_reason("MISSING_ECCN"));
	assert_int_equal(decide(ORDER("DE", "{\"role\":\"buyer\",\"name\":\"B\",\"country\":\"DE\"}", ITEM("EAR99", "none")),
				NULL, 0),
			 ES_DEC_REVIEW);
	assert_true(has_reason("MISSING_END_USER"));
	assert_int_equal(decide(ORDER("DE", EU("TBD", "DE", "unknown"), ITEM("EAR99", "none")), NULL, 0), ES_DEC_REVIEW);
	assert_true(has_reason("END_USER_UNSPECIFIED"));
}

static void test_ukraine(void **state)
{
	(void)state;
	static const struct {
		const char *party;
		es_decision want;
	} cases[] = {
		{"{\"role\":\"end_user\",\"name\":\"X\",\"country\":\"UA\",\"city\":\"Yalta\"}", ES_DEC_PROHIBITED},
		{"{\"role\":\"end_user\",\"name\":\"X\",\"country\":\"UA\",\"postal_code\":\"95000\"}", ES_DEC_PROHIBITED},
		{"{\"role\":\"end_user\",\"name\":\"X\",\"country\":\"RU\",\"postal_code\":\"299011\"}", ES_DEC_PROHIBITED},
		{"{\"role\":\"end_user\",\"name\":\"X\",\"country\":\"UA\",\"region\":\"UA-40\"}", ES_DEC_PROHIBITED},
		{"{\"role\":\"end_user\",\"name\":\"X\",\"country\":\"UA\",\"city\":\"\xd0\x9a\xd0\x95\xd0\xa0\xd0\xa7\xd0\xac\"}",
		 ES_DEC_PROHIBITED}, /* КЕРЧЬ, upper case Cyrillic */
		{"{\"role\":\"end_user\",\"name\":\"X\",\"country\":\"UA\",\"city\":\"Horlivka\"}", ES_DEC_PROHIBITED},
		{"{\"role\":\"end_user\",\"name\":\"X\",\"country\":\"UA\",\"city\":\"Kramatorsk\",\"postal_code\":\"84300\"}",
		 ES_DEC_REVIEW},
		{"{\"role\":\"end_user\",\"name\":\"X\",\"country\":\"UA\",\"region\":\"Khersonska oblast\"}", ES_DEC_REVIEW},
		{"{\"role\":\"end_user\",\"name\":\"X\",\"country\":\"UA\",\"city\":\"Lviv\",\"postal_code\":\"79000\"}",
		 ES_DEC_CLEAR},
		{"{\"role\":\"end_user\",\"name\":\"X\",\"country\":\"UA\",\"city\":\"Odesa\",\"postal_code\":\"65000\"}",
		 ES_DEC_CLEAR},
	};
	char buf[512];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(buf, sizeof buf, "{\"destination\":\"UA\",\"parties\":[%s],\"items\":[%s]}", cases[i].party,
			 ITEM("5A992.c", "mass_market"));
		es_decision d = decide(buf, NULL, 0);
		if (d != cases[i].want)
			fail_msg("case %zu %s: %s, want %s", i, cases[i].party, es_decision_name(d),
				 es_decision_name(cases[i].want));
	}
}

static void test_list_hits(void **state)
{
	(void)state;
	const char *o = ORDER("DE", "{\"role\":\"buyer\",\"name\":\"TECHMA GMBH\",\"country\":\"DE\"}," EU("Eifel", "DE", "commercial"),
			      ITEM("EAR99", "none"));
	es_party_hit h = hit(0, 1.0, "DPL", ES_SRC_US_CSL, "TECHMA GMBH", de_cc, 1);
	assert_int_equal(decide(o, &h, 1), ES_DEC_PROHIBITED);
	assert_true(has_reason("DENIED_PERSON"));
	assert_int_equal(res.n_hits, 1);
	/* a fuzzy score: review, not the list action */
	h.score = 0.9;
	assert_int_equal(decide(o, &h, 1), ES_DEC_REVIEW);
	assert_true(has_reason("FUZZY_MATCH"));
	/* same score but the listed name differs from the party's: not strong */
	h.score = 1.0;
	h.matched_name = h.rec.name = "TECHMA GMBH & CO KG";
	assert_int_equal(decide(o, &h, 1), ES_DEC_REVIEW);
	/* ... unless the entry's primary name is the party's (the match was an alias) */
	h.rec.name = "TECHMA GMBH";
	assert_int_equal(decide(o, &h, 1), ES_DEC_PROHIBITED);
	/* or the listed name ends in an acronym or former name in parentheses */
	h.matched_name = h.rec.name = "TECHMA GMBH (TGM)";
	assert_int_equal(decide(o, &h, 1), ES_DEC_PROHIBITED);
	/* but not one inside the name: another company */
	h.matched_name = h.rec.name = "TECHMA (BERLIN) GMBH";
	assert_int_equal(decide(o, &h, 1), ES_DEC_REVIEW);
	/* listed in another country: a weak match there is no hit at all */
	h = hit(0, 0.9, "DPL", ES_SRC_US_CSL, "TECHMA GMBH", cn_cc, 1);
	assert_int_equal(decide(o, &h, 1), ES_DEC_CLEAR);
	assert_int_equal(res.n_hits, 0);
	/* Entity List: licence for all items, incl. EAR99 */
	h = hit(0, 1.0, "EL", ES_SRC_US_CSL, "TECHMA GMBH", de_cc, 1);
	h.rec.license_requirement = "For all items subject to the EAR (See §744.11 of the EAR)";
	assert_int_equal(decide(o, &h, 1), ES_DEC_LICENSE);
	h.rec.license_requirement = "For items classified under ECCN 3A001";
	assert_int_equal(decide(o, &h, 1), ES_DEC_REVIEW);
	/* MEU: Supp. 2 item -> licence, EAR99 -> review */
	h = hit(0, 1.0, "MEU", ES_SRC_US_CSL, "TECHMA GMBH", de_cc, 1);
	assert_int_equal(decide(o, &h, 1), ES_DEC_REVIEW);
	const char *o2 = ORDER("DE", "{\"role\":\"buyer\",\"name\":\"TECHMA GMBH\",\"country\":\"DE\"}," EU("Eifel", "DE", "commercial"),
			       ITEM("5A992.c", "mass_market"));
	assert_int_equal(decide(o2, &h, 1), ES_DEC_LICENSE);
	/* UVL: an ENC item cannot use the exception */
	h.rec.list = "UVL";
	assert_int_equal(decide(o2, &h, 1), ES_DEC_REVIEW);
	const char *o3 = ORDER("DE", "{\"role\":\"buyer\",\"name\":\"TECHMA GMBH\",\"country\":\"DE\"}," EU("Eifel", "DE", "commercial"),
			       ITEM("5A002.a", "b1"));
	assert_int_equal(decide(o3, &h, 1), ES_DEC_LICENSE);
	/* UN asset freeze; an unmapped CSL sub-list fails closed */
	h.rec.source = ES_SRC_UN_SC;
	h.rec.list = "UN";
	assert_int_equal(decide(o, &h, 1), ES_DEC_PROHIBITED);
	h.rec.source = ES_SRC_US_CSL;
	h.rec.list = "NEWLIST";
	assert_int_equal(decide(o, &h, 1), ES_DEC_REVIEW);
}

/* The matcher's readings of a hit: "Given SURNAME" for a listed "SURNAME,
 * Given" is the literal name (strong); a branch containing a listed name is
 * reviewed even in another country than the listed one. */
static void test_hit_readings(void **state)
{
	(void)state;
	const char *o = ORDER("DE", "{\"role\":\"buyer\",\"name\":\"Ali Atwa\",\"country\":\"DE\"}," EU("Eifel", "DE", "commercial"),
			      ITEM("EAR99", "none"));
	es_party_hit h = hit(0, 1.0, "SDN", ES_SRC_OFAC_SDN, "ATWA, Ali", de_cc, 1);
	assert_int_equal(decide(o, &h, 1), ES_DEC_PROHIBITED); /* the natural order of the listed name */
	/* a spelling the rules' fold does not read as the listed one, which the
	 * matcher says has the listed words (same_words): literal too */
	const char *o2 = ORDER("DE", "{\"role\":\"buyer\",\"name\":\"Ali A. Atwa\",\"country\":\"DE\"}," EU("Eifel", "DE", "commercial"),
			       ITEM("EAR99", "none"));
	assert_int_equal(decide(o2, &h, 1), ES_DEC_REVIEW);
	h.same_words = true;
	assert_int_equal(decide(o2, &h, 1), ES_DEC_PROHIBITED);
	const char *b = ORDER("DE", "{\"role\":\"buyer\",\"name\":\"Bank Tejarat Paris Branch\",\"country\":\"FR\"}," EU("Eifel", "DE", "commercial"),
			      ITEM("EAR99", "none"));
	static const char ir_cc[][3] = {"IR"};
	h = hit(0, 0.85, "SDN", ES_SRC_OFAC_SDN, "BANK TEJARAT", ir_cc, 1);
	assert_int_equal(decide(b, &h, 1), ES_DEC_CLEAR); /* a fuzzy name in another country */
	h.by = ES_MATCH_BY_CONTAINS;
	assert_int_equal(decide(b, &h, 1), ES_DEC_REVIEW);
	assert_true(has_reason("FUZZY_MATCH"));
}

static void test_ownership(void **state)
{
	(void)state;
	char buf[600];
#define OWN_FMT "{\"destination\":\"MY\",\"ship_date\":\"%s\",\"parties\":[" EU("Bayan Test", "MY", "commercial") \
			  ",{\"role\":\"other\",\"name\":\"Owner Sdn Bhd\",\"country\":\"MY\",\"relationship\":\"owner\"," \
			  "\"ownership_percent\":%s}],\"items\":[" ITEM("EAR99", "none") "]}"
	static const char my[][3] = {"MY"};
	es_party_hit h = hit(1, 1.0, "EL", ES_SRC_US_CSL, "Owner Sdn Bhd", my, 1);
	snprintf(buf, sizeof buf, OWN_FMT, "2026-12-01", "55");
	assert_int_equal(decide(buf, &h, 1), ES_DEC_LICENSE);
	assert_true(has_reason("OWNER_LISTED_AFFILIATES"));
	snprintf(buf, sizeof buf, OWN_FMT, "2026-06-01", "55"); /* affiliates rule suspended */
	assert_int_equal(decide(buf, &h, 1), ES_DEC_REVIEW);
	snprintf(buf, sizeof buf, OWN_FMT, "2026-12-01", "null");
	assert_int_equal(decide(buf, &h, 1), ES_DEC_REVIEW);
	h.rec.list = "SDN";
	h.rec.source = ES_SRC_OFAC_SDN;
	snprintf(buf, sizeof buf, OWN_FMT, "2026-06-01", "60");
	assert_int_equal(decide(buf, &h, 1), ES_DEC_PROHIBITED);
	assert_true(has_reason("OWNER_BLOCKED"));
	snprintf(buf, sizeof buf, OWN_FMT, "2026-06-01", "20");
	assert_int_equal(decide(buf, &h, 1), ES_DEC_REVIEW);
}

static void test_stale_and_fold(void **state)
{
	(void)state;
	es_err err = {0};
	const char *o = ORDER("DE", EU("Eifel", "DE", "commercial"), ITEM("EAR99", "none"));
	assert_int_equal(es_order_parse_json(o, strlen(o), countries, &order, &err), ES_OK);
	es_rules_ctx ctx = {.stale = true, .max_age_days = 7};
	es_rules_decide(rules, &order, NULL, 0, &ctx, &res);
	assert_int_equal(res.decision, ES_DEC_REVIEW);
	assert_true(has_reason("LISTS_STALE"));
	char f[128];
	es_fold(es_rules_folder(rules), "Ausr\xc3\xbcstung-Amt, \xe2\x80\x9cSt. Peter's\xe2\x80\x9d", f, sizeof f);
	assert_string_equal(f, " ausrustung amt st peters ");
	es_fold_address(es_rules_folder(rules), "Rm 31, 9th Fl., Shing Yip Ind. Bldg, 19\xe2\x80\x93" "21 Shing Yip St", f, sizeof f);
	assert_string_equal(f, " room 31 9 floor shing yip industrial building 19 21 shing yip street ");
	es_fold(es_rules_folder(rules), "\xd0\x9a\xd0\x95\xd0\xa0\xd0\xa7\xd0\xac", f, sizeof f);
	assert_string_equal(f, " \xd0\xba\xd0\xb5\xd1\x80\xd1\x87\xd1\x8c ");
	/* Chinese: every ideograph a word, full-width punctuation a separator, digits kept */
	es_fold(es_rules_folder(rules), "\xe8\xa7\xa3\xe6\x94\xbe\xe5\x86\x9b" "61398\xef\xbc\x88" "A\xef\xbc\x89", f, sizeof f);
	assert_string_equal(f, " \xe8\xa7\xa3 \xe6\x94\xbe \xe5\x86\x9b 61398 a ");
	/* a small buffer full of ideographs stays terminated and in bounds */
	char small[12];
	es_fold(es_rules_folder(rules), "\xe8\xa7\xa3\xe6\x94\xbe\xe5\x86\x9b\xe8\xa7\xa3\xe6\x94\xbe\xe5\x86\x9b", small, sizeof small);
	assert_true(strlen(small) < sizeof small);
}

/* Regression: a ship_date that is no calendar day (2026-02-31) came out CLEAR. */
static void test_impossible_ship_date(void **state)
{
	(void)state;
	const char *o = "{\"destination\":\"DE\",\"ship_date\":\"2026-02-31\",\"parties\":[" EU("Eifel Molkerei eG", "DE",
			"commercial") "],\"items\":[" ITEM("EAR99", "none") "]}";
	assert_int_equal(decide(o, NULL, 0), ES_DEC_REVIEW);
	assert_true(has_reason("SHIP_DATE_INVALID"));
	o = "{\"destination\":\"DE\",\"ship_date\":\"2024-02-29T08:00:00Z\",\"parties\":[" EU("Eifel Molkerei eG", "DE",
	    "commercial") "],\"items\":[" ITEM("EAR99", "none") "]}";
	assert_int_equal(decide(o, NULL, 0), ES_DEC_CLEAR);
}

/* The list actions and country groups the CLI and the filter ask the rules for. */
static void test_list_action_and_same_country(void **state)
{
	(void)state;
	assert_int_equal(es_rules_list_action(rules, "us_csl", "DPL"), ES_DEC_PROHIBITED);
	assert_int_equal(es_rules_list_action(rules, "us_csl", "EL"), ES_DEC_LICENSE);
	assert_int_equal(es_rules_list_action(rules, "ofac_sdn", "SDN"), ES_DEC_PROHIBITED);
	assert_int_equal(es_rules_list_action(rules, "us_csl", "NO_SUCH_LIST"), ES_DEC_REVIEW);
	assert_int_equal(es_rules_list_action(rules, "no_such_source", "SDN"), ES_DEC_REVIEW);
	assert_true(es_rules_same_country(rules, "HK", "CN"));
	assert_true(es_rules_same_country(rules, "DE", "DE"));
	assert_false(es_rules_same_country(rules, "TW", "CN"));
}

/* Copies lists/rules into a temporary lists dir, replacing one file's text. */
static char *rules_copy(const char *file, const char *text)
{
	char tmpl[] = "/tmp/es_rules_XXXXXX";
	char *dir = mkdtemp(tmpl) ? strdup(tmpl) : NULL;
	char cmd[1024];
	assert_non_null(dir);
	snprintf(cmd, sizeof cmd, "cp -r '%s/rules' '%s/rules'", ES_LISTS_DIR, dir);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof cmd, "%s/rules/%s", dir, file);
	FILE *f = fopen(cmd, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return dir;
}

static void rules_copy_free(char *dir)
{
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(dir);
}

/* Data-file errors name file:line; no threshold has a default in C. */
static void test_data_file_errors(void **state)
{
	(void)state;
	es_rules *r = NULL;
	es_err err = {0};
	char *dir = rules_copy("eccn.tsv", "# header\nEAR99\tear99\tno\tno\n5A002\tquantum\tno\tno\n");
	assert_int_equal(es_rules_load(&r, dir, &err), ES_EFORMAT);
	assert_non_null(strstr(err.msg, "eccn.tsv:3: unknown class 'quantum'"));
	rules_copy_free(dir);
	dir = rules_copy("policy.tsv", "strong_threshold\t0.97\n");
	assert_int_equal(es_rules_load(&r, dir, &err), ES_EFORMAT);
	assert_non_null(strstr(err.msg, "policy.tsv: key review_threshold missing"));
	rules_copy_free(dir);
	dir = rules_copy("ukraine_regions.tsv", "iso\tcrimea\tPROHIBITED\tUA-43\n");
	assert_int_equal(es_rules_load(&r, dir, &err), ES_EFORMAT);
	assert_non_null(strstr(err.msg, "ukraine_regions.tsv:1: expected kind, area, decision, code, as-of date"));
	rules_copy_free(dir);
	assert_null(r);
}

static const char *reason_citation(const char *code)
{
	for (size_t i = 0; i < res.n_reasons; i++)
		if (strcmp(res.reasons[i].code, code) == 0)
			return res.reasons[i].citation;
	return "";
}

/* OFAC 50 % rule "in the aggregate" (FAQ 401): two SDN owners of 30 % and 25 %
 * block the company; 20 % + 20 % do not. A "SURNAME, Given" listing meets the
 * given-name-first owner as the same name. */
static void test_aggregate_ownership(void **state)
{
	(void)state;
	char buf[900];
#define TWO_OWNERS "{\"destination\":\"DE\",\"parties\":[" EU("Hafen GmbH", "DE", "commercial") \
	",{\"role\":\"other\",\"name\":\"BANK ROSSIYA\",\"country\":\"RU\",\"relationship\":\"owner\",\"ownership_percent\":%d}" \
	",{\"role\":\"other\",\"name\":\"Ivan Petrov\",\"country\":\"RU\",\"relationship\":\"owner\",\"ownership_percent\":%d}" \
	"],\"items\":[" ITEM("EAR99", "none") "]}"
	static const char ru[][3] = {"RU"};
	es_party_hit h[2] = {hit(1, 1.0, "SDN", ES_SRC_OFAC_SDN, "BANK ROSSIYA", ru, 1),
			     hit(2, 0.99, "SDN", ES_SRC_OFAC_SDN, "PETROV, Ivan", ru, 1)};
	h[1].rec.entry_id = "E2";
	snprintf(buf, sizeof buf, TWO_OWNERS, 30, 25);
	assert_int_equal(decide(buf, h, 2), ES_DEC_PROHIBITED);
	assert_true(has_reason("OWNER_BLOCKED"));
	assert_non_null(strstr(res.reasons[0].message, "55 % in aggregate"));
	assert_int_equal(res.n_hits, 2);
	snprintf(buf, sizeof buf, TWO_OWNERS, 20, 20);
	assert_int_equal(decide(buf, h, 2), ES_DEC_REVIEW);
	assert_true(has_reason("OWNER_LISTED_MINORITY"));
	/* "Ivan Petrov" is not "PETROV, Ivan Sergeyevich": not the listed name, only fuzzy */
	h[1].matched_name = h[1].rec.name = "PETROV, Ivan Sergeyevich";
	snprintf(buf, sizeof buf, TWO_OWNERS, 30, 25);
	assert_int_equal(decide(buf, h, 2), ES_DEC_REVIEW);
	/* EL owners add up under the affiliates rule, apart from OFAC owners */
	static const char cn[][3] = {"CN"};
	h[0] = hit(1, 1.0, "EL", ES_SRC_US_CSL, "BANK ROSSIYA", cn, 1);
	h[0].rec.countries = ru;
	h[1] = hit(2, 1.0, "EL", ES_SRC_US_CSL, "PETROV, Ivan", ru, 1);
	h[1].rec.entry_id = "E2";
	snprintf(buf, sizeof buf, TWO_OWNERS, 30, 25);
	assert_int_equal(decide(buf, h, 2), ES_DEC_LICENSE);
	assert_true(has_reason("OWNER_LISTED_AFFILIATES"));
}

/* An owner on CMIC or NS-MBS is information in hits, not a reason (rules.md §1.1);
 * a party on them keeps the list action. */
static void test_cmic_owner_info(void **state)
{
	(void)state;
	static const char cn[][3] = {"CN"};
	const char *o = "{\"destination\":\"SG\",\"parties\":[" EU("Lion Cameras Pte Ltd", "SG", "commercial")
			",{\"role\":\"other\",\"name\":\"CHINA MOBILE\",\"country\":\"CN\",\"relationship\":\"owner\","
			"\"ownership_percent\":60}],\"items\":[" ITEM("5A992.c", "mass_market") "]}";
	es_party_hit h = hit(1, 1.0, "CMIC", ES_SRC_US_CSL, "CHINA MOBILE", cn, 1);
	assert_int_equal(decide(o, &h, 1), ES_DEC_CLEAR);
	assert_int_equal(res.n_reasons, 0);
	assert_int_equal(res.n_hits, 1);
	assert_int_equal(res.hits[0].action, ES_DEC_CLEAR);
	const char *p = ORDER("CN", EU("CHINA MOBILE", "CN", "telecom"), ITEM("5A992.c", "mass_market"));
	h.party = 0;
	assert_int_equal(decide(p, &h, 1), ES_DEC_REVIEW);
	assert_true(has_reason("CMIC_LIST"));
}

#define FREE_TEXT(dest, member, text, item) \
	"{\"destination\":\"" dest "\",\"" member "\":\"" text "\",\"parties\":[" EU("Steppe Net LLP", dest, "commercial") \
	"],\"items\":[" item "]}"

/* A destination stated in free text, in the languages orders come in, is a
 * destination for every rule; a negated or language mention is not. */
static void test_stated_destination(void **state)
{
	(void)state;
	static const struct {
		const char *json;
		es_decision want;
	} cases[] = {
		{FREE_TEXT("KZ", "end_use", "onward sale to our clients in Russia", ITEM("5A992.c", "mass_market")), ES_DEC_LICENSE},
		{FREE_TEXT("AM", "end_use", "\xd0\xb4\xd0\xbb\xd1\x8f \xd0\xbf\xd0\xbe\xd1\x81\xd1\x82\xd0\xb0\xd0\xb2\xd0\xba\xd0\xb8 \xd0\xb2 "
			   "\xd0\xa0\xd0\xbe\xd1\x81\xd1\x81\xd0\xb8\xd1\x8e", ITEM("5A992.c", "mass_market")), ES_DEC_LICENSE},
		{FREE_TEXT("TR", "notes", "Weiterverkauf nach Belarus", ITEM("5A992.c", "mass_market")), ES_DEC_LICENSE},
		{FREE_TEXT("AE", "end_use", "re-export to Iran", ITEM("EAR99", "none")), ES_DEC_PROHIBITED},
		{FREE_TEXT("AE", "notes", "\xe8\xbd\xac\xe5\x94\xae\xe7\xbb\x99\xe4\xbc\x8a\xe6\x9c\x97\xe5\xae\xa2\xe6\x88\xb7",
			   ITEM("5A992.c", "mass_market")), ES_DEC_PROHIBITED},
		{FREE_TEXT("TR", "end_use", "Rusya'ya yeniden sat\xc4\xb1\xc5\x9f", ITEM("5A992.c", "mass_market")), ES_DEC_LICENSE},
		{FREE_TEXT("AE", "end_use", "Office network. Not for re-export to Iran, Syria or North Korea.",
			   ITEM("5A992.c", "mass_market")), ES_DEC_CLEAR},
		{FREE_TEXT("DE", "notes", "Keine Wiederausfuhr nach Russland", ITEM("5A992.c", "mass_market")), ES_DEC_CLEAR},
		{FREE_TEXT("KZ", "end_use", "campus Wi-Fi; Russian-language manual", ITEM("5A992.c", "mass_market")), ES_DEC_CLEAR},
		{FREE_TEXT("DE", "end_use", "resale in Germany", ITEM("5A992.c", "mass_market")), ES_DEC_CLEAR},
		{FREE_TEXT("TR", "end_use", "delivery to Simferopol via Novorossiysk", ITEM("5A992.c", "mass_market")),
		 ES_DEC_PROHIBITED},
		{FREE_TEXT("UA", "notes", "not for delivery to Crimea", ITEM("5A992.c", "mass_market")), ES_DEC_CLEAR},
		{FREE_TEXT("AE", "end_use", "replacement PSUs, made in China; customers from Iran", ITEM("5A992.c", "mass_market")),
		 ES_DEC_PROHIBITED},
		{FREE_TEXT("DE", "end_use", "replacement parts made in China", ITEM("5A992.c", "mass_market")), ES_DEC_CLEAR},
		{FREE_TEXT("AE", "remarks", "goods for re-export to Iran", ITEM("5A992.c", "mass_market")), ES_DEC_PROHIBITED},
		{FREE_TEXT("AE", "comments", "\xd8\xa5\xd8\xb9\xd8\xa7\xd8\xaf\xd8\xa9 \xd8\xa7\xd9\x84\xd8\xaa\xd8\xb5\xd8\xaf\xd9\x8a\xd8\xb1 "
			   "\xd8\xa5\xd9\x84\xd9\x89 \xd8\xa5\xd9\x8a\xd8\xb1\xd8\xa7\xd9\x86", ITEM("5A992.c", "mass_market")), ES_DEC_PROHIBITED},
		/* a non-string note is passed through, not read and not an error */
		{"{\"destination\":\"DE\",\"notes\":[\"re-export to Iran\"],\"parties\":[" EU("Eifel", "DE", "commercial")
		 "],\"items\":[" ITEM("5A992.c", "mass_market") "]}", ES_DEC_CLEAR},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		es_decision d = decide(cases[i].json, NULL, 0);
		if (d != cases[i].want)
			fail_msg("case %zu: %s, want %s", i, es_decision_name(d), es_decision_name(cases[i].want));
	}
	decide(cases[0].json, NULL, 0);
	assert_true(has_reason("REEXPORT_DESTINATION"));
	assert_string_equal(reason_citation("REEXPORT_DESTINATION"), "15 CFR 746.8(a); 736.2(b)(10); Supp. 3 to Part 732 (evasive about re-export)");
}

/* Keyword re-typing only where a rule turns on the type; false friends never;
 * a domestic US sale fires no destination, end-use or end-user-type rule. */
static void test_keywords_where_they_matter(void **state)
{
	(void)state;
	/* Germany, mass market: no rule turns on a military end user */
	assert_int_equal(decide(ORDER("DE", EU("Bundeswehr Sozialwerk", "DE", "commercial"), ITEM("5A992.c", "mass_market")), NULL, 0),
			 ES_DEC_CLEAR);
	/* China, Supp. 2 item: it does */
	assert_int_equal(decide(ORDER("CN", EU("PLA Navy Unit 91", "CN", "commercial"), ITEM("5A992.c", "mass_market")), NULL, 0),
			 ES_DEC_LICENSE);
	assert_true(has_reason("KEYWORD_END_USER"));
	/* India, ENC (b)(2) outside Supp. 3: government type matters */
	assert_int_equal(decide(ORDER("IN", EU("Indian Army Signals", "IN", "commercial"), ITEM("5A002.a", "b2")), NULL, 0),
			 ES_DEC_LICENSE);
	/* a military end use in Germany, mass market: nothing turns on it; in China it does */
	assert_int_equal(decide(FREE_TEXT("DE", "end_use", "army base network", ITEM("5A992.c", "mass_market")), NULL, 0),
			 ES_DEC_CLEAR);
	assert_int_equal(decide(FREE_TEXT("CN", "end_use", "army base network", ITEM("5A992.c", "mass_market")), NULL, 0),
			 ES_DEC_LICENSE);
	assert_true(has_reason("END_USE_RED_FLAG"));
	/* a credit union named after the navy is no navy, even in China */
	assert_int_equal(decide(ORDER("CN", EU("Navy Federal Credit Union", "CN", "commercial"), ITEM("5A992.c", "mass_market")),
				NULL, 0),
			 ES_DEC_CLEAR);
	/* domestic US sale */
	const char *us = "{\"destination\":\"US\",\"end_use\":\"Army base network\",\"parties\":["
			 "{\"role\":\"buyer\",\"name\":\"CDW LLC\",\"country\":\"US\"}," EU("Fort Hood Army Store", "US", "commercial")
			 "],\"items\":[" ITEM("5A002.a", "b2") "]}";
	assert_int_equal(decide(us, NULL, 0), ES_DEC_CLEAR);
	/* ... where an Entity List party is a red flag, not a licence, and the DPL still prohibits */
	static const char us_cc[][3] = {"US"};
	es_party_hit h = hit(0, 1.0, "EL", ES_SRC_US_CSL, "CDW LLC", us_cc, 1);
	assert_int_equal(decide(us, &h, 1), ES_DEC_REVIEW);
	h.rec.list = "DPL";
	assert_int_equal(decide(us, &h, 1), ES_DEC_PROHIBITED);
}

/* Each reason cites the rule of its own country; EAR99 to RU/BY cites the HTS supplements. */
static void test_country_citations(void **state)
{
	(void)state;
	decide(ORDER("TR", EU("Moskva Trade", "RU", "commercial"), ITEM("EAR99", "none")), NULL, 0);
	assert_true(has_reason("DIVERSION_RISK"));
	assert_null(strstr(reason_citation("DIVERSION_RISK"), "560.204"));
	assert_non_null(strstr(reason_citation("DIVERSION_RISK"), "746.8"));
	assert_true(has_reason("RUSSIA_BELARUS_EAR99"));
	assert_non_null(strstr(reason_citation("RUSSIA_BELARUS_EAR99"), "88 FR 33422"));
	decide(ORDER("CU", EU("Paladar", "CU", "commercial"), ITEM("EAR99", "none")), NULL, 0);
	assert_string_equal(reason_citation("EMBARGO"), "15 CFR 746.2; 31 CFR 515 (CACR)");
}

/* Red flags in the languages orders come in, compounds included. */
static void test_multilingual_red_flags(void **state)
{
	(void)state;
	static const char *const forwarders[] = {
		"\xd0\xa2\xd1\x80\xd0\xb0\xd0\xbd\xd1\x81\xd0\x9b\xd0\xbe\xd0\xb3\xd0\xb8\xd1\x81\xd1\x82\xd0\xb8\xd0\xba\xd0\xb0 \xd0\xa2\xd0\x9e\xd0\x9e", /* ТрансЛогистика ТОО */
		"Speditionsgesellschaft Nord mbH",
		"\xe9\xa6\x99\xe6\xb8\xaf\xe8\xb4\xa7\xe8\xbf\x90\xe4\xbb\xa3\xe7\x90\x86\xe6\x9c\x89\xe9\x99\x90\xe5\x85\xac\xe5\x8f\xb8", /* 香港货运代理有限公司 */
		"Anadolu Lojistik AS",
	};
	char buf[512];
	for (size_t i = 0; i < sizeof forwarders / sizeof forwarders[0]; i++) {
		snprintf(buf, sizeof buf, "{\"destination\":\"KZ\",\"parties\":[{\"role\":\"end_user\",\"name\":\"%s\","
			 "\"country\":\"KZ\",\"type\":\"commercial\"}],\"items\":[" ITEM("5A992.c", "mass_market") "]}", forwarders[i]);
		assert_int_equal(decide(buf, NULL, 0), ES_DEC_REVIEW);
		assert_true(has_reason("FORWARDER_END_USER"));
	}
	/* a core router for a bakery named in Russian */
	const char *bakery = "{\"destination\":\"GE\",\"parties\":[" EU("\xd0\x9f\xd0\xb5\xd0\xba\xd0\xb0\xd1\x80\xd0\xbd\xd1\x8f \xd0\xa2\xd0\xb1\xd0\xb8\xd0\xbb\xd0\xb8\xd1\x81\xd0\xb8", "GE", "commercial")
			     "],\"items\":[{\"sku\":\"MX204\",\"eccn\":\"5A002.a\",\"enc\":\"b1\"}]}";
	assert_int_equal(decide(bakery, NULL, 0), ES_DEC_REVIEW);
	assert_true(has_reason("PRODUCT_MISMATCH"));
	const char *cash = "{\"destination\":\"FR\",\"payment_terms\":\"paiement comptant en esp\xc3\xa8" "ces\",\"parties\":["
			   EU("Atelier SARL", "FR", "commercial") "],\"items\":[" ITEM("5A992.c", "mass_market") "]}";
	assert_int_equal(decide(cash, NULL, 0), ES_DEC_REVIEW);
	assert_true(has_reason("PAYMENT_RED_FLAG"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean_and_destinations),
		cmocka_unit_test(test_enc_and_end_users),
		cmocka_unit_test(test_ukraine),
		cmocka_unit_test(test_list_hits),
		cmocka_unit_test(test_hit_readings),
		cmocka_unit_test(test_ownership),
		cmocka_unit_test(test_stale_and_fold),
		cmocka_unit_test(test_impossible_ship_date),
		cmocka_unit_test(test_list_action_and_same_country),
		cmocka_unit_test(test_data_file_errors),
		cmocka_unit_test(test_aggregate_ownership),
		cmocka_unit_test(test_cmic_owner_info),
		cmocka_unit_test(test_stated_destination),
		cmocka_unit_test(test_keywords_where_they_matter),
		cmocka_unit_test(test_country_citations),
		cmocka_unit_test(test_multilingual_red_flags),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
