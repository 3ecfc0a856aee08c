/* es_date — the one date parser: calendar dates that exist, nothing else.
 * 2026-02-31 and 2025-02-29 are rejected; 2024-02-29 is a date. */
#ifndef ES_DATE_H
#define ES_DATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
	int y, m, d;
} es_date;

/* True when (y, m, d) is a real day of the proleptic Gregorian calendar
 * between years 1 and 9999. */
bool es_date_valid(int y, int m, int d);

/* Parses exactly "YYYY-MM-DD" (s[0..len), no trailing text). */
bool es_date_parse_iso(const char *s, size_t len, es_date *out);

/* Parses "YYYY-MM-DD" at the start of s and returns the number of bytes read
 * (10) or 0; what follows is the caller's (a time, say). */
size_t es_date_parse_iso_prefix(const char *s, size_t len, es_date *out);

/* Parses US "MM/DD/YYYY" exactly. */
bool es_date_parse_us(const char *s, size_t len, es_date *out);

/* Parses "DD/MM/YYYY" exactly (UK and EU lists). */
bool es_date_parse_dmy(const char *s, size_t len, es_date *out);

/* ---- partial dates, as lists write dates of birth ----
 * A list may give a bare year, a year and month, or "00" for an unknown
 * part. These keep what is there and never keep a part that cannot be:
 * the month only when 1..12, the day only when the whole date exists
 * (2026-02-31 keeps 2026-02; with no usable year a leap year is assumed,
 * so 29 February stays). The year is the caller's to bound. */

/* y, m, d with impossible parts set to 0 as described above. */
es_date es_date_partial(int y, int m, int d);

/* "YYYY", "YYYY-MM" or "YYYY-MM-DD" at the start of s[0..len) (four digits,
 * then two and two; what follows is the caller's). False without the
 * four-digit year. */
bool es_date_parse_partial_iso(const char *s, size_t len, es_date *out);

/* "DD/MM/YYYY" (two, two and four digits, "00" for an unknown part) at the
 * start of s[0..len). False unless the whole pattern is there. */
bool es_date_parse_partial_dmy(const char *s, size_t len, es_date *out);

/* Days since 1970-01-01 (negative before). */
int64_t es_date_days(es_date d);

/* Writes "YYYY-MM-DD" and a NUL to out. */
void es_date_format(es_date d, char out[11]);

#endif
