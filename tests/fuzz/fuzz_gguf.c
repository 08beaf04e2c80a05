/* libFuzzer harness: the GGUF reader. */
#include "fuzz_common.h"
#include "gguf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_reader(data, size, CK_FORMAT_GGUF, ck_gguf_read);
    return 0;
}
