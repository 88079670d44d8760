// Integer products of Q4_1 weights with Q8_1 activations (AVX2 vpmaddubsw), as llama.cpp's CPU backend computes
// them. See ck_q4_1_q8_1_gemm in ckernels.h; where the CPU has AVX-512 VNNI, int8_gemm_avx512.c computes the same
// bits faster.
//
// The packed weights keep 8 output rows side by side, so that one vector holds 4 consecutive unsigned 4-bit values
// (one byte each) of each of the 8 rows: per (group of 8 rows, 32-value block), 8 steps of 32 bytes. With 4 bytes of
// one token's activations broadcast, vpmaddubsw gives per row the sums of 2 products (16-bit), 8 steps add up a
// block in 16 bits (|sum| <= 8 * 2 * 15 * 127 = 30,480), vpmaddwd folds it to one 32-bit sum per row, and each
// block is then scaled in float: y += d_w d_a sum + m_w s_a, the expression of ggml's vec_dot_q4_1_q8_1.

#include "ckernels.h"
#include "cpu_features.h"
#include "int8_gemm_tile.h"

#include <immintrin.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#define ALWAYS_INLINE static inline __attribute__((always_inline))

static float half_to_float(uint16_t h) { return _cvtsh_ss(h); }
static float round_to_half(float x) { return _cvtsh_ss(_cvtss_sh(x, _MM_FROUND_TO_NEAREST_INT)); }

void ck_q4_1_pack(const uint8_t *raw, size_t rows, size_t columns, uint8_t *packed, float *scales, float *mins) {
    const size_t blocks = columns / 32;
    for (size_t o = 0; o < rows; o++) {
        size_t group = o / 8, r = o % 8;
        for (size_t b = 0; b < blocks; b++) {
            const uint8_t *block = raw + (o * blocks + b) * 20;
            uint16_t d, m;
            memcpy(&d, block, 2);
            memcpy(&m, block + 2, 2);
            scales[(group * blocks + b) * 8 + r] = half_to_float(d);
            mins[(group * blocks + b) * 8 + r] = half_to_float(m);
            uint8_t values[32];
            for (int j = 0; j < 16; j++) {
                values[j] = block[4 + j] & 0xF;
                values[j + 16] = block[4 + j] >> 4;
            }
            uint8_t *target = packed + (group * blocks + b) * 256;
            for (int step = 0; step < 8; step++) memcpy(target + step * 32 + r * 4, values + step * 4, 4);
        }
    }
}

void ck_q8_1_quantize(const float *x, size_t rows, size_t columns, int8_t *q, float *d, float *s) {
    const size_t blocks = columns / 32;
    for (size_t t = 0; t < rows; t++) {
        for (size_t b = 0; b < blocks; b++) {
            const float *block = x + t * columns + b * 32;
            float amax = 0;
            for (int j = 0; j < 32; j++) amax = fmaxf(amax, fabsf(block[j]));
            float scale = amax / 127, inverse = amax != 0 ? 127 / amax : 0;
            int sum = 0;
            int8_t *target = q + t * columns + b * 32;
            for (int j = 0; j < 32; j++) {
                int v = (int)nearbyintf(block[j] * inverse);
                target[j] = (int8_t)v;
                sum += v;
            }
            d[t * blocks + b] = round_to_half(scale);
            s[t * blocks + b] = round_to_half(scale * (float)sum);
        }
    }
}

// y[t][0..8) (+)= the 8 rows of `group` against T tokens.
ALWAYS_INLINE void tile(
    int T, const uint8_t *packed, const float *scales, const float *mins, size_t blocks, const int8_t *q,
    const float *d, const float *s, size_t columns, float *y, size_t ldy, int accumulate) {
    // As ggml: the scaled integer sums and the minimum terms are summed apart and added at the end, and the
    // product is complete before it is added to y.
    __m256 acc[4], minimum[4];
    for (int t = 0; t < T; t++) acc[t] = minimum[t] = _mm256_setzero_ps();
    const __m256i ones = _mm256_set1_epi16(1);
    for (size_t b = 0; b < blocks; b++) {
        const uint8_t *w = packed + b * 256;
        __m256i sums[4];
        for (int t = 0; t < T; t++) sums[t] = _mm256_setzero_si256();
        for (int step = 0; step < 8; step++) {
            __m256i weights = _mm256_load_si256((const __m256i *)(w + step * 32));
            for (int t = 0; t < T; t++) {
                int32_t four;
                memcpy(&four, q + t * columns + b * 32 + step * 4, 4);
                sums[t] = _mm256_add_epi16(sums[t], _mm256_maddubs_epi16(weights, _mm256_set1_epi32(four)));
            }
        }
        __m256 dw = _mm256_load_ps(scales + b * 8), mw = _mm256_load_ps(mins + b * 8);
        for (int t = 0; t < T; t++) {
            __m256 total = _mm256_cvtepi32_ps(_mm256_madd_epi16(sums[t], ones));
            __m256 scale = _mm256_mul_ps(dw, _mm256_set1_ps(d[t * blocks + b]));
            acc[t] = _mm256_fmadd_ps(scale, total, acc[t]);
            minimum[t] = _mm256_fmadd_ps(mw, _mm256_set1_ps(s[t * blocks + b]), minimum[t]);
        }
    }
    for (int t = 0; t < T; t++) {
        __m256 product = _mm256_add_ps(acc[t], minimum[t]);
        if (accumulate) product = _mm256_add_ps(_mm256_loadu_ps(y + t * ldy), product);
        _mm256_storeu_ps(y + t * ldy, product);
    }
}

void ck_q4_1_q8_1_gemm_with(
    int vnni, const uint8_t *packed, const float *scales, const float *mins, size_t columns, size_t group0,
    size_t group1, const int8_t *q, const float *d, const float *s, size_t tokens, float *y, size_t ldy,
    int accumulate) {
    if (vnni && ck_cpu_avx512vnni) {  // groups two at a time; an odd last one below
        size_t pairs_end = group0 + (group1 - group0) / 2 * 2;
        q4_1_q8_1_gemm_avx512vnni(
            packed, scales, mins, columns, group0, pairs_end, q, d, s, tokens, y, ldy, accumulate);
        group0 = pairs_end;
    }
    const size_t blocks = columns / 32;
    enum { TOKEN_TILE = 64 };
    for (size_t t0 = 0; t0 < tokens; t0 += TOKEN_TILE) {
        size_t t1 = t0 + TOKEN_TILE < tokens ? t0 + TOKEN_TILE : tokens;
        for (size_t g = group0; g < group1; g++) {
            const uint8_t *pw = packed + g * blocks * 256;
            const float *ps = scales + g * blocks * 8, *pm = mins + g * blocks * 8;
            size_t t = t0;
            for (; t + 4 <= t1; t += 4)
                tile(4, pw, ps, pm, blocks, q + t * columns, d + t * blocks, s + t * blocks, columns,
                    y + t * ldy + g * 8, ldy, accumulate);
            switch (t1 - t) {
            case 1: tile(1, pw, ps, pm, blocks, q + t * columns, d + t * blocks, s + t * blocks, columns, y + t * ldy + g * 8, ldy, accumulate); break;
            case 2: tile(2, pw, ps, pm, blocks, q + t * columns, d + t * blocks, s + t * blocks, columns, y + t * ldy + g * 8, ldy, accumulate); break;
            case 3: tile(3, pw, ps, pm, blocks, q + t * columns, d + t * blocks, s + t * blocks, columns, y + t * ldy + g * 8, ldy, accumulate); break;
            default: break;
            }
        }
    }
}

void ck_q4_1_q8_1_gemm(
    const uint8_t *packed, const float *scales, const float *mins, size_t columns, size_t group0, size_t group1,
    const int8_t *q, const float *d, const float *s, size_t tokens, float *y, size_t ldy, int accumulate) {
    ck_q4_1_q8_1_gemm_with(1, packed, scales, mins, columns, group0, group1, q, d, s, tokens, y, ldy, accumulate);
}
