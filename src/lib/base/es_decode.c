/* es_decode — ICU-backed decoding to UTF-8 (see es_decode.h). */
#include "es_decode.h"

#include <stdlib.h>
#include <string.h>

#include <unicode/ucnv.h>
#include <unicode/ucnv_cb.h>
#include <unicode/utf16.h>
#include <unicode/utf8.h>

/* What an undecodable place becomes in UTF-16 (a lone low surrogate, which no
 * converter produces from valid input) and then in UTF-8 (0xFF). */
#define MARK_U16 0xDFFF
#define MARK_U8 '\xFF'
#define UBUF 4096

struct es_decoder {
	UConverter *cnv;     /* NULL for "utf-16" until its byte order is known */
	bool single_byte;    /* latin1, cp1252: C1 control codes are undecodable */
	const char *name;    /* canonical name */
	char head[2];        /* "utf-16": bytes held until the byte order is known */
	size_t n_head;
	UChar high;          /* a high surrogate waiting for its pair (0 = none) */
};

static const struct {
	const char *name, *icu;
	const char *aliases[3];
} encodings[] = {
	{"latin1", "ISO-8859-1", {"iso88591", "latin1", "l1"}},
	{"cp1252", "windows-1252", {"cp1252", "windows1252", "win1252"}},
	{"utf-16", NULL, {"utf16", "ucs2", NULL}},
	{"utf-16le", "UTF-16LE", {"utf16le", NULL, NULL}},
	{"utf-16be", "UTF-16BE", {"utf16be", NULL, NULL}},
	{"utf-8", NULL, {"utf8", NULL, NULL}},
};

const char *es_decode_name(const char *encoding)
{
	char key[24];
	size_t n = 0;
	if (!encoding)
		return NULL;
	for (const char *s = encoding; *s; s++) {
		if (*s == '-' || *s == '_')
			continue;
		if (n + 1 >= sizeof key)
			return NULL;
		key[n++] = (char)(*s >= 'A' && *s <= 'Z' ? *s + 32 : *s);
	}
	key[n] = '\0';
	for (size_t i = 0; i < sizeof encodings / sizeof encodings[0]; i++)
		for (size_t k = 0; k < 3 && encodings[i].aliases[k]; k++)
			if (strcmp(key, encodings[i].aliases[k]) == 0)
				return encodings[i].name;
	return NULL;
}

const char *es_decode_bom(const char *data, size_t n)
{
	const unsigned char *u = (const unsigned char *)data;
	if (n >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF)
		return "utf-8";
	if (n >= 2 && u[0] == 0xFF && u[1] == 0xFE)
		return "utf-16le";
	if (n >= 2 && u[0] == 0xFE && u[1] == 0xFF)
		return "utf-16be";
	return NULL;
}

/* Undecodable input: the marker instead, and conversion goes on. */
static void mark_invalid(const void *ctx, UConverterToUnicodeArgs *args, const char *units, int32_t len,
			 UConverterCallbackReason reason, UErrorCode *st)
{
	(void)ctx;
	(void)units;
	(void)len;
	if (reason > UCNV_IRREGULAR)
		return; /* reset, close, clone: nothing to write */
	UChar m = MARK_U16;
	*st = U_ZERO_ERROR;
	ucnv_cbToUWriteUChars(args, &m, 1, 0, st);
}

static es_code open_converter(es_decoder *d, const char *icu, es_err *err)
{
	UErrorCode st = U_ZERO_ERROR;
	d->cnv = ucnv_open(icu, &st);
	if (U_FAILURE(st))
		return es_err_set(err, ES_EENCODING, "cannot open the %s converter: %s", icu, u_errorName(st));
	ucnv_setToUCallBack(d->cnv, mark_invalid, NULL, NULL, NULL, &st);
	if (U_FAILURE(st)) {
		ucnv_close(d->cnv);
		d->cnv = NULL;
		return es_err_set(err, ES_EENCODING, "cannot set up the %s converter: %s", icu, u_errorName(st));
	}
	return ES_OK;
}

es_code es_decoder_new(es_decoder **out, const char *encoding, es_err *err)
{
	es_code rc = ES_OK;
	*out = NULL;
	const char *name = es_decode_name(encoding);
	if (!name)
		return es_err_set(err, ES_EUSAGE, "unknown encoding '%.40s' (utf-8, latin1, cp1252, utf-16, utf-16le, utf-16be)",
				  encoding ? encoding : "");
	if (strcmp(name, "utf-8") == 0)
		return ES_OK;
	es_decoder *d = calloc(1, sizeof *d);
	if (!d)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	d->name = name;
	d->single_byte = strcmp(name, "latin1") == 0 || strcmp(name, "cp1252") == 0;
	for (size_t i = 0; i < sizeof encodings / sizeof encodings[0]; i++)
		if (encodings[i].name == name && encodings[i].icu && (rc = open_converter(d, encodings[i].icu, err)) != ES_OK) {
			free(d);
			return rc;
		}
	*out = d;
	return ES_OK;
}

const char *es_decoder_name(const es_decoder *d)
{
	return d->name;
}

void es_decoder_free(es_decoder *d)
{
	if (!d)
		return;
	if (d->cnv)
		ucnv_close(d->cnv);
	free(d);
}

/* UTF-16 units to UTF-8: pairs joined (also across calls), the marker and any
 * unpaired surrogate left at the end become 0xFF. */
static void put_units(es_decoder *d, const UChar *u, size_t n, bool flush, es_buf *out)
{
	char tmp[UBUF * 3 + 8];
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		UChar c = u[i];
		if (d->high) {
			UChar h = d->high;
			d->high = 0;
			if (U16_IS_TRAIL(c) && c != MARK_U16) {
				UChar32 cp = U16_GET_SUPPLEMENTARY(h, c);
				U8_APPEND_UNSAFE(tmp, k, cp);
				continue;
			}
			tmp[k++] = MARK_U8;
		}
		/* ICU maps the bytes Windows-1252 leaves undefined (and Latin-1 all of
		 * 0x80..0x9F) to C1 control codes, which no ERP writes in text: such a
		 * byte means the encoding is not what was said */
		if (d->single_byte && c >= 0x80 && c <= 0x9F)
			tmp[k++] = MARK_U8;
		else if (U16_IS_LEAD(c))
			d->high = c;
		else if (U16_IS_TRAIL(c))
			tmp[k++] = MARK_U8;
		else
			U8_APPEND_UNSAFE(tmp, k, c);
	}
	if (flush && d->high) {
		d->high = 0;
		tmp[k++] = MARK_U8;
	}
	es_buf_add(out, tmp, k);
}

es_code es_decoder_run(es_decoder *d, const char *in, size_t n, bool flush, es_buf *out, es_err *err)
{
	es_code rc = ES_OK;
	char two[2];
	if (!in)
		in = ""; /* a flush passes no input */
	if (!d->cnv) {
		/* "utf-16": wait for two bytes to tell the byte order */
		while (d->n_head < 2 && n) {
			d->head[d->n_head++] = *in++;
			n--;
		}
		if (d->n_head < 2 && !flush)
			return ES_OK;
		const unsigned char *h = (const unsigned char *)d->head;
		bool be = d->n_head == 2 && ((h[0] == 0xFE && h[1] == 0xFF) || (h[0] == 0 && h[1] != 0));
		if ((rc = open_converter(d, be ? "UTF-16BE" : "UTF-16LE", err)) != ES_OK)
			return rc;
		memcpy(two, d->head, d->n_head);
		size_t nh = d->n_head;
		d->n_head = 0;
		if ((rc = es_decoder_run(d, two, nh, flush && n == 0, out, err)) != ES_OK || n == 0)
			return rc;
	}
	UChar ubuf[UBUF];
	const char *src = in, *end = in + n;
	for (;;) {
		UChar *t = ubuf;
		UErrorCode st = U_ZERO_ERROR;
		ucnv_toUnicode(d->cnv, &t, ubuf + UBUF, &src, end, NULL, flush, &st);
		put_units(d, ubuf, (size_t)(t - ubuf), flush && st != U_BUFFER_OVERFLOW_ERROR, out);
		if (out->oom)
			return es_err_set(err, ES_ENOMEM, "out of memory");
		if (st == U_BUFFER_OVERFLOW_ERROR)
			continue;
		if (U_FAILURE(st))
			return es_err_set(err, ES_EENCODING, "cannot decode %s: %s", d->name, u_errorName(st));
		break;
	}
	return ES_OK;
}
