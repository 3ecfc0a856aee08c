#include "es_country.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "es_io.h"
#include "es_text.h"

typedef struct {
	char *key;   /* folded name */
	char cc[3];
} entry;

struct es_countries {
	entry *v;
	size_t n, cap;
	struct {
		char cc[3];
		char *name;
	} *codes;
	size_t n_codes;
	short by_code[26 * 26]; /* code letters -> index in codes + 1 (0 = unknown): O(1) lookup */
};

/* Folds s into a key: ASCII letters lower-cased, runs of anything that is not
 * a letter or digit (or a non-ASCII byte) become one space; trimmed. */
static size_t fold(const char *s, size_t len, char *out, size_t cap)
{
	size_t o = 0;
	int space = 0;
	for (size_t i = 0; i < len && o + 2 < cap; i++) {
		unsigned char c = (unsigned char)s[i];
		if (isalnum(c) || c >= 0x80) {
			if (space && o)
				out[o++] = ' ';
			space = 0;
			out[o++] = (char)tolower(c);
		} else if (c == '\'' || c == 0x27) {
			/* apostrophes vanish: "People's" == "Peoples" */
		} else {
			space = 1;
		}
	}
	out[o] = '\0';
	return o;
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const entry *)a)->key, ((const entry *)b)->key);
}

static es_code add(es_countries *t, const char *name, size_t len, const char *cc, es_err *err)
{
	char key[256];
	if (!fold(name, len, key, sizeof key))
		return ES_OK;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 512;
		entry *p = realloc(t->v, cap * sizeof *p);
		if (!p)
			return es_err_set(err, ES_ENOMEM, "out of memory");
		t->v = p;
		t->cap = cap;
	}
	t->v[t->n].key = strdup(key);
	if (!t->v[t->n].key)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	memcpy(t->v[t->n].cc, cc, 3);
	t->n++;
	return ES_OK;
}

es_code es_countries_load(es_countries **out, const char *path, es_err *err)
{
	char *buf = NULL;
	size_t len;
	es_code rc;
	*out = NULL;
	es_countries *t = calloc(1, sizeof *t);
	if (!t)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	if ((rc = es_read_file(path, 1 << 20, &buf, &len, err)) != ES_OK)
		goto fail;
	long lineno = 0;
	char *cursor = buf;
	for (char *line; (line = es_text_data_line(&cursor, &lineno));) {
		char *tab = strchr(line, '\t');
		if (!tab || tab - line != 2 || !isupper((unsigned char)line[0]) || !isupper((unsigned char)line[1])) {
			rc = es_err_set(err, ES_EFORMAT, "%s:%ld: expected 'CC<TAB>name|...'", path, lineno);
			goto fail;
		}
		char cc[3] = {line[0], line[1], 0};
		void *p = realloc(t->codes, (t->n_codes + 1) * sizeof *t->codes);
		if (!p) {
			rc = es_err_set(err, ES_ENOMEM, "out of memory");
			goto fail;
		}
		t->codes = p;
		memcpy(t->codes[t->n_codes].cc, cc, 3);
		char *names = tab + 1;
		char *bar = strchr(names, '|');
		size_t first = bar ? (size_t)(bar - names) : strlen(names);
		t->codes[t->n_codes].name = strndup(names, first);
		if (!t->codes[t->n_codes].name) {
			rc = es_err_set(err, ES_ENOMEM, "out of memory");
			goto fail;
		}
		t->by_code[(cc[0] - 'A') * 26 + (cc[1] - 'A')] = (short)(t->n_codes + 1);
		t->n_codes++;
		for (char *s = names;;) {
			char *e = strchr(s, '|');
			size_t l = e ? (size_t)(e - s) : strlen(s);
			if ((rc = add(t, s, l, cc, err)) != ES_OK)
				goto fail;
			if (!e)
				break;
			s = e + 1;
		}
	}
	qsort(t->v, t->n, sizeof *t->v, cmp_entry);
	free(buf);
	*out = t;
	return ES_OK;
fail:
	free(buf);
	es_countries_free(t);
	return rc;
}

void es_countries_free(es_countries *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].key);
	free(t->v);
	for (size_t i = 0; i < t->n_codes; i++)
		free(t->codes[i].name);
	free(t->codes);
	free(t);
}

/* Index in t->codes of an upper-case code, or -1. */
static long code_index(const es_countries *t, const char *cc)
{
	if (cc[0] < 'A' || cc[0] > 'Z' || cc[1] < 'A' || cc[1] > 'Z')
		return -1;
	return (long)t->by_code[(cc[0] - 'A') * 26 + (cc[1] - 'A')] - 1;
}

static const char *find_code(const es_countries *t, const char *cc)
{
	long i = code_index(t, cc);
	return i >= 0 ? t->codes[i].cc : NULL;
}

const char *es_country_lookup(const es_countries *t, const char *name, size_t len)
{
	if (!t || !name)
		return NULL;
	if (len == (size_t)-1)
		len = strlen(name);
	while (len && isspace((unsigned char)*name)) {
		name++;
		len--;
	}
	while (len && isspace((unsigned char)name[len - 1]))
		len--;
	if (len == 2 && isalpha((unsigned char)name[0]) && isalpha((unsigned char)name[1])) {
		char cc[3] = {(char)toupper((unsigned char)name[0]), (char)toupper((unsigned char)name[1]), 0};
		const char *c = find_code(t, cc);
		if (c)
			return c;
	}
	char key[256];
	if (len >= sizeof key || !fold(name, len, key, sizeof key))
		return NULL;
	entry probe = {key, {0}};
	entry *hit = bsearch(&probe, t->v, t->n, sizeof *t->v, cmp_entry);
	return hit ? hit->cc : NULL;
}

bool es_country_valid(const es_countries *t, const char *cc)
{
	return t && cc && strlen(cc) == 2 && isupper((unsigned char)cc[0]) &&
	       isupper((unsigned char)cc[1]) && find_code(t, cc) != NULL;
}

const char *es_country_name(const es_countries *t, const char *cc)
{
	long i = t && cc && strlen(cc) == 2 ? code_index(t, cc) : -1;
	return i >= 0 ? t->codes[i].name : NULL;
}
