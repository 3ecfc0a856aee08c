/* es_cjk — Chinese and Korean names brought to the words the lists write.
 *
 * The lists carry most Chinese and Korean parties only in Latin letters, so a
 * name typed in Chinese characters or Hangul is rewritten before the general
 * transliteration (the same function for listed names and queries):
 *  - Chinese: a run of Han characters is cut into the words of
 *    lists/normalize/cjk_words.tsv (有限公司, 集团, 科技, 大学, 研究所, city and
 *    province names, ...; longest first) and replaced by their English forms;
 *    numbers after 第 or before 院/所/厂 become digits (第十三研究所 = 13
 *    research institute); what is left is written in pinyin, two syllables to
 *    a word as English names write brand syllables (依图 = yitu), a run of
 *    three as surname + given name (夏宝龙 = xia baolong);
 *  - Korean: Hangul syllables are romanized by lists/normalize/hangul.tsv
 *    (Revised Romanization), one syllable to a word (리수용 = ri su yong);
 *    romanization.txt joins them with the North Korean spellings.
 * es_cjk_char_sim compares two names written in the same CJK script by their
 * characters, so homophones (different characters, one romanization) do not
 * collapse.
 *
 * The pinyin transliterator is created lazily under a mutex; an es_cjk is
 * otherwise immutable and may be shared by threads. */
#ifndef ES_CJK_H
#define ES_CJK_H

#include <stdbool.h>
#include <stddef.h>

#include "es_error.h"

typedef struct es_cjk es_cjk;

/* Loads cjk_words.tsv and hangul.tsv from dir (lists/normalize); their text
 * is appended to *all (length *all_len) for the dictionary hash. */
es_code es_cjk_open(es_cjk **out, const char *dir, char **all, size_t *all_len, es_err *err);
void es_cjk_free(es_cjk *cj);

/* Whether UTF-8 text has a Han character or a Hangul syllable. */
bool es_cjk_present(const char *s, size_t len);

/* Rewrites s[0..len) (UTF-8, already NFKC-folded) into out (cap bytes,
 * NUL-terminated, *olen its length): Han runs and Hangul syllables as
 * described above, everything else copied. A dictionary word with several
 * English forms ("理工大学" = institute of technology | university of
 * science and technology) is written in its form number alt (the last when
 * it has fewer); *alts (may be NULL) gets the most forms a word used had, so
 * the caller knows which other readings exist. ES_ETOOBIG when it does not
 * fit. */
es_code es_cjk_bridge(const es_cjk *cj, const char *s, size_t len, unsigned alt, char *out, size_t cap,
		      size_t *olen, unsigned *alts, es_err *err);

/* Similarity of two names by their CJK characters when both are written in
 * one CJK script (Han, Hangul or kana): the Dice coefficient of their
 * characters of that script (the lowest over the scripts both use). Returns
 * 1 (no limit) when they share no CJK script. */
double es_cjk_char_sim(const char *a, size_t al, const char *b, size_t bl);

#endif
