// Fused causal attention (FlashAttention-2's loop, for AVX2 + FMA). See ck_attention_block in ckernels.h.
//
// Everything inside is stored transposed and panel-major: a "column" is one (query head, query) pair, columns come
// in panels of 16 (two vectors), and for each panel the kernel keeps
//   Q^T  (d x 16)  the scaled queries,
//   O^T  (d x 16)  the running, unnormalised output,
//   m, l (16)      the running maximum and sum of each column's scores,
//   P^T  (tile x 16) the scores of the current key tile, turned into exponentials in place.
// Vectors therefore run along queries: the per-query maximum, sum and rescale are plain vector operations, and no
// horizontal reduction happens anywhere. Per key tile and panel:
//   S^T = K_tile Q^T                    (6 keys x 16 columns register block, inner dimension d; the block's
//                                        column maxima are taken from the registers before they are stored)
//   mask the keys a query may not see   (only on the tiles that cross the diagonal, which take the maxima again)
//   m' = max(m, max_j S^T), a = 2^(m - m'), P^T = 2^(S^T - m'), l = a l + sum_j P^T
// Off the diagonal every exponent is <= 0 and finite, so the exponentials there are exp2_nonpositive_8, without
// the guards that -inf needs.
// Scores are kept in base 2 (the queries carry scale * log2(e)), so that the exponentials are the cheaper 2^x.
//   O^T = a O^T + V_tile^T P^T          (6 output dimensions x 16 columns register block, inner dimension: keys)
// The scores of one tile and one panel (tile x 16 floats, 4 KiB) are the largest intermediate ever written.

#include "ckernels.h"
#include "vector_exp.h"

#include <immintrin.h>
#include <math.h>
#include <stdint.h>

enum { PANEL = 16, KEY_TILE = 64, BLOCK = 6 };

#define ALWAYS_INLINE static inline __attribute__((always_inline))

static size_t round_up(size_t n, size_t k) { return (n + k - 1) / k * k; }

size_t ck_attention_scratch_floats(size_t rows, size_t heads, size_t head_width) {
    size_t columns = heads * round_up(rows, PANEL);
    // Q^T and O^T of every panel, m and l of every column, one tile of scores and its column maxima.
    return 2 * head_width * columns + 2 * columns + KEY_TILE * PANEL + PANEL;
}

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
static __m256 softmax_tile(
    float *scores, size_t count, size_t key0, size_t visible0, size_t first_query, const float *tile_top, float *m,
    float *l) {
    __m256 top = _mm256_load_ps(tile_top);
    // A key j is hidden from query i when j >= visible0 + i; only tiles reaching past the first column's limit
    // hold such keys.
    const int masked = key0 + count > visible0 + first_query;
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

void ck_attention_block(
    const float *q, size_t q_stride, size_t rows, size_t heads, size_t head_width, const float *keys,
    const float *values, size_t visible0, float scale, float *out, size_t out_stride, float *scratch) {
    // Flush subnormals to zero inside (probabilities times values far below the running maximum can reach the
    // subnormal range, which costs microcode assists); the caller's mode is restored on return.
    const unsigned int csr = _mm_getcsr();
    _mm_setcsr(csr | 0x8040);
    const size_t d = head_width;
    const size_t padded = round_up(rows, PANEL);
    const size_t panels = heads * padded / PANEL;
    const float query_scale = scale * 1.44269504088896341f;
    float *qt = scratch;
    float *ot = qt + panels * d * PANEL;
    float *m = ot + panels * d * PANEL;
    float *l = m + panels * PANEL;
    float *p = l + panels * PANEL;
    float *top = p + KEY_TILE * PANEL;

    // Q^T, scaled by scale * log2(e) (scores in base 2); the padding columns are zero queries whose results are dropped.
    for (size_t panel = 0; panel < panels; panel++) {
        size_t head = panel * PANEL / padded, query0 = panel * PANEL % padded;
        float *target = qt + panel * d * PANEL;
        for (size_t x = 0; x < PANEL; x++) {
            size_t i = query0 + x;
            const float *source = q + i * q_stride + head * d;
            for (size_t e = 0; e < d; e++) target[e * PANEL + x] = i < rows ? source[e] * query_scale : 0;
        }
    }
    for (size_t c = 0; c < panels * PANEL; c++) {
        m[c] = -INFINITY;
        l[c] = 0;
    }

    // The last query sees visible0 + rows - 1 keys; no key after that is read.
    const size_t key_count = visible0 + rows - 1;
    for (size_t key0 = 0; key0 < key_count; key0 += KEY_TILE) {
        size_t count = key_count - key0 < KEY_TILE ? key_count - key0 : KEY_TILE;
        for (size_t panel = 0; panel < panels; panel++) {
            size_t query0 = panel * PANEL % padded;
            // Tiles entirely hidden from this panel's queries (past the diagonal) are skipped.
            if (key0 >= visible0 + query0 + PANEL - 1) continue;
            float *panel_qt = qt + panel * d * PANEL, *panel_ot = ot + panel * d * PANEL;
            float *panel_m = m + panel * PANEL, *panel_l = l + panel * PANEL;
            scores_tile(keys + key0 * d, count, d, panel_qt, p, top);
            __m256 alpha0 = softmax_tile(p, count, key0, visible0, query0, top, panel_m, panel_l);
            __m256 alpha1 = softmax_tile(p + 8, count, key0, visible0, query0 + 8, top + 8, panel_m + 8, panel_l + 8);
            output_tile(values + key0 * d, d, count, p, alpha0, alpha1, key0 == 0, panel_ot);
        }
    }

    // out = O / l, back to (query, head * d + e).
    for (size_t panel = 0; panel < panels; panel++) {
        size_t head = panel * PANEL / padded, query0 = panel * PANEL % padded;
        const float *source = ot + panel * d * PANEL;
        for (size_t x = 0; x < PANEL && query0 + x < rows; x++) {
            float inverse = 1.0f / l[panel * PANEL + x];
            float *target = out + (query0 + x) * out_stride + head * d;
            for (size_t e = 0; e < d; e++) target[e] = source[e * PANEL + x] * inverse;
        }
    }
    _mm_setcsr(csr);
}
