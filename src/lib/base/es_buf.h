/* es_buf — the one growable byte buffer and the one growable array.
 *
 * Both start zeroed ({0}) and grow by doubling. Once an allocation fails,
 * oom is set and later appends do nothing, so a run of appends is checked
 * once at the end. The data stays NUL-terminated for es_buf (when non-empty). */
#ifndef ES_BUF_H
#define ES_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

typedef struct {
	char *s;
	size_t len, cap;
	bool oom;
} es_buf;

/* Makes room for extra more bytes (plus a NUL); false (and oom) on failure. */
bool es_buf_reserve(es_buf *b, size_t extra);
/* es_buf_add when there may be no room (grows b). */
void es_buf_add_grow(es_buf *b, const void *data, size_t n);

/* Appends n bytes (inline: the JSON writers append a few bytes at a time). */
static inline void es_buf_add(es_buf *b, const void *data, size_t n)
{
	if (!b->oom && n < b->cap - b->len) { /* (cap is 0 or > len) */
		if (n)
			memcpy(b->s + b->len, data, n);
		b->len += n;
		b->s[b->len] = '\0';
		return;
	}
	es_buf_add_grow(b, data, n);
}

static inline void es_buf_adds(es_buf *b, const char *s)
{
	es_buf_add(b, s, strlen(s));
}

static inline void es_buf_addc(es_buf *b, char c)
{
	es_buf_add(b, &c, 1);
}
void es_buf_printf(es_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Empties b, keeping its memory. */
void es_buf_clear(es_buf *b);
/* Cuts b back to its first len bytes (len <= b->len): undoes what was
 * appended since. */
void es_buf_truncate(es_buf *b, size_t len);
/* Hands the string over (caller frees; NULL when oom) and empties b. */
char *es_buf_take(es_buf *b);
void es_buf_free(es_buf *b);

/* A growable array of elements of one size: es_vec v = {0}; then
 * T *slot = es_vec_push(&v, sizeof(T)); ... ((T *)v.data)[i]. */
typedef struct {
	void *data;
	size_t n, cap;
	bool oom;
} es_vec;

/* Room for one more element; returns it zeroed, or NULL (and oom). */
void *es_vec_push(es_vec *v, size_t elem_size);
/* Makes room for at least n elements in all; false (and oom) on failure. */
bool es_vec_reserve(es_vec *v, size_t elem_size, size_t n);
void es_vec_free(es_vec *v);

#endif
