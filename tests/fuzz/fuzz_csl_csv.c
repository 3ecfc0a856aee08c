/* Fuzz target: the CSL CSV parser over arbitrary bytes. Any input must end in
 * ES_OK or a clean error code, never a crash, leak or hang. */
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_parse_buf(ES_SRC_US_CSL, "fuzz.csv", es_parse_csl_csv_buf, data, size);
}
