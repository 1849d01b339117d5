import CBLAS

/// Fully connected layer y = x W^T + b (row-major), its products in the engine's precision
/// (`Engine.products`: fp32 OpenBLAS sgemm, or bf16 operands with fp32 sums).
/// x: (rows, inFeatures)  W: (outFeatures, inFeatures)  b: (outFeatures) or nil  y: (rows, outFeatures)
/// Forward overwrites y. Backward accumulates into dx, dW and db (sgemm with beta = 1); pass nil
/// for dx when the input needs no gradient (e.g. the first layer's input is an embedding you
/// handle separately) and for db when there is no bias.
public enum Linear {
    public static func forward(x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                               y: UnsafeMutablePointer<Float>, rows: Int, inFeatures: Int, outFeatures: Int) {
        var beta: Float = 0
        if let bias {
            for r in 0..<rows { (y + r * outFeatures).update(from: bias, count: outFeatures) }
            beta = 1
        }
        Engine.products.gemm(transA: false, transB: true, m: rows, n: outFeatures, k: inFeatures,
                             alpha: 1, a: x, lda: inFeatures, b: weight, ldb: inFeatures, beta: beta, c: y, ldc: outFeatures)
    }

    /// dx += dy W;  dW += dy^T x;  db += sum over rows of dy.
    public static func backward(x: UnsafePointer<Float>, weight: UnsafePointer<Float>, dy: UnsafePointer<Float>,
                                dx: UnsafeMutablePointer<Float>?, dWeight: UnsafeMutablePointer<Float>,
                                dBias: UnsafeMutablePointer<Float>?, rows: Int, inFeatures: Int, outFeatures: Int) {
        let products = Engine.products
        if let dx {
            products.gemm(transA: false, transB: false, m: rows, n: inFeatures, k: outFeatures,
                          alpha: 1, a: dy, lda: outFeatures, b: weight, ldb: inFeatures, beta: 1, c: dx, ldc: inFeatures)
        }
        products.gemm(transA: true, transB: false, m: outFeatures, n: inFeatures, k: rows,
                      alpha: 1, a: dy, lda: outFeatures, b: x, ldb: inFeatures, beta: 1, c: dWeight, ldc: inFeatures,
                      samePackedA: dx != nil)  // dy, as (rows, outFeatures) in both products
        if let dBias {
            for r in 0..<rows {
                let row = dy + r * outFeatures
                for j in 0..<outFeatures { dBias[j] += row[j] }
            }
        }
    }
}

/// Token embedding lookup. tokens: (rows) Int32 ids in 0..<vocab  table: (vocab, channels)
/// out: (rows, channels), overwritten.  Backward: dTable[token] += dout (accumulates).
public enum Embedding {
    public static func forward(tokens: UnsafePointer<Int32>, table: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>,
                               rows: Int, channels: Int) {
        for r in 0..<rows {
            (out + r * channels).update(from: table + Int(tokens[r]) * channels, count: channels)
        }
    }

    /// Serial on purpose: rows with the same token add into the same table row.
    public static func backward(tokens: UnsafePointer<Int32>, dout: UnsafePointer<Float>, dTable: UnsafeMutablePointer<Float>,
                                rows: Int, channels: Int) {
        for r in 0..<rows {
            let d = dTable + Int(tokens[r]) * channels, g = dout + r * channels
            for j in 0..<channels { d[j] += g[j] }
        }
    }
}
