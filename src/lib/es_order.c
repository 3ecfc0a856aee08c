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
#include <jansson.h>

#include "es_io.h"

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
	o->n_parties = o->n_items = o->n_services_declined = 0;
}

static void order_reset(es_order *o)
{
	es_order_release(o);
	o->order_id = o->destination = o->ship_date = o->payment_terms = o->end_use = NULL;
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

/* A strict JSON reader built for this one job: validate a line (RFC 8259: no
 * trailing commas, no control characters or NUL in strings, no lone surrogates,
 * no duplicate member names, nesting at most JP_MAX_DEPTH, nothing after the
 * value) and keep a flat token array to look members up in. It replaces a
 * general DOM because building and freeing one per order was most of the
 * filter's own time; jansson still writes the error message of a rejected line,
 * so messages stay those of a well-known parser. Numbers are checked for syntax
 * only: their bytes are passed through and only ownership_percent is read. */

#define JP_MAX_DEPTH 2048
#define JP_MAX_TOKENS (1u << 20)

enum { JT_OBJECT, JT_ARRAY, JT_STRING, JT_NUMBER, JT_TRUE, JT_FALSE, JT_NULL };

typedef struct {
	uint8_t type;
	uint8_t esc;     /* string has backslash escapes */
	uint32_t start;  /* strings: first byte after the quote; else first byte */
	uint32_t end;    /* strings: the closing quote; else one past the last byte */
	uint32_t n;      /* objects: members, arrays: elements */
	uint32_t next;   /* index of the token after this value's subtree */
	char *str;       /* decoded string (arena), NULL until asked for */
} jtok;

typedef struct {
	const char *s;
	size_t len, pos;
	jtok *t;
	size_t nt, cap;
	char *arena;
	size_t an, acap;
	size_t *keys;    /* scratch for duplicate checks */
	size_t kcap;
	bool oom;
} jdoc;

struct es_order_scratch {
	jdoc d;
};

static void jp_ws(jdoc *d)
{
	while (d->pos < d->len) {
		char c = d->s[d->pos];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		d->pos++;
	}
}

static long jp_new(jdoc *d, int type)
{
	if (d->nt == d->cap) {
		if (d->cap >= JP_MAX_TOKENS)
			return -1;
		size_t nc = d->cap ? d->cap * 2 : 256;
		jtok *nt = realloc(d->t, nc * sizeof *nt);
		if (!nt) {
			d->oom = true;
			return -1;
		}
		d->t = nt;
		d->cap = nc;
	}
	jtok *t = &d->t[d->nt];
	memset(t, 0, sizeof *t);
	t->type = (uint8_t)type;
	return (long)d->nt++;
}

static int hexv(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static int jp_hex4(const char *s, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		int h = hexv(s[i]);
		if (h < 0)
			return -1;
		v = v * 16 + (unsigned)h;
	}
	*out = v;
	return 0;
}

/* Scans a string starting at the opening quote; validates escapes. */
static bool jp_string(jdoc *d, long ti)
{
	size_t i = d->pos + 1;
	bool esc = false;
	while (i < d->len) {
		unsigned char c = (unsigned char)d->s[i];
		if (c == '"')
			break;
		if (c < 0x20)
			return false;
		if (c == '\\') {
			esc = true;
			if (i + 1 >= d->len)
				return false;
			char e = d->s[i + 1];
			if (e == 'u') {
				unsigned u, u2;
				if (i + 6 > d->len || jp_hex4(d->s + i + 2, &u) != 0 || u == 0)
					return false;
				if (u >= 0xDC00 && u <= 0xDFFF)
					return false; /* lone low surrogate */
				if (u >= 0xD800 && u <= 0xDBFF) {
					if (i + 12 > d->len || d->s[i + 6] != '\\' || d->s[i + 7] != 'u' ||
					    jp_hex4(d->s + i + 8, &u2) != 0 || u2 < 0xDC00 || u2 > 0xDFFF)
						return false;
					i += 12;
				} else {
					i += 6;
				}
				continue;
			}
			if (!strchr("\"\\/bfnrt", e) || e == '\0')
				return false;
			i += 2;
			continue;
		}
		i++;
	}
	if (i >= d->len)
		return false;
	if (ti >= 0) {
		d->t[ti].start = (uint32_t)(d->pos + 1);
		d->t[ti].end = (uint32_t)i;
		d->t[ti].esc = esc;
	}
	d->pos = i + 1;
	return true;
}

static bool jp_number(jdoc *d)
{
	size_t i = d->pos;
	if (i < d->len && d->s[i] == '-')
		i++;
	if (i >= d->len)
		return false;
	if (d->s[i] == '0')
		i++;
	else if (d->s[i] >= '1' && d->s[i] <= '9')
		while (i < d->len && isdigit((unsigned char)d->s[i]))
			i++;
	else
		return false;
	if (i < d->len && d->s[i] == '.') {
		i++;
		if (i >= d->len || !isdigit((unsigned char)d->s[i]))
			return false;
		while (i < d->len && isdigit((unsigned char)d->s[i]))
			i++;
	}
	if (i < d->len && (d->s[i] == 'e' || d->s[i] == 'E')) {
		i++;
		if (i < d->len && (d->s[i] == '+' || d->s[i] == '-'))
			i++;
		if (i >= d->len || !isdigit((unsigned char)d->s[i]))
			return false;
		while (i < d->len && isdigit((unsigned char)d->s[i]))
			i++;
	}
	d->pos = i;
	return true;
}

static const char *jp_str(jdoc *d, size_t ti, size_t *len);

static int key_cmp_ctx(const void *a, const void *b, void *ctx);

static bool jp_value(jdoc *d, int depth);

/* Keys of the object token oi are distinct (decoded comparison). */
static bool jp_no_dups(jdoc *d, size_t oi)
{
	size_t n = d->t[oi].n;
	if (n < 2)
		return true;
	if (n > d->kcap) {
		size_t *nk = realloc(d->keys, n * sizeof *nk);
		if (!nk) {
			d->oom = true;
			return false;
		}
		d->keys = nk;
		d->kcap = n;
	}
	size_t k = oi + 1, m = 0;
	for (size_t i = 0; i < n; i++) {
		d->keys[m++] = k;
		k = d->t[k + 1].next; /* key is one token; the value's subtree ends at next */
	}
	for (size_t i = 0; i < n; i++) {
		size_t l;
		if (!jp_str(d, d->keys[i], &l))
			return false;
	}
	if (n <= 8) {
		for (size_t i = 0; i < n; i++)
			for (size_t j = i + 1; j < n; j++)
				if (key_cmp_ctx(&d->keys[i], &d->keys[j], d) == 0)
					return false;
		return true;
	}
	/* many members: an open-addressing set of the decoded names */
	size_t ts = 16;
	while (ts < 2 * n)
		ts *= 2;
	if (ts + n > d->kcap) {
		size_t *nk = realloc(d->keys, (ts + n) * sizeof *nk);
		if (!nk) {
			d->oom = true;
			return false;
		}
		d->keys = nk;
		d->kcap = ts + n;
	}
	size_t *tab = d->keys + n;
	for (size_t i = 0; i < ts; i++)
		tab[i] = SIZE_MAX;
	for (size_t i = 0; i < n; i++) {
		const jtok *t = &d->t[d->keys[i]];
		uint64_t h = 1469598103934665603ull;
		for (size_t b = 0; b < t->n; b++)
			h = (h ^ (unsigned char)t->str[b]) * 1099511628211ull;
		for (size_t slot = h & (ts - 1);; slot = (slot + 1) & (ts - 1)) {
			if (tab[slot] == SIZE_MAX) {
				tab[slot] = d->keys[i];
				break;
			}
			if (key_cmp_ctx(&tab[slot], &d->keys[i], d) == 0)
				return false;
		}
	}
	return true;
}

static bool jp_value(jdoc *d, int depth)
{
	jp_ws(d);
	if (d->pos >= d->len)
		return false;
	char c = d->s[d->pos];
	long ti;
	if (c == '{' || c == '[') {
		if (depth >= JP_MAX_DEPTH)
			return false;
		bool obj = c == '{';
		if ((ti = jp_new(d, obj ? JT_OBJECT : JT_ARRAY)) < 0)
			return false;
		d->t[ti].start = (uint32_t)d->pos;
		d->pos++;
		jp_ws(d);
		uint32_t n = 0;
		if (d->pos < d->len && d->s[d->pos] == (obj ? '}' : ']')) {
			d->pos++;
		} else {
			for (;;) {
				if (obj) {
					jp_ws(d);
					if (d->pos >= d->len || d->s[d->pos] != '"')
						return false;
					long ki = jp_new(d, JT_STRING);
					if (ki < 0 || !jp_string(d, ki))
						return false;
					d->t[ki].next = (uint32_t)d->nt;
					jp_ws(d);
					if (d->pos >= d->len || d->s[d->pos] != ':')
						return false;
					d->pos++;
				}
				if (!jp_value(d, depth + 1))
					return false;
				n++;
				jp_ws(d);
				if (d->pos >= d->len)
					return false;
				if (d->s[d->pos] == ',') {
					d->pos++;
					continue;
				}
				if (d->s[d->pos] == (obj ? '}' : ']')) {
					d->pos++;
					break;
				}
				return false;
			}
		}
		d->t[ti].n = n;
		d->t[ti].end = (uint32_t)d->pos;
		d->t[ti].next = (uint32_t)d->nt;
		return !obj || jp_no_dups(d, (size_t)ti);
	}
	if (c == '"') {
		if ((ti = jp_new(d, JT_STRING)) < 0 || !jp_string(d, ti))
			return false;
		d->t[ti].next = (uint32_t)d->nt;
		return true;
	}
	static const struct {
		const char *w;
		int type;
	} lits[] = {{"true", JT_TRUE}, {"false", JT_FALSE}, {"null", JT_NULL}};
	for (int i = 0; i < 3; i++) {
		size_t wl = strlen(lits[i].w);
		if (c == lits[i].w[0]) {
			if (d->len - d->pos < wl || memcmp(d->s + d->pos, lits[i].w, wl) != 0)
				return false;
			if ((ti = jp_new(d, lits[i].type)) < 0)
				return false;
			d->t[ti].start = (uint32_t)d->pos;
			d->pos += wl;
			d->t[ti].end = (uint32_t)d->pos;
			d->t[ti].next = (uint32_t)d->nt;
			return true;
		}
	}
	if (c == '-' || (c >= '0' && c <= '9')) {
		if ((ti = jp_new(d, JT_NUMBER)) < 0)
			return false;
		d->t[ti].start = (uint32_t)d->pos;
		if (!jp_number(d))
			return false;
		d->t[ti].end = (uint32_t)d->pos;
		d->t[ti].next = (uint32_t)d->nt;
		return true;
	}
	return false;
}

static void put_utf8(char *o, size_t *n, unsigned u)
{
	if (u < 0x80) {
		o[(*n)++] = (char)u;
	} else if (u < 0x800) {
		o[(*n)++] = (char)(0xC0 | (u >> 6));
		o[(*n)++] = (char)(0x80 | (u & 0x3F));
	} else if (u < 0x10000) {
		o[(*n)++] = (char)(0xE0 | (u >> 12));
		o[(*n)++] = (char)(0x80 | ((u >> 6) & 0x3F));
		o[(*n)++] = (char)(0x80 | (u & 0x3F));
	} else {
		o[(*n)++] = (char)(0xF0 | (u >> 18));
		o[(*n)++] = (char)(0x80 | ((u >> 12) & 0x3F));
		o[(*n)++] = (char)(0x80 | ((u >> 6) & 0x3F));
		o[(*n)++] = (char)(0x80 | (u & 0x3F));
	}
}

/* The decoded, NUL-terminated value of string token ti (in the arena). The arena
 * is sized before parsing so it never moves while pointers into it are held. */
static const char *jp_str(jdoc *d, size_t ti, size_t *len)
{
	jtok *t = &d->t[ti];
	if (!t->str) {
		size_t raw = t->end - t->start;
		if (d->an + raw + 1 > d->acap)
			return NULL; /* cannot happen: the arena holds every string once */
		char *o = d->arena + d->an;
		size_t n = 0;
		const char *s = d->s + t->start;
		if (!t->esc) {
			memcpy(o, s, raw);
			n = raw;
		} else {
			for (size_t i = 0; i < raw;) {
				if (s[i] != '\\') {
					o[n++] = s[i++];
					continue;
				}
				char e = s[i + 1];
				if (e == 'u') {
					unsigned u, u2;
					jp_hex4(s + i + 2, &u);
					i += 6;
					if (u >= 0xD800 && u <= 0xDBFF) {
						jp_hex4(s + i + 2, &u2);
						u = 0x10000 + ((u - 0xD800) << 10) + (u2 - 0xDC00);
						i += 6;
					}
					put_utf8(o, &n, u);
					continue;
				}
				o[n++] = e == 'b' ? '\b' : e == 'f' ? '\f' : e == 'n' ? '\n' : e == 'r' ? '\r' : e == 't' ? '\t' : e;
				i += 2;
			}
		}
		o[n] = '\0';
		t->str = o;
		t->end = t->start + (uint32_t)raw; /* unchanged; decoded length kept below */
		t->n = (uint32_t)n;
		d->an += n + 1;
	}
	*len = t->n;
	return t->str;
}

static int key_cmp_ctx(const void *a, const void *b, void *ctx)
{
	jdoc *d = ctx;
	const jtok *x = &d->t[*(const size_t *)a], *y = &d->t[*(const size_t *)b];
	size_t lx = x->n, ly = y->n;
	size_t m = lx < ly ? lx : ly;
	int c = memcmp(x->str, y->str, m);
	return c ? c : (lx < ly ? -1 : lx > ly);
}

/* Member value token of object oi named key, or -1. */
static long jv_get(jdoc *d, size_t oi, const char *key)
{
	if (d->t[oi].type != JT_OBJECT)
		return -1;
	size_t kl = strlen(key), k = oi + 1;
	for (uint32_t i = 0; i < d->t[oi].n; i++) {
		size_t l;
		const char *ks = jp_str(d, k, &l);
		if (ks && l == kl && memcmp(ks, key, kl) == 0)
			return (long)(k + 1);
		k = d->t[k + 1].next;
	}
	return -1;
}

/* Element i of array ai (i < n). */
static size_t jv_at(const jdoc *d, size_t ai, size_t i)
{
	size_t k = ai + 1;
	while (i--)
		k = d->t[k].next;
	return k;
}

/* Optional string member: absent or null -> NULL; a string within the limit; else an error. */
static es_code jstr(jdoc *d, size_t obj, const char *key, const char **out, const char *ctx, es_err *err)
{
	long v = jv_get(d, obj, key);
	*out = NULL;
	if (v < 0 || d->t[v].type == JT_NULL)
		return ES_OK;
	if (d->t[v].type != JT_STRING)
		return es_err_set(err, ES_EFORMAT, "%s'%s' is not a string", ctx, key);
	size_t len;
	const char *s = jp_str(d, (size_t)v, &len);
	if (!s)
		return es_err_set(err, ES_EINTERNAL, "string arena exhausted");
	if (utf8_chars(s, len) > ES_ORDER_MAX_FIELD)
		return es_err_set(err, ES_ETOOBIG, "%s'%s' is longer than %d characters", ctx, key,
				  ES_ORDER_MAX_FIELD);
	*out = s;
	return ES_OK;
}

static es_code json_party(jdoc *d, size_t p, size_t i, const es_countries *countries, es_party *out, es_err *err)
{
	es_code rc = ES_OK;
	char ctx[48];
	const char *role = NULL, *country = NULL;
	snprintf(ctx, sizeof ctx, "party %zu: ", i);
	memset(out, 0, sizeof *out);
	if (d->t[p].type != JT_OBJECT)
		return es_err_set(err, ES_EFORMAT, "party %zu is not an object", i);
	long jn = jv_get(d, p, "name");
	if (jn < 0 || d->t[jn].type == JT_NULL)
		return es_err_set(err, ES_EMISSING, "party %zu has no name", i);
	if ((rc = jstr(d, p, "name", &out->name, ctx, err)) != ES_OK)
		goto done;
	if (blank(out->name))
		return es_err_set(err, ES_EMISSING, "party %zu has an empty name", i);
	if ((rc = jstr(d, p, "role", &role, ctx, err)) != ES_OK)
		goto done;
	if (!role)
		return es_err_set(err, ES_EMISSING, "party %zu has no role", i);
	if (es_role_from_name(role, &out->role) != 0)
		return es_err_set(err, ES_EFORMAT, "party %zu has an unknown role '%.40s'", i, role);
	if ((rc = jstr(d, p, "address", &out->address, ctx, err)) != ES_OK ||
	    (rc = jstr(d, p, "city", &out->city, ctx, err)) != ES_OK ||
	    (rc = jstr(d, p, "region", &out->region, ctx, err)) != ES_OK ||
	    (rc = jstr(d, p, "postal_code", &out->postal_code, ctx, err)) != ES_OK ||
	    (rc = jstr(d, p, "type", &out->type, ctx, err)) != ES_OK ||
	    (rc = jstr(d, p, "relationship", &out->relationship, ctx, err)) != ES_OK ||
	    (rc = jstr(d, p, "country", &country, ctx, err)) != ES_OK)
		goto done;
	snprintf(ctx, sizeof ctx, "party %zu country", i);
	if ((rc = country_field(countries, country, &out->country, ctx, err)) != ES_OK)
		goto done;
	out->eu_type = out->type && !blank(out->type) ? eu_type_from(out->type) : ES_EU_UNKNOWN;
	long own = jv_get(d, p, "ownership_percent");
	if (own >= 0) {
		out->has_ownership = true;
		if (d->t[own].type == JT_NUMBER) {
			char num[64];
			size_t nl = d->t[own].end - d->t[own].start;
			double v = -1;
			if (nl < sizeof num) {
				memcpy(num, d->s + d->t[own].start, nl);
				num[nl] = '\0';
				v = strtod(num, NULL);
			}
			if (!(v >= 0 && v <= 100))
				return es_err_set(err, ES_EFORMAT, "party %zu: ownership_percent %g is not 0..100", i, v);
			out->ownership_known = true;
			out->ownership_percent = v;
		} else if (d->t[own].type != JT_NULL) {
			return es_err_set(err, ES_EFORMAT, "party %zu: 'ownership_percent' is not a number", i);
		}
	}
done:
	return rc;
}

/* jansson's words for why a line is not JSON (only called for rejected lines). */
static es_code json_reject(const char *line, size_t len, es_err *err)
{
	json_error_t jerr;
	json_t *root = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL, &jerr);
	if (root) {
		/* stricter than jansson here (e.g. more than JP_MAX_TOKENS values) */
		json_decref(root);
		return es_err_set(err, ES_EFORMAT, "invalid JSON: more than %u values", JP_MAX_TOKENS);
	}
	if (strstr(jerr.text, "JSON_ALLOW_NUL"))
		return es_err_set(err, ES_EFORMAT, "invalid JSON at column %d: a string contains \\u0000 (NUL)",
				  jerr.column);
	return es_err_set(err, ES_EFORMAT, "invalid JSON at column %d: %s", jerr.column, jerr.text);
}

es_code es_order_parse_json(const char *line, size_t len, const es_countries *countries, es_order *o,
			    es_err *err)
{
	es_code rc = ES_OK;
	size_t bad;
	order_reset(o);
	if (!es_utf8_valid(line, len, &bad))
		return es_err_set(err, ES_EENCODING, "invalid UTF-8 at byte %zu", bad + 1);
	/* a raw NUL is never valid JSON (and would end jansson's reading early) */
	const char *nul = memchr(line, '\0', len);
	if (nul)
		return es_err_set(err, ES_EFORMAT, "invalid JSON at column %zu: a NUL byte", (size_t)(nul - line) + 1);
	if (!o->scratch && !(o->scratch = calloc(1, sizeof *o->scratch)))
		return es_err_set(err, ES_ENOMEM, "out of memory");
	jdoc *d = &o->scratch->d;
	d->s = line;
	d->len = len;
	d->pos = 0;
	d->nt = 0;
	d->an = 0;
	d->oom = false;
	/* every string decodes to at most its raw length, plus one NUL per token */
	size_t need = len + len / 2 + 16;
	if (need > d->acap) {
		char *na = realloc(d->arena, need);
		if (!na)
			return es_err_set(err, ES_ENOMEM, "out of memory");
		d->arena = na;
		d->acap = need;
	}
	/* Duplicate names are rejected: which one a consumer would use is undefined,
	 * and a screened "destination: DE" that some other tool reads as IR is a miss. */
	bool ok = jp_value(d, 0);
	if (ok) {
		jp_ws(d);
		ok = d->pos == len;
	}
	if (d->oom)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	if (!ok || d->nt == 0)
		return json_reject(line, len, err);
	if (d->t[0].type != JT_OBJECT)
		return es_err_set(err, ES_EFORMAT, "not a JSON object (got %s)",
				  d->t[0].type == JT_ARRAY ? "an array" : "a scalar");
	if (jv_get(d, 0, "screening") >= 0) {
		o->has_screening = true;
		return es_err_set(err, ES_EFORMAT, "the order already has a 'screening' member");
	}
	long jid = jv_get(d, 0, "order_id");
	if (jid >= 0 && d->t[jid].type == JT_STRING)
		if ((rc = jstr(d, 0, "order_id", &o->order_id, "", err)) != ES_OK)
			goto done;
	const char *dest = NULL;
	if ((rc = jstr(d, 0, "destination", &dest, "", err)) != ES_OK ||
	    (rc = country_field(countries, dest, &o->destination, "destination", err)) != ES_OK ||
	    (rc = jstr(d, 0, "ship_date", &o->ship_date, "", err)) != ES_OK ||
	    (rc = jstr(d, 0, "payment_terms", &o->payment_terms, "", err)) != ES_OK ||
	    (rc = jstr(d, 0, "end_use", &o->end_use, "", err)) != ES_OK)
		goto done;
	long sd = jv_get(d, 0, "services_declined");
	if (sd >= 0 && d->t[sd].type == JT_ARRAY) {
		size_t k = (size_t)sd + 1;
		for (uint32_t i = 0; i < d->t[sd].n; i++, k = d->t[k].next) {
			size_t l;
			if (d->t[k].type != JT_STRING || d->t[k].start == d->t[k].end)
				continue;
			if (o->n_services_declined >= ES_ORDER_MAX_SERVICES) {
				rc = es_err_set(err, ES_ETOOBIG, "more than %d services_declined", ES_ORDER_MAX_SERVICES);
				goto done;
			}
			o->services_declined[o->n_services_declined++] = jp_str(d, k, &l);
		}
	} else if (sd >= 0 && d->t[sd].type == JT_STRING && d->t[sd].start != d->t[sd].end) {
		size_t l;
		o->services_declined[o->n_services_declined++] = jp_str(d, (size_t)sd, &l);
	}

	long parties = jv_get(d, 0, "parties");
	if (parties < 0) {
		rc = es_err_set(err, ES_EMISSING, "the order has no 'parties'");
		goto done;
	}
	if (d->t[parties].type != JT_ARRAY) {
		rc = es_err_set(err, ES_EFORMAT, "'parties' is not an array");
		goto done;
	}
	size_t np = d->t[parties].n;
	if (np == 0) {
		rc = es_err_set(err, ES_EMISSING, "'parties' is empty");
		goto done;
	}
	if (np > ES_ORDER_MAX_PARTIES) {
		rc = es_err_set(err, ES_ETOOBIG, "more than %d parties", ES_ORDER_MAX_PARTIES);
		goto done;
	}
	for (size_t i = 0, k = (size_t)parties + 1; i < np; i++, k = d->t[k].next)
		if ((rc = json_party(d, k, i, countries, &o->parties[i], err)) != ES_OK)
			goto done;
	o->n_parties = np;

	long items = jv_get(d, 0, "items");
	if (items >= 0 && d->t[items].type != JT_NULL) {
		if (d->t[items].type != JT_ARRAY) {
			rc = es_err_set(err, ES_EFORMAT, "'items' is not an array");
			goto done;
		}
		o->items_given = true;
		size_t ni = d->t[items].n;
		if (ni > ES_ORDER_MAX_ITEMS) {
			rc = es_err_set(err, ES_ETOOBIG, "more than %d items", ES_ORDER_MAX_ITEMS);
			goto done;
		}
		for (size_t i = 0, k = (size_t)items + 1; i < ni; i++, k = d->t[k].next) {
			char ctx[40];
			snprintf(ctx, sizeof ctx, "item %zu: ", i);
			if (d->t[k].type != JT_OBJECT) {
				rc = es_err_set(err, ES_EFORMAT, "item %zu is not an object", i);
				goto done;
			}
			es_item *x = &o->items[i];
			x->sku = NULL;
			long sku = jv_get(d, k, "sku");
			if (sku >= 0 && d->t[sku].type == JT_STRING && (rc = jstr(d, k, "sku", &x->sku, ctx, err)) != ES_OK)
				goto done;
			if ((rc = jstr(d, k, "eccn", &x->eccn, ctx, err)) != ES_OK ||
			    (rc = jstr(d, k, "enc", &x->enc, ctx, err)) != ES_OK)
				goto done;
		}
		o->n_items = ni;
	}
	(void)jv_at;
done:
	if (rc != ES_OK)
		o->n_parties = o->n_items = 0;
	return rc;
}

void es_order_dispose(es_order *o)
{
	es_order_release(o);
	if (o->scratch) {
		free(o->scratch->d.t);
		free(o->scratch->d.arena);
		free(o->scratch->d.keys);
		free(o->scratch);
		o->scratch = NULL;
	}
}

/* ---- CSV ----------------------------------------------------------------- */

enum { F_NAME, F_ADDRESS, F_CITY, F_REGION, F_POSTAL, F_COUNTRY, F_TYPE, F_RELATIONSHIP, F_OWNERSHIP, F_COUNT };
static const char *const party_fields[F_COUNT] = {
	"name", "address", "city", "region", "postal_code", "country", "type", "relationship", "ownership_percent",
};
enum { O_ORDER_ID, O_DESTINATION, O_SHIP_DATE, O_PAYMENT, O_END_USE, O_SERVICES, O_ECCN, O_ENC, O_SKU, O_COUNT };
static const char *const order_fields[O_COUNT] = {
	"order_id", "destination", "ship_date", "payment_terms", "end_use", "services_declined", "eccn", "enc", "sku",
};

#define CSV_MAX_COLS 512

struct es_csv_orders {
	struct csv_parser p;
	bool parser_ok;
	bool have_header;
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

es_code es_csv_orders_new(es_csv_orders **out, es_err *err)
{
	es_csv_orders *r = calloc(1, sizeof *r);
	*out = NULL;
	if (!r)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	if (csv_init(&r->p, CSV_STRICT | CSV_STRICT_FINI) != 0) {
		free(r);
		return es_err_set(err, ES_ENOMEM, "out of memory");
	}
	r->parser_ok = true;
	*out = r;
	return ES_OK;
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
		const char *h = row_field(r, c);
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
		return es_err_set(err, ES_EFORMAT, "CSV header has no <role>_name column");
	r->n_cols = r->row_fields;
	return ES_OK;
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
	bool bad = csv_parse(&r->p, line, n, csv_cb_field, csv_cb_row, r) != n;
	if (!bad && (len > n || !at_eof))
		bad = csv_parse(&r->p, "\n", 1, csv_cb_field, csv_cb_row, r) != 1;
	if (!bad && at_eof && r->rows_done == 0)
		bad = csv_fini(&r->p, csv_cb_field, csv_cb_row, r) != 0;
	if (bad) {
		int e = csv_error(&r->p);
		rc = es_err_set(err, ES_EFORMAT, "malformed CSV: %s", csv_strerror(e));
		/* start over with a fresh parser so the next line is read on its own */
		csv_free(&r->p);
		r->parser_ok = csv_init(&r->p, CSV_STRICT | CSV_STRICT_FINI) == 0;
		r->len = r->n_fields = 0;
		r->too_many = r->too_long = false;
		r->pending = false;
		*row_done = true;
		if (!r->parser_ok)
			rc = es_err_set(err, ES_ENOMEM, "out of memory");
		goto done;
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
done:
	return rc;
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

/* Splits s at ';' in place into at most max parts (trimmed); returns the count or -1. */
static int split_semi(char *s, const char **parts, int max)
{
	int n = 0;
	if (!s)
		return 0;
	for (;;) {
		char *e = strchr(s, ';');
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

es_code es_csv_orders_row(es_csv_orders *r, const es_countries *countries, es_order *o, es_err *err)
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
	int ns = split_semi(col(r, r->order_col[O_SERVICES]), o->services_declined, ES_ORDER_MAX_SERVICES);
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

	if (r->order_col[O_ECCN] >= 0 || r->order_col[O_ENC] >= 0) {
		const char *eccn[ES_ORDER_MAX_ITEMS], *enc[ES_ORDER_MAX_ITEMS], *sku[ES_ORDER_MAX_ITEMS];
		int ne = split_semi(col(r, r->order_col[O_ECCN]), eccn, ES_ORDER_MAX_ITEMS);
		int nc = split_semi(col(r, r->order_col[O_ENC]), enc, ES_ORDER_MAX_ITEMS);
		int nk = split_semi(col(r, r->order_col[O_SKU]), sku, ES_ORDER_MAX_ITEMS);
		if (ne < 0 || nc < 0 || nk < 0)
			return es_err_set(err, ES_ETOOBIG, "more than %d items", ES_ORDER_MAX_ITEMS);
		int n = ne > nc ? ne : nc;
		if ((nc > 1 && nc != n) || (ne > 1 && ne != n) || (nk > 1 && nk != n))
			return es_err_set(err, ES_EFORMAT, "eccn, enc and sku columns list different numbers of items");
		o->items_given = true;
		for (int i = 0; i < n; i++) {
			o->items[i].eccn = ne == n ? eccn[i] : (ne == 1 ? eccn[0] : NULL);
			o->items[i].enc = nc == n ? enc[i] : (nc == 1 ? enc[0] : NULL);
			o->items[i].sku = nk == n ? sku[i] : NULL;
		}
		o->n_items = (size_t)n;
	}
	return ES_OK;
}
