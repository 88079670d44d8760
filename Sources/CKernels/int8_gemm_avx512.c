// int8_gemm.c's integer products with AVX-512 VNNI: one 16-lane vector holds the 4 bytes of a step of two adjacent
// groups of 8 rows (the packed layout is the AVX2 kernel's; the two halves are loaded apart), and vpdpbusd multiplies
// them by 4 broadcast activation bytes and adds the 4 products of each row straight into its 32-bit sum. The integer
// sum of a block is exact in both kernels (the AVX2 one's 16-bit partial sums cannot overflow: at most
// 8 * 2 * 15 * 127 = 30,480), and the float scaling that follows is the AVX2 kernel's, lane for lane, so the two
// give the same bits. Per (pair of groups, block), 8 tokens at a time: 24 of the 32 registers hold the sums and the
// two float accumulators of each token.

#include "int8_gemm_tile.h"

#include <immintrin.h>
#include <string.h>

#pragma clang attribute push(__attribute__((target("avx512f,avx512vl,avx512bw,avx512vnni,avx2,fma"))), apply_to = function)

#define ALWAYS_INLINE static inline __attribute__((always_inline))

enum { TOKENS = 8 };

ALWAYS_INLINE __m512i load_pair_i(const uint8_t *low, const uint8_t *high) {
    return _mm512_inserti64x4(
        _mm512_castsi256_si512(_mm256_load_si256((const __m256i *)low)), _mm256_load_si256((const __m256i *)high), 1);
}

ALWAYS_INLINE __m512 load_pair_f(const float *low, const float *high) {
    return _mm512_castpd_ps(_mm512_insertf64x4(
        _mm512_castpd256_pd512(_mm256_castps_pd(_mm256_load_ps(low))), _mm256_castps_pd(_mm256_load_ps(high)), 1));
}

// y[t][0..16) (+)= the 16 rows of groups g and g + 1 (packed at w0 and w1) against T tokens.
ALWAYS_INLINE void tile(
    int T, const uint8_t *w0, const uint8_t *w1, const float *scales0, const float *scales1, const float *mins0,
    const float *mins1, size_t blocks, const int8_t *q, const float *d, const float *s, size_t columns, float *y,
    size_t ldy, int accumulate) {
    __m512 acc[TOKENS], minimum[TOKENS];
    for (int t = 0; t < T; t++) acc[t] = minimum[t] = _mm512_setzero_ps();
    for (size_t b = 0; b < blocks; b++) {
        __m512i sums[TOKENS];
        for (int t = 0; t < T; t++) sums[t] = _mm512_setzero_si512();
        for (int step = 0; step < 8; step++) {
            __m512i weights = load_pair_i(w0 + b * 256 + step * 32, w1 + b * 256 + step * 32);
            for (int t = 0; t < T; t++) {
                int32_t four;
                memcpy(&four, q + t * columns + b * 32 + step * 4, 4);
                sums[t] = _mm512_dpbusd_epi32(sums[t], weights, _mm512_set1_epi32(four));
            }
        }
        __m512 dw = load_pair_f(scales0 + b * 8, scales1 + b * 8), mw = load_pair_f(mins0 + b * 8, mins1 + b * 8);
        for (int t = 0; t < T; t++) {
            __m512 total = _mm512_cvtepi32_ps(sums[t]);
            __m512 scale = _mm512_mul_ps(dw, _mm512_set1_ps(d[t * blocks + b]));
            acc[t] = _mm512_fmadd_ps(scale, total, acc[t]);
            minimum[t] = _mm512_fmadd_ps(mw, _mm512_set1_ps(s[t * blocks + b]), minimum[t]);
        }
    }
    for (int t = 0; t < T; t++) {
        __m512 product = _mm512_add_ps(acc[t], minimum[t]);
        if (accumulate) product = _mm512_add_ps(_mm512_loadu_ps(y + t * ldy), product);
        _mm512_storeu_ps(y + t * ldy, product);
    }
}

void q4_1_q8_1_gemm_avx512vnni(
    const uint8_t *packed, const float *scales, const float *mins, size_t columns, size_t group0, size_t group1,
    const int8_t *q, const float *d, const float *s, size_t tokens, float *y, size_t ldy, int accumulate) {
    const size_t blocks = columns / 32;
    enum { TOKEN_TILE = 64 };
    for (size_t t0 = 0; t0 < tokens; t0 += TOKEN_TILE) {
        size_t t1 = t0 + TOKEN_TILE < tokens ? t0 + TOKEN_TILE : tokens;
        for (size_t g = group0; g + 1 < group1; g += 2) {
            const uint8_t *w0 = packed + g * blocks * 256, *w1 = w0 + blocks * 256;
            const float *s0 = scales + g * blocks * 8, *s1 = s0 + blocks * 8;
            const float *m0 = mins + g * blocks * 8, *m1 = m0 + blocks * 8;
#define TILE(T) \
    tile(T, w0, w1, s0, s1, m0, m1, blocks, q + t * columns, d + t * blocks, s + t * blocks, columns, \
        y + t * ldy + g * 8, ldy, accumulate)
            size_t t = t0;
            for (; t + TOKENS <= t1; t += TOKENS) TILE(TOKENS);
            switch (t1 - t) {
            case 1: TILE(1); break;
            case 2: TILE(2); break;
            case 3: TILE(3); break;
            case 4: TILE(4); break;
            case 5: TILE(5); break;
            case 6: TILE(6); break;
            case 7: TILE(7); break;
            default: break;
            }
#undef TILE
        }
    }
}

#pragma clang attribute pop
