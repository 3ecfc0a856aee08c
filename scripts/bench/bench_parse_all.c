/* Benchmark: time and peak memory to parse every source of the list set in
 * use (the bundled snapshot by default) into entities.
 *   build/scripts/bench/bench_parse_all [RUNS]
 * Prints per-source entries and milliseconds, then the median total and the
 * peak RSS of the process, with every source's entities in memory at once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "es_country.h"
#include "es_listset.h"

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 5;
	if (runs < 1 || runs > 100)
		runs = 5;
	const char *ld = getenv("EXPORTSCREEN_LISTS_DIR");
	const char *lists = ld && *ld ? ld : ES_LISTS_DIR;
	es_err err = {0};
	es_listset *ls;
	es_countries *cs;
	char path[4096];
	snprintf(path, sizeof path, "%s/countries.tsv", lists);
	if (es_countries_load(&cs, path, &err) != ES_OK ||
	    es_listset_open(&ls, getenv("EXPORTSCREEN_DATA"), lists, &err) != ES_OK) {
		fprintf(stderr, "bench_parse_all: %s\n", err.msg);
		return 1;
	}
	double totals[100];
	for (int r = 0; r < runs; r++) {
		double t0 = now_ms();
		/* all sources stay in memory together, as when the index is built */
		es_entityset set;
		es_entityset_init(&set);
		for (size_t i = 0; i < ls->manifest.n_sources; i++) {
			size_t before = set.n;
			es_parse_stats st = {0};
			double s0 = now_ms();
			es_listset_parse_opts po = {.countries = cs, .out = &set};
			if (es_listset_parse_source(ls, &ls->manifest.sources[i], &po, &st, &err) != ES_OK) {
				fprintf(stderr, "bench_parse_all: %s\n", err.msg);
				return 1;
			}
			if (r == 0)
				printf("%-10s %7zu entries  %7.1f ms  (bad %zu)\n",
				       es_source_id(ls->manifest.sources[i].source), set.n - before, now_ms() - s0,
				       st.bad);
		}
		totals[r] = now_ms() - t0;
		if (r == 0)
			printf("all        %7zu entries\n", set.n);
		es_entityset_clear(&set);
	}
	qsort(totals, (size_t)runs, sizeof totals[0], cmp_d);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("parse all sources: median %.1f ms over %d runs (min %.1f, max %.1f); peak RSS %.1f MB\n",
	       totals[runs / 2], runs, totals[0], totals[runs - 1], ru.ru_maxrss / 1024.0);
	es_listset_free(ls);
	es_countries_free(cs);
	return 0;
}
