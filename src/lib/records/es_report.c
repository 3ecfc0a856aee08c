/* es_report — the sign-off report (see es_records.h): every order recorded in
 * the period whose decision is not CLEAR, with its reasons, its hits and their
 * evidence (listed name, alias matched, programs, addresses, the list's data
 * date) and the dispositions that applied, plus the review actions of the
 * period. HTML is one self-contained printable file (inline style, no scripts,
 * no external assets) in which every field from a record is escaped; CSV has
 * one row per order. */
#include "es_records_int.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const char SQL_ORDERS[] =
	"SELECT a.seq, a.at, a.order_id, a.decision, a.output, a.input, a.input_sha256, r.list_version, r.lists,"
	" r.rules_hash, r.tool, r.host, r.usr, r.csv_header, a.out_prefix FROM audit a"
	" LEFT JOIN runs r ON r.id = a.run_id"
	" WHERE a.kind = 'screen' AND a.decision <> 'CLEAR' AND (? IS NULL OR a.at >= ?) AND (? IS NULL OR a.at < ?)"
	" ORDER BY a.seq";
static const char SQL_REVIEWS[] =
	"SELECT a.seq, a.at, a.kind, a.extra FROM audit a WHERE a.kind IN ('review_add', 'review_revoke')"
	" AND (? IS NULL OR a.at >= ?) AND (? IS NULL OR a.at < ?) ORDER BY a.seq";

/* ---- escaping ---------------------------------------------------------------- */

static void html(es_buf *b, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': es_buf_adds(b, "&amp;"); break;
		case '<': es_buf_adds(b, "&lt;"); break;
		case '>': es_buf_adds(b, "&gt;"); break;
		case '"': es_buf_adds(b, "&quot;"); break;
		case '\'': es_buf_adds(b, "&#39;"); break;
		default:
			if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t')
				es_buf_adds(b, "&#xFFFD;");
			else
				es_buf_addc(b, *s);
		}
	}
}

static void csvq(es_buf *b, const char *s)
{
	es_buf_addc(b, '"');
	/* a cell starting with = + - @ would be a formula in a spreadsheet */
	if (s && (*s == '=' || *s == '+' || *s == '-' || *s == '@'))
		es_buf_addc(b, '\'');
	for (; s && *s; s++) {
		if (*s == '"')
			es_buf_addc(b, '"');
		es_buf_addc(b, *s);
	}
	es_buf_addc(b, '"');
}

static const char *js(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* ---- CSV output rows: the last fields are decision, reasons, hits ---------------- */

/* Splits one CSV record into fields (quoted fields unquoted); caller frees each. */
static size_t csv_split(const char *s, size_t n, char **out, size_t max)
{
	size_t nf = 0, i = 0;
	es_buf f = {0};
	while (i <= n && nf < max) {
		es_buf_clear(&f);
		if (i < n && s[i] == '"') {
			i++;
			while (i < n) {
				if (s[i] == '"' && i + 1 < n && s[i + 1] == '"') {
					es_buf_addc(&f, '"');
					i += 2;
				} else if (s[i] == '"') {
					i++;
					break;
				} else {
					es_buf_addc(&f, s[i++]);
				}
			}
			while (i < n && s[i] != ',')
				i++;
		} else {
			while (i < n && s[i] != ',' && s[i] != '\n' && s[i] != '\r')
				es_buf_addc(&f, s[i++]);
		}
		out[nf++] = strdup(f.s ? f.s : "");
		if (i >= n || s[i] != ',')
			break;
		i++;
	}
	es_buf_free(&f);
	return nf;
}

/* The screening of a recorded output (JSON object with reasons and hits), or NULL. */
static json_t *screening_of(const char *output, bool csv)
{
	if (!output)
		return NULL;
	if (!csv) {
		json_t *o = json_loads(output, 0, NULL);
		json_t *s = json_incref(json_object_get(o, "screening"));
		json_decref(o);
		return s;
	}
	char *f[512];
	size_t nf = csv_split(output, strlen(output), f, 512);
	json_t *s = NULL;
	if (nf >= 3) {
		s = json_object();
		json_object_set_new(s, "decision", json_string(f[nf - 3]));
		json_t *r = json_loads(f[nf - 2], 0, NULL), *h = json_loads(f[nf - 1], 0, NULL);
		json_object_set_new(s, "reasons", r ? r : json_array());
		json_object_set_new(s, "hits", h ? h : json_array());
	}
	for (size_t i = 0; i < nf; i++)
		free(f[i]);
	return s;
}

/* Party names by index from the recorded input (JSON order); NULL for CSV. */
static json_t *parties_of(const char *input, size_t len, bool csv)
{
	if (csv || !input)
		return NULL;
	json_t *o = json_loadb(input, len, 0, NULL);
	json_t *p = json_incref(json_object_get(o, "parties"));
	json_decref(o);
	return p;
}

/* ---- evidence from the lists in use ----------------------------------------------- */

typedef struct {
	const char *src, *id;
	size_t idx;
} ent_key;

static int ent_cmp(const void *a, const void *b)
{
	const ent_key *x = a, *y = b;
	int c = strcmp(x->src, y->src);
	return c ? c : strcmp(x->id, y->id);
}

typedef struct {
	const es_matcher *m;
	ent_key *keys;
	size_t n;
} evidence;

static void evidence_open(evidence *ev, const es_matcher *m)
{
	memset(ev, 0, sizeof *ev);
	ev->m = m;
	if (!m)
		return;
	size_t n = es_matcher_count(m);
	ev->keys = malloc((n ? n : 1) * sizeof *ev->keys);
	if (!ev->keys)
		return;
	for (size_t i = 0; i < n; i++) {
		es_rec r;
		es_matcher_entity(m, i, &r);
		if (r.entry_id)
			ev->keys[ev->n++] = (ent_key){es_source_id(r.source), r.entry_id, i};
	}
	qsort(ev->keys, ev->n, sizeof *ev->keys, ent_cmp);
}

static bool evidence_find(const evidence *ev, const char *src, const char *id, es_rec *out)
{
	if (!ev->keys || !src || !id)
		return false;
	ent_key k = {src, id, 0};
	ent_key *h = bsearch(&k, ev->keys, ev->n, sizeof k, ent_cmp);
	if (!h)
		return false;
	es_matcher_entity(ev->m, h->idx, out);
	return true;
}

/* "programs: ...; addresses: ...; listed: ...": what the entry says now. */
static void evidence_text(const evidence *ev, const char *src, const char *id, es_buf *b)
{
	es_rec r;
	if (!evidence_find(ev, src, id, &r)) {
		es_buf_adds(b, "(entry not in the lists in use)");
		return;
	}
	es_buf_adds(b, "programs: ");
	for (size_t i = 0; i < r.n_programs; i++) {
		if (i)
			es_buf_adds(b, ", ");
		es_buf_adds(b, r.programs[i]);
	}
	if (!r.n_programs)
		es_buf_adds(b, "-");
	es_buf_adds(b, "; addresses: ");
	for (size_t i = 0; i < r.n_addresses && i < 5; i++) {
		const es_rec_address *a = &r.addresses[i];
		if (i)
			es_buf_adds(b, " / ");
		if (a->full)
			es_buf_adds(b, a->full);
		else
			es_buf_printf(b, "%s %s %s %s", a->street ? a->street : "", a->city ? a->city : "",
				      a->postal_code ? a->postal_code : "", a->country);
	}
	if (!r.n_addresses)
		es_buf_adds(b, "-");
	if (r.n_addresses > 5)
		es_buf_printf(b, " (+%zu more)", r.n_addresses - 5);
	if (r.start_date && *r.start_date)
		es_buf_printf(b, "; listed: %s", r.start_date);
}

/* The data date of a source in the run's lists JSON. */
static const char *list_date(json_t *lists, const char *src)
{
	size_t i;
	json_t *s;
	json_array_foreach(lists, i, s)
	{
		const char *id = js(s, "id");
		if (id && src && strcmp(id, src) == 0)
			return js(s, "data_date");
	}
	return NULL;
}

/* ---- the report ------------------------------------------------------------------ */

static const char STYLE[] =
	"body{font-family:sans-serif;font-size:10pt;margin:1.5em;color:#000}"
	"h1{font-size:15pt}h2{font-size:12pt;margin:1.2em 0 .3em;border-bottom:1px solid #888}"
	"table{border-collapse:collapse;width:100%;margin:.3em 0}"
	"th,td{border:1px solid #bbb;padding:2px 4px;text-align:left;vertical-align:top}"
	"th{background:#eee}.d-PROHIBITED{color:#a00;font-weight:bold}.d-LICENSE_REQUIRED{color:#a50}"
	".d-REVIEW{color:#046}.d-ERROR{color:#a00}.meta td{border:none;padding:0 6px 0 0}"
	".sig{margin-top:3em}.sig td{border:none;padding-top:2.5em;width:33%}"
	"section{page-break-inside:avoid}@media print{body{margin:0}}";

typedef struct {
	es_buf b;
	FILE *out;
	bool html;
	size_t orders, by_dec[5];
} rep;

static es_code flush_rep(rep *r, es_err *err)
{
	if (r->b.oom)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	if (r->b.len && fwrite(r->b.s, 1, r->b.len, r->out) != r->b.len)
		return es_err_set(err, ES_EIO, "cannot write the report");
	es_buf_clear(&r->b);
	return ES_OK;
}

static void td(es_buf *b, const char *s)
{
	es_buf_adds(b, "<td>");
	html(b, s);
	es_buf_adds(b, "</td>");
}

static void one_order(rep *R, const evidence *ev, es_store *st, es_cursor *c)
{
	const es_store_ops *o = st->ops;
	es_buf *b = &R->b;
	long long seq = o->col_int(c, 0);
	const char *at = o->col_text(c, 1), *oid = o->col_text(c, 2), *dec = o->col_text(c, 3);
	size_t inl = 0, hl = 0, ol = 0;
	const char *input = o->col_blob(c, 5, &inl);
	char *output = es_rec_output(input, inl, o->col_int(c, 14), o->col_text(c, 4), &ol);
	const char *sha = o->col_text(c, 6), *lv = o->col_text(c, 7), *lists_s = o->col_text(c, 8);
	const char *rules = o->col_text(c, 9), *tool = o->col_text(c, 10), *host = o->col_text(c, 11);
	const char *usr = o->col_text(c, 12);
	bool csv = o->col_blob(c, 13, &hl) != NULL;
	json_t *scr = screening_of(output, csv), *parties = parties_of(input, inl, csv);
	json_t *lists = lists_s ? json_loads(lists_s, 0, NULL) : NULL;
	json_t *reasons = json_object_get(scr, "reasons"), *hits = json_object_get(scr, "hits");
	char seqs[32];
	snprintf(seqs, sizeof seqs, "%lld", seq);
	for (int i = 0; i < 5; i++) {
		static const char *const names[] = {"CLEAR", "REVIEW", "LICENSE_REQUIRED", "PROHIBITED", "ERROR"};
		if (dec && strcmp(dec, names[i]) == 0)
			R->by_dec[i]++;
	}
	R->orders++;
	size_t i;
	json_t *x;
	if (!R->html) {
		es_buf_adds(b, seqs);
		es_buf_addc(b, ',');
		csvq(b, at);
		es_buf_addc(b, ',');
		csvq(b, oid);
		es_buf_addc(b, ',');
		csvq(b, dec);
		es_buf_addc(b, ',');
		es_buf t = {0};
		json_array_foreach(reasons, i, x)
		{
			if (i)
				es_buf_adds(&t, " | ");
			es_buf_printf(&t, "%s (%s): %s [%s]", js(x, "code") ? js(x, "code") : "",
				      js(x, "decision") ? js(x, "decision") : "", js(x, "message") ? js(x, "message") : "",
				      js(x, "citation") ? js(x, "citation") : "");
		}
		csvq(b, t.s);
		es_buf_addc(b, ',');
		es_buf_clear(&t);
		es_buf e = {0}, d = {0};
		json_array_foreach(hits, i, x)
		{
			json_t *pn = json_object_get(json_array_get(parties, (size_t)json_integer_value(json_object_get(x, "party"))), "name");
			if (i) {
				es_buf_adds(&t, " | ");
				es_buf_adds(&e, " | ");
			}
			es_buf_printf(&t, "%s %s -> %s [%s %s %s] alias '%s' score %.3f %s", js(x, "role") ? js(x, "role") : "",
				      json_is_string(pn) ? json_string_value(pn) : "", js(x, "name") ? js(x, "name") : "",
				      js(x, "source") ? js(x, "source") : "", js(x, "list") ? js(x, "list") : "",
				      js(x, "entry_id") ? js(x, "entry_id") : "", js(x, "matched_name") ? js(x, "matched_name") : "",
				      json_number_value(json_object_get(x, "score")), js(x, "action") ? js(x, "action") : "");
			evidence_text(ev, js(x, "source"), js(x, "entry_id"), &e);
			const char *ld = list_date(lists, js(x, "source"));
			es_buf_printf(&e, "; list date %s", ld ? ld : "-");
			json_t *dp = json_object_get(x, "disposition");
			if (dp) {
				if (d.len)
					es_buf_adds(&d, " | ");
				es_buf_printf(&d, "%lld %s by %s at %s: %s", (long long)json_integer_value(json_object_get(dp, "id")),
					      js(dp, "kind") ? js(dp, "kind") : "", js(dp, "by") ? js(dp, "by") : "",
					      js(dp, "at") ? js(dp, "at") : "", js(dp, "reason") ? js(dp, "reason") : "");
			}
		}
		csvq(b, t.s);
		es_buf_addc(b, ',');
		csvq(b, e.s);
		es_buf_addc(b, ',');
		csvq(b, d.s);
		es_buf_addc(b, ',');
		csvq(b, lv);
		es_buf_addc(b, ',');
		csvq(b, sha);
		es_buf_addc(b, '\n');
		es_buf_free(&t);
		es_buf_free(&e);
		es_buf_free(&d);
		goto done;
	}
	es_buf_adds(b, "<section><h2>Order ");
	html(b, oid ? oid : "(no order id)");
	es_buf_printf(b, " &mdash; <span class=\"d-%s\">", dec && strspn(dec, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_") == strlen(dec) ? dec : "X");
	html(b, dec);
	es_buf_adds(b, "</span></h2><table class=\"meta\"><tr><td>screened</td>");
	td(b, at);
	es_buf_adds(b, "<td>record</td>");
	td(b, seqs);
	es_buf_adds(b, "<td>input sha256</td>");
	td(b, sha);
	es_buf_adds(b, "</tr><tr><td>list set</td>");
	td(b, lv);
	es_buf_adds(b, "<td>rules</td>");
	td(b, rules);
	es_buf_adds(b, "<td>by</td><td>");
	html(b, usr);
	es_buf_adds(b, "@");
	html(b, host);
	es_buf_adds(b, " (exportscreen ");
	html(b, tool);
	es_buf_adds(b, ")</td></tr></table>");
	es_buf_adds(b, "<table><tr><th>reason</th><th>decision</th><th>party</th><th>message</th><th>citation</th></tr>");
	json_array_foreach(reasons, i, x)
	{
		es_buf_adds(b, "<tr>");
		td(b, js(x, "code"));
		td(b, js(x, "decision"));
		td(b, js(x, "role"));
		td(b, js(x, "message"));
		td(b, js(x, "citation"));
		es_buf_adds(b, "</tr>");
	}
	es_buf_adds(b, "</table>");
	if (json_array_size(hits)) {
		es_buf_adds(b, "<table><tr><th>party</th><th>score</th><th>list entry</th><th>listed name</th>"
			       "<th>alias matched</th><th>action</th><th>evidence (lists in use)</th><th>list date</th>"
			       "<th>disposition</th></tr>");
		json_array_foreach(hits, i, x)
		{
			json_t *pn = json_object_get(json_array_get(parties, (size_t)json_integer_value(json_object_get(x, "party"))), "name");
			char sc[32], ent[300];
			snprintf(sc, sizeof sc, "%.3f", json_number_value(json_object_get(x, "score")));
			snprintf(ent, sizeof ent, "%s %s %s", js(x, "source") ? js(x, "source") : "",
				 js(x, "list") ? js(x, "list") : "", js(x, "entry_id") ? js(x, "entry_id") : "");
			es_buf_adds(b, "<tr><td>");
			html(b, js(x, "role"));
			if (json_is_string(pn)) {
				es_buf_adds(b, ": ");
				html(b, json_string_value(pn));
			}
			es_buf_adds(b, "</td>");
			td(b, sc);
			td(b, ent);
			td(b, js(x, "name"));
			td(b, js(x, "matched_name"));
			td(b, js(x, "action"));
			es_buf e = {0};
			evidence_text(ev, js(x, "source"), js(x, "entry_id"), &e);
			td(b, e.s);
			es_buf_free(&e);
			td(b, list_date(lists, js(x, "source")));
			json_t *dp = json_object_get(x, "disposition");
			if (dp) {
				char h[600];
				snprintf(h, sizeof h, "#%lld %s by %s at %s: %s", (long long)json_integer_value(json_object_get(dp, "id")),
					 js(dp, "kind") ? js(dp, "kind") : "", js(dp, "by") ? js(dp, "by") : "",
					 js(dp, "at") ? js(dp, "at") : "", js(dp, "reason") ? js(dp, "reason") : "");
				td(b, h);
			} else {
				td(b, "");
			}
			es_buf_adds(b, "</tr>");
		}
		es_buf_adds(b, "</table>");
	}
	es_buf_adds(b, "</section>\n");
done:
	free(output);
	json_decref(scr);
	json_decref(parties);
	json_decref(lists);
}

es_code es_records_report(es_records *r, const es_matcher *m, const char *since, const char *until, bool as_html,
			  FILE *out, es_err *err)
{
	char u[11];
	bool has_until = until && es_rec_day_after(until, u);
	es_val a[] = {ES_VTEXT(since), ES_VTEXT(since), has_until ? ES_VTEXT(u) : ES_VNULL,
		      has_until ? ES_VTEXT(u) : ES_VNULL};
	const es_store_ops *o = r->st->ops;
	rep R = {.out = out, .html = as_html};
	evidence ev;
	evidence_open(&ev, m);
	es_cursor *c;
	es_code rc = o->begin_read(r->st, err);
	if (rc != ES_OK)
		goto done;
	if (as_html) {
		char now[32];
		es_rec_now(now);
		es_buf_adds(&R.b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Export screening sign-off ");
		html(&R.b, since);
		es_buf_adds(&R.b, "</title><style>");
		es_buf_adds(&R.b, STYLE);
		es_buf_adds(&R.b, "</style></head><body><h1>Export screening sign-off report</h1><p>Period: ");
		html(&R.b, since ? since : "(start)");
		es_buf_adds(&R.b, " to ");
		html(&R.b, until ? until : "(now)");
		es_buf_adds(&R.b, " &middot; generated ");
		html(&R.b, now);
		es_buf_adds(&R.b, " &middot; store ");
		html(&R.b, r->path);
		es_buf_adds(&R.b, "</p><p>Every order recorded in the period whose decision is not CLEAR. Evidence "
				  "(programs, addresses, listing date) is read from the lists in use when the report is "
				  "made; the list set that screened each order is named by its version.</p>\n");
	} else {
		es_buf_adds(&R.b, "seq,at,order_id,decision,reasons,hits,evidence,dispositions,list_version,input_sha256\n");
	}
	if ((rc = o->query(r->st, SQL_ORDERS, a, 4, &c, err)) != ES_OK)
		goto done;
	int s;
	while ((s = o->step(c, err)) > 0) {
		one_order(&R, &ev, r->st, c);
		if (R.b.len > (1u << 16) && (rc = flush_rep(&R, err)) != ES_OK)
			break;
	}
	o->done(c);
	if (s < 0 && rc == ES_OK)
		rc = ES_EIO;
	if (rc != ES_OK)
		goto done;
	if (as_html) {
		if (!R.orders)
			es_buf_adds(&R.b, "<p>No order in the period needed a decision.</p>");
		es_buf_printf(&R.b, "<h2>Summary</h2><table><tr><th>orders not CLEAR</th><th>REVIEW</th>"
				    "<th>LICENSE_REQUIRED</th><th>PROHIBITED</th><th>ERROR</th></tr><tr><td>%zu</td><td>%zu</td>"
				    "<td>%zu</td><td>%zu</td><td>%zu</td></tr></table>",
			      R.orders, R.by_dec[1], R.by_dec[2], R.by_dec[3], R.by_dec[4]);
		es_buf_adds(&R.b, "<h2>Review actions in the period</h2><table><tr><th>record</th><th>at</th><th>action</th>"
				  "<th>details</th></tr>");
		if ((rc = o->query(r->st, SQL_REVIEWS, a, 4, &c, err)) != ES_OK)
			goto done;
		while ((s = o->step(c, err)) > 0) {
			char seqs[32];
			snprintf(seqs, sizeof seqs, "%lld", o->col_int(c, 0));
			es_buf_adds(&R.b, "<tr>");
			td(&R.b, seqs);
			td(&R.b, o->col_text(c, 1));
			td(&R.b, o->col_text(c, 2));
			td(&R.b, o->col_text(c, 3));
			es_buf_adds(&R.b, "</tr>");
		}
		o->done(c);
		es_buf_adds(&R.b, "</table><table class=\"sig\"><tr><td>Reviewed by: ____________________</td>"
				  "<td>Date: ____________</td><td>Signature: ____________________</td></tr></table>"
				  "</body></html>\n");
	}
	rc = flush_rep(&R, err);
done:
	o->rollback(r->st);
	es_buf_free(&R.b);
	free(ev.keys);
	return rc;
}
