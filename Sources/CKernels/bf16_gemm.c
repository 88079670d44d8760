// bf16 products with float32 sums: y (tokens x rows) = x (tokens x columns) W^T, W (rows x columns), as AVX512_BF16's
// vdpbf16ps computes them (Intel SDM, VDPBF16PS): per output lane, acc += x[2j+1] w[2j+1], then acc += x[2j] w[2j],
// each product exact in float32 (8-bit significands) and each sum rounded to nearest even. Where the CPU lacks
// AVX512_BF16, the AVX2 kernel computes the same expression (the same bits: an FMA of an exact product rounds once,
// as the instruction's add does), only slower. Denormal inputs and results are flushed to zero by vdpbf16ps and
// kept by the AVX2 kernel; no activation or weight of a model is that small.
//
// Layout: W is packed in panels of 16 output rows; per panel and pair of columns (2j, 2j+1), 16 32-bit words, word i
// holding bf16(w[16p + i][2j]) in its low half and bf16(w[16p + i][2j + 1]) in its high half, so that one vector of a
// panel step meets one broadcast word of a token's activations. Rows are padded with zeros to a multiple of 16,
// columns to an even count. The activations are bf16 pairs the same way, one row per token.

#include "ckernels.h"
#include "cpu_features.h"

#include <immintrin.h>
#include <stdint.h>
#include <string.h>

static inline uint16_t bf16_round(float x) {
    uint32_t bits;
    memcpy(&bits, &x, 4);
    if ((bits & 0x7F800000u) == 0x7F800000u && (bits & 0x007FFFFFu)) return (uint16_t)((bits >> 16) | 0x40);  // NaN
    bits += 0x7FFFu + ((bits >> 16) & 1u);  // round to nearest even
    return (uint16_t)(bits >> 16);
}

size_t ck_bf16_packed_words(size_t rows, size_t columns) { return ((rows + 15) / 16) * 16 * ((columns + 1) / 2); }

void ck_bf16_pack(const float *w, size_t rows, size_t columns, uint32_t *packed) {
    const size_t pairs = (columns + 1) / 2, panels = (rows + 15) / 16;
    for (size_t p = 0; p < panels; p++) {
        for (size_t j = 0; j < pairs; j++) {
            uint32_t *target = packed + (p * pairs + j) * 16;
            for (size_t i = 0; i < 16; i++) {
                size_t r = p * 16 + i;
                uint16_t low = 0, high = 0;
                if (r < rows) {
                    low = bf16_round(w[r * columns + 2 * j]);
                    if (2 * j + 1 < columns) high = bf16_round(w[r * columns + 2 * j + 1]);
                }
                target[i] = (uint32_t)low | ((uint32_t)high << 16);
            }
        }
    }
}

void ck_bf16_convert(const float *x, size_t tokens, size_t columns, uint32_t *pairs) {
    const size_t count = (columns + 1) / 2;
    for (size_t t = 0; t < tokens; t++) {
        const float *row = x + t * columns;
        uint32_t *target = pairs + t * count;
        for (size_t j = 0; j < count; j++) {
            uint16_t low = bf16_round(row[2 * j]);
            uint16_t high = 2 * j + 1 < columns ? bf16_round(row[2 * j + 1]) : 0;
            target[j] = (uint32_t)low | ((uint32_t)high << 16);
        }
    }
}

// ---- AVX2 + FMA: the same expression, 8 lanes at a time (two halves of a panel).

static inline __m256 bf16_low(__m256i words) { return _mm256_castsi256_ps(_mm256_slli_epi32(words, 16)); }
static inline __m256 bf16_high(__m256i words) {
    return _mm256_castsi256_ps(_mm256_and_si256(words, _mm256_set1_epi32((int)0xFFFF0000u)));
}

static void gemm_avx2(
    const uint32_t *x, size_t tokens, size_t pairs, const uint32_t *packed, size_t panel0, size_t panel1, size_t rows,
    float *y, size_t ldy, size_t column0, int accumulate) {
    for (size_t p = panel0; p < panel1; p++) {
        const uint32_t *panel = packed + p * pairs * 16;
        size_t width = rows - p * 16 < 16 ? rows - p * 16 : 16;
        for (size_t t = 0; t < tokens; t++) {
            const uint32_t *row = x + t * pairs;
            __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
            for (size_t j = 0; j < pairs; j++) {
                __m256i a = _mm256_set1_epi32((int)row[j]);
                __m256 alow = bf16_low(a), ahigh = bf16_high(a);
                __m256i w0 = _mm256_loadu_si256((const __m256i *)(panel + j * 16));
                __m256i w1 = _mm256_loadu_si256((const __m256i *)(panel + j * 16 + 8));
                acc0 = _mm256_fmadd_ps(ahigh, bf16_high(w0), acc0);
                acc0 = _mm256_fmadd_ps(alow, bf16_low(w0), acc0);
                acc1 = _mm256_fmadd_ps(ahigh, bf16_high(w1), acc1);
                acc1 = _mm256_fmadd_ps(alow, bf16_low(w1), acc1);
            }
            float lanes[16];
            _mm256_storeu_ps(lanes, acc0);
            _mm256_storeu_ps(lanes + 8, acc1);
            float *out = y + t * ldy + (p * 16 - column0);
            for (size_t i = 0; i < width; i++) out[i] = accumulate ? out[i] + lanes[i] : lanes[i];
        }
    }
}

// ---- AVX512_BF16: 3 panels (48 outputs) x 8 tokens per register block, 24 accumulators.

#pragma clang attribute push(__attribute__((target("avx512f,avx512bf16"))), apply_to = function)

static inline void store_panel(float *out, __m512 acc, size_t width, int accumulate) {
    __mmask16 mask = width >= 16 ? 0xFFFF : (__mmask16)((1u << width) - 1);
    if (accumulate) acc = _mm512_add_ps(acc, _mm512_maskz_loadu_ps(mask, out));
    _mm512_mask_storeu_ps(out, mask, acc);
}

#define TOKENS 8
#define PANELS 3

static void gemm_avx512(
    const uint32_t *x, size_t tokens, size_t pairs, const uint32_t *packed, size_t panel0, size_t panel1, size_t rows,
    float *y, size_t ldy, size_t column0, int accumulate) {
    for (size_t p = panel0; p < panel1; p += PANELS) {
        size_t np = panel1 - p < PANELS ? panel1 - p : PANELS;
        const uint32_t *w[PANELS];
        for (size_t q = 0; q < PANELS; q++) w[q] = packed + (p + (q < np ? q : 0)) * pairs * 16;
        for (size_t t0 = 0; t0 < tokens; t0 += TOKENS) {
            size_t nt = tokens - t0 < TOKENS ? tokens - t0 : TOKENS;
            __m512 acc[TOKENS][PANELS];
            for (size_t t = 0; t < TOKENS; t++)
                for (size_t q = 0; q < PANELS; q++) acc[t][q] = _mm512_setzero_ps();
            const uint32_t *row[TOKENS];
            for (size_t t = 0; t < TOKENS; t++) row[t] = x + (t0 + (t < nt ? t : 0)) * pairs;
            for (size_t j = 0; j < pairs; j++) {
                __m512bh b0 = (__m512bh)_mm512_loadu_si512(w[0] + j * 16);
                __m512bh b1 = (__m512bh)_mm512_loadu_si512(w[1] + j * 16);
                __m512bh b2 = (__m512bh)_mm512_loadu_si512(w[2] + j * 16);
                for (size_t t = 0; t < TOKENS; t++) {
                    __m512bh a = (__m512bh)_mm512_set1_epi32((int)row[t][j]);
                    acc[t][0] = _mm512_dpbf16_ps(acc[t][0], a, b0);
                    acc[t][1] = _mm512_dpbf16_ps(acc[t][1], a, b1);
                    acc[t][2] = _mm512_dpbf16_ps(acc[t][2], a, b2);
                }
            }
            for (size_t t = 0; t < nt; t++) {
                for (size_t q = 0; q < np; q++) {
                    size_t first = (p + q) * 16;
                    size_t width = rows - first < 16 ? rows - first : 16;
                    store_panel(y + (t0 + t) * ldy + (first - column0), acc[t][q], width, accumulate);
                }
            }
        }
    }
}

#pragma clang attribute pop

int ck_bf16_avx512_supported(void) { return ck_cpu_avx512f && ck_cpu_avx512bf16; }

void ck_bf16_gemm_with(
    int avx512, const uint32_t *x, size_t tokens, size_t columns, const uint32_t *packed, size_t rows, size_t panel0,
    size_t panel1, float *y, size_t ldy, size_t column0, int accumulate) {
    const size_t pairs = (columns + 1) / 2;
    if (avx512 && ck_bf16_avx512_supported())
        gemm_avx512(x, tokens, pairs, packed, panel0, panel1, rows, y, ldy, column0, accumulate);
    else
        gemm_avx2(x, tokens, pairs, packed, panel0, panel1, rows, y, ldy, column0, accumulate);
}
