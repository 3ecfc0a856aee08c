/* Fuzz target: the list-set manifest (manifest.json) reader. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "es_manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/es-fuzz-manifest-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		unlink(path);
		return 0;
	}
	close(fd);
	es_manifest m;
	es_err err = {0};
	if (es_manifest_load(&m, path, &err) == ES_OK) {
		char hash[65];
		es_manifest_set_hash(&m, hash);
		for (size_t i = 0; i < m.n_sources; i++)
			(void)es_manifest_file_path(&m.sources[i], "main");
		es_manifest_free(&m);
	}
	unlink(path);
	return 0;
}
