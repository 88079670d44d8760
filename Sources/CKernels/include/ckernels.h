// The innermost vector loops of ctxevo, in C so that they compile to AVX2/FMA/F16C instructions whatever the
// Swift optimiser does with generic SIMD code. Each is a pure function of its arguments.
#ifndef CKERNELS_H
#define CKERNELS_H

#include <stddef.h>
#include <stdint.h>

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

/// Causal attention of one block of queries for `heads` query heads that share one KV head, fused: the key tiles
/// are walked once with a running maximum and sum (FlashAttention-2), so no score matrix larger than one tile of
/// 64 keys x 16 queries is ever written (see attention.c).
///   q:      query i of head g at q + i * q_stride + g * head_width (rows queries, unscaled);
///   keys, values: (visible0 + rows - 1, head_width) rows;
///   query i sees keys [0, visible0 + i) (visible0 >= 1);
///   out:    output of query i, head g at out + i * out_stride + g * head_width (overwritten);
///   scratch: ck_attention_scratch_floats(rows, heads, head_width) floats, 64-byte aligned.
/// Scores are (q . k) * scale, turned into base 2 inside so that the exponentials are 2^x.
void ck_attention_block(
    const float *q, size_t q_stride, size_t rows, size_t heads, size_t head_width, const float *keys,
    const float *values, size_t visible0, float scale, float *out, size_t out_stride, float *scratch);

/// ck_attention_block with the AVX-512F tile step when `avx512` is non-zero and the CPU has it, else the AVX2 one
/// (the two give the same bits; ck_attention_block uses the AVX-512F one wherever it can).
void ck_attention_block_with(
    int avx512, const float *q, size_t q_stride, size_t rows, size_t heads, size_t head_width, const float *keys,
    const float *values, size_t visible0, float scale, float *out, size_t out_stride, float *scratch);

/// Non-zero when the CPU and the OS support AVX-512F, so that ck_attention_block runs the AVX-512F tile step.
int ck_attention_avx512_supported(void);

/// Floats of scratch ck_attention_block needs for blocks of at most `rows` queries.
size_t ck_attention_scratch_floats(size_t rows, size_t heads, size_t head_width);

/// ck_attention_block_with with bf16 products (attention_bf16.c): Q, K, V and the probabilities rounded to bf16
/// (nearest even) where they meet, float32 sums and softmax. keys and values are bf16 rows (visible0 + rows - 1, head
/// width), the head width even; scratch: ck_attention_bf16_scratch_floats(rows, heads, head_width) floats, 64-byte
/// aligned. `avx512` non-zero runs vdpbf16ps where the CPU has AVX-512 BF16 and BW, else the AVX2 emulation (the
/// same bits).
void ck_attention_bf16_block_with(
    int avx512, const float *q, size_t q_stride, size_t rows, size_t heads, size_t head_width, const uint16_t *keys,
    const uint16_t *values, size_t visible0, float scale, float *out, size_t out_stride, float *scratch);
size_t ck_attention_bf16_scratch_floats(size_t rows, size_t heads, size_t head_width);
int ck_attention_bf16_avx512_supported(void);

/// Q4_1 weights (rows x columns, GGUF blocks of 20 bytes: f16 d, f16 m, 16 bytes of nibbles) repacked for
/// ck_q4_1_q8_1_gemm: rows % 8 == 0, columns % 32 == 0; packed: rows * columns bytes, 32-byte aligned; scales and
/// mins: rows * columns / 32 floats each, 32-byte aligned.
void ck_q4_1_pack(const uint8_t *raw, size_t rows, size_t columns, uint8_t *packed, float *scales, float *mins);

/// Activations (rows x columns, columns % 32 == 0) quantised as ggml's Q8_1: per 32-value block, d = f16(amax / 127),
/// q = round(x * 127 / amax), s = f16(amax / 127 * sum q). q: rows x columns; d, s: rows x columns / 32.
void ck_q8_1_quantize(const float *x, size_t rows, size_t columns, int8_t *q, float *d, float *s);

/// y[t][o] (+= when accumulate) sum over blocks of d_w d_a (sum_j qw qa) + m_w s_a, for the rows o of the groups of
/// 8 rows [group0, group1) of packed Q4_1 weights and `tokens` Q8_1 activation rows (integer products: AVX-512 VNNI
/// where the CPU has it, else AVX2).
void ck_q4_1_q8_1_gemm(
    const uint8_t *packed, const float *scales, const float *mins, size_t columns, size_t group0, size_t group1,
    const int8_t *q, const float *d, const float *s, size_t tokens, float *y, size_t ldy, int accumulate);

/// ck_q4_1_q8_1_gemm with the AVX-512 VNNI kernel when `vnni` is non-zero and the CPU has it, else the AVX2 one (the
/// two give the same bits).
void ck_q4_1_q8_1_gemm_with(
    int vnni, const uint8_t *packed, const float *scales, const float *mins, size_t columns, size_t group0,
    size_t group1, const int8_t *q, const float *d, const float *s, size_t tokens, float *y, size_t ldy,
    int accumulate);

/// Non-zero when the CPU and the OS support AVX-512 F, VL and VNNI, so that ck_q4_1_q8_1_gemm runs its VNNI kernel.
int ck_int8_avx512vnni_supported(void);

/// Peak-rate loops (peak.c): `iterations` rounds of independent multiply-add chains; kernel 0 fp32 FMA 256-bit,
/// 1 fp32 FMA 512-bit, 2 bf16 dot products (vdpbf16ps), 3 int8 dot products (vpdpbusd). Run only where
/// ck_peak_supported(kernel) is non-zero.
double ck_peak_fma256(uint64_t iterations);
double ck_peak_fma512(uint64_t iterations);
double ck_peak_bf16(uint64_t iterations);
double ck_peak_int8(uint64_t iterations);
double ck_peak_operations_per_iteration(int kernel);
int ck_peak_supported(int kernel);

/// bf16 products with float32 sums (bf16_gemm.c): W (rows x columns) packed in panels of 16 rows of column pairs
/// (ck_bf16_packed_words(rows, columns) 32-bit words, 64-byte aligned for speed); activations (tokens x columns) as
/// bf16 pairs, (columns + 1) / 2 words a token. Both round to nearest even.
size_t ck_bf16_packed_words(size_t rows, size_t columns);
void ck_bf16_pack(const float *w, size_t rows, size_t columns, uint32_t *packed);
void ck_bf16_convert(const float *x, size_t tokens, size_t columns, uint32_t *pairs);
/// y[t][o - column0] (+= when accumulate) = sum_k x[t][k] w[o][k], for the output rows o of panels panel0 ..< panel1
/// (16 rows each; the last one may be partial; column0 <= 16 panel0), with the AVX512_BF16 kernel when `avx512` is
/// non-zero and the CPU has it, else the AVX2 one (the same bits).
void ck_bf16_gemm_with(
    int avx512, const uint32_t *x, size_t tokens, size_t columns, const uint32_t *packed, size_t rows, size_t panel0,
    size_t panel1, float *y, size_t ldy, size_t column0, int accumulate);
/// Non-zero when the CPU and the OS support AVX-512 F and BF16.
int ck_bf16_avx512_supported(void);

/// float32 products (f32_gemm.c): y[t][o - row0] (+= when accumulate) = sum_k x[t][k] w[o][k] for the output rows
/// o in [row0, row1), W (rows x columns) and x (tokens x columns) row-major as they are, y with row stride ldy. Every
/// output is the chain acc = fma(x[k], w[k], acc), k = 0, 1, ..., columns - 1, from 0 (then + y when accumulate):
/// the AVX-512F kernel (when `avx512` is non-zero and the CPU has it) and the AVX2 one give the same bits. The rows
/// are packed 48 at a time into a buffer of the calling thread; returns -1, writing nothing, when that buffer
/// cannot be allocated, else 0.
int ck_f32_gemm_with(
    int avx512, const float *x, size_t tokens, size_t columns, const float *w, size_t row0, size_t row1, float *y,
    size_t ldy, int accumulate);
/// ck_f32_gemm_with for strided operands: x's rows ldx floats apart, W's rows ldw apart, or, when `w_transposed`,
/// W given as its transpose (columns x rows, rows ldw apart: W[o][k] at w + k ldw + o).
int ck_f32_gemm_strided(
    int avx512, const float *x, size_t ldx, size_t tokens, size_t columns, const float *w, size_t ldw,
    int w_transposed, size_t row0, size_t row1, float *y, size_t ldy, int accumulate);
/// Non-zero when the CPU and the OS support AVX-512F.
int ck_f32_avx512_supported(void);

#endif
