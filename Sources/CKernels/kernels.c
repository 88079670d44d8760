#include "ckernels.h"
#include "vector_exp.h"

#include <immintrin.h>
#include <math.h>

static inline float hsum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

static inline float exp1(float x) {
    float lanes[8];
    _mm256_storeu_ps(lanes, exp8(_mm256_set1_ps(x)));
    return lanes[0];
}

float ck_max(const float *x, size_t n) {
    __m256 m = _mm256_set1_ps(-INFINITY);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) m = _mm256_max_ps(m, _mm256_loadu_ps(x + i));
    __m128 h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
    h = _mm_max_ps(h, _mm_movehl_ps(h, h));
    h = _mm_max_ss(h, _mm_movehdup_ps(h));
    float result = _mm_cvtss_f32(h);
    for (; i < n; i++) result = x[i] > result ? x[i] : result;
    return result;
}

float ck_exp_shift_sum(float *x, size_t n, float shift) {
    __m256 s = _mm256_set1_ps(shift), sum = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i), s));
        _mm256_storeu_ps(x + i, e);
        sum = _mm256_add_ps(sum, e);
    }
    float total = hsum8(sum);
    for (; i < n; i++) {
        x[i] = exp1(x[i] - shift);
        total += x[i];
    }
    return total;
}

double ck_exp_shift_total(const float *x, size_t n, float shift) {
    __m256 s = _mm256_set1_ps(shift);
    double total = 0;
    size_t i = 0;
    // Partial sums in float over 1024 values at most, then double, so a 50k vocabulary stays exact to 1e-7.
    while (i + 8 <= n) {
        __m256 sum = _mm256_setzero_ps();
        size_t end = i + 1024 < n ? i + 1024 : n;
        for (; i + 8 <= end; i += 8) sum = _mm256_add_ps(sum, exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i), s)));
        total += hsum8(sum);
    }
    for (; i < n; i++) total += exp1(x[i] - shift);
    return total;
}

void ck_round_half(float *x, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m128i h = _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT);
        _mm256_storeu_ps(x + i, _mm256_cvtph_ps(h));
    }
    for (; i < n; i++) {
        __m128i h = _mm_cvtps_ph(_mm_set_ss(x[i]), _MM_FROUND_TO_NEAREST_INT);
        x[i] = _mm_cvtss_f32(_mm_cvtph_ps(h));
    }
}

void ck_swiglu(float *gate, const float *up, size_t n) {
    const __m256 one = _mm256_set1_ps(1.0f), zero = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 g = _mm256_loadu_ps(gate + i);
        __m256 silu = _mm256_div_ps(g, _mm256_add_ps(one, exp8(_mm256_sub_ps(zero, g))));
        _mm256_storeu_ps(gate + i, _mm256_mul_ps(silu, _mm256_loadu_ps(up + i)));
    }
    for (; i < n; i++) gate[i] = gate[i] / (1.0f + exp1(-gate[i])) * up[i];
}

void ck_scale(float *x, size_t n, float s) {
    __m256 f = _mm256_set1_ps(s);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), f));
    for (; i < n; i++) x[i] *= s;
}
