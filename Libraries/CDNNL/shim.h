// oneDNN's C API (Debian: libdnnl-dev 2.6), and the one primitive the project uses: a row-major
// matrix product C (m, n) = op(A) (m, k) op(B) (k, n) [+ beta C], A and B in bf16 (packed, so
// their leading dimension is their row length), C in fp32, accumulated in fp32. Small C helpers
// here because dnnl_dims_t is a fixed C array.
#include <oneapi/dnnl/dnnl.h>

typedef struct {
    dnnl_primitive_t primitive;
    dnnl_memory_t a, b, c;
} birdie_matmul;

/// Creates the primitive and its three memory objects (handles set per call). Returns a dnnl_status_t.
static inline int birdie_matmul_create(birdie_matmul *mm, dnnl_engine_t engine, int transA, int transB,
                                       int64_t m, int64_t n, int64_t k, int64_t ldc, float beta) {
    dnnl_memory_desc_t a_md, b_md, c_md;
    dnnl_dims_t a_dims = {m, k}, b_dims = {k, n}, c_dims = {m, n};
    // op(A) is m x k: A is stored m x k (row stride k), or k x m when transposed (element stride m).
    dnnl_dims_t a_strides = {transA ? 1 : k, transA ? m : 1};
    dnnl_dims_t b_strides = {transB ? 1 : n, transB ? k : 1};
    dnnl_dims_t c_strides = {ldc, 1};
    int s;
    if ((s = dnnl_memory_desc_init_by_strides(&a_md, 2, a_dims, dnnl_bf16, a_strides))) return s;
    if ((s = dnnl_memory_desc_init_by_strides(&b_md, 2, b_dims, dnnl_bf16, b_strides))) return s;
    if ((s = dnnl_memory_desc_init_by_strides(&c_md, 2, c_dims, dnnl_f32, c_strides))) return s;
    dnnl_matmul_desc_t desc;
    if ((s = dnnl_matmul_desc_init(&desc, &a_md, &b_md, NULL, &c_md))) return s;
    dnnl_primitive_attr_t attr;
    if ((s = dnnl_primitive_attr_create(&attr))) return s;
    if (beta != 0) {
        dnnl_post_ops_t ops;
        if ((s = dnnl_post_ops_create(&ops))) return s;
        if ((s = dnnl_post_ops_append_sum(ops, beta))) return s;
        if ((s = dnnl_primitive_attr_set_post_ops(attr, ops))) return s;
        dnnl_post_ops_destroy(ops);
    }
    dnnl_primitive_desc_t pd;
    s = dnnl_primitive_desc_create(&pd, &desc, attr, engine, NULL);
    dnnl_primitive_attr_destroy(attr);
    if (s) return s;
    s = dnnl_primitive_create(&mm->primitive, pd);
    dnnl_primitive_desc_destroy(pd);
    if (s) return s;
    if ((s = dnnl_memory_create(&mm->a, &a_md, engine, DNNL_MEMORY_NONE))) return s;
    if ((s = dnnl_memory_create(&mm->b, &b_md, engine, DNNL_MEMORY_NONE))) return s;
    return dnnl_memory_create(&mm->c, &c_md, engine, DNNL_MEMORY_NONE);
}

/// Runs the product on these buffers and waits for it. Returns a dnnl_status_t.
static inline int birdie_matmul_run(birdie_matmul *mm, dnnl_stream_t stream, const void *a, const void *b, float *c) {
    int s;
    if ((s = dnnl_memory_set_data_handle(mm->a, (void *)a))) return s;
    if ((s = dnnl_memory_set_data_handle(mm->b, (void *)b))) return s;
    if ((s = dnnl_memory_set_data_handle(mm->c, c))) return s;
    dnnl_exec_arg_t args[3] = {{DNNL_ARG_SRC, mm->a}, {DNNL_ARG_WEIGHTS, mm->b}, {DNNL_ARG_DST, mm->c}};
    if ((s = dnnl_primitive_execute(mm->primitive, stream, 3, args))) return s;
    return dnnl_stream_wait(stream);
}
