#include "es_text.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/uscript.h>
#include <unicode/utf8.h>

void es_text_trim(const char **s, size_t *n)
{
	while (*n && isspace((unsigned char)**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n && isspace((unsigned char)(*s)[*n - 1]))
		(*n)--;
}

char *es_text_trimdup(const char *s)
{
	size_t len = strlen(s);
	es_text_trim(&s, &len);
	return len ? strndup(s, len) : NULL;
}

const char *es_text_script(const char *s)
{
	int32_t i = 0, n = (int32_t)strlen(s);
	while (i < n) {
		UChar32 ch;
		U8_NEXT(s, i, n, ch);
		if (ch < 0x80) /* ASCII, or a malformed sequence (U8_NEXT gives a negative value) */
			continue;
		UErrorCode st = U_ZERO_ERROR;
		UScriptCode sc = uscript_getScript(ch, &st);
		if (U_FAILURE(st) || sc == USCRIPT_COMMON || sc == USCRIPT_INHERITED || sc == USCRIPT_LATIN)
			continue;
		return uscript_getName(sc);
	}
	return NULL;
}

void es_join_add(es_join *j, const char *sep, const char *part)
{
	if (!part || !*part)
		return;
	if (j->len)
		es_buf_adds(j, sep);
	es_buf_adds(j, part);
}

size_t es_text_split_tabs(char *line, char **cols, size_t max)
{
	size_t n = 0;
	char *s = line;
	while (n < max) {
		cols[n++] = s;
		char *t = strchr(s, '\t');
		if (!t)
			break;
		*t = '\0';
		s = t + 1;
	}
	return n;
}

/* The next line after *cursor that is neither empty nor a '#' comment,
 * NUL-terminated in place without its "\r\n", or NULL at the end of the
 * file; *lineno counts every line, for messages. */
char *es_text_data_line(char **cursor, long *lineno)
{
	for (char *line = *cursor; line && *line; line = *cursor) {
		(*lineno)++;
		char *next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		*cursor = next;
		size_t n = strlen(line);
		if (n && line[n - 1] == '\r')
			line[--n] = '\0';
		if (n && line[0] != '#')
			return line;
	}
	return NULL;
}
