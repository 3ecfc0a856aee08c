/* es_script — what a name's writing system does to screening.
 *
 * Three jobs, all on UTF-8 text and all pure functions of it:
 *  - es_script_fold: NFKC case folding (compatibility characters such as
 *    mathematical bold/italic letters, full-width forms and ligatures become
 *    plain letters) with default-ignorable code points dropped (soft hyphen,
 *    zero-width joiner/non-joiner/space, bidi marks, variation selectors), so
 *    invisible characters between letters change nothing;
 *  - es_script_latin_reading: the Latin look-alike reading of a name whose
 *    words are written in Cyrillic, Greek (or mixed) letters that all look
 *    like Latin ones ("РАУРАL", "Ρауpal"), from the Unicode confusables data
 *    (ICU spoof checker skeletons): such a word may be a Latin name spelled in
 *    look-alikes, so the matcher screens this reading too;
 *  - es_script_flags: red flags for the filter and check: letters of more
 *    than one script inside one word (MIXED), letters of a script the tool
 *    cannot bridge to the Latin lists (UNBRIDGED; the bridged scripts are the
 *    data file lists/normalize/scripts.txt).
 *
 * The ICU spoof checker is created lazily and guarded by a mutex; an
 * es_scripts is otherwise immutable and may be shared by threads. */
#ifndef ES_SCRIPT_H
#define ES_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>

#include "es_error.h"

enum {
	ES_SCRIPT_MIXED = 1,     /* a word mixes letters of two scripts */
	ES_SCRIPT_UNBRIDGED = 2  /* letters of a script no listed name can be reached from */
};

typedef struct es_scripts es_scripts;

/* Reads the bridged scripts (ISO 15924 codes, one or more per line, '#'
 * comments) from path. The file text is appended to *all (length *all_len)
 * when all is not NULL, for the normalizer dictionary hash. */
es_code es_scripts_open(es_scripts **out, const char *path, char **all, size_t *all_len, es_err *err);
void es_scripts_free(es_scripts *sc);

/* NFKC_Casefold of s[0..len) (drops default-ignorable code points) into out
 * (cap bytes, NUL-terminated); *olen its length. ES_ETOOBIG when it does not
 * fit, ES_EENCODING for invalid UTF-8. */
es_code es_script_fold(const char *s, size_t len, char *out, size_t cap, size_t *olen, es_err *err);

/* The Latin look-alike reading of s (already folded): every word that has a
 * non-Latin letter and whose letters all have a Latin look-alike is replaced
 * by those Latin letters (lower case); other words are kept. Returns true and
 * fills out (cap bytes) when at least one word was replaced. */
bool es_script_latin_reading(const es_scripts *sc, const char *s, size_t len, char *out, size_t cap);

/* ES_SCRIPT_* flags of s. detail (cap bytes, may be NULL) gets the script
 * names involved ("Latn+Cyrl in 'Gazprоm'" or "Thai"). ASCII is always 0. */
unsigned es_script_flags(const es_scripts *sc, const char *s, size_t len, char *detail, size_t cap);

#endif
