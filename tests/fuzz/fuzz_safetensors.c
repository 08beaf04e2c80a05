/* libFuzzer harness: the safetensors reader. */
#include "fuzz_common.h"
#include "safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static ck_status read_st(ck_model *m, uint32_t fi, ck_diag *d) { return ck_st_read(m, fi, true, d); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_reader(data, size, CK_FORMAT_SAFETENSORS, read_st);
    return 0;
}
