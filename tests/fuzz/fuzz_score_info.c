/* Fuzz target: scoring with the lexicon's marks (given-name classes,
 * legal-form families, particles, branch words) and what a score says about
 * itself (containment, the same words). Input: NAME1 [TAB NAME2]. Checks for
 * any input: no crash, scores in [0,1], a containment scores at least
 * ES_SCORE_CONTAINS and keeps the score before it below that, a name against
 * itself scores 1 with the same words. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "es_lexicon.h"
#include "es_normalize.h"
#include "es_score.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static es_normalizer *nz;
static es_lexicon *lx;

static size_t stoks(const char *s, es_ntoks *nt, es_stok *st)
{
	if (es_normalize(nz, s, strlen(s), nt, NULL) != ES_OK)
		return 0;
	for (size_t i = 0; i < nt->n; i++) {
		const es_tok *t = &nt->tok[i];
		st[i] = (es_stok){t->canon, t->text, t->canon_len, t->text_len, t->kind, t->flags, 1.0f, 0, 0, 0};
	}
	double idf[ES_NAME_TOKENS];
	for (size_t i = 0; i < nt->n; i++)
		idf[i] = 1.0 + (double)(st[i].text_len % 7);
	es_score_weigh(st, nt->n, idf);
	es_lexicon_mark(lx, st, nt->n);
	return nt->n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!nz && es_normalizer_open(&nz, ES_LISTS_DIR, NULL) != ES_OK)
		abort();
	if (!lx && es_lexicon_open(&lx, ES_LISTS_DIR, nz, NULL) != ES_OK)
		abort();
	char *buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	char *a = buf, *b = buf;
	char *tab = memchr(buf, '\t', size);
	if (tab) {
		*tab = '\0';
		b = tab + 1;
	}
	static es_ntoks t1, t2;
	static es_stok s1[ES_NAME_TOKENS], s2[ES_NAME_TOKENS];
	size_t n1 = stoks(a, &t1, s1), n2 = stoks(b, &t2, s2);
	for (int person = 0; person < 2; person++) {
		es_score_info info;
		es_align al[16];
		size_t nal = 0;
		double s = es_score_names_info(s1, n1, s2, n2, person, NULL, al, 16, &nal, &info);
		if (!(s >= 0.0 && s <= 1.0) || nal > 16)
			abort();
		if (info.contains && (s < ES_SCORE_CONTAINS || info.raw > s + 1e-12))
			abort();
		if (a == b && n1 > 0 && (s != 1.0 || !info.same_words))
			abort();
	}
	free(buf);
	return 0;
}
