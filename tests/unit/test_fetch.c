/* Fetcher pieces that need no server: the catalog loader (the bundled
 * catalog and every bad-*.tsv fixture), the URL policy of es_http, and the
 * fetch lock. The network cases are in tests/cli/test_fetch.py. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>

#include "es_fetch.h"
#include "es_http.h"
#include "es_io.h"
#include "es_listset.h"
#include "es_manifest.h"

static void test_bundled_catalog(void **state)
{
	(void)state;
	es_err err = {0};
	es_catalog *c = NULL;
	char *p = es_path_join(ES_LISTS_DIR, "sources.tsv");
	assert_int_equal(es_catalog_load(&c, p, &err), ES_OK);
	assert_int_equal(es_catalog_count(c), 6);
	const es_catalog_source *sdn = es_catalog_find(c, ES_SRC_OFAC_SDN);
	assert_non_null(sdn);
	assert_string_equal(sdn->format, "ofac_csv");
	assert_int_equal(sdn->n_files, 4);
	assert_string_equal(sdn->files[0].role, "main");
	assert_true(sdn->files[0].n_urls >= 1);
	assert_non_null(strstr(sdn->files[0].urls[0], "sanctionslistservice.ofac.treas.gov"));
	assert_int_equal(es_catalog_find(c, ES_SRC_OFAC_CONS)->n_files, 4);
	const es_catalog_source *un = es_catalog_find(c, ES_SRC_UN_SC);
	assert_string_equal(un->files[0].version, "sha256-xml-attr:dateGenerated");
	for (int s = 0; s < ES_SRC_COUNT; s++)
		assert_non_null(es_catalog_find(c, (es_source)s));
	es_catalog_free(c);
	free(p);
}

static void test_bad_catalogs(void **state)
{
	(void)state;
	char *dir = es_path_join(ES_TEST_DATA, "fetch");
	DIR *d = opendir(dir);
	assert_non_null(d);
	struct dirent *de;
	int n = 0;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "bad-", 4) != 0)
			continue;
		char *p = es_path_join(dir, de->d_name);
		char *buf;
		size_t len;
		assert_int_equal(es_read_file(p, 4096, &buf, &len, NULL), ES_OK);
		/* first line: "# expect: <message fragment>" */
		char *nl = strchr(buf, '\n');
		assert_non_null(nl);
		*nl = '\0';
		assert_memory_equal(buf, "# expect: ", 10);
		es_err err = {0};
		es_catalog *c = NULL;
		es_code rc = es_catalog_load(&c, p, &err);
		if (rc == ES_OK || !strstr(err.msg, buf + 10))
			print_error("%s: rc %d, message '%s', wanted '%s'\n", de->d_name, rc, err.msg, buf + 10);
		assert_int_equal(rc, ES_EFORMAT);
		assert_null(c);
		assert_non_null(strstr(err.msg, buf + 10));
		free(buf);
		free(p);
		n++;
	}
	closedir(d);
	free(dir);
	assert_true(n >= 10);
}

static void test_url_policy(void **state)
{
	(void)state;
	es_err err = {0};
	assert_int_equal(es_http_check_url("https://example.org/x", &err), ES_OK);
	assert_int_equal(es_http_check_url("http://127.0.0.1:8080/x", &err), ES_OK);
	assert_int_equal(es_http_check_url("http://127.8.9.10/x", &err), ES_OK);
	assert_int_equal(es_http_check_url("http://localhost/x", &err), ES_OK);
	assert_int_equal(es_http_check_url("http://[::1]:81/x", &err), ES_OK);
	assert_int_equal(es_http_check_url("http://example.org/x", &err), ES_EUSAGE);
	assert_int_equal(es_http_check_url("http://128.0.0.1/x", &err), ES_EUSAGE);
	assert_int_equal(es_http_check_url("http://127.0.0.1.example.org/x", &err), ES_EUSAGE);
	assert_int_equal(es_http_check_url("ftp://127.0.0.1/x", &err), ES_EUSAGE);
	assert_int_equal(es_http_check_url("file:///etc/passwd", &err), ES_EUSAGE);
	assert_int_equal(es_http_check_url("not a url", &err), ES_EUSAGE);
}

static void test_refused_connection(void **state)
{
	(void)state;
	es_err err = {0};
	assert_int_equal(es_http_global_init(&err), ES_OK);
	char path[] = "/tmp/es-http-test-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	es_http_opts o = {.retries = 1, .retry_delay_ms = 1, .connect_timeout_ms = 2000};
	es_http_result res;
	/* port 1 on loopback: nothing listens there in a test environment */
	assert_int_equal(es_http_get("http://127.0.0.1:1/x", &o, fd, &res, &err), ES_ENET);
	assert_int_equal(res.attempts, 2);
	assert_non_null(strstr(err.msg, "after 2 attempts"));
	es_http_result_free(&res);
	close(fd);
	unlink(path);
	es_http_global_cleanup();
}

static void test_lock(void **state)
{
	(void)state;
	char dir[] = "/tmp/es-fetch-lock-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *lp = es_path_join(dir, "fetch.lock");
	int fd = open(lp, O_RDWR | O_CREAT, 0644);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX), 0);
	es_fetch_opts o = {.data_dir = dir, .lists_dir = ES_LISTS_DIR, .max_shrink = -1};
	es_fetch_report rep;
	es_err err = {0};
	assert_int_equal(es_fetch_run(&o, &rep, &err), ES_ELOCKED);
	assert_non_null(strstr(err.msg, "another fetch is running"));
	/* nothing was written but the lock file and the sets dir */
	char *cur = es_path_join(dir, "current");
	assert_int_not_equal(access(cur, F_OK), 0);
	close(fd);
	unlink(lp);
	char *sets = es_path_join(dir, "sets");
	rmdir(sets);
	rmdir(dir);
	free(sets);
	free(cur);
	free(lp);
}

/* ---- fail closed (issue 10 items 2 and 3), the manifest's dates ---- */

static void test_iso_time(void **state)
{
	(void)state;
	assert_int_equal(es_parse_iso_time("2024-07-02T08:24:03Z"), 1719908643);
	assert_int_equal(es_parse_iso_time("2024-07-02"), 1719878400);
	assert_int_equal(es_parse_iso_time("2024-02-29T00:00:00Z"), 1709164800);
	assert_int_equal(es_parse_iso_time("1970-01-01T00:00:00"), 0);
	const char *bad[] = {"2026-02-31T00:00:00Z", "2025-02-29", "2024-13-01", "2024-07-02T24:00:00Z",
			     "2024-07-02T08:60:00Z", "2024-07-02T08:24", "2024-07-02T08:24:03+02:00", "2024-07-02x",
			     "24-07-02", "", NULL};
	for (int i = 0; bad[i]; i++) {
		if (es_parse_iso_time(bad[i]) != -1)
			print_error("accepted '%s'\n", bad[i]);
		assert_int_equal(es_parse_iso_time(bad[i]), -1);
	}
	assert_int_equal(es_parse_iso_time(NULL), -1);
}

static char *tmpdir(void)
{
	char t[] = "/tmp/es-failclosed-XXXXXX";
	assert_non_null(mkdtemp(t));
	return strdup(t);
}

static void put(const char *dir, const char *rel, const char *text)
{
	char *p = es_path_join(dir, rel);
	char *slash = strrchr(p, '/');
	*slash = '\0';
	assert_int_equal(es_mkdirs(p, NULL), ES_OK);
	*slash = '/';
	assert_int_equal(es_write_atomic(p, text, strlen(text), NULL), ES_OK);
	free(p);
}

static void rm_rf(const char *dir)
{
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* A one-source fetched set (the bundled UN list) in DATA/sets/s1, "current"
 * pointing at it; required lists what the manifest says it must hold. */
static void make_set(const char *data, const char *required, const char *un_sha)
{
	char *src = es_path_join(ES_LISTS_DIR, "un-sc/consolidated.xml.gz");
	char *buf;
	size_t len;
	assert_int_equal(es_read_file(src, 64u << 20, &buf, &len, NULL), ES_OK);
	char *dst = es_path_join(data, "sets/s1/un-sc/consolidated.xml");
	put(data, "sets/s1/un-sc/consolidated.xml", "");
	assert_int_equal(es_write_atomic(dst, buf, len, NULL), ES_OK);
	char sha[65];
	es_sha256_hex(buf, len, sha);
	char man[1024];
	snprintf(man, sizeof man,
		 "{\"set\": \"fetched\", %s \"sources\": [{\"id\": \"un_sc\", \"format\": \"un_xml\", "
		 "\"data_date\": \"2026-02-27\", \"fetched_at\": \"2026-02-27T00:00:09Z\", \"entries\": 1003, "
		 "\"files\": [{\"role\": \"main\", \"path\": \"un-sc/consolidated.xml\", \"sha256\": \"%s\"}]}]}",
		 required, un_sha ? un_sha : sha);
	put(data, "sets/s1/manifest.json", man);
	char *cur = es_path_join(data, "current");
	unlink(cur);
	assert_int_equal(symlink("sets/s1", cur), 0);
	free(cur);
	free(dst);
	free(buf);
	free(src);
}

static es_code open_err(const char *data, es_err *err)
{
	es_listset *ls = NULL;
	es_code rc = es_listset_open(&ls, data, ES_LISTS_DIR, err);
	if (rc == ES_OK)
		assert_false(ls->bundled);
	else
		assert_null(ls);
	es_listset_free(ls);
	return rc;
}

static void test_listset_fail_closed(void **state)
{
	(void)state;
	char *data = tmpdir();
	es_err err = {0};
	es_listset *ls = NULL;
	/* never fetched: the bundled snapshot */
	assert_false(es_data_dir_has_fetched(data));
	assert_int_equal(es_listset_open(&ls, data, ES_LISTS_DIR, &err), ES_OK);
	assert_true(ls->bundled);
	es_listset_free(ls);
	/* the marker alone: has fetched, and "current" is missing */
	put(data, ES_FETCHED_MARKER, "x\n");
	assert_true(es_data_dir_has_fetched(data));
	assert_int_equal(open_err(data, &err), ES_ECORRUPT);
	assert_non_null(strstr(err.msg, "current is missing"));
	assert_non_null(strstr(err.msg, "run 'exportscreen fetch'"));
	/* a good one-source set */
	make_set(data, "\"required\": [\"un_sc\"],", NULL);
	assert_int_equal(open_err(data, &err), ES_OK);
	/* it must hold a source it lacks */
	make_set(data, "\"required\": [\"un_sc\", \"ofac_sdn\", \"uk_fcdo\"],", NULL);
	assert_int_equal(open_err(data, &err), ES_ECORRUPT);
	assert_non_null(strstr(err.msg, "lack sources the catalog has: ofac_sdn uk_fcdo"));
	assert_non_null(strstr(err.msg, "run 'exportscreen fetch ofac_sdn uk_fcdo'"));
	/* it does not say what it must hold */
	make_set(data, "", NULL);
	assert_int_equal(open_err(data, &err), ES_ECORRUPT);
	assert_non_null(strstr(err.msg, "does not say which sources"));
	/* "required" naming no source id */
	make_set(data, "\"required\": [\"un_sc\", \"nope\"],", NULL);
	assert_int_equal(open_err(data, &err), ES_ECORRUPT);
	assert_non_null(strstr(err.msg, "unknown source 'nope'"));
	/* dangling, then looping */
	char *cur = es_path_join(data, "current");
	unlink(cur);
	assert_int_equal(symlink("sets/gone", cur), 0);
	assert_int_equal(open_err(data, &err), ES_ECORRUPT);
	assert_non_null(strstr(err.msg, "does not exist"));
	unlink(cur);
	assert_int_equal(symlink("current", cur), 0);
	assert_int_equal(open_err(data, &err), ES_ECORRUPT);
	assert_non_null(strstr(err.msg, "symlink loop"));
	free(cur);
	rm_rf(data);
	free(data);
}

static es_code parse_un(const char *data, es_err *err, size_t *n)
{
	es_listset *ls = NULL;
	es_countries *cs = NULL;
	char *cp = es_path_join(ES_LISTS_DIR, "countries.tsv");
	assert_int_equal(es_countries_load(&cs, cp, NULL), ES_OK);
	assert_int_equal(es_listset_open(&ls, data, ES_LISTS_DIR, err), ES_OK);
	es_entityset set;
	es_entityset_init(&set);
	es_listset_parse_opts po = {.countries = cs, .out = &set};
	es_code rc = es_listset_parse_all(ls, &po, err);
	*n = set.n;
	es_entityset_clear(&set);
	es_listset_free(ls);
	es_countries_free(cs);
	free(cp);
	return rc;
}

static void test_parse_checks_hash(void **state)
{
	(void)state;
	char *data = tmpdir();
	es_err err = {0};
	size_t n = 0;
	make_set(data, "\"required\": [\"un_sc\"],", NULL);
	assert_int_equal(parse_un(data, &err, &n), ES_OK);
	assert_int_equal(n, 1003);
	/* the same file under a manifest hash it does not match: never parsed */
	make_set(data, "\"required\": [\"un_sc\"],",
		 "0000000000000000000000000000000000000000000000000000000000000000");
	n = 0;
	assert_int_equal(parse_un(data, &err, &n), ES_ECORRUPT);
	assert_int_equal(n, 0);
	assert_non_null(strstr(err.msg, "does not match the manifest sha256"));
	assert_non_null(strstr(err.msg, "run 'exportscreen fetch'"));
	rm_rf(data);
	free(data);
}

static void test_manifest_dates_and_required(void **state)
{
	(void)state;
	char *dir = tmpdir();
	char *p = es_path_join(dir, "manifest.json");
	const char *file = "{\"role\": \"main\", \"path\": \"a\", \"sha256\": "
			   "\"0000000000000000000000000000000000000000000000000000000000000000\"}";
	char text[1024];
	es_manifest m;
	es_err err = {0};
	const char *bad[][2] = {
		{"\"data_date\": \"2026-02-31\"", "bad data_date"},
		{"\"data_date\": \"2025-02-29\"", "bad data_date"},
		{"\"fetched_at\": \"2024-07-02T08:61:00Z\"", "bad fetched_at"},
		{"\"fetched_at\": \"yesterday\"", "bad fetched_at"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(text, sizeof text, "{\"sources\": [{\"id\": \"un_sc\", %s, \"files\": [%s]}]}", bad[i][0],
			 file);
		assert_int_equal(es_write_atomic(p, text, strlen(text), NULL), ES_OK);
		assert_int_equal(es_manifest_load(&m, p, &err), ES_ECORRUPT);
		assert_non_null(strstr(err.msg, bad[i][1]));
	}
	snprintf(text, sizeof text,
		 "{\"set\": \"fetched\", \"required\": [\"eu_fsf\", \"un_sc\"], \"sources\": [{\"id\": \"un_sc\", "
		 "\"data_date\": \"2024-02-29\", \"fetched_at\": \"2024-07-02T08:24:03Z\", \"files\": [%s]}]}",
		 file);
	assert_int_equal(es_write_atomic(p, text, strlen(text), NULL), ES_OK);
	assert_int_equal(es_manifest_load(&m, p, &err), ES_OK);
	assert_true(m.has_required);
	assert_true(m.required[ES_SRC_EU_FSF] && m.required[ES_SRC_UN_SC] && !m.required[ES_SRC_OFAC_SDN]);
	/* saved and loaded again: the same */
	assert_int_equal(es_manifest_save(&m, p, &err), ES_OK);
	es_manifest_free(&m);
	assert_int_equal(es_manifest_load(&m, p, &err), ES_OK);
	assert_true(m.has_required && m.required[ES_SRC_EU_FSF] && m.required[ES_SRC_UN_SC]);
	assert_false(m.required[ES_SRC_UK_FCDO]);
	assert_string_equal(m.sources[0].data_date, "2024-02-29");
	es_manifest_free(&m);
	/* the bundled manifest states no "required" */
	char *bp = es_path_join(ES_LISTS_DIR, "manifest.json");
	assert_int_equal(es_manifest_load(&m, bp, &err), ES_OK);
	assert_false(m.has_required);
	es_manifest_free(&m);
	free(bp);
	unlink(p);
	free(p);
	rmdir(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bundled_catalog),
		cmocka_unit_test(test_bad_catalogs),
		cmocka_unit_test(test_url_policy),
		cmocka_unit_test(test_refused_connection),
		cmocka_unit_test(test_lock),
		cmocka_unit_test(test_iso_time),
		cmocka_unit_test(test_listset_fail_closed),
		cmocka_unit_test(test_parse_checks_hash),
		cmocka_unit_test(test_manifest_dates_and_required),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
