/* Fuzz target: normalization and pairwise scoring of arbitrary bytes.
 * Input: NAME1 [TAB NAME2]. Checks the invariants that must hold for any
 * input: no crash, scores in [0,1], a name scores 1 against itself, and the
 * normalization is deterministic; the script checks, the look-alike reading,
 * the CJK character similarity and the consonant skeletons stay in bounds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "es_arabic.h"
#include "es_cjk.h"
#include "es_match.h"
#include "es_normalize.h"
#include "es_script.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static es_normalizer *nz;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!nz && es_normalizer_open(&nz, ES_LISTS_DIR, NULL) != ES_OK)
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
	es_code r1 = es_normalize(nz, a, strlen(a), &t1, NULL);
	es_code r2 = es_normalize(nz, a, strlen(a), &t2, NULL);
	if (r1 != r2 || (r1 == ES_OK && (t1.n != t2.n || memcmp(t1.tok, t2.tok, t1.n * sizeof t1.tok[0]) != 0)))
		abort(); /* not deterministic */
	for (size_t i = 0; r1 == ES_OK && i < t1.n; i++)
		if (t1.tok[i].text_len != strlen(t1.tok[i].text) || t1.tok[i].canon_len == 0)
			abort();
	char det[96], rd[4096];
	unsigned sf = es_normalize_script_flags(nz, a, strlen(a), det, sizeof det);
	if (sf & ~(unsigned)(ES_SCRIPT_MIXED | ES_SCRIPT_UNBRIDGED) || strlen(det) >= sizeof det)
		abort();
	if (es_normalize_lookalike(nz, a, strlen(a), rd, sizeof rd) && strlen(rd) >= sizeof rd)
		abort();
	double cs = es_cjk_char_sim(a, strlen(a), b, strlen(b));
	if (!(cs >= 0.0 && cs <= 1.0))
		abort();
	for (size_t i = 0; r1 == ES_OK && i < t1.n; i++) {
		char sk[ES_TOK_LEN];
		if (es_arabic_skeleton(t1.tok[i].text, t1.tok[i].text_len, true, sk) >= ES_TOK_LEN)
			abort();
	}
	double s = -1;
	es_align al[16];
	size_t n = 0;
	if (es_compare_names(nz, a, b, ES_TYPE_UNKNOWN, &s, al, 16, &n, NULL) == ES_OK) {
		if (!(s >= 0.0 && s <= 1.0))
			abort();
		if (a == b && r1 == ES_OK && t1.n > 0 && s != 1.0)
			abort();
	}
	free(buf);
	return 0;
}
