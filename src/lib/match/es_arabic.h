/* es_arabic — names written in Arabic or Persian script against the Latin
 * names of the lists.
 *
 * Arabic script does not write short vowels, so its transliteration
 * ("hsyn" for حسين) is several edits from the listed Latin name (HOSSEIN,
 * HUSSEIN). Both are brought to a consonant skeleton: a leading vowel as one
 * mark, then the consonants without a e i o u y w, digraphs folded (kh = h,
 * sh = s, gh = q = g, ch = c, ph = f; dh, th, zh stay two letters, since
 * Arabic script writes d+h as "dh" too), a final i or y kept as a mark
 * (Ahmadi is not Ahmad), a final h (ta marbuta, -eh) and final vowels
 * dropped, doubles collapsed: HANIYEH and هنية both
 * give "hn", Ismail and إسماعيل "Vsml", Dehghan and دهقان "dhgn".
 *
 * A skeleton map holds every word of the listed Latin names by skeleton. For
 * an Arabic-script query, es_arabic_readings writes readings of the query in
 * which each word is replaced by a listed word of the same skeleton (the
 * candidates that keep the written letters in order first), which the matcher
 * screens besides the name itself. The map is built once per matcher, on the
 * first Arabic-script query. */
#ifndef ES_ARABIC_H
#define ES_ARABIC_H

#include <stdbool.h>
#include <stddef.h>

#include "es_error.h"
#include "es_index.h"
#include "es_normalize.h"

typedef struct es_skel_map es_skel_map;

/* The skeleton of an ASCII lower-case word into out (ES_TOK_LEN bytes);
 * returns its length (0: no consonant, no skeleton). script: the word is the
 * transliteration of an Arabic-script word (its "ph" is p+h, not f). */
size_t es_arabic_skeleton(const char *w, size_t len, bool script, char *out);

/* Builds the map of the words of every listed name written in Latin letters. */
es_code es_skel_map_build(const es_index *ix, es_skel_map **out, es_err *err);
void es_skel_map_free(es_skel_map *m);

/* Up to max readings of the normalized query q (space-joined words, into
 * out[i], each cap bytes): reading j replaces every word that has listed
 * words of its skeleton by its j-th best one. Returns how many. */
size_t es_arabic_readings(const es_skel_map *m, const es_ntoks *q, char *out, size_t cap, size_t max);

/* The words of Arabic and Persian organization names with their English
 * (lists/normalize/arabic_words.tsv), read from buf (the file's text, changed
 * in place; path for messages). */
typedef struct es_arabic_words es_arabic_words;
es_code es_arabic_words_parse(es_arabic_words **out, char *buf, const char *path, es_err *err);
void es_arabic_words_free(es_arabic_words *w);

/* Reading k of an Arabic-script name s[0..len) with the words the file knows
 * in English (form k of "a|b", or its last) and the rest as written, into out
 * (cap bytes): true when some word was written in English and, for k >= 1,
 * some word has a k-th form. */
bool es_arabic_words_reading(const es_arabic_words *w, const char *s, size_t len, unsigned k, char *out, size_t cap);

#endif
