import CBLAS
import Foundation
import Kernels

/// What a sublayer carries from one generated token to the next.
class DecodeState {}

/// Sublayers that can continue one token at a time after a full forward over the prompt.
protocol Steppable: Sublayer {
    /// The state after the last row of the single-row batch just run forward; `x` is the
    /// sublayer's input over that row (time, d).
    func captureState(_ ctx: RowContext, input x: ConstFloatPtr, p: FloatPtr) -> DecodeState
    /// y (d) for one more causal position with input x (d) at within-sample `position`.
    func step(_ x: ConstFloatPtr, _ y: FloatPtr, _ state: DecodeState, position: Int, _ p: FloatPtr)
}

/// The last three conv inputs and the recurrent state of the forward half.
final class RecurrentState: DecodeState {
    var convHistory: [Float]   // (3, c), oldest first
    var h: [Float]             // (s); only the forward half carries over in the causal region
    init(convHistory: [Float], h: [Float]) { self.convHistory = convHistory; self.h = h }
}

/// Keys and values of every position so far (rotated keys), per layer.
final class AttentionState: DecodeState {
    let cache: AttentionCache   // one sample's rotated keys and values
    init(_ cache: AttentionCache) { self.cache = cache }
}

/// Conv1D of one new row given the previous three (same sample), updating the history.
/// w: (4, c), tap 3 multiplies the new row, tap k < 3 the history row k (oldest first).
private func convStep(_ x: ConstFloatPtr, _ history: inout [Float], _ w: ConstFloatPtr, _ b: ConstFloatPtr,
                      _ out: FloatPtr, channels c: Int) {
    for j in 0..<c {
        out[j] = b[j] + w[3 * c + j] * x[j] + w[j] * history[j] + w[c + j] * history[c + j]
            + w[2 * c + j] * history[2 * c + j]
    }
    history.removeFirst(c)
    history.append(contentsOf: UnsafeBufferPointer(start: x, count: c))
}

/// The last three rows of `x` (time, c), zero before the start.
private func lastRows(_ x: ConstFloatPtr, time: Int, channels c: Int) -> [Float] {
    var out = [Float](repeating: 0, count: 3 * c)
    for k in 0..<3 where time - 3 + k >= 0 {
        for j in 0..<c { out[k * c + j] = x[(time - 3 + k) * c + j] }
    }
    return out
}

/// One row through the linear layer: y (out) = W x.
private func gemv(_ w: ConstFloatPtr, _ x: ConstFloatPtr, _ y: FloatPtr, in k: Int, out m: Int) {
    cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(m), Int32(k), 1, w, Int32(k), x, 1, 0, y, 1)
}

extension GatedSSMLayer: Steppable {
    func captureState(_ ctx: RowContext, input x: ConstFloatPtr, p: FloatPtr) -> DecodeState {
        RecurrentState(convHistory: [], h: Array(UnsafeBufferPointer(start: H.p + (ctx.time - 1) * s, count: s)))
    }

    func step(_ x: ConstFloatPtr, _ y: FloatPtr, _ state: DecodeState, position: Int, _ p: FloatPtr) {
        let st = state as! RecurrentState, s = self.s
        var P = [Float](repeating: 0, count: 4 * s), u = [Float](repeating: 0, count: s)
        gemv(p + wIn, x, &P, in: d, out: 4 * s)
        let half = bidirectional ? s / 2 : s
        for j in 0..<s {
            let f = FastMath.sigmoid(P[3 * s + j] + p[bF + j]), b = FastMath.sigmoid(P[j]) * P[s + j]
            // Reverse half: the gate is zero in the causal region (it sees only this token).
            let h = j < half ? f * st.h[j] + b : b
            st.h[j] = h
            u[j] = FastMath.gelu(P[2 * s + j]) * h
        }
        gemv(p + wOut, u, y, in: s, out: d)
    }
}

extension GatedSSMPlusLayer: Steppable {
    func captureState(_ ctx: RowContext, input x: ConstFloatPtr, p: FloatPtr) -> DecodeState {
        RecurrentState(convHistory: lastRows(x, time: ctx.time, channels: d),
                       h: Array(UnsafeBufferPointer(start: H.p + (ctx.time - 1) * s, count: s)))
    }

    func step(_ x: ConstFloatPtr, _ y: FloatPtr, _ state: DecodeState, position: Int, _ p: FloatPtr) {
        let st = state as! RecurrentState, s = self.s
        var o = [Float](repeating: 0, count: s), xc = [Float](repeating: 0, count: d)
        var q = [Float](repeating: 0, count: 3 * s), u = [Float](repeating: 0, count: s)
        gemv(p + wO, x, &o, in: d, out: s)
        convStep(x, &st.convHistory, p + convW, p + convB, &xc, channels: d)
        gemv(p + wFZ, xc, &q, in: d, out: 3 * s)
        let half = bidirectional ? s / 2 : s
        for j in 0..<s {
            let f = FastMath.sigmoid(q[j] + p[bF + j]), z = q[s + j] * FastMath.sigmoid(q[2 * s + j])
            let h = j < half ? f * st.h[j] + z : z
            st.h[j] = h
            u[j] = FastMath.gelu(o[j]) * h
        }
        gemv(p + wOut, u, y, in: s, out: d)
    }
}

extension HawkLayer: Steppable {
    func captureState(_ ctx: RowContext, input x: ConstFloatPtr, p: FloatPtr) -> DecodeState {
        RecurrentState(convHistory: lastRows(XB.p, time: ctx.time, channels: h),
                       h: Array(UnsafeBufferPointer(start: Hs.p + (ctx.time - 1) * h, count: h)))
    }

    func step(_ x: ConstFloatPtr, _ y: FloatPtr, _ state: DecodeState, position: Int, _ p: FloatPtr) {
        let st = state as! RecurrentState, h = self.h
        var g = [Float](repeating: 0, count: h), xb = [Float](repeating: 0, count: h), u = [Float](repeating: 0, count: h)
        var r = [Float](repeating: 0, count: 2 * h), v = [Float](repeating: 0, count: h)
        gemv(p + wG, x, &g, in: d, out: h)
        gemv(p + wX, x, &xb, in: d, out: h)
        convStep(xb, &st.convHistory, p + convW, p + convB, &u, channels: h)
        gemv(p + wA, u, &r, in: h, out: 2 * h)   // a_gate then input_gate, adjacent
        let half = bidirectional ? h / 2 : h
        for j in 0..<h {
            let ag = FastMath.sigmoid(r[j] + p[bA + j]), ig = FastMath.sigmoid(r[h + j] + p[bI + j])
            let a = FastMath.exp(ag * -8 * FastMath.softplus(p[lambda + j]))
            let hv: Float
            if j < half {
                hv = a * st.h[j] + (1 - a * a).squareRoot() * ig * u[j]
            } else {
                hv = ig * u[j]   // reverse half in the causal region: a start at every position
            }
            st.h[j] = hv
            v[j] = FastMath.gelu(g[j]) * hv
        }
        gemv(p + wOut, v, y, in: h, out: d)
    }
}

extension MLPLayer: Steppable {
    func captureState(_ ctx: RowContext, input x: ConstFloatPtr, p: FloatPtr) -> DecodeState { DecodeState() }

    func step(_ x: ConstFloatPtr, _ y: FloatPtr, _ state: DecodeState, position: Int, _ p: FloatPtr) {
        let w = gated ? 2 * m : m
        var P = [Float](repeating: 0, count: w), M = [Float](repeating: 0, count: m)
        gemv(p + wUp, x, &P, in: d, out: w)
        for j in 0..<m {
            switch kind {
            case .gelu: M[j] = FastMath.gelu(P[j])
            case .geglu: M[j] = FastMath.gelu(P[j]) * P[m + j]
            default: M[j] = P[j] * FastMath.sigmoid(P[j]) * P[m + j]
            }
        }
        gemv(p + wDown, M, y, in: m, out: d)
    }
}

extension AttentionLayer: Steppable {
    func captureState(_ ctx: RowContext, input x: ConstFloatPtr, p: FloatPtr) -> DecodeState {
        let cache = AttentionCache(batch: 1, capacity: 2 * ctx.time, heads: heads, headDim: hd)
        cache.append(sample: 0, qkv: QKV.p, count: ctx.time)   // rotated by the full forward
        return AttentionState(cache)
    }

    func step(_ x: ConstFloatPtr, _ y: FloatPtr, _ state: DecodeState, position: Int, _ p: FloatPtr) {
        let cache = (state as! AttentionState).cache
        cache.reserve(position + 1)
        var qkv = [Float](repeating: 0, count: 3 * d), out = [Float](repeating: 0, count: d)
        gemv(p + wQKV, x, &qkv, in: d, out: 3 * d)
        Attention.step(qkv: &qkv, out: &out, cache: cache, table: rotary(covering: position + 1))
        gemv(p + wOut, out, y, in: d, out: d)
    }
}

/// Generation one token at a time with constant memory per token for the recurrent models (the
/// transformer keeps its keys and values). `start` reads the prompt as the prefix (in both
/// directions where the model is bidirectional) followed by START; `step` feeds each next token.
public final class Decoder {
    public let model: Model
    private var states: [DecodeState] = []
    private var x: [Float], xn: [Float], y: [Float]
    private var position = 0

    public init(_ model: Model) {
        self.model = model
        let d = model.config.dModel
        x = .init(repeating: 0, count: d); xn = x; y = x
    }

    /// Logits (vocab) predicting the first target token after `prefix`.
    public func start(prefix: [Int32]) -> [Float] {
        let t = prefix.count + 1
        let batch = PackedBatch(batch: 1, length: t, tokens: prefix + [1], labels: .init(repeating: -1, count: t),
                                segments: .init(repeating: 1, count: t),
                                regions: .init(repeating: Region.prefix.rawValue, count: prefix.count) + [Region.causal.rawValue])
        let last = model.logits(batch, rows: [t - 1])   // the prompt's other positions need no logits
        states = model.captureDecodeStates(time: t)
        position = t
        return last
    }

    /// Feeds `token` (the last prediction, or any forced token) and returns the next logits.
    public func step(_ token: Int32) -> [Float] {
        let result = model.decodeStep(token, states: states, position: position, x: &x, xn: &xn, y: &y)
        position += 1
        return result
    }
}

extension Model {
    func captureDecodeStates(time: Int) -> [DecodeState] {
        guard let ctx = lastContext else { return [] }
        let d = config.dModel
        return planSublayers.enumerated().map { i, sub in
            sub.captureState(ctx, input: normedInputs + i * time * d, p: parameters)
        }
    }

    func decodeStep(_ token: Int32, states: [DecodeState], position: Int, x: inout [Float], xn: inout [Float], y: inout [Float]) -> [Float] {
        let d = config.dModel, p = parameters
        var r: Float = 0
        for j in 0..<d { x[j] = p[embeddingOffset + Int(token) * d + j] }
        for (i, sub) in planSublayers.enumerated() {
            RMSNorm.forward(x: x, gain: p + normOffsets[i], y: &xn, rstd: &r, rows: 1, channels: d)
            sub.step(xn, &y, states[i], position: position, p)
            for j in 0..<d { x[j] += y[j] }
        }
        RMSNorm.forward(x: x, gain: p + finalNormOffset, y: &xn, rstd: &r, rows: 1, channels: d)
        var logits = [Float](repeating: 0, count: config.vocab)
        gemvLogits(xn, &logits)
        return logits
    }

    private func gemvLogits(_ x: ConstFloatPtr, _ out: FloatPtr) {
        cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(config.vocab), Int32(config.dModel), 1, parameters + embeddingOffset,
                    Int32(config.dModel), x, 1, 0, out, 1)
    }
}
