/* bench_filter — throughput and peak memory of the filter stream.
 *
 *   bench_filter [N] [distinct|mix]
 *
 * Generates N JSON Lines orders (three parties each: buyer, ship-to, end user,
 * invented names across many countries, a few items). "distinct" (default, worst
 * case): every party name is new. "mix": buyers come from a pool of 200 resellers
 * and the ship-to is the end user in 60 % of orders, as in real order streams
 * (and the dev scenarios). Then it screens them with the
 * real matcher and rules exactly as `exportscreen filter` does, writing to
 * /dev/null. Prints orders/s on one core and the peak RSS, so running it with
 * N = 10,000 and N = 1,000,000 shows whether memory stays flat. Not a test. */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "es_country.h"
#include "es_filter.h"
#include "es_io.h"
#include "es_listset.h"
#include "es_match.h"
#include "es_rules.h"

static unsigned long long rng = 88172645463325252ull;
static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static const char *const syl[] = {"ka", "lo", "ven", "tri", "mar", "sol", "ber", "dan", "ri", "tek", "no",
				  "va", "zen", "pol", "gra", "fin", "ost", "wel", "ama", "cor"};
static const char *const forms[] = {"GmbH", "Ltd", "LLC", "S.A.", "Oy", "Pte Ltd", "Sdn Bhd", "Co., Ltd.", "AG", "SAS"};
static const char *const words[] = {"Networks", "Systems", "Foods", "Logic", "Dairy", "Textiles", "Hotels",
				    "Printing", "Clinic", "Software", "Bakery", "Motors"};
static const char *const cc[] = {"DE", "FR", "IN", "BR", "JP", "SG", "MY", "TR", "AE", "MX", "ZA", "NL",
				 "IT", "ES", "KR", "TW", "VN", "CL", "PL", "SE"};
static const char *const items[] = {
	"{\"sku\":\"AP45\",\"eccn\":\"5A992.c\",\"enc\":\"mass_market\",\"quantity\":10}",
	"{\"sku\":\"SRX345\",\"eccn\":\"5A002.a\",\"enc\":\"b1\",\"quantity\":2}",
	"{\"sku\":\"MX204\",\"eccn\":\"5A002.a\",\"enc\":\"b2\",\"quantity\":1}",
	"{\"sku\":\"PSU\",\"eccn\":\"EAR99\",\"enc\":\"none\",\"quantity\":4}",
};

static void name(char *out, size_t cap)
{
	char w[64] = "";
	int ns = 2 + (int)rnd(2);
	for (int i = 0; i < ns; i++)
		strcat(w, syl[rnd(20)]);
	w[0] = (char)(w[0] - 32);
	snprintf(out, cap, "%s %s %s", w, words[rnd(12)], forms[rnd(10)]);
}

static void party_named(FILE *f, const char *role, const char *country, const char *n)
{
	fprintf(f,
		"{\"role\":\"%s\",\"name\":\"%s\",\"address\":\"%u Main Street\",\"city\":\"Town%u\","
		"\"region\":\"\",\"postal_code\":\"%05u\",\"country\":\"%s\",\"type\":\"commercial\"}",
		role, n, rnd(500) + 1, rnd(90), rnd(99999), country);
}

static void party(FILE *f, const char *role, const char *country)
{
	char n[128];
	name(n, sizeof n);
	party_named(f, role, country, n);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100000;
	bool mix = argc > 2 && strcmp(argv[2], "mix") == 0;
	const char *keep = getenv("BENCH_KEEP");
	static char pool[200][128];
	for (int i = 0; i < 200; i++)
		name(pool[i], sizeof pool[i]);
	char path[] = "/tmp/bench_filter_XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0 || n <= 0)
		return 1;
	FILE *f = fdopen(fd, "w");
	for (long i = 0; i < n; i++) {
		const char *c = cc[rnd(20)];
		fprintf(f, "{\"order_id\":\"B-%ld\",\"destination\":\"%s\",\"parties\":[", i, c);
		if (mix) {
			char eu[128];
			name(eu, sizeof eu);
			party_named(f, "buyer", cc[rnd(20)], pool[rnd(200)]);
			fputc(',', f);
			if (rnd(10) < 6)
				party_named(f, "ship_to", c, eu);
			else
				party(f, "ship_to", c);
			fputc(',', f);
			party_named(f, "end_user", c, eu);
		} else {
			party(f, "buyer", cc[rnd(20)]);
			fputc(',', f);
			party(f, "ship_to", c);
			fputc(',', f);
			party(f, "end_user", c);
		}
		fprintf(f, "],\"items\":[%s,%s]}\n", items[rnd(4)], items[rnd(4)]);
	}
	fclose(f);

	es_err err = {0};
	es_listset *ls = NULL;
	es_countries *countries = NULL;
	es_rules *rules = NULL;
	es_matcher *m = NULL;
	es_filter *flt = NULL;
	char *cpath = es_path_join(ES_LISTS_DIR, "countries.tsv");
	if (es_listset_open(&ls, NULL, ES_LISTS_DIR, &err) != ES_OK ||
	    es_countries_load(&countries, cpath, &err) != ES_OK || es_rules_load(&rules, ES_LISTS_DIR, &err) != ES_OK ||
	    es_matcher_open(&m, ls, countries, ES_LISTS_DIR, &err) != ES_OK) {
		fprintf(stderr, "bench_filter: %s\n", err.msg);
		return 1;
	}
	free(cpath);
	(void)es_matcher_settle(m); /* as `exportscreen filter` does */
	es_filter_config cfg = {.rules = rules, .countries = countries, .matcher = getenv("BENCH_NO_MATCHER") ? NULL : m, .list_version = ls->set_hash,
				.allow_stale = true, .max_age_days = 7, .format = ES_FMT_JSONL};
	if (es_filter_new(&flt, &cfg, &err) != ES_OK) {
		fprintf(stderr, "bench_filter: %s\n", err.msg);
		return 1;
	}
	struct rusage ru0;
	getrusage(RUSAGE_SELF, &ru0);
	FILE *out = keep ? fopen(keep, "w") : fopen("/dev/null", "w");
	int in = open(path, O_RDONLY);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	es_filter_stats st;
	es_code rc = es_filter_run(flt, in, out, &st, &err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fclose(out);
	close(in);
	unlink(path);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	double cpu = (double)(ru.ru_utime.tv_sec - ru0.ru_utime.tv_sec) +
		     (double)(ru.ru_utime.tv_usec - ru0.ru_utime.tv_usec) / 1e6;
	printf("mode=%s orders=%ld parties=%ld rc=%d wall=%.2fs cpu=%.2fs orders_per_s=%.0f orders_per_cpu_s=%.0f "
	       "peak_rss_kb=%ld "
	       "rss_before_run_kb=%ld clear=%zu review=%zu license=%zu prohibited=%zu error=%zu\n",
	       mix ? "mix" : "distinct", n, n * 3, (int)rc, s, cpu, (double)n / s, (double)n / cpu, ru.ru_maxrss, ru0.ru_maxrss, st.by_decision[ES_DEC_CLEAR],
	       st.by_decision[ES_DEC_REVIEW], st.by_decision[ES_DEC_LICENSE], st.by_decision[ES_DEC_PROHIBITED],
	       st.by_decision[ES_DEC_ERROR]);
	es_filter_free(flt);
	es_matcher_free(m);
	es_rules_free(rules);
	es_countries_free(countries);
	es_listset_free(ls);
	return rc == ES_OK ? 0 : 1;
}
