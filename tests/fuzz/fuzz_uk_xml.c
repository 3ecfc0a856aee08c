/* Fuzz target: the UK XML parser over arbitrary bytes. Any input must end in
 * ES_OK or a clean error code, never a crash, leak or hang. */
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_parse_buf(ES_SRC_UK_FCDO, "fuzz.xml", es_parse_uk_xml_buf, data, size);
}
