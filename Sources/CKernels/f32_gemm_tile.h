// The float32 products of f32_gemm.c (private to CKernels), in two instruction sets that give the same bits:
// f32_gemm.c's AVX2 kernel (6 tokens x 16 rows a register block) and f32_gemm_avx512.c's AVX-512F one (8 tokens x 48
// rows). Both read one packed block of up to 48 rows: three panels of (column, 16 rows) steps, `columns` steps
// each, zeros past the last row (see f32_gemm.c).
#ifndef CKERNELS_F32_GEMM_TILE_H
#define CKERNELS_F32_GEMM_TILE_H

#include <stddef.h>

enum { F32_PANEL = 16, F32_PANELS = 3, F32_BLOCK_ROWS = F32_PANEL * F32_PANELS };

// y[t][r] (+= when accumulate) = the fma chain of x's row t (rows ldx apart) with row r of the packed block, for the
// `count` (<= 48) rows of the block and every token. Needs AVX-512F: call only where ck_cpu_avx512f says so.
void f32_block_avx512(
    const float *x, size_t ldx, size_t tokens, size_t columns, const float *packed, size_t count, float *y,
    size_t ldy, int accumulate);

#endif
