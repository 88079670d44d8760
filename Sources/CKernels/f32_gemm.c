// float32 products: y (tokens x rows) = x (tokens x columns) W^T, W (rows x columns) row-major as a GGUF matrix
// dequantises, every output the float32 chain acc = fma(x[k], w[k], acc) over k = 0, 1, ..., columns - 1 from 0. Each
// kernel computes that chain lane by lane, so the AVX-512F and AVX2 kernels give the same bits, on any machine and
// for any split of the rows across threads (OpenBLAS's sums depend on the kernel it picks).
//
// Blocking: the rows are taken 48 at a time (three panels of 16) and packed, on the calling thread, into a buffer of
// (column, 16 rows) steps per panel, zeros past the last row; the tokens stream past the packed block 8 (AVX-512F)
// or 6 (AVX2) at a time, their activations broadcast from x as it is.

#include "ckernels.h"
#include "cpu_features.h"

#include <immintrin.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define PANEL 16
#define PANELS 3
#define BLOCK_ROWS (PANEL * PANELS)

/// The calling thread's packing buffer, grown as needed and freed when the thread ends (the workers are a pool's).
typedef struct {
    float *floats;
    size_t capacity;
} pack_buffer;

static pthread_key_t buffer_key;
static pthread_once_t buffer_key_once = PTHREAD_ONCE_INIT;

static void free_buffer(void *buffer) {
    free(((pack_buffer *)buffer)->floats);
    free(buffer);
}

static void make_buffer_key(void) { pthread_key_create(&buffer_key, free_buffer); }

static float *packing_buffer(size_t floats) {
    pthread_once(&buffer_key_once, make_buffer_key);
    pack_buffer *buffer = pthread_getspecific(buffer_key);
    if (!buffer) {
        buffer = calloc(1, sizeof(pack_buffer));
        if (!buffer || pthread_setspecific(buffer_key, buffer) != 0) {
            free(buffer);
            return NULL;
        }
    }
    if (floats > buffer->capacity) {
        free(buffer->floats);
        buffer->floats = aligned_alloc(64, (floats * sizeof(float) + 63) / 64 * 64);
        buffer->capacity = buffer->floats ? floats : 0;
    }
    return buffer->floats;
}

/// Rows [row0, row0 + count) of W, count <= 48, as panels of (column, 16 rows) steps. W's row r is at w + r ldw, or,
/// when `transposed` (W^T stored, columns x rows), its element k at w + k ldw + r.
static void pack_block(
    const float *w, size_t ldw, int transposed, size_t columns, size_t row0, size_t count, float *packed) {
    for (size_t q = 0; q < PANELS; q++) {
        float *panel = packed + q * columns * PANEL;
        size_t first = q * PANEL, width = count > first ? (count - first < PANEL ? count - first : PANEL) : 0;
        if (transposed) {
            for (size_t k = 0; k < columns; k++) {
                const float *source = w + k * ldw + row0 + first;
                float *target = panel + k * PANEL;
                for (size_t i = 0; i < width; i++) target[i] = source[i];
                for (size_t i = width; i < PANEL; i++) target[i] = 0;
            }
            continue;
        }
        for (size_t i = 0; i < PANEL; i++) {
            if (i < width) {
                const float *row = w + (row0 + first + i) * ldw;
                for (size_t k = 0; k < columns; k++) panel[k * PANEL + i] = row[k];
            } else {
                for (size_t k = 0; k < columns; k++) panel[k * PANEL + i] = 0;
            }
        }
    }
}

static inline void store_lanes(float *out, const float *lanes, size_t width, int accumulate) {
    for (size_t i = 0; i < width; i++) out[i] = accumulate ? out[i] + lanes[i] : lanes[i];
}

// ---- AVX2 + FMA: 6 tokens x one panel (two halves of 8) per register block, 12 accumulators.

#define AVX2_TOKENS 6

static void block_avx2(
    const float *x, size_t ldx, size_t tokens, size_t columns, const float *packed, size_t count, float *y,
    size_t ldy, int accumulate) {
    for (size_t q = 0; q * PANEL < count; q++) {
        const float *panel = packed + q * columns * PANEL;
        size_t width = count - q * PANEL < PANEL ? count - q * PANEL : PANEL;
        for (size_t t0 = 0; t0 < tokens; t0 += AVX2_TOKENS) {
            size_t nt = tokens - t0 < AVX2_TOKENS ? tokens - t0 : AVX2_TOKENS;
            const float *row[AVX2_TOKENS];
            for (size_t t = 0; t < AVX2_TOKENS; t++) row[t] = x + (t0 + (t < nt ? t : 0)) * ldx;
            __m256 acc[AVX2_TOKENS][2];
            for (size_t t = 0; t < AVX2_TOKENS; t++) acc[t][0] = acc[t][1] = _mm256_setzero_ps();
            for (size_t k = 0; k < columns; k++) {
                __m256 b0 = _mm256_load_ps(panel + k * PANEL), b1 = _mm256_load_ps(panel + k * PANEL + 8);
                for (size_t t = 0; t < AVX2_TOKENS; t++) {
                    __m256 a = _mm256_broadcast_ss(row[t] + k);
                    acc[t][0] = _mm256_fmadd_ps(a, b0, acc[t][0]);
                    acc[t][1] = _mm256_fmadd_ps(a, b1, acc[t][1]);
                }
            }
            for (size_t t = 0; t < nt; t++) {
                float lanes[PANEL];
                _mm256_storeu_ps(lanes, acc[t][0]);
                _mm256_storeu_ps(lanes + 8, acc[t][1]);
                store_lanes(y + (t0 + t) * ldy + q * PANEL, lanes, width, accumulate);
            }
        }
    }
}

// ---- AVX-512F: 8 tokens x 3 panels (48 rows) per register block, 24 accumulators.

#pragma clang attribute push(__attribute__((target("avx512f"))), apply_to = function)

#define AVX512_TOKENS 8

static inline void store_panel(float *out, __m512 acc, size_t width, int accumulate) {
    __mmask16 mask = width >= PANEL ? 0xFFFF : (__mmask16)((1u << width) - 1);
    if (accumulate) acc = _mm512_add_ps(acc, _mm512_maskz_loadu_ps(mask, out));
    _mm512_mask_storeu_ps(out, mask, acc);
}

// `panels` (1 to 3) is a constant where it is inlined, so a last block of 16 or 32 rows computes only its panels.
static inline __attribute__((always_inline)) void block_avx512_panels(
    const float *x, size_t ldx, size_t tokens, size_t columns, const float *packed, size_t count, float *y,
    size_t ldy, int accumulate, const size_t panels) {
    const float *p[PANELS];
    for (size_t q = 0; q < PANELS; q++) p[q] = packed + q * columns * PANEL;
    for (size_t t0 = 0; t0 < tokens; t0 += AVX512_TOKENS) {
        size_t nt = tokens - t0 < AVX512_TOKENS ? tokens - t0 : AVX512_TOKENS;
        const float *row[AVX512_TOKENS];
        for (size_t t = 0; t < AVX512_TOKENS; t++) row[t] = x + (t0 + (t < nt ? t : 0)) * ldx;
        __m512 acc[AVX512_TOKENS][PANELS];
        for (size_t t = 0; t < AVX512_TOKENS; t++)
            for (size_t q = 0; q < panels; q++) acc[t][q] = _mm512_setzero_ps();
        for (size_t k = 0; k < columns; k++) {
            __m512 b[PANELS];
            for (size_t q = 0; q < panels; q++) b[q] = _mm512_load_ps(p[q] + k * PANEL);
            for (size_t t = 0; t < AVX512_TOKENS; t++) {
                __m512 a = _mm512_set1_ps(row[t][k]);
                for (size_t q = 0; q < panels; q++) acc[t][q] = _mm512_fmadd_ps(a, b[q], acc[t][q]);
            }
        }
        for (size_t t = 0; t < nt; t++) {
            for (size_t q = 0; q < panels; q++) {
                size_t width = count - q * PANEL < PANEL ? count - q * PANEL : PANEL;
                store_panel(y + (t0 + t) * ldy + q * PANEL, acc[t][q], width, accumulate);
            }
        }
    }
}

static void block_avx512(
    const float *x, size_t ldx, size_t tokens, size_t columns, const float *packed, size_t count, float *y,
    size_t ldy, int accumulate) {
    switch ((count + PANEL - 1) / PANEL) {
    case 1: block_avx512_panels(x, ldx, tokens, columns, packed, count, y, ldy, accumulate, 1); break;
    case 2: block_avx512_panels(x, ldx, tokens, columns, packed, count, y, ldy, accumulate, 2); break;
    default: block_avx512_panels(x, ldx, tokens, columns, packed, count, y, ldy, accumulate, 3); break;
    }
}

#pragma clang attribute pop

int ck_f32_avx512_supported(void) { return ck_cpu_avx512f; }

int ck_f32_gemm_strided(
    int avx512, const float *x, size_t ldx, size_t tokens, size_t columns, const float *w, size_t ldw,
    int w_transposed, size_t row0, size_t row1, float *y, size_t ldy, int accumulate) {
    if (row1 <= row0) return 0;
    if (columns == 0) {  // empty sums: zeros
        for (size_t t = 0; t < tokens && !accumulate; t++) memset(y + t * ldy, 0, (row1 - row0) * sizeof(float));
        return 0;
    }
    float *packed = packing_buffer(BLOCK_ROWS * columns);
    if (!packed) return -1;
    int wide = avx512 && ck_f32_avx512_supported();
    for (size_t r = row0; r < row1; r += BLOCK_ROWS) {
        size_t count = row1 - r < BLOCK_ROWS ? row1 - r : BLOCK_ROWS;
        pack_block(w, ldw, w_transposed, columns, r, count, packed);
        float *out = y + (r - row0);
        if (wide)
            block_avx512(x, ldx, tokens, columns, packed, count, out, ldy, accumulate);
        else
            block_avx2(x, ldx, tokens, columns, packed, count, out, ldy, accumulate);
    }
    return 0;
}

int ck_f32_gemm_with(
    int avx512, const float *x, size_t tokens, size_t columns, const float *w, size_t row0, size_t row1, float *y,
    size_t ldy, int accumulate) {
    return ck_f32_gemm_strided(avx512, x, columns, tokens, columns, w, columns, 0, row0, row1, y, ldy, accumulate);
}
