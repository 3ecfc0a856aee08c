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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bundled_catalog),
		cmocka_unit_test(test_bad_catalogs),
		cmocka_unit_test(test_url_policy),
		cmocka_unit_test(test_refused_connection),
		cmocka_unit_test(test_lock),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
