/* es_score: token similarity, alignment and the calibrated name score
 * (through es_compare_names, which weighs every word alike). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "es_match.h"
#include "es_normalize.h"
#include "es_score.h"
#include "es_text.h"

static es_normalizer *nz;

static int setup(void **state)
{
	(void)state;
	es_err err = {0};
	return es_normalizer_open(&nz, ES_LISTS_DIR, &err) == ES_OK ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	es_normalizer_free(nz);
	return 0;
}

static double cmp(const char *a, const char *b, es_type t)
{
	double s = -1;
	es_err err = {0};
	size_t n = 0;
	assert_int_equal(es_compare_names(nz, a, b, t, &s, NULL, 0, &n, &err), ES_OK);
	return s;
}

static es_stok word(const char *w)
{
	es_stok t = {w, w, (uint8_t)strlen(w), (uint8_t)strlen(w), ES_TK_WORD, 0, 1.0f, 0, 0, 0};
	return t;
}

static void test_identical_is_one(void **state)
{
	(void)state;
	assert_true(cmp("MOUNT HEBRON FUND", "Mount Hebron Fund", ES_TYPE_UNKNOWN) == 1.0);
	assert_true(cmp("ATWA, Ali", "Ali Atwa", ES_TYPE_PERSON) == 1.0);
	assert_true(cmp("Huawei Technologies Co., Ltd.", "HUAWEI TECHNOLOGIES CO LTD", ES_TYPE_ENTITY) == 1.0);
}

static void test_token_similarity(void **state)
{
	(void)state;
	es_stok a = word("hebron"), b = word("hebrpn"), c = word("bush"), d = word("bash");
	double s = es_token_sim(&a, &b);
	assert_true(s > 0.8 && s < 1.0);
	/* one edit in a word of 3 to 5 letters is a partial match: a
	 * transposition, a deletion or a substitution after the first letter */
	double bb = es_token_sim(&c, &d);
	assert_true(bb > 0.6 && bb < 0.75); /* a substitution in 4 letters */
	es_stok si = word("sian"), sn = word("sina"), v1 = word("vbt"), v2 = word("vtb"), y1 = word("yng"),
		y2 = word("yong"), r1 = word("rmai"), r2 = word("rami");
	assert_true(es_token_sim(&si, &sn) > 0.83 && es_token_sim(&si, &sn) < 0.9);
	assert_true(es_token_sim(&v1, &v2) > 0.75 && es_token_sim(&v1, &v2) < 0.85);
	assert_true(es_token_sim(&y1, &y2) > 0.75 && es_token_sim(&y1, &y2) < 0.85);
	assert_true(es_token_sim(&r1, &r2) > 0.83); /* the first letter moved */
	/* the first letter of a short word substituted: mostly another name */
	es_stok e = word("dario"), f = word("mario"), k1 = word("kim"), k2 = word("lim");
	assert_true(es_token_sim(&e, &f) > 0.0 && es_token_sim(&e, &f) < 0.65);
	assert_true(es_token_sim(&k1, &k2) < 0.4);
	/* words of one or two letters, and two edits in five, never */
	es_stok a2 = word("ab"), b2 = word("ba"), h1 = word("hamas"), h2 = word("hasma");
	assert_true(es_token_sim(&a2, &b2) == 0.0);
	assert_true(es_token_sim(&h1, &h2) == 0.0);
	/* two edits from six letters */
	es_stok t1 = word("harbin"), t2 = word("hrabni");
	assert_true(es_token_sim(&t1, &t2) > 0.6 && es_token_sim(&t1, &t2) < 0.7);
	es_stok g = word("technomar"), h = word("technomxar");
	assert_true(es_token_sim(&g, &h) > 0.85);
	/* numbers only match exactly */
	es_stok n1 = {"140", "140", 3, 3, ES_TK_NUM, 0, 1.0f, 0, 0, 0}, n2 = {"141", "141", 3, 3, ES_TK_NUM, 0, 1.0f, 0, 0, 0};
	assert_true(es_token_sim(&n1, &n2) == 0.0);
}

static void test_field_failures_stay_low(void **state)
{
	(void)state;
	/* a legal form alone is not a match for a company with that legal form */
	assert_true(cmp("CORP", "SINOTECH CORP", ES_TYPE_UNKNOWN) < 0.5);
	/* a shared first name is not a match */
	assert_true(cmp("George Bush", "George Habbash", ES_TYPE_PERSON) < 0.6);
	/* a generic alias shape does not match any group */
	assert_true(cmp("The Smith Group", "The Jones Group", ES_TYPE_UNKNOWN) < 0.5);
	/* different numbers */
	assert_true(cmp("140 Repair Plant", "141 Repair Plant", ES_TYPE_UNKNOWN) < 0.8);
	/* a number left over that is the same as one that aligned is not another
	 * number ("11" twice in the listed name): only the words count */
	double twice = cmp("Kestrel 11 Research Institute", "Kestrel 11 Research Institute (Kestrel 11 RI)",
			   ES_TYPE_ENTITY);
	double other = cmp("Kestrel 11 Research Institute", "Kestrel 11 Research Institute (Kestrel 12 RI)",
			   ES_TYPE_ENTITY);
	assert_true(twice > other + 0.1);
}

static void test_variants_stay_high(void **state)
{
	(void)state;
	assert_true(cmp("MOUNT HEBRPN FUND", "MOUNT HEBRON FUND", ES_TYPE_UNKNOWN) > 0.9);
	assert_true(cmp("Pedro Claver Mejia Salazar", "MEJIA SALAZAR, Pedro Claver", ES_TYPE_PERSON) == 1.0);
	assert_true(cmp("SINOTECH INDUSTRY", "SINOTECH INDUSTRY CO., LTD.", ES_TYPE_ENTITY) > 0.9);
	assert_true(cmp("DEIRY, Mohammad Majd", "DEIRY, Mohamad Majd", ES_TYPE_PERSON) > 0.97);
	assert_true(cmp("Abdulrahman Al-Jamal", "Abdul Rahman Al-Jamal", ES_TYPE_PERSON) > 0.9);
}

/* Words written together align within one edit, which the index's pair
 * keys reach exactly; two edits apart they are different words. */
static void test_compounds_within_one_edit(void **state)
{
	(void)state;
	assert_true(cmp("Abdulrahmanov Khalil", "ABDUL RAHMANOV, Khalil", ES_TYPE_PERSON) > 0.95);
	assert_true(cmp("Abdulrahmanow Khalil", "ABDUL RAHMANOV, Khalil", ES_TYPE_PERSON) > 0.95); /* w = v */
	assert_true(cmp("Abdulrahmonov Khalil", "ABDUL RAHMANOV, Khalil", ES_TYPE_PERSON) > 0.9);
	assert_true(cmp("Abdulrahmonav Khalil", "ABDUL RAHMANOV, Khalil", ES_TYPE_PERSON) < ES_MATCH_DEFAULT_THRESHOLD);
}

static void test_middle_names_and_given_names(void **state)
{
	(void)state;
	/* a left-out middle name costs less than a different given name */
	double drop = cmp("Kellen Johnson", "Kellen Lamon Johnson", ES_TYPE_PERSON);
	double other = cmp("Efrain Johnson", "Kellen Lamon Johnson", ES_TYPE_PERSON);
	assert_true(drop > 0.8);
	assert_true(other < 0.6);
	assert_true(drop > other + 0.2);
}

static void test_middle_names_left_out_or_initialled(void **state)
{
	(void)state;
	/* first and last name exact, nothing added: two left-out middle names
	 * cost 0.25 each (0.833 with 0.4) */
	double two = cmp("HAMSHO, Ahmad", "HAMSHO, Ahmad Sabir Mohammed", ES_TYPE_PERSON);
	assert_true(two > 0.88);
	/* a word added, or the first name only similar: 0.4 as before */
	assert_true(cmp("HAMSHO, Ahmad Ali", "HAMSHO, Ahmad Sabir Mohammed", ES_TYPE_PERSON) < 0.8);
	assert_true(cmp("HAMSHO, Ahmar", "HAMSHO, Ahmad Sabir Mohammed", ES_TYPE_PERSON) < 0.81);
	assert_true(cmp("HAMSHO Holding, Ahmad", "HAMSHO, Ahmad Sabir Mohammed", ES_TYPE_PERSON) < 0.85);
	/* an initial for a middle name is never worse than leaving it out */
	double init = cmp("Akhmed M. DUDAEV", "DUDAEV, Akhmed Makhmudovich", ES_TYPE_PERSON);
	double left = cmp("Akhmed DUDAEV", "DUDAEV, Akhmed Makhmudovich", ES_TYPE_PERSON);
	assert_true(init >= left - 1e-9);
	assert_true(init > 0.9);
	/* another initial is still a different middle name */
	assert_true(cmp("Akhmed K. DUDAEV", "DUDAEV, Akhmed Makhmudovich", ES_TYPE_PERSON) < left);
}

static void test_surnames_titles_and_either_way(void **state)
{
	(void)state;
	/* a second surname left out is a middle name left out, when the first
	 * (or the family name after a particle) aligns and the other name adds
	 * no word of its own */
	assert_true(cmp("Felipe ALEJOS", "ALEJOS LORENZANA, Felipe", ES_TYPE_PERSON) > 0.9);
	assert_true(cmp("Hussam AL-QATIRJI", "BIN AHMED RUSHDI AL-QATIRJI, Hussam", ES_TYPE_PERSON) > 0.84);
	assert_true(cmp("Pedro MARTINEZ", "CARDONA MARTINEZ, Pedro", ES_TYPE_PERSON) < 0.84);
	assert_true(cmp("MEZA FLORES, Fausto Isidro", "MEZA ANGULO, Fausto Isidro", ES_TYPE_PERSON) < 0.84);
	/* a middle name left over on both sides is another one: it costs fully */
	assert_true(cmp("Jose Luis Benavides-Cira", "Jose Abraham Benavides-Cira", ES_TYPE_PERSON) < 0.84);
	assert_true(cmp("Jose Benavides-Cira", "Jose Abraham Benavides-Cira", ES_TYPE_PERSON) > 0.9);
	/* Belarusian forms of Russian names (classes, patronymic and surname endings) */
	assert_true(cmp("ZIMOUSKY, Aliaksandr Leanidavich", "ZIMOVSKI, Alexander Leonidovich", ES_TYPE_PERSON) >= 0.84);
	assert_true(cmp("LUKASHENKA, Aliaksandr", "Alexander LUKASHENKO", ES_TYPE_PERSON) > 0.95);
	assert_true(cmp("DARASHENKA, Volha", "DARASHENKA, Olga", ES_TYPE_PERSON) > 0.95);
	/* a vowel written for another costs least (from 5 letters) */
	assert_true(es_score_str_sim("mahdi", 5, "mehdi", 5) > es_score_str_sim("mahdi", 5, "mahri", 5) + 0.03);
	assert_true(es_score_str_sim("jose", 4, "jese", 4) < 0.84);
	/* a pair of persons' names has no listed side: either way round */
	const char *a = "IBRAHIM, Yasser Hussein", *b = "IBRAHIM, Yasser";
	assert_true(fabs(cmp(a, b, ES_TYPE_PERSON) - cmp(b, a, ES_TYPE_PERSON)) < 1e-9);
	assert_true(cmp(a, b, ES_TYPE_PERSON) > 0.9);
}

static void test_calibrated_across_lengths(void **state)
{
	(void)state;
	/* one word of n missing: the score depends on the share, not on n alone,
	 * and a longer name with the same share scores the same */
	double two = cmp("Alpha Bravo", "Alpha Bravo Charlie", ES_TYPE_ENTITY);
	double four = cmp("Alpha Bravo Delta Echo", "Alpha Bravo Delta Echo Foxtrot Golf", ES_TYPE_ENTITY);
	assert_true(two > 0.7 && two < 0.9);
	assert_true(four > two - 0.02 && four < two + 0.02);
}

static void test_alignment_reported(void **state)
{
	(void)state;
	es_align al[16];
	size_t n = 0;
	double s = 0;
	es_err err = {0};
	assert_int_equal(es_compare_names(nz, "Olaf Scholze", "Olaf Scholz", ES_TYPE_PERSON, &s, al, 16, &n, &err),
			 ES_OK);
	assert_int_equal(n, 2);
	assert_string_equal(al[0].query_token, "olaf");
	assert_string_equal(al[0].list_token, "olaf");
	assert_string_equal(al[1].list_token, "scholz");
	assert_true(al[1].similarity > 0.8 && al[1].similarity < 1.0);
	/* unmatched words are listed with an empty partner */
	assert_int_equal(es_compare_names(nz, "Alpha Bravo", "Alpha Zulu", ES_TYPE_UNKNOWN, &s, al, 16, &n, &err), ES_OK);
	assert_int_equal(n, 3);
	assert_string_equal(al[1].list_token, "");
	assert_string_equal(al[2].query_token, "");
	/* invalid input is an error */
	assert_int_equal(es_compare_names(nz, "\xc3", "x", ES_TYPE_UNKNOWN, &s, al, 16, &n, &err), ES_EENCODING);
}

/* The optimal string alignment distance of the whole table (insertions,
 * deletions, substitutions, adjacent transpositions), for comparison. */
static int full_osa(const char *a, int la, const char *b, int lb)
{
	int d[32][32];
	for (int i = 0; i <= la; i++)
		d[i][0] = i;
	for (int j = 0; j <= lb; j++)
		d[0][j] = j;
	for (int i = 1; i <= la; i++)
		for (int j = 1; j <= lb; j++) {
			int v = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	return d[la][lb];
}

/* Two spellings are similar exactly when they are within the edits their
 * length allows (the scorer computes only a band of the table), and
 * es_text_within1 tells 0, 1 and more edits apart: checked
 * against the whole table on random words of a few letters, so that most
 * pairs are a few edits apart, and on each word's edits. */
static void test_edit_limit_exact(void **state)
{
	(void)state;
	unsigned long long x = 88172645463325252ull;
	char a[32], b[32];
	size_t near = 0;
	for (int n = 0; n < 200000; n++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		int la = 3 + (int)(x % 14), lb;
		for (int i = 0; i < la; i++)
			a[i] = "abcd"[(x >> (8 + 2 * (i % 20))) & 3];
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		if (n % 2) {
			/* up to four random edits of a */
			memcpy(b, a, (size_t)la);
			lb = la;
			for (int e = (int)(x % 5); e > 0; e--) {
				x ^= x << 13, x ^= x >> 7, x ^= x << 17;
				int at = (int)((x >> 8) % (unsigned long long)(lb ? lb : 1)), op = (int)(x % 4);
				if (op == 0 && lb > 1) {
					memmove(b + at, b + at + 1, (size_t)(lb - at - 1));
					lb--;
				} else if (op == 1 && lb < 30) {
					memmove(b + at + 1, b + at, (size_t)(lb - at));
					b[at] = "abcd"[(x >> 20) & 3];
					lb++;
				} else if (op == 2 && at + 1 < lb) {
					char t = b[at];
					b[at] = b[at + 1];
					b[at + 1] = t;
				} else {
					b[at] = "abcd"[(x >> 20) & 3];
				}
			}
		} else {
			lb = 3 + (int)(x % 14);
			for (int i = 0; i < lb; i++)
				b[i] = "abcd"[(x >> (8 + 2 * (i % 20))) & 3];
		}
		int L = la > lb ? la : lb, m = la < lb ? la : lb;
		int d = full_osa(a, la, b, lb);
		bool same = la == lb && memcmp(a, b, (size_t)la) == 0;
		bool want = same || (m >= ES_SCORE_MIN_TYPO_LEN && d <= ES_SCORE_MAX_EDITS(L));
		double sim = es_score_str_sim(a, la, b, lb);
		if ((sim > 0) != want)
			fail_msg("%.*s / %.*s: distance %d, similarity %.3f", la, a, lb, b, d, sim);
		int w1 = es_text_within1(a, (size_t)la, b, (size_t)lb);
		if (w1 != (d < 2 ? d : 2))
			fail_msg("%.*s / %.*s: distance %d, within1 %d", la, a, lb, b, d, w1);
		near += !same && want;
	}
	assert_true(near > 10000); /* the test saw many pairs within the limit */
}

static void test_bound_is_an_upper_bound(void **state)
{
	(void)state;
	es_stok q[2] = {word("alpha"), word("bravo")};
	es_stok l[3] = {word("alpha"), word("bravx"), word("charlie")};
	for (int person = 0; person < 2; person++) {
		double s = es_score_names(q, 2, l, 3, person, NULL, 0, NULL);
		/* all three listed words could align, no query word surely missed */
		assert_true(es_score_bound(3.0, 3.0, 0.0, person) >= s);
		/* only alpha and bravx reachable */
		assert_true(es_score_bound(3.0, 2.0, 0.0, person) >= s);
		assert_true(es_score_bound(3.0, 2.0, 0.0, person) < 1.0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identical_is_one),
		cmocka_unit_test(test_token_similarity),
		cmocka_unit_test(test_field_failures_stay_low),
		cmocka_unit_test(test_variants_stay_high),
		cmocka_unit_test(test_compounds_within_one_edit),
		cmocka_unit_test(test_middle_names_and_given_names),
		cmocka_unit_test(test_middle_names_left_out_or_initialled),
		cmocka_unit_test(test_surnames_titles_and_either_way),
		cmocka_unit_test(test_calibrated_across_lengths),
		cmocka_unit_test(test_alignment_reported),
		cmocka_unit_test(test_bound_is_an_upper_bound),
		cmocka_unit_test(test_edit_limit_exact),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
