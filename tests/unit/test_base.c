/* The base kit: dates, UTF-8 walking, buffers, vectors, the hash, JSON text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "es_buf.h"
#include "es_date.h"
#include "es_dl.h"
#include "es_hash.h"
#include "es_jsondoc.h"
#include "es_jsonw.h"
#include "es_map64.h"
#include "es_utf8.h"

static void test_dates(void **state)
{
	(void)state;
	es_date d;
	assert_true(es_date_parse_iso("2026-12-07", 10, &d));
	assert_int_equal(d.y, 2026);
	assert_int_equal(d.m, 12);
	assert_int_equal(d.d, 7);
	assert_true(es_date_parse_iso("2024-02-29", 10, &d));  /* leap year */
	assert_false(es_date_parse_iso("2025-02-29", 10, &d)); /* not one */
	assert_false(es_date_parse_iso("2026-02-31", 10, &d));
	assert_false(es_date_parse_iso("1900-02-29", 10, &d));  /* century, not leap */
	assert_true(es_date_parse_iso("2000-02-29", 10, &d));   /* 400-year leap */
	assert_false(es_date_parse_iso("2026-04-31", 10, &d));
	assert_false(es_date_parse_iso("2026-13-01", 10, &d));
	assert_false(es_date_parse_iso("2026-00-10", 10, &d));
	assert_false(es_date_parse_iso("2026-1-10", 9, &d));
	assert_false(es_date_parse_iso("2026-01-10x", 11, &d));
	assert_false(es_date_parse_iso("+026-01-10", 10, &d));
	assert_int_equal(es_date_parse_iso_prefix("2026-01-10T10:00:00Z", 20, &d), 10);
	assert_int_equal(es_date_parse_iso_prefix("2026-01-100", 11, &d), 0);
	assert_true(es_date_parse_us("02/29/2024", 10, &d));
	assert_false(es_date_parse_us("02/30/2024", 10, &d));
	es_date a = {1970, 1, 1}, b = {2026, 12, 7}, c = {2024, 3, 1}, e = {2024, 2, 28};
	assert_int_equal(es_date_days(a), 0);
	assert_int_equal(es_date_days(b), 20794);
	assert_int_equal(es_date_days(c) - es_date_days(e), 2);
	char out[11];
	es_date_format(b, out);
	assert_string_equal(out, "2026-12-07");
}

static void test_utf8_walker(void **state)
{
	(void)state;
	size_t bad = 99;
	assert_true(es_utf8_valid("Stra\xc3\x9f" "e \xe5\x8d\x8e\xe4\xb8\xba", 14, &bad));
	assert_false(es_utf8_valid("ab\xc0\xaf", 4, &bad)); /* overlong */
	assert_int_equal(bad, 2);
	assert_false(es_utf8_valid("a\xed\xa0\x80", 4, &bad)); /* surrogate */
	assert_int_equal(bad, 1);
	assert_false(es_utf8_valid("a\xe5\x8d", 3, &bad)); /* cut */
	assert_true(es_utf8_valid("\xef\xbf\xbd", 3, &bad)); /* a real U+FFFD */
	const char *s = "\xe5\x8d\x8e\xe4\xb8\xba ab"; /* 华为 ab */
	size_t n = strlen(s);
	assert_int_equal(es_utf8_count(s, n), 5);
	assert_int_equal(es_utf8_prefix_chars(s, n, 1), 3);
	assert_int_equal(es_utf8_width(s, n), 7);
	size_t cols;
	assert_int_equal(es_utf8_prefix_width(s, n, 3, &cols), 3); /* 华 fits, 为 does not */
	assert_int_equal(cols, 2);
	assert_int_equal(es_utf8_prefix_bytes(s, n, 4), 3);
	assert_int_equal(es_utf8_prefix_bytes(s, n, 6), 6);
	assert_int_equal(es_utf8_width("e\xcc\x81", 3), 1); /* combining acute */
}

static void test_buf_vec_hash(void **state)
{
	(void)state;
	es_buf b = {0};
	for (int i = 0; i < 1000; i++)
		es_buf_printf(&b, "%d,", i);
	assert_false(b.oom);
	assert_int_equal(strncmp(b.s, "0,1,2,", 6), 0);
	assert_int_equal(b.s[b.len], '\0');
	es_buf_clear(&b);
	es_buf_adds(&b, "x");
	es_buf_addc(&b, 'y');
	char *t = es_buf_take(&b);
	assert_string_equal(t, "xy");
	assert_null(b.s);
	free(t);
	es_vec v = {0};
	for (int i = 0; i < 100; i++) {
		int *slot = es_vec_push(&v, sizeof(int));
		assert_non_null(slot);
		assert_int_equal(*slot, 0);
		*slot = i * 3;
	}
	assert_int_equal(v.n, 100);
	assert_int_equal(((int *)v.data)[99], 297);
	es_vec_free(&v);
	assert_true(es_hash("a", 1) != es_hash("b", 1));
	assert_true(es_hash_more(es_hash("ab", 2), "c", 1) == es_hash("abc", 3));
	assert_true(es_hash("", 0) == 14695981039346656037ULL);
}

/* the partial dates of lists' dates of birth, and DD/MM/YYYY */
static void test_partial_dates(void **state)
{
	(void)state;
	es_date d;
	assert_true(es_date_parse_dmy("28/02/2025", 10, &d));
	assert_int_equal(d.y * 10000 + d.m * 100 + d.d, 20250228);
	assert_false(es_date_parse_dmy("29/02/2025", 10, &d));
	assert_false(es_date_parse_dmy("31/04/2026", 10, &d));
	assert_false(es_date_parse_dmy("2/02/2025x", 10, &d));
	/* ISO partial: year, year-month, full; impossible parts dropped */
	assert_true(es_date_parse_partial_iso("1975", 4, &d));
	assert_true(d.y == 1975 && d.m == 0 && d.d == 0);
	assert_true(es_date_parse_partial_iso("1975-06", 7, &d));
	assert_true(d.y == 1975 && d.m == 6 && d.d == 0);
	assert_true(es_date_parse_partial_iso("1975-06-30 to 1976", 18, &d));
	assert_true(d.y == 1975 && d.m == 6 && d.d == 30);
	assert_true(es_date_parse_partial_iso("2026-02-31", 10, &d));
	assert_true(d.y == 2026 && d.m == 2 && d.d == 0);
	assert_true(es_date_parse_partial_iso("2025-02-29", 10, &d));
	assert_true(d.y == 2025 && d.m == 2 && d.d == 0);
	assert_true(es_date_parse_partial_iso("2024-02-29", 10, &d));
	assert_true(d.d == 29);
	assert_true(es_date_parse_partial_iso("1975-13-01", 10, &d));
	assert_true(d.y == 1975 && d.m == 0 && d.d == 0);
	assert_false(es_date_parse_partial_iso("197", 3, &d));
	assert_false(es_date_parse_partial_iso("circa 1975", 10, &d));
	/* DD/MM/YYYY with 00 for unknown parts */
	assert_true(es_date_parse_partial_dmy("00/00/1960", 10, &d));
	assert_true(d.y == 1960 && d.m == 0 && d.d == 0);
	assert_true(es_date_parse_partial_dmy("00/07/1960", 10, &d));
	assert_true(d.y == 1960 && d.m == 7 && d.d == 0);
	assert_true(es_date_parse_partial_dmy("31/06/1960", 10, &d));
	assert_true(d.y == 1960 && d.m == 6 && d.d == 0);
	assert_false(es_date_parse_partial_dmy("1960", 4, &d));
	/* numbers already split; an unknown year still allows 29 February */
	d = es_date_partial(0, 2, 29);
	assert_true(d.m == 2 && d.d == 29);
	d = es_date_partial(1970, 2, 29);
	assert_true(d.y == 1970 && d.m == 2 && d.d == 0);
}

/* A library loaded on first use: found and its functions resolved, or a
 * one-line reason, the same on every later call. */
static void test_dl(void **state)
{
	(void)state;
	static const char *const syms[] = {"cos", "sqrt", NULL};
	void *fn[2] = {NULL, NULL};
	es_dl ok = {"libm", "libm.so.6", syms, fn, 0, ""};
	es_err err = {0};
	assert_int_equal(es_dl_load(&ok, &err), ES_OK);
	assert_non_null(fn[0]);
	double (*c)(double) = (double (*)(double))fn[0];
	assert_true(c(0.0) == 1.0);
	assert_int_equal(es_dl_load(&ok, &err), ES_OK);

	static const char *const none[] = {"f", NULL};
	void *nf[1] = {NULL};
	es_dl missing = {"libnothing", "libnothing-es-test.so.9", none, nf, 0, ""};
	assert_int_equal(es_dl_load(&missing, &err), ES_EMISSING);
	assert_non_null(strstr(err.msg, "cannot load libnothing (libnothing-es-test.so.9)"));
	assert_null(strchr(err.msg, '\n'));
	assert_int_equal(es_dl_load(&missing, &err), ES_EMISSING);

	static const char *const absent[] = {"cos", "es_no_such_function", NULL};
	void *af[2] = {NULL, NULL};
	es_dl old = {"libm", "libm.so.6", absent, af, 0, ""};
	assert_int_equal(es_dl_load(&old, &err), ES_EMISSING);
	assert_non_null(strstr(err.msg, "has no es_no_such_function"));
}

static void test_map64(void **state)
{
	(void)state;
	es_map64 m = {0};
	assert_int_equal(es_map64_get(&m, 42), 0); /* empty: no table yet */
	/* enough keys to grow several times; colliding low bits too */
	for (uint32_t i = 1; i <= 5000; i++) {
		bool fresh = false;
		uint32_t *v = es_map64_slot(&m, (uint64_t)i << 20, &fresh);
		assert_non_null(v);
		assert_true(fresh);
		*v = i * 3;
	}
	assert_int_equal(m.n, 5000);
	assert_true(m.cap >= 2 * m.n);
	bool fresh = true;
	uint32_t *v = es_map64_slot(&m, (uint64_t)7 << 20, &fresh);
	assert_false(fresh);
	assert_int_equal(*v, 21);
	for (uint32_t i = 1; i <= 5000; i++)
		assert_int_equal(es_map64_get(&m, (uint64_t)i << 20), i * 3);
	assert_int_equal(es_map64_get(&m, 5001ull << 20), 0);
	es_map64_free(&m);
	assert_null(m.k);
	assert_int_equal(m.n, 0);
}

/* ---- es_jsondoc ---- */

static const es_jval *jread(es_jsondoc *d, const char *s, es_err *e)
{
	memset(e, 0, sizeof *e);
	return es_jsondoc_read(d, s, strlen(s), e);
}

/* jansson's verdict on s (JSON_DECODE_ANY, as es_jsondoc reads) */
static bool jansson_reads(const char *s)
{
	json_t *j = json_loadb(s, strlen(s), JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL | JSON_DECODE_ANY, NULL);
	json_decref(j);
	return j != NULL;
}

static void test_jsondoc(void **state)
{
	(void)state;
	es_jsondoc *d = es_jsondoc_new();
	assert_non_null(d);
	es_err e;
	const es_jval *v = jread(d, "{\"a\":\"x\",\"b\":[1,2.5e1,true,null],\"c\":{}}", &e);
	assert_non_null(v);
	assert_int_equal(v->type, ES_JSON_OBJECT);
	assert_int_equal(v->len, 3);
	assert_string_equal(es_jval_get(v, "a")->str, "x");
	const es_jval *b = es_jval_get(v, "b");
	assert_int_equal(b->type, ES_JSON_ARRAY);
	assert_int_equal(b->len, 4);
	assert_true(b->first->num == 1.0 && b->first->next->num == 25.0);
	assert_int_equal(b->first->next->next->type, ES_JSON_TRUE);
	assert_int_equal(b->first->next->next->next->type, ES_JSON_NULL);
	assert_int_equal(es_jval_get(v, "c")->len, 0);
	assert_null(es_jval_get(v, "d"));
	assert_null(es_jval_get(b, "a")); /* not an object */
	/* escapes in a name and in its value (yajl decodes both into one buffer) */
	v = jread(d, "{\"n\\u00e4me\":\"Gro\\u00dfe \\\"X\\\"\",\"k\":\"\\ud83d\\ude00\"}", &e);
	assert_non_null(v);
	assert_string_equal(v->first->key, "n\xc3\xa4me");
	assert_string_equal(v->first->str, "Gro\xc3\x9f" "e \"X\"");
	assert_string_equal(es_jval_get(v, "k")->str, "\xf0\x9f\x98\x80"); /* a surrogate pair */
	/* a scalar at the top is a value */
	v = jread(d, " 42 ", &e);
	assert_non_null(v);
	assert_int_equal(v->type, ES_JSON_NUMBER);
	/* a 30-digit integer is a double; 1e400 is not a number jansson takes */
	v = jread(d, "[123456789012345678901234567890]", &e);
	assert_non_null(v);
	assert_true(v->first->num > 1.2e29);
	/* rejected as jansson rejects, with its message and column */
	static const char *const bad[] = {
		"{\"a\":1,\"a\":2}",   "{\"a\":\"\\u0000\"}", "{\"a\\u0000\":1}", "[\"\\ud800\"]",
		"[\"\\udc00x\"]",      "[\"\\ud800\\u0041\"]", "[1e400]",           "{\"a\":1}\v",
		"\f[]",                "[01]",              "[1.]",              "[-]",
		"{\"a\":1} x",         "{\"a\":1",          "{'a':1}",           "[\"a\tb\"]",
		"\xef\xbb\xbf{}",       "[\"\xc3\"]",         "",                  "[1,]",
		"{\"a\":nul}",         "[\"\\x\"]",           "/* c */ {}",        "[NaN]",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		assert_false(jansson_reads(bad[i]));
		assert_null(jread(d, bad[i], &e));
		assert_int_equal(e.code, ES_EFORMAT);
		assert_non_null(strstr(e.msg, "invalid JSON"));
	}
	/* jansson's own message and column */
	json_error_t je;
	assert_null(json_loads("{\"x\":1,\"x\":2}", JSON_REJECT_DUPLICATES, &je));
	char want[256];
	snprintf(want, sizeof want, "invalid JSON at column %d: %s", je.column, je.text);
	assert_null(jread(d, "{\"x\":1,\"x\":2}", &e));
	assert_string_equal(e.msg, want);
	assert_null(jread(d, "[\"\\u0000\"]", &e));
	assert_non_null(strstr(e.msg, "a string contains \\u0000 (NUL)"));
	/* duplicates among many members (the sorted check) */
	char many[4096], *p = many;
	p += sprintf(p, "{");
	for (int i = 0; i < 200; i++)
		p += sprintf(p, "%s\"k%d\":%d", i ? "," : "", i == 150 ? 7 : i, i);
	sprintf(p, "}");
	assert_null(jread(d, many, &e));
	assert_non_null(strstr(e.msg, "duplicate"));
	p = many;
	p += sprintf(p, "{");
	for (int i = 0; i < 200; i++)
		p += sprintf(p, "%s\"k%d\":%d", i ? "," : "", i, i);
	sprintf(p, "}");
	v = jread(d, many, &e);
	assert_non_null(v);
	assert_int_equal(v->len, 200);
	assert_true(es_jval_get(v, "k199")->num == 199.0);
	/* nesting: jansson's bound, 2048 levels */
	for (int depth = 2047; depth <= 2050; depth++) {
		char *t = malloc(2 * (size_t)depth + 1);
		memset(t, '[', (size_t)depth);
		memset(t + depth, ']', (size_t)depth);
		t[2 * depth] = '\0';
		v = jread(d, t, &e);
		assert_true((v != NULL) == jansson_reads(t));
		assert_true((v != NULL) == (depth <= ES_JSON_MAX_DEPTH));
		free(t);
	}
	/* a document larger than a block: more blocks, freed at the next read */
	size_t n = 20000;
	char *big = malloc(n * 12 + 16);
	p = big;
	p += sprintf(p, "{\"v\":[");
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "%s\"s%zu\"", i ? "," : "", i);
	p += sprintf(p, "]}");
	v = es_jsondoc_read(d, big, (size_t)(p - big), &e);
	assert_non_null(v);
	assert_int_equal(es_jval_get(v, "v")->len, n);
	free(big);
	v = jread(d, "{\"a\":\"yy\"}", &e);
	assert_string_equal(es_jval_get(v, "a")->str, "yy");
	es_jsondoc_free(d);
}

/* ---- es_jsonw: its bytes are jansson's ---- */

/* a string literal and its length */
#define LIT(s) s, sizeof s - 1

/* es_jsonw_str of s[0..n) as a C string (caller frees); *valid its result */
static char *jw_str(const char *s, size_t n, bool *valid)
{
	es_buf b = {0};
	bool v = es_jsonw_str(&b, s, n);
	if (valid)
		*valid = v;
	assert_false(b.oom);
	return es_buf_take(&b);
}

/* What jansson dumps for json_t v (stolen), as a C string (caller frees). */
static char *jansson_of(json_t *v)
{
	assert_non_null(v);
	char *t = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(6));
	json_decref(v);
	assert_non_null(t);
	return t;
}

static void assert_str_is(const char *s, size_t n, const char *want, bool want_valid)
{
	bool valid = !want_valid;
	char *got = jw_str(s, n, &valid);
	assert_string_equal(got, want);
	assert_true(valid == want_valid);
	free(got);
}

/* the same bytes as jansson's json_stringn dumped */
static void assert_str_as_jansson(const char *s, size_t n)
{
	bool valid = false;
	char *got = jw_str(s, n, &valid), *want = jansson_of(json_stringn(s, n));
	assert_true(valid);
	assert_string_equal(got, want);
	free(got);
	free(want);
}

static void test_jsonw_strings(void **state)
{
	(void)state;
	assert_str_is("\"", 1, "\"\\\"\"", true);
	assert_str_is("\\", 1, "\"\\\\\"", true);
	assert_str_is("\b\f\n\r\t", 5, "\"\\b\\f\\n\\r\\t\"", true);
	/* other control characters: \u with uppercase hex, as jansson */
	assert_str_is("\x01\x0b\x1a\x1f", 4, "\"\\u0001\\u000B\\u001A\\u001F\"", true);
	assert_str_is("a\0b", 3, "\"a\\u0000b\"", true);
	/* DEL, '/' and UTF-8 as they are */
	assert_str_is("\x7f/", 2, "\"\x7f/\"", true);
	assert_str_is(LIT("Bank Mell\xc3\xa4t \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80"),
		      "\"Bank Mell\xc3\xa4t \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80\"", true);
	assert_str_is("", 0, "\"\"", true);
	/* not UTF-8: U+FFFD per byte, and false */
	assert_str_is("a\xff" "b", 3, "\"a\xef\xbf\xbd" "b\"", false);
	assert_str_is("\xc3(", 2, "\"\xef\xbf\xbd(\"", false);                              /* a lead without its tail */
	assert_str_is("\xe2\x82", 2, "\"\xef\xbf\xbd\xef\xbf\xbd\"", false);                /* cut short */
	assert_str_is("\xc0\xaf", 2, "\"\xef\xbf\xbd\xef\xbf\xbd\"", false);                /* overlong '/' */
	assert_str_is("\xed\xa0\x80", 3, "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"", false); /* a surrogate */
	assert_str_is("\xf4\x90\x80\x80", 4,
		      "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"", false);          /* above U+10FFFF */
	assert_str_is("\"\xff\n", 3, "\"\\\"\xef\xbf\xbd\\n\"", false);
	/* every ASCII byte alone and all of them at once, and UTF-8 of each
	 * length, are what jansson writes */
	char all[128];
	for (int c = 0; c < 128; c++) {
		all[c] = (char)c;
		assert_str_as_jansson(all + c, 1);
	}
	assert_str_as_jansson(all, sizeof all);
	assert_str_as_jansson(LIT("\xc2\x80 \xdf\xbf \xe0\xa0\x80 \xef\xbf\xbf \xf0\x90\x80\x80 \xf4\x8f\xbf\xbf \"q\"/\\"));
	/* one byte to escape (or UTF-8) at every place of a longer plain text:
	 * the plain text is read eight bytes at a time */
	static const char special[] = {'"', '\\', '\n', 0x01, 0x1f, ' ', '~', 0x7f};
	for (size_t k = 0; k < sizeof special; k++)
		for (size_t at = 0; at < 20; at++) {
			char t[21];
			memset(t, 'x', 20);
			t[20] = '\0';
			t[at] = special[k];
			assert_str_as_jansson(t, 20);
			if (at + 1 < 20) {
				t[at] = '\xc3';
				t[at + 1] = '\xa4';
				assert_str_as_jansson(t, 20);
			}
		}
	es_buf b = {0};
	es_jsonw_cstr(&b, NULL);
	es_jsonw_cstr(&b, "x\ty");
	assert_string_equal(b.s, "null\"x\\ty\"");
	es_buf_free(&b);
}

static void assert_real_as_jansson(double v)
{
	es_buf b = {0};
	es_jsonw_real(&b, v);
	char *want = jansson_of(json_real(v));
	assert_non_null(b.s);
	assert_string_equal(b.s, want);
	free(want);
	es_buf_free(&b);
}

static void assert_real_is(double v, const char *want)
{
	es_buf b = {0};
	es_jsonw_real(&b, v);
	assert_non_null(b.s);
	assert_string_equal(b.s, want);
	es_buf_free(&b);
	assert_real_as_jansson(v);
}

static void test_jsonw_numbers(void **state)
{
	(void)state;
	assert_real_is(1.0, "1.0");
	assert_real_is(0.9642, "0.9642");
	/* every score rounded to 4 places (written without printf) as jansson */
	for (int k = 0; k <= 10000; k++)
		assert_real_as_jansson(round(k) / 10000);
	assert_real_is(0.5, "0.5");
	assert_real_is(1e-05, "1e-5");
	assert_real_is(0.0, "0.0");
	assert_real_is(1e20, "1e20");
	assert_real_is(1234567.0, "1.23457e6");
	assert_real_is(123456.0, "123456.0");
	assert_real_is(-2.5e-300, "-2.5e-300");
	const double more[] = {-0.0, 0.0001, 0.00012345678, 1.0 / 3, 2.0 / 3, 0.1, 0.84, 100, 1e6, 999999.5, 1e-4,
			       9.99999e-5, 1e100, 1.7976931348623157e308, 5e-324, -1, 42.125, 0.85, 0.9843};
	for (size_t i = 0; i < sizeof more / sizeof *more; i++)
		assert_real_as_jansson(more[i]);
	/* every score check prints: rounded to 4 places in [0, 1] */
	for (int k = 0; k <= 10000; k++)
		assert_real_as_jansson(round((k / 10000.0) * 10000.0) / 10000.0);
	es_buf b = {0};
	es_jsonw_real(&b, NAN); /* no real in JSON */
	assert_string_equal(b.s, "null");
	es_buf_clear(&b);
	const long long ints[] = {0, 7, -1, 1000, 4294967296LL, LLONG_MAX, LLONG_MIN};
	for (size_t i = 0; i < sizeof ints / sizeof *ints; i++) {
		es_buf_clear(&b);
		es_jsonw_int(&b, ints[i]);
		char *want = jansson_of(json_integer(ints[i]));
		assert_string_equal(b.s, want);
		free(want);
	}
	es_buf_free(&b);
}

/* a json_t appended as jansson dumps it; the buffer cut back by truncate */
static void test_jsonw_json(void **state)
{
	(void)state;
	es_buf b = {0};
	es_buf_adds(&b, "[");
	json_t *o = json_pack("{s:i, s:[b, n, s], s:f}", "id", 3, "l", 1, "x\x01\xc3\xa9", "s", 0.5);
	es_jsonw_json(&b, o);
	json_decref(o);
	es_buf_adds(&b, ",");
	es_jsonw_json(&b, NULL);
	size_t mark = b.len;
	es_buf_adds(&b, ",\"dropped\"");
	es_buf_truncate(&b, mark);
	es_buf_truncate(&b, b.len + 5); /* beyond the end: nothing */
	es_buf_adds(&b, "]");
	assert_string_equal(b.s, "[{\"id\":3,\"l\":[true,null,\"x\\u0001\xc3\xa9\"],\"s\":0.5},null]");
	assert_int_equal(b.len, strlen(b.s));
	es_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_partial_dates),
		cmocka_unit_test(test_utf8_walker),
		cmocka_unit_test(test_buf_vec_hash),
		cmocka_unit_test(test_map64),
		cmocka_unit_test(test_dl),
		cmocka_unit_test(test_jsondoc),
		cmocka_unit_test(test_jsonw_strings),
		cmocka_unit_test(test_jsonw_numbers),
		cmocka_unit_test(test_jsonw_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
