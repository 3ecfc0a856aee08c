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

/* Days since 1970-01-01 (negative before). */
int64_t es_date_days(es_date d);

/* Writes "YYYY-MM-DD" and a NUL to out. */
void es_date_format(es_date d, char out[11]);

#endif
