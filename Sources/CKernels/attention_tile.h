// The per-tile step of the fused attention (private to CKernels): one key tile against one panel of 16 query
// columns, in two instruction sets that give the same bits. See attention.c for the layout.
#ifndef CKERNELS_ATTENTION_TILE_H
#define CKERNELS_ATTENTION_TILE_H

#include <stddef.h>
#include <stdint.h>

enum { ATTENTION_PANEL = 16, ATTENTION_KEY_TILE = 64 };

// For the `count` keys and values of one tile (starting at key `key0`, row stride d) and the panel whose first column
// is query `query0` (which sees the keys below visible0 + query0): scores into p (count x 16), masked where the tile
// crosses the diagonal, the online softmax update of the panel's m and l, and ot = alpha ot + V^T P^T (ot is
// overwritten on the first tile, key0 == 0).
typedef void (*attention_tile_step)(
    const float *keys, const float *values, size_t count, size_t d, size_t key0, size_t visible0, size_t query0,
    const float *qt, float *ot, float *m, float *l, float *p);

void attention_tile_avx2(
    const float *keys, const float *values, size_t count, size_t d, size_t key0, size_t visible0, size_t query0,
    const float *qt, float *ot, float *m, float *l, float *p);

// Needs AVX-512F (and the OS's saving of its registers): call only where ck_attention_avx512_supported() says so.
void attention_tile_avx512(
    const float *keys, const float *values, size_t count, size_t d, size_t key0, size_t visible0, size_t query0,
    const float *qt, float *ot, float *m, float *l, float *p);

// Shared by both drivers (attention.c): the running maximum -inf and sum 0 of every column; and out = O / l for
// the `rows` queries of every panel (panels of `padded` columns per head), back to (query, head * d + e).
void attention_start_columns(float *m, float *l, size_t columns);
void attention_write_output(
    const float *ot, const float *l, size_t panels, size_t padded, size_t rows, size_t d, float *out,
    size_t out_stride);

// The same step with bf16 products (attention_bf16.c): keys are bf16 rows read as words of pairs (count x d / 2),
// values the tile's keys interleaved in pairs (ceil(count / 2) x d words, word (j, e) = (v[2j][e], v[2j+1][e])), qt
// the panel's Q^T in pairs (d / 2 x 16 words); pp holds the tile's probabilities as pairs (ceil(count / 2) x 16).
typedef void (*attention_bf16_tile_step)(
    const uint32_t *keys, const uint32_t *values, size_t count, size_t d, size_t key0, size_t visible0,
    size_t query0, const uint32_t *qt, float *ot, float *m, float *l, float *p, uint32_t *pp);

void attention_tile_bf16_avx2(
    const uint32_t *keys, const uint32_t *values, size_t count, size_t d, size_t key0, size_t visible0,
    size_t query0, const uint32_t *qt, float *ot, float *m, float *l, float *p, uint32_t *pp);

// Needs AVX-512F, BW and BF16: call only where ck_attention_bf16_avx512_supported() says so.
void attention_tile_bf16_avx512(
    const uint32_t *keys, const uint32_t *values, size_t count, size_t d, size_t key0, size_t visible0,
    size_t query0, const uint32_t *qt, float *ot, float *m, float *l, float *p, uint32_t *pp);

// One panel of a bf16 tile step: its first query, Q^T pairs, O^T, m and l, and its own scratch for the tile's scores
// (p) and paired probabilities (pp).
typedef struct {
    size_t query0;
    const uint32_t *qt;
    float *ot, *m, *l, *p;
    uint32_t *pp;
} attention_bf16_panel;

// The bf16 step for two panels at once (the same bits as two single steps; fewer loads per product). Needs what
// attention_tile_bf16_avx512 needs.
void attention_tile_pair_bf16_avx512(
    const uint32_t *keys, const uint32_t *values, size_t count, size_t d, size_t key0, size_t visible0,
    const attention_bf16_panel *a, const attention_bf16_panel *b);

#endif
