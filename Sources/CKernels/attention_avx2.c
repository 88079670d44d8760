// The fused attention's tile step for AVX2 + FMA (see attention.c for the layout and attention_tile.h for the
// contract): a panel of 16 columns is two 8-lane vectors, the register blocks are 6 rows x 16 columns (12
// accumulators of the 16 ymm registers).

#include "attention_tile.h"
#include "vector_exp.h"

#include <immintrin.h>
#include <math.h>
#include <stdint.h>

enum { PANEL = ATTENTION_PANEL, BLOCK = 6 };

#define ALWAYS_INLINE static inline __attribute__((always_inline))

// scores[r][0..16) = sum_e keys[r][e] qt[e][0..16) for the R keys at `keys` (row stride d).
ALWAYS_INLINE void scores_block(
    int R, const float *keys, size_t d, const float *qt, float *scores, __m256 *top0, __m256 *top1) {
    __m256 a0[BLOCK], a1[BLOCK];
    for (int r = 0; r < R; r++) a0[r] = a1[r] = _mm256_setzero_ps();
#pragma clang loop unroll_count(4)
    for (size_t e = 0; e < d; e++) {
        __m256 b0 = _mm256_load_ps(qt + e * PANEL), b1 = _mm256_load_ps(qt + e * PANEL + 8);
        for (int r = 0; r < R; r++) {
            __m256 k = _mm256_broadcast_ss(keys + r * d + e);
            a0[r] = _mm256_fmadd_ps(k, b0, a0[r]);
            a1[r] = _mm256_fmadd_ps(k, b1, a1[r]);
        }
    }
    for (int r = 0; r < R; r++) {
        _mm256_store_ps(scores + r * PANEL, a0[r]);
        _mm256_store_ps(scores + r * PANEL + 8, a1[r]);
        *top0 = _mm256_max_ps(*top0, a0[r]);
        *top1 = _mm256_max_ps(*top1, a1[r]);
    }
}

// The scores of `count` keys against one panel; top[0..16) receives each column's maximum over them.
static void scores_tile(const float *keys, size_t count, size_t d, const float *qt, float *scores, float *top) {
    __m256 top0 = _mm256_set1_ps(-INFINITY), top1 = top0;
    size_t j = 0;
    for (; j + BLOCK <= count; j += BLOCK) scores_block(BLOCK, keys + j * d, d, qt, scores + j * PANEL, &top0, &top1);
    switch (count - j) {
    case 1: scores_block(1, keys + j * d, d, qt, scores + j * PANEL, &top0, &top1); break;
    case 2: scores_block(2, keys + j * d, d, qt, scores + j * PANEL, &top0, &top1); break;
    case 3: scores_block(3, keys + j * d, d, qt, scores + j * PANEL, &top0, &top1); break;
    case 4: scores_block(4, keys + j * d, d, qt, scores + j * PANEL, &top0, &top1); break;
    case 5: scores_block(5, keys + j * d, d, qt, scores + j * PANEL, &top0, &top1); break;
    default: break;
    }
    _mm256_store_ps(top, top0);
    _mm256_store_ps(top + 8, top1);
}

// ot[e][0..16) = alpha ot[e][0..16) + sum_j values[j][e] p[j][0..16) for the R output dimensions e0 ... e0+R-1.
ALWAYS_INLINE void output_block(
    int R, const float *values, size_t d, size_t count, const float *p, __m256 alpha0, __m256 alpha1, int first,
    float *ot) {
    __m256 a0[BLOCK], a1[BLOCK];
    for (int r = 0; r < R; r++) {
        if (first) {
            a0[r] = a1[r] = _mm256_setzero_ps();
        } else {
            a0[r] = _mm256_mul_ps(_mm256_load_ps(ot + r * PANEL), alpha0);
            a1[r] = _mm256_mul_ps(_mm256_load_ps(ot + r * PANEL + 8), alpha1);
        }
    }
#pragma clang loop unroll_count(4)
    for (size_t j = 0; j < count; j++) {
        __m256 b0 = _mm256_load_ps(p + j * PANEL), b1 = _mm256_load_ps(p + j * PANEL + 8);
        for (int r = 0; r < R; r++) {
            __m256 v = _mm256_broadcast_ss(values + j * d + r);
            a0[r] = _mm256_fmadd_ps(v, b0, a0[r]);
            a1[r] = _mm256_fmadd_ps(v, b1, a1[r]);
        }
    }
    for (int r = 0; r < R; r++) {
        _mm256_store_ps(ot + r * PANEL, a0[r]);
        _mm256_store_ps(ot + r * PANEL + 8, a1[r]);
    }
}

static void output_tile(
    const float *values, size_t d, size_t count, const float *p, __m256 alpha0, __m256 alpha1, int first,
    float *ot) {
    size_t e = 0;
    for (; e + BLOCK <= d; e += BLOCK) output_block(BLOCK, values + e, d, count, p, alpha0, alpha1, first, ot + e * PANEL);
    switch (d - e) {
    case 1: output_block(1, values + e, d, count, p, alpha0, alpha1, first, ot + e * PANEL); break;
    case 2: output_block(2, values + e, d, count, p, alpha0, alpha1, first, ot + e * PANEL); break;
    case 3: output_block(3, values + e, d, count, p, alpha0, alpha1, first, ot + e * PANEL); break;
    case 4: output_block(4, values + e, d, count, p, alpha0, alpha1, first, ot + e * PANEL); break;
    case 5: output_block(5, values + e, d, count, p, alpha0, alpha1, first, ot + e * PANEL); break;
    default: break;
    }
}

// The online softmax of one vector of 8 columns over a tile of `count` scores (stride PANEL): masks the keys the
// columns may not see, updates the running maximum *m and sum *l, turns the scores into exponentials and returns
// the factor 2^(m_old - m_new) the running output must be multiplied by. Column lane x is query `first_query + x`,
// which sees the keys below `visible0 + first_query + x`; the tile starts at key `key0`.
// `masked` is the panel's (whether the tile reaches past its first column's limit, as the AVX-512 kernel decides for
// all 16 columns at once): the upper half of a panel whose lower half alone sees hidden keys takes the masked path
// too, and both kernels give the same bits.
static __m256 softmax_tile(
    float *scores, size_t count, size_t key0, size_t visible0, size_t first_query, int masked, const float *tile_top,
    float *m, float *l) {
    __m256 top = _mm256_load_ps(tile_top);
    // A key j is hidden from query i when j >= visible0 + i; only tiles reaching past the first column's limit
    // hold such keys.
    if (masked) {
        const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
        const __m256 hidden = _mm256_set1_ps(-INFINITY);
        top = hidden;
        for (size_t j = 0; j < count; j++) {
            // Lane x sees key0 + j when first_query + x > key0 + j - visible0.
            int64_t t = (int64_t)(key0 + j) - (int64_t)visible0 - (int64_t)first_query;
            __m256 s = _mm256_load_ps(scores + j * PANEL);
            if (t >= 8) {
                s = hidden;
            } else if (t >= 0) {
                __m256 seen = _mm256_castsi256_ps(_mm256_cmpgt_epi32(lanes, _mm256_set1_epi32((int)t)));
                s = _mm256_blendv_ps(hidden, s, seen);
            }
            _mm256_store_ps(scores + j * PANEL, s);
            top = _mm256_max_ps(top, s);
        }
    }
    __m256 previous = _mm256_load_ps(m);
    __m256 maximum = _mm256_max_ps(previous, top);
    __m256 sum0 = _mm256_setzero_ps(), sum1 = sum0;
    if (masked) {
        for (size_t j = 0; j < count; j++) {
            __m256 e = exp2_8(_mm256_sub_ps(_mm256_load_ps(scores + j * PANEL), maximum));
            _mm256_store_ps(scores + j * PANEL, e);
            sum0 = _mm256_add_ps(sum0, e);
        }
    } else {
        size_t j = 0;
        for (; j + 2 <= count; j += 2) {
            __m256 e0 = exp2_nonpositive_8(_mm256_sub_ps(_mm256_load_ps(scores + j * PANEL), maximum));
            __m256 e1 = exp2_nonpositive_8(_mm256_sub_ps(_mm256_load_ps(scores + (j + 1) * PANEL), maximum));
            _mm256_store_ps(scores + j * PANEL, e0);
            _mm256_store_ps(scores + (j + 1) * PANEL, e1);
            sum0 = _mm256_add_ps(sum0, e0);
            sum1 = _mm256_add_ps(sum1, e1);
        }
        for (; j < count; j++) {
            __m256 e = exp2_nonpositive_8(_mm256_sub_ps(_mm256_load_ps(scores + j * PANEL), maximum));
            _mm256_store_ps(scores + j * PANEL, e);
            sum0 = _mm256_add_ps(sum0, e);
        }
    }
    // Every column sees key 0, which is in the first tile, so `maximum` is finite from then on; on the first tile
    // the previous maximum is -inf and alpha is (nearly) 0, which meets only the zero state.
    __m256 alpha = exp2_nonpositive_8(_mm256_sub_ps(previous, maximum));
    _mm256_store_ps(m, maximum);
    _mm256_store_ps(l, _mm256_fmadd_ps(_mm256_load_ps(l), alpha, _mm256_add_ps(sum0, sum1)));
    return alpha;
}

void attention_tile_avx2(
    const float *keys, const float *values, size_t count, size_t d, size_t key0, size_t visible0, size_t query0,
    const float *qt, float *ot, float *m, float *l, float *p) {
    float top[PANEL] __attribute__((aligned(32)));
    scores_tile(keys, count, d, qt, p, top);
    const int masked = key0 + count > visible0 + query0;
    __m256 alpha0 = softmax_tile(p, count, key0, visible0, query0, masked, top, m, l);
    __m256 alpha1 = softmax_tile(p + 8, count, key0, visible0, query0 + 8, masked, top + 8, m + 8, l + 8);
    output_tile(values, d, count, p, alpha0, alpha1, key0 == 0, ot);
}

// ---- bf16 products emulated with FMAs (see attention_tile_bf16_avx512 for the layout): each word's pair meets the
// other operand's pair as vdpbf16ps does, the high halves' product first, then the low halves' (an FMA of an exact
// product of bf16 values rounds once, as the instruction's add does), so both kernels give the same bits.

static inline __m256 bf16_low(__m256i words) { return _mm256_castsi256_ps(_mm256_slli_epi32(words, 16)); }
static inline __m256 bf16_high(__m256i words) {
    return _mm256_castsi256_ps(_mm256_and_si256(words, _mm256_set1_epi32((int)0xFFFF0000u)));
}

ALWAYS_INLINE void scores_block_bf16(
    int R, const uint32_t *keys, size_t pairs, const uint32_t *qt, float *scores, __m256 *top0, __m256 *top1) {
    __m256 a0[BLOCK], a1[BLOCK];
    for (int r = 0; r < R; r++) a0[r] = a1[r] = _mm256_setzero_ps();
    for (size_t i = 0; i < pairs; i++) {
        __m256i b0 = _mm256_load_si256((const __m256i *)(qt + i * PANEL));
        __m256i b1 = _mm256_load_si256((const __m256i *)(qt + i * PANEL + 8));
        __m256 b0h = bf16_high(b0), b0l = bf16_low(b0), b1h = bf16_high(b1), b1l = bf16_low(b1);
        for (int r = 0; r < R; r++) {
            __m256i k = _mm256_set1_epi32((int)keys[r * pairs + i]);
            __m256 kh = bf16_high(k), kl = bf16_low(k);
            a0[r] = _mm256_fmadd_ps(kl, b0l, _mm256_fmadd_ps(kh, b0h, a0[r]));
            a1[r] = _mm256_fmadd_ps(kl, b1l, _mm256_fmadd_ps(kh, b1h, a1[r]));
        }
    }
    for (int r = 0; r < R; r++) {
        _mm256_store_ps(scores + r * PANEL, a0[r]);
        _mm256_store_ps(scores + r * PANEL + 8, a1[r]);
        *top0 = _mm256_max_ps(*top0, a0[r]);
        *top1 = _mm256_max_ps(*top1, a1[r]);
    }
}

static void scores_tile_bf16(
    const uint32_t *keys, size_t count, size_t pairs, const uint32_t *qt, float *scores, float *top) {
    __m256 top0 = _mm256_set1_ps(-INFINITY), top1 = top0;
    size_t j = 0;
    for (; j + BLOCK <= count; j += BLOCK)
        scores_block_bf16(BLOCK, keys + j * pairs, pairs, qt, scores + j * PANEL, &top0, &top1);
    for (; j < count; j++) scores_block_bf16(1, keys + j * pairs, pairs, qt, scores + j * PANEL, &top0, &top1);
    _mm256_store_ps(top, top0);
    _mm256_store_ps(top + 8, top1);
}

// Rounds 8 floats to bf16 (nearest even; no NaN or subnormal reaches here), in the low halves of the words.
static inline __m256i bf16_round_8(__m256 x) {
    __m256i bits = _mm256_castps_si256(x);
    __m256i odd = _mm256_and_si256(_mm256_srli_epi32(bits, 16), _mm256_set1_epi32(1));
    return _mm256_srli_epi32(_mm256_add_epi32(bits, _mm256_add_epi32(odd, _mm256_set1_epi32(0x7FFF))), 16);
}

static void pair_probabilities(const float *p, size_t count, uint32_t *pp) {
    for (size_t j = 0; j < count; j += 2) {
        for (size_t h = 0; h < PANEL; h += 8) {
            __m256i low = bf16_round_8(_mm256_load_ps(p + j * PANEL + h));
            __m256i high = j + 1 < count ? bf16_round_8(_mm256_load_ps(p + (j + 1) * PANEL + h)) : _mm256_setzero_si256();
            _mm256_store_si256((__m256i *)(pp + j / 2 * PANEL + h), _mm256_or_si256(low, _mm256_slli_epi32(high, 16)));
        }
    }
}

ALWAYS_INLINE void output_block_bf16(
    int R, const uint32_t *values, size_t d, size_t pairs, const uint32_t *pp, __m256 alpha0, __m256 alpha1,
    int first, float *ot) {
    __m256 a0[BLOCK], a1[BLOCK];
    for (int r = 0; r < R; r++) {
        if (first) {
            a0[r] = a1[r] = _mm256_setzero_ps();
        } else {
            a0[r] = _mm256_mul_ps(_mm256_load_ps(ot + r * PANEL), alpha0);
            a1[r] = _mm256_mul_ps(_mm256_load_ps(ot + r * PANEL + 8), alpha1);
        }
    }
    for (size_t j = 0; j < pairs; j++) {
        __m256i b0 = _mm256_load_si256((const __m256i *)(pp + j * PANEL));
        __m256i b1 = _mm256_load_si256((const __m256i *)(pp + j * PANEL + 8));
        __m256 b0h = bf16_high(b0), b0l = bf16_low(b0), b1h = bf16_high(b1), b1l = bf16_low(b1);
        for (int r = 0; r < R; r++) {
            __m256i v = _mm256_set1_epi32((int)values[j * d + r]);
            __m256 vh = bf16_high(v), vl = bf16_low(v);
            a0[r] = _mm256_fmadd_ps(vl, b0l, _mm256_fmadd_ps(vh, b0h, a0[r]));
            a1[r] = _mm256_fmadd_ps(vl, b1l, _mm256_fmadd_ps(vh, b1h, a1[r]));
        }
    }
    for (int r = 0; r < R; r++) {
        _mm256_store_ps(ot + r * PANEL, a0[r]);
        _mm256_store_ps(ot + r * PANEL + 8, a1[r]);
    }
}

static void output_tile_bf16(
    const uint32_t *values, size_t d, size_t pairs, const uint32_t *pp, __m256 alpha0, __m256 alpha1, int first,
    float *ot) {
    size_t e = 0;
    for (; e + BLOCK <= d; e += BLOCK)
        output_block_bf16(BLOCK, values + e, d, pairs, pp, alpha0, alpha1, first, ot + e * PANEL);
    for (; e < d; e++) output_block_bf16(1, values + e, d, pairs, pp, alpha0, alpha1, first, ot + e * PANEL);
}

void attention_tile_bf16_avx2(
    const uint32_t *keys, const uint32_t *values, size_t count, size_t d, size_t key0, size_t visible0,
    size_t query0, const uint32_t *qt, float *ot, float *m, float *l, float *p, uint32_t *pp) {
    float top[PANEL] __attribute__((aligned(32)));
    scores_tile_bf16(keys, count, d / 2, qt, p, top);
    const int masked = key0 + count > visible0 + query0;
    __m256 alpha0 = softmax_tile(p, count, key0, visible0, query0, masked, top, m, l);
    __m256 alpha1 = softmax_tile(p + 8, count, key0, visible0, query0 + 8, masked, top + 8, m + 8, l + 8);
    pair_probabilities(p, count, pp);
    output_tile_bf16(values, d, (count + 1) / 2, pp, alpha0, alpha1, key0 == 0, ot);
}
