/* Core modules: entity builders, country table, manifest, list set. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "es_country.h"
#include "es_entity.h"
#include "es_io.h"
#include "es_listset.h"
#include "es_manifest.h"

static void test_entity_builders(void **state)
{
	(void)state;
	es_err err = {0};
	es_entity *e = es_entity_new(ES_SRC_OFAC_SDN);
	assert_non_null(e);
	assert_int_equal(es_entity_set_name(e, "  BANCO NACIONAL DE CUBA ", (size_t)-1, &err), ES_OK);
	assert_string_equal(e->name, "BANCO NACIONAL DE CUBA");
	assert_int_equal(e->n_names, 1);
	assert_int_equal(e->names[0].kind, ES_NAME_PRIMARY);
	/* a duplicate alias adds nothing; a weak one is upgraded by a strong copy */
	assert_int_equal(es_entity_add_name(e, "BNC", 3, ES_NAME_AKA, ES_WEAK, NULL, &err), ES_OK);
	assert_int_equal(es_entity_add_name(e, "BNC", 3, ES_NAME_AKA, ES_STRONG, NULL, &err), ES_OK);
	assert_int_equal(e->n_names, 2);
	assert_int_equal(e->names[1].strength, ES_STRONG);
	/* bad country codes are refused */
	assert_int_equal(es_entity_add_country(e, "cu", ES_CTRY_ADDRESS, &err), ES_EUSAGE);
	assert_int_equal(es_entity_add_country(e, "CU", ES_CTRY_ADDRESS, &err), ES_OK);
	assert_int_equal(es_entity_add_country(e, "CU", ES_CTRY_ADDRESS, &err), ES_OK);
	assert_int_equal(e->n_countries, 1);
	/* over-long names are an error, not a truncation */
	char *big = malloc(ES_MAX_NAME + 10);
	memset(big, 'A', ES_MAX_NAME + 9);
	big[ES_MAX_NAME + 9] = '\0';
	assert_int_equal(es_entity_add_name(e, big, (size_t)-1, ES_NAME_AKA, ES_STRONG, NULL, &err), ES_ETOOBIG);
	free(big);
	assert_int_equal(es_entity_validate(e, &err), ES_EMISSING); /* no entry id yet */
	es_entity_set(&e->entry_id, "306", (size_t)-1, &err);
	es_entity_set(&e->list, "SDN", (size_t)-1, &err);
	assert_int_equal(es_entity_validate(e, &err), ES_OK);
	es_entity_free(e);
	es_entity_free(NULL);
}

static void test_countries(void **state)
{
	(void)state;
	es_countries *t;
	es_err err = {0};
	assert_int_equal(es_countries_load(&t, ES_LISTS_DIR "/countries.tsv", &err), ES_OK);
	assert_string_equal(es_country_lookup(t, "Iran", (size_t)-1), "IR");
	assert_string_equal(es_country_lookup(t, "Korea, North", (size_t)-1), "KP");
	assert_string_equal(es_country_lookup(t, "KOREA NORTH", (size_t)-1), "KP");
	assert_string_equal(es_country_lookup(t, "Russian Federation", (size_t)-1), "RU");
	assert_string_equal(es_country_lookup(t, "Democratic People's Republic of Korea", (size_t)-1), "KP");
	assert_string_equal(es_country_lookup(t, " de ", (size_t)-1), "DE");
	assert_null(es_country_lookup(t, "Atlantis", (size_t)-1));
	assert_true(es_country_valid(t, "UA"));
	assert_false(es_country_valid(t, "UKR"));
	assert_false(es_country_valid(t, "ZZ"));
	es_countries_free(t);
}

static void test_bundled_manifest(void **state)
{
	(void)state;
	es_manifest m;
	es_err err = {0};
	assert_int_equal(es_manifest_load(&m, ES_LISTS_DIR "/manifest.json", &err), ES_OK);
	assert_int_equal(m.n_sources, 4);
	es_manifest_source *s = es_manifest_find(&m, ES_SRC_OFAC_SDN);
	assert_non_null(s);
	assert_int_equal(s->entries, 15443);
	/* every bundled file's content matches its recorded sha256 */
	for (size_t i = 0; i < m.n_sources; i++) {
		for (size_t k = 0; k < m.sources[i].n_files; k++) {
			char *p = es_path_join(ES_LISTS_DIR, m.sources[i].files[k].path);
			char hex[65];
			assert_int_equal(es_sha256_file(p, ES_PARSE_MAX_BYTES, hex, &err), ES_OK);
			assert_string_equal(hex, m.sources[i].files[k].sha256);
			free(p);
		}
	}
	es_manifest_free(&m);
}

static void test_utf8(void **state)
{
	(void)state;
	size_t off;
	assert_true(es_utf8_valid("Iv\xc3\xa1n", 5, NULL));
	assert_false(es_utf8_valid("Iv\xe1n", 4, &off));
	assert_int_equal(off, 2);
	assert_false(es_utf8_valid("\xc0\xaf", 2, NULL));         /* overlong */
	assert_false(es_utf8_valid("\xed\xa0\x80", 3, NULL));     /* surrogate */
	assert_false(es_utf8_valid("\xe2\x82", 2, NULL));         /* truncated */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entity_builders),
		cmocka_unit_test(test_countries),
		cmocka_unit_test(test_bundled_manifest),
		cmocka_unit_test(test_utf8),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
