// Fused causal attention (FlashAttention-2's loop on the CPU). See ck_attention_block in ckernels.h. This file is
// the loop over key tiles and panels; the step of one tile against one panel is attention_avx2.c's, or
// attention_avx512.c's where the CPU has AVX-512F (the same operations, lane for lane: both give the same bits).
//
// Everything inside is stored transposed and panel-major: a "column" is one (query head, query) pair, columns come
// in panels of 16, and for each panel the kernel keeps
//   Q^T  (d x 16)  the scaled queries,
//   O^T  (d x 16)  the running, unnormalised output,
//   m, l (16)      the running maximum and sum of each column's scores,
//   P^T  (tile x 16) the scores of the current key tile, turned into exponentials in place.
// Vectors therefore run along queries: the per-query maximum, sum and rescale are plain vector operations, and no
// horizontal reduction happens anywhere. Per key tile and panel:
//   S^T = K_tile Q^T                    (register blocks of keys x 16 columns, inner dimension d; the blocks'
//                                        column maxima are taken from the registers before they are stored)
//   mask the keys a query may not see   (only on the tiles that cross the diagonal, which take the maxima again)
//   m' = max(m, max_j S^T), a = 2^(m - m'), P^T = 2^(S^T - m'), l = a l + sum_j P^T
//   O^T = a O^T + V_tile^T P^T          (register blocks of output dimensions x 16 columns, inner dimension: keys)
// Scores are kept in base 2 (the queries carry scale * log2(e)), so that the exponentials are the cheaper 2^x. Off
// the diagonal every exponent is <= 0 and finite, so the exponentials there skip the guards that -inf needs.
// The scores of one tile and one panel (tile x 16 floats, 4 KiB) are the largest intermediate ever written.

#include "attention_tile.h"
#include "ckernels.h"
#include "cpu_features.h"

#include <immintrin.h>
#include <math.h>
#include <stdint.h>

enum { PANEL = ATTENTION_PANEL, KEY_TILE = ATTENTION_KEY_TILE };

static size_t round_up(size_t n, size_t k) { return (n + k - 1) / k * k; }

void attention_start_columns(float *m, float *l, size_t columns) {
    for (size_t c = 0; c < columns; c++) {
        m[c] = -INFINITY;
        l[c] = 0;
    }
}

void attention_write_output(
    const float *ot, const float *l, size_t panels, size_t padded, size_t rows, size_t d, float *out,
    size_t out_stride) {
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
}

size_t ck_attention_scratch_floats(size_t rows, size_t heads, size_t head_width) {
    size_t columns = heads * round_up(rows, PANEL);
    // Q^T and O^T of every panel, m and l of every column, one tile of scores.
    return 2 * head_width * columns + 2 * columns + KEY_TILE * PANEL;
}

void ck_attention_block_with(
    int avx512, const float *q, size_t q_stride, size_t rows, size_t heads, size_t head_width, const float *keys,
    const float *values, size_t visible0, float scale, float *out, size_t out_stride, float *scratch) {
    const attention_tile_step step = avx512 && ck_cpu_avx512f ? attention_tile_avx512 : attention_tile_avx2;
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
    attention_start_columns(m, l, panels * PANEL);

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
            step(keys + key0 * d, values + key0 * d, count, d, key0, visible0, query0, panel_qt, panel_ot, panel_m,
                panel_l, p);
        }
    }

    attention_write_output(ot, l, panels, padded, rows, d, out, out_stride);
    _mm_setcsr(csr);
}

void ck_attention_block(
    const float *q, size_t q_stride, size_t rows, size_t heads, size_t head_width, const float *keys,
    const float *values, size_t visible0, float scale, float *out, size_t out_stride, float *scratch) {
    ck_attention_block_with(
        ck_cpu_avx512f, q, q_stride, rows, heads, head_width, keys, values, visible0, scale, out, out_stride,
        scratch);
}
