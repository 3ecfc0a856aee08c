/* fuzz_util.h — what the list-parser fuzz targets share (header only; the
 * name keeps it out of the fuzz_*.c glob that makes one target per file).
 *
 * A target must end every input in ES_OK or a clean error, never a crash,
 * leak or hang; the checks here abort() on what must never happen, so the
 * fuzzer (or the corpus replay) reports it. */
#ifndef FUZZ_UTIL_H
#define FUZZ_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "es_country.h"
#include "es_parser.h"

/* A parser over a buffer in memory (es_parse_*_buf). */
typedef es_code (*fuzz_buf_parser)(const es_parse_input *in, const char *buf, size_t len, es_parse_stats *stats,
				   es_err *err);

/* The bundled country table, loaded by the first call and kept for the
 * process; NULL when it cannot be loaded. */
static inline es_countries *fuzz_countries(void)
{
	static es_countries *countries;
	es_err err = {0};
	if (!countries && es_countries_load(&countries, ES_LISTS_DIR "/countries.tsv", &err) != ES_OK)
		return NULL;
	return countries;
}

/* on_entity that checks the fields every parsed entity has, then frees it. */
static inline es_code fuzz_drop(void *ctx, es_entity *e, es_err *err)
{
	(void)ctx;
	(void)err;
	if (!e->name || !e->entry_id || !e->list)
		abort(); /* a parsed entity always has these */
	es_entity_free(e);
	return ES_OK;
}

/* One input through parse, as a file called path of list src. */
static inline int fuzz_parse_buf(es_source src, const char *path, fuzz_buf_parser parse, const uint8_t *data,
				 size_t size)
{
	es_countries *countries = fuzz_countries();
	if (!countries)
		abort();
	es_err err = {0};
	es_parse_input in = {.source = src, .path = path, .countries = countries, .lists_dir = ES_LISTS_DIR,
			     .on_entity = fuzz_drop};
	es_parse_stats st;
	parse(&in, (const char *)data, size, &st, &err);
	return 0;
}

/* The invariants every consumer of an entity relies on: id, name and list
 * set, and the primary name is names[0]. */
static inline bool fuzz_entity_ok(const es_entity *e)
{
	return e->entry_id && e->name && e->list && e->n_names > 0 && strcmp(e->names[0].name, e->name) == 0;
}

/* on_diag that checks messages are one line. */
static inline void fuzz_one_line(void *ctx, const char *msg)
{
	(void)ctx;
	if (strchr(msg, '\n'))
		abort();
}

/* A failure always says why, in one line. */
static inline void fuzz_check_failure(es_code rc, const es_err *err)
{
	if (rc != ES_OK && (err->msg[0] == '\0' || strchr(err->msg, '\n')))
		abort();
}

#endif
