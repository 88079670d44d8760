// The fused attention's tile step for AVX-512F (see attention.c for the layout and attention_tile.h for the
// contract): a panel of 16 columns is one 16-lane vector, and the 32 registers hold register blocks of 16 keys (or 16
// output dimensions) x 16 columns, so that d = 64 and a tile of 64 keys split into whole blocks. Every lane runs the
// same operations in the same order as the AVX2 kernel (the same FMA chains over d and over the keys, the same
// exponential, maxima and sums), so both give the same bits; on CPUs that run 512-bit operations as two 256-bit
// halves (AMD Zen 4) it is faster by issuing half the instructions, not by more arithmetic per cycle.

#include "attention_tile.h"
#include "vector_exp.h"

#include <immintrin.h>
#include <math.h>
#include <stdint.h>

#pragma clang attribute push(__attribute__((target("avx512f,avx2,fma"))), apply_to = function)

enum { PANEL = ATTENTION_PANEL };

#define ALWAYS_INLINE static inline __attribute__((always_inline))

// exp2_polynomial_8 of vector_exp.h on 16 lanes.
ALWAYS_INLINE __m512 exp2_polynomial_16(__m512 r) {
    __m512 p = _mm512_set1_ps(exp2_coefficients[0]);
    for (int i = 1; i < 7; i++) p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(exp2_coefficients[i]));
    return p;
}

// exp2_8 and exp2_nonpositive_8 of vector_exp.h on 16 lanes, operation for operation, so that both kernels give the
// same bits.
ALWAYS_INLINE __m512 exp2_16(__m512 x) {
    const __m512 lo = _mm512_set1_ps(-126.0f), hi = _mm512_set1_ps(127.0f);
    __mmask16 underflow = _mm512_cmp_ps_mask(x, lo, _CMP_LT_OQ);
    __m512 c = _mm512_min_ps(_mm512_max_ps(x, lo), hi);
    __m512 n = _mm512_roundscale_ps(c, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_sub_ps(c, n);
    __m512 p = exp2_polynomial_16(r);
    __m512i e = _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23);
    return _mm512_maskz_mov_ps((__mmask16)~underflow, _mm512_mul_ps(p, _mm512_castsi512_ps(e)));
}

ALWAYS_INLINE __m512 exp2_nonpositive_16(__m512 x) {
    const __m512 shifter = _mm512_set1_ps(12582912.0f);
    __m512 c = _mm512_max_ps(x, _mm512_set1_ps(-125.0f));
    __m512 t = _mm512_add_ps(c, shifter);
    __m512 r = _mm512_sub_ps(c, _mm512_sub_ps(t, shifter));
    __m512 p = exp2_polynomial_16(r);
    __m512i n = _mm512_slli_epi32(_mm512_castps_si512(t), 23);
    return _mm512_castsi512_ps(_mm512_add_epi32(_mm512_castps_si512(p), n));
}

// scores[r][0..16) = sum_e keys[r][e] qt[e][0..16) for the R keys at `keys` (row stride d); *top takes their maxima.
ALWAYS_INLINE void scores_block(int R, const float *keys, size_t d, const float *qt, float *scores, __m512 *top) {
    __m512 a[16];
    for (int r = 0; r < R; r++) a[r] = _mm512_setzero_ps();
#pragma clang loop unroll_count(2)
    for (size_t e = 0; e < d; e++) {
        __m512 b = _mm512_load_ps(qt + e * PANEL);
        for (int r = 0; r < R; r++) a[r] = _mm512_fmadd_ps(_mm512_set1_ps(keys[r * d + e]), b, a[r]);
    }
    for (int r = 0; r < R; r++) {
        _mm512_store_ps(scores + r * PANEL, a[r]);
        *top = _mm512_max_ps(*top, a[r]);
    }
}

// Blocks of 16 keys, then 8, 4, 2, 1 for the rest of a tile.
static void scores_tile(const float *keys, size_t count, size_t d, const float *qt, float *scores, __m512 *top) {
    size_t j = 0;
    for (; j + 16 <= count; j += 16) scores_block(16, keys + j * d, d, qt, scores + j * PANEL, top);
    if (count - j >= 8) { scores_block(8, keys + j * d, d, qt, scores + j * PANEL, top); j += 8; }
    if (count - j >= 4) { scores_block(4, keys + j * d, d, qt, scores + j * PANEL, top); j += 4; }
    if (count - j >= 2) { scores_block(2, keys + j * d, d, qt, scores + j * PANEL, top); j += 2; }
    if (count - j >= 1) { scores_block(1, keys + j * d, d, qt, scores + j * PANEL, top); j += 1; }
}

// ot[e][0..16) = alpha ot[e][0..16) + sum_j values[j][e] p[j][0..16) for the R output dimensions at `values`.
ALWAYS_INLINE void output_block(int R, const float *values, size_t d, size_t count, const float *p, __m512 alpha, int first, float *ot) {
    __m512 a[16];
    for (int r = 0; r < R; r++) a[r] = first ? _mm512_setzero_ps() : _mm512_mul_ps(_mm512_load_ps(ot + r * PANEL), alpha);
#pragma clang loop unroll_count(2)
    for (size_t j = 0; j < count; j++) {
        __m512 b = _mm512_load_ps(p + j * PANEL);
        for (int r = 0; r < R; r++) a[r] = _mm512_fmadd_ps(_mm512_set1_ps(values[j * d + r]), b, a[r]);
    }
    for (int r = 0; r < R; r++) _mm512_store_ps(ot + r * PANEL, a[r]);
}

static void output_tile(const float *values, size_t d, size_t count, const float *p, __m512 alpha, int first, float *ot) {
    size_t e = 0;
    for (; e + 16 <= d; e += 16) output_block(16, values + e, d, count, p, alpha, first, ot + e * PANEL);
    if (d - e >= 8) { output_block(8, values + e, d, count, p, alpha, first, ot + e * PANEL); e += 8; }
    if (d - e >= 4) { output_block(4, values + e, d, count, p, alpha, first, ot + e * PANEL); e += 4; }
    if (d - e >= 2) { output_block(2, values + e, d, count, p, alpha, first, ot + e * PANEL); e += 2; }
    if (d - e >= 1) { output_block(1, values + e, d, count, p, alpha, first, ot + e * PANEL); e += 1; }
}

// The online softmax of one panel over a tile of `count` scores at p (count x 16), whose column maxima are `top`: masks
// the keys the columns may not see, updates the running maximum m and sum l, turns the scores into exponentials in
// place and returns the factor 2^(m_old - m_new) the running output must be multiplied by.
ALWAYS_INLINE __m512 softmax_tile(
    float *p, size_t count, size_t key0, size_t visible0, size_t query0, __m512 top, float *m, float *l) {
    // The masking and the two sums as in the AVX2 kernel (lane x is query query0 + x, which sees the keys below
    // visible0 + query0 + x): the masked tiles' exponentials keep exp2_8's exact zeros and one running sum, the
    // others pair their keys into two sums.
    const int masked = key0 + count > visible0 + query0;
    if (masked) {
        const __m512i lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        const __m512 hidden = _mm512_set1_ps(-INFINITY);
        top = hidden;
        for (size_t j = 0; j < count; j++) {
            int64_t t = (int64_t)(key0 + j) - (int64_t)visible0 - (int64_t)query0;
            __m512 s = _mm512_load_ps(p + j * PANEL);
            if (t >= 16) s = hidden;
            else if (t >= 0) s = _mm512_mask_blend_ps(_mm512_cmpgt_epi32_mask(lanes, _mm512_set1_epi32((int)t)), hidden, s);
            _mm512_store_ps(p + j * PANEL, s);
            top = _mm512_max_ps(top, s);
        }
    }
    __m512 previous = _mm512_load_ps(m);
    __m512 maximum = _mm512_max_ps(previous, top);
    __m512 sum0 = _mm512_setzero_ps(), sum1 = sum0;
    if (masked) {
        for (size_t j = 0; j < count; j++) {
            __m512 e = exp2_16(_mm512_sub_ps(_mm512_load_ps(p + j * PANEL), maximum));
            _mm512_store_ps(p + j * PANEL, e);
            sum0 = _mm512_add_ps(sum0, e);
        }
    } else {
        size_t j = 0;
        for (; j + 2 <= count; j += 2) {
            __m512 e0 = exp2_nonpositive_16(_mm512_sub_ps(_mm512_load_ps(p + j * PANEL), maximum));
            __m512 e1 = exp2_nonpositive_16(_mm512_sub_ps(_mm512_load_ps(p + (j + 1) * PANEL), maximum));
            _mm512_store_ps(p + j * PANEL, e0);
            _mm512_store_ps(p + (j + 1) * PANEL, e1);
            sum0 = _mm512_add_ps(sum0, e0);
            sum1 = _mm512_add_ps(sum1, e1);
        }
        for (; j < count; j++) {
            __m512 e = exp2_nonpositive_16(_mm512_sub_ps(_mm512_load_ps(p + j * PANEL), maximum));
            _mm512_store_ps(p + j * PANEL, e);
            sum0 = _mm512_add_ps(sum0, e);
        }
    }
    __m512 alpha = exp2_nonpositive_16(_mm512_sub_ps(previous, maximum));
    _mm512_store_ps(m, maximum);
    _mm512_store_ps(l, _mm512_fmadd_ps(_mm512_load_ps(l), alpha, _mm512_add_ps(sum0, sum1)));
    return alpha;
}

void attention_tile_avx512(
    const float *keys, const float *values, size_t count, size_t d, size_t key0, size_t visible0, size_t query0,
    const float *qt, float *ot, float *m, float *l, float *p) {
    __m512 top = _mm512_set1_ps(-INFINITY);
    scores_tile(keys, count, d, qt, p, &top);
    __m512 alpha = softmax_tile(p, count, key0, visible0, query0, top, m, l);
    output_tile(values, d, count, p, alpha, key0 == 0, ot);
}

#pragma clang attribute pop

#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512bf16,avx2,fma"))), apply_to = function)

// ---- bf16 products (AVX512_BF16's vdpbf16ps), the softmax above in float32. Register blocks as in the float32
// step, with the inner dimension walked in pairs: a word of a key row holds (k[2i], k[2i+1]), a word of Q^T the same
// pair of one column; a word of the tile's interleaved values holds (v[2j][e], v[2j+1][e]), a word of P^T the
// probabilities of keys 2j and 2j+1 for one column.

ALWAYS_INLINE void scores_block_bf16(
    int R, const uint32_t *keys, size_t pairs, const uint32_t *qt, float *scores, __m512 *top) {
    __m512 a[16];
    for (int r = 0; r < R; r++) a[r] = _mm512_setzero_ps();
#pragma clang loop unroll_count(2)
    for (size_t i = 0; i < pairs; i++) {
        __m512bh b = (__m512bh)_mm512_load_si512(qt + i * PANEL);
        for (int r = 0; r < R; r++)
            a[r] = _mm512_dpbf16_ps(a[r], (__m512bh)_mm512_set1_epi32((int)keys[r * pairs + i]), b);
    }
    for (int r = 0; r < R; r++) {
        _mm512_store_ps(scores + r * PANEL, a[r]);
        *top = _mm512_max_ps(*top, a[r]);
    }
}

static void scores_tile_bf16(
    const uint32_t *keys, size_t count, size_t pairs, const uint32_t *qt, float *scores, __m512 *top) {
    size_t j = 0;
    for (; j + 16 <= count; j += 16) scores_block_bf16(16, keys + j * pairs, pairs, qt, scores + j * PANEL, top);
    if (count - j >= 8) { scores_block_bf16(8, keys + j * pairs, pairs, qt, scores + j * PANEL, top); j += 8; }
    if (count - j >= 4) { scores_block_bf16(4, keys + j * pairs, pairs, qt, scores + j * PANEL, top); j += 4; }
    if (count - j >= 2) { scores_block_bf16(2, keys + j * pairs, pairs, qt, scores + j * PANEL, top); j += 2; }
    if (count - j >= 1) { scores_block_bf16(1, keys + j * pairs, pairs, qt, scores + j * PANEL, top); j += 1; }
}

// P^T (count x 16 floats) to pairs of keys (ceil(count / 2) x 16 words), rounded to nearest even; an odd count's
// last pair has a zero partner.
static void pair_probabilities(const float *p, size_t count, uint32_t *pp) {
    static const uint16_t order[32] = {
        0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30,
        15, 31};
    const __m512i interleave = _mm512_loadu_si512(order);
    for (size_t j = 0; j < count; j += 2) {
        __m512 low = _mm512_load_ps(p + j * PANEL);
        __m512 high = j + 1 < count ? _mm512_load_ps(p + (j + 1) * PANEL) : _mm512_setzero_ps();
        __m512i words = (__m512i)_mm512_cvtne2ps_pbh(high, low);
        _mm512_store_si512(pp + j / 2 * PANEL, _mm512_permutexvar_epi16(interleave, words));
    }
}

ALWAYS_INLINE void output_block_bf16(
    int R, const uint32_t *values, size_t d, size_t pairs, const uint32_t *pp, __m512 alpha, int first, float *ot) {
    __m512 a[16];
    for (int r = 0; r < R; r++) a[r] = first ? _mm512_setzero_ps() : _mm512_mul_ps(_mm512_load_ps(ot + r * PANEL), alpha);
#pragma clang loop unroll_count(2)
    for (size_t j = 0; j < pairs; j++) {
        __m512bh b = (__m512bh)_mm512_load_si512(pp + j * PANEL);
        for (int r = 0; r < R; r++)
            a[r] = _mm512_dpbf16_ps(a[r], (__m512bh)_mm512_set1_epi32((int)values[j * d + r]), b);
    }
    for (int r = 0; r < R; r++) _mm512_store_ps(ot + r * PANEL, a[r]);
}

static void output_tile_bf16(
    const uint32_t *values, size_t d, size_t pairs, const uint32_t *pp, __m512 alpha, int first, float *ot) {
    size_t e = 0;
    for (; e + 16 <= d; e += 16) output_block_bf16(16, values + e, d, pairs, pp, alpha, first, ot + e * PANEL);
    if (d - e >= 8) { output_block_bf16(8, values + e, d, pairs, pp, alpha, first, ot + e * PANEL); e += 8; }
    if (d - e >= 4) { output_block_bf16(4, values + e, d, pairs, pp, alpha, first, ot + e * PANEL); e += 4; }
    if (d - e >= 2) { output_block_bf16(2, values + e, d, pairs, pp, alpha, first, ot + e * PANEL); e += 2; }
    if (d - e >= 1) { output_block_bf16(1, values + e, d, pairs, pp, alpha, first, ot + e * PANEL); e += 1; }
}

void attention_tile_bf16_avx512(
    const uint32_t *keys, const uint32_t *values, size_t count, size_t d, size_t key0, size_t visible0,
    size_t query0, const uint32_t *qt, float *ot, float *m, float *l, float *p, uint32_t *pp) {
    __m512 top = _mm512_set1_ps(-INFINITY);
    scores_tile_bf16(keys, count, d / 2, qt, p, &top);
    __m512 alpha = softmax_tile(p, count, key0, visible0, query0, top, m, l);
    pair_probabilities(p, count, pp);
    output_tile_bf16(values, d, (count + 1) / 2, pp, alpha, key0 == 0, ot);
}

// ---- Two panels at a time: each broadcast word of a key or value meets the Q^T (or P^T) vectors of two panels, so a
// block of 8 keys (or output dimensions) x 2 panels issues 8 broadcasts and 2 loads for 16 vdpbf16ps, where one panel
// issues 16 and 1: on Zen 4 the single panel's loop runs at about 74 % of the vdpbf16ps rate and this one at the
// rate (results/bf16-attention-pairs.txt). Every column's chains are those of the single-panel step: the same bits.

// The register block both products share: a[r] += sum_i word(r, i) va[i], b[r] likewise with vb, where word (r, i)
// is words[r * r_stride + i * i_stride] (a key's pair of dimensions, or a value's pair of keys) and va[i], vb[i] are
// the i-th vectors (stride PANEL) of the two panels.
ALWAYS_INLINE void pair_block_bf16(
    int R, const uint32_t *words, size_t r_stride, size_t i_stride, size_t n, const uint32_t *va, const uint32_t *vb,
    __m512 *a, __m512 *b) {
    for (size_t i = 0; i < n; i++) {
        __m512bh x = (__m512bh)_mm512_load_si512(va + i * PANEL), y = (__m512bh)_mm512_load_si512(vb + i * PANEL);
        for (int r = 0; r < R; r++) {
            __m512bh w = (__m512bh)_mm512_set1_epi32((int)words[r * r_stride + i * i_stride]);
            a[r] = _mm512_dpbf16_ps(a[r], w, x);
            b[r] = _mm512_dpbf16_ps(b[r], w, y);
        }
    }
}

ALWAYS_INLINE void scores_block2_bf16(
    int R, const uint32_t *keys, size_t pairs, const uint32_t *qa, const uint32_t *qb, float *sa, float *sb,
    __m512 *topa, __m512 *topb) {
    __m512 a[8], b[8];
    for (int r = 0; r < R; r++) a[r] = b[r] = _mm512_setzero_ps();
    pair_block_bf16(R, keys, pairs, 1, pairs, qa, qb, a, b);
    for (int r = 0; r < R; r++) {
        _mm512_store_ps(sa + r * PANEL, a[r]);
        _mm512_store_ps(sb + r * PANEL, b[r]);
        *topa = _mm512_max_ps(*topa, a[r]);
        *topb = _mm512_max_ps(*topb, b[r]);
    }
}

ALWAYS_INLINE void scores_tile2_bf16(
    const uint32_t *keys, size_t count, size_t pairs, const attention_bf16_panel *a, const attention_bf16_panel *b,
    __m512 *topa, __m512 *topb) {
#define BLOCK(R) \
    scores_block2_bf16(R, keys + j * pairs, pairs, a->qt, b->qt, a->p + j * PANEL, b->p + j * PANEL, topa, topb)
    size_t j = 0;
    for (; j + 8 <= count; j += 8) BLOCK(8);
    if (count - j >= 4) { BLOCK(4); j += 4; }
    if (count - j >= 2) { BLOCK(2); j += 2; }
    if (count - j >= 1) { BLOCK(1); j += 1; }
#undef BLOCK
}

ALWAYS_INLINE void output_block2_bf16(
    int R, const uint32_t *values, size_t d, size_t pairs, const uint32_t *ppa, const uint32_t *ppb, __m512 alphaa,
    __m512 alphab, int first, float *ota, float *otb) {
    __m512 a[8], b[8];
    for (int r = 0; r < R; r++) {
        a[r] = first ? _mm512_setzero_ps() : _mm512_mul_ps(_mm512_load_ps(ota + r * PANEL), alphaa);
        b[r] = first ? _mm512_setzero_ps() : _mm512_mul_ps(_mm512_load_ps(otb + r * PANEL), alphab);
    }
    pair_block_bf16(R, values, 1, d, pairs, ppa, ppb, a, b);
    for (int r = 0; r < R; r++) {
        _mm512_store_ps(ota + r * PANEL, a[r]);
        _mm512_store_ps(otb + r * PANEL, b[r]);
    }
}

ALWAYS_INLINE void output_tile2_bf16(
    const uint32_t *values, size_t d, size_t pairs, const attention_bf16_panel *a, const attention_bf16_panel *b,
    __m512 alphaa, __m512 alphab, int first) {
#define BLOCK(R) \
    output_block2_bf16(R, values + e, d, pairs, a->pp, b->pp, alphaa, alphab, first, a->ot + e * PANEL, b->ot + e * PANEL)
    size_t e = 0;
    for (; e + 8 <= d; e += 8) BLOCK(8);
    if (d - e >= 4) { BLOCK(4); e += 4; }
    if (d - e >= 2) { BLOCK(2); e += 2; }
    if (d - e >= 1) { BLOCK(1); e += 1; }
#undef BLOCK
}

ALWAYS_INLINE void tile_pair_bf16(
    const uint32_t *keys, const uint32_t *values, size_t count, size_t d, size_t key0, size_t visible0,
    const attention_bf16_panel *a, const attention_bf16_panel *b) {
    __m512 topa = _mm512_set1_ps(-INFINITY), topb = topa;
    scores_tile2_bf16(keys, count, d / 2, a, b, &topa, &topb);
    __m512 alphaa = softmax_tile(a->p, count, key0, visible0, a->query0, topa, a->m, a->l);
    __m512 alphab = softmax_tile(b->p, count, key0, visible0, b->query0, topb, b->m, b->l);
    pair_probabilities(a->p, count, a->pp);
    pair_probabilities(b->p, count, b->pp);
    output_tile2_bf16(values, d, (count + 1) / 2, a, b, alphaa, alphab, key0 == 0);
}

// A head width of 64 (SmolLM2's, Llama's) as a constant: the 8 key rows of a register block are then fixed offsets
// from one pointer (2-4 % faster here, results/bf16-attention-pairs.txt; the same operations).
void attention_tile_pair_bf16_avx512(
    const uint32_t *keys, const uint32_t *values, size_t count, size_t d, size_t key0, size_t visible0,
    const attention_bf16_panel *a, const attention_bf16_panel *b) {
    if (d == 64) tile_pair_bf16(keys, values, count, 64, key0, visible0, a, b);
    else tile_pair_bf16(keys, values, count, d, key0, visible0, a, b);
}

#pragma clang attribute pop
