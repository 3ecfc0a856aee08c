#include "es_csv.h"

#include <csv.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "es_buf.h"
#include "es_io.h"
#include "es_text.h"

typedef struct {
	const es_csv_opts *o;
	size_t max_field, max_fields;
	es_buf buf;            /* concatenated NUL-terminated fields of the current row */
	es_vec off, len;       /* size_t per field: offset into buf, length */
	es_vec ptrs;           /* char * per field, handed to the callback */
	long oversize;
	long line, row_start;
	bool at_row_start;
	es_csv_row_fn fn;
	void *ctx;
	es_code rc;
	es_err *err;
} state;

static void on_field(void *data, size_t n, void *st_)
{
	state *st = st_;
	if (st->rc != ES_OK)
		return;
	if (st->off.n >= st->max_fields || n > st->max_field) {
		/* keep the index of the first offending field, store it empty */
		if (st->oversize < 0)
			st->oversize = (long)st->off.n;
		if (st->off.n >= st->max_fields)
			return;
		n = 0;
	}
	size_t at = st->buf.len;
	es_buf_add(&st->buf, data, n);
	es_buf_addc(&st->buf, '\0');
	size_t *o = es_vec_push(&st->off, sizeof(size_t));
	size_t *l = es_vec_push(&st->len, sizeof(size_t));
	if (st->buf.oom || !o || !l) {
		st->rc = es_err_set(st->err, ES_ENOMEM, "out of memory");
		return;
	}
	*o = at;
	*l = n;
}

static void on_row(int c, void *st_)
{
	(void)c;
	state *st = st_;
	size_t n = st->off.n;
	if (st->rc == ES_OK) {
		if (!es_vec_reserve(&st->ptrs, sizeof(char *), n)) {
			st->rc = es_err_set(st->err, ES_ENOMEM, "out of memory");
			goto next;
		}
		char **ptrs = st->ptrs.data;
		const size_t *off = st->off.data;
		for (size_t i = 0; i < n; i++)
			ptrs[i] = st->buf.s + off[i];
		es_csv_row row = {ptrs, st->len.data, n, st->row_start, st->oversize};
		st->rc = st->fn(st->ctx, &row, st->err);
	}
next:
	st->off.n = st->len.n = 0;
	es_buf_clear(&st->buf);
	st->oversize = -1;
	st->at_row_start = true;
}

es_code es_csv_parse(const char *buf, size_t len, const es_csv_opts *opts, es_csv_row_fn fn, void *ctx,
		     es_err *err)
{
	es_code rc = ES_OK;
	struct csv_parser p;
	state st = {0};
	st.o = opts;
	st.max_field = opts->max_field ? opts->max_field : 65536;
	st.max_fields = opts->max_fields ? opts->max_fields : 256;
	st.oversize = -1;
	st.line = opts->first_line ? opts->first_line : 1;
	st.row_start = st.line;
	st.at_row_start = true;
	st.fn = fn;
	st.ctx = ctx;
	st.err = err;
	/* STRICT: a stray quote is an error, not a silently merged field (both real
	 * CSL files pass); STRICT_FINI: a file ending inside a quoted field is a truncation */
	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	if (opts->delim)
		csv_set_delim(&p, opts->delim);
	size_t pos = 0;
	/* fed line by line so rows know the line they start on */
	while (pos < len && st.rc == ES_OK) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (buf + pos)) + 1 : len - pos;
		if (st.at_row_start) {
			st.row_start = st.line;
			st.at_row_start = false;
		}
		if (csv_parse(&p, buf + pos, n, on_field, on_row, &st) != n) {
			if (st.rc == ES_OK)
				st.rc = csv_error(&p) == CSV_EPARSE
						? es_err_set(err, ES_EFORMAT,
							     "%s:%ld: malformed CSV: a quote inside a field that is not escaped",
							     opts->name, st.line)
						: es_err_set(err, ES_ENOMEM, "out of memory");
			break;
		}
		pos += n;
		if (nl)
			st.line++;
	}
	if (st.rc == ES_OK && csv_fini(&p, on_field, on_row, &st) != 0 && st.rc == ES_OK)
		st.rc = es_err_set(err, ES_EFORMAT,
				   "%s:%ld: file ends inside a quoted field (truncated download?)", opts->name,
				   st.row_start);
	rc = st.rc;
	csv_free(&p);
	es_buf_free(&st.buf);
	es_vec_free(&st.off);
	es_vec_free(&st.len);
	es_vec_free(&st.ptrs);
	return rc;
}

long es_csv_line_of(const char *buf, size_t off)
{
	long line = 1;
	for (size_t i = 0; i < off; i++)
		if (buf[i] == '\n')
			line++;
	return line;
}

es_code es_csv_prepare(const char **buf, size_t *len, const char *name, es_err *err)
{
	const char *b = *buf;
	size_t n = *len;
	if (n >= 3 && memcmp(b, "\xEF\xBB\xBF", 3) == 0) {
		b += 3;
		n -= 3;
	}
	size_t i = 0;
	while (i < n && isspace((unsigned char)b[i]))
		i++;
	if (i == n)
		return es_err_set(err, ES_EFORMAT, "%s: file is empty", name);
	if (b[i] == '<')
		return es_err_set(err, ES_EFORMAT, "%s:%ld: looks like an HTML/XML page, not a CSV list",
				  name, es_csv_line_of(b, i));
	size_t bad;
	if (!es_utf8_valid(b, n, &bad))
		return es_err_set(err, ES_EENCODING, "%s:%ld: invalid UTF-8 byte 0x%02X (not UTF-8; Windows-1252?)",
				  name, es_csv_line_of(b, bad), (unsigned char)b[bad]);
	*buf = b;
	*len = n;
	return ES_OK;
}

void es_csv_header_columns(const es_csv_row *r, const char *const *names, size_t n, bool nocase,
			   long *cols)
{
	for (size_t k = 0; k < n; k++)
		cols[k] = -1;
	for (size_t i = 0; i < r->n; i++) {
		const char *s = r->f[i];
		size_t len = r->len[i];
		es_text_trim(&s, &len);
		for (size_t k = 0; k < n; k++)
			if (cols[k] < 0 && strlen(names[k]) == len &&
			    (nocase ? strncasecmp(names[k], s, len) : memcmp(names[k], s, len)) == 0)
				cols[k] = (long)i;
	}
}
