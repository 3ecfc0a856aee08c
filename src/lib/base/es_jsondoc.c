/* es_jsondoc — one JSON text read into a small read-only tree (see es_jsondoc.h). */
#include "es_jsondoc.h"

#include <jansson.h>
#include <locale.h>
#include <math.h>
#include <stdalign.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

#include "es_utf8.h"

/* ---- memory: blocks reused from text to text ------------------------------ */

#define BLOCK 65536 /* an order of a few parties and items takes ~3 KB */

struct block {
	struct block *next;
	size_t cap, used;
	alignas(max_align_t) unsigned char data[];
};

/* A container being filled: its value and its last member so far. */
struct open {
	es_jval *v;
	es_jval *last;
};

struct es_jsondoc {
	struct block *first; /* kept across texts; later blocks are freed */
	struct block *cur;
	/* the text being read */
	struct open *stack; /* the open arrays and objects, outermost first */
	size_t depth, stack_cap;
	const char *key; /* the pending member name (copied: yajl's buffer is reused) */
	size_t key_len;
	es_jval *root;
	yajl_handle h;
	size_t len;      /* of the text */
	bool finishing;  /* in yajl_complete_parse, which parses a blank of its own */
	size_t root_end; /* where the root value ends in the text */
	const char *why; /* a check yajl does not make failed (NULL: yajl's own error) */
	bool oom;
};

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

static void *alloc(es_jsondoc *d, size_t n, size_t align)
{
	struct block *b = d->cur;
	size_t at = (b->used + align - 1) & ~(align - 1);
	if (at > b->cap || b->cap - at < n) {
		struct block *nb = block_new(n > BLOCK ? n : BLOCK);
		if (!nb) {
			d->oom = true;
			return NULL;
		}
		b->next = nb;
		d->cur = b = nb;
		at = 0;
	}
	b->used = at + n;
	return b->data + at;
}

static void reset(es_jsondoc *d)
{
	struct block *b = d->first->next;
	while (b) {
		struct block *next = b->next;
		free(b);
		b = next;
	}
	d->first->next = NULL;
	d->first->used = 0;
	d->cur = d->first;
	d->depth = 0;
	d->key = NULL;
	d->key_len = 0;
	d->root = NULL;
	d->root_end = 0;
	d->finishing = false;
	d->why = NULL;
	d->oom = false;
}

es_jsondoc *es_jsondoc_new(void)
{
	es_jsondoc *d = calloc(1, sizeof *d);
	if (!d)
		return NULL;
	d->first = d->cur = block_new(BLOCK);
	d->stack_cap = 16;
	d->stack = malloc(d->stack_cap * sizeof *d->stack);
	if (!d->first || !d->stack) {
		es_jsondoc_free(d);
		return NULL;
	}
	return d;
}

void es_jsondoc_free(es_jsondoc *d)
{
	if (!d)
		return;
	if (d->first)
		reset(d);
	free(d->first);
	free(d->stack);
	free(d);
}

/* ---- the tree, from yajl's events ------------------------------------------ */

static char *copy(es_jsondoc *d, const unsigned char *s, size_t n)
{
	char *c = alloc(d, n + 1, 1);
	if (c) {
		memcpy(c, s, n);
		c[n] = '\0';
	}
	return c;
}

/* The root value is complete: where it ends. yajl can take a prefix of a
 * token after it ("4\"", "{} tr") as waiting for more text, which jansson
 * rejects: es_jsondoc_read checks that only white space follows. */
static void root_done(es_jsondoc *d)
{
	d->root_end = d->finishing ? d->len : yajl_get_bytes_consumed(d->h);
}

/* A new value in the open container (or the root); NULL stops the parse. */
static es_jval *add(es_jsondoc *d, es_json_type type)
{
	es_jval *v = alloc(d, sizeof *v, alignof(es_jval));
	if (!v)
		return NULL;
	memset(v, 0, sizeof *v);
	v->type = type;
	if (d->depth == 0) {
		d->root = v;
		if (type != ES_JSON_ARRAY && type != ES_JSON_OBJECT)
			root_done(d);
		return v;
	}
	struct open *o = &d->stack[d->depth - 1];
	if (o->v->type == ES_JSON_OBJECT) {
		/* jansson rejects a member name holding \u0000 */
		if (memchr(d->key, '\0', d->key_len)) {
			d->why = "a member name contains \\u0000 (NUL)";
			return NULL;
		}
		v->key = d->key;
		v->key_len = d->key_len;
	}
	if (o->last)
		o->last->next = v;
	else
		o->v->first = v;
	o->last = v;
	o->v->len++;
	return v;
}

static int on_null(void *ctx)
{
	return add(ctx, ES_JSON_NULL) != NULL;
}

static int on_boolean(void *ctx, int b)
{
	return add(ctx, b ? ES_JSON_TRUE : ES_JSON_FALSE) != NULL;
}

static int on_number(void *ctx, const char *s, size_t n)
{
	es_jsondoc *d = ctx;
	es_jval *v = add(d, ES_JSON_NUMBER);
	char *t = v ? copy(d, (const unsigned char *)s, n) : NULL;
	if (!t)
		return 0;
	/* yajl checked the grammar; strtod reads the locale's decimal point */
	const char *dp = localeconv()->decimal_point;
	if (dp[0] != '.' && dp[0] && !dp[1])
		for (char *c = t; *c; c++)
			if (*c == '.')
				*c = dp[0];
	v->num = strtod(t, NULL);
	if (isinf(v->num)) {
		d->why = "a number beyond the double range";
		return 0;
	}
	return 1;
}

static int on_string(void *ctx, const unsigned char *s, size_t n)
{
	es_jsondoc *d = ctx;
	if (memchr(s, '\0', n)) {
		d->why = "a string contains \\u0000 (NUL)";
		return 0;
	}
	es_jval *v = add(d, ES_JSON_STRING);
	if (!v || !(v->str = copy(d, s, n)))
		return 0;
	v->len = n;
	return 1;
}

static int open_container(es_jsondoc *d, es_json_type type)
{
	if (d->depth >= ES_JSON_MAX_DEPTH) {
		d->why = "nesting too deep";
		return 0;
	}
	es_jval *v = add(d, type);
	if (!v)
		return 0;
	if (d->depth == d->stack_cap) {
		struct open *ns = realloc(d->stack, 2 * d->stack_cap * sizeof *ns);
		if (!ns) {
			d->oom = true;
			return 0;
		}
		d->stack = ns;
		d->stack_cap *= 2;
	}
	d->stack[d->depth++] = (struct open){v, NULL};
	return 1;
}

static int on_start_map(void *ctx)
{
	return open_container(ctx, ES_JSON_OBJECT);
}

static int on_map_key(void *ctx, const unsigned char *s, size_t n)
{
	es_jsondoc *d = ctx;
	d->key = copy(d, s, n);
	d->key_len = n;
	return d->key != NULL;
}

static int key_cmp(const void *a, const void *b)
{
	const es_jval *x = *(const es_jval *const *)a, *y = *(const es_jval *const *)b;
	size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
	int c = memcmp(x->key, y->key, n);
	return c ? c : (x->key_len > y->key_len) - (x->key_len < y->key_len);
}

/* Whether two members of obj have one name: pairwise for the usual few,
 * sorted beyond (a hostile line of 100,000 members stays linear-log). */
static bool duplicate_names(es_jsondoc *d, const es_jval *obj)
{
	enum { PAIRWISE = 24 };
	if (obj->len <= PAIRWISE) {
		for (const es_jval *a = obj->first; a; a = a->next)
			for (const es_jval *b = a->next; b; b = b->next)
				if (a->key_len == b->key_len && memcmp(a->key, b->key, a->key_len) == 0)
					return true;
		return false;
	}
	const es_jval **m = alloc(d, obj->len * sizeof *m, alignof(es_jval *));
	if (!m)
		return false; /* d->oom ends the read */
	size_t n = 0;
	for (const es_jval *a = obj->first; a; a = a->next)
		m[n++] = a;
	qsort(m, n, sizeof *m, key_cmp);
	for (size_t i = 1; i < n; i++)
		if (key_cmp(&m[i - 1], &m[i]) == 0)
			return true;
	return false;
}

static int on_end_map(void *ctx)
{
	es_jsondoc *d = ctx;
	const es_jval *obj = d->stack[--d->depth].v;
	if (d->depth == 0)
		root_done(d);
	if (duplicate_names(d, obj)) {
		d->why = "duplicate object key";
		return 0;
	}
	return !d->oom;
}

static int on_start_array(void *ctx)
{
	return open_container(ctx, ES_JSON_ARRAY);
}

static int on_end_array(void *ctx)
{
	es_jsondoc *d = ctx;
	if (--d->depth == 0)
		root_done(d);
	return 1;
}

static const yajl_callbacks events = {
	.yajl_null = on_null,
	.yajl_boolean = on_boolean,
	.yajl_number = on_number, /* the text: no integer overflow, read as a double */
	.yajl_string = on_string,
	.yajl_start_map = on_start_map,
	.yajl_map_key = on_map_key,
	.yajl_end_map = on_end_map,
	.yajl_start_array = on_start_array,
	.yajl_end_array = on_end_array,
};

/* ---- reading a text ---------------------------------------------------------- */

/* What yajl reads differently from jansson, seen in the raw bytes: \v and \f
 * (white space to yajl, errors to jansson), bytes >= 0x80 (yajl is told not
 * to check UTF-8: es_utf8_valid does), and an escape \uD800..\uDFFF (yajl
 * reads a lone surrogate as '?' or as its three bytes; jansson rejects it). */
struct scan {
	bool high, vf, surrogate;
	const char *nul; /* the first raw NUL byte */
};

static struct scan scan(const char *s, size_t n)
{
	struct scan r = {false, false, false, NULL};
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	/* most texts are plain ASCII without control bytes: eight at a time */
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, u + i, 8);
		/* a high bit, or a byte below 0x20 */
		if ((w | ~((w & 0x6060606060606060ull) + 0x6060606060606060ull)) & 0x8080808080808080ull)
			break;
	}
	for (; i < n; i++) {
		if (u[i] >= 0x80)
			r.high = true;
		else if (u[i] == '\v' || u[i] == '\f')
			r.vf = true;
		else if (u[i] == '\0' && !r.nul)
			r.nul = s + i;
	}
	for (const char *b = memchr(s, '\\', n); b; b = memchr(b + 2, '\\', n - (size_t)(b + 2 - s))) {
		size_t k = (size_t)(b - s);
		if (k + 3 < n && s[k + 1] == 'u' && (s[k + 2] == 'd' || s[k + 2] == 'D') && s[k + 3] &&
		    strchr("89abcdefABCDEF", s[k + 3]))
			r.surrogate = true;
		if (k + 2 >= n)
			break;
	}
	return r;
}

static const size_t JANSSON_FLAGS = JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL;

/* jansson's verdict on a text the fast path did not take: its message, or
 * (when it takes the text after all) why the fast path did not. */
static void jansson_error(const char *buf, size_t len, const char *why, es_err *err)
{
	json_error_t je;
	json_t *j = json_loadb(buf, len, JANSSON_FLAGS, &je);
	if (!j && strncmp(je.text, "'[' or '{' expected", 19) == 0) {
		/* a scalar at the top is a value (the caller says what it wanted) */
		json_t *any = json_loadb(buf, len, JANSSON_FLAGS | JSON_DECODE_ANY, NULL);
		if (any) {
			json_decref(any);
			es_err_set(err, ES_EFORMAT, "invalid JSON: %s", why ? why : "not read");
			return;
		}
	}
	if (j) {
		json_decref(j);
		es_err_set(err, ES_EFORMAT, "invalid JSON: %s", why ? why : "not read");
		return;
	}
	if (strstr(je.text, "JSON_ALLOW_NUL"))
		es_err_set(err, ES_EFORMAT, "invalid JSON at column %d: a string contains \\u0000 (NUL)", je.column);
	else
		es_err_set(err, ES_EFORMAT, "invalid JSON at column %d: %s", je.column, je.text);
}

/* Whether jansson takes the text (JSON_DECODE_ANY: a scalar too). */
static bool jansson_takes(const char *buf, size_t len)
{
	json_t *j = json_loadb(buf, len, JANSSON_FLAGS | JSON_DECODE_ANY, NULL);
	json_decref(j);
	return j != NULL;
}

const es_jval *es_jsondoc_read(es_jsondoc *d, const char *buf, size_t len, es_err *err)
{
	reset(d);
	struct scan sc = scan(buf, len);
	size_t bad;
	/* never JSON (jansson takes one after a number at the top, and reports
	 * one elsewhere as "near end of file") */
	if (sc.nul) {
		es_err_set(err, ES_EFORMAT, "invalid JSON at column %zu: a NUL byte", (size_t)(sc.nul - buf) + 1);
		return NULL;
	}
	if (sc.vf || (sc.high && !es_utf8_valid(buf, len, &bad)) || (sc.surrogate && !jansson_takes(buf, len))) {
		jansson_error(buf, len, NULL, err);
		return NULL;
	}
	yajl_handle h = yajl_alloc(&events, NULL, d);
	if (!h) {
		es_err_set(err, ES_ENOMEM, "out of memory");
		return NULL;
	}
	yajl_config(h, yajl_dont_validate_strings, 1);
	d->h = h;
	d->len = len;
	yajl_status st = yajl_parse(h, (const unsigned char *)buf, len);
	if (st == yajl_status_ok) {
		d->finishing = true;
		st = yajl_complete_parse(h);
	}
	yajl_free(h);
	d->h = NULL;
	for (size_t i = d->root_end; st == yajl_status_ok && i < len; i++)
		if (buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\n' && buf[i] != '\r')
			st = yajl_status_error;
	if (d->oom) {
		es_err_set(err, ES_ENOMEM, "out of memory");
		return NULL;
	}
	if (st != yajl_status_ok || !d->root) {
		jansson_error(buf, len, d->why, err);
		return NULL;
	}
	return d->root;
}

const es_jval *es_jval_get(const es_jval *obj, const char *key)
{
	if (!obj || obj->type != ES_JSON_OBJECT)
		return NULL;
	size_t n = strlen(key);
	for (const es_jval *v = obj->first; v; v = v->next)
		if (v->key_len == n && memcmp(v->key, key, n) == 0)
			return v;
	return NULL;
}
