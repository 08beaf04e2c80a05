/* libFuzzer harness: the safetensors shard index parser. */
#include <string.h>

#include "ckpt/ckpt.h"
#include "safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    ck_st_index idx;
    ck_diag d;
    ck_diag_init(&d, 0);
    if (ck_st_index_parse(&idx, "fuzz.index.json", data, size, &d) == CK_OK) {
        /* Every entry names a tensor and one of the listed shards, and no
         * shard name leaves the folder. */
        for (size_t i = 0; i < idx.n; i++) {
            int found = 0;
            for (size_t s = 0; s < idx.n_shards; s++) found |= idx.shards[s] == idx.shard[i];
            if (!found || idx.shard[i][0] == '/' || strstr(idx.shard[i], "\\")) __builtin_trap();
        }
        ck_st_index_free(&idx);
    }
    ck_diag_free(&d);
    return 0;
}
