// See include/bf16_tiles.h. Layout of the packed operands (K pairs: vdpbf16ps multiplies pairs of
// bf16 along K and adds both products into one fp32 lane):
//   B: (kp, np) uint32, element (p, j) = bf16 pair (opB[2p][j], opB[2p+1][j]); np = n rounded up
//      to 16, padding columns 0, so a row of 16 pairs is one vector.
//   A: uint32 pairs read one at a time (broadcast), element (i, p) at i * aI + p * aK:
//      (m, kp) rows when A is stored (m, k), (kp, m) when it is stored (k, m) (transA).
//   An odd k gets a zero last pair half.
#include "bf16_tiles.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))
#define INLINE static inline __attribute__((always_inline))

int birdie_bf16_tiles_supported(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bf16");
}

static long round_up(long x, long to) { return (x + to - 1) / to * to; }

// A (kp * m pairs) + B (kp * np) + the transposing buffer of a transposed B (n * kp), 4 bytes each.
long birdie_bf16_gemm_work(long m, long n, long k) {
    long kp = (k + 1) / 2, np = round_up(n, 16);
    return 4 * (kp * m + kp * np + kp * n);
}

// 16 floats rounded to bf16 (nearest even; NaN stays a quiet NaN), in the low half of each lane.
INLINE TARGET __m512i round16(__m512 x) {
    __m512i b = _mm512_castps_si512(x);
    __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(b, 16), _mm512_set1_epi32(1));
    __m512i nearest = _mm512_srli_epi32(_mm512_add_epi32(_mm512_add_epi32(b, _mm512_set1_epi32(0x7FFF)), lsb), 16);
    __m512i quiet = _mm512_or_si512(_mm512_srli_epi32(b, 16), _mm512_set1_epi32(0x40));
    __mmask16 nan = _mm512_cmpgt_epu32_mask(_mm512_and_si512(b, _mm512_set1_epi32(0x7FFFFFFF)),
                                            _mm512_set1_epi32(0x7F800000));
    return _mm512_mask_mov_epi32(nearest, nan, quiet);
}

INLINE __mmask16 first(long count) { return count >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << count) - 1); }

// out[j] = pair (r0[j], r1[j]) for j < count, 0 for count <= j < padded; r1 NULL means 0.
static TARGET void pair_rows(const float *r0, const float *r1, long count, long padded, uint32_t *out) {
    for (long j = 0; j < padded; j += 16) {
        __mmask16 m = first(count - j < 0 ? 0 : count - j);
        __m512i lo = round16(_mm512_maskz_loadu_ps(m, r0 + j));
        __m512i hi = r1 ? round16(_mm512_maskz_loadu_ps(m, r1 + j)) : _mm512_setzero_si512();
        _mm512_mask_storeu_epi32(out + j, first(padded - j), _mm512_or_si512(lo, _mm512_slli_epi32(hi, 16)));
    }
}

// out (count rounded up to even) uint16 = row rounded to bf16, the odd tail padded with 0: kp pairs.
static TARGET void round_row(const float *row, long count, uint16_t *out) {
    long j = 0;
    for (; j < count; j += 16) {
        __mmask16 m = first(count - j);
        _mm256_mask_storeu_epi16(out + j, m, _mm512_cvtepi32_epi16(round16(_mm512_maskz_loadu_ps(m, row + j))));
    }
    if (count & 1) out[count] = 0;
}

// The register tile: C rows i..i+MR, 16 NV columns from j; 6 x 4 accumulators at most.
INLINE TARGET void kernel(int MR, int NV, long kp, const uint32_t *ap, long aI, long aK,
                          const uint32_t *bp, long np, long cols, float alpha, float beta, float *c, long ldc) {
    __m512 acc[6][4];
    for (int r = 0; r < MR; r++)
        for (int v = 0; v < NV; v++) acc[r][v] = _mm512_setzero_ps();
    for (long p = 0; p < kp; p++) {
        __m512i bv[4];
        for (int v = 0; v < NV; v++) bv[v] = _mm512_loadu_si512(bp + p * np + 16 * v);
        for (int r = 0; r < MR; r++) {
            __m512i av = _mm512_set1_epi32((int)ap[r * aI + p * aK]);
            for (int v = 0; v < NV; v++)
                acc[r][v] = _mm512_dpbf16_ps(acc[r][v], (__m512bh)av, (__m512bh)bv[v]);
        }
    }
    __m512 al = _mm512_set1_ps(alpha), be = _mm512_set1_ps(beta);
    for (int r = 0; r < MR; r++)
        for (int v = 0; v < NV; v++) {
            long left = cols - 16 * v;
            __mmask16 m = first(left < 0 ? 0 : left);
            float *out = c + r * ldc + 16 * v;
            __m512 y = _mm512_mul_ps(al, acc[r][v]);
            if (beta != 0) y = _mm512_fmadd_ps(be, _mm512_maskz_loadu_ps(m, out), y);
            _mm512_mask_storeu_ps(out, m, y);
        }
}

#define CASE(MR, NV) case (MR) * 8 + (NV): \
    kernel(MR, NV, kp, ap, aI, aK, bp, np, cols, alpha, beta, c, ldc); break;
#define ROW(MR) CASE(MR, 1) CASE(MR, 2) CASE(MR, 3) CASE(MR, 4)

static TARGET void block(int mr, int nv, long kp, const uint32_t *ap, long aI, long aK,
                         const uint32_t *bp, long np, long cols, float alpha, float beta, float *c, long ldc) {
    switch (mr * 8 + nv) {
        ROW(1) ROW(2) ROW(3) ROW(4) ROW(5) ROW(6)
    }
}

TARGET void birdie_bf16_gemm(int transA, int transB, long m, long n, long k, float alpha,
                             const float *a, long lda, const float *b, long ldb, float beta,
                             float *c, long ldc, void *work) {
    if (m == 0 || n == 0) return;
    long kp = (k + 1) / 2, np = round_up(n, 16);
    uint32_t *ap = (uint32_t *)work, *bp = ap + kp * m, *rows = bp + kp * np;
    // B as (kp, np) pairs.
    if (transB) {
        // Rows of B (n, k) rounded to pairs, then transposed 16 columns at a time by a gather.
        for (long j = 0; j < n; j++) round_row(b + j * ldb, k, (uint16_t *)(rows + j * kp));
        __m512i lanes = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                           _mm512_set1_epi32((int)kp));
        for (long j = 0; j < np; j += 16) {
            __mmask16 m16 = first(n - j < 0 ? 0 : n - j);
            for (long p = 0; p < kp; p++) {
                __m512i v = _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), m16, lanes, rows + j * kp + p, 4);
                _mm512_storeu_si512(bp + p * np + j, v);
            }
        }
    } else {
        for (long p = 0; p < kp; p++)
            pair_rows(b + 2 * p * ldb, 2 * p + 1 < k ? b + (2 * p + 1) * ldb : NULL, n, np, bp + p * np);
    }
    // A's pairs and their strides.
    long aI, aK;
    if (transA) {
        for (long p = 0; p < kp; p++)
            pair_rows(a + 2 * p * lda, 2 * p + 1 < k ? a + (2 * p + 1) * lda : NULL, m, m, ap + p * m);
        aI = 1; aK = m;
    } else {
        for (long i = 0; i < m; i++) round_row(a + i * lda, k, (uint16_t *)(ap + i * kp));
        aI = kp; aK = 1;
    }
    for (long i = 0; i < m; i += 6) {
        int mr = m - i < 6 ? (int)(m - i) : 6;
        for (long j = 0; j < n; j += 64) {
            long cols = n - j < 64 ? n - j : 64;
            block(mr, (int)((cols + 15) / 16), kp, ap + i * aI, aI, aK, bp + j, np, cols, alpha, beta,
                  c + i * ldc + j, ldc);
        }
    }
}

#else
// No AVX512-BF16 off x86-64: the Swift side takes the portable path (Libraries/Kernels/BF16Tiles.swift).
int birdie_bf16_tiles_supported(void) { return 0; }
long birdie_bf16_gemm_work(long m, long n, long k) { (void)m; (void)n; (void)k; return 0; }
void birdie_bf16_gemm(int transA, int transB, long m, long n, long k, float alpha, const float *a, long lda,
                      const float *b, long ldb, float beta, float *c, long ldc, void *work) {
    (void)transA; (void)transB; (void)m; (void)n; (void)k; (void)alpha; (void)a; (void)lda;
    (void)b; (void)ldb; (void)beta; (void)c; (void)ldc; (void)work;
    __builtin_trap();   // unreachable: callers check birdie_bf16_tiles_supported()
}
#endif
