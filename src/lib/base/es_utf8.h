/* es_utf8 — the one UTF-8 walker (ICU's U8_* macros): validation, counting
 * and cutting by characters or by display width, never inside a sequence. */
#ifndef ES_UTF8_H
#define ES_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* True when s[0..len) is well-formed UTF-8 (no overlongs, surrogates or code
 * points above U+10FFFF); otherwise *bad_offset (when non-NULL) is the byte
 * offset of the first bad sequence. */
bool es_utf8_valid(const char *s, size_t len, size_t *bad_offset);

/* Number of code points in valid UTF-8 s[0..len). */
size_t es_utf8_count(const char *s, size_t len);

/* The longest prefix of valid UTF-8 s[0..len) holding at most max_chars code
 * points, in bytes. */
size_t es_utf8_prefix_chars(const char *s, size_t len, size_t max_chars);

/* The longest prefix of valid UTF-8 s[0..len) whose terminal display width is
 * at most max_cols (East Asian wide and fullwidth characters count 2,
 * combining marks and format characters 0), in bytes; *cols (when non-NULL)
 * gets the prefix's width. */
size_t es_utf8_prefix_width(const char *s, size_t len, size_t max_cols, size_t *cols);

/* Display width of valid UTF-8 s[0..len), as es_utf8_prefix_width counts it. */
size_t es_utf8_width(const char *s, size_t len);

/* The longest prefix of s[0..len) of at most max_bytes bytes that does not
 * end inside a UTF-8 sequence, in bytes. */
size_t es_utf8_prefix_bytes(const char *s, size_t len, size_t max_bytes);

#endif
