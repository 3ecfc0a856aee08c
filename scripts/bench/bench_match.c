/* bench_match — matcher throughput, index vs exhaustive, and how the cost of
 * a query grows with the number of listed names. Not a test: it prints
 * medians, it asserts nothing.
 *
 *   bench_match [--queries FILE] [--write-queries FILE] [--n N] [--rounds R]
 *               [--threshold T] [--exhaustive-sample N] [--scale]
 *
 * Queries are FILE (one name per line) or generated from the bundled lists:
 * every k-th listed name with a deterministic variant (a typo, swapped
 * order, a dropped word, a legal form) plus as many clean-looking names made
 * of the lists' common words. --scale rebuilds the index with 2x and 4x the
 * names (generated variants of every listed name: two letters of every
 * other word altered, so new names share the common words of the real ones
 * without being near-duplicates of them) and times the same queries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "es_country.h"
#include "es_entity.h"
#include "es_io.h"
#include "es_listset.h"
#include "es_match.h"

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, dcmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static unsigned long long rng = 88172645463325252ull;
static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

/* A clerk's variant of a listed name. */
static void variant(const char *name, char *out, size_t cap, unsigned kind)
{
	char buf[512];
	snprintf(buf, sizeof buf, "%s", name);
	size_t n = strlen(buf);
	switch (kind % 4) {
	case 0: /* typo: swap two letters in the middle of the longest word */
		if (n > 6) {
			size_t i = n / 2;
			if (buf[i] != ' ' && buf[i + 1] != ' ') {
				char t = buf[i];
				buf[i] = buf[i + 1];
				buf[i + 1] = t;
			}
		}
		snprintf(out, cap, "%s", buf);
		break;
	case 1: { /* word order: last word first */
		char *sp = strrchr(buf, ' ');
		if (sp) {
			*sp = '\0';
			snprintf(out, cap, "%s %s", sp + 1, buf);
		} else {
			snprintf(out, cap, "%s", buf);
		}
		break;
	}
	case 2: /* legal form added */
		snprintf(out, cap, "%s Ltd", buf);
		break;
	default: /* lower case */
		for (size_t i = 0; i < n; i++)
			if (buf[i] >= 'A' && buf[i] <= 'Z')
				buf[i] = (char)(buf[i] + 32);
		snprintf(out, cap, "%s", buf);
	}
}

static const char *const given[] = {"John", "Maria", "Ahmed", "Olga", "Wei", "Peter", "Fatima", "Carlos", "Anna", "David"};
static const char *const family[] = {"Smith", "Garcia", "Miller", "Novak", "Rossi", "Schmidt", "Tanaka", "Silva", "Brown", "Wilson"};
static const char *const words[] = {"Alpine", "Northern", "Blue", "Precision", "Metro", "Coastal", "Summit", "Green", "Atlas", "Delta"};
static const char *const forms[] = {"GmbH", "Inc.", "Ltd", "LLC", "S.A.", "Co., Ltd.", "AG", "Corp."};

static char **gen_queries(const es_matcher *m, size_t want, size_t *n_out)
{
	size_t ne = es_matcher_count(m);
	char **q = calloc(want, sizeof *q);
	size_t n = 0;
	for (size_t i = 0; i < want / 2 && ne; i++) {
		es_rec r;
		es_matcher_entity(m, (i * 7919) % ne, &r);
		char buf[600];
		variant(r.name, buf, sizeof buf, (unsigned)i);
		q[n++] = strdup(buf);
	}
	while (n < want) {
		char buf[200];
		if (n % 2)
			snprintf(buf, sizeof buf, "%s %s", given[rnd(10)], family[rnd(10)]);
		else
			snprintf(buf, sizeof buf, "%s %s %s", words[rnd(10)], words[rnd(10)], forms[rnd(8)]);
		q[n++] = strdup(buf);
	}
	*n_out = n;
	return q;
}

static char **read_queries(const char *path, size_t *n_out)
{
	char *buf = NULL;
	size_t len = 0;
	es_err err = {0};
	if (es_read_file(path, 64u << 20, &buf, &len, &err) != ES_OK) {
		fprintf(stderr, "bench_match: %s\n", err.msg);
		exit(2);
	}
	size_t cap = 1024, n = 0;
	char **q = malloc(cap * sizeof *q);
	char *save = NULL;
	for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (n == cap)
			q = realloc(q, (cap *= 2) * sizeof *q);
		q[n++] = strdup(l);
	}
	free(buf);
	*n_out = n;
	return q;
}

typedef struct {
	double ms;
	double cand, scored;
	size_t found;
} run_result;

static run_result run(const es_matcher *m, char **q, size_t n, double threshold, bool exhaustive)
{
	es_hit hits[10];
	es_query_stats st;
	es_query qq = {.threshold = threshold, .limit = 10, .type = ES_TYPE_UNKNOWN, .exhaustive = exhaustive, .stats = &st};
	run_result r = {0};
	double t0 = now_ms();
	for (size_t i = 0; i < n; i++) {
		size_t nh = 0;
		memset(&st, 0, sizeof st);
		if (es_matcher_query(m, q[i], &qq, hits, 10, &nh, NULL) == ES_OK) {
			r.found += nh > 0;
			r.cand += (double)st.candidates;
			r.scored += (double)st.scored;
		}
	}
	r.ms = now_ms() - t0;
	r.cand /= (double)(n ? n : 1);
	r.scored /= (double)(n ? n : 1);
	return r;
}

/* Adds copies of every entity whose names have every other word altered. */
static void grow(es_entityset *set, size_t base_n, unsigned copy)
{
	for (size_t i = 0; i < base_n; i++) {
		const es_entity *e = set->items[i];
		es_entity *c = es_entity_new(e->source);
		if (!c)
			return;
		char id[64];
		snprintf(id, sizeof id, "%s-v%u", e->entry_id, copy);
		es_entity_set(&c->entry_id, id, strlen(id), NULL);
		es_entity_set(&c->list, e->list, e->list ? strlen(e->list) : 0, NULL);
		c->type = e->type;
		for (size_t k = 0; k < e->n_names; k++) {
			char buf[ES_MAX_NAME];
			snprintf(buf, sizeof buf, "%s", e->names[k].name);
			int w = 0;
			for (char *p = buf; *p; p++) {
				if (*p == ' ') {
					w++;
					continue;
				}
				/* two letters of every other word: a different word, not a
				 * near-duplicate the matcher would rightly have to score */
				if (w % 2 == 0 && (p == buf || p[-1] == ' ') && p[1] && p[1] != ' ') {
					p[1] = (char)('a' + (p[1] + (int)copy * 7) % 26);
					if (p[2] && p[2] != ' ' && p[3] && p[3] != ' ')
						p[3] = (char)('a' + (p[3] + (int)copy * 11) % 26);
				}
			}
			if (k == 0)
				es_entity_set_name(c, buf, strlen(buf), NULL);
			else
				es_entity_add_name(c, buf, strlen(buf), e->names[k].kind, e->names[k].strength, NULL, NULL);
		}
		if (!c->name) {
			es_entity_free(c);
			continue;
		}
		es_entityset_add(set, c, NULL);
	}
}

static long rss_kb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

int main(int argc, char **argv)
{
	const char *qfile = NULL, *wfile = NULL;
	size_t want = 4000;
	int rounds = 5;
	double threshold = ES_MATCH_DEFAULT_THRESHOLD;
	size_t ex_sample = 200;
	bool scale = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--queries") == 0 && i + 1 < argc)
			qfile = argv[++i];
		else if (strcmp(argv[i], "--write-queries") == 0 && i + 1 < argc)
			wfile = argv[++i];
		else if (strcmp(argv[i], "--n") == 0 && i + 1 < argc)
			want = (size_t)atol(argv[++i]);
		else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
			rounds = atoi(argv[++i]);
		else if (strcmp(argv[i], "--threshold") == 0 && i + 1 < argc)
			threshold = atof(argv[++i]);
		else if (strcmp(argv[i], "--exhaustive-sample") == 0 && i + 1 < argc)
			ex_sample = (size_t)atol(argv[++i]);
		else if (strcmp(argv[i], "--scale") == 0)
			scale = true;
		else {
			fprintf(stderr, "usage: bench_match [--queries FILE] [--write-queries FILE] [--n N] [--rounds R] "
					"[--threshold T] [--exhaustive-sample N] [--scale]\n");
			return 2;
		}
	}
	if (rounds < 1 || rounds > 100)
		rounds = 5;
	es_err err = {0};
	es_listset *ls = NULL;
	es_countries *ct = NULL;
	char *cpath = es_path_join(ES_LISTS_DIR, "countries.tsv");
	if (es_listset_open(&ls, NULL, ES_LISTS_DIR, &err) != ES_OK || es_countries_load(&ct, cpath, &err) != ES_OK) {
		fprintf(stderr, "bench_match: %s\n", err.msg);
		return 3;
	}
	free(cpath);
	double t0 = now_ms();
	es_matcher *m = NULL;
	if (es_matcher_open(&m, ls, ct, ES_LISTS_DIR, &err) != ES_OK) {
		fprintf(stderr, "bench_match: %s\n", err.msg);
		return 3;
	}
	double open_ms = now_ms() - t0;
	size_t nq = 0;
	char **q = qfile ? read_queries(qfile, &nq) : gen_queries(m, want, &nq);
	if (wfile) {
		FILE *f = fopen(wfile, "w");
		for (size_t i = 0; f && i < nq; i++)
			fprintf(f, "%s\n", q[i]);
		if (f)
			fclose(f);
	}
	printf("lists: %zu entities, %zu names; matcher open %.1f ms; %zu queries; threshold %.2f\n",
	       es_matcher_count(m), es_matcher_name_count(m), open_ms, nq, threshold);

	double *qps = calloc((size_t)rounds, sizeof *qps);
	run_result last = {0};
	(void)run(m, q, nq < 200 ? nq : 200, threshold, false); /* warm up */
	for (int r = 0; r < rounds; r++) {
		/* each round on a matcher of its own: what a query stream meets
		 * the first time (the cache of key lookups, es_termcache, starts
		 * empty), not the same names a second time */
		es_matcher *mr = NULL;
		if (es_matcher_open(&mr, ls, ct, ES_LISTS_DIR, &err) != ES_OK) {
			fprintf(stderr, "bench_match: %s\n", err.msg);
			return 3;
		}
		last = run(mr, q, nq, threshold, false);
		qps[r] = (double)nq / (last.ms / 1000.0);
		es_matcher_free(mr);
	}
	double idx_qps = median(qps, rounds);
	printf("index:      median %.0f names/s over %d rounds (%.1f us/name); %.0f candidates, %.0f scored per name; "
	       "%zu of %zu names with a hit\n",
	       idx_qps, rounds, 1e6 / idx_qps, last.cand, last.scored, last.found, nq);

	size_t ns = ex_sample < nq ? ex_sample : nq;
	if (ns) {
		run_result ex = run(m, q, ns, threshold, true);
		run_result ix = run(m, q, ns, threshold, false);
		double ex_qps = (double)ns / (ex.ms / 1000.0), ix_qps = (double)ns / (ix.ms / 1000.0);
		printf("exhaustive: %.0f names/s on %zu names (%zu with a hit; index: %zu) -> index is %.0fx faster\n",
		       ex_qps, ns, ex.found, ix.found, ix_qps / ex_qps);
	}
	printf("peak RSS: %ld KB\n", rss_kb());

	if (scale) {
		es_entityset set;
		es_entityset_init(&set);
		es_listset_parse_opts po = {.countries = ct, .out = &set};
		if (es_listset_parse_all(ls, &po, &err) != ES_OK) {
			fprintf(stderr, "bench_match: %s\n", err.msg);
			return 3;
		}
		size_t base_n = set.n;
		for (unsigned f = 1; f <= 4; f *= 2) {
			while (set.n < base_n * f)
				grow(&set, base_n, (unsigned)(set.n / base_n));
			es_matcher *sm = NULL;
			if (es_matcher_from_entities(&sm, &set, ES_LISTS_DIR, &err) != ES_OK) {
				fprintf(stderr, "bench_match: %s\n", err.msg);
				return 3;
			}
			double v[16];
			int rr = rounds < 16 ? rounds : 16;
			run_result rres = {0};
			for (int r = 0; r < rr; r++) {
				rres = run(sm, q, nq, threshold, false);
				v[r] = rres.ms * 1000.0 / (double)nq;
			}
			printf("scale %ux: %zu entities, %zu names: median %.1f us/name, %.0f candidates, %.0f scored\n", f,
			       es_matcher_count(sm), es_matcher_name_count(sm), median(v, rr), rres.cand, rres.scored);
			es_matcher_free(sm);
		}
		es_entityset_clear(&set);
		printf("peak RSS after scaling: %ld KB\n", rss_kb());
	}
	for (size_t i = 0; i < nq; i++)
		free(q[i]);
	free(q);
	free(qps);
	es_matcher_free(m);
	es_countries_free(ct);
	es_listset_free(ls);
	return 0;
}
