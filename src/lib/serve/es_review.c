/* es_review — the review page (see es_review.h). */
#define _GNU_SOURCE /* strcasestr */
#include "es_review.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

#include "es_io.h"
#include "es_text.h"

/* ---- escaping ------------------------------------------------------------------ */

void es_review_html_escape(es_buf *b, const char *s)
{
	if (!s)
		return;
	const char *run = s;
	for (const char *p = s; *p; p++) {
		const char *rep = NULL;
		char num[12];
		switch (*p) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default:
			if ((unsigned char)*p < 0x20 && *p != '\n' && *p != '\t') {
				snprintf(num, sizeof num, "&#%d;", 0xFFFD);
				rep = num;
			}
		}
		if (rep) {
			es_buf_add(b, run, (size_t)(p - run));
			es_buf_adds(b, rep);
			run = p + 1;
		}
	}
	es_buf_adds(b, run);
}

void es_review_url_encode(es_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		    *p == '_' || *p == '.' || *p == '~') {
			es_buf_addc(b, (char)*p);
		} else {
			char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
			es_buf_add(b, e, 3);
		}
	}
}

static void esc(es_buf *b, const char *s)
{
	es_review_html_escape(b, s);
}

/* ---- source links ----------------------------------------------------------------- */

static void entry_link(es_buf *b, const es_links *l, const char *source, const char *list, const char *id)
{
	es_source src;
	char url[1024];
	if (!l || es_source_from_id(source, &src) != 0 ||
	    es_links_url(l, src, list, id, url, sizeof url) != ES_OK || !url[0])
		return;
	es_buf_adds(b, " <a rel=\"noreferrer noopener\" href=\"");
	esc(b, url);
	es_buf_adds(b, es_links_per_entry(l, src, list) ? "\">official entry</a>" : "\">official list (search the id)</a>");
}

/* ---- evidence: list entries by (source, entry id) ------------------------------------- */

typedef struct {
	const char *source, *entry_id;
	size_t entity;
	bool found;
} want;

static int want_cmp(const void *a, const void *b)
{
	const want *x = a, *y = b;
	int c = strcmp(x->source, y->source);
	return c ? c : strcmp(x->entry_id, y->entry_id);
}

static void find_entities(const es_matcher *m, want *w, size_t n)
{
	if (!n || !m)
		return;
	qsort(w, n, sizeof *w, want_cmp);
	size_t ne = es_matcher_count(m);
	for (size_t i = 0; i < ne; i++) {
		es_rec r;
		es_matcher_entity(m, i, &r);
		want key = {es_source_id(r.source), r.entry_id, 0, false};
		want *hit = bsearch(&key, w, n, sizeof *w, want_cmp);
		if (hit && !hit->found) {
			hit->found = true;
			hit->entity = i;
		}
	}
}

static const want *lookup(const want *w, size_t n, const char *source, const char *id)
{
	want key = {source, id, 0, false};
	return n ? bsearch(&key, w, n, sizeof *w, want_cmp) : NULL;
}

/* ---- the page ------------------------------------------------------------------------ */

static const char STYLE[] =
	"body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#111}"
	"h1{font-size:1.4em}h2{font-size:1.1em;margin:.2em 0}"
	"form.filters{display:flex;flex-wrap:wrap;gap:.6em;align-items:end;margin:1em 0}"
	"form.filters label{display:flex;flex-direction:column;font-size:.85em}"
	"article{border:1px solid #bbb;border-radius:4px;padding:.6em .8em;margin:.8em 0;break-inside:avoid}"
	"table{border-collapse:collapse;width:100%;margin:.3em 0}td,th{border:1px solid #ddd;padding:.2em .4em;"
	"text-align:left;vertical-align:top}th{background:#f3f3f3}"
	".d{font-weight:bold;padding:0 .3em;border-radius:3px}.PROHIBITED{background:#f6c6c6}"
	".LICENSE_REQUIRED{background:#f8dfb0}.REVIEW{background:#f4f0a8}.CLEAR{background:#cfeccf}"
	".muted{color:#555;font-size:.85em}.msg{background:#e6f0ff;border:1px solid #9bd;padding:.4em}"
	"details.disp{margin:.3em 0}@media print{form,details.disp{display:none}}";

static void page_head(es_buf *b, const char *title)
{
	es_buf_adds(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		       "<meta name=\"viewport\" content=\"width=device-width\"><title>");
	esc(b, title);
	es_buf_adds(b, "</title><style>");
	es_buf_adds(b, STYLE);
	es_buf_adds(b, "</style></head><body>\n");
}

void es_review_message_page(es_buf *out, const char *title, const char *msg, const char *back_href)
{
	page_head(out, title);
	es_buf_adds(out, "<h1>");
	esc(out, title);
	es_buf_adds(out, "</h1><p class=\"msg\">");
	esc(out, msg);
	es_buf_adds(out, "</p><p><a href=\"");
	esc(out, back_href ? back_href : "/review");
	es_buf_adds(out, "\">back to the review page</a></p></body></html>\n");
}

static const char *jstr(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static bool held(const char *d)
{
	return d && (!strcmp(d, "REVIEW") || !strcmp(d, "LICENSE_REQUIRED") || !strcmp(d, "PROHIBITED"));
}

static bool order_matches(json_t *out, const es_review_query *q)
{
	json_t *scr = json_object_get(out, "screening");
	if (q->list && *q->list) {
		bool any = false;
		json_t *h;
		size_t i;
		json_array_foreach(json_object_get(scr, "hits"), i, h)
		{
			const char *l = jstr(h, "list"), *s = jstr(h, "source");
			any |= (l && !strcasecmp(l, q->list)) || (s && !strcasecmp(s, q->list));
		}
		if (!any)
			return false;
	}
	if (q->party && *q->party) {
		bool any = false;
		json_t *p;
		size_t i;
		json_array_foreach(json_object_get(out, "parties"), i, p)
		{
			const char *n = jstr(p, "name");
			any |= n && strcasestr(n, q->party) != NULL;
		}
		if (!any)
			return false;
	}
	return true;
}

static json_t *party_of(json_t *out, json_t *party_index)
{
	if (!json_is_integer(party_index))
		return NULL;
	return json_array_get(json_object_get(out, "parties"), (size_t)json_integer_value(party_index));
}

static void hidden(es_buf *b, const char *name, const char *value)
{
	es_buf_adds(b, "<input type=\"hidden\" name=\"");
	esc(b, name);
	es_buf_adds(b, "\" value=\"");
	esc(b, value ? value : "");
	es_buf_adds(b, "\">");
}

static void render_hit(es_buf *b, const es_review_ctx *c, json_t *out, json_t *h, const want *w, size_t nw,
		       const char *back)
{
	json_t *p = party_of(out, json_object_get(h, "party"));
	const char *pname = p ? jstr(p, "name") : NULL, *pcountry = p ? jstr(p, "country") : NULL;
	const char *source = jstr(h, "source"), *entry = jstr(h, "entry_id"), *matched = jstr(h, "matched_name");
	char num[64];
	es_buf_adds(b, "<tr><td>");
	esc(b, jstr(h, "role"));
	es_buf_adds(b, "<br><b>");
	esc(b, pname);
	es_buf_adds(b, "</b>");
	if (pcountry) {
		es_buf_adds(b, " (");
		esc(b, pcountry);
		es_buf_adds(b, ")");
	}
	json_t *sc = json_object_get(h, "score");
	snprintf(num, sizeof num, "%.3f", json_is_number(sc) ? json_number_value(sc) : 0.0);
	es_buf_adds(b, "</td><td>");
	es_buf_adds(b, num);
	es_buf_adds(b, " <span class=\"muted\">by ");
	esc(b, jstr(h, "by"));
	es_buf_adds(b, "</span>");
	/* the token alignment, recomputed with the lists in use */
	if (pname && matched && c->m && (!jstr(h, "by") || strcmp(jstr(h, "by"), "address") != 0)) {
		es_align al[32];
		size_t nal = 0;
		double s = 0;
		es_err e = {0};
		if (es_matcher_compare(c->m, pname, matched, ES_TYPE_UNKNOWN, &s, al, 32, &nal, &e) == ES_OK && nal) {
			es_buf_adds(b, "<br><span class=\"muted\">");
			for (size_t i = 0; i < nal; i++) {
				esc(b, al[i].query_token[0] ? al[i].query_token : "-");
				es_buf_adds(b, "=");
				esc(b, al[i].list_token[0] ? al[i].list_token : "-");
				snprintf(num, sizeof num, "(%.2f) ", al[i].similarity);
				es_buf_adds(b, num);
			}
			es_buf_adds(b, "</span>");
		}
	}
	es_buf_adds(b, "</td><td>");
	esc(b, source);
	es_buf_adds(b, " ");
	esc(b, jstr(h, "list"));
	es_buf_adds(b, " <code>");
	esc(b, entry);
	es_buf_adds(b, "</code>");
	if (source && entry)
		entry_link(b, c->links, source, jstr(h, "list"), entry);
	es_buf_adds(b, "<br>listed: <b>");
	esc(b, jstr(h, "name"));
	es_buf_adds(b, "</b><br>matched: ");
	esc(b, matched);
	es_buf_adds(b, "</td><td>");
	const want *wi = source && entry ? lookup(w, nw, source, entry) : NULL;
	if (wi && wi->found) {
		es_rec r;
		es_matcher_entity(c->m, wi->entity, &r);
		es_buf_adds(b, "type ");
		esc(b, es_type_name(r.type));
		if (r.n_countries) {
			es_buf_adds(b, "<br>countries: ");
			for (size_t i = 0; i < r.n_countries; i++) {
				if (i)
					es_buf_adds(b, ", ");
				esc(b, r.countries[i]);
			}
		}
		if (r.n_programs) {
			es_buf_adds(b, "<br>programs: ");
			for (size_t i = 0; i < r.n_programs; i++) {
				if (i)
					es_buf_adds(b, ", ");
				esc(b, r.programs[i]);
			}
		}
		for (size_t i = 0; i < r.n_addresses && i < 5; i++) {
			const es_rec_address *a = &r.addresses[i];
			es_buf_adds(b, "<br>address: ");
			if (a->full) {
				esc(b, a->full);
			} else {
				const char *parts[] = {a->street, a->city, a->region, a->postal_code};
				for (size_t k = 0; k < 4; k++)
					if (parts[k] && *parts[k]) {
						esc(b, parts[k]);
						es_buf_adds(b, ", ");
					}
			}
			es_buf_adds(b, " ");
			esc(b, a->country);
		}
		if (r.n_addresses > 5) {
			snprintf(num, sizeof num, "<br>(%zu more addresses)", r.n_addresses - 5);
			es_buf_adds(b, num);
		}
		const char *labels[] = {"listed", "ends", "licence requirement", "licence policy", "notice"};
		const char *vals[] = {r.start_date, r.end_date, r.license_requirement, r.license_policy,
				      r.federal_register_notice};
		for (size_t k = 0; k < 5; k++)
			if (vals[k] && *vals[k]) {
				es_buf_adds(b, "<br>");
				es_buf_adds(b, labels[k]);
				es_buf_adds(b, ": ");
				esc(b, vals[k]);
			}
	} else {
		es_buf_adds(b, "<span class=\"muted\">not in the lists in use (changed or removed since)</span>");
	}
	const es_disposition_view *now = NULL;
	if (wi && wi->found && c->records && pname) {
		es_rec r;
		es_matcher_entity(c->m, wi->entity, &r);
		now = es_records_disposition_for(c->records, c->m, pname, pcountry, &r);
	}
	es_buf_adds(b, "</td><td><span class=\"d ");
	esc(b, jstr(h, "action"));
	es_buf_adds(b, "\">");
	esc(b, jstr(h, "action"));
	es_buf_adds(b, "</span>");
	json_t *d = json_object_get(h, "disposition");
	if (json_is_object(d)) {
		es_buf_adds(b, "<br><b>");
		esc(b, jstr(d, "kind"));
		es_buf_adds(b, "</b> by ");
		esc(b, jstr(d, "by"));
		es_buf_adds(b, " ");
		esc(b, jstr(d, "at"));
		es_buf_adds(b, ": ");
		esc(b, jstr(d, "reason"));
	}
	if (now) {
		es_buf_adds(b, "<p class=\"msg\">now <b>");
		es_buf_adds(b, now->true_match ? "true match" : "false positive");
		es_buf_adds(b, "</b> by ");
		esc(b, now->by);
		es_buf_adds(b, " ");
		esc(b, now->at);
		es_buf_adds(b, ": ");
		esc(b, now->reason);
		es_buf_adds(b, "</p>");
	} else if (pname && source && entry && c->records) {
		es_buf_adds(b, "<details class=\"disp\"><summary>record a disposition</summary>"
			       "<form method=\"post\" action=\"/review/disposition\">");
		hidden(b, "csrf", c->csrf);
		hidden(b, "party", pname);
		hidden(b, "country", pcountry);
		hidden(b, "source", source);
		hidden(b, "entry_id", entry);
		hidden(b, "back", back);
		es_buf_adds(b, "<label><input type=\"radio\" name=\"kind\" value=\"false_positive\" required> false positive"
			       "</label><br><label><input type=\"radio\" name=\"kind\" value=\"true_match\"> true match</label>"
			       "<br><label>reason <input name=\"reason\" required maxlength=\"500\"></label>");
		if (!c->who)
			es_buf_adds(b, "<br><label>your name <input name=\"by\" required maxlength=\"64\"></label>");
		es_buf_adds(b, "<br><button type=\"submit\">record</button></form></details>");
	}
	es_buf_adds(b, "</td></tr>\n");
}

static void render_order(es_buf *b, const es_review_ctx *c, json_t *rec, const want *w, size_t nw, const char *back)
{
	json_t *out = json_object_get(rec, "output");
	json_t *scr = json_object_get(out, "screening");
	const char *dec = jstr(rec, "decision");
	char num[64];
	es_buf_adds(b, "<article><h2>");
	esc(b, jstr(rec, "order_id") ? jstr(rec, "order_id") : "(no order id)");
	es_buf_adds(b, " <span class=\"d ");
	esc(b, dec);
	es_buf_adds(b, "\">");
	esc(b, dec);
	es_buf_adds(b, "</span></h2><div class=\"muted\">screened ");
	esc(b, jstr(rec, "at"));
	json_t *seq = json_object_get(rec, "seq");
	snprintf(num, sizeof num, " &middot; record %lld", json_is_integer(seq) ? (long long)json_integer_value(seq) : 0LL);
	es_buf_adds(b, num);
	es_buf_adds(b, " &middot; lists ");
	const char *lv = jstr(rec, "list_version");
	char short_v[17] = "";
	snprintf(short_v, sizeof short_v, "%s", lv ? lv : "");
	esc(b, short_v);
	if (lv && c->list_version && strcmp(lv, c->list_version) != 0)
		es_buf_adds(b, " (not the set in use now)");
	es_buf_adds(b, " &middot; ");
	esc(b, jstr(rec, "user"));
	es_buf_adds(b, "@");
	esc(b, jstr(rec, "host"));
	es_buf_adds(b, "</div>\n<table><tr><th>reason</th><th>decision</th><th>party</th><th>message</th><th>citation</th></tr>\n");
	json_t *r;
	size_t i;
	json_array_foreach(json_object_get(scr, "reasons"), i, r)
	{
		es_buf_adds(b, "<tr><td>");
		esc(b, jstr(r, "code"));
		es_buf_adds(b, "</td><td>");
		esc(b, jstr(r, "decision"));
		es_buf_adds(b, "</td><td>");
		json_t *p = party_of(out, json_object_get(r, "party"));
		if (p) {
			esc(b, jstr(r, "role"));
			es_buf_adds(b, ": ");
			esc(b, jstr(p, "name"));
		}
		es_buf_adds(b, "</td><td>");
		esc(b, jstr(r, "message"));
		es_buf_adds(b, "</td><td>");
		esc(b, jstr(r, "citation"));
		es_buf_adds(b, "</td></tr>\n");
	}
	es_buf_adds(b, "</table>\n");
	json_t *hits = json_object_get(scr, "hits");
	if (json_array_size(hits)) {
		es_buf_adds(b, "<table><tr><th>party</th><th>score / alignment</th><th>list entry</th><th>evidence (lists in use)</th>"
			       "<th>action / disposition</th></tr>\n");
		json_array_foreach(hits, i, r)
			render_hit(b, c, out, r, w, nw, back);
		es_buf_adds(b, "</table>\n");
	}
	es_buf_adds(b, "</article>\n");
}

static void text_input(es_buf *b, const char *label, const char *name, const char *type, const char *value)
{
	es_buf_adds(b, "<label>");
	es_buf_adds(b, label);
	es_buf_adds(b, " <input type=\"");
	es_buf_adds(b, type);
	es_buf_adds(b, "\" name=\"");
	es_buf_adds(b, name);
	es_buf_adds(b, "\" value=\"");
	esc(b, value ? value : "");
	es_buf_adds(b, "\"></label>");
}

static bool valid_day(const char *d)
{
	char next[11];
	return !d || !*d || es_records_day_valid(d, next);
}

/* The newest n records of a stream (a ring), and how many older ones fell out. */
typedef struct {
	json_t *rec[ES_REVIEW_MAX_ORDERS];
	size_t n, head, dropped;
} ring;

static void ring_push(ring *r, json_t *rec)
{
	if (r->n == ES_REVIEW_MAX_ORDERS) {
		json_decref(r->rec[r->head]);
		r->rec[r->head] = rec;
		r->head = (r->head + 1) % ES_REVIEW_MAX_ORDERS;
		r->dropped++;
		return;
	}
	r->rec[(r->head + r->n) % ES_REVIEW_MAX_ORDERS] = rec;
	r->n++;
}

static void ring_newest_first(const ring *r, es_vec *out)
{
	for (size_t i = r->n; i-- > 0;) {
		json_t **slot = es_vec_push(out, sizeof *slot);
		if (slot)
			*slot = r->rec[(r->head + i) % ES_REVIEW_MAX_ORDERS];
	}
}

static void ring_free(ring *r)
{
	for (size_t i = 0; i < r->n; i++)
		json_decref(r->rec[(r->head + i) % ES_REVIEW_MAX_ORDERS]);
	r->n = 0;
}

/* What the export writes, line by line: held orders matching the query, and re-screen changes. */
typedef struct {
	const es_review_query *q;
	es_buf line;
	ring orders, changes;
	bool oom;
} pick;

static void pick_line(pick *p, const char *s, size_t n)
{
	json_t *rec = json_loadb(s, n, 0, NULL);
	if (!rec)
		return;
	const char *kind = jstr(rec, "kind"), *dec = jstr(rec, "decision");
	json_t *out = json_object_get(rec, "output");
	if (kind && !strcmp(kind, "rescreen")) {
		ring_push(&p->changes, rec);
	} else if (kind && !strcmp(kind, "screen") && held(dec) && json_is_object(out) &&
		   (!p->q->decision || !*p->q->decision || !strcmp(p->q->decision, dec)) && order_matches(out, p->q)) {
		ring_push(&p->orders, rec);
	} else {
		json_decref(rec);
	}
}

static ssize_t pick_write(void *cookie, const char *buf, size_t size)
{
	pick *p = cookie;
	for (size_t i = 0; i < size;) {
		const char *nl = memchr(buf + i, '\n', size - i);
		size_t k = nl ? (size_t)(nl - (buf + i)) : size - i;
		es_buf_add(&p->line, buf + i, k);
		i += k;
		if (nl) {
			i++;
			if (p->line.oom)
				p->oom = true;
			else
				pick_line(p, p->line.s ? p->line.s : "", p->line.len);
			es_buf_clear(&p->line);
		}
	}
	return (ssize_t)size;
}

es_code es_review_page(const es_review_ctx *c, const es_review_query *q0, es_buf *b, es_err *err)
{
	es_code rc = ES_OK;
	es_review_query q = *q0;
	char since[11];
	if (!valid_day(q.since) || !valid_day(q.until))
		return es_err_set(err, ES_EUSAGE, "dates are YYYY-MM-DD (a real calendar day)");
	if (q.decision && *q.decision && !held(q.decision))
		return es_err_set(err, ES_EUSAGE, "decision: REVIEW, LICENSE_REQUIRED or PROHIBITED");
	if (!q.since || !*q.since) {
		time_t t = time(NULL) - (time_t)ES_REVIEW_DEFAULT_DAYS * 86400;
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(since, sizeof since, "%Y-%m-%d", &tm);
		q.since = since;
	}
	/* the query string that brings a reviewer back here after a post */
	es_buf back = {0};
	es_buf_adds(&back, "/review?since=");
	es_review_url_encode(&back, q.since);
	const char *keys[] = {"until", "decision", "list", "party"};
	const char *vals[] = {q.until, q.decision, q.list, q.party};
	for (size_t k = 0; k < 4; k++)
		if (vals[k] && *vals[k]) {
			es_buf_adds(&back, "&");
			es_buf_adds(&back, keys[k]);
			es_buf_adds(&back, "=");
			es_review_url_encode(&back, vals[k]);
		}

	page_head(b, "exportscreen review");
	es_buf_adds(b, "<h1>Held orders</h1><p class=\"muted\">Orders screened REVIEW, LICENSE_REQUIRED or PROHIBITED, "
		       "newest first. Lists in use: ");
	char short_v[17] = "";
	snprintf(short_v, sizeof short_v, "%s", c->list_version ? c->list_version : "");
	esc(b, short_v);
	if (c->who) {
		es_buf_adds(b, ". Signed in as ");
		esc(b, c->who);
	}
	es_buf_adds(b, ".</p>\n");
	if (q.msg && *q.msg) {
		es_buf_adds(b, "<p class=\"msg\" role=\"status\">");
		esc(b, q.msg);
		es_buf_adds(b, "</p>\n");
	}
	es_buf_adds(b, "<form class=\"filters\" method=\"get\" action=\"/review\">");
	text_input(b, "since", "since", "date", q.since);
	text_input(b, "until", "until", "date", q.until);
	es_buf_adds(b, "<label>decision <select name=\"decision\"><option value=\"\">all held</option>");
	const char *decs[] = {"PROHIBITED", "LICENSE_REQUIRED", "REVIEW"};
	for (size_t k = 0; k < 3; k++) {
		es_buf_adds(b, "<option");
		if (q.decision && !strcmp(q.decision, decs[k]))
			es_buf_adds(b, " selected");
		es_buf_adds(b, ">");
		es_buf_adds(b, decs[k]);
		es_buf_adds(b, "</option>");
	}
	es_buf_adds(b, "</select></label>");
	text_input(b, "list", "list", "text", q.list);
	text_input(b, "party", "party", "text", q.party);
	es_buf_adds(b, "<button type=\"submit\">show</button></form>\n");
	es_buf_adds(b, "<form class=\"filters\" method=\"get\" action=\"/review/report\">");
	text_input(b, "report since", "since", "date", q.since);
	text_input(b, "until", "until", "date", q.until);
	es_buf_adds(b, "<label>format <select name=\"format\"><option>html</option><option>csv</option></select></label>"
		       "<button type=\"submit\">export sign-off report</button></form>\n");

	if (!c->records) {
		es_buf_adds(b, "<p class=\"msg\">No records store yet: orders are recorded by <code>serve --record</code> "
			       "or <code>filter --record</code>.</p></body></html>\n");
		es_buf_free(&back);
		return b->oom ? es_err_set(err, ES_ENOMEM, "out of memory") : ES_OK;
	}

	/* the store's records in the period, as `audit export` writes them, read as
	 * they are written: only the newest ES_REVIEW_MAX_ORDERS matches are kept */
	pick pk = {.q = &q};
	cookie_io_functions_t io = {.write = pick_write};
	FILE *sink = fopencookie(&pk, "w", io);
	if (!sink) {
		es_buf_free(&back);
		return es_err_set(err, ES_ENOMEM, "out of memory");
	}
	es_export_query eq = {.since = q.since, .until = q.until && *q.until ? q.until : NULL};
	rc = es_records_export(c->records, &eq, sink, err);
	fclose(sink);
	es_buf_free(&pk.line);
	if (rc == ES_OK && pk.oom)
		rc = es_err_set(err, ES_ENOMEM, "out of memory");
	if (rc != ES_OK) {
		ring_free(&pk.orders);
		ring_free(&pk.changes);
		es_buf_free(&back);
		return rc;
	}
	/* newest first */
	es_vec shown = {0}, changes = {0}; /* json_t *, borrowed from the rings */
	ring_newest_first(&pk.orders, &shown);
	ring_newest_first(&pk.changes, &changes);
	size_t more = pk.orders.dropped;

	/* evidence for every hit shown, in one pass over the lists */
	es_vec wants = {0};
	for (size_t i = 0; i < shown.n; i++) {
		json_t *out = json_object_get(((json_t **)shown.data)[i], "output");
		json_t *h;
		size_t k;
		json_array_foreach(json_object_get(json_object_get(out, "screening"), "hits"), k, h)
		{
			const char *s = jstr(h, "source"), *e = jstr(h, "entry_id");
			want *w = s && e ? es_vec_push(&wants, sizeof *w) : NULL;
			if (w)
				*w = (want){s, e, 0, false};
		}
	}
	find_entities(c->m, wants.data, wants.n);

	char num[96];
	snprintf(num, sizeof num, "<p>%zu held order%s%s", shown.n, shown.n == 1 ? "" : "s", more ? " shown" : "");
	es_buf_adds(b, num);
	if (more) {
		snprintf(num, sizeof num, " (%zu older not shown: narrow the filters)", more);
		es_buf_adds(b, num);
	}
	es_buf_adds(b, ".</p>\n");
	for (size_t i = 0; i < shown.n; i++)
		render_order(b, c, ((json_t **)shown.data)[i], wants.data, wants.n, back.s);
	if (changes.n) {
		es_buf_adds(b, "<h2>Re-screen changes in the period</h2><table><tr><th>time</th><th>order</th>"
			       "<th>decision</th><th>change</th></tr>\n");
		for (size_t i = 0; i < changes.n; i++) {
			json_t *rec = ((json_t **)changes.data)[i];
			json_t *ex = json_object_get(rec, "extra");
			es_buf_adds(b, "<tr><td>");
			esc(b, jstr(rec, "at"));
			es_buf_adds(b, "</td><td>");
			esc(b, jstr(rec, "order_id"));
			es_buf_adds(b, "</td><td>");
			esc(b, jstr(rec, "decision"));
			es_buf_adds(b, "</td><td>");
			if (json_is_object(ex)) {
				esc(b, jstr(ex, "change"));
				if (jstr(ex, "before") || jstr(ex, "after")) {
					es_buf_adds(b, ": ");
					esc(b, jstr(ex, "before"));
					es_buf_adds(b, " &rarr; ");
					esc(b, jstr(ex, "after"));
				}
				if (jstr(ex, "name")) {
					es_buf_adds(b, " (");
					esc(b, jstr(ex, "name"));
					es_buf_adds(b, ")");
				}
			}
			es_buf_adds(b, "</td></tr>\n");
		}
		es_buf_adds(b, "</table>\n");
	}
	es_buf_adds(b, "</body></html>\n");
	ring_free(&pk.orders);
	ring_free(&pk.changes);
	es_vec_free(&shown);
	es_vec_free(&changes);
	es_vec_free(&wants);
	es_buf_free(&back);
	return b->oom ? es_err_set(err, ES_ENOMEM, "out of memory") : ES_OK;
}
