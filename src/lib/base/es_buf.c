#include "es_buf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool es_buf_reserve(es_buf *b, size_t extra)
{
	if (b->oom)
		return false;
	if (extra > SIZE_MAX / 2 - b->len - 1) {
		b->oom = true;
		return false;
	}
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	char *s = realloc(b->s, cap);
	if (!s) {
		b->oom = true;
		return false;
	}
	b->s = s;
	b->cap = cap;
	return true;
}

void es_buf_add_grow(es_buf *b, const void *data, size_t n)
{
	if (!es_buf_reserve(b, n))
		return;
	if (n)
		memcpy(b->s + b->len, data, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void es_buf_printf(es_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->oom = true;
		return;
	}
	if (!es_buf_reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void es_buf_clear(es_buf *b)
{
	b->len = 0;
	if (b->s)
		b->s[0] = '\0';
}

void es_buf_truncate(es_buf *b, size_t len)
{
	if (len >= b->len)
		return;
	b->len = len;
	b->s[len] = '\0';
}

char *es_buf_take(es_buf *b)
{
	char *s = b->oom ? NULL : b->s;
	if (b->oom)
		free(b->s);
	if (s == NULL && !b->oom)
		s = calloc(1, 1);
	*b = (es_buf){0};
	return s;
}

void es_buf_free(es_buf *b)
{
	free(b->s);
	*b = (es_buf){0};
}

bool es_vec_reserve(es_vec *v, size_t elem_size, size_t n)
{
	if (v->oom)
		return false;
	if (n <= v->cap)
		return true;
	size_t cap = v->cap ? v->cap : 8;
	while (cap < n) {
		if (cap > SIZE_MAX / 2 / elem_size) {
			v->oom = true;
			return false;
		}
		cap *= 2;
	}
	void *d = realloc(v->data, cap * elem_size);
	if (!d) {
		v->oom = true;
		return false;
	}
	v->data = d;
	v->cap = cap;
	return true;
}

void *es_vec_push(es_vec *v, size_t elem_size)
{
	if (!es_vec_reserve(v, elem_size, v->n + 1))
		return NULL;
	void *slot = (char *)v->data + v->n * elem_size;
	memset(slot, 0, elem_size);
	v->n++;
	return slot;
}

void es_vec_free(es_vec *v)
{
	free(v->data);
	*v = (es_vec){0};
}
