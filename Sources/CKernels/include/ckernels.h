// The innermost vector loops of ctxevo, in C so that they compile to AVX2/FMA/F16C instructions whatever the
// Swift optimiser does with generic SIMD code. Each is a pure function of its arguments.
#ifndef CKERNELS_H
#define CKERNELS_H

#include <stddef.h>

/// Largest of x[0..n) (-INFINITY for n = 0).
float ck_max(const float *x, size_t n);

/// x[i] = exp(x[i] - shift) in place; returns the sum of the new values. Inputs of -INFINITY give exactly 0.
float ck_exp_shift_sum(float *x, size_t n, float shift);

/// sum of exp(x[i] - shift), in double.
double ck_exp_shift_total(const float *x, size_t n, float shift);

/// x[i] = (float)(_Float16)x[i]: round to IEEE half precision (nearest even) and back.
void ck_round_half(float *x, size_t n);

/// out[i] = silu(gate[i]) * up[i], silu(g) = g / (1 + exp(-g)).
void ck_swiglu(float *gate, const float *up, size_t n);

/// x[i] *= s.
void ck_scale(float *x, size_t n, float s);

#endif
