/* Unit tests of es_records through its API: the chain over screening
 * records, the pending batch, head, verify after tampering with the store, the
 * entry hash, dates. (The CLI tests cover commands, concurrency, kill -9 and
 * disk full.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "es_records.h"

static char dir[256];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/es-records-unit-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static char *path_of(const char *name)
{
	char *p = malloc(strlen(dir) + strlen(name) + 2);
	sprintf(p, "%s/%s", dir, name);
	return p;
}

/* n ERROR-style screening records (no order: the chain does not care) */
static void add_records(es_records *r, int n, int start)
{
	es_err err = {0};
	for (int i = 0; i < n; i++) {
		char raw[64], out[128];
		snprintf(raw, sizeof raw, "{\"order_id\": \"U-%d\"", start + i);
		snprintf(out, sizeof out, "{\"line\":%d,\"screening\":{\"decision\":\"ERROR\"}}\n", start + i);
		es_filter_event ev = {.raw = raw, .raw_len = strlen(raw), .lineno = (size_t)(start + i), .output = out,
				      .output_len = strlen(out), .decision = ES_DEC_ERROR};
		assert_int_equal(es_records_add_screening(r, &ev, &err), ES_OK);
	}
}

static void sql(const char *path, const char *stmt)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, stmt, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static void test_chain(void **state)
{
	(void)state;
	char *p = path_of("a.sqlite");
	es_records *r = NULL;
	es_err err = {0};
	/* no store, no create: missing */
	assert_int_equal(es_records_open(&r, p, NULL, 0, &err), ES_EMISSING);
	assert_null(r);
	assert_int_equal(es_records_open(&r, p, NULL, ES_RECORDS_CREATE, &err), ES_OK);
	struct stat sb;
	assert_int_equal(stat(es_records_key_path(r), &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	es_records_run run = {.command = "test", .list_version = "v1", .lists_json = "[]", .rules_hash = "h"};
	assert_int_equal(es_records_start_run(r, &run, &err), ES_OK);
	es_audit_head h;
	assert_int_equal(es_records_head(r, &h, &err), ES_OK);
	assert_int_equal(h.seq, 0);
	add_records(r, 5, 1);
	/* pending until commit */
	assert_int_equal(es_records_head(r, &h, &err), ES_OK);
	assert_int_equal(h.seq, 0);
	assert_int_equal(es_records_commit(r, &err), ES_OK);
	add_records(r, 5, 6);
	assert_int_equal(es_records_commit(r, &err), ES_OK);
	assert_int_equal(es_records_head(r, &h, &err), ES_OK);
	assert_int_equal(h.seq, 10);
	assert_int_equal(h.records, 10);
	assert_int_equal(strlen(h.mac), 64);
	es_audit_verify v;
	assert_int_equal(es_records_verify(r, &v, &err), ES_OK);
	assert_true(v.intact);
	assert_int_equal(v.checked, 10);
	es_records_free(r);

	/* edit one output: caught at that record */
	sql(p, "UPDATE audit SET output = 'x' WHERE seq = 7");
	assert_int_equal(es_records_open(&r, p, NULL, ES_RECORDS_READONLY, &err), ES_OK);
	assert_int_equal(es_records_verify(r, &v, &err), ES_OK);
	assert_false(v.intact);
	assert_int_equal(v.bad_seq, 7);
	assert_string_equal(v.problem, "edited");
	es_records_free(r);
	free(p);
}

static void test_key_mismatch(void **state)
{
	(void)state;
	char *p = path_of("b.sqlite"), *k2 = path_of("other.key");
	es_records *r = NULL;
	es_err err = {0};
	assert_int_equal(es_records_open(&r, p, NULL, ES_RECORDS_CREATE, &err), ES_OK);
	add_records(r, 2, 1);
	assert_int_equal(es_records_commit(r, &err), ES_OK);
	es_records_free(r);
	r = NULL;
	/* a missing key is never replaced by a new one for an existing store */
	assert_int_equal(es_records_open(&r, p, k2, ES_RECORDS_CREATE, &err), ES_EMISSING);
	assert_null(r);
	assert_int_not_equal(access(k2, F_OK), 0);
	/* another key cannot append to this store */
	FILE *f = fopen(k2, "w");
	assert_non_null(f);
	fputs("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n", f);
	fclose(f);
	chmod(k2, 0600);
	assert_int_equal(es_records_open(&r, p, k2, ES_RECORDS_CREATE, &err), ES_ECORRUPT);
	assert_non_null(strstr(err.msg, "not the key"));
	assert_null(r);
	/* a key readable by others is refused */
	chmod(k2, 0644);
	assert_int_equal(es_records_open(&r, p, k2, ES_RECORDS_CREATE, &err), ES_EUSAGE);
	assert_null(r);
	free(p);
	free(k2);
}

static void test_dates(void **state)
{
	(void)state;
	char next[11];
	assert_true(es_records_day_valid("2024-02-28", next));
	assert_string_equal(next, "2024-02-29");
	assert_true(es_records_day_valid("2025-12-31", next));
	assert_string_equal(next, "2026-01-01");
	assert_false(es_records_day_valid("2026-02-31", next));
	assert_false(es_records_day_valid("2026-1-01", next));
	assert_false(es_records_day_valid("yesterday", next));
	assert_false(es_records_day_valid(NULL, next));
}

static void test_entry_hash(void **state)
{
	(void)state;
	const char *progs[] = {"CUBA"};
	es_rec a = {.source = ES_SRC_OFAC_SDN, .entry_id = "306", .list = "SDN", .name = "BANCO NACIONAL DE CUBA",
		    .programs = progs, .n_programs = 1, .start_date = "2020-01-01"};
	es_rec b = a;
	char ha[65], hb[65];
	es_records_entry_hash(&a, ha);
	es_records_entry_hash(&b, hb);
	assert_string_equal(ha, hb);
	b.start_date = "2021-01-01"; /* the listing changed */
	es_records_entry_hash(&b, hb);
	assert_string_not_equal(ha, hb);
	b = a;
	b.n_programs = 0;
	es_records_entry_hash(&b, hb);
	assert_string_not_equal(ha, hb);
	/* fields cannot run together: "AB" + "" differs from "A" + "B" */
	es_rec c = a, d = a;
	c.name = "AB";
	c.list = "";
	d.name = "A";
	d.list = "B";
	es_records_entry_hash(&c, ha);
	es_records_entry_hash(&d, hb);
	assert_string_not_equal(ha, hb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_key_mismatch),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_entry_hash),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
