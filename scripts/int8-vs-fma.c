// Peak rate of the two inner loops a 4/8-bit weight product can use on this CPU, with data in L1 and the same
// register blocking (6 rows x 2 vectors of accumulators), one thread:
//   float: vbroadcastss + vfmadd231ps            8 multiply-adds per instruction
//   int8:  vpmaddubsw (u8 x s8 -> s16 pairs) + vpmaddwd (s16 pairs -> s32) + vpaddd
//                                                 32 multiply-adds per three instructions (AVX2 has no VNNI here)
// Build and run: clang -O2 -mavx2 -mfma scripts/int8-vs-fma.c -o /tmp/int8-vs-fma && /tmp/int8-vs-fma
#include <immintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

// 64 x 16 floats of B, 6 x 64 of A: C(6 x 16) += A B, repeated.
static double float_rate(long repeats) {
    static float a[6 * 64] __attribute__((aligned(64))), b[64 * 16] __attribute__((aligned(64)));
    for (int i = 0; i < 6 * 64; i++) a[i] = 1e-3f * (i % 7);
    for (int i = 0; i < 64 * 16; i++) b[i] = 1e-3f * (i % 5);
    __m256 acc[12];
    for (int i = 0; i < 12; i++) acc[i] = _mm256_setzero_ps();
    double start = now();
    for (long r = 0; r < repeats; r++) {
        for (int e = 0; e < 64; e++) {
            __m256 b0 = _mm256_load_ps(b + e * 16), b1 = _mm256_load_ps(b + e * 16 + 8);
            for (int k = 0; k < 6; k++) {
                __m256 x = _mm256_broadcast_ss(a + k * 64 + e);
                acc[2 * k] = _mm256_fmadd_ps(x, b0, acc[2 * k]);
                acc[2 * k + 1] = _mm256_fmadd_ps(x, b1, acc[2 * k + 1]);
            }
        }
        __asm__ volatile("" ::: "memory");
    }
    double seconds = now() - start;
    float sink = 0;
    for (int i = 0; i < 12; i++) sink += _mm256_cvtss_f32(acc[i]);
    if (sink == 12345) printf(" ");
    return repeats * 6.0 * 64 * 16 * 2 / seconds / 1e9;
}

// The same shape in bytes: each vpmaddubsw takes 4 consecutive k of 8 columns (32 bytes) against a broadcast
// 4-byte group of one row, so 64 k is 16 steps of 4.
static double int8_rate(long repeats) {
    static uint8_t b[64 * 16] __attribute__((aligned(64)));
    static int8_t a[6 * 64] __attribute__((aligned(64)));
    for (int i = 0; i < 64 * 16; i++) b[i] = (uint8_t)(i % 15);
    for (int i = 0; i < 6 * 64; i++) a[i] = (int8_t)(i % 11 - 5);
    const __m256i ones = _mm256_set1_epi16(1);
    __m256i acc[12];
    for (int i = 0; i < 12; i++) acc[i] = _mm256_setzero_si256();
    double start = now();
    for (long r = 0; r < repeats; r++) {
        for (int e = 0; e < 64; e += 4) {
            __m256i b0 = _mm256_load_si256((const __m256i *)(b + e * 16)),
                    b1 = _mm256_load_si256((const __m256i *)(b + e * 16 + 32));
            for (int k = 0; k < 6; k++) {
                __m256i x = _mm256_set1_epi32(*(const int32_t *)(a + k * 64 + e));
                acc[2 * k] = _mm256_add_epi32(acc[2 * k], _mm256_madd_epi16(_mm256_maddubs_epi16(b0, x), ones));
                acc[2 * k + 1] =
                    _mm256_add_epi32(acc[2 * k + 1], _mm256_madd_epi16(_mm256_maddubs_epi16(b1, x), ones));
            }
        }
        __asm__ volatile("" ::: "memory");
    }
    double seconds = now() - start;
    int sink = 0;
    for (int i = 0; i < 12; i++) sink += _mm256_cvtsi256_si32(acc[i]);
    if (sink == 12345) printf(" ");
    return repeats * 6.0 * 64 * 16 * 2 / seconds / 1e9;
}

int main(void) {
    for (int round = 0; round < 3; round++) {
        double f = float_rate(2000000), i = int8_rate(2000000);
        printf("one core: float FMA %.1f GFLOP/s, int8 maddubs %.1f GOP/s (multiply-adds x 2): int8 / float = %.2f\n",
               f, i, i / f);
    }
    return 0;
}
