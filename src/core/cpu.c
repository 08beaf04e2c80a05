/* CPU feature detection: the one piece of global state, set once. */
#include "cpu.h"

#ifdef _OPENMP
#include <omp.h>
#endif

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static ck_isa detected;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static ck_isa hardware(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"))
        return CK_ISA_AVX512;
    /* Every CPU with AVX2 and FMA has F16C too (clang cannot test for it). */
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return CK_ISA_AVX2;
#endif
    return CK_ISA_SCALAR;
}

static void detect(void) {
    detected = hardware();
    const char *want = getenv("CKPT_ISA");
    if (!want || !*want) return;
    ck_isa cap = strcmp(want, "scalar") == 0 ? CK_ISA_SCALAR
                 : strcmp(want, "avx2") == 0 ? CK_ISA_AVX2
                                             : CK_ISA_AVX512;
    if (cap < detected) detected = cap;
}

ck_isa ck_cpu_isa(void) {
    pthread_once(&once, detect);
    return detected;
}

const char *ck_isa_name(ck_isa isa) {
    return isa == CK_ISA_AVX512 ? "avx512" : isa == CK_ISA_AVX2 ? "avx2" : "scalar";
}

int ck_thread_count(int requested) {
#ifdef _OPENMP
    return requested > 0 ? requested : omp_get_max_threads();
#else
    (void)requested;
    return 1;
#endif
}
