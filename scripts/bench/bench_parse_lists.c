/* Benchmark: time and peak RSS to parse the bundled trade.gov CSL
 * (lists/us-csl/consolidated.csv.gz, 14,160 rows) or UN SC list
 * (lists/un-sc/consolidated.xml.gz, 1,003 entries) into an entity set.
 *   build/scripts/bench/bench_parse_lists [RUNS] [csl|un|FILE FORMAT]
 * Run one list per process so the peak RSS is that list's alone. Prints the
 * median and best wall time of RUNS parses. Not a test. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "es_country.h"
#include "es_parser.h"

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
	const char *which = argc > 2 ? argv[2] : "csl";
	const char *path = ES_LISTS_DIR "/us-csl/consolidated.csv.gz", *format = "csl_csv";
	es_source source = ES_SRC_US_CSL;
	if (strcmp(which, "un") == 0) {
		path = ES_LISTS_DIR "/un-sc/consolidated.xml.gz";
		format = "un_xml";
		source = ES_SRC_UN_SC;
	} else if (strcmp(which, "csl") != 0) {
		path = which;
		format = argc > 3 ? argv[3] : "";
	}
	if (runs < 1 || runs > 1000 || !es_parser_find(format)) {
		fprintf(stderr, "usage: %s [RUNS] [csl|un|FILE FORMAT]\n", argv[0]);
		return 2;
	}
	es_err err = {0};
	es_countries *ct = NULL;
	if (es_countries_load(&ct, ES_LISTS_DIR "/countries.tsv", &err) != ES_OK) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	double *ms = calloc((size_t)runs, sizeof *ms);
	if (!ms)
		return 1;
	size_t n = 0;
	for (int i = 0; i < runs; i++) {
		es_parse_input in = {.source = source, .path = path, .countries = ct, .lists_dir = ES_LISTS_DIR};
		es_entityset s;
		es_entityset_init(&s);
		es_parse_stats st;
		double t0 = now_ms();
		es_code rc = es_parse_into(es_parser_find(format), in, &s, &st, &err);
		ms[i] = now_ms() - t0;
		n = s.n;
		es_entityset_clear(&s);
		if (rc != ES_OK) {
			fprintf(stderr, "%s\n", err.msg);
			return 1;
		}
	}
	qsort(ms, (size_t)runs, sizeof *ms, cmp_d);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("%s (%s): %zu entries, %d runs, median %.1f ms, best %.1f ms, peak RSS %ld KiB\n", path, format, n,
	       runs, ms[runs / 2], ms[0], ru.ru_maxrss);
	free(ms);
	es_countries_free(ct);
	return 0;
}
