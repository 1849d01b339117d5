import Foundation
import Kernels
import Randomness

/// Where each tensor of the critic lives in its one flat parameter buffer. Weights are
/// (outFeatures, inFeatures), as the Kernels library's Linear expects.
struct CriticLayout: Equatable {
    let k: Int, width: Int, layers: Int
    let lossGain: Int, actionGain: Int          // [k] each: RMSNorm gains of the two input halves
    let inWeight: Int, inBias: Int              // [width, 2k], [width]
    let normGain: [Int]                         // per layer [width]
    let gateWeight: [Int], gateBias: [Int]      // per layer [width, width], [width]
    let valueWeight: [Int], valueBias: [Int]    // per layer [width, width], [width]
    let outGain: Int, outWeight: Int, outBias: Int  // [width], [k, width], [k]
    let count: Int

    init(k: Int, width: Int, layers: Int) {
        self.k = k; self.width = width; self.layers = layers
        var offset = 0
        func take(_ n: Int) -> Int { defer { offset += n }; return offset }
        lossGain = take(k); actionGain = take(k)
        inWeight = take(width * 2 * k); inBias = take(width)
        var g: [Int] = [], gw: [Int] = [], gb: [Int] = [], vw: [Int] = [], vb: [Int] = []
        for _ in 0..<layers {
            g.append(take(width))
            gw.append(take(width * width)); gb.append(take(width))
            vw.append(take(width * width)); vb.append(take(width))
        }
        normGain = g; gateWeight = gw; gateBias = gb; valueWeight = vw; valueBias = vb
        outGain = take(width); outWeight = take(k * width); outBias = take(k)
        count = offset
    }
}

/// A Float buffer allocated once and freed with its owner (activations and scratch space).
final class Buffer {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int
    init(_ count: Int) {
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }
    deinit { pointer.deallocate() }
    var array: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }
    func zero() { pointer.update(repeating: 0, count: count) }
}

/// What a forward pass keeps for the backward pass; `rows` = batch · steps.
final class CriticActivations {
    let batch: Int, steps: Int
    var rows: Int { batch * steps }
    let losses, actions: Buffer             // [rows, k] the two input halves
    let lossRstd, actionRstd: Buffer        // [rows]
    let inputNormed: Buffer                 // [rows, 2k] both halves after their norms
    let hidden: [Buffer]                    // layers + 1 of [rows, width]: residual stream into each layer
    let normRstd: [Buffer], normed: [Buffer]
    let gate: [Buffer], value: [Buffer]     // σ(gate pre-activation), value: [rows, width]
    let state: [Buffer]                     // s: [rows, width]
    let outRstd: Buffer, outNormed: Buffer
    let output: Buffer                      // [rows, k]

    init(layout l: CriticLayout, batch: Int, steps: Int) {
        self.batch = batch; self.steps = steps
        let rows = batch * steps, w = l.width
        losses = Buffer(rows * l.k); actions = Buffer(rows * l.k)
        lossRstd = Buffer(rows); actionRstd = Buffer(rows)
        inputNormed = Buffer(rows * 2 * l.k)
        hidden = (0...l.layers).map { _ in Buffer(rows * w) }
        normRstd = (0..<l.layers).map { _ in Buffer(rows) }
        normed = (0..<l.layers).map { _ in Buffer(rows * w) }
        gate = (0..<l.layers).map { _ in Buffer(rows * w) }
        value = (0..<l.layers).map { _ in Buffer(rows * w) }
        state = (0..<l.layers).map { _ in Buffer(rows * w) }
        outRstd = Buffer(rows); outNormed = Buffer(rows * w)
        output = Buffer(rows * l.k)
    }
}

/// The critic: a gated linear recurrence that reads one step per past evaluation,
/// [losses (k), action (k)], each half RMS-normalised with its own gain, and predicts the k
/// rewards the next evaluation will bring. Per layer: u = RMSNorm(h); a = σ(u·Wgᵀ + bg);
/// v = u·Wvᵀ + bv; s_t = a_t·s_{t-1} + (1 - a_t)·v_t; h += s. Head: RMSNorm, linear to k.
/// Built on the Kernels library (Linear, RMSNorm, Sigmoid, LinearScan, GradientClipping).
public final class Critic {
    let layout: CriticLayout
    var parameters: [Float]
    var gradients: [Float]
    var moment1: [Float], moment2: [Float]
    /// AdamW steps taken so far (bias correction continues across evaluations).
    var optimizerSteps: Int = 0

    public var configurationCount: Int { layout.k }
    public var parameterCount: Int { layout.count }

    public init(configurations k: Int, width: Int = 256, layers: Int = 4, random: inout Xoshiro256StarStar) {
        layout = CriticLayout(k: k, width: width, layers: layers)
        parameters = [Float](repeating: 0, count: layout.count)
        gradients = parameters; moment1 = parameters; moment2 = parameters
        let l = layout
        func fill(_ offset: Int, _ count: Int, with value: Float) {
            for i in 0..<count { parameters[offset + i] = value }
        }
        func initialise(_ offset: Int, fanIn: Int, count: Int) {
            let sd = 1 / Double(fanIn).squareRoot()
            for i in 0..<count { parameters[offset + i] = Float(random.standardNormal() * sd) }
        }
        fill(l.lossGain, k, with: 1); fill(l.actionGain, k, with: 1)
        initialise(l.inWeight, fanIn: 2 * k, count: width * 2 * k)
        for layer in 0..<layers {
            fill(l.normGain[layer], width, with: 1)
            initialise(l.gateWeight[layer], fanIn: width, count: width * width)
            initialise(l.valueWeight[layer], fanIn: width, count: width * width)
        }
        fill(l.outGain, width, with: 1)
        initialise(l.outWeight, fanIn: width, count: k * width)
    }

    // MARK: forward

    /// Runs `batch` sequences of `steps` inputs ([batch, steps, 2k]: losses then action per step)
    /// from the recurrent states `initial` (one [width] per layer, shared by the batch; nil = zeros).
    /// The outputs, [batch, steps, k], are in `.output`.
    func forward(_ input: [Float], batch: Int, steps: Int, initial: [[Float]]? = nil) -> CriticActivations {
        let l = layout, k = l.k, w = l.width
        let act = CriticActivations(layout: l, batch: batch, steps: steps)
        let rows = act.rows
        precondition(input.count == rows * 2 * k)
        for r in 0..<rows {
            for j in 0..<k {
                act.losses.pointer[r * k + j] = input[r * 2 * k + j]
                act.actions.pointer[r * k + j] = input[r * 2 * k + k + j]
            }
        }
        let carry = Buffer(rows)
        carry.pointer.update(repeating: 1, count: rows)
        let scanInput = Buffer(rows * w)
        parameters.withUnsafeBufferPointer { pb in
            let p = pb.baseAddress!
            // The two input halves, each with its own norm, side by side in one row.
            let normedLosses = Buffer(rows * k), normedActions = Buffer(rows * k)
            RMSNorm.forward(x: act.losses.pointer, gain: p + l.lossGain, y: normedLosses.pointer,
                            rstd: act.lossRstd.pointer, rows: rows, channels: k)
            RMSNorm.forward(x: act.actions.pointer, gain: p + l.actionGain, y: normedActions.pointer,
                            rstd: act.actionRstd.pointer, rows: rows, channels: k)
            for r in 0..<rows {
                (act.inputNormed.pointer + r * 2 * k).update(from: normedLosses.pointer + r * k, count: k)
                (act.inputNormed.pointer + r * 2 * k + k).update(from: normedActions.pointer + r * k, count: k)
            }
            Linear.forward(x: act.inputNormed.pointer, weight: p + l.inWeight, bias: p + l.inBias,
                           y: act.hidden[0].pointer, rows: rows, inFeatures: 2 * k, outFeatures: w)
            for layer in 0..<l.layers {
                let a = act.gate[layer].pointer, v = act.value[layer].pointer, s = act.state[layer].pointer
                RMSNorm.forward(x: act.hidden[layer].pointer, gain: p + l.normGain[layer], y: act.normed[layer].pointer,
                                rstd: act.normRstd[layer].pointer, rows: rows, channels: w)
                Linear.forward(x: act.normed[layer].pointer, weight: p + l.gateWeight[layer], bias: p + l.gateBias[layer],
                               y: a, rows: rows, inFeatures: w, outFeatures: w)
                Sigmoid.forward(a, a, count: rows * w)
                Linear.forward(x: act.normed[layer].pointer, weight: p + l.valueWeight[layer], bias: p + l.valueBias[layer],
                               y: v, rows: rows, inFeatures: w, outFeatures: w)
                // s_t = a_t·s_{t-1} + x_t with x = (1 - a)·v; the scan resets at t = 0, so a given
                // initial state enters through x_0 += a_0·s_initial.
                let x = scanInput.pointer
                for i in 0..<(rows * w) { x[i] = (1 - a[i]) * v[i] }
                if let initialState = initial?[layer] {
                    for b in 0..<batch {
                        let row = b * steps * w
                        for c in 0..<w { x[row + c] += a[row + c] * initialState[c] }
                    }
                }
                LinearScan.forward(.forward, a: a, x: x, h: s, carry: carry.pointer,
                                   batch: batch, time: steps, channels: w, stride: w)
                let hIn = act.hidden[layer].pointer, hOut = act.hidden[layer + 1].pointer
                for i in 0..<(rows * w) { hOut[i] = hIn[i] + s[i] }
            }
            RMSNorm.forward(x: act.hidden[l.layers].pointer, gain: p + l.outGain, y: act.outNormed.pointer,
                            rstd: act.outRstd.pointer, rows: rows, channels: w)
            Linear.forward(x: act.outNormed.pointer, weight: p + l.outWeight, bias: p + l.outBias,
                           y: act.output.pointer, rows: rows, inFeatures: w, outFeatures: k)
        }
        return act
    }

    /// Predicted rewards [steps, k] for one sequence of inputs [steps, 2k].
    public func predict(_ input: [Float], steps: Int) -> [Float] {
        forward(input, batch: 1, steps: steps).output.array
    }

    /// The recurrent state of every layer after reading `steps` inputs (zeros for no steps).
    public func finalState(after input: [Float], steps: Int) -> [[Float]] {
        let w = layout.width
        guard steps > 0 else { return (0..<layout.layers).map { _ in [Float](repeating: 0, count: w) } }
        let act = forward(input, batch: 1, steps: steps)
        return act.state.map { Array(UnsafeBufferPointer(start: $0.pointer + (steps - 1) * w, count: w)) }
    }

    // MARK: backward

    /// Accumulates into `gradients` the gradient of a loss whose gradient w.r.t. the outputs is
    /// `dOutput` ([rows, k]). The recurrences must have started from zero state (training).
    func backward(_ act: CriticActivations, dOutput: [Float]) {
        let l = layout, k = l.k, w = l.width, rows = act.rows
        let carry = Buffer(rows)
        carry.pointer.update(repeating: 1, count: rows)
        let dNormed = Buffer(rows * w), dHidden = Buffer(rows * w)
        let dGate = Buffer(rows * w), dGatePre = Buffer(rows * w), dValue = Buffer(rows * w), dScanInput = Buffer(rows * w)
        parameters.withUnsafeBufferPointer { pb in
            gradients.withUnsafeMutableBufferPointer { gb in
                let p = pb.baseAddress!, g = gb.baseAddress!
                dOutput.withUnsafeBufferPointer { dy in
                    Linear.backward(x: act.outNormed.pointer, weight: p + l.outWeight, dy: dy.baseAddress!,
                                    dx: dNormed.pointer, dWeight: g + l.outWeight, dBias: g + l.outBias,
                                    rows: rows, inFeatures: w, outFeatures: k)
                }
                RMSNorm.backward(x: act.hidden[l.layers].pointer, gain: p + l.outGain, rstd: act.outRstd.pointer,
                                 dy: dNormed.pointer, dx: dHidden.pointer, dGain: g + l.outGain, rows: rows, channels: w)
                for layer in stride(from: l.layers - 1, through: 0, by: -1) {
                    // h_{l+1} = h_l + s_l: dHidden is both the residual's gradient and the scan's.
                    let a = act.gate[layer].pointer, v = act.value[layer].pointer
                    dGate.zero(); dScanInput.zero(); dGatePre.zero(); dNormed.zero()
                    LinearScan.backward(.forward, a: a, h: act.state[layer].pointer, carry: carry.pointer,
                                        dh: dHidden.pointer, da: dGate.pointer, dx: dScanInput.pointer,
                                        batch: act.batch, time: act.steps, channels: w, stride: w)
                    for i in 0..<(rows * w) {   // x = (1 - a)·v
                        dValue.pointer[i] = dScanInput.pointer[i] * (1 - a[i])
                        dGate.pointer[i] -= dScanInput.pointer[i] * v[i]
                    }
                    Sigmoid.backward(y: a, dy: dGate.pointer, dx: dGatePre.pointer, count: rows * w)
                    Linear.backward(x: act.normed[layer].pointer, weight: p + l.gateWeight[layer], dy: dGatePre.pointer,
                                    dx: dNormed.pointer, dWeight: g + l.gateWeight[layer], dBias: g + l.gateBias[layer],
                                    rows: rows, inFeatures: w, outFeatures: w)
                    Linear.backward(x: act.normed[layer].pointer, weight: p + l.valueWeight[layer], dy: dValue.pointer,
                                    dx: dNormed.pointer, dWeight: g + l.valueWeight[layer], dBias: g + l.valueBias[layer],
                                    rows: rows, inFeatures: w, outFeatures: w)
                    RMSNorm.backward(x: act.hidden[layer].pointer, gain: p + l.normGain[layer], rstd: act.normRstd[layer].pointer,
                                     dy: dNormed.pointer, dx: dHidden.pointer, dGain: g + l.normGain[layer],
                                     rows: rows, channels: w)
                }
                let dInput = Buffer(rows * 2 * k)
                Linear.backward(x: act.inputNormed.pointer, weight: p + l.inWeight, dy: dHidden.pointer,
                                dx: dInput.pointer, dWeight: g + l.inWeight, dBias: g + l.inBias,
                                rows: rows, inFeatures: 2 * k, outFeatures: w)
                // Inputs are data: only the gains of the two input norms need gradients.
                let dHalf = Buffer(rows * k), unused = Buffer(rows * k)
                for (half, gain, x, rstd) in [(0, l.lossGain, act.losses, act.lossRstd), (k, l.actionGain, act.actions, act.actionRstd)] {
                    for r in 0..<rows { (dHalf.pointer + r * k).update(from: dInput.pointer + r * 2 * k + half, count: k) }
                    RMSNorm.backward(x: x.pointer, gain: p + gain, rstd: rstd.pointer, dy: dHalf.pointer,
                                     dx: unused.pointer, dGain: g + gain, rows: rows, channels: k)
                }
            }
        }
    }

    /// Mean squared error of the outputs against `target` ([rows, k]) and its gradient.
    static func meanSquaredError(_ output: Buffer, _ target: [Float]) -> (loss: Float, gradient: [Float]) {
        let n = Float(output.count)
        var loss: Float = 0
        var gradient = [Float](repeating: 0, count: output.count)
        for i in 0..<output.count {
            let d = output.pointer[i] - target[i]
            loss += d * d
            gradient[i] = 2 * d / n
        }
        return (loss / n, gradient)
    }
}

/// How the critic is trained after each evaluation (docs/METHOD.md section 4).
public struct CriticTraining: Codable, Equatable, Sendable {
    public var steps = 200
    public var learningRate: Double = 5e-4
    public var weightDecay: Double = 0.1
    public var gradientClip: Double = 1.0
    /// Cyclic (triangular) learning rate between learningRate/1000 and learningRate.
    public var halfCycle = 100
    /// Inputs and targets are multiplied by factors uniform in [1 - jitter, 1 + jitter].
    public var jitter: Double = 0.02
    public var beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8

    public init() {}

    /// The triangular cyclic learning rate at training step `i` (starting low).
    public func learningRate(at i: Int) -> Double {
        let low = learningRate / 1000
        let position = Double(i % (2 * halfCycle)) / Double(halfCycle)   // 0..<2
        let fraction = position <= 1 ? position : 2 - position
        return low + (learningRate - low) * fraction
    }
}

extension Critic {
    /// Trains on one sequence: inputs [steps, 2k], targets [steps, k], for `training.steps` AdamW
    /// steps with jitter, gradient clipping and the cyclic learning rate. Returns the last MSE.
    @discardableResult
    public func train(inputs: [Float], targets: [Float], steps: Int, training: CriticTraining,
                      random: inout Xoshiro256StarStar) -> Float {
        precondition(inputs.count == steps * 2 * layout.k && targets.count == steps * layout.k)
        var lastLoss: Float = .nan
        let low = Float(1 - training.jitter), span = Float(2 * training.jitter)
        for i in 0..<training.steps {
            let x = inputs.map { $0 * (low + span * random.uniform()) }
            let y = targets.map { $0 * (low + span * random.uniform()) }
            let act = forward(x, batch: 1, steps: steps)
            let (loss, dOutput) = Critic.meanSquaredError(act.output, y)
            lastLoss = loss
            gradients.withUnsafeMutableBufferPointer { g in for j in g.indices { g[j] = 0 } }
            backward(act, dOutput: dOutput)
            optimizerStep(learningRate: Float(training.learningRate(at: i)), training: training)
        }
        return lastLoss
    }

    /// One AdamW step with decoupled weight decay on every parameter (PyTorch's default), after
    /// clipping the global gradient norm (Kernels.GradientClipping). The update is Kernels.AdamW's
    /// formula in 16-lane SIMD: Kernels.AdamW's scalar loop took ~28% of a decision.
    func optimizerStep(learningRate lr: Float, training: CriticTraining) {
        optimizerSteps += 1
        let b1 = Float(training.beta1), b2 = Float(training.beta2), eps = Float(training.epsilon)
        let decay = lr * Float(training.weightDecay)
        let c1 = 1 / (1 - Float(pow(training.beta1, Double(optimizerSteps))))
        let c2 = 1 / (1 - Float(pow(training.beta2, Double(optimizerSteps))))
        func update(_ p: inout SIMD16<Float>, _ g: SIMD16<Float>, _ m: inout SIMD16<Float>, _ v: inout SIMD16<Float>) {
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * g * g
            p -= lr * (m * c1 / ((v * c2).squareRoot() + eps)) + decay * p
        }
        let n = parameters.count, wide = n / 16 * 16
        parameters.withUnsafeMutableBufferPointer { pb in
            gradients.withUnsafeMutableBufferPointer { gb in
                moment1.withUnsafeMutableBufferPointer { mb in
                    moment2.withUnsafeMutableBufferPointer { vb in
                        _ = GradientClipping.clip(gb.baseAddress!, count: n, maxNorm: Float(training.gradientClip))
                        let p = UnsafeMutableRawPointer(pb.baseAddress!), g = UnsafeRawPointer(gb.baseAddress!)
                        let m = UnsafeMutableRawPointer(mb.baseAddress!), v = UnsafeMutableRawPointer(vb.baseAddress!)
                        for i in stride(from: 0, to: wide, by: 16) {
                            let o = 4 * i
                            var pv = p.loadUnaligned(fromByteOffset: o, as: SIMD16<Float>.self)
                            var mv = m.loadUnaligned(fromByteOffset: o, as: SIMD16<Float>.self)
                            var vv = v.loadUnaligned(fromByteOffset: o, as: SIMD16<Float>.self)
                            update(&pv, g.loadUnaligned(fromByteOffset: o, as: SIMD16<Float>.self), &mv, &vv)
                            p.storeBytes(of: pv, toByteOffset: o, as: SIMD16<Float>.self)
                            m.storeBytes(of: mv, toByteOffset: o, as: SIMD16<Float>.self)
                            v.storeBytes(of: vv, toByteOffset: o, as: SIMD16<Float>.self)
                        }
                        for i in wide..<n {   // the tail, in lane 0
                            var pv = SIMD16<Float>(repeating: pb[i]), mv = SIMD16<Float>(repeating: mb[i])
                            var vv = SIMD16<Float>(repeating: vb[i])
                            update(&pv, SIMD16<Float>(repeating: gb[i]), &mv, &vv)
                            pb[i] = pv[0]; mb[i] = mv[0]; vb[i] = vv[0]
                        }
                    }
                }
            }
        }
    }
}
