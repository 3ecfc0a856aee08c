/* Unit tests of what the CLI needs about its installation and its sources:
 * es_install (the bundled data files found beside the executable, the
 * environment override, the error that says what to do), es_links (official
 * source links: the most specific row wins, the entry id percent-encoded, a
 * short buffer refused) and es_data_age (limits per source, file:line errors). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "es_data_age.h"
#include "es_install.h"
#include "es_io.h"
#include "es_links.h"

static char *scratch(void)
{
	char tmpl[] = "/tmp/es-test-install-XXXXXX";
	char *d = mkdtemp(tmpl);
	assert_non_null(d);
	return strdup(d);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_install_lists_dir(void **state)
{
	(void)state;
	char *root = scratch();
	char p[512], exe[512];
	es_err err = {0};
	char *out = NULL;
	unsetenv(ES_LISTS_DIR_ENV);

	/* nothing beside the executable: an error naming both places and the fix */
	snprintf(p, sizeof p, "%s/bin", root);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(exe, sizeof exe, "%s/bin/exportscreen", root);
	assert_int_equal(es_install_lists_dir(&out, exe, &err), ES_EMISSING);
	assert_null(out);
	assert_non_null(strstr(err.msg, "share/exportscreen"));
	assert_non_null(strstr(err.msg, ES_LISTS_DIR_ENV));

	/* <bindir>/lists (the build tree's link) */
	snprintf(p, sizeof p, "%s/bin/lists", root);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof p, "%s/bin/lists/manifest.json", root);
	write_text(p, "{}");
	assert_int_equal(es_install_lists_dir(&out, exe, &err), ES_OK);
	snprintf(p, sizeof p, "%s/bin/lists", root);
	char *want = realpath(p, NULL);
	assert_string_equal(out, want);
	free(out);
	free(want);

	/* <prefix>/share/exportscreen comes first */
	snprintf(p, sizeof p, "%s/share", root);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof p, "%s/share/exportscreen", root);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof p, "%s/share/exportscreen/manifest.json", root);
	write_text(p, "{}");
	assert_int_equal(es_install_lists_dir(&out, exe, &err), ES_OK);
	snprintf(p, sizeof p, "%s/share/exportscreen", root);
	want = realpath(p, NULL);
	assert_string_equal(out, want);
	free(out);
	free(want);

	/* the environment wins, taken as given */
	setenv(ES_LISTS_DIR_ENV, "/somewhere/else", 1);
	assert_int_equal(es_install_lists_dir(&out, exe, &err), ES_OK);
	assert_string_equal(out, "/somewhere/else");
	free(out);
	setenv(ES_LISTS_DIR_ENV, "", 1); /* empty: ignored */
	assert_int_equal(es_install_lists_dir(&out, exe, &err), ES_OK);
	assert_string_equal(out, want = realpath(p, NULL));
	free(out);
	free(want);
	unsetenv(ES_LISTS_DIR_ENV);

	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
	free(root);
}

static void test_links(void **state)
{
	(void)state;
	es_links *l = NULL;
	es_err err = {0};
	char url[256];
	assert_int_equal(es_links_load(&l, ES_LISTS_DIR "/source_links.tsv", &err), ES_OK);
	assert_int_equal(es_links_url(l, ES_SRC_OFAC_SDN, "SDN", "306", url, sizeof url), ES_OK);
	assert_string_equal(url, "https://sanctionssearch.ofac.treas.gov/Details.aspx?id=306");
	/* the list's own row before the source's '*' row */
	assert_int_equal(es_links_url(l, ES_SRC_US_CSL, "MEU", "abc", url, sizeof url), ES_OK);
	assert_non_null(strstr(url, "Supplement%20No.%207%20to%20Part%20744"));
	assert_int_equal(es_links_url(l, ES_SRC_US_CSL, "DPL", "abc", url, sizeof url), ES_OK);
	assert_string_equal(url, "https://www.trade.gov/consolidated-screening-list");
	/* an id that is not URL-safe is percent-encoded */
	assert_int_equal(es_links_url(l, ES_SRC_OFAC_CONS, NULL, "a b&c/d", url, sizeof url), ES_OK);
	assert_string_equal(url, "https://sanctionssearch.ofac.treas.gov/Details.aspx?id=a%20b%26c%2Fd");
	/* too small a buffer: refused, never cut */
	char small[20];
	assert_int_equal(es_links_url(l, ES_SRC_OFAC_SDN, "SDN", "306", small, sizeof small), ES_ETOOBIG);
	assert_string_equal(small, "");
	/* a page of the entry itself, or a list where the reader looks the id up */
	assert_true(es_links_per_entry(l, ES_SRC_OFAC_SDN, "SDN"));
	assert_false(es_links_per_entry(l, ES_SRC_US_CSL, "EL"));
	es_links_free(l);

	char *root = scratch();
	char p[512];
	snprintf(p, sizeof p, "%s/links.tsv", root);
	write_text(p, "# c\nofac_sdn\t*\thttps://x/{id}\nun_sc\t*\thttp://plain/\n");
	assert_int_equal(es_links_load(&l, p, &err), ES_EFORMAT);
	assert_non_null(strstr(err.msg, "links.tsv:3: the url must start with https://"));
	write_text(p, "nosuch\t*\thttps://x\n");
	assert_int_equal(es_links_load(&l, p, &err), ES_EFORMAT);
	assert_non_null(strstr(err.msg, ":1: unknown source 'nosuch'"));
	write_text(p, "un_sc\thttps://x\n");
	assert_int_equal(es_links_load(&l, p, &err), ES_EFORMAT);
	assert_non_null(strstr(err.msg, ":1: expected source, list and url"));
	/* a source with no row: no link */
	write_text(p, "un_sc\t*\thttps://un/\n");
	assert_int_equal(es_links_load(&l, p, &err), ES_OK);
	assert_int_equal(es_links_url(l, ES_SRC_EU_FSF, "EU", "1", url, sizeof url), ES_OK);
	assert_string_equal(url, "");
	es_links_free(l);
	es_links_free(NULL);
	unlink(p);
	rmdir(root);
	free(root);
}

static void test_data_age(void **state)
{
	(void)state;
	es_data_age *a = NULL;
	es_err err = {0};
	assert_int_equal(es_data_age_load(&a, ES_LISTS_DIR "/data_age.tsv", &err), ES_OK);
	for (int s = 0; s < ES_SRC_COUNT; s++)
		assert_true(es_data_age_limit(a, (es_source)s) > 0); /* every source has a limit */
	es_data_age_free(a);

	char *root = scratch();
	char p[512];
	snprintf(p, sizeof p, "%s/age.tsv", root);
	write_text(p, "un_sc\t10\n");
	assert_int_equal(es_data_age_load(&a, p, &err), ES_OK);
	assert_int_equal(es_data_age_limit(a, ES_SRC_UN_SC), 10);
	assert_int_equal(es_data_age_limit(a, ES_SRC_OFAC_SDN), -1);
	es_data_age_free(a);
	write_text(p, "un_sc\t10\nun_sc\t20\n");
	assert_int_equal(es_data_age_load(&a, p, &err), ES_EFORMAT);
	assert_non_null(strstr(err.msg, "age.tsv:2: un_sc given twice"));
	write_text(p, "\n# x\nun_sc\t0\n");
	assert_int_equal(es_data_age_load(&a, p, &err), ES_EFORMAT);
	assert_non_null(strstr(err.msg, "age.tsv:3: days must be a whole number"));

	es_manifest_source s;
	memset(&s, 0, sizeof s);
	time_t now = es_parse_iso_time("2026-03-11T12:00:00Z");
	snprintf(s.data_date, sizeof s.data_date, "2026-03-01");
	assert_int_equal(es_source_data_age_days(&s, now), 10);
	s.data_date[0] = '\0';
	assert_int_equal(es_source_data_age_days(&s, now), -1);
	snprintf(s.data_date, sizeof s.data_date, "2026-04-01"); /* in the future: 0 */
	assert_int_equal(es_source_data_age_days(&s, now), 0);
	unlink(p);
	rmdir(root);
	free(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_install_lists_dir),
		cmocka_unit_test(test_links),
		cmocka_unit_test(test_data_age),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
