/* es_jsonarena — jansson documents parsed into an arena (see es_jsonarena.h). */
#include "es_jsonarena.h"

#include <pthread.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>

#define BLOCK 65536 /* an order of a few parties and items takes ~10 KB */

struct block {
	struct block *next;
	size_t cap, used;
	alignas(max_align_t) unsigned char data[];
};

struct es_json_arena {
	struct block *first; /* kept across resets; later blocks are freed */
	struct block *cur;
	int oom;
};

static _Thread_local es_json_arena *active; /* inside es_json_arena_loadb on this thread */
static pthread_once_t installed = PTHREAD_ONCE_INIT;

static struct block *block_new(size_t cap)
{
	struct block *b = malloc(sizeof *b + cap);
	if (b) {
		b->next = NULL;
		b->cap = cap;
		b->used = 0;
	}
	return b;
}

static void *arena_alloc(es_json_arena *a, size_t n)
{
	const size_t al = alignof(max_align_t);
	n = (n + al - 1) & ~(al - 1);
	struct block *b = a->cur;
	if (b->cap - b->used < n) {
		struct block *nb = block_new(n > BLOCK ? n : BLOCK);
		if (!nb) {
			a->oom = 1;
			return NULL;
		}
		b->next = nb;
		a->cur = b = nb;
	}
	void *p = b->data + b->used;
	b->used += n;
	return p;
}

static void *es_json_malloc(size_t n)
{
	return active ? arena_alloc(active, n) : malloc(n);
}

/* inside a load, what jansson frees goes with the arena */
static void es_json_free(void *p)
{
	if (!active)
		free(p);
}

static void install(void)
{
	json_set_alloc_funcs(es_json_malloc, es_json_free);
}

es_json_arena *es_json_arena_new(void)
{
	pthread_once(&installed, install);
	es_json_arena *a = calloc(1, sizeof *a);
	if (!a)
		return NULL;
	a->first = a->cur = block_new(BLOCK);
	if (!a->first) {
		free(a);
		return NULL;
	}
	return a;
}

void es_json_arena_reset(es_json_arena *a)
{
	if (!a)
		return;
	struct block *b = a->first->next;
	while (b) {
		struct block *next = b->next;
		free(b);
		b = next;
	}
	a->first->next = NULL;
	a->first->used = 0;
	a->cur = a->first;
	a->oom = 0;
}

void es_json_arena_free(es_json_arena *a)
{
	if (!a)
		return;
	es_json_arena_reset(a);
	free(a->first);
	free(a);
}

json_t *es_json_arena_loadb(es_json_arena *a, const char *buf, size_t len, size_t flags, json_error_t *err)
{
	es_json_arena_reset(a);
	active = a;
	json_t *root = json_loadb(buf, len, flags, err);
	active = NULL;
	return root;
}
