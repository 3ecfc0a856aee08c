/* es_links — where a reviewer reads a list entry at its official source, from
 * the data file lists/source_links.tsv ("source<TAB>list or *<TAB>url", where
 * {id} in the url stands for the entry id). The most specific row wins (the
 * source's own list before its '*' row). Immutable once loaded. */
#ifndef ES_LINKS_H
#define ES_LINKS_H

#include <stdbool.h>
#include <stddef.h>

#include "es_entity.h"
#include "es_error.h"

typedef struct es_links es_links;

/* Loads path; a malformed line fails with "file:line: reason". */
es_code es_links_load(es_links **out, const char *path, es_err *err);
void es_links_free(es_links *l);

/* Writes the link of (source, list, entry id) into out (NUL-terminated; ""
 * when no row applies). Returns ES_ETOOBIG when it does not fit in cap. The
 * entry id is percent-encoded where the url puts it. */
es_code es_links_url(const es_links *l, es_source source, const char *list, const char *entry_id, char *out,
		     size_t cap);

/* Whether the link of (source, list) is a page of the entry itself (its url
 * holds {id}), not a list or search page where the reader looks the id up. */
bool es_links_per_entry(const es_links *l, es_source source, const char *list);

#endif
