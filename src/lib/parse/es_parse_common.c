#include "es_parse_common.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "es_date.h"
#include "es_io.h"

const char *es_parse_basename(const char *path)
{
	const char *b = path ? strrchr(path, '/') : NULL;
	return b ? b + 1 : path ? path : "(buffer)";
}

const char *es_parse_name(const es_parse_input *in)
{
	return in->display_name ? in->display_name : es_parse_basename(in->path);
}

es_code es_parse_begin(const es_parse_input *in, es_parse_stats *stats, const char *fname, es_err *err)
{
	memset(stats, 0, sizeof *stats);
	stats->declared_count = -1;
	if (!in->countries || !in->on_entity)
		return es_err_set(err, ES_EUSAGE, "%s: parser needs a country table and an entity callback", fname);
	return ES_OK;
}

es_code es_parse_read(const es_parse_input *in, const char *path, const char *sha256, char **out, size_t *len,
		      es_err *err)
{
	es_code rc = es_read_file(path, in->max_bytes ? in->max_bytes : ES_PARSE_MAX_BYTES, out, len, err);
	if (rc != ES_OK || !sha256)
		return rc;
	char actual[65];
	es_sha256_hex(*out, *len, actual);
	if (strcmp(actual, sha256) == 0)
		return ES_OK;
	free(*out);
	*out = NULL;
	*len = 0;
	return es_err_set(err, ES_ECORRUPT, "%s: content does not match the manifest sha256 (damaged or replaced); "
			  "not used", path);
}

es_code es_parse_load(const es_parse_input *in, const char *fname, const char **buf, size_t *len, char **owned,
		      es_err *err)
{
	if (!*buf) {
		es_code rc = es_parse_read(in, in->path, in->sha256, owned, len, err);
		if (rc == ES_OK)
			*buf = *owned;
		return rc;
	}
	if (in->max_bytes && *len > in->max_bytes)
		return es_err_set(err, ES_ETOOBIG, "%s: %zu bytes exceeds the limit of %zu bytes", fname, *len,
				  in->max_bytes);
	return ES_OK;
}

const char *es_parse_show(const char *s, size_t len, char out[48])
{
	size_t n = 0;
	for (size_t i = 0; s && i < len && s[i] && n < 40; i++)
		out[n++] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	out[n] = '\0';
	return out;
}

static void vnote(const es_parse_input *in, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void vnote(const es_parse_input *in, const char *fmt, va_list ap)
{
	if (!in->on_diag)
		return;
	char msg[ES_ERR_MSG_MAX];
	vsnprintf(msg, sizeof msg, fmt, ap);
	in->on_diag(in->diag_ctx, msg);
}

void es_parse_note(const es_parse_input *in, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vnote(in, fmt, ap);
	va_end(ap);
}

void es_parse_skip(const es_parse_input *in, es_parse_stats *stats, const char *fmt, ...)
{
	stats->bad++;
	va_list ap;
	va_start(ap, fmt);
	vnote(in, fmt, ap);
	va_end(ap);
}

es_code es_parse_finish(const es_parse_input *in, es_parse_stats *stats, es_entity *e, es_code rc, es_err *e_err,
			es_err *err, const char *fmt, ...)
{
	if (rc == ES_OK)
		rc = es_entity_validate(e, e_err);
	if (rc == ES_ENOMEM) {
		es_entity_free(e);
		return es_err_set(err, rc, "%s", e_err->msg);
	}
	if (rc != ES_OK) {
		char where[ES_ERR_MSG_MAX];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(where, sizeof where, fmt, ap);
		va_end(ap);
		es_parse_skip(in, stats, "%s: %s", where, e_err->msg);
		es_entity_free(e);
		return ES_OK;
	}
	stats->entries++;
	return in->on_entity(in->ctx, e, err);
}

es_code es_parse_open_xml(const es_parse_input *in, const char *fname, const char **buf, size_t *len,
			  char **owned, es_xml **x, es_err *err)
{
	es_code rc;
	*x = NULL;
	if ((rc = es_parse_load(in, fname, buf, len, owned, err)) != ES_OK ||
	    (rc = es_xml_check_utf8(*buf, *len, fname, err)) != ES_OK)
		return rc;
	return es_xml_open(x, *buf, *len, fname, err);
}

void es_parse_set_iso_date(es_parse_stats *stats, const char *d)
{
	es_date dd;
	if (d && es_date_parse_iso_prefix(d, strlen(d), &dd))
		es_date_format(dd, stats->data_date);
}
