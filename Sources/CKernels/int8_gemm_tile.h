// The integer products of Q4_1 weights and Q8_1 activations (private to CKernels), in two instruction sets that give
// the same bits: int8_gemm.c's AVX2 kernel (8 rows a vector, vpmaddubsw) and int8_gemm_avx512.c's AVX-512 VNNI one
// (16 rows a vector, vpdpbusd). See int8_gemm.c for the packed layout.
#ifndef CKERNELS_INT8_GEMM_TILE_H
#define CKERNELS_INT8_GEMM_TILE_H

#include <stddef.h>
#include <stdint.h>

// ck_q4_1_q8_1_gemm over the groups [group0, group1), taken two at a time: (group1 - group0) must be even. Needs
// AVX-512 F, VL and VNNI: call only where ck_cpu_avx512vnni says so.
void q4_1_q8_1_gemm_avx512vnni(
    const uint8_t *packed, const float *scales, const float *mins, size_t columns, size_t group0, size_t group1,
    const int8_t *q, const float *d, const float *s, size_t tokens, float *y, size_t ldy, int accumulate);

#endif
