/* libFuzzer harness: the evidence parsers (ckpt manifests, sha256sum files,
 * Git LFS pointers, llama-gguf-hash manifests). */
#include <string.h>

#include "ckpt/ckpt.h"
#include "ckpt/evidence.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What every accepted evidence must satisfy: entries name what they are
 * about (only an LFS pointer's one file has no name), and line numbers
 * point inside the input. */
static void check(const ck_evidence *ev, size_t size) {
    for (size_t i = 0; i < ev->n_files; i++) {
        const ck_ev_file *f = &ev->files[i];
        if (!f->name && (ev->kind != CK_EV_LFS || ev->n_files != 1)) __builtin_trap();
        if (f->name) (void)strlen(f->name);
        if (f->line < 0 || (size_t)f->line > size + 1) __builtin_trap();
    }
    for (size_t i = 0; i < ev->n_tensors; i++) {
        const ck_ev_tensor *t = &ev->tensors[i];
        if (!t->name) __builtin_trap();
        (void)strlen(t->name);
        if (ev->kind == CK_EV_GGUF_HASH && (!t->file || !*t->file || !*t->name)) __builtin_trap();
        volatile int64_t s = 0;
        for (uint32_t k = 0; t->shape && k < t->rank; k++) s += t->shape[k];
        if (t->line < 0 || (size_t)t->line > size + 1) __builtin_trap();
    }
    for (size_t i = 0; i < ev->n_streams; i++)
        if (!ev->streams[i].file || strchr(ev->streams[i].file, ':')) __builtin_trap();
    for (size_t i = 0; i < ev->n_skipped; i++)
        if (!ev->skipped[i].text || !ev->skipped[i].why || ev->skipped[i].line < 1) __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    ck_evidence ev;
    ck_diag d;
    ck_diag_init(&d, 0);
    ck_status st = ck_evidence_parse(&ev, "fuzz.evidence", (const char *)data, size, &d);
    if (st == CK_OK) {
        if (d.count) __builtin_trap();
        check(&ev, size);
    } else if (!d.count && st != CK_ERR_NOMEM) {
        __builtin_trap(); /* a refusal always says why */
    }
    ck_evidence_free(&ev);
    ck_diag_free(&d);
    return 0;
}
