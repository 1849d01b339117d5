import CBLAS
import Foundation
import Kernels

/// Multi-head attention with rotary embeddings (positions counted from each sample's start) and the
/// mask "same segment AND (causal OR both in the prefix)" (prefix-LM) or "same segment AND causal".
final class AttentionLayer: Sublayer {
    let d: Int, heads: Int, hd: Int, prefixLM: Bool
    let wQKV: Int, wOut: Int
    let QKV = Buffer(), Pm = Buffer(), O = Buffer(), dO = Buffer(), dQKV = Buffer(), dS = Buffer()
    let inverseFrequency: [Float]

    init(_ name: String, d: Int, heads: Int, prefixLM: Bool, layers: Int, _ l: inout ParameterLayout) {
        self.d = d; self.heads = heads; self.hd = d / heads; self.prefixLM = prefixLM
        wQKV = l.add("\(name).qkv_proj.weight", [3 * d, d], decay: true, .normal(std: 1 / Float(d).squareRoot()))
        wOut = l.add("\(name).out_proj.weight", [d, d], decay: true, .normal(std: 1 / Float(d * 2 * layers).squareRoot()))
        let hd = d / heads
        inverseFrequency = (0..<hd / 2).map { Float(Foundation.pow(10000.0, -2.0 * Double($0) / Double(hd))) }
    }

    /// Rotates q and k of every row by +angle (forward) or -angle (gradient).
    func rotate(_ X: FloatPtr, _ ctx: RowContext, sign: Float) {
        let d = self.d, hd = self.hd, heads = self.heads, inv = inverseFrequency
        forEachRow(ctx.rows) { r in
            let pos = Float(ctx.positions[r])
            for k in 0..<hd / 2 {
                let angle = pos * inv[k]
                let c = Foundation.cos(angle), s = sign * Foundation.sin(angle)
                for part in 0..<2 {   // q, then k
                    for hh in 0..<heads {
                        let v = X + r * 3 * d + part * d + hh * hd + 2 * k
                        let a = v[0], b = v[1]
                        v[0] = a * c - b * s
                        v[1] = a * s + b * c
                    }
                }
            }
        }
    }

    func allowed(_ ctx: RowContext, _ b: Int, _ i: Int, _ j: Int) -> Bool {
        let base = b * ctx.time
        guard ctx.segments[base + i] == ctx.segments[base + j] else { return false }
        if j <= i { return true }
        let prefix = Region.prefix.rawValue
        return prefixLM && ctx.regions[base + i] == prefix && ctx.regions[base + j] == prefix
    }

    func forward(_ x: ConstFloatPtr, _ y: FloatPtr, _ ctx: RowContext, _ p: FloatPtr) {
        let n = ctx.rows, T = ctx.time, d = self.d, hd = self.hd
        let QKV = self.QKV.ensure(n * 3 * d), Pm = self.Pm.ensure(ctx.batch * heads * T * T), O = self.O.ensure(n * d)
        E.linearForward(x, p + wQKV, QKV, rows: n, in: d, out: 3 * d)
        rotate(QKV, ctx, sign: 1)
        let scale = 1 / Float(hd).squareRoot()
        for b in 0..<ctx.batch {
            for hh in 0..<heads {
                let q = QKV + b * T * 3 * d + hh * hd, k = q + d, v = q + 2 * d
                let P = Pm + (b * heads + hh) * T * T
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(T), Int32(T), Int32(hd), scale,
                            q, Int32(3 * d), k, Int32(3 * d), 0, P, Int32(T))
                forEachRow(T) { i in
                    let row = P + i * T
                    var mx = -Float.infinity
                    for j in 0..<T where self.allowed(ctx, b, i, j) { mx = Swift.max(mx, row[j]) }
                    var sum: Float = 0
                    for j in 0..<T {
                        let e: Float = self.allowed(ctx, b, i, j) ? FastMath.exp(row[j] - mx) : 0
                        row[j] = e; sum += e
                    }
                    let inv = 1 / sum
                    for j in 0..<T { row[j] *= inv }
                }
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(T), Int32(hd), Int32(T), 1,
                            P, Int32(T), v, Int32(3 * d), 0, O + b * T * d + hh * hd, Int32(d))
            }
        }
        E.linearForward(O, p + wOut, y, rows: n, in: d, out: d)
    }

    func backward(_ dy: ConstFloatPtr, _ x: ConstFloatPtr, _ dx: FloatPtr, _ ctx: RowContext, _ p: FloatPtr, _ g: FloatPtr) {
        let n = ctx.rows, T = ctx.time, d = self.d, hd = self.hd
        let QKV = self.QKV.p, Pm = self.Pm.p
        let dO = self.dO.ensure(n * d), dQKV = self.dQKV.ensure(n * 3 * d), dS = self.dS.ensure(T * T)
        E.linearBackward(dy, O.p, p + wOut, dO, g + wOut, rows: n, in: d, out: d)
        let scale = 1 / Float(hd).squareRoot()
        for b in 0..<ctx.batch {
            for hh in 0..<heads {
                let off = b * T * 3 * d + hh * hd
                let q = QKV + off, k = q + d, v = q + 2 * d
                let dq = dQKV + off, dk = dq + d, dv = dq + 2 * d
                let P = Pm + (b * heads + hh) * T * T, dOh = dO + b * T * d + hh * hd
                // dP = dO v^T; dV = P^T dO
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(T), Int32(T), Int32(hd), 1,
                            dOh, Int32(d), v, Int32(3 * d), 0, dS, Int32(T))
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(T), Int32(hd), Int32(T), 1,
                            P, Int32(T), dOh, Int32(d), 0, dv, Int32(3 * d))
                forEachRow(T) { i in
                    let pr = P + i * T, sr = dS + i * T
                    var dot: Float = 0
                    for j in 0..<T { dot += pr[j] * sr[j] }
                    for j in 0..<T { sr[j] = pr[j] * (sr[j] - dot) }
                }
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(T), Int32(hd), Int32(T), scale,
                            dS, Int32(T), k, Int32(3 * d), 0, dq, Int32(3 * d))
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(T), Int32(hd), Int32(T), scale,
                            dS, Int32(T), q, Int32(3 * d), 0, dk, Int32(3 * d))
            }
        }
        rotate(dQKV, ctx, sign: -1)
        // x was the input of the qkv projection; QKV now holds rotated values, not needed further.
        E.linearBackward(dQKV, x, p + wQKV, dx, g + wQKV, rows: n, in: d, out: 3 * d)
    }
}
