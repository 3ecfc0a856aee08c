/* es_fold — folding free text for whole-word matching (rules keywords, region
 * names, addresses), separate from the name normalizer: it keeps every word and
 * only removes what spelling varies on.
 *
 * es_fold: Unicode case folding (ICU), Latin-1 accents to ASCII, punctuation and
 * blanks to single spaces, apostrophes dropped ("people's" = "peoples"), each CJK
 * ideograph or kana its own word; the result has one leading and one trailing
 * space (" tok tok "), so a phrase " a b " is found with strstr on whole words.
 *
 * es_fold_address: es_fold plus the address spelling variants of a data file
 * (libpostal-style "canonical|alt|alt": "St" = "Street", "F" = "floor") and
 * ordinals (9th = 9), for comparing a party's address with listed addresses.
 *
 * The folder is immutable after load and may be shared between threads. */
#ifndef ES_FOLD_H
#define ES_FOLD_H

#include <stddef.h>

#include "es_error.h"

#define ES_FOLD_MAX 4096 /* bytes of folded text the folders look at */

typedef struct es_folder es_folder;

/* address_words: path of the address-words file (NULL = none). Errors name file:line. */
es_code es_folder_load(es_folder **out, const char *address_words, es_err *err);
void es_folder_free(es_folder *f);

/* Folds s into out (cap bytes, always NUL-terminated; output longer than cap is
 * cut at a token boundary). Returns the length written. f may be NULL (ASCII only
 * is then case-folded). */
size_t es_fold(const es_folder *f, const char *s, char *out, size_t cap);

/* es_fold plus address variants and ordinals. */
size_t es_fold_address(const es_folder *f, const char *s, char *out, size_t cap);

#endif
