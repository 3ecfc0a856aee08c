/* es_fold — folding free text for whole-word matching (see es_fold.h). */
#include "es_fold.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/ucasemap.h>

#include "es_buf.h"
#include "es_hash.h"
#include "es_io.h"
#include "es_map64.h"
#include "es_text.h"
#include "es_utf8.h"

#define FOLD_MAX_FILE (1u << 20)

typedef struct {
	char *canon;   /* " word " */
	char *variant; /* " v " */
	size_t vlen;
} addr_word;

struct es_folder {
	UCaseMap *csm;
	es_vec words;  /* addr_word */
	es_map64 word; /* hash of a variant -> its first addr_word + 1 (every token of every address looks) */
};

/* Latin-1 supplement letters U+00C0..U+00FF (after case folding only the lower
 * half matters) to an ASCII base letter; ' ' = not a letter we map. */
static const char latin1_base[64] = "aaaaaaaceeeeiiiidnooooo ouuuuyts" "aaaaaaaceeeeiiiidnooooo ouuuuyty";

/* A 3-byte UTF-8 character: 1 = a CJK ideograph or kana (a word of its own),
 * 2 = CJK or full-width punctuation (a separator), 0 = other. */
static int cjk_class(unsigned char c0, unsigned char c1, unsigned char c2)
{
	unsigned cp = ((unsigned)(c0 & 0x0F) << 12) | ((unsigned)(c1 & 0x3F) << 6) | (unsigned)(c2 & 0x3F);
	if ((cp >= 0x3040 && cp <= 0x30FF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) ||
	    (cp >= 0xF900 && cp <= 0xFAFF))
		return 1;
	if ((cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFF01 && cp <= 0xFF0F) || (cp >= 0xFF1A && cp <= 0xFF20) ||
	    (cp >= 0xFF3B && cp <= 0xFF40) || (cp >= 0xFF5B && cp <= 0xFF65))
		return 2;
	return 0;
}

size_t es_fold(const es_folder *f, const char *s, char *out, size_t cap)
{
	char tmp[ES_FOLD_MAX];
	size_t n = 0;
	if (cap < 3) {
		if (cap)
			out[0] = '\0';
		return 0;
	}
	UErrorCode ue = U_ZERO_ERROR;
	int32_t fl = -1;
	size_t slen = s ? strlen(s) : 0;
	bool ascii = true;
	for (size_t i = 0; i < slen && ascii; i++)
		ascii = (unsigned char)s[i] < 0x80;
	/* ASCII needs no Unicode folding (the loop below lowers it): most names are ASCII */
	if (!ascii && slen && slen < sizeof tmp / 2 && f && f->csm)
		fl = ucasemap_utf8FoldCase(f->csm, tmp, (int32_t)sizeof tmp - 1, s, (int32_t)slen, &ue);
	const char *src = s ? s : "";
	size_t len = slen;
	if (fl >= 0 && U_SUCCESS(ue)) {
		tmp[fl] = '\0';
		src = tmp;
		len = (size_t)fl;
	}
	out[n++] = ' ';
	for (size_t i = 0; i < len && n + 6 < cap;) {
		unsigned char c = (unsigned char)src[i];
		if (c < 0x80) {
			if (isalnum(c))
				out[n++] = (char)tolower(c);
			else if (c != '\'' && out[n - 1] != ' ')
				out[n++] = ' '; /* apostrophes join: "people's" = "peoples" */
			i++;
			continue;
		}
		size_t cl = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
		if (i + cl > len)
			break;
		unsigned char c1 = (unsigned char)src[i + 1];
		int cjk = cl == 3 ? cjk_class(c, c1, (unsigned char)src[i + 2]) : 0;
		if (cjk) {
			/* Chinese and Japanese write no spaces: each ideograph or kana is its own
			 * word, so "解放军" is found inside "中国人民解放军第61398部队" */
			if (out[n - 1] != ' ')
				out[n++] = ' ';
			if (cjk == 1) {
				memcpy(out + n, src + i, 3);
				n += 3;
				out[n++] = ' ';
			}
		} else if (c == 0xC3 && c1 >= 0x80 && c1 <= 0xBF && latin1_base[c1 - 0x80] != ' ') {
			out[n++] = latin1_base[c1 - 0x80];
		} else if ((c == 0xC2) || (c == 0xE2 && (c1 == 0x80 || c1 == 0x81)) ||
			   (c == 0xCA && c1 >= 0xB9 && c1 <= 0xBC)) {
			/* NBSP, Latin-1 punctuation, general punctuation (dashes, quotes), modifier apostrophes */
			bool apos = (c == 0xE2 && c1 == 0x80 && (unsigned char)src[i + 2] == 0x99) || c == 0xCA;
			if (!apos && out[n - 1] != ' ')
				out[n++] = ' ';
		} else {
			memcpy(out + n, src + i, cl);
			n += cl;
		}
		i += cl;
	}
	if (out[n - 1] != ' ')
		out[n++] = ' ';
	out[n] = '\0';
	return n;
}

/* "9th" -> length of "9" (digits followed by st/nd/rd/th), else wl. */
static size_t ordinal_len(const char *w, size_t wl)
{
	if (wl < 3 || !isdigit((unsigned char)w[0]))
		return wl;
	const char *sfx = w + wl - 2;
	for (const char *q = w; q < sfx; q++)
		if (!isdigit((unsigned char)*q))
			return wl;
	if (!strncmp(sfx, "st", 2) || !strncmp(sfx, "nd", 2) || !strncmp(sfx, "rd", 2) || !strncmp(sfx, "th", 2))
		return wl - 2;
	return wl;
}

size_t es_fold_address(const es_folder *f, const char *s, char *out, size_t cap)
{
	char tmp[ES_FOLD_MAX];
	es_fold(f, s, tmp, sizeof tmp);
	size_t n = 0;
	if (cap < 3) {
		if (cap)
			out[0] = '\0';
		return 0;
	}
	out[n++] = ' ';
	const addr_word *aw = f ? f->words.data : NULL;
	size_t naw = f ? f->words.n : 0;
	for (const char *t = tmp; *t == ' ' && t[1];) {
		const char *e = strchr(t + 1, ' ');
		if (!e)
			break;
		size_t tl = (size_t)(e - t) + 1; /* " tok " */
		const char *w = t + 1;
		size_t wl = ordinal_len(w, tl - 2);
		uint32_t v = naw ? es_map64_get(&f->word, es_map64_key(es_hash(t, tl))) : 0;
		if (v && aw[v - 1].vlen == tl && memcmp(aw[v - 1].variant, t, tl) == 0) {
			w = aw[v - 1].canon + 1;
			wl = strlen(aw[v - 1].canon) - 2;
		}
		if (n + wl + 2 >= cap)
			break;
		memcpy(out + n, w, wl);
		n += wl;
		out[n++] = ' ';
		t = e;
	}
	out[n] = '\0';
	return n;
}

/* One "canonical|variant|variant" line. */
static es_code address_line(es_folder *f, char *line, const char *where, es_err *err)
{
	char *save = NULL, canon[128] = "";
	for (char *t = strtok_r(line, "|", &save); t; t = strtok_r(NULL, "|", &save)) {
		char folded[128];
		es_fold(f, t, folded, sizeof folded);
		if (!canon[0]) {
			snprintf(canon, sizeof canon, "%s", folded);
			continue;
		}
		addr_word *w = es_vec_push(&f->words, sizeof *w);
		if (!w || !(w->canon = strdup(canon)) || !(w->variant = strdup(folded)))
			return es_err_set(err, ES_ENOMEM, "out of memory");
		w->vlen = strlen(w->variant);
		bool fresh;
		uint32_t *slot = es_map64_slot(&f->word, es_map64_key(es_hash(w->variant, w->vlen)), &fresh);
		if (!slot)
			return es_err_set(err, ES_ENOMEM, "out of memory");
		if (fresh) /* the first line with a variant decides */
			*slot = (uint32_t)f->words.n;
	}
	if (!canon[0])
		return es_err_set(err, ES_EFORMAT, "%s: empty line", where);
	return ES_OK;
}

static es_code load_address_words(es_folder *f, const char *path, es_err *err)
{
	char *buf = NULL, *cursor;
	size_t len = 0;
	long lineno = 0;
	es_code rc = es_read_file(path, FOLD_MAX_FILE, &buf, &len, err);
	if (rc != ES_OK)
		return rc;
	if (!es_utf8_valid(buf, len, NULL)) {
		rc = es_err_set(err, ES_EFORMAT, "%s: not valid UTF-8", path);
		goto done;
	}
	cursor = buf;
	for (char *line; (line = es_text_data_line(&cursor, &lineno));) {
		char where[600];
		snprintf(where, sizeof where, "%s:%ld", path, lineno);
		if ((rc = address_line(f, line, where, err)) != ES_OK)
			goto done;
	}
done:
	free(buf);
	return rc;
}

es_code es_folder_load(es_folder **out, const char *address_words, es_err *err)
{
	es_code rc = ES_OK;
	es_folder *f = calloc(1, sizeof *f);
	*out = NULL;
	if (!f)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	UErrorCode ue = U_ZERO_ERROR;
	f->csm = ucasemap_open("", 0, &ue);
	if (U_FAILURE(ue)) {
		rc = es_err_set(err, ES_EINTERNAL, "ICU case map: %s", u_errorName(ue));
		goto done;
	}
	if (address_words && (rc = load_address_words(f, address_words, err)) != ES_OK)
		goto done;
	*out = f;
	f = NULL;
done:
	es_folder_free(f);
	return rc;
}

void es_folder_free(es_folder *f)
{
	if (!f)
		return;
	addr_word *w = f->words.data;
	for (size_t i = 0; i < f->words.n; i++) {
		free(w[i].canon);
		free(w[i].variant);
	}
	es_vec_free(&f->words);
	es_map64_free(&f->word);
	if (f->csm)
		ucasemap_close(f->csm);
	free(f);
}
