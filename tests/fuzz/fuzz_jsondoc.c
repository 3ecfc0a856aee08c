/* Fuzz target: es_jsondoc against jansson. es_jsondoc promises jansson's
 * verdict (json_loadb with JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL |
 * JSON_DECODE_ANY) on every text, and the same values when it reads one: a
 * text one reader takes and the other does not, or a value that differs
 * (type, string bytes, number, members), aborts. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "es_jsondoc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same(const es_jval *v, const json_t *j)
{
	switch (v->type) {
	case ES_JSON_NULL:
		return json_is_null(j);
	case ES_JSON_TRUE:
		return json_is_true(j);
	case ES_JSON_FALSE:
		return json_is_false(j);
	case ES_JSON_NUMBER:
		return json_is_real(j) && json_real_value(j) == v->num;
	case ES_JSON_STRING:
		return json_is_string(j) && json_string_length(j) == v->len &&
		       memcmp(json_string_value(j), v->str, v->len) == 0 && strlen(v->str) == v->len;
	case ES_JSON_ARRAY: {
		if (!json_is_array(j) || json_array_size(j) != v->len)
			return false;
		size_t i = 0;
		for (const es_jval *m = v->first; m; m = m->next, i++)
			if (!same(m, json_array_get(j, i)))
				return false;
		return i == v->len;
	}
	case ES_JSON_OBJECT: {
		if (!json_is_object(j) || json_object_size(j) != v->len)
			return false;
		size_t i = 0;
		for (const es_jval *m = v->first; m; m = m->next, i++) {
			const json_t *x = json_object_getn(j, m->key, m->key_len);
			if (!x || !same(m, x) || es_jval_get(v, m->key) != m)
				return false;
		}
		return i == v->len;
	}
	}
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static es_jsondoc *d;
	if (!d && !(d = es_jsondoc_new()))
		abort();
	es_err err = {0};
	const es_jval *v = es_jsondoc_read(d, (const char *)data, size, &err);
	json_error_t je;
	json_t *j = json_loadb((const char *)data, size,
			       JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL | JSON_DECODE_ANY, &je);
	/* (a raw NUL byte is rejected, which jansson takes after a number) */
	if ((v != NULL) != (j != NULL) && !(j && memchr(data, '\0', size)))
		abort();
	if (!v && (err.code != ES_EFORMAT || strncmp(err.msg, "invalid JSON", 12) != 0))
		abort();
	if (v && (!j || !same(v, j)))
		abort();
	json_decref(j);
	return 0;
}
