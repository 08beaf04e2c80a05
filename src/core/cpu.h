/* The SIMD level of this CPU, found once, and the threads to run on. */
#ifndef CK_CORE_CPU_H
#define CK_CORE_CPU_H

typedef enum ck_isa {
    CK_ISA_SCALAR = 0,
    CK_ISA_AVX2 = 1,     /* AVX2 + FMA + F16C */
    CK_ISA_AVX512 = 2    /* AVX-512 F, BW, DQ, VL */
} ck_isa;

/* The best level the CPU has, lowered by CKPT_ISA=scalar|avx2|avx512 (for
 * tests and benchmarks; a level the CPU lacks is never chosen). */
ck_isa ck_cpu_isa(void);
const char *ck_isa_name(ck_isa isa);

/* The worker threads to use: requested when above 0, else OpenMP's default
 * (OMP_NUM_THREADS, or all cores); 1 without OpenMP. */
int ck_thread_count(int requested);

#endif
