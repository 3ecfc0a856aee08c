/* es_lexicon — what the scorer knows about some words beyond their spelling:
 * given-name equivalents (Bill = William, Ivan = John), legal-form families
 * (AO ~ AG ~ S.A., OOO ~ GmbH ~ B.V.), the words a branch or office adds to
 * its parent's name (Branch, Representative Office, Europe, a country), and
 * the particles around which word order is part of a name (bin, ibn, ould),
 * and the endings of patronymics (Volodymyrovych: a middle name).
 *
 * Data files (lists/normalize/given_names.txt, legal_families.txt,
 * branch_words.txt, particles.txt, patronymics.txt, common_words.txt, and the country names of
 * lists/countries.tsv), each entry read with the one normalization of names,
 * so a lookup compares canonical forms; entries are ASCII (a non-ASCII one
 * would cost every start ICU's transliterator). The lexicon is immutable after open
 * and may be shared by threads. Its hash goes into the index header with the
 * normalizer's: changed data makes a cached index stale. */
#ifndef ES_LEXICON_H
#define ES_LEXICON_H

#include <stddef.h>
#include <stdint.h>

#include "es_error.h"
#include "es_normalize.h"
#include "es_score.h"

typedef struct es_lexicon es_lexicon;

/* Loads the data files under lists_dir, normalizing entries with nz. A
 * malformed entry fails with "file:line: reason". */
es_code es_lexicon_open(es_lexicon **out, const char *lists_dir, const es_normalizer *nz, es_err *err);
void es_lexicon_free(es_lexicon *lx);

/* SHA-256 (hex) of the data files loaded. */
const char *es_lexicon_hash(const es_lexicon *lx);

/* Whether a word (lower-case ASCII, as a name's normalized text writes it) is
 * an everyday word (dictionary_words.txt), which does not make a one-word
 * listed name a brand (es_index.c). */
bool es_lexicon_dictionary(const es_lexicon *lx, const char *word, size_t len);

/* Sets t[i].cls and t[i].lex for the tokens of one name: the given-name
 * class of a word (ES_LX_GIVEN), the family of a legal form
 * (ES_LX_LEGAL_FAMILY), particles (ES_LX_PARTICLE), words ending as
 * patronymics do (ES_LX_PATRONYMIC), words too common in bank and state
 * names to contain by (ES_LX_COMMON), and the words and phrases a branch adds
 * (ES_LX_BRANCH, ES_LX_MARKER; places, countries). */
void es_lexicon_mark(const es_lexicon *lx, es_stok *t, size_t n);

#endif
