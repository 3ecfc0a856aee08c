/* es_normalize: one normalization for list names and queries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "es_normalize.h"

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

/* Normalized tokens joined by spaces ("text" or "canon" form). */
static const char *norm(const char *s, bool canon)
{
	/* rotating buffers: norm(a) and norm(b) may be compared */
	static char bufs[4][4096];
	static int which;
	char *out = bufs[which++ % 4];
	static es_ntoks nt;
	es_err err = {0};
	out[0] = '\0';
	if (es_normalize(nz, s, strlen(s), &nt, &err) != ES_OK) {
		snprintf(out, 4096, "error: %s", err.msg);
		return out;
	}
	size_t o = 0;
	for (size_t i = 0; i < nt.n; i++)
		o += (size_t)snprintf(out + o, 4096 - o, "%s%s", i ? " " : "",
				      canon ? nt.tok[i].canon : nt.tok[i].text);
	return out;
}

static es_tok_kind kind_of(const char *s, size_t i)
{
	static es_ntoks nt;
	es_err err = {0};
	assert_int_equal(es_normalize(nz, s, strlen(s), &nt, &err), ES_OK);
	assert_true(i < nt.n);
	return (es_tok_kind)nt.tok[i].kind;
}

static void test_case_punct_and_initialisms(void **state)
{
	(void)state;
	assert_string_equal(norm("PORKHACHEV, Nikolay  Vladimirovich", false), "porkhachev nikolay vladimirovich");
	assert_string_equal(norm("porkhachev,nikolay vladimirovich", false), "porkhachev nikolay vladimirovich");
	/* dots of initialisms join (L.L.C. = LLC), other dots separate */
	assert_string_equal(norm("Rapart Services L.L.C.", true), norm("Rapart Services LLC", true));
	assert_string_equal(norm("J.Smith", false), "j smith");
	assert_string_not_equal(norm("Rapart Services LLC", true), norm("Rapart Services JSC", true));
	/* hyphens and apostrophes */
	assert_string_equal(norm("Salazar-Rostro", false), "salazar rostro");
	assert_string_equal(norm("O'Brien", false), "obrien");
}

static void test_csl_question_mark_artifacts(void **state)
{
	(void)state;
	/* "?" stands for a lost curly apostrophe or quote in BIS names */
	assert_string_equal(norm("Donetsk People?s Republic", false), norm("Donetsk People's Republic", false));
	assert_string_equal(norm("AO ?Institute Giprostroymost?Saint-Petersburg?", false),
			    "ao institute giprostroymost saint petersburg");
}

static void test_legal_forms_canonical(void **state)
{
	(void)state;
	/* every spelling of one legal form gives the same canonical token */
	const char *llc = norm("X LLC", true);
	char want[64];
	snprintf(want, sizeof want, "%s", llc);
	assert_string_equal(norm("X Limited Liability Company", true), want);
	assert_string_equal(norm("X OOO", true), want);
	assert_string_equal(norm("X ООО", true), want); /* Cyrillic, transliterated first */
	snprintf(want, sizeof want, "%s", norm("Sinotech Industry Co., Ltd.", true));
	assert_string_equal(norm("Sinotech Industry Company Limited", true), want);
	snprintf(want, sizeof want, "%s", norm("AO Kronshtadt", true));
	assert_string_equal(norm("JSC Kronshtadt", true), want);
	assert_string_equal(norm("Joint Stock Company Kronshtadt", true), want);
	/* the Russian and Ukrainian spellings OFAC and the CSL use (366 times
	 * "...OGRANICHENNOI OTVETSTVENNOSTYU" in the SDN file alone) */
	snprintf(want, sizeof want, "%s", norm("LLC Inforser", true));
	assert_string_equal(norm("OBSHCHESTVO S OGRANICHENNOI OTVETSTVENNOSTYU INFORSER", true), want);
	assert_string_equal(norm("OBSCHESTVO S OGRANICHENNOY OTVETSTVENNOSTYU INFORSER", true), want);
	assert_string_equal(norm("OOO Inforser", true), want);
	assert_string_equal(norm("TOVARYSTVO Z OBMEZHENOYU VIDPOVIDALNISTYU INFORSER", true), want);
	assert_string_equal(norm("TOV Inforser", true), want);
	snprintf(want, sizeof want, "%s", norm("JSC Kronshtadt", true));
	assert_string_equal(norm("AKTSIONERNOE OBSCHESTVO Kronshtadt", true), want);
	assert_string_equal(norm("AKTSIONERNE TOVARYSTVO Kronshtadt", true), want);
	snprintf(want, sizeof want, "%s", norm("PJSC Kronshtadt", true));
	assert_string_equal(norm("PAO Kronshtadt", true), want);
	assert_string_equal(norm("PUBLICHNOE AKTSIONERNOE OBSCHESTVO Kronshtadt", true), want);
	assert_string_equal(norm("PUBLICHNE AKTSIONERNE TOVARYSTVO Kronshtadt", true), want);
	snprintf(want, sizeof want, "%s", norm("OJSC Kronshtadt", true));
	assert_string_equal(norm("OAO Kronshtadt", true), want);
	assert_string_equal(norm("OTKRYTOYE AKTSIONERNOYE OBSCHESTVO Kronshtadt", true), want);
	snprintf(want, sizeof want, "%s", norm("CJSC Kronshtadt", true));
	assert_string_equal(norm("ZAO Kronshtadt", true), want);
	assert_string_equal(norm("ZAKRYTOE AKTSIONERNOE OBSCHESTVO Kronshtadt", true), want);
	assert_int_equal(kind_of("Alpen Netz GmbH", 2), ES_TK_LEGAL);
	assert_int_equal(kind_of("Comercial S.A. de C.V.", 1), ES_TK_LEGAL);
	/* a legal-form word that is a romanized syllable, hyphened to another
	 * word, is part of a name; alone, or not a syllable, it stays a form */
	assert_int_equal(kind_of("Hsia Pao-lung", 1), ES_TK_WORD);
	assert_int_equal(kind_of("Kim Doo-hwan", 1), ES_TK_WORD);
	assert_int_equal(kind_of("PAO Kronshtadt", 0), ES_TK_LEGAL);
	assert_int_equal(kind_of("Kronshtadt PAO", 1), ES_TK_LEGAL);
	assert_int_equal(kind_of("YK-AGD", 0), ES_TK_LEGAL);
}

/* listed-name vocabulary for es_normalize_query: only "limiter" */
static bool listed_limiter(void *ctx, const char *canon, size_t len)
{
	(void)ctx;
	return len == 7 && memcmp(canon, "limiter", 7) == 0;
}

static const char *qnorm(const char *s, bool canon)
{
	static char bufs[4][4096];
	static int which;
	char *out = bufs[which++ % 4];
	static es_ntoks nt;
	es_err err = {0};
	out[0] = '\0';
	if (es_normalize_query(nz, s, strlen(s), &nt, listed_limiter, NULL, &err) != ES_OK) {
		snprintf(out, 4096, "error: %s", err.msg);
		return out;
	}
	size_t o = 0;
	for (size_t i = 0; i < nt.n; i++)
		o += (size_t)snprintf(out + o, 4096 - o, "%s%s", i ? " " : "", canon ? nt.tok[i].canon : nt.tok[i].text);
	return out;
}

static void test_legal_form_typos_in_queries(void **state)
{
	(void)state;
	char want[128];
	/* one edit in a legal-form word of >= 6 letters, in one or more words */
	snprintf(want, sizeof want, "%s", norm("BUSHEHR SHIPPING COMPANY LIMITED", true));
	assert_string_equal(qnorm("BUSHEHR SHIPPING COMPANY LIMITDE", true), want);
	assert_string_equal(qnorm("BUSHEHR SHIPPING COMAPNY LIMITED", true), want);
	snprintf(want, sizeof want, "%s", norm("LIMITED LIABILITY COMPANY SBERBANK CAPITAL", true));
	assert_string_equal(qnorm("LMIITED LIABILITY COMAPNY SBERBANK CAPITAL", true), want);
	assert_string_equal(qnorm("LIMITED LIABILITY COMPSNY SBERBANK CAPITAL", true), want);
	snprintf(want, sizeof want, "%s", norm("OOO RIMERA", true));
	assert_string_equal(qnorm("OBSHCHESTVO S OGRANICHENNOI OTVETSTVENNOSTU RIMERA", true), want);
	/* the display text stays as typed */
	assert_string_equal(qnorm("ACME LIMITDE", false), "acme limitde");
	/* not: a word the listed names use, a short word, an ordinary word
	 * that only resembles a legal-form word without making a legal form,
	 * listed names (es_normalize) */
	assert_string_equal(qnorm("ACME LIMITER", true), norm("ACME LIMITER", true));
	assert_string_equal(qnorm("PUBLIC JOUNT STOCK COMPANY VOSTOK", true), norm("PUBLIC JOUNT STOCK COMPANY VOSTOK", true));
	assert_string_equal(qnorm("PUBLIX SUPERMARKETS", true), norm("PUBLIX SUPERMARKETS", true));
	assert_string_not_equal(norm("BUSHEHR SHIPPING COMPANY LIMITDE", true), norm("BUSHEHR SHIPPING COMPANY LIMITED", true));
}

static void test_honorifics_dropped_stopwords_kept(void **state)
{
	(void)state;
	assert_string_equal(norm("Dr. Ali Atwa", false), "ali atwa");
	assert_string_equal(norm("Attn: Ali Atwa", false), "ali atwa");
	assert_string_equal(norm("c/o Ali Atwa", false), "ali atwa");
	/* a dotted honorific is the honorific ("h e"), the surname He is not */
	assert_string_equal(norm("H.E. RAZAVI, Morteza", false), "razavi morteza");
	assert_string_equal(norm("H. E. Morteza Razavi", false), "morteza razavi");
	assert_string_equal(norm("HE Jian", false), "he jian");
	assert_string_equal(norm("HE, Jian", false), "he jian");
	assert_string_equal(norm("Jian HE", false), "jian he");
	/* only as a prefix: "C.O." after a name stays a legal form */
	assert_int_equal(kind_of("Atwa C.O.", 1), ES_TK_LEGAL);
	assert_int_equal(kind_of("Bank of Kunlun", 1), ES_TK_STOP);
	assert_int_equal(kind_of("Baltic Trading", 1), ES_TK_GENERIC);
}

static void test_romanization_classes(void **state)
{
	(void)state;
	char want[64];
	snprintf(want, sizeof want, "%s", norm("Muhammad", true));
	assert_string_equal(norm("Mohammed", true), want);
	assert_string_equal(norm("Mohamed", true), want);
	assert_string_equal(norm("MOHAMMAD", true), want);
	/* Korean short syllables written with an added h, another vowel or an
	 * l/r, g/k (red-team probe: Nahm, Hoh, Hahn, Oak, Lyong, Gil, Tung) */
	assert_string_equal(norm("PAK, Bong Nahm", true), norm("PAK, Bong Nam", true));
	assert_string_equal(norm("KIM TONG-HOH", true), norm("KIM TONG-HO", true));
	assert_string_equal(norm("HAHN JANG SU", true), norm("HAN JANG SU", true));
	assert_string_equal(norm("KIM, Kyong Oak", true), norm("KIM, Kyong Ok", true));
	assert_string_equal(norm("KANG, Lyong", true), norm("KANG, Ryong", true));
	assert_string_equal(norm("KANG MUN GIL", true), norm("KANG MUN KIL", true));
	assert_string_equal(norm("Yuk Tung", true), norm("Yuk Tong", true));
	/* spelling rules: -iy/-y, kh/h, double letters */
	assert_string_equal(norm("Dmitriy", true), norm("Dmitry", true));
	assert_string_equal(norm("Yuryevich", true), norm("Yurievich", true));
	assert_string_equal(norm("Khassan", true), norm("Hasan", true));
	/* Korean syllables (North / South Korean spellings), Ukrainian and
	 * Russian given names, more spellings of Muhammad, Gamal/Jamal */
	static const char *const same[][2] = {
		{"KIM Tong Chol", "KIM Tong Chul"}, {"JONG Song Hwa", "JUNG Sung Hwa"}, {"RI Hyon", "RI Hyun"},
		{"KIM Ryong Nam", "KIM Yong Nam"}, {"PAK Kwang Ho", "PAK Gwang Ho"}, {"Ihor Bobel", "Igor Bobel"},
		{"Oleh Tsaryov", "Oleg Tsaryov"}, {"Oleksandr Yefremov", "Aleksandr Yefremov"},
		{"Volodymyr X", "Vladimir X"}, {"Mahomed Nayeb", "Mohammad Nayeb"}, {"Mehmet Tahir", "Muhammad Tahir"},
		{"Magomed X", "Muhammad X"}, {"SALEH, Gamal", "SALEH, Jamal"}, {"Mykola X", "Nikolai X"},
	};
	for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
		snprintf(want, sizeof want, "%s", norm(same[i][1], true));
		assert_string_equal(norm(same[i][0], true), want);
	}
	/* the display text keeps the spelling */
	assert_string_equal(norm("Mohammed", false), "mohammed");
}

static void test_scripts_and_diacritics(void **state)
{
	(void)state;
	assert_string_equal(norm("DUQUE GAVIRIA, Iván Roberto", false), "duque gaviria ivan roberto");
	assert_string_equal(norm("Straße Łódź", false), "strasse lodz");
	/* any script becomes Latin ASCII, the same way for list and query */
	const char *c = norm("Василий", false);
	for (const char *p = c; *p; p++)
		assert_true((unsigned char)*p < 0x80);
	assert_true(strlen(c) > 0);
	/* Chinese: pinyin, a three-character name as surname + given name */
	assert_string_equal(norm("习近平", false), "xi jinping");
	/* Cyrillic the BGN/PCGN way OFAC writes Russian names (ch, sh, shch,
	 * zh, kh, ts, yu, ya, y), not the ISO 9 style caplin ... urevic */
	assert_string_equal(norm("Чаплин Никита Юрьевич", false), "chaplin nikita yuryevich");
	assert_string_equal(norm("Щукин Жуков Хасан Цой Майоров", false), "shchukin zhukov khasan tsoy mayorov");
	assert_string_equal(norm("Вячеслав Карякин", false), "vyacheslav karyakin");
	assert_string_equal(norm("Объединённая Детский", false), "obyedinennaya detskiy"); /* hard sign, BGN's t·s */
	assert_string_equal(norm("ЧАПЛИН, Никита", true), norm("CHAPLIN, Nikita", true));
}

static void test_arabic_article_split(void **state)
{
	(void)state;
	/* ICU fuses the article: an Arabic-script word "al" + >= 4 letters is
	 * "al" + the word, so it matches with or without the article */
	assert_string_equal(norm("التكريتي", false), "al tkryty");
	assert_string_equal(norm("تكريتي", false), "tkryty");
	assert_string_equal(norm("عبدالغفور", false), "abd al ghfwr"); /* the ayn opening the word: a */
	assert_int_equal(kind_of("التكريتي", 0), ES_TK_STOP);
	/* not a short word, not Latin input */
	assert_string_equal(norm("الحسن", false), "alhsn");
	assert_string_equal(norm("Altikriti", false), "altikriti");
	assert_string_equal(norm("Abdalghafur", false), "abdalghafur");
}

static void test_name_order_flags(void **state)
{
	(void)state;
	es_ntoks nt;
	es_err err = {0};
	assert_int_equal(es_normalize(nz, "ATWA, Ali", 9, &nt, &err), ES_OK);
	assert_int_equal(nt.n, 2);
	assert_true(nt.tok[0].flags & ES_TF_SURNAME);
	assert_true(nt.tok[1].flags & ES_TF_GIVEN);
	/* parenthesized parts and " - " suffixes are marked */
	assert_int_equal(es_normalize(nz, "NIA (Damascus) - Dubai Branch", 29, &nt, &err), ES_OK);
	assert_false(nt.tok[0].flags & ES_TF_PAREN);
	assert_true(nt.tok[1].flags & ES_TF_PAREN);
	assert_true(nt.tok[2].flags & ES_TF_PAREN);
}

static void test_numbers_kept(void **state)
{
	(void)state;
	assert_string_equal(norm("140 Repair Plant JSC", false), "140 repair plant jsc");
	assert_int_equal(kind_of("140 Repair Plant", 0), ES_TK_NUM);
}

static void test_bad_input(void **state)
{
	(void)state;
	es_ntoks nt;
	es_err err = {0};
	assert_int_equal(es_normalize(nz, "ab\xff", 3, &nt, &err), ES_EENCODING);
	assert_true(strstr(err.msg, "UTF-8") != NULL);
	char *big = malloc(ES_QUERY_MAX + 2);
	memset(big, 'a', ES_QUERY_MAX + 1);
	big[ES_QUERY_MAX + 1] = '\0';
	assert_int_equal(es_normalize(nz, big, ES_QUERY_MAX + 1, &nt, &err), ES_ETOOBIG);
	/* many words: an error, not a silent cut */
	for (size_t i = 0; i + 1 < ES_QUERY_MAX; i += 2) {
		big[i] = 'a';
		big[i + 1] = ' ';
	}
	assert_int_equal(es_normalize(nz, big, ES_QUERY_MAX - 1, &nt, &err), ES_ETOOBIG);
	free(big);
	/* only punctuation: zero tokens, no error */
	assert_int_equal(es_normalize(nz, "?!-", 3, &nt, &err), ES_OK);
	assert_int_equal(nt.n, 0);
	/* one over-long word is split in chunks, nothing lost */
	char word[200];
	memset(word, 'x', 150);
	word[150] = '\0';
	assert_int_equal(es_normalize(nz, word, 150, &nt, &err), ES_OK);
	assert_int_equal(nt.n, 3);
}

static void test_missing_data_dir(void **state)
{
	(void)state;
	es_normalizer *x = NULL;
	es_err err = {0};
	assert_int_not_equal(es_normalizer_open(&x, "/nonexistent-dir", &err), ES_OK);
	assert_null(x);
	assert_true(err.msg[0] != '\0');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_case_punct_and_initialisms),
		cmocka_unit_test(test_csl_question_mark_artifacts),
		cmocka_unit_test(test_legal_forms_canonical),
		cmocka_unit_test(test_legal_form_typos_in_queries),
		cmocka_unit_test(test_honorifics_dropped_stopwords_kept),
		cmocka_unit_test(test_romanization_classes),
		cmocka_unit_test(test_scripts_and_diacritics),
		cmocka_unit_test(test_arabic_article_split),
		cmocka_unit_test(test_name_order_flags),
		cmocka_unit_test(test_numbers_kept),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_missing_data_dir),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
