/* test_util.h — what the list-parser unit tests share (header only; the name
 * keeps it out of the test_*.c glob that makes one executable per test).
 *
 * The country table is loaded once per cmocka group by setup() and freed by
 * teardown(); the helpers below read it through `countries`. Messages sent to
 * on_diag are collected in a diags: the first eight in order, and the last. */
#ifndef TEST_UTIL_H
#define TEST_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "es_country.h"
#include "es_entity.h"
#include "es_parser.h"

static es_countries *countries;

static inline int setup(void **state)
{
	(void)state;
	es_err err = {0};
	return es_countries_load(&countries, ES_LISTS_DIR "/countries.tsv", &err) == ES_OK ? 0 : -1;
}

static inline int teardown(void **state)
{
	(void)state;
	es_countries_free(countries);
	return 0;
}

typedef struct {
	char msgs[8][ES_ERR_MSG_MAX]; /* the first eight messages */
	char last[ES_ERR_MSG_MAX];    /* the latest one */
	size_t n;                     /* how many came, kept or not */
} diags;

static inline void on_diag(void *ctx, const char *msg)
{
	diags *d = ctx;
	if (d->n < 8)
		snprintf(d->msgs[d->n], sizeof d->msgs[0], "%s", msg);
	snprintf(d->last, sizeof d->last, "%s", msg);
	d->n++;
}

/* on_entity callback that adds the entity to the es_entityset ctx. */
static inline es_code collect(void *ctx, es_entity *e, es_err *err)
{
	return es_entityset_add(ctx, e, err);
}

/* Parses the file at path with the parser for fmt into out (initialised here),
 * with the bundled data files and d collecting the messages. */
static inline es_code parse_file(const char *fmt, es_source src, const char *path, es_entityset *out,
				 es_parse_stats *st, diags *d, es_err *err)
{
	es_parse_input in = {.source = src, .path = path, .countries = countries, .lists_dir = ES_LISTS_DIR,
			     .on_diag = on_diag, .diag_ctx = d};
	es_entityset_init(out);
	return es_parse_into(es_parser_find(fmt), in, out, st, err);
}

/* Parsing file must fail with code and a one-line message; when msg is not
 * NULL the message contains it. */
static inline void expect_parse_fail(const char *fmt, es_source src, const char *file, es_code code,
				     const char *msg)
{
	es_entityset s;
	es_parse_stats st;
	diags d = {0};
	es_err err = {0};
	assert_int_equal(parse_file(fmt, src, file, &s, &st, &d, &err), code);
	assert_true(err.msg[0] != '\0');
	if (msg && !strstr(err.msg, msg))
		fail_msg("'%s' does not contain '%s'", err.msg, msg);
	assert_null(strchr(err.msg, '\n'));
	es_entityset_clear(&s);
}

/* The hostile documents of tests/data/xml-attacks are refused by fmt's parser:
 * entity expansion with the file named, the XXE forms by the DOCTYPE refusal. */
static inline void expect_xml_attacks_refused(const char *fmt, es_source src)
{
	expect_parse_fail(fmt, src, ES_TEST_DATA "/xml-attacks/billion_laughs.xml", ES_EFORMAT, "billion_laughs.xml");
	expect_parse_fail(fmt, src, ES_TEST_DATA "/xml-attacks/xxe_file.xml", ES_EFORMAT,
			  "DOCTYPE declarations are not allowed");
	expect_parse_fail(fmt, src, ES_TEST_DATA "/xml-attacks/xxe_network.xml", ES_EFORMAT,
			  "DOCTYPE declarations are not allowed");
	expect_parse_fail(fmt, src, ES_TEST_DATA "/xml-attacks/xxe_parameter.xml", ES_EFORMAT,
			  "DOCTYPE declarations are not allowed");
}

/* head, then n copies of fill, then tail, in a new buffer (caller frees). */
static inline char *padded(const char *head, char fill, size_t n, const char *tail, size_t *len)
{
	size_t hl = strlen(head);
	*len = hl + n + strlen(tail);
	char *buf = malloc(*len + 1);
	assert_non_null(buf);
	strcpy(buf, head);
	memset(buf + hl, fill, n);
	strcpy(buf + hl + n, tail);
	return buf;
}

static inline const es_entity *find(const es_entityset *s, const char *id)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->items[i]->entry_id, id) == 0)
			return s->items[i];
	return NULL;
}

static inline const es_name *name_of(const es_entity *e, const char *name)
{
	for (size_t i = 0; i < e->n_names; i++)
		if (strcmp(e->names[i].name, name) == 0)
			return &e->names[i];
	return NULL;
}

static inline bool has_country(const es_entity *e, const char *cc, es_country_role role)
{
	for (size_t i = 0; i < e->n_countries; i++)
		if (strcmp(e->countries[i].cc, cc) == 0 && e->countries[i].role == role)
			return true;
	return false;
}

static inline size_t count_type(const es_entityset *s, es_type t)
{
	size_t n = 0;
	for (size_t i = 0; i < s->n; i++)
		n += s->items[i]->type == t;
	return n;
}

#endif
