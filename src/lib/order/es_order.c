/* es_order — order model and the JSON Lines / CSV readers (see es_order.h). */
#include "es_order.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <csv.h>

#include "es_colmap.h"
#include "es_io.h"
#include "es_jsondoc.h"
#include "es_text.h"

static const char *const role_names[ES_ROLE_COUNT] = {
	"buyer", "ship_to", "end_user", "intermediate_consignee", "forwarder", "payer", "other",
};

static const char *const eu_names[] = {
	"unknown", "commercial", "government", "military", "police", "intelligence",
	"telecom", "bank", "education", "individual", "other",
};

const char *es_role_name(es_role r)
{
	return (unsigned)r < ES_ROLE_COUNT ? role_names[r] : "other";
}

int es_role_from_name(const char *s, es_role *out)
{
	for (int i = 0; i < ES_ROLE_COUNT; i++)
		if (strcmp(s, role_names[i]) == 0) {
			*out = (es_role)i;
			return 0;
		}
	return -1;
}

const char *es_eu_type_name(es_eu_type t)
{
	return (unsigned)t <= ES_EU_OTHER ? eu_names[t] : "other";
}

static es_eu_type eu_type_from(const char *s)
{
	for (int i = 0; i < ES_EU_OTHER; i++)
		if (strcasecmp(s, eu_names[i]) == 0)
			return (es_eu_type)i;
	return ES_EU_OTHER;
}

void es_order_release(es_order *o)
{
	/* the document is in o->json_doc, which the next order reuses */
	o->json_root = NULL;
	o->n_parties = o->n_items = o->n_services_declined = o->n_notes = 0;
}

static void order_reset(es_order *o)
{
	es_order_release(o);
	o->order_id = o->destination = o->ship_date = o->payment_terms = o->end_use = NULL;
	o->n_notes = 0;
	o->has_screening = false;
	o->items_given = false;
}

/* Code points in a valid UTF-8 string. */
static size_t utf8_chars(const char *s, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			n++;
	return n;
}

static bool blank(const char *s)
{
	for (; *s; s++)
		if (!isspace((unsigned char)*s))
			return false;
	return true;
}

/* A country field: "" / whitespace = absent; otherwise exactly a known ISO alpha-2
 * code (any case; the canonical upper-case code is returned). */
static es_code country_field(const es_countries *countries, const char *s, const char **out,
			     const char *what, es_err *err)
{
	*out = NULL;
	if (!s || blank(s))
		return ES_OK;
	size_t len = strlen(s);
	const char *cc = len == 2 ? es_country_lookup(countries, s, len) : NULL;
	if (!cc || !es_country_valid(countries, cc))
		return es_err_set(err, ES_EFORMAT, "%s '%.40s' is not an ISO 3166-1 alpha-2 country code", what, s);
	*out = cc;
	return ES_OK;
}

/* ---- JSON ---------------------------------------------------------------- */

/* "pre" + decimal i + "post" into buf (what snprintf("%s%zu%s") gives when it
 * fits; the contexts are built for every party and item, so no printf here). */
static void ctx_fmt(char *buf, size_t cap, const char *pre, size_t i, const char *post)
{
	char dig[24];
	size_t nd = 0, o = 0;
	do {
		dig[nd++] = (char)('0' + i % 10);
		i /= 10;
	} while (i);
	for (const char *c = pre; *c && o + 1 < cap; c++)
		buf[o++] = *c;
	while (nd && o + 1 < cap)
		buf[o++] = dig[--nd];
	for (const char *c = post; *c && o + 1 < cap; c++)
		buf[o++] = *c;
	buf[o] = '\0';
}

/* Whether the n bytes hold only ASCII and no NUL (then they are valid UTF-8). */
static bool plain_ascii(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, u + i, 8);
		/* a high bit, or a zero byte */
		if ((w & 0x8080808080808080ull) || ((w - 0x0101010101010101ull) & ~w & 0x8080808080808080ull))
			return false;
	}
	for (; i < n; i++)
		if (u[i] >= 0x80 || u[i] == 0)
			return false;
	return true;
}

/* Optional string member: absent or null -> NULL; a string within the limit; else an error. */
static es_code jstr(const es_jval *obj, const char *key, const char **out, const char *ctx, es_err *err)
{
	const es_jval *v = es_jval_get(obj, key);
	*out = NULL;
	if (!v || v->type == ES_JSON_NULL)
		return ES_OK;
	if (v->type != ES_JSON_STRING)
		return es_err_set(err, ES_EFORMAT, "%s'%s' is not a string", ctx, key);
	if (utf8_chars(v->str, v->len) > ES_ORDER_MAX_FIELD)
		return es_err_set(err, ES_ETOOBIG, "%s'%s' is longer than %d characters", ctx, key,
				  ES_ORDER_MAX_FIELD);
	*out = v->str;
	return ES_OK;
}

static es_code json_party(const es_jval *p, size_t i, const es_countries *countries, es_party *out, es_err *err)
{
	es_code rc = ES_OK;
	char ctx[48];
	const char *role = NULL, *country = NULL;
	ctx_fmt(ctx, sizeof ctx, "party ", i, ": ");
	memset(out, 0, sizeof *out);
	if (p->type != ES_JSON_OBJECT)
		return es_err_set(err, ES_EFORMAT, "party %zu is not an object", i);
	const es_jval *jn = es_jval_get(p, "name");
	if (!jn || jn->type == ES_JSON_NULL)
		return es_err_set(err, ES_EMISSING, "party %zu has no name", i);
	if ((rc = jstr(p, "name", &out->name, ctx, err)) != ES_OK)
		goto done;
	if (blank(out->name))
		return es_err_set(err, ES_EMISSING, "party %zu has an empty name", i);
	if ((rc = jstr(p, "role", &role, ctx, err)) != ES_OK)
		goto done;
	if (!role)
		return es_err_set(err, ES_EMISSING, "party %zu has no role", i);
	if (es_role_from_name(role, &out->role) != 0)
		return es_err_set(err, ES_EFORMAT, "party %zu has an unknown role '%.40s'", i, role);
	if ((rc = jstr(p, "address", &out->address, ctx, err)) != ES_OK ||
	    (rc = jstr(p, "city", &out->city, ctx, err)) != ES_OK ||
	    (rc = jstr(p, "region", &out->region, ctx, err)) != ES_OK ||
	    (rc = jstr(p, "postal_code", &out->postal_code, ctx, err)) != ES_OK ||
	    (rc = jstr(p, "type", &out->type, ctx, err)) != ES_OK ||
	    (rc = jstr(p, "relationship", &out->relationship, ctx, err)) != ES_OK ||
	    (rc = jstr(p, "country", &country, ctx, err)) != ES_OK)
		goto done;
	ctx_fmt(ctx, sizeof ctx, "party ", i, " country");
	if ((rc = country_field(countries, country, &out->country, ctx, err)) != ES_OK)
		goto done;
	out->eu_type = out->type && !blank(out->type) ? eu_type_from(out->type) : ES_EU_UNKNOWN;
	const es_jval *own = es_jval_get(p, "ownership_percent");
	if (own) {
		out->has_ownership = true;
		if (own->type == ES_JSON_NUMBER) {
			double v = own->num;
			if (!(v >= 0 && v <= 100))
				return es_err_set(err, ES_EFORMAT, "party %zu: ownership_percent %g is not 0..100", i, v);
			out->ownership_known = true;
			out->ownership_percent = v;
		} else if (own->type != ES_JSON_NULL) {
			return es_err_set(err, ES_EFORMAT, "party %zu: 'ownership_percent' is not a number", i);
		}
	}
done:
	return rc;
}

/* Messages quote input values ("country 'X' is not ..."); a value may hold a line
 * break (a JSON escape, a quoted CSV field spanning lines), and a reason is one line. */
static es_code one_line(es_code rc, es_err *err)
{
	if (rc != ES_OK && err)
		for (char *c = err->msg; *c; c++)
			if ((unsigned char)*c < 0x20)
				*c = ' ';
	return rc;
}

static es_code parse_json(const char *line, size_t len, const es_countries *countries, es_order *o, es_err *err);

es_code es_order_parse_json(const char *line, size_t len, const es_countries *countries, es_order *o,
			    es_err *err)
{
	return one_line(parse_json(line, len, countries, o, err), err);
}

static es_code parse_json(const char *line, size_t len, const es_countries *countries, es_order *o, es_err *err)
{
	es_code rc = ES_OK;
	size_t bad;
	order_reset(o);
	/* most orders are plain ASCII: one pass tells, and the checks below can only pass */
	bool plain = plain_ascii(line, len);
	if (!plain && !es_utf8_valid(line, len, &bad))
		return es_err_set(err, ES_EENCODING, "invalid UTF-8 at byte %zu", bad + 1);
	/* Duplicate names are rejected: which one a consumer would use is undefined,
	 * and a screened "destination: DE" that some other tool reads as IR is a miss.
	 * Nesting is bounded, \u0000 and lone surrogates are rejected. Numbers are
	 * read as doubles so a huge integer in a passed-through member is not an error
	 * (only ownership_percent is read, and the raw bytes are what is written back);
	 * a number beyond the double range is. (es_jsondoc: jansson's verdicts.) */
	if (!o->json_doc && !(o->json_doc = es_jsondoc_new()))
		return es_err_set(err, ES_ENOMEM, "out of memory");
	es_err jerr = {0};
	const es_jval *root = es_jsondoc_read(o->json_doc, line, len, &jerr);
	if (!root)
		return es_err_set(err, jerr.code, "%s", jerr.msg);
	o->json_root = root;
	if (root->type != ES_JSON_OBJECT) {
		rc = es_err_set(err, ES_EFORMAT, "not a JSON object (got %s)",
				root->type == ES_JSON_ARRAY ? "an array" : "a scalar");
		goto done;
	}
	if (es_jval_get(root, "screening")) {
		o->has_screening = true;
		rc = es_err_set(err, ES_EFORMAT, "the order already has a 'screening' member");
		goto done;
	}
	const es_jval *jid = es_jval_get(root, "order_id");
	if (jid && jid->type == ES_JSON_STRING)
		if ((rc = jstr(root, "order_id", &o->order_id, "", err)) != ES_OK)
			goto done;
	const char *dest = NULL;
	if ((rc = jstr(root, "destination", &dest, "", err)) != ES_OK ||
	    (rc = country_field(countries, dest, &o->destination, "destination", err)) != ES_OK ||
	    (rc = jstr(root, "ship_date", &o->ship_date, "", err)) != ES_OK ||
	    (rc = jstr(root, "payment_terms", &o->payment_terms, "", err)) != ES_OK ||
	    (rc = jstr(root, "end_use", &o->end_use, "", err)) != ES_OK)
		goto done;
	/* free-text notes: read when a string (they were passed through before the rules
	 * read them, so any other value still passes through without an error) */
	static const char *const note_members[ES_ORDER_MAX_NOTES] = {"notes", "note", "remarks", "comments"};
	for (size_t i = 0; i < ES_ORDER_MAX_NOTES; i++) {
		const es_jval *note = es_jval_get(root, note_members[i]);
		if (note && note->type == ES_JSON_STRING && utf8_chars(note->str, note->len) <= ES_ORDER_MAX_FIELD)
			o->notes[o->n_notes++] = note->str;
	}
	const es_jval *sd = es_jval_get(root, "services_declined");
	if (sd && sd->type == ES_JSON_ARRAY) {
		for (const es_jval *v = sd->first; v; v = v->next) {
			if (v->type != ES_JSON_STRING || v->len == 0)
				continue;
			if (o->n_services_declined >= ES_ORDER_MAX_SERVICES) {
				rc = es_err_set(err, ES_ETOOBIG, "more than %d services_declined", ES_ORDER_MAX_SERVICES);
				goto done;
			}
			o->services_declined[o->n_services_declined++] = v->str;
		}
	} else if (sd && sd->type == ES_JSON_STRING && sd->len > 0) {
		o->services_declined[o->n_services_declined++] = sd->str;
	}

	const es_jval *parties = es_jval_get(root, "parties");
	if (!parties) {
		rc = es_err_set(err, ES_EMISSING, "the order has no 'parties'");
		goto done;
	}
	if (parties->type != ES_JSON_ARRAY) {
		rc = es_err_set(err, ES_EFORMAT, "'parties' is not an array");
		goto done;
	}
	size_t np = parties->len;
	if (np == 0) {
		rc = es_err_set(err, ES_EMISSING, "'parties' is empty");
		goto done;
	}
	if (np > ES_ORDER_MAX_PARTIES) {
		rc = es_err_set(err, ES_ETOOBIG, "more than %d parties", ES_ORDER_MAX_PARTIES);
		goto done;
	}
	size_t i = 0;
	for (const es_jval *p = parties->first; p; p = p->next, i++)
		if ((rc = json_party(p, i, countries, &o->parties[i], err)) != ES_OK)
			goto done;
	o->n_parties = np;

	const es_jval *items = es_jval_get(root, "items");
	if (items && items->type != ES_JSON_NULL) {
		if (items->type != ES_JSON_ARRAY) {
			rc = es_err_set(err, ES_EFORMAT, "'items' is not an array");
			goto done;
		}
		o->items_given = true;
		size_t ni = items->len;
		if (ni > ES_ORDER_MAX_ITEMS) {
			rc = es_err_set(err, ES_ETOOBIG, "more than %d items", ES_ORDER_MAX_ITEMS);
			goto done;
		}
		i = 0;
		for (const es_jval *it = items->first; it; it = it->next, i++) {
			char ctx[40];
			ctx_fmt(ctx, sizeof ctx, "item ", i, ": ");
			if (it->type != ES_JSON_OBJECT) {
				rc = es_err_set(err, ES_EFORMAT, "item %zu is not an object", i);
				goto done;
			}
			es_item *x = &o->items[i];
			memset(x, 0, sizeof *x);
			const es_jval *sku = es_jval_get(it, "sku");
			if (sku && sku->type == ES_JSON_STRING && (rc = jstr(it, "sku", &x->sku, ctx, err)) != ES_OK)
				goto done;
			if ((rc = jstr(it, "eccn", &x->eccn, ctx, err)) != ES_OK ||
			    (rc = jstr(it, "enc", &x->enc, ctx, err)) != ES_OK)
				goto done;
		}
		o->n_items = ni;
	}
done:
	if (rc != ES_OK)
		o->n_parties = o->n_items = 0;
	return rc;
}

void es_order_dispose(es_order *o)
{
	es_order_release(o);
	es_jsondoc_free(o->json_doc);
	o->json_doc = NULL;
}


/* ---- CSV ----------------------------------------------------------------- */

enum { F_NAME, F_ADDRESS, F_CITY, F_REGION, F_POSTAL, F_COUNTRY, F_TYPE, F_RELATIONSHIP, F_OWNERSHIP, F_COUNT };
static const char *const party_fields[F_COUNT] = {
	"name", "address", "city", "region", "postal_code", "country", "type", "relationship", "ownership_percent",
};
enum { O_ORDER_ID, O_DESTINATION, O_SHIP_DATE, O_PAYMENT, O_END_USE, O_SERVICES, O_ECCN, O_ENC, O_SKU, O_NOTES, O_COUNT };
static const char *const order_fields[O_COUNT] = {
	"order_id", "destination", "ship_date", "payment_terms", "end_use", "services_declined", "eccn", "enc", "sku",
	"notes",
};

#define CSV_MAX_COLS 512
#define CSV_MAX_HEADER 256  /* bytes of a header name compared (longer: an unknown column) */
/* libcsv grows a field by this much at a time (its default, 128, makes a 1 MiB
 * field 8,192 reallocs); also its first allocation */
#define CSV_BLOCK 65536
#define CSV_OPTS (CSV_STRICT | CSV_STRICT_FINI)

struct es_csv_orders {
	struct csv_parser p;
	bool parser_ok;
	bool have_header;
	char delim;
	bool delim_given;     /* set by the caller, else detected from the header line */
	const es_colmap *map;
	size_t max_record;
	size_t pending_bytes; /* bytes of the record being read (all its lines so far) */
	/* current record being assembled: fields as offsets into buf */
	char *buf;
	size_t len, cap;
	size_t off[CSV_MAX_COLS];
	size_t flen[CSV_MAX_COLS];
	size_t n_fields;
	size_t rows_done;     /* records completed by the current feed */
	bool too_many, too_long;
	bool pending;         /* inside a record spanning lines */
	/* header map */
	size_t n_cols;
	int party_col[ES_ROLE_COUNT][F_COUNT]; /* column index or -1 */
	int order_col[O_COUNT];
	/* last complete row */
	char *row;
	size_t row_cap, row_fields;
	size_t row_off[CSV_MAX_COLS];
	size_t row_flen[CSV_MAX_COLS];
	bool row_too_many, row_too_long;
};

/* libcsv hands over transient field bytes; they are copied, bounded per field
 * (limit in bytes: 4 per character) so a hostile row cannot grow memory. */
static void csv_cb_field(void *s, size_t n, void *data)
{
	es_csv_orders *r = data;
	if (r->n_fields >= CSV_MAX_COLS) {
		r->too_many = true;
		return;
	}
	if (n > (size_t)ES_ORDER_MAX_FIELD * 4) {
		r->too_long = true;
		n = 0;
	}
	if (r->len + n + 1 > r->cap) {
		size_t nc = r->cap ? r->cap : 4096;
		while (nc < r->len + n + 1)
			nc *= 2;
		char *nb = realloc(r->buf, nc);
		if (!nb) {
			r->too_long = true;
			return;
		}
		r->buf = nb;
		r->cap = nc;
	}
	r->off[r->n_fields] = r->len;
	r->flen[r->n_fields] = n;
	memcpy(r->buf + r->len, s, n);
	r->len += n;
	r->buf[r->len++] = '\0';
	r->n_fields++;
}

static void csv_cb_row(int c, void *data)
{
	es_csv_orders *r = data;
	(void)c;
	r->rows_done++;
	/* move the record to the row slot */
	if (r->row_cap < r->len + 1) {
		char *nb = realloc(r->row, r->len + 1);
		if (!nb) {
			r->row_too_long = true;
			r->len = r->n_fields = 0;
			return;
		}
		r->row = nb;
		r->row_cap = r->len + 1;
	}
	memcpy(r->row, r->buf, r->len);
	r->row[r->len] = '\0';
	memcpy(r->row_off, r->off, r->n_fields * sizeof r->off[0]);
	memcpy(r->row_flen, r->flen, r->n_fields * sizeof r->flen[0]);
	r->row_fields = r->n_fields;
	r->row_too_many = r->too_many;
	r->row_too_long = r->too_long;
	r->len = r->n_fields = 0;
	r->too_many = r->too_long = false;
}

static bool parser_init(es_csv_orders *r)
{
	r->parser_ok = csv_init(&r->p, CSV_OPTS) == 0;
	if (r->parser_ok) {
		csv_set_delim(&r->p, (unsigned char)r->delim);
		csv_set_blk_size(&r->p, CSV_BLOCK);
	}
	return r->parser_ok;
}

es_code es_csv_orders_new(es_csv_orders **out, es_err *err)
{
	es_csv_orders *r = calloc(1, sizeof *r);
	*out = NULL;
	if (!r)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	r->delim = ',';
	r->max_record = ES_ORDER_MAX_RECORD;
	if (!parser_init(r)) {
		free(r);
		return es_err_set(err, ES_ENOMEM, "out of memory");
	}
	*out = r;
	return ES_OK;
}

void es_csv_orders_set_delimiter(es_csv_orders *r, char delimiter)
{
	r->delim_given = delimiter != 0;
	r->delim = delimiter ? delimiter : ',';
	csv_set_delim(&r->p, (unsigned char)r->delim);
}

void es_csv_orders_set_columns(es_csv_orders *r, const es_colmap *map)
{
	r->map = map;
}

void es_csv_orders_set_max_record(es_csv_orders *r, size_t bytes)
{
	r->max_record = bytes;
}

char es_csv_orders_delimiter(const es_csv_orders *r)
{
	return r->delim;
}

size_t es_csv_orders_footprint(const es_csv_orders *r)
{
	return sizeof *r + r->cap + r->row_cap + (r->parser_ok ? r->p.entry_size : 0);
}

es_code es_csv_orders_reset(es_csv_orders *r, es_err *err)
{
	if (r->parser_ok)
		csv_free(&r->p);
	r->len = r->n_fields = 0;
	r->too_many = r->too_long = false;
	r->pending = false;
	r->pending_bytes = 0;
	if (!parser_init(r))
		return es_err_set(err, ES_ENOMEM, "out of memory");
	return ES_OK;
}

bool es_csv_column_known(const char *name)
{
	for (int f = 0; f < O_COUNT; f++)
		if (strcmp(name, order_fields[f]) == 0)
			return true;
	for (int i = 0; i < ES_ROLE_COUNT; i++) {
		size_t rl = strlen(role_names[i]);
		if (strncmp(name, role_names[i], rl) != 0 || name[rl] != '_')
			continue;
		for (int f = 0; f < F_COUNT; f++)
			if (strcmp(name + rl + 1, party_fields[f]) == 0)
				return true;
	}
	return false;
}

void es_csv_orders_free(es_csv_orders *r)
{
	if (!r)
		return;
	if (r->parser_ok)
		csv_free(&r->p);
	free(r->buf);
	free(r->row);
	free(r);
}

size_t es_csv_orders_columns(const es_csv_orders *r)
{
	return r->have_header ? r->n_cols : 0;
}

static const char *row_field(const es_csv_orders *r, size_t i)
{
	return r->row + r->row_off[i];
}

static es_code csv_header(es_csv_orders *r, es_err *err)
{
	bool any_name = false;
	for (int i = 0; i < ES_ROLE_COUNT; i++)
		for (int f = 0; f < F_COUNT; f++)
			r->party_col[i][f] = -1;
	for (int f = 0; f < O_COUNT; f++)
		r->order_col[f] = -1;
	if (r->row_too_many || r->row_too_long)
		return es_err_set(err, ES_ETOOBIG, "CSV header has too many or too long columns");
	for (size_t c = 0; c < r->row_fields; c++) {
		/* names are matched without a UTF-8 BOM (Excel writes one), surrounding
		 * blanks or case: 'Destination' must not become an unknown column */
		char hb[CSV_MAX_HEADER];
		const char *h = row_field(r, c);
		if (c == 0 && strncmp(h, "\xEF\xBB\xBF", 3) == 0)
			h += 3;
		size_t hl = strlen(h);
		es_text_trim(&h, &hl);
		if (hl >= sizeof hb)
			continue; /* no contract or mapped name is that long: passed through */
		/* a column map names the contract column of an ERP's own header */
		const char *mapped = r->map ? es_colmap_lookup(r->map, h, hl) : NULL;
		if (mapped) {
			h = mapped;
			hl = strlen(mapped);
		}
		for (size_t k = 0; k < hl; k++)
			hb[k] = (char)tolower((unsigned char)h[k]);
		hb[hl] = '\0';
		h = hb;
		int *slot = NULL;
		for (int f = 0; f < O_COUNT && !slot; f++)
			if (strcmp(h, order_fields[f]) == 0)
				slot = &r->order_col[f];
		for (int i = 0; i < ES_ROLE_COUNT && !slot; i++) {
			size_t rl = strlen(role_names[i]);
			if (strncmp(h, role_names[i], rl) != 0 || h[rl] != '_')
				continue;
			for (int f = 0; f < F_COUNT; f++)
				if (strcmp(h + rl + 1, party_fields[f]) == 0) {
					slot = &r->party_col[i][f];
					if (f == F_NAME)
						any_name = true;
				}
		}
		if (!slot)
			continue; /* unknown column: passed through */
		if (*slot >= 0)
			return es_err_set(err, ES_EFORMAT, "CSV header names column '%.40s' twice", h);
		*slot = (int)c;
	}
	if (!any_name)
		return es_err_set(err, ES_EFORMAT, r->map ? "CSV header has no <role>_name column, named or mapped"
						       : "CSV header has no <role>_name column");
	r->n_cols = r->row_fields;
	return ES_OK;
}

/* The delimiter of a header line: the most frequent of ',', ';' and tab outside
 * quotes (',' on a tie or when there is none: a one-column header). */
static char detect_delimiter(const char *line, size_t n)
{
	static const char cand[] = {',', ';', '\t'};
	size_t count[3] = {0};
	bool quoted = false;
	for (size_t i = 0; i < n; i++) {
		if (line[i] == '"')
			quoted = !quoted;
		else if (!quoted)
			for (int k = 0; k < 3; k++)
				count[k] += line[i] == cand[k];
	}
	int best = 0;
	for (int k = 1; k < 3; k++)
		if (count[k] > count[best])
			best = k;
	return cand[best];
}

es_code es_csv_orders_feed(es_csv_orders *r, const char *line, size_t len, bool at_eof, bool *row_done,
			   bool *is_header, es_err *err)
{
	es_code rc = ES_OK;
	*row_done = false;
	*is_header = false;
	r->rows_done = 0;
	/* the terminator is normalised to one LF so that CR/CRLF/none all end the record */
	size_t n = len;
	if (n && line[n - 1] == '\n')
		n--;
	if (n && line[n - 1] == '\r')
		n--;
	if (!r->have_header && !r->pending && !r->delim_given) {
		r->delim = detect_delimiter(line, n);
		csv_set_delim(&r->p, (unsigned char)r->delim);
	}
	/* the record limit: an unbalanced quote must not make the parser hold the
	 * rest of the input; the lines read so far are the failed record */
	size_t total = (r->pending ? r->pending_bytes : 0) + len;
	if (total > r->max_record) {
		rc = es_err_set(err, ES_ETOOBIG,
				r->pending ? "a quoted CSV field runs on past %zu bytes (an unbalanced quote?)"
					   : "a CSV record is longer than %zu bytes",
				r->max_record);
		goto failed;
	}
	r->pending_bytes = total;
	bool bad = csv_parse(&r->p, line, n, csv_cb_field, csv_cb_row, r) != n;
	if (!bad && (len > n || !at_eof))
		bad = csv_parse(&r->p, "\n", 1, csv_cb_field, csv_cb_row, r) != 1;
	if (!bad && at_eof && r->rows_done == 0)
		bad = csv_fini(&r->p, csv_cb_field, csv_cb_row, r) != 0;
	if (bad) {
		rc = es_err_set(err, ES_EFORMAT, "malformed CSV: %s", csv_strerror(csv_error(&r->p)));
		goto failed;
	}
	if (r->rows_done > 1) {
		rc = es_err_set(err, ES_EFORMAT, "more than one CSV record on one line");
		*row_done = true;
		goto done;
	}
	r->pending = r->rows_done == 0;
	if (r->rows_done == 1) {
		*row_done = true;
		if (!r->have_header) {
			*is_header = true;
			rc = csv_header(r, err);
			r->have_header = rc == ES_OK;
		}
	}
	goto done;
failed:
	/* start over with a fresh parser so the next line is read on its own */
	*row_done = true;
	{
		es_err e2 = {0};
		if (es_csv_orders_reset(r, &e2) != ES_OK)
			rc = es_err_set(err, ES_ENOMEM, "out of memory");
	}
done:
	return one_line(rc, err); /* a header name may hold a line break */
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* Column value or NULL (absent column / empty field). */
static char *col(es_csv_orders *r, int c)
{
	if (c < 0)
		return NULL;
	char *s = trim(r->row + r->row_off[c]);
	return *s ? s : NULL;
}

/* Splits s in place at any of seps into at most max parts (trimmed); returns
 * the count or -1. */
static int split_list(char *s, const char *seps, const char **parts, int max)
{
	int n = 0;
	if (!s)
		return 0;
	for (;;) {
		char *e = strpbrk(s, seps);
		if (e)
			*e = '\0';
		if (n >= max)
			return -1;
		char *t = trim(s);
		parts[n++] = *t ? t : NULL;
		if (!e)
			break;
		s = e + 1;
	}
	return n;
}

static es_code csv_row(es_csv_orders *r, const es_countries *countries, es_order *o, es_err *err);

es_code es_csv_orders_row(es_csv_orders *r, const es_countries *countries, es_order *o, es_err *err)
{
	return one_line(csv_row(r, countries, o, err), err);
}

static es_code csv_row(es_csv_orders *r, const es_countries *countries, es_order *o, es_err *err)
{
	es_code rc = ES_OK;
	order_reset(o);
	if (r->row_too_many)
		return es_err_set(err, ES_ETOOBIG, "more than %d CSV fields", CSV_MAX_COLS);
	if (r->row_too_long)
		return es_err_set(err, ES_ETOOBIG, "a CSV field is longer than %d characters", ES_ORDER_MAX_FIELD);
	if (r->row_fields != r->n_cols)
		return es_err_set(err, ES_EFORMAT, "the row has %zu fields, the header %zu", r->row_fields, r->n_cols);
	for (size_t c = 0; c < r->row_fields; c++) {
		const char *f = row_field(r, c);
		size_t bad;
		if (strlen(f) != r->row_flen[c])
			return es_err_set(err, ES_EFORMAT, "field %zu contains a NUL byte", c + 1);
		if (!es_utf8_valid(f, r->row_flen[c], &bad))
			return es_err_set(err, ES_EENCODING, "invalid UTF-8 in field %zu", c + 1);
		if (utf8_chars(f, r->row_flen[c]) > ES_ORDER_MAX_FIELD)
			return es_err_set(err, ES_ETOOBIG, "field %zu is longer than %d characters", c + 1,
					  ES_ORDER_MAX_FIELD);
	}
	o->order_id = col(r, r->order_col[O_ORDER_ID]);
	if ((rc = country_field(countries, col(r, r->order_col[O_DESTINATION]), &o->destination, "destination",
				err)) != ES_OK)
		return rc;
	o->ship_date = col(r, r->order_col[O_SHIP_DATE]);
	o->payment_terms = col(r, r->order_col[O_PAYMENT]);
	o->end_use = col(r, r->order_col[O_END_USE]);
	o->n_notes = 0;
	if ((o->notes[0] = col(r, r->order_col[O_NOTES])))
		o->n_notes = 1;
	/* several values in one field are separated by ';' (also by ',' when ';' or tab
	 * separates the fields: what a semicolon-CSV locale writes there) */
	const char *seps = r->delim == ',' ? ";" : ";,";
	int ns = split_list(col(r, r->order_col[O_SERVICES]), seps, o->services_declined, ES_ORDER_MAX_SERVICES);
	if (ns < 0)
		return es_err_set(err, ES_ETOOBIG, "more than %d services_declined", ES_ORDER_MAX_SERVICES);
	size_t k = 0;
	for (int i = 0; i < ns; i++)
		if (o->services_declined[i])
			o->services_declined[k++] = o->services_declined[i];
	o->n_services_declined = k;

	for (int role = 0; role < ES_ROLE_COUNT; role++) {
		char *v[F_COUNT];
		bool any = false;
		for (int f = 0; f < F_COUNT; f++) {
			v[f] = col(r, r->party_col[role][f]);
			any |= v[f] != NULL;
		}
		if (!any)
			continue;
		size_t pi = o->n_parties;
		if (!v[F_NAME])
			return es_err_set(err, ES_EMISSING, "party %zu (%s) has no name", pi, role_names[role]);
		es_party *p = &o->parties[o->n_parties++];
		memset(p, 0, sizeof *p);
		p->role = (es_role)role;
		p->name = v[F_NAME];
		p->address = v[F_ADDRESS];
		p->city = v[F_CITY];
		p->region = v[F_REGION];
		p->postal_code = v[F_POSTAL];
		p->type = v[F_TYPE];
		p->relationship = v[F_RELATIONSHIP];
		p->eu_type = p->type ? eu_type_from(p->type) : ES_EU_UNKNOWN;
		char ctx[48];
		snprintf(ctx, sizeof ctx, "party %zu country", pi);
		if ((rc = country_field(countries, v[F_COUNTRY], &p->country, ctx, err)) != ES_OK)
			return rc;
		if (v[F_OWNERSHIP]) {
			p->has_ownership = true;
			if (strcasecmp(v[F_OWNERSHIP], "null") != 0 && strcasecmp(v[F_OWNERSHIP], "unknown") != 0) {
				char *end;
				errno = 0;
				double d = strtod(v[F_OWNERSHIP], &end);
				if (errno || *end || !(d >= 0 && d <= 100))
					return es_err_set(err, ES_EFORMAT, "party %zu: ownership_percent '%.20s' is not 0..100",
							  pi, v[F_OWNERSHIP]);
				p->ownership_known = true;
				p->ownership_percent = d;
			}
		}
	}
	if (o->n_parties == 0)
		return es_err_set(err, ES_EMISSING, "the row names no party");

	/* items: the eccn, enc and sku columns (a part number alone is an item: a
	 * catalog classifies it) */
	if (r->order_col[O_ECCN] >= 0 || r->order_col[O_ENC] >= 0 || r->order_col[O_SKU] >= 0) {
		const char *eccn[ES_ORDER_MAX_ITEMS], *enc[ES_ORDER_MAX_ITEMS], *sku[ES_ORDER_MAX_ITEMS];
		int ne = split_list(col(r, r->order_col[O_ECCN]), seps, eccn, ES_ORDER_MAX_ITEMS);
		int nc = split_list(col(r, r->order_col[O_ENC]), seps, enc, ES_ORDER_MAX_ITEMS);
		int nk = split_list(col(r, r->order_col[O_SKU]), seps, sku, ES_ORDER_MAX_ITEMS);
		if (ne < 0 || nc < 0 || nk < 0)
			return es_err_set(err, ES_ETOOBIG, "more than %d items", ES_ORDER_MAX_ITEMS);
		int n = ne > nc ? ne : nc;
		n = nk > n ? nk : n;
		if ((nc > 1 && nc != n) || (ne > 1 && ne != n) || (nk > 1 && nk != n))
			return es_err_set(err, ES_EFORMAT, "eccn, enc and sku columns list different numbers of items");
		o->items_given = true;
		for (int i = 0; i < n; i++) {
			memset(&o->items[i], 0, sizeof o->items[i]);
			o->items[i].eccn = ne == n ? eccn[i] : (ne == 1 ? eccn[0] : NULL);
			o->items[i].enc = nc == n ? enc[i] : (nc == 1 ? enc[0] : NULL);
			o->items[i].sku = nk == n ? sku[i] : NULL;
		}
		o->n_items = (size_t)n;
	}
	return ES_OK;
}
