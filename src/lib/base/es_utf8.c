#include "es_utf8.h"

#include <stdint.h>
#include <unicode/uchar.h>
#include <unicode/utf8.h>

bool es_utf8_valid(const char *s, size_t len, size_t *bad_offset)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t i = 0;
	while (i < len) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		size_t start = i;
		UChar32 c;
		U8_NEXT_OR_FFFD(p, i, len, c);
		/* U8_NEXT_OR_FFFD gives U+FFFD for a bad sequence; a real U+FFFD is
		 * the three bytes EF BF BD. */
		if (c == 0xFFFD && !(i - start == 3 && p[start] == 0xEF && p[start + 1] == 0xBF && p[start + 2] == 0xBD)) {
			if (bad_offset)
				*bad_offset = start;
			return false;
		}
	}
	return true;
}

size_t es_utf8_count(const char *s, size_t len)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t i = 0, n = 0;
	while (i < len) {
		U8_FWD_1(p, i, len);
		n++;
	}
	return n;
}

size_t es_utf8_prefix_chars(const char *s, size_t len, size_t max_chars)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t i = 0, n = 0;
	while (i < len && n < max_chars) {
		U8_FWD_1(p, i, len);
		n++;
	}
	return i;
}

static size_t char_width(UChar32 c)
{
	if (c < 0x20 || (c >= 0x7F && c < 0xA0))
		return 0;
	int8_t gc = (int8_t)u_charType(c);
	if (gc == U_NON_SPACING_MARK || gc == U_ENCLOSING_MARK || gc == U_FORMAT_CHAR)
		return 0;
	int ea = u_getIntPropertyValue(c, UCHAR_EAST_ASIAN_WIDTH);
	return ea == U_EA_WIDE || ea == U_EA_FULLWIDTH ? 2 : 1;
}

size_t es_utf8_prefix_width(const char *s, size_t len, size_t max_cols, size_t *cols)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t i = 0, w = 0;
	while (i < len) {
		size_t next = i;
		UChar32 c;
		U8_NEXT_OR_FFFD(p, next, len, c);
		size_t cw = char_width(c);
		if (w + cw > max_cols)
			break;
		w += cw;
		i = next;
	}
	if (cols)
		*cols = w;
	return i;
}

size_t es_utf8_width(const char *s, size_t len)
{
	size_t w;
	es_utf8_prefix_width(s, len, (size_t)-1, &w);
	return w;
}

size_t es_utf8_prefix_bytes(const char *s, size_t len, size_t max_bytes)
{
	if (len <= max_bytes)
		return len;
	size_t i = max_bytes;
	/* back off continuation bytes, then the lead byte of a cut sequence */
	while (i > 0 && ((uint8_t)s[i] & 0xC0) == 0x80)
		i--;
	return i;
}
