/* es_text — small string helpers the parsers and data-file loaders share:
 * trimming, a separator-joined string builder, splitting a data-file line at
 * tabs, reading a data file line by line, the script of a name, and a one-edit
 * test.
 *
 * All of them work on NUL-terminated UTF-8 (the parsers validate their input
 * before any of this runs). Nothing here prints, aborts or keeps state. */
#ifndef ES_TEXT_H
#define ES_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "es_buf.h"

/* Moves *s past leading and *n before trailing ASCII whitespace. */
void es_text_trim(const char **s, size_t *n);

/* Trimmed copy of s (caller frees); NULL when s is only whitespace. */
char *es_text_trimdup(const char *s);

/* The ICU script name ("Cyrillic", "Arabic", "Han"...) of the first letter of
 * s that is neither Latin nor Common/Inherited, or NULL when there is none.
 * The name is a static ICU string: not to be freed. */
const char *es_text_script(const char *s);

/* 0 when a (la bytes) equals b (lb bytes), 1 when they are one substitution,
 * insertion, deletion or adjacent transposition apart, else 2 (no DP table).
 * Inline: the scorer calls it for every word pair it compares. */
static inline int es_text_within1(const char *a, size_t la, const char *b, size_t lb)
{
	if (la < lb) {
		const char *t = a;
		a = b;
		b = t;
		size_t tl = la;
		la = lb;
		lb = tl;
	}
	if (la - lb > 1)
		return 2;
	size_t i = 0;
	while (i < lb && a[i] == b[i])
		i++;
	if (i == lb)
		return la == lb ? 0 : 1;
	/* then the common suffix: what differs is a[i..sa) and b[i..sb) */
	size_t sa = la, sb = lb;
	while (sb > i && a[sa - 1] == b[sb - 1]) {
		sa--;
		sb--;
	}
	if (la != lb)
		return sb == i ? 1 : 2; /* a[i] left out */
	if (sa - i == 1)
		return 1; /* a substitution */
	return sa - i == 2 && a[i] == b[i + 1] && a[i + 1] == b[i] ? 1 : 2; /* or two letters swapped */
}

/* The next line after *cursor that is neither empty nor a '#' comment,
 * NUL-terminated in place without its "\r\n", or NULL at the end of the
 * data-file text; *lineno counts every line, for messages. Start with
 * *cursor = the text, *lineno = 0. */
char *es_text_data_line(char **cursor, long *lineno);

/* Splits line at tabs, in place, into at most max columns (the last one keeps
 * any further tabs); returns the number of columns. */
size_t es_text_split_tabs(char *line, char **cols, size_t max);

/* A growing string of parts joined by separators: the one buffer (es_buf),
 * so it grows by doubling like every other. Start it as {0}; the caller
 * frees s (NULL until a part is added). Once an allocation fails, oom is set
 * and later adds do nothing, so a run of adds is checked once at the end. */
typedef es_buf es_join;

/* Appends part, preceded by sep unless j is still empty. A NULL or empty part
 * adds nothing (not even the separator). */
void es_join_add(es_join *j, const char *sep, const char *part);

#endif
