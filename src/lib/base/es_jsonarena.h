/* es_jsonarena — jansson documents parsed into an arena.
 *
 * jansson allocates every value, member table and string of a document one by
 * one and frees them one by one; for a stream of small documents (one order per
 * line) that is a quarter of the cost of reading them. Here a document's
 * memory comes from blocks that the next load reuses: parsing is a pointer
 * bump, and freeing the document is resetting the arena.
 *
 * A document from es_json_arena_loadb lives until the next load, reset or free
 * of its arena and is never json_decref'ed. jansson's allocation functions are
 * replaced once for the process (json_set_alloc_funcs) by ones that use malloc
 * and free except inside es_json_arena_loadb on the calling thread, so other
 * jansson use is unchanged. */
#ifndef ES_JSONARENA_H
#define ES_JSONARENA_H

#include <stddef.h>

#include <jansson.h>

typedef struct es_json_arena es_json_arena;

/* NULL when out of memory. */
es_json_arena *es_json_arena_new(void);
void es_json_arena_free(es_json_arena *a);

/* json_loadb(buf, len, flags, err) with every allocation from a, after
 * resetting it (the previous document is gone). */
json_t *es_json_arena_loadb(es_json_arena *a, const char *buf, size_t len, size_t flags, json_error_t *err);

/* Drops the document: keeps the first block for the next load. */
void es_json_arena_reset(es_json_arena *a);

#endif
