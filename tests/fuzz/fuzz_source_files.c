/* Fuzz target: the per-source data-file readers check and lists use,
 * lists/source_links.tsv (es_links, with the {id} substitution) and
 * lists/data_age.tsv (es_data_age). Each input is tried as both. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "es_data_age.h"
#include "es_links.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/es-fuzz-source-files-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		unlink(path);
		return 0;
	}
	close(fd);
	es_err err = {0};
	es_links *l = NULL;
	if (es_links_load(&l, path, &err) == ES_OK) {
		/* an id needing percent-encoding, a long one, and the CSL's lists */
		static const char *const ids[] = {"306", "a b/c?d&e", "QDi.001", "", "d05d55fa214aff19c1eb3270d54905e4e362d445"};
		static const char *const lists[] = {"SDN", "EL", "MEU", "UN", NULL};
		char url[128];
		for (int s = 0; s < ES_SRC_COUNT; s++)
			for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
				for (size_t k = 0; k < sizeof lists / sizeof lists[0]; k++) {
					es_code rc = es_links_url(l, (es_source)s, lists[k], ids[i], url, sizeof url);
					if (strlen(url) >= sizeof url || (rc == ES_OK && url[0] && strncmp(url, "https://", 8) != 0))
						abort(); /* always terminated; only https links */
				}
		es_links_free(l);
	} else if (!err.msg[0]) {
		abort(); /* a failure always says why */
	}
	es_data_age *a = NULL;
	memset(&err, 0, sizeof err);
	if (es_data_age_load(&a, path, &err) == ES_OK) {
		for (int s = 0; s < ES_SRC_COUNT; s++) {
			long d = es_data_age_limit(a, (es_source)s);
			if (d == 0 || d < -1)
				abort();
		}
		es_data_age_free(a);
	} else if (!err.msg[0]) {
		abort();
	}
	unlink(path);
	return 0;
}
