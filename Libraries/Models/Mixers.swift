import Kernels
import Foundation

// The fused elementwise loops below are written for LLVM's loop vectoriser. It leaves a loop scalar
// (the MLP's loops then took 4-5x their vectorised share of the step, in perf) when an index needs
// checked arithmetic (`p[m + j]`: offset pointers are hoisted instead) or when it would need more
// than 8 runtime overlap checks (about 3 written and 3 read pointers: such loops are split). The
// results are bit-identical either way, since no loop reduces.

/// One residual branch: y = f(x) for x the normed stream (rows, d). Backward sets dx (not adds).
/// `p`/`g` are the model's parameter and gradient buffers; offsets were fixed at construction.
protocol Sublayer: AnyObject {
    func forward(_ x: ConstFloatPtr, _ y: FloatPtr, _ ctx: RowContext, _ p: FloatPtr)
    func backward(_ dy: ConstFloatPtr, _ x: ConstFloatPtr, _ dx: FloatPtr, _ ctx: RowContext, _ p: FloatPtr, _ g: FloatPtr)
}

/// Gated SSM, fused block: i = sig(W_i x), z = W_z x, o = gelu(W_o x), f = sig(W_f x + b);
/// h_t = f_t h_{t-1} + i_t z_t; y = W_out (o * h).
final class GatedSSMLayer: Sublayer {
    let d: Int, s: Int, bidirectional: Bool
    let wIn: Int, bF: Int, wOut: Int   // wIn: (4s, d) rows [i, z, o, f]
    let P = Buffer(), F = Buffer(), B = Buffer(), H = Buffer(), U = Buffer(), dP = Buffer(), dA = Buffer()

    init(_ name: String, d: Int, s: Int, bidirectional: Bool, layers: Int, _ l: inout ParameterLayout) {
        self.d = d; self.s = s; self.bidirectional = bidirectional
        let std = 1 / Float(d).squareRoot()
        // One fused (4s, d) matrix read by one product, stored as two tensors because only
        // in_proj takes weight decay: forget_proj must follow in_proj directly.
        wIn = l.add("\(name).in_proj.weight", [3 * s, d], decay: true, .normal(std: std))
        let wF = l.add("\(name).forget_proj.weight", [s, d], decay: false, .normal(std: std))
        precondition(wF == wIn + 3 * s * d, "the fused [i, z, o, f] block must be contiguous")
        bF = l.add("\(name).forget_proj.bias", [s], decay: false, .gateBias(lo: 0.7, hi: 0.97))
        wOut = l.add("\(name).out_proj.weight", [d, s], decay: true, .normal(std: 1 / Float(s * 2 * layers).squareRoot()))
    }

    func forward(_ x: ConstFloatPtr, _ y: FloatPtr, _ ctx: RowContext, _ p: FloatPtr) {
        let n = ctx.rows, s = self.s
        let P = self.P.ensure(n * 4 * s), F = self.F.ensure(n * s), B = self.B.ensure(n * s)
        let H = self.H.ensure(n * s), U = self.U.ensure(n * s)
        Linear.forward(x: x, weight: p + wIn, bias: nil, y: P, rows: n, inFeatures: d, outFeatures: 4 * s)
        let bias = p + bF
        forEachRow(n) { r in
            let pi = P + r * 4 * s, pz = pi + s, pf = pi + 3 * s, f = F + r * s, b = B + r * s
            for j in 0..<s { f[j] = FastMath.sigmoid(pf[j] + bias[j]) }
            for j in 0..<s { b[j] = FastMath.sigmoid(pi[j]) * pz[j] }
        }
        ctx.scan(F, B, H, channels: s, bidirectional: bidirectional)
        forEachRow(n) { r in
            let po = P + r * 4 * s + 2 * s, h = H + r * s, u = U + r * s
            for j in 0..<s { u[j] = FastMath.gelu(po[j]) * h[j] }
        }
        Linear.forward(x: U, weight: p + wOut, bias: nil, y: y, rows: n, inFeatures: s, outFeatures: d)
    }

    func backward(_ dy: ConstFloatPtr, _ x: ConstFloatPtr, _ dx: FloatPtr, _ ctx: RowContext, _ p: FloatPtr, _ g: FloatPtr) {
        let n = ctx.rows, s = self.s
        let P = self.P.p, F = self.F.p, H = self.H.p, U = self.U.p
        let dP = self.dP.ensure(n * 4 * s), dA = self.dA.ensure(n * s)
        let dH = self.B.p   // b is not needed in backward: reuse its buffer for dh
        dH.update(repeating: 0, count: n * s)
        Linear.backward(x: U, weight: p + wOut, dy: dy, dx: dH, dWeight: g + wOut, dBias: nil,
                        rows: n, inFeatures: s, outFeatures: d)
        forEachRow(n) { r in
            let po = P + r * 4 * s + 2 * s, dpo = dP + r * 4 * s + 2 * s, h = H + r * s, dh = dH + r * s
            for j in 0..<s {
                let du = dh[j]
                dh[j] = du * FastMath.gelu(po[j])
                dpo[j] = du * h[j] * FastMath.geluDerivative(po[j])
            }
        }
        let dB = U   // u is not needed after the output projection's backward
        ctx.scanBackward(F, H, dH, dB, dA, channels: s, bidirectional: bidirectional)
        forEachRow(n) { r in
            let pi = P + r * 4 * s, pz = pi + s, dpi = dP + r * 4 * s, dpz = dpi + s, dpf = dpi + 3 * s
            let f = F + r * s, db = dB + r * s, da = dA + r * s
            for j in 0..<s {
                let i = FastMath.sigmoid(pi[j])
                dpi[j] = db[j] * pz[j] * i * (1 - i)
                dpz[j] = db[j] * i
            }
            for j in 0..<s { dpf[j] = da[j] * f[j] * (1 - f[j]) }
        }
        let gb = g + bF
        for r in 0..<n { let dp = dP + r * 4 * s + 3 * s; for j in 0..<s { gb[j] += dp[j] } }
        dx.update(repeating: 0, count: n * d)
        Linear.backward(x: x, weight: p + wIn, dy: dP, dx: dx, dWeight: g + wIn, dBias: nil,
                        rows: n, inFeatures: d, outFeatures: 4 * s)
    }
}

/// Gated SSM+: o = gelu(W_o x); x' = conv4(x); f = sig(W_f x' + b); z = (W_z x') sig(W_zg x');
/// h = scan(f, z); y = W_out (o * h).
final class GatedSSMPlusLayer: Sublayer {
    let d: Int, s: Int, bidirectional: Bool
    let wO: Int, convW: Int, convB: Int, wFZ: Int, bF: Int, wOut: Int   // wFZ: (3s, d) rows [f, z, zg]
    let O = Buffer(), XC = Buffer(), Q = Buffer(), F = Buffer(), Z = Buffer(), H = Buffer(), U = Buffer()
    let dA = Buffer(), dQ = Buffer(), dXC = Buffer(), dZ = Buffer()

    init(_ name: String, d: Int, s: Int, bidirectional: Bool, layers: Int, _ l: inout ParameterLayout) {
        self.d = d; self.s = s; self.bidirectional = bidirectional
        let std = 1 / Float(d).squareRoot()
        wO = l.add("\(name).o_proj.weight", [s, d], decay: true, .normal(std: std))
        convW = l.add("\(name).conv.weight", [4, d], decay: true, .normal(std: 0.5))
        convB = l.add("\(name).conv.bias", [d], decay: false, .constant(0))
        // One fused (3s, d) matrix [f, z] read by one product, two tensors for their weight decay.
        wFZ = l.add("\(name).forget_proj.weight", [s, d], decay: false, .normal(std: std))
        let wZ = l.add("\(name).z_proj.weight", [2 * s, d], decay: true, .normal(std: std))
        precondition(wZ == wFZ + s * d, "the fused [f, z] block must be contiguous")
        bF = l.add("\(name).forget_proj.bias", [s], decay: false, .gateBias(lo: 0.7, hi: 0.97))
        wOut = l.add("\(name).out_proj.weight", [d, s], decay: true, .normal(std: 1 / Float(s * 2 * layers).squareRoot()))
    }

    func forward(_ x: ConstFloatPtr, _ y: FloatPtr, _ ctx: RowContext, _ p: FloatPtr) {
        let n = ctx.rows, s = self.s, d = self.d
        let O = self.O.ensure(n * s), XC = self.XC.ensure(n * d), Q = self.Q.ensure(n * 3 * s)
        let F = self.F.ensure(n * s), Z = self.Z.ensure(n * s), H = self.H.ensure(n * s), U = self.U.ensure(n * s)
        Linear.forward(x: x, weight: p + wO, bias: nil, y: O, rows: n, inFeatures: d, outFeatures: s)
        Conv1D.forward(x: x, weight: p + convW, bias: p + convB, y: XC, segments: ctx.segmentPtr,
                       batch: ctx.batch, time: ctx.time, channels: d)
        Linear.forward(x: XC, weight: p + wFZ, bias: nil, y: Q, rows: n, inFeatures: d, outFeatures: 3 * s)
        let bias = p + bF
        forEachRow(n) { r in
            let qf = Q + r * 3 * s, qz = qf + s, qg = qf + 2 * s, f = F + r * s, z = Z + r * s
            for j in 0..<s { f[j] = FastMath.sigmoid(qf[j] + bias[j]) }
            for j in 0..<s { z[j] = qz[j] * FastMath.sigmoid(qg[j]) }
        }
        ctx.scan(F, Z, H, channels: s, bidirectional: bidirectional)
        forEachRow(n) { r in
            let o = O + r * s, h = H + r * s, u = U + r * s
            for j in 0..<s { u[j] = FastMath.gelu(o[j]) * h[j] }
        }
        Linear.forward(x: U, weight: p + wOut, bias: nil, y: y, rows: n, inFeatures: s, outFeatures: d)
    }

    func backward(_ dy: ConstFloatPtr, _ x: ConstFloatPtr, _ dx: FloatPtr, _ ctx: RowContext, _ p: FloatPtr, _ g: FloatPtr) {
        let n = ctx.rows, s = self.s, d = self.d
        let O = self.O.p, XC = self.XC.p, Q = self.Q.p, F = self.F.p, H = self.H.p
        let dA = self.dA.ensure(n * s), dQ = self.dQ.ensure(n * 3 * s), dXC = self.dXC.ensure(n * d)
        let dH = self.Z.p, dO = self.U.p   // z and u are not needed in backward
        dH.update(repeating: 0, count: n * s)
        Linear.backward(x: U.p, weight: p + wOut, dy: dy, dx: dH, dWeight: g + wOut, dBias: nil,
                        rows: n, inFeatures: s, outFeatures: d)
        forEachRow(n) { r in
            let o = O + r * s, h = H + r * s, dh = dH + r * s, dor = dO + r * s
            for j in 0..<s {
                let du = dh[j]
                dh[j] = du * FastMath.gelu(o[j])
                dor[j] = du * h[j] * FastMath.geluDerivative(o[j])
            }
        }
        let dZ = self.dZ.ensure(n * s)
        ctx.scanBackward(F, H, dH, dZ, dA, channels: s, bidirectional: bidirectional)
        forEachRow(n) { r in
            let qz = Q + r * 3 * s + s, qg = qz + s, dqf = dQ + r * 3 * s, dqz = dqf + s, dqg = dqf + 2 * s
            let f = F + r * s, dz = dZ + r * s, da = dA + r * s
            for j in 0..<s { dqf[j] = da[j] * f[j] * (1 - f[j]) }
            for j in 0..<s {
                let sg = FastMath.sigmoid(qg[j])
                dqz[j] = dz[j] * sg
                dqg[j] = dz[j] * qz[j] * sg * (1 - sg)
            }
        }
        let gb = g + bF
        for r in 0..<n { let dq = dQ + r * 3 * s; for j in 0..<s { gb[j] += dq[j] } }
        dXC.update(repeating: 0, count: n * d)
        Linear.backward(x: XC, weight: p + wFZ, dy: dQ, dx: dXC, dWeight: g + wFZ, dBias: nil,
                        rows: n, inFeatures: d, outFeatures: 3 * s)
        dx.update(repeating: 0, count: n * d)
        Linear.backward(x: x, weight: p + wO, dy: dO, dx: dx, dWeight: g + wO, dBias: nil,
                        rows: n, inFeatures: d, outFeatures: s)
        Conv1D.backward(x: x, weight: p + convW, dy: dXC, dx: dx, dWeight: g + convW, dBias: g + convB,
                        segments: ctx.segmentPtr, batch: ctx.batch, time: ctx.time, channels: d)
    }
}

/// Hawk's recurrent block: y = W_out(gelu(W_g x) * RGLRU(conv4(W_x x))).
/// RG-LRU (Kernels.RGLRU): r = sig(W_a u + b_a), i = sig(W_i u + b_i), log a = -8 r softplus(Lambda),
/// h_t = a_t h_{t-1} + sqrt(1 - a_t^2) (i_t u_t), the square-root factor 1 at a (direction's) start.
final class HawkLayer: Sublayer {
    let d: Int, h: Int, bidirectional: Bool
    let wG: Int, wX: Int, convW: Int, convB: Int, wA: Int, wI: Int, bA: Int, bI: Int, lambda: Int, wOut: Int
    // (rows, h) each: gate and x projections, conv output u, gate pre-activations, state, gated output.
    let G = Buffer(), XB = Buffer(), U = Buffer(), RP = Buffer(), IP = Buffer(), Hs = Buffer(), V = Buffer()
    let dH = Buffer(), dG = Buffer(), dU = Buffer(), dRP = Buffer(), dIP = Buffer(), dXB = Buffer()

    init(_ name: String, d: Int, h: Int, bidirectional: Bool, layers: Int, _ l: inout ParameterLayout) {
        self.d = d; self.h = h; self.bidirectional = bidirectional
        let std = 1 / Float(d).squareRoot(), stdH = 1 / Float(h).squareRoot()
        wG = l.add("\(name).gate_proj.weight", [h, d], decay: true, .normal(std: std))
        wX = l.add("\(name).x_proj.weight", [h, d], decay: true, .normal(std: std))
        convW = l.add("\(name).conv.weight", [4, h], decay: true, .normal(std: 0.5))
        convB = l.add("\(name).conv.bias", [h], decay: false, .constant(0))
        wA = l.add("\(name).rg_lru.a_gate.weight", [h, h], decay: false, .normal(std: stdH))
        wI = l.add("\(name).rg_lru.input_gate.weight", [h, h], decay: true, .normal(std: stdH))
        bA = l.add("\(name).rg_lru.gate.bias", [2 * h], decay: false, .constant(0))
        bI = bA + h
        lambda = l.add("\(name).rg_lru.lambda", [h], decay: false, .rglruLambda)
        wOut = l.add("\(name).out_proj.weight", [d, h], decay: true, .normal(std: 1 / Float(h * 2 * layers).squareRoot()))
    }

    func forward(_ x: ConstFloatPtr, _ y: FloatPtr, _ ctx: RowContext, _ p: FloatPtr) {
        let n = ctx.rows, h = self.h, d = self.d
        let G = self.G.ensure(n * h), XB = self.XB.ensure(n * h), U = self.U.ensure(n * h)
        let RP = self.RP.ensure(n * h), IP = self.IP.ensure(n * h), Hs = self.Hs.ensure(n * h), V = self.V.ensure(n * h)
        Linear.forward(x: x, weight: p + wG, bias: nil, y: G, rows: n, inFeatures: d, outFeatures: h)
        Linear.forward(x: x, weight: p + wX, bias: nil, y: XB, rows: n, inFeatures: d, outFeatures: h)
        Conv1D.forward(x: XB, weight: p + convW, bias: p + convB, y: U, segments: ctx.segmentPtr,
                       batch: ctx.batch, time: ctx.time, channels: h)
        Linear.forward(x: U, weight: p + wA, bias: p + bA, y: RP, rows: n, inFeatures: h, outFeatures: h)
        Linear.forward(x: U, weight: p + wI, bias: p + bI, y: IP, rows: n, inFeatures: h, outFeatures: h)
        for (direction, o, w, carry) in ctx.halves(h, bidirectional) {
            RGLRU.forward(direction, u: U + o, rPre: RP + o, iPre: IP + o, lambda: p + lambda + o, carry: carry,
                          h: Hs + o, batch: ctx.batch, time: ctx.time, channels: w, stride: h)
        }
        forEachRow(n) { r in
            let gr = G + r * h, hs = Hs + r * h, v = V + r * h
            for j in 0..<h { v[j] = FastMath.gelu(gr[j]) * hs[j] }
        }
        Linear.forward(x: V, weight: p + wOut, bias: nil, y: y, rows: n, inFeatures: h, outFeatures: d)
    }

    func backward(_ dy: ConstFloatPtr, _ x: ConstFloatPtr, _ dx: FloatPtr, _ ctx: RowContext, _ p: FloatPtr, _ g: FloatPtr) {
        let n = ctx.rows, h = self.h, d = self.d
        let G = self.G.p, U = self.U.p, RP = self.RP.p, IP = self.IP.p, Hs = self.Hs.p
        let dH = self.dH.ensure(n * h), dG = self.dG.ensure(n * h), dU = self.dU.ensure(n * h)
        let dRP = self.dRP.ensure(n * h), dIP = self.dIP.ensure(n * h), dXB = self.dXB.ensure(n * h)
        dH.update(repeating: 0, count: n * h)
        Linear.backward(x: V.p, weight: p + wOut, dy: dy, dx: dH, dWeight: g + wOut, dBias: nil,
                        rows: n, inFeatures: h, outFeatures: d)
        forEachRow(n) { r in
            let gr = G + r * h, hs = Hs + r * h, dh = dH + r * h, dg = dG + r * h
            for j in 0..<h {
                let dv = dh[j]
                dh[j] = dv * FastMath.gelu(gr[j])
                dg[j] = dv * hs[j] * FastMath.geluDerivative(gr[j])
            }
        }
        // The kernel accumulates into du, drPre, diPre and dLambda.
        for buffer in [dU, dRP, dIP] { buffer.update(repeating: 0, count: n * h) }
        for (direction, o, w, carry) in ctx.halves(h, bidirectional) {
            RGLRU.backward(direction, u: U + o, rPre: RP + o, iPre: IP + o, lambda: p + lambda + o, carry: carry,
                           h: Hs + o, dh: dH + o, du: dU + o, drPre: dRP + o, diPre: dIP + o, dLambda: g + lambda + o,
                           batch: ctx.batch, time: ctx.time, channels: w, stride: h)
        }
        Linear.backward(x: U, weight: p + wA, dy: dRP, dx: dU, dWeight: g + wA, dBias: g + bA,
                        rows: n, inFeatures: h, outFeatures: h)
        Linear.backward(x: U, weight: p + wI, dy: dIP, dx: dU, dWeight: g + wI, dBias: g + bI,
                        rows: n, inFeatures: h, outFeatures: h)
        dXB.update(repeating: 0, count: n * h)
        Conv1D.backward(x: XB.p, weight: p + convW, dy: dU, dx: dXB, dWeight: g + convW, dBias: g + convB,
                        segments: ctx.segmentPtr, batch: ctx.batch, time: ctx.time, channels: h)
        dx.update(repeating: 0, count: n * d)
        Linear.backward(x: x, weight: p + wG, dy: dG, dx: dx, dWeight: g + wG, dBias: nil,
                        rows: n, inFeatures: d, outFeatures: h)
        Linear.backward(x: x, weight: p + wX, dy: dXB, dx: dx, dWeight: g + wX, dBias: nil,
                        rows: n, inFeatures: d, outFeatures: h)
    }
}

/// Feed-forward block: SwiGLU / GeGLU (W_down(act(W_a x) * W_b x)) or plain GeLU (W_down gelu(W_up x)).
final class MLPLayer: Sublayer {
    let d: Int, m: Int, kind: MLPKind
    let wUp: Int, wDown: Int
    let P = Buffer(), M = Buffer(), dP = Buffer(), dM = Buffer()
    var gated: Bool { kind != .gelu }

    init(_ name: String, d: Int, m: Int, kind: MLPKind, layers: Int, _ l: inout ParameterLayout) {
        self.d = d; self.m = m; self.kind = kind
        wUp = l.add("\(name).up_proj.weight", [kind == .gelu ? m : 2 * m, d], decay: true, .normal(std: 1 / Float(d).squareRoot()))
        wDown = l.add("\(name).down_proj.weight", [d, m], decay: true, .normal(std: 1 / Float(m * 2 * layers).squareRoot()))
    }

    func forward(_ x: ConstFloatPtr, _ y: FloatPtr, _ ctx: RowContext, _ p: FloatPtr) {
        let n = ctx.rows, m = self.m, w = gated ? 2 * m : m
        let P = self.P.ensure(n * w), M = self.M.ensure(n * m)
        Linear.forward(x: x, weight: p + wUp, bias: nil, y: P, rows: n, inFeatures: d, outFeatures: w)
        let kind = self.kind
        forEachRow(n) { r in
            let pr = P + r * w, pv = pr + m, mr = M + r * m  // gate, value (gated kinds), output
            switch kind {
            case .gelu: for j in 0..<m { mr[j] = FastMath.gelu(pr[j]) }
            case .geglu: for j in 0..<m { mr[j] = FastMath.gelu(pr[j]) * pv[j] }
            default: for j in 0..<m { mr[j] = pr[j] * FastMath.sigmoid(pr[j]) * pv[j] }
            }
        }
        Linear.forward(x: M, weight: p + wDown, bias: nil, y: y, rows: n, inFeatures: m, outFeatures: d)
    }

    func backward(_ dy: ConstFloatPtr, _ x: ConstFloatPtr, _ dx: FloatPtr, _ ctx: RowContext, _ p: FloatPtr, _ g: FloatPtr) {
        let n = ctx.rows, m = self.m, w = gated ? 2 * m : m
        let P = self.P.p, dP = self.dP.ensure(n * w), dM = self.dM.ensure(n * m)
        dM.update(repeating: 0, count: n * m)
        Linear.backward(x: M.p, weight: p + wDown, dy: dy, dx: dM, dWeight: g + wDown, dBias: nil,
                        rows: n, inFeatures: m, outFeatures: d)
        let kind = self.kind
        forEachRow(n) { r in
            let pr = P + r * w, pv = pr + m, dp = dP + r * w, dpv = dp + m, dm = dM + r * m
            switch kind {
            case .gelu: for j in 0..<m { dp[j] = dm[j] * FastMath.geluDerivative(pr[j]) }
            case .geglu:
                for j in 0..<m {
                    dp[j] = dm[j] * pv[j] * FastMath.geluDerivative(pr[j])
                    dpv[j] = dm[j] * FastMath.gelu(pr[j])
                }
            default:
                for j in 0..<m {
                    let a = pr[j], sg = FastMath.sigmoid(a)
                    dp[j] = dm[j] * pv[j] * (sg + a * sg * (1 - sg))
                    dpv[j] = dm[j] * a * sg
                }
            }
        }
        dx.update(repeating: 0, count: n * d)
        Linear.backward(x: x, weight: p + wUp, dy: dP, dx: dx, dWeight: g + wUp, dBias: nil,
                        rows: n, inFeatures: d, outFeatures: w)
    }
}
