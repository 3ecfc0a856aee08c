/* es_colmap — CSV column maps (see es_colmap.h). */
#include "es_colmap.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "es_buf.h"
#include "es_io.h"
#include "es_order.h"
#include "es_text.h"

typedef struct {
	char *from;   /* the ERP header, trimmed */
	char *to;     /* the contract column */
	long line;
} mapping;

struct es_colmap {
	es_vec rows;  /* mapping */
	char *text;   /* the file's text: from/to point into it */
};

void es_colmap_free(es_colmap *m)
{
	if (!m)
		return;
	es_vec_free(&m->rows);
	free(m->text);
	free(m);
}

size_t es_colmap_count(const es_colmap *m)
{
	return m->rows.n;
}

static bool same_header(const char *a, size_t la, const char *b)
{
	return strlen(b) == la && strncasecmp(a, b, la) == 0;
}

const char *es_colmap_lookup(const es_colmap *m, const char *header, size_t len)
{
	const mapping *r = m->rows.data;
	for (size_t i = 0; i < m->rows.n; i++)
		if (same_header(header, len, r[i].from))
			return r[i].to;
	return NULL;
}

/* Trims s in place (NUL-terminated) and returns its start. */
static char *trim_in_place(char *s)
{
	const char *t = s;
	size_t n = strlen(s);
	es_text_trim(&t, &n);
	((char *)t)[n] = '\0';
	return (char *)t;
}

/* Takes ownership of text (NUL-terminated, len bytes). */
static es_code parse_owned(es_colmap **out, char *text, size_t len, const char *name, es_err *err)
{
	es_code rc = ES_OK;
	size_t bad;
	*out = NULL;
	es_colmap *m = calloc(1, sizeof *m);
	if (!m) {
		free(text);
		return es_err_set(err, ES_ENOMEM, "out of memory");
	}
	m->text = text;
	const char *nul = memchr(text, '\0', len);
	if (nul) {
		long ln = 1;
		for (const char *p = text; p < nul; p++)
			ln += *p == '\n';
		rc = es_err_set(err, ES_EFORMAT, "%s:%ld: a NUL byte", name, ln);
		goto done;
	}
	if (!es_utf8_valid(text, len, &bad)) {
		long ln = 1;
		for (size_t i = 0; i < bad; i++)
			ln += text[i] == '\n';
		rc = es_err_set(err, ES_EENCODING, "%s:%ld: invalid UTF-8", name, ln);
		goto done;
	}
	/* a UTF-8 byte order mark (Notepad, Excel) is not part of the first header */
	char *cur = len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0 ? text + 3 : text, *line;
	long ln = 0;
	while ((line = es_text_data_line(&cur, &ln)) != NULL) {
		char *cols[3];
		size_t nc = es_text_split_tabs(line, cols, 3);
		if (nc != 2) {
			rc = es_err_set(err, ES_EFORMAT, "%s:%ld: want 'ERP header<TAB>contract column', got %zu column%s",
					name, ln, nc, nc == 1 ? "" : "s");
			goto done;
		}
		char *from = trim_in_place(cols[0]), *to = trim_in_place(cols[1]);
		if (!*from || !*to) {
			rc = es_err_set(err, ES_EFORMAT, "%s:%ld: an empty %s", name, ln, *from ? "contract column" : "header");
			goto done;
		}
		if (strlen(from) > ES_COLMAP_MAX_HEADER) {
			rc = es_err_set(err, ES_ETOOBIG, "%s:%ld: a header longer than %d bytes", name, ln,
					ES_COLMAP_MAX_HEADER);
			goto done;
		}
		for (char *c = to; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c + 32);
		if (!es_csv_column_known(to)) {
			rc = es_err_set(err, ES_EFORMAT,
					"%s:%ld: '%.60s' is not a column of the order format (order_id, destination, "
					"eccn, enc, sku, <role>_name, <role>_country, ...)",
					name, ln, to);
			goto done;
		}
		const mapping *prev = m->rows.data;
		for (size_t i = 0; i < m->rows.n; i++)
			if (same_header(from, strlen(from), prev[i].from)) {
				rc = es_err_set(err, ES_EFORMAT, "%s:%ld: header '%.60s' is mapped twice (first at line %ld)",
						name, ln, from, prev[i].line);
				goto done;
			}
		mapping *r = es_vec_push(&m->rows, sizeof *r);
		if (!r) {
			rc = es_err_set(err, ES_ENOMEM, "out of memory");
			goto done;
		}
		*r = (mapping){from, to, ln};
	}
	if (m->rows.n == 0) {
		rc = es_err_set(err, ES_EMISSING, "%s: no mappings (want 'ERP header<TAB>contract column' lines)", name);
		goto done;
	}
	*out = m;
	m = NULL;
done:
	es_colmap_free(m);
	return rc;
}

es_code es_colmap_parse(es_colmap **out, const char *text, size_t len, const char *name, es_err *err)
{
	*out = NULL;
	if (len > ES_COLMAP_MAX_BYTES)
		return es_err_set(err, ES_ETOOBIG, "%s: larger than %u bytes", name, ES_COLMAP_MAX_BYTES);
	char *copy = malloc(len + 1);
	if (!copy)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	memcpy(copy, text, len);
	copy[len] = '\0';
	return parse_owned(out, copy, len, name, err);
}

es_code es_colmap_load(es_colmap **out, const char *path, es_err *err)
{
	char *text = NULL;
	size_t len = 0;
	es_code rc = es_read_file(path, ES_COLMAP_MAX_BYTES, &text, &len, err);
	*out = NULL;
	if (rc != ES_OK)
		return rc;
	return parse_owned(out, text, len, path, err);
}
