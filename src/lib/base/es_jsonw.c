/* es_jsonw — JSON text into an es_buf (see es_jsonw.h). */
#include "es_jsonw.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "es_utf8.h"

/* Length of a valid UTF-8 sequence at s (max avail bytes), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t avail)
{
	unsigned char c = s[0];
	size_t need = c < 0x80 ? 1 : (c >= 0xC2 && c <= 0xDF) ? 2 : (c >= 0xE0 && c <= 0xEF) ? 3
		      : (c >= 0xF0 && c <= 0xF4) ? 4 : 0;
	if (!need || need > avail)
		return 0;
	return es_utf8_valid((const char *)s, need, NULL) ? need : 0;
}

/* The escape of an ASCII byte jansson escapes (c < 0x20, '"', '\\'), into
 * out[7]. */
static const char *escape(unsigned char c, char out[7])
{
	static const char hex[] = "0123456789ABCDEF";
	switch (c) {
	case '"':
		return "\\\"";
	case '\\':
		return "\\\\";
	case '\b':
		return "\\b";
	case '\f':
		return "\\f";
	case '\n':
		return "\\n";
	case '\r':
		return "\\r";
	case '\t':
		return "\\t";
	}
	memcpy(out, "\\u00", 4);
	out[4] = hex[c >> 4];
	out[5] = hex[c & 15];
	out[6] = '\0';
	return out;
}

/* The bytes written as they are: printable ASCII but '"' and '\\'. */
static const bool plain[256] = {
	[0x20] = 1, [0x21] = 1, [0x23 ... 0x5B] = 1, [0x5D ... 0x7E] = 1, [0x7F] = 1,
};

/* How many bytes from the start of u[0..n) are written as they are, eight at
 * a time (most names and list fields are plain ASCII). */
static size_t plain_prefix(const unsigned char *u, size_t n)
{
	const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, u + i, 8);
		uint64_t q = w ^ (ones * '"'), bs = w ^ (ones * '\\');
		/* a byte >= 0x80, one below 0x20, a '"' or a '\\' (a zero in q or bs) */
		uint64_t special = (w & highs) | ((w - ones * 0x20) & ~w & highs) | ((q - ones) & ~q & highs) |
				   ((bs - ones) & ~bs & highs);
		if (special)
			break;
	}
	return i;
}

bool es_jsonw_str(es_buf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	bool valid = true;
	es_buf_reserve(b, n + 2);
	es_buf_addc(b, '"');
	size_t run = 0; /* start of a run of bytes copied as they are */
	for (size_t i = plain_prefix(u, n); i < n;) {
		unsigned char c = u[i];
		if (plain[c]) {
			i++;
			continue;
		}
		size_t k = 1;
		char ubuf[7];
		const char *esc;
		if (c >= 0x80) {
			if ((k = utf8_seq(u + i, n - i))) {
				i += k;
				continue;
			}
			k = 1;
			esc = "\xEF\xBF\xBD";
			valid = false;
		} else {
			esc = escape(c, ubuf);
		}
		es_buf_add(b, s + run, i - run);
		es_buf_adds(b, esc);
		i += k;
		run = i;
	}
	es_buf_add(b, s + run, n - run);
	es_buf_addc(b, '"');
	return valid;
}

void es_jsonw_cstr(es_buf *b, const char *s)
{
	if (!s)
		es_buf_adds(b, "null");
	else
		es_jsonw_str(b, s, strlen(s));
}

/* jansson's jsonp_dtostr with precision 6, step for step. */
void es_jsonw_real(es_buf *b, double v)
{
	if (!isfinite(v)) {
		es_buf_adds(b, "null");
		return;
	}
	/* a score rounded to 4 places (most reals written): what "%.6g" gives,
	 * "0." and its digits without trailing zeros, "0.0" or "1.0" */
	if (v >= 0 && v <= 1 && !signbit(v)) {
		long k = lround(v * 10000);
		if ((double)k / 10000 == v) {
			if (k == 0 || k == 10000) {
				es_buf_adds(b, k ? "1.0" : "0.0");
				return;
			}
			char d[7] = {'0', '.', (char)('0' + k / 1000), (char)('0' + k / 100 % 10), (char)('0' + k / 10 % 10),
				     (char)('0' + k % 10), '\0'};
			size_t n = 6;
			while (d[n - 1] == '0')
				n--;
			es_buf_add(b, d, n);
			return;
		}
	}
	char s[40];
	size_t n = (size_t)snprintf(s, sizeof s - 3, "%.*g", 6, v);
	/* a locale's decimal comma back to a point, as jansson's from_locale */
	char *comma = memchr(s, ',', n);
	if (comma)
		*comma = '.';
	/* a dot or an 'e', or the text would read back as an integer */
	if (!memchr(s, '.', n) && !memchr(s, 'e', n)) {
		memcpy(s + n, ".0", 3);
		n += 2;
	}
	/* the exponent without its '+' and leading zeros: 1e+20 -> 1e20, 1e-05 -> 1e-5 */
	char *e = memchr(s, 'e', n);
	if (e) {
		char *start = e + 1, *end = e + 2;
		if (*start == '-')
			start++;
		while (*end == '0')
			end++;
		memmove(start, end, (size_t)(s + n - end) + 1);
		n -= (size_t)(end - start);
	}
	es_buf_add(b, s, n);
}

void es_jsonw_int(es_buf *b, long long v)
{
	es_buf_printf(b, "%lld", v);
}

void es_jsonw_json(es_buf *b, const json_t *v)
{
	const size_t flags = JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(6);
	/* the size first (json_dumpb writes nothing into a buffer too small) */
	size_t n = v ? json_dumpb(v, NULL, 0, flags) : 0;
	if (!n) {
		es_buf_adds(b, "null");
		return;
	}
	if (!es_buf_reserve(b, n))
		return;
	if (json_dumpb(v, b->s + b->len, n, flags) != n) {
		es_buf_adds(b, "null");
		return;
	}
	b->len += n;
	b->s[b->len] = '\0';
}
