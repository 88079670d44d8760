// CPU features detected at load time (cpu_features.c): the kernels with an AVX-512 variant pick it with these.
#ifndef CPU_FEATURES_H
#define CPU_FEATURES_H

extern int ck_cpu_avx512f;
extern int ck_cpu_avx512vnni;
extern int ck_cpu_avx512bw;
extern int ck_cpu_avx512bf16;

#endif
