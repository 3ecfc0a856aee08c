#define _XOPEN_SOURCE 700 /* nftw */
/* The service's small parsers and guards: token file, form fields, listen
 * addresses, HTML/URL escaping; and es_live keeping a snapshot alive while it
 * is held. (Endpoints are tested over HTTP in tests/cli/test_serve.py.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <ftw.h>
#include <stdio.h>

#include "es_live.h"
#include "es_review.h"
#include "es_serve.h"

static void test_tokens(void **state)
{
	(void)state;
	es_tokens *t = NULL;
	es_err err = {0};
	const char ok[] = "# reviewers\n\nalice  s3cr3t-token-alice-0123456789\r\nbob\ts3cr3t-token-bob-0123456789xyz\n";
	assert_int_equal(es_tokens_parse(&t, ok, strlen(ok), "tok", &err), ES_OK);
	assert_string_equal(es_tokens_lookup(t, "s3cr3t-token-alice-0123456789"), "alice");
	assert_string_equal(es_tokens_lookup(t, "s3cr3t-token-bob-0123456789xyz"), "bob");
	assert_null(es_tokens_lookup(t, "s3cr3t-token-alice-012345678"));   /* a prefix */
	assert_null(es_tokens_lookup(t, "s3cr3t-token-alice-0123456789x")); /* longer */
	assert_null(es_tokens_lookup(t, ""));
	es_tokens_free(t);

	const char short_tok[] = "alice tooshort\n";
	assert_int_equal(es_tokens_parse(&t, short_tok, strlen(short_tok), "tok", &err), ES_EFORMAT);
	assert_string_equal(err.msg, "tok:1: token shorter than 16 characters");
	const char three[] = "# c\nalice s3cr3t-token-alice-0123456789 extra\n";
	assert_int_equal(es_tokens_parse(&t, three, strlen(three), "tok", &err), ES_EFORMAT);
	assert_string_equal(err.msg, "tok:2: expected 'name token'");
	assert_int_equal(es_tokens_parse(&t, "# only\n", 7, "tok", &err), ES_EFORMAT);
	assert_string_equal(err.msg, "tok: no tokens");
	const char nul[] = "alice s3cr3t-token-alice-01234\0" "56789\n";
	assert_int_equal(es_tokens_parse(&t, nul, sizeof nul - 1, "tok", &err), ES_EFORMAT);
	assert_null(t);
}

static void test_form(void **state)
{
	(void)state;
	const char body[] = "csrf=ab12&party=Polic%C3%ADa+Nacional&reason=a%26b%3Dc&empty=&bad=%zz&nul=%00&cut=%4";
	size_t n = strlen(body);
	char *v = es_form_value(body, n, "party");
	assert_string_equal(v, "Polic\xc3\xad" "a Nacional");
	free(v);
	v = es_form_value(body, n, "reason");
	assert_string_equal(v, "a&b=c");
	free(v);
	v = es_form_value(body, n, "empty");
	assert_string_equal(v, "");
	free(v);
	assert_null(es_form_value(body, n, "bad"));
	assert_null(es_form_value(body, n, "nul"));
	assert_null(es_form_value(body, n, "cut"));
	assert_null(es_form_value(body, n, "missing"));
	assert_null(es_form_value(body, n, "csr")); /* a prefix of a key is not the key */
	v = es_form_value(body, 9, "csrf");      /* the body ends where len says */
	assert_string_equal(v, "ab12");
	free(v);
}

static void test_listen(void **state)
{
	(void)state;
	assert_true(es_serve_is_loopback("127.0.0.1:8080"));
	assert_true(es_serve_is_loopback("127.1.2.3:0"));
	assert_true(es_serve_is_loopback("localhost:80"));
	assert_true(es_serve_is_loopback("[::1]:8080"));
	assert_false(es_serve_is_loopback("0.0.0.0:8080"));
	assert_false(es_serve_is_loopback("[::]:8080"));
	assert_false(es_serve_is_loopback("10.0.0.1:8080"));
	assert_false(es_serve_is_loopback("127.0.0.1:65536"));
	assert_false(es_serve_is_loopback("127.0.0.1"));
	assert_false(es_serve_is_loopback("example.org:80"));
}

static void test_escape(void **state)
{
	(void)state;
	es_buf b = {0};
	es_review_html_escape(&b, "<img src=x onerror=alert(1)> & \"q\" 'a'");
	assert_string_equal(b.s, "&lt;img src=x onerror=alert(1)&gt; &amp; &quot;q&quot; &#39;a&#39;");
	es_buf_clear(&b);
	es_review_url_encode(&b, "a b&c=d/é");
	assert_string_equal(b.s, "a%20b%26c%3Dd%2F%C3%A9");
	es_buf_free(&b);
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* A snapshot stays usable after the holder lets it go, until released. */
static void test_live_refcount(void **state)
{
	(void)state;
	char dir[] = "/tmp/es-test-live-XXXXXX";
	assert_non_null(mkdtemp(dir));
	es_countries *c = NULL;
	es_err err = {0};
	assert_int_equal(es_countries_load(&c, ES_LISTS_DIR "/countries.tsv", &err), ES_OK);
	es_live_config lc = {.data_dir = dir, .lists_dir = ES_LISTS_DIR, .countries = c, .max_age_days = 7};
	es_live *l = NULL;
	assert_int_equal(es_live_open(&l, &lc, &err), ES_OK);
	es_snapshot *s = es_live_acquire(l);
	assert_true(s->ls->bundled);
	bool changed = true;
	assert_int_equal(es_live_refresh(l, &changed, &err), ES_OK);
	assert_false(changed); /* nothing swapped in: the same snapshot */
	assert_ptr_equal(es_live_acquire(l), s);
	es_snapshot_release(s);
	es_live_free(l);
	/* still held: usable */
	assert_true(es_matcher_count(s->m) > 1000);
	assert_int_equal(strlen(s->version), 64);
	es_snapshot_release(s);
	es_countries_free(c);
	nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tokens), cmocka_unit_test(test_form), cmocka_unit_test(test_listen),
		cmocka_unit_test(test_escape), cmocka_unit_test(test_live_refcount),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
