// The cores' own arithmetic peaks: loops of independent multiply-add chains, as many chains as hide the
// instruction's latency on two ports (12 chains of a 4-cycle FMA), nothing but the arithmetic in the loop. Each
// returns the sum of its accumulators so the loop cannot be removed; the caller times it (ctxevo bench peak).

#include "ckernels.h"
#include "cpu_features.h"

#include <immintrin.h>
#include <stdint.h>

#define CHAINS 12

double ck_peak_fma256(uint64_t iterations) {
    __m256 acc[CHAINS];
    const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
    for (int i = 0; i < CHAINS; i++) acc[i] = _mm256_set1_ps((float)i);
    for (uint64_t n = 0; n < iterations; n++) {
        for (int i = 0; i < CHAINS; i++) acc[i] = _mm256_fmadd_ps(acc[i], a, b);
        __asm__ volatile("" : : : "memory");
    }
    __m256 sum = acc[0];
    for (int i = 1; i < CHAINS; i++) sum = _mm256_add_ps(sum, acc[i]);
    float lanes[8];
    _mm256_storeu_ps(lanes, sum);
    return lanes[0];
}

__attribute__((target("avx512f"))) double ck_peak_fma512(uint64_t iterations) {
    __m512 acc[CHAINS];
    const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
    for (int i = 0; i < CHAINS; i++) acc[i] = _mm512_set1_ps((float)i);
    for (uint64_t n = 0; n < iterations; n++) {
        for (int i = 0; i < CHAINS; i++) acc[i] = _mm512_fmadd_ps(acc[i], a, b);
        __asm__ volatile("" : : : "memory");
    }
    __m512 sum = acc[0];
    for (int i = 1; i < CHAINS; i++) sum = _mm512_add_ps(sum, acc[i]);
    return _mm512_reduce_add_ps(sum);
}

// vdpbf16ps: per 32-bit lane, two bf16 products added into a float32 sum (4 flops a lane, 64 an instruction).
__attribute__((target("avx512f,avx512bf16"))) double ck_peak_bf16(uint64_t iterations) {
    __m512 acc[CHAINS];
    const __m512bh a = (__m512bh)_mm512_set1_epi16(0x3F80), b = (__m512bh)_mm512_set1_epi16(0x3380);
    for (int i = 0; i < CHAINS; i++) acc[i] = _mm512_set1_ps((float)i);
    for (uint64_t n = 0; n < iterations; n++) {
        for (int i = 0; i < CHAINS; i++) acc[i] = _mm512_dpbf16_ps(acc[i], a, b);
        __asm__ volatile("" : : : "memory");
    }
    __m512 sum = acc[0];
    for (int i = 1; i < CHAINS; i++) sum = _mm512_add_ps(sum, acc[i]);
    return _mm512_reduce_add_ps(sum);
}

// vpdpbusd: per 32-bit lane, four u8 x s8 products added into an int32 sum (8 operations a lane, 128 an instruction).
__attribute__((target("avx512f,avx512vnni"))) double ck_peak_int8(uint64_t iterations) {
    __m512i acc[CHAINS];
    const __m512i a = _mm512_set1_epi8(3), b = _mm512_set1_epi8(-2);
    for (int i = 0; i < CHAINS; i++) acc[i] = _mm512_set1_epi32(i);
    for (uint64_t n = 0; n < iterations; n++) {
        for (int i = 0; i < CHAINS; i++) acc[i] = _mm512_dpbusd_epi32(acc[i], a, b);
        __asm__ volatile("" : : : "memory");
    }
    __m512i sum = acc[0];
    for (int i = 1; i < CHAINS; i++) sum = _mm512_add_epi32(sum, acc[i]);
    return (double)_mm512_reduce_add_epi32(sum);
}

// The same operation counts, by kernel, per iteration: chains x lanes x operations per lane.
double ck_peak_operations_per_iteration(int kernel) {
    switch (kernel) {
        case 0: return CHAINS * 8 * 2;    // fp32 FMA, 256-bit
        case 1: return CHAINS * 16 * 2;   // fp32 FMA, 512-bit
        case 2: return CHAINS * 16 * 4;   // bf16 dot products
        case 3: return CHAINS * 16 * 8;   // int8 dot products
        default: return 0;
    }
}

int ck_peak_supported(int kernel) {
    switch (kernel) {
        case 0: return 1;
        case 1: return ck_cpu_avx512f;
        case 2: return ck_cpu_avx512f && ck_cpu_avx512bf16;
        case 3: return ck_cpu_avx512vnni;
        default: return 0;
    }
}
