// The vector exponential shared by the kernels (private to CKernels).
#ifndef CKERNELS_VECTOR_EXP_H
#define CKERNELS_VECTOR_EXP_H

#include <immintrin.h>

// e^x for 8 lanes: Cody-Waite reduction x = n ln2 + r, then Cephes' degree-6 polynomial for e^r (relative error
// about 2e-7), scaled by 2^n through the exponent bits. Inputs below -87.3 (including -inf) give exactly 0.
static inline __m256 exp8(__m256 x) {
    const __m256 lo = _mm256_set1_ps(-87.33654f), hi = _mm256_set1_ps(88.72283f);
    __m256 underflow = _mm256_cmp_ps(x, lo, _CMP_LT_OQ);
    __m256 c = _mm256_min_ps(_mm256_max_ps(x, lo), hi);
    __m256 n = _mm256_round_ps(_mm256_mul_ps(c, _mm256_set1_ps(1.44269504f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), c);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    __m256 result = _mm256_mul_ps(p, _mm256_castsi256_ps(e));
    return _mm256_andnot_ps(underflow, result);
}

// Cephes' exp2f polynomial for 2^r, |r| <= 1/2 (relative error about 2e-7), highest degree first; the AVX-512
// kernel evaluates the same one, so that its exponentials have the same bits.
static const float exp2_coefficients[7] = {
    1.535336188319500e-4f, 1.339887440266574e-3f, 9.618437357674640e-3f, 5.550332471162809e-2f,
    2.402264791363012e-1f, 6.931472028550421e-1f, 1.0f};

// 2^r for 8 lanes of |r| <= 1/2, by Horner's rule.
static inline __m256 exp2_polynomial_8(__m256 r) {
    __m256 p = _mm256_set1_ps(exp2_coefficients[0]);
    for (int i = 1; i < 7; i++) p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(exp2_coefficients[i]));
    return p;
}

// 2^x for 8 lanes: x = n + r with |r| <= 1/2, then Cephes' exp2f polynomial for 2^r (relative error about 2e-7),
// scaled by 2^n through the exponent bits. Cheaper than exp8 by the reduction (n is exact, so r = x - n is too).
// Inputs below -126 (including -inf) give exactly 0; inputs above 127 are clamped.
static inline __m256 exp2_8(__m256 x) {
    const __m256 lo = _mm256_set1_ps(-126.0f), hi = _mm256_set1_ps(127.0f);
    __m256 underflow = _mm256_cmp_ps(x, lo, _CMP_LT_OQ);
    __m256 c = _mm256_min_ps(_mm256_max_ps(x, lo), hi);
    __m256 n = _mm256_round_ps(c, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_sub_ps(c, n);
    __m256 p = exp2_polynomial_8(r);
    __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_andnot_ps(underflow, _mm256_mul_ps(p, _mm256_castsi256_ps(e)));
}

// 2^x for 8 lanes of x <= 0, for the softmax's inner loop: exp2_8 without its guards, and cheaper by two
// operations. Adding 1.5 * 2^23 rounds x to the nearest integer n, which then stands in the low bits of the sum, so
// that the same sum, shifted, is n in the exponent field; 2^n p is p with n added to its exponent. Bit for bit the
// same as exp2_8 on [-125, 0]; inputs below -125 (including -inf) give 2^-125 p (about 2e-38) instead of 0, which is
// below anything a probability sum or a weighted value can hold.
static inline __m256 exp2_nonpositive_8(__m256 x) {
    const __m256 shifter = _mm256_set1_ps(12582912.0f);
    __m256 c = _mm256_max_ps(x, _mm256_set1_ps(-125.0f));
    __m256 t = _mm256_add_ps(c, shifter);
    __m256 r = _mm256_sub_ps(c, _mm256_sub_ps(t, shifter));
    __m256 p = exp2_polynomial_8(r);
    __m256i n = _mm256_slli_epi32(_mm256_castps_si256(t), 23);
    return _mm256_castsi256_ps(_mm256_add_epi32(_mm256_castps_si256(p), n));
}

#endif
