/* es_check: a name's hits grouped into listed entities, against a small
 * in-memory list made like the real ones: the CSL's per-address Entity List
 * rows of one party, an OFAC entry and the CSL's copy under the same ent_num,
 * two OFAC persons who share a name, and an entity listed on another list. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "es_check.h"
#include "es_match.h"
#include "es_rules.h"

static es_entityset set;
static es_matcher *m;
static es_rules *rules;

static void add(es_source src, const char *id, const char *list, es_type type, const char *name, const char *city,
		const char *cc)
{
	es_err err = {0};
	es_entity *e = es_entity_new(src);
	assert_non_null(e);
	assert_int_equal(es_entity_set(&e->entry_id, id, strlen(id), &err), ES_OK);
	assert_int_equal(es_entity_set(&e->list, list, strlen(list), &err), ES_OK);
	e->type = type;
	assert_int_equal(es_entity_set_name(e, name, strlen(name), &err), ES_OK);
	assert_int_equal(es_entity_add_country(e, cc, ES_CTRY_ADDRESS, &err), ES_OK);
	es_address a = {0};
	a.city = (char *)city;
	memcpy(a.country, cc, 3);
	assert_int_equal(es_entity_add_address(e, &a, &err), ES_OK);
	assert_int_equal(es_entityset_add(&set, e, &err), ES_OK);
}

static int setup(void **state)
{
	(void)state;
	es_err err = {0};
	es_entityset_init(&set);
	/* one EL party at two addresses, in three rows (one address twice) */
	add(ES_SRC_US_CSL, "c-a1", "EL", ES_TYPE_UNKNOWN, "Zephyr Widget Works Co., Ltd.", "Shenzhen", "CN");
	add(ES_SRC_US_CSL, "c-a2", "EL", ES_TYPE_UNKNOWN, "Zephyr Widget Works Co., Ltd.", "Beijing", "CN");
	add(ES_SRC_US_CSL, "c-a3", "EL", ES_TYPE_UNKNOWN, "ZEPHYR WIDGET WORKS CO LTD", "Shenzhen", "CN");
	/* an SDN entry and the CSL's copy of it */
	add(ES_SRC_OFAC_SDN, "501", "SDN", ES_TYPE_ENTITY, "ZEPHYR WIDGET WORKS TRADING", "Dubai", "AE");
	add(ES_SRC_US_CSL, "501", "SDN", ES_TYPE_ENTITY, "ZEPHYR WIDGET WORKS TRADING", "Dubai", "AE");
	/* the same name on another list of the CSL: another row */
	add(ES_SRC_US_CSL, "c-u1", "CMIC", ES_TYPE_UNKNOWN, "Zephyr Widget Works Co., Ltd.", "Shenzhen", "CN");
	/* two persons of one name on the SDN list, one copied by the CSL */
	add(ES_SRC_OFAC_SDN, "601", "SDN", ES_TYPE_PERSON, "QUIRINO, Zephyr", "Lima", "PE");
	add(ES_SRC_OFAC_SDN, "602", "SDN", ES_TYPE_PERSON, "QUIRINO, Zephyr", "Quito", "EC");
	add(ES_SRC_US_CSL, "602", "SDN", ES_TYPE_PERSON, "QUIRINO, Zephyr", "Quito", "EC");
	if (es_matcher_from_entities(&m, &set, ES_LISTS_DIR, &err) != ES_OK)
		return -1;
	return es_rules_load(&rules, ES_LISTS_DIR, &err) == ES_OK ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	es_rules_free(rules);
	es_matcher_free(m);
	es_entityset_clear(&set);
	return 0;
}

static const char *row_id(const es_hit *hits, const es_check_entity *e, size_t i, es_source *src)
{
	es_rec r;
	es_matcher_entity(m, hits[e->members[i]].entity, &r);
	if (src)
		*src = r.source;
	return r.entry_id;
}

static void test_group_entity_rows(void **state)
{
	(void)state;
	es_hit hits[32];
	size_t n = 0, ne = 0;
	es_err err = {0};
	es_query q = {.threshold = 0.5, .limit = 32, .type = ES_TYPE_UNKNOWN};
	assert_int_equal(es_matcher_query(m, "Zephyr Widget Works", &q, hits, 32, &n, &err), ES_OK);
	assert_int_equal(n, 6);
	es_check_entity *e = NULL;
	assert_int_equal(es_check_group(m, rules, hits, n, &e, &ne, &err), ES_OK);
	assert_int_equal(ne, 3);
	/* PROHIBITED first: the SDN entry with its CSL copy, both sources named */
	assert_int_equal(e[0].action, ES_DEC_PROHIBITED);
	assert_int_equal(e[0].n, 2);
	es_source s0, s1;
	assert_string_equal(row_id(hits, &e[0], 0, &s0), "501");
	assert_string_equal(row_id(hits, &e[0], 1, &s1), "501");
	assert_true(s0 != s1);
	assert_int_equal(e[0].n_addresses, 1); /* the same Dubai address twice */
	/* then the Entity List party: three rows, two distinct addresses */
	assert_int_equal(e[1].action, ES_DEC_LICENSE);
	assert_int_equal(e[1].n, 3);
	assert_int_equal(e[1].n_addresses, 2);
	/* then the other list's row, on its own */
	assert_int_equal(e[2].n, 1);
	assert_string_equal(row_id(hits, &e[2], 0, NULL), "c-u1");
	assert_int_equal(e[2].action, ES_DEC_REVIEW); /* CMIC */
	/* each entity's score is its best row's; rows are best first */
	for (size_t k = 0; k < ne; k++) {
		assert_true(e[k].score == hits[e[k].first].score);
		assert_int_equal(e[k].members[0], e[k].first);
		for (size_t i = 1; i < e[k].n; i++)
			assert_true(e[k].members[i] > e[k].members[i - 1]);
	}
	es_check_entities_free(e);
}

static void test_two_persons_one_name(void **state)
{
	(void)state;
	es_hit hits[8];
	size_t n = 0, ne = 0;
	es_err err = {0};
	es_query q = {.threshold = 0.8, .limit = 8, .type = ES_TYPE_UNKNOWN};
	assert_int_equal(es_matcher_query(m, "Zephyr Quirino", &q, hits, 8, &n, &err), ES_OK);
	assert_int_equal(n, 3);
	es_check_entity *e = NULL;
	assert_int_equal(es_check_group(m, rules, hits, n, &e, &ne, &err), ES_OK);
	assert_int_equal(ne, 2); /* 601 alone; 602 with its CSL copy */
	size_t with_copy = e[0].n == 2 ? 0 : 1;
	assert_int_equal(e[with_copy].n, 2);
	assert_string_equal(row_id(hits, &e[with_copy], 0, NULL), "602");
	assert_string_equal(row_id(hits, &e[with_copy], 1, NULL), "602");
	assert_int_equal(e[1 - with_copy].n, 1);
	assert_string_equal(row_id(hits, &e[1 - with_copy], 0, NULL), "601");
	es_check_entities_free(e);

	/* no hits: no entities */
	assert_int_equal(es_check_group(m, rules, hits, 0, &e, &ne, &err), ES_OK);
	assert_int_equal(ne, 0);
	es_check_entities_free(e);
}

static void test_fold(void **state)
{
	(void)state;
	char out[64];
	es_check_fold("Zephyr Widget Works Co., Ltd.", out, sizeof out);
	assert_string_equal(out, "zephyr widget works co ltd");
	es_check_fold("  --QUIRINO,  Zephyr!", out, sizeof out);
	assert_string_equal(out, "quirino zephyr");
	es_check_fold("Банк Россия", out, sizeof out); /* non-ASCII kept */
	assert_string_equal(out, "Банк Россия");
	char tiny[6];
	es_check_fold("abcdefghij", tiny, sizeof tiny);
	assert_true(strlen(tiny) < sizeof tiny);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_group_entity_rows),
		cmocka_unit_test(test_two_persons_one_name),
		cmocka_unit_test(test_fold),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
