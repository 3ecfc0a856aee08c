#include "es_links.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "es_buf.h"
#include "es_io.h"
#include "es_text.h"

#define LINKS_MAX_BYTES (1 << 20)
#define LINKS_MAX_ROWS 256

typedef struct {
	es_source source;
	char *list; /* NULL = any list of the source */
	char *url;
} link_row;

struct es_links {
	link_row rows[LINKS_MAX_ROWS];
	size_t n;
	char *text;
};

void es_links_free(es_links *l)
{
	if (!l)
		return;
	free(l->text);
	free(l);
}

es_code es_links_load(es_links **out, const char *path, es_err *err)
{
	es_code rc = ES_OK;
	size_t len = 0;
	es_links *l = calloc(1, sizeof *l);
	*out = NULL;
	if (!l)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	if ((rc = es_read_file(path, LINKS_MAX_BYTES, &l->text, &len, err)) != ES_OK)
		goto fail;
	char *cur = l->text, *line;
	long lineno = 0;
	while ((line = es_text_data_line(&cur, &lineno))) {
		char *col[4];
		size_t nc = es_text_split_tabs(line, col, 4);
		es_source src;
		if (nc != 3 || !*col[1] || !*col[2]) {
			rc = es_err_set(err, ES_EFORMAT, "%s:%ld: expected source, list and url separated by tabs", path,
					lineno);
			goto fail;
		}
		if (es_source_from_id(col[0], &src) != 0) {
			rc = es_err_set(err, ES_EFORMAT, "%s:%ld: unknown source '%s'", path, lineno, col[0]);
			goto fail;
		}
		if (strncmp(col[2], "https://", 8) != 0) {
			rc = es_err_set(err, ES_EFORMAT, "%s:%ld: the url must start with https://", path, lineno);
			goto fail;
		}
		if (l->n == LINKS_MAX_ROWS) {
			rc = es_err_set(err, ES_ETOOBIG, "%s:%ld: more than %d rows", path, lineno, LINKS_MAX_ROWS);
			goto fail;
		}
		l->rows[l->n++] = (link_row){src, strcmp(col[1], "*") == 0 ? NULL : col[1], col[2]};
	}
	*out = l;
	return ES_OK;
fail:
	es_links_free(l);
	return rc;
}

/* The row for (source, list): the list's own row, else the source's '*' row. */
static const link_row *find_row(const es_links *l, es_source source, const char *list)
{
	const link_row *best = NULL;
	for (size_t i = 0; i < l->n; i++) {
		const link_row *r = &l->rows[i];
		if (r->source != source)
			continue;
		if (r->list && list && strcmp(r->list, list) == 0)
			return r;
		if (!r->list && !best)
			best = r;
	}
	return best;
}

bool es_links_per_entry(const es_links *l, es_source source, const char *list)
{
	const link_row *r = find_row(l, source, list);
	return r && strstr(r->url, "{id}");
}

es_code es_links_url(const es_links *l, es_source source, const char *list, const char *entry_id, char *out,
		     size_t cap)
{
	const link_row *best = find_row(l, source, list);
	out[0] = '\0';
	if (!best)
		return ES_OK;
	size_t n = 0;
	for (const char *p = best->url; *p; p++) {
		if (*p == '{' && strncmp(p, "{id}", 4) == 0) {
			for (const unsigned char *q = (const unsigned char *)(entry_id ? entry_id : ""); *q; q++) {
				bool plain = (*q >= '0' && *q <= '9') || ((*q | 32) >= 'a' && (*q | 32) <= 'z') ||
					     *q == '-' || *q == '.' || *q == '_';
				static const char hex[] = "0123456789ABCDEF";
				if (n + 4 >= cap)
					goto toobig;
				if (plain) {
					out[n++] = (char)*q;
				} else {
					out[n++] = '%';
					out[n++] = hex[*q >> 4];
					out[n++] = hex[*q & 15];
				}
			}
			p += 3;
			continue;
		}
		if (n + 2 >= cap)
			goto toobig;
		out[n++] = *p;
	}
	out[n] = '\0';
	return ES_OK;
toobig:
	out[0] = '\0';
	return ES_ETOOBIG;
}
