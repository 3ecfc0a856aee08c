#include "es_date.h"

#include <stdio.h>

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

bool es_date_valid(int y, int m, int d)
{
	static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1)
		return false;
	int max = mdays[m - 1] + (m == 2 && leap(y));
	return d <= max;
}

static bool digits(const char *s, size_t n, int *out)
{
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

size_t es_date_parse_iso_prefix(const char *s, size_t len, es_date *out)
{
	es_date d;
	if (len < 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4, &d.y) || !digits(s + 5, 2, &d.m) ||
	    !digits(s + 8, 2, &d.d) || !es_date_valid(d.y, d.m, d.d))
		return 0;
	if (len > 10 && s[10] >= '0' && s[10] <= '9')
		return 0;
	*out = d;
	return 10;
}

bool es_date_parse_iso(const char *s, size_t len, es_date *out)
{
	return len == 10 && es_date_parse_iso_prefix(s, len, out) == 10;
}

bool es_date_parse_us(const char *s, size_t len, es_date *out)
{
	es_date d;
	if (len != 10 || s[2] != '/' || s[5] != '/' || !digits(s, 2, &d.m) || !digits(s + 3, 2, &d.d) ||
	    !digits(s + 6, 4, &d.y) || !es_date_valid(d.y, d.m, d.d))
		return false;
	*out = d;
	return true;
}

bool es_date_parse_dmy(const char *s, size_t len, es_date *out)
{
	es_date d;
	if (len != 10 || s[2] != '/' || s[5] != '/' || !digits(s, 2, &d.d) || !digits(s + 3, 2, &d.m) ||
	    !digits(s + 6, 4, &d.y) || !es_date_valid(d.y, d.m, d.d))
		return false;
	*out = d;
	return true;
}

es_date es_date_partial(int y, int m, int d)
{
	es_date r = {y, 0, 0};
	if (m >= 1 && m <= 12) {
		r.m = m;
		if (es_date_valid(y >= 1 && y <= 9999 ? y : 2000, m, d))
			r.d = d;
	}
	return r;
}

bool es_date_parse_partial_iso(const char *s, size_t len, es_date *out)
{
	int y, m = 0, d = 0;
	if (len < 4 || !digits(s, 4, &y))
		return false;
	if (len >= 7 && s[4] == '-' && digits(s + 5, 2, &m) && len >= 10 && s[7] == '-')
		digits(s + 8, 2, &d);
	*out = es_date_partial(y, m, d);
	return true;
}

bool es_date_parse_partial_dmy(const char *s, size_t len, es_date *out)
{
	int y, m, d;
	if (len < 10 || s[2] != '/' || s[5] != '/' || !digits(s, 2, &d) || !digits(s + 3, 2, &m) ||
	    !digits(s + 6, 4, &y))
		return false;
	*out = es_date_partial(y, m, d);
	return true;
}

int64_t es_date_days(es_date d)
{
	/* days from civil (H. Hinnant's algorithm) */
	int64_t y = d.y - (d.m <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t mp = (d.m + 9) % 12;
	int64_t doy = (153 * mp + 2) / 5 + d.d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void es_date_format(es_date d, char out[11])
{
	snprintf(out, 11, "%04u-%02u-%02u", (unsigned)d.y % 10000u, (unsigned)d.m % 100u, (unsigned)d.d % 100u);
}
