/* es_script — see es_script.h. */
#include "es_script.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/uscript.h>
#include <unicode/uspoof.h>
#include <unicode/ustring.h>
#include <unicode/utf8.h>

#include "es_io.h"
#include "es_text.h"
#include "es_utf8.h"

#define SCRIPTS_MAX_BYTES (64u * 1024)
#define SCRIPT_WORDS 256 /* scripts per word we look at (letters beyond count alike) */

#define JPAN_FORMS_MAX 16
#define JPAN_FORM_BYTES 32

struct es_scripts {
	bool bridged[USCRIPT_CODE_LIMIT];
	/* Japanese company forms in kanji that a kana name may carry (Jpan-forms) */
	char jpan_form[JPAN_FORMS_MAX][JPAN_FORM_BYTES];
	size_t n_jpan_forms;
	pthread_mutex_t lock;
	USpoofChecker *spoof;
	bool spoof_failed;
};

es_code es_scripts_open(es_scripts **out, const char *path, char **all, size_t *all_len, es_err *err)
{
	*out = NULL;
	char *buf = NULL;
	size_t len = 0;
	es_code rc = es_read_file(path, SCRIPTS_MAX_BYTES, &buf, &len, err);
	if (rc != ES_OK)
		return rc;
	es_scripts *sc = calloc(1, sizeof *sc);
	if (!sc) {
		free(buf);
		return es_err_set(err, ES_ENOMEM, "out of memory");
	}
	pthread_mutex_init(&sc->lock, NULL);
	if (all) {
		char *na = realloc(*all, *all_len + len + 1);
		if (!na) {
			rc = es_err_set(err, ES_ENOMEM, "out of memory");
			goto done;
		}
		*all = na;
		memcpy(na + *all_len, buf, len);
		*all_len += len;
		na[*all_len] = '\0';
	}
	size_t lineno = 0;
	char *save = NULL;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		static const char jpan[] = "Jpan-forms:";
		bool forms = strncmp(line, jpan, sizeof jpan - 1) == 0;
		char *s2 = NULL;
		for (char *w = strtok_r(line + (forms ? sizeof jpan - 1 : 0), " \t\r,|", &s2); w;
		     w = strtok_r(NULL, " \t\r,|", &s2)) {
			if (forms) {
				if (sc->n_jpan_forms == JPAN_FORMS_MAX || strlen(w) >= JPAN_FORM_BYTES) {
					rc = es_err_set(err, ES_EFORMAT, "%s:%zu: more than %d forms, or one too long", path,
							lineno, JPAN_FORMS_MAX);
					goto done;
				}
				strcpy(sc->jpan_form[sc->n_jpan_forms++], w);
				continue;
			}
			int32_t code = u_getPropertyValueEnum(UCHAR_SCRIPT, w);
			if (code < 0 || code >= USCRIPT_CODE_LIMIT) {
				rc = es_err_set(err, ES_EFORMAT, "%s:%zu: '%s' is not an ISO 15924 script code", path, lineno,
						w);
				goto done;
			}
			sc->bridged[code] = true;
		}
	}
	/* letters shared by several scripts are always readable */
	sc->bridged[USCRIPT_COMMON] = sc->bridged[USCRIPT_INHERITED] = true;
done:
	free(buf);
	if (rc != ES_OK) {
		es_scripts_free(sc);
		return rc;
	}
	*out = sc;
	return ES_OK;
}

void es_scripts_free(es_scripts *sc)
{
	if (!sc)
		return;
	if (sc->spoof)
		uspoof_close(sc->spoof);
	pthread_mutex_destroy(&sc->lock);
	free(sc);
}

es_code es_script_fold(const char *s, size_t len, char *out, size_t cap, size_t *olen, es_err *err)
{
	es_code rc = ES_OK;
	UErrorCode st = U_ZERO_ERROR;
	const UNormalizer2 *nfkc = unorm2_getNFKCCasefoldInstance(&st);
	if (U_FAILURE(st))
		return es_err_set(err, ES_EINTERNAL, "ICU NFKC_Casefold unavailable");
	int32_t ucap = (int32_t)(len + 1) * 2;
	UChar *u = malloc(sizeof(UChar) * (size_t)ucap * 4);
	if (!u)
		return es_err_set(err, ES_ENOMEM, "out of memory");
	UChar *f = u + ucap;
	int32_t ul = 0;
	u_strFromUTF8(u, ucap, &ul, s, (int32_t)len, &st);
	if (U_FAILURE(st)) {
		rc = es_err_set(err, ES_EENCODING, "name is not valid UTF-8");
		goto done;
	}
	int32_t fl = unorm2_normalize(nfkc, u, ul, f, ucap * 3, &st);
	if (U_FAILURE(st)) {
		rc = es_err_set(err, ES_ETOOBIG, "name too long after NFKC folding");
		goto done;
	}
	int32_t ol = 0;
	u_strToUTF8(out, (int32_t)cap, &ol, f, fl, &st);
	if (U_FAILURE(st) || (size_t)ol >= cap) {
		rc = es_err_set(err, ES_ETOOBIG, "name too long after NFKC folding");
		goto done;
	}
	out[ol] = '\0';
	*olen = (size_t)ol;
done:
	free(u);
	return rc;
}

static USpoofChecker *spoof(const es_scripts *sc_c)
{
	es_scripts *sc = (es_scripts *)sc_c; /* only the lazily created checker changes */
	pthread_mutex_lock(&sc->lock);
	if (!sc->spoof && !sc->spoof_failed) {
		UErrorCode st = U_ZERO_ERROR;
		sc->spoof = uspoof_open(&st);
		if (U_FAILURE(st)) {
			sc->spoof = NULL;
			sc->spoof_failed = true;
		}
	}
	USpoofChecker *r = sc->spoof;
	pthread_mutex_unlock(&sc->lock);
	return r;
}

static bool is_word_cp(UChar32 c)
{
	int8_t t = u_charType(c);
	return u_isalpha(c) || t == U_NON_SPACING_MARK || t == U_COMBINING_SPACING_MARK || t == U_ENCLOSING_MARK;
}

/* The ASCII look-alike of one code point (1..2 lower-case letters), from the
 * confusables skeleton of the letter, its upper or its lower case. */
static size_t lookalike(USpoofChecker *sp, UChar32 c, char *out)
{
	UChar32 forms[3] = {c, u_toupper(c), u_tolower(c)};
	for (size_t k = 0; k < 3; k++) {
		UChar in[2], sk[8];
		int32_t il = 0;
		UBool bad = 0;
		U16_APPEND(in, il, 2, forms[k], bad);
		if (bad)
			continue;
		UErrorCode st = U_ZERO_ERROR;
		int32_t n = uspoof_getSkeleton(sp, 0, in, il, sk, 8, &st);
		if (U_FAILURE(st) || n < 1 || n > 2)
			continue;
		bool ok = true;
		for (int32_t i = 0; i < n && ok; i++)
			ok = (sk[i] >= 'a' && sk[i] <= 'z') || (sk[i] >= 'A' && sk[i] <= 'Z');
		if (!ok)
			continue;
		for (int32_t i = 0; i < n; i++)
			out[i] = (char)(sk[i] | 0x20);
		return (size_t)n;
	}
	return 0;
}

bool es_script_latin_reading(const es_scripts *sc, const char *s, size_t len, char *out, size_t cap)
{
	USpoofChecker *sp = spoof(sc);
	if (!sp || cap == 0)
		return false;
	size_t o = 0, i = 0;
	bool changed = false;
	while (i < len) {
		size_t start = i;
		UChar32 c;
		U8_NEXT(s, i, len, c);
		if (c < 0)
			return false;
		if (!is_word_cp(c)) {
			if (o + (i - start) >= cap)
				return false;
			memcpy(out + o, s + start, i - start);
			o += i - start;
			continue;
		}
		/* one word: s[start..end) */
		size_t end = i;
		while (end < len) {
			size_t j = end;
			UChar32 d;
			U8_NEXT(s, j, len, d);
			if (d < 0 || !is_word_cp(d))
				break;
			end = j;
		}
		char word[256];
		size_t wl = 0;
		bool foreign = false, all = true;
		for (size_t k = start; k < end && all;) {
			size_t k0 = k;
			UChar32 d;
			U8_NEXT(s, k, end, d);
			UErrorCode st = U_ZERO_ERROR;
			UScriptCode scr = uscript_getScript(d, &st);
			char la[2];
			size_t n = 0;
			if (scr == USCRIPT_LATIN || scr == USCRIPT_COMMON || scr == USCRIPT_INHERITED || d < 0x80) {
				if (wl + (k - k0) >= sizeof word) {
					all = false;
					break;
				}
				memcpy(word + wl, s + k0, k - k0);
				wl += k - k0;
				continue;
			}
			foreign = true;
			n = lookalike(sp, d, la);
			if (!n || wl + n >= sizeof word) {
				all = false;
				break;
			}
			memcpy(word + wl, la, n);
			wl += n;
		}
		const char *src = s + start;
		size_t sl = end - start;
		if (foreign && all) {
			src = word;
			sl = wl;
			changed = true;
		}
		if (o + sl >= cap)
			return false;
		memcpy(out + o, src, sl);
		o += sl;
		i = end;
	}
	out[o] = '\0';
	return changed;
}

/* Scripts that count as one writing system inside a word: Chinese,
 * Japanese and Korean text mixes them, and writes Latin brand names into
 * words ("TCL科技"). */
static int group_of(UScriptCode s)
{
	switch (s) {
	case USCRIPT_HAN:
	case USCRIPT_HIRAGANA:
	case USCRIPT_KATAKANA:
	case USCRIPT_HANGUL:
	case USCRIPT_BOPOMOFO:
		return USCRIPT_HAN;
	default:
		return (int)s;
	}
}

static void append_detail(char *detail, size_t cap, const char *s)
{
	if (!detail || !cap)
		return;
	size_t l = strlen(detail);
	if (strstr(detail, s))
		return;
	snprintf(detail + l, cap - l, "%s%s", l ? "+" : "", s);
}

/* Whether every Han character of s is inside one of the Jpan-forms. */
static bool only_jpan_forms(const es_scripts *sc, const char *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		size_t skip = 0;
		for (size_t k = 0; k < sc->n_jpan_forms && !skip; k++) {
			size_t fl = strlen(sc->jpan_form[k]);
			if (fl <= len - i && memcmp(s + i, sc->jpan_form[k], fl) == 0)
				skip = fl;
		}
		if (skip) {
			i += skip;
			continue;
		}
		UChar32 c;
		U8_NEXT(s, i, len, c);
		UErrorCode st = U_ZERO_ERROR;
		if (c >= 0 && uscript_getScript(c, &st) == USCRIPT_HAN && U_SUCCESS(st))
			return false;
	}
	return true;
}

unsigned es_script_flags(const es_scripts *sc, const char *s, size_t len, char *detail, size_t cap)
{
	unsigned flags = 0;
	if (detail && cap)
		detail[0] = '\0';
	bool ascii = true;
	for (size_t i = 0; i < len && ascii; i++)
		ascii = (unsigned char)s[i] < 0x80;
	if (ascii || !es_utf8_valid(s, len, NULL))
		return 0;
	bool han = false, kana = false;
	int g1 = -1; /* the word's first script group */
	bool word_mixed = false, in_word = false;
	for (size_t i = 0; i < len;) {
		UChar32 c;
		U8_NEXT(s, i, len, c);
		if (c < 0)
			break;
		if (!is_word_cp(c)) {
			if (in_word && word_mixed)
				flags |= ES_SCRIPT_MIXED;
			in_word = word_mixed = false;
			g1 = -1;
			continue;
		}
		in_word = true;
		UErrorCode st = U_ZERO_ERROR;
		UScriptCode scr = uscript_getScript(c, &st);
		if (U_FAILURE(st) || scr == USCRIPT_COMMON || scr == USCRIPT_INHERITED)
			continue;
		if (scr == USCRIPT_HAN)
			han = true;
		if (scr == USCRIPT_HIRAGANA || scr == USCRIPT_KATAKANA)
			kana = true;
		if (scr < 0 || scr >= USCRIPT_CODE_LIMIT || !sc->bridged[scr]) {
			flags |= ES_SCRIPT_UNBRIDGED;
			append_detail(detail, cap, uscript_getShortName(scr));
		}
		int g = group_of(scr);
		if (g1 < 0) {
			g1 = g;
		} else if (g != g1) {
			bool latin_cjk = (g == USCRIPT_HAN && g1 == USCRIPT_LATIN) ||
					 (g1 == USCRIPT_HAN && g == USCRIPT_LATIN);
			if (!latin_cjk) {
				word_mixed = true;
				append_detail(detail, cap, uscript_getShortName((UScriptCode)g1));
				append_detail(detail, cap, uscript_getShortName(scr));
			}
		}
	}
	if (in_word && word_mixed)
		flags |= ES_SCRIPT_MIXED;
	/* Han characters written with kana are Japanese: their readings are not
	 * the Chinese ones the transliteration gives (but a company form of
	 * Jpan-forms is read by cjk_words.tsv) */
	if (han && kana && !only_jpan_forms(sc, s, len)) {
		flags |= ES_SCRIPT_UNBRIDGED;
		append_detail(detail, cap, "Jpan");
	}
	return flags;
}
