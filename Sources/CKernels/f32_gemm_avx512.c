// f32_gemm.c's float32 products with AVX-512F: 8 tokens x 3 panels (48 rows) per register block, 24 of the 32
// registers accumulating, one broadcast activation meeting three panel vectors per step. Each lane runs the chain
// fma(x[k], w[k], acc) over k in order, as the AVX2 kernel's lanes do, so the two give the same bits; on Zen 4, which
// runs 512-bit operations as two halves, it issues half the instructions (results/bench-projections.txt).

#include "f32_gemm_tile.h"

#include <immintrin.h>

#pragma clang attribute push(__attribute__((target("avx512f"))), apply_to = function)

enum { TOKENS = 8 };

static inline void store_panel(float *out, __m512 acc, size_t width, int accumulate) {
    __mmask16 mask = width >= F32_PANEL ? 0xFFFF : (__mmask16)((1u << width) - 1);
    if (accumulate) acc = _mm512_add_ps(acc, _mm512_maskz_loadu_ps(mask, out));
    _mm512_mask_storeu_ps(out, mask, acc);
}

// `panels` (1 to 3) is a constant where it is inlined, so a last block of 16 or 32 rows computes only its panels.
static inline __attribute__((always_inline)) void block_panels(
    const float *x, size_t ldx, size_t tokens, size_t columns, const float *packed, size_t count, float *y,
    size_t ldy, int accumulate, const size_t panels) {
    const float *p[F32_PANELS];
    for (size_t q = 0; q < F32_PANELS; q++) p[q] = packed + q * columns * F32_PANEL;
    for (size_t t0 = 0; t0 < tokens; t0 += TOKENS) {
        size_t nt = tokens - t0 < TOKENS ? tokens - t0 : TOKENS;
        const float *row[TOKENS];
        for (size_t t = 0; t < TOKENS; t++) row[t] = x + (t0 + (t < nt ? t : 0)) * ldx;
        __m512 acc[TOKENS][F32_PANELS];
        for (size_t t = 0; t < TOKENS; t++)
            for (size_t q = 0; q < panels; q++) acc[t][q] = _mm512_setzero_ps();
        for (size_t k = 0; k < columns; k++) {
            __m512 b[F32_PANELS];
            for (size_t q = 0; q < panels; q++) b[q] = _mm512_load_ps(p[q] + k * F32_PANEL);
            for (size_t t = 0; t < TOKENS; t++) {
                __m512 a = _mm512_set1_ps(row[t][k]);
                for (size_t q = 0; q < panels; q++) acc[t][q] = _mm512_fmadd_ps(a, b[q], acc[t][q]);
            }
        }
        for (size_t t = 0; t < nt; t++) {
            for (size_t q = 0; q < panels; q++) {
                size_t width = count - q * F32_PANEL < F32_PANEL ? count - q * F32_PANEL : F32_PANEL;
                store_panel(y + (t0 + t) * ldy + q * F32_PANEL, acc[t][q], width, accumulate);
            }
        }
    }
}

void f32_block_avx512(
    const float *x, size_t ldx, size_t tokens, size_t columns, const float *packed, size_t count, float *y,
    size_t ldy, int accumulate) {
    switch ((count + F32_PANEL - 1) / F32_PANEL) {
    case 1: block_panels(x, ldx, tokens, columns, packed, count, y, ldy, accumulate, 1); break;
    case 2: block_panels(x, ldx, tokens, columns, packed, count, y, ldy, accumulate, 2); break;
    default: block_panels(x, ldx, tokens, columns, packed, count, y, ldy, accumulate, 3); break;
    }
}

#pragma clang attribute pop
