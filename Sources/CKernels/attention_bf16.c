// Fused causal attention with bf16 products (the `bf16` numerics): attention.c's loop and layout, with Q, K, V and
// the probabilities rounded to bf16 before they meet (vdpbf16ps, float32 sums) and the online softmax in float32.
// Keys and values arrive as bf16 rows (the KV cache of the `bf16` numerics, half the bytes of float32); per key
// tile the values are interleaved in pairs of keys once, for every panel that reads them, so that a word of them
// meets a word of paired probabilities. The tile step is attention_avx512.c's where the CPU has AVX-512 BF16 and
// BW, else attention_avx2.c's emulation, which gives the same bits.

#include "attention_tile.h"
#include "ckernels.h"
#include "cpu_features.h"

#include <immintrin.h>
#include <math.h>
#include <string.h>

enum { PANEL = ATTENTION_PANEL, KEY_TILE = ATTENTION_KEY_TILE };

static size_t round_up(size_t n, size_t k) { return (n + k - 1) / k * k; }

static inline uint32_t bf16_round(float x) {
    uint32_t bits;
    memcpy(&bits, &x, 4);
    bits += 0x7FFFu + ((bits >> 16) & 1u);  // nearest even; queries are finite
    return bits >> 16;
}

int ck_attention_bf16_avx512_supported(void) { return ck_cpu_avx512f && ck_cpu_avx512bw && ck_cpu_avx512bf16; }

size_t ck_attention_bf16_scratch_floats(size_t rows, size_t heads, size_t head_width) {
    size_t columns = heads * round_up(rows, PANEL);
    // Q^T pairs and O^T of every panel, m and l of every column, two tiles of scores and of paired probabilities
    // (a pair of panels) and one of interleaved values.
    return head_width / 2 * columns + head_width * columns + 2 * columns + 2 * (KEY_TILE * PANEL + KEY_TILE / 2 * PANEL)
        + KEY_TILE / 2 * head_width;
}

// Rows a and b (d bf16 values each; b may be null: zeros) interleaved into d words (a[e], b[e]).
static void interleave_rows(const uint16_t *a, const uint16_t *b, size_t d, uint32_t *target) {
    size_t e = 0;
    if (b) {
        for (; e + 16 <= d; e += 16) {
            __m256i x = _mm256_loadu_si256((const __m256i *)(a + e)), y = _mm256_loadu_si256((const __m256i *)(b + e));
            __m256i low = _mm256_unpacklo_epi16(x, y), high = _mm256_unpackhi_epi16(x, y);
            _mm256_storeu_si256((__m256i *)(target + e), _mm256_permute2x128_si256(low, high, 0x20));
            _mm256_storeu_si256((__m256i *)(target + e + 8), _mm256_permute2x128_si256(low, high, 0x31));
        }
    }
    for (; e < d; e++) target[e] = (uint32_t)a[e] | (b ? (uint32_t)b[e] << 16 : 0);
}

// Where panel `panel` keeps its state in the scratch (panels of `padded` columns per head), with p and pp for its
// tile's scores and probabilities.
static attention_bf16_panel panel_state(
    size_t panel, size_t padded, size_t pairs, const uint32_t *qt, float *ot, float *m, float *l, float *p,
    uint32_t *pp) {
    size_t d = 2 * pairs;
    attention_bf16_panel state = {
        panel * PANEL % padded, qt + panel * pairs * PANEL, ot + panel * d * PANEL, m + panel * PANEL,
        l + panel * PANEL, p, pp};
    return state;
}

static void single_step(
    attention_bf16_tile_step step, const uint32_t *keys, const uint32_t *values, size_t count, size_t d, size_t key0,
    size_t visible0, attention_bf16_panel x) {
    step(keys, values, count, d, key0, visible0, x.query0, x.qt, x.ot, x.m, x.l, x.p, x.pp);
}

void ck_attention_bf16_block_with(
    int avx512, const float *q, size_t q_stride, size_t rows, size_t heads, size_t head_width, const uint16_t *keys,
    const uint16_t *values, size_t visible0, float scale, float *out, size_t out_stride, float *scratch) {
    const int paired = avx512 && ck_attention_bf16_avx512_supported();
    const attention_bf16_tile_step step = paired ? attention_tile_bf16_avx512 : attention_tile_bf16_avx2;
    const unsigned int csr = _mm_getcsr();
    _mm_setcsr(csr | 0x8040);  // flush subnormals inside, as attention.c
    const size_t d = head_width, pairs = d / 2;
    const size_t padded = round_up(rows, PANEL);
    const size_t panels = heads * padded / PANEL;
    const float query_scale = scale * 1.44269504088896341f;
    uint32_t *qt = (uint32_t *)scratch;
    float *ot = scratch + panels * pairs * PANEL;
    float *m = ot + panels * d * PANEL;
    float *l = m + panels * PANEL;
    float *p = l + panels * PANEL;
    uint32_t *pp = (uint32_t *)(p + KEY_TILE * PANEL);
    float *p2 = (float *)(pp + KEY_TILE / 2 * PANEL);
    uint32_t *pp2 = (uint32_t *)(p2 + KEY_TILE * PANEL);
    uint32_t *vt = pp2 + KEY_TILE / 2 * PANEL;

    // Q^T in pairs, scaled by scale * log2(e) before rounding; the padding columns are zero queries.
    for (size_t panel = 0; panel < panels; panel++) {
        size_t head = panel * PANEL / padded, query0 = panel * PANEL % padded;
        uint32_t *target = qt + panel * pairs * PANEL;
        for (size_t x = 0; x < PANEL; x++) {
            size_t i = query0 + x;
            const float *source = q + i * q_stride + head * d;
            for (size_t e = 0; e < pairs; e++)
                target[e * PANEL + x] = i < rows
                    ? bf16_round(source[2 * e] * query_scale) | bf16_round(source[2 * e + 1] * query_scale) << 16
                    : 0;
        }
    }
    attention_start_columns(m, l, panels * PANEL);

    const size_t key_count = visible0 + rows - 1;
    for (size_t key0 = 0; key0 < key_count; key0 += KEY_TILE) {
        size_t count = key_count - key0 < KEY_TILE ? key_count - key0 : KEY_TILE;
        for (size_t j = 0; j < count; j += 2)
            interleave_rows(
                values + (key0 + j) * d, j + 1 < count ? values + (key0 + j + 1) * d : NULL, d, vt + j / 2 * d);
        // The panels that see some key of the tile, two at a time where the CPU has the pair step (every panel
        // reads the same keys: the heads of a call share their KV head), an odd one left alone.
        const uint32_t *tile = (const uint32_t *)(keys + key0 * d);
        size_t waiting = panels;  // an active panel not paired yet (`panels`: none)
        for (size_t panel = 0; panel < panels; panel++) {
            if (key0 >= visible0 + panel * PANEL % padded + PANEL - 1) continue;
            if (paired && waiting == panels) {
                waiting = panel;
            } else if (paired) {
                attention_bf16_panel a = panel_state(waiting, padded, pairs, qt, ot, m, l, p, pp);
                attention_bf16_panel b = panel_state(panel, padded, pairs, qt, ot, m, l, p2, pp2);
                attention_tile_pair_bf16_avx512(tile, vt, count, d, key0, visible0, &a, &b);
                waiting = panels;
            } else {
                single_step(step, tile, vt, count, d, key0, visible0, panel_state(panel, padded, pairs, qt, ot, m, l, p, pp));
            }
        }
        if (waiting != panels)
            single_step(step, tile, vt, count, d, key0, visible0, panel_state(waiting, padded, pairs, qt, ot, m, l, p, pp));
    }

    attention_write_output(ot, l, panels, padded, rows, d, out, out_stride);
    _mm_setcsr(csr);
}
