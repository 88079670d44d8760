// float32 products: y (tokens x rows) = x (tokens x columns) W^T, W (rows x columns) row-major as a GGUF matrix
// dequantises, every output the float32 chain acc = fma(x[k], w[k], acc) over k = 0, 1, ..., columns - 1 from 0. Each
// kernel computes that chain lane by lane, so the AVX-512F and AVX2 kernels give the same bits, on any machine and
// for any split of the rows across threads (OpenBLAS's sums depend on the kernel it picks).
//
// Blocking: the rows are taken 48 at a time (three panels of 16) and packed, on the calling thread, into a buffer of
// (column, 16 rows) steps per panel, zeros past the last row; the tokens stream past the packed block 8 (AVX-512F,
// f32_gemm_avx512.c) or 6 (AVX2, below) at a time, their activations broadcast from x as it is.

#include "ckernels.h"
#include "cpu_features.h"
#include "f32_gemm_tile.h"

#include <immintrin.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define PANEL F32_PANEL
#define PANELS F32_PANELS
#define BLOCK_ROWS F32_BLOCK_ROWS

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

/// target[j * stride + i] = source[i * ld + j] for an 8 x 8 block: the rows of W become the lanes of the packed steps.
static inline void transpose8(const float *source, size_t ld, float *target, size_t stride) {
    __m256 r[8], t[8], u[8];
    for (int i = 0; i < 8; i++) r[i] = _mm256_loadu_ps(source + i * ld);
    for (int i = 0; i < 4; i++) {
        t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int i = 0; i < 2; i++) {
        u[4 * i] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], _MM_SHUFFLE(1, 0, 1, 0));
        u[4 * i + 1] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], _MM_SHUFFLE(3, 2, 3, 2));
        u[4 * i + 2] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(1, 0, 1, 0));
        u[4 * i + 3] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(3, 2, 3, 2));
    }
    for (int j = 0; j < 4; j++) {
        _mm256_storeu_ps(target + j * stride, _mm256_permute2f128_ps(u[j], u[4 + j], 0x20));
        _mm256_storeu_ps(target + (4 + j) * stride, _mm256_permute2f128_ps(u[j], u[4 + j], 0x31));
    }
}

/// Rows [row0, row0 + count) of W, count <= 48, as panels of (column, 16 rows) steps. W's row r is at w + r ldw, or,
/// when `transposed` (W^T stored, columns x rows), its element k at w + k ldw + r. Whole groups of 8 rows go 8 columns
/// at a time through transpose8.
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
        size_t whole = columns / 8 * 8;
        for (size_t half = 0; half < PANEL; half += 8) {
            if (half + 8 > width) break;
            const float *rows = w + (row0 + first + half) * ldw;
            for (size_t k = 0; k < whole; k += 8) transpose8(rows + k, ldw, panel + k * PANEL + half, PANEL);
        }
        size_t fast = width / 8 * 8;  // rows done above for the first `whole` columns
        for (size_t i = 0; i < PANEL; i++) {
            const float *row = i < width ? w + (row0 + first + i) * ldw : NULL;
            for (size_t k = i < fast ? whole : 0; k < columns; k++) panel[k * PANEL + i] = row ? row[k] : 0;
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
            f32_block_avx512(x, ldx, tokens, columns, packed, count, out, ldy, accumulate);
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
