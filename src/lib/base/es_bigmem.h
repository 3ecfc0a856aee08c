/* es_bigmem — large zeroed arrays that a run touches nearly all of (the
 * matcher's per-name accumulators and bound records): mapped on their own
 * and advised for transparent huge pages, so the first query takes a few
 * faults instead of one per 4 KiB page (a cold `check` is mostly start-up).
 * Where huge pages are off this is an ordinary anonymous mapping. The
 * memory is taken at once (the callers use it all). */
#ifndef ES_BIGMEM_H
#define ES_BIGMEM_H

#include <stddef.h>

/* n zeroed bytes (n > 0), or NULL. */
void *es_big_alloc(size_t n);
/* Frees what es_big_alloc(n) returned (NULL: nothing). */
void es_big_free(void *p, size_t n);

#endif
