// Small bf16 matrix products for the attention tiles (Libraries/Kernels/Attention.swift): both
// operands rounded to bfloat16 (nearest even, as BF16.bits in Swift), products accumulated in fp32
// with the AVX512-BF16 instruction vdpbf16ps. Single-threaded: the attention kernel runs one
// product per worker. oneDNN's matmul would need a primitive per tile shape (the key count varies
// from tile to tile); these shapes are small enough that packing and a register-blocked kernel do.
#ifndef BIRDIE_BF16_TILES_H
#define BIRDIE_BF16_TILES_H
#include <stdint.h>

/// 1 when this CPU has AVX512-BF16 (and the AVX-512 F/BW/VL the kernel also uses); always 0 off
/// x86-64. Checked at run time: the kernel's instructions are enabled per function, so the library
/// builds for any x86-64 CPU, and nothing may call birdie_bf16_gemm where this is 0.
int birdie_bf16_tiles_supported(void);

/// Bytes of `work` that birdie_bf16_gemm needs for a product of these sizes.
long birdie_bf16_gemm_work(long m, long n, long k);

/// Row-major C (m, n) = alpha op(A) (m, k) op(B) (k, n) + beta C (beta C is skipped when beta is
/// 0, so C may hold garbage then). A is stored (m, k) with leading dimension lda, or (k, m) when
/// transA; B is (k, n) with ldb, or (n, k) when transB. work: birdie_bf16_gemm_work(m, n, k)
/// bytes, 4-byte aligned, for the packed operands. Call only when birdie_bf16_tiles_supported().
void birdie_bf16_gemm(int transA, int transB, long m, long n, long k, float alpha,
                      const float *a, long lda, const float *b, long ldb, float beta,
                      float *c, long ldc, void *work);

#endif
