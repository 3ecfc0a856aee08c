/* Fuzz target: what `serve` parses from requests and its token file — the
 * x-www-form-urlencoded reader (es_form_value), the token file (es_tokens_parse
 * and a lookup), the listen address and the HTML/URL escapers of the review page.
 * The first byte picks the parser; the rest is its input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "es_review.h"
#include "es_serve.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const char *in = (const char *)data + 1;
	size_t n = size - 1;
	char *z = malloc(n + 1);
	if (!z)
		return 0;
	memcpy(z, in, n);
	z[n] = '\0';
	switch (data[0] % 4) {
	case 0: {
		static const char *const keys[] = {"csrf", "party", "reason", "by", "kind", "back", "token", ""};
		for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
			char *v = es_form_value(in, n, keys[k]);
			if (v && strlen(v) >= n + 1)
				abort(); /* a decoded value is never longer than its input */
			free(v);
		}
		break;
	}
	case 1: {
		es_tokens *t = NULL;
		es_err err = {0};
		if (es_tokens_parse(&t, in, n, "fuzz", &err) == ES_OK) {
			(void)es_tokens_lookup(t, z);
			(void)es_tokens_lookup(t, "");
		}
		es_tokens_free(t);
		break;
	}
	case 2:
		(void)es_serve_is_loopback(z);
		break;
	default: {
		es_buf b = {0};
		es_review_html_escape(&b, z);
		if (b.s && (strchr(b.s, '<') || strchr(b.s, '"') || strchr(b.s, '\'')))
			abort(); /* escaped text holds no markup */
		es_buf_clear(&b);
		es_review_url_encode(&b, z);
		if (b.s && strpbrk(b.s, "&<>\"' #?/="))
			abort();
		es_buf_free(&b);
	}
	}
	free(z);
	return 0;
}
