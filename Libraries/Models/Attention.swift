import Foundation
import Kernels

/// Multi-head attention with rotary embeddings (positions counted from each sample's start) and the
/// mask "same segment AND (causal OR both in the prefix)" (prefix-LM) or "same segment AND causal":
/// the Kernels library's `Attention`, `Rotary` and `AttentionMask` between the two projections.
final class AttentionLayer: Sublayer {
    let d: Int, heads: Int, hd: Int, prefixLM: Bool
    let wQKV: Int, wOut: Int
    let QKV = Buffer(), O = Buffer(), LSE = Buffer(), scratch = Buffer(), dO = Buffer(), dQKV = Buffer()
    /// cos/sin per (position, frequency); grown when a longer row or a decoding position needs it.
    private(set) var table: RotaryTable

    init(_ name: String, d: Int, heads: Int, prefixLM: Bool, layers: Int, _ l: inout ParameterLayout) {
        self.d = d; self.heads = heads; self.hd = d / heads; self.prefixLM = prefixLM
        wQKV = l.add("\(name).qkv_proj.weight", [3 * d, d], decay: true, .normal(std: 1 / Float(d).squareRoot()))
        wOut = l.add("\(name).out_proj.weight", [d, d], decay: true, .normal(std: 1 / Float(d * 2 * layers).squareRoot()))
        table = RotaryTable(headDim: d / heads, maxPositions: 1024)
    }

    /// The table, covering positions 0..<count.
    func rotary(covering count: Int) -> RotaryTable {
        if count > table.maxPositions { table = RotaryTable(headDim: hd, maxPositions: max(count, 2 * table.maxPositions)) }
        return table
    }

    func forward(_ x: ConstFloatPtr, _ y: FloatPtr, _ ctx: RowContext, _ p: FloatPtr) {
        let n = ctx.rows, d = self.d
        let mask = ctx.attentionMask(bidirectional: prefixLM)
        let QKV = self.QKV.ensure(n * 3 * d), O = self.O.ensure(n * d), LSE = self.LSE.ensure(ctx.batch * heads * ctx.time)
        let scratch = self.scratch.ensure(Attention.scratchCount(time: ctx.time, headDim: hd))
        Linear.forward(x: x, weight: p + wQKV, bias: nil, y: QKV, rows: n, inFeatures: d, outFeatures: 3 * d)
        let table = rotary(covering: ctx.time)
        mask.position.withUnsafeBufferPointer {
            Rotary.forward(qkv: QKV, rows: n, heads: heads, positions: $0.baseAddress!, table: table)
        }
        Attention.forward(qkv: QKV, out: O, logSumExp: LSE, mask: mask, heads: heads, headDim: hd, scratch: scratch)
        Linear.forward(x: O, weight: p + wOut, bias: nil, y: y, rows: n, inFeatures: d, outFeatures: d)
    }

    func backward(_ dy: ConstFloatPtr, _ x: ConstFloatPtr, _ dx: FloatPtr, _ ctx: RowContext, _ p: FloatPtr, _ g: FloatPtr) {
        let n = ctx.rows, d = self.d
        let mask = ctx.attentionMask(bidirectional: prefixLM)
        let dO = self.dO.ensure(n * d), dQKV = self.dQKV.ensure(n * 3 * d)
        let scratch = self.scratch.ensure(Attention.scratchCount(time: ctx.time, headDim: hd))
        dO.update(repeating: 0, count: n * d)
        Linear.backward(x: O.p, weight: p + wOut, dy: dy, dx: dO, dWeight: g + wOut, dBias: nil,
                        rows: n, inFeatures: d, outFeatures: d)
        dQKV.update(repeating: 0, count: n * 3 * d)
        Attention.backward(qkv: QKV.p, out: O.p, logSumExp: LSE.p, dout: dO, dqkv: dQKV, mask: mask,
                           heads: heads, headDim: hd, scratch: scratch)
        mask.position.withUnsafeBufferPointer {
            Rotary.backward(dqkv: dQKV, rows: n, heads: heads, positions: $0.baseAddress!, table: table)
        }
        dx.update(repeating: 0, count: n * d)
        Linear.backward(x: x, weight: p + wQKV, dy: dQKV, dx: dx, dWeight: g + wQKV, dBias: nil,
                        rows: n, inFeatures: d, outFeatures: 3 * d)
    }
}
