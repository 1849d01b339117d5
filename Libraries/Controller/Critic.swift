import Foundation

/// Where each tensor of the critic lives in its one flat parameter buffer.
struct CriticLayout: Equatable {
    let k: Int, width: Int, layers: Int
    let lossGain: Int, actionGain: Int      // [k] each: RMSNorm gains of the two input halves
    let inWeight: Int, inBias: Int          // [2k, width], [width]
    let normGain: [Int]                     // per layer [width]
    let weight: [Int], bias: [Int]          // per layer [width, 2·width] (gate | value), [2·width]
    let outGain: Int, outWeight: Int, outBias: Int  // [width], [width, k], [k]
    let count: Int

    init(k: Int, width: Int, layers: Int) {
        self.k = k; self.width = width; self.layers = layers
        var offset = 0
        func take(_ n: Int) -> Int { defer { offset += n }; return offset }
        lossGain = take(k); actionGain = take(k)
        inWeight = take(2 * k * width); inBias = take(width)
        var g: [Int] = [], w: [Int] = [], b: [Int] = []
        for _ in 0..<layers {
            g.append(take(width)); w.append(take(width * 2 * width)); b.append(take(2 * width))
        }
        normGain = g; weight = w; bias = b
        outGain = take(width); outWeight = take(width * k); outBias = take(k)
        count = offset
    }
}

/// What a forward pass keeps for the backward pass; shapes for `rows` = batch · steps.
final class CriticActivations {
    let batch: Int, steps: Int
    var rows: Int { batch * steps }
    var input: [Float]      // [rows, 2k]
    var inputHat: [Float]   // [rows, 2k] normalised halves before gains
    var inputNormed: [Float]
    var inverseLoss: [Float], inverseAction: [Float]  // [rows]
    var hidden: [[Float]]   // layers + 1 of [rows, width]: the residual stream entering each layer
    var normInverse: [[Float]], normHat: [[Float]], normed: [[Float]]
    var z: [[Float]]        // [rows, 2·width] gate and value pre-activations
    var gate: [[Float]], state: [[Float]]  // [rows, width]
    var outInverse: [Float], outHat: [Float], outNormed: [Float]
    var output: [Float]     // [rows, k]

    init(layout l: CriticLayout, batch: Int, steps: Int) {
        self.batch = batch; self.steps = steps
        let rows = batch * steps, w = l.width
        func zeros(_ n: Int) -> [Float] { [Float](repeating: 0, count: n) }
        input = zeros(rows * 2 * l.k); inputHat = input; inputNormed = input
        inverseLoss = zeros(rows); inverseAction = zeros(rows)
        hidden = (0...l.layers).map { _ in zeros(rows * w) }
        normInverse = (0..<l.layers).map { _ in zeros(rows) }
        normHat = (0..<l.layers).map { _ in zeros(rows * w) }
        normed = normHat
        z = (0..<l.layers).map { _ in zeros(rows * 2 * w) }
        gate = normHat; state = normHat
        outInverse = zeros(rows); outHat = zeros(rows * w); outNormed = outHat
        output = zeros(rows * l.k)
    }
}

/// The critic: a gated linear recurrence that reads one step per past evaluation,
/// [losses (k), action (k)], each half RMS-normalised with its own gain, and predicts the k
/// rewards the next evaluation will bring. Layers: u = RMSNorm(h); [gate | value] = u·W + b;
/// s_t = σ(gate)·s_{t-1} + (1 - σ(gate))·value; h += s. Head: RMSNorm, then a linear map to k.
public final class Critic {
    let layout: CriticLayout
    var parameters: [Float]
    var gradients: [Float]
    var moment1: [Float], moment2: [Float]
    /// AdamW steps taken so far (bias correction continues across evaluations).
    var optimizerSteps: Int = 0

    public var configurationCount: Int { layout.k }
    public var parameterCount: Int { layout.count }

    public init(configurations k: Int, width: Int = 256, layers: Int = 4, random: inout ControllerRandom) {
        layout = CriticLayout(k: k, width: width, layers: layers)
        parameters = [Float](repeating: 0, count: layout.count)
        gradients = parameters; moment1 = parameters; moment2 = parameters
        let l = layout
        for i in 0..<k { parameters[l.lossGain + i] = 1; parameters[l.actionGain + i] = 1 }
        func initialise(_ offset: Int, fanIn: Int, count: Int) {
            let sd = 1 / Double(fanIn).squareRoot()
            for i in 0..<count { parameters[offset + i] = Float(random.nextNormal() * sd) }
        }
        initialise(l.inWeight, fanIn: 2 * k, count: 2 * k * width)
        for layer in 0..<layers {
            for i in 0..<width { parameters[l.normGain[layer] + i] = 1 }
            initialise(l.weight[layer], fanIn: width, count: width * 2 * width)
        }
        for i in 0..<width { parameters[l.outGain + i] = 1 }
        initialise(l.outWeight, fanIn: width, count: width * k)
    }

    // MARK: forward

    /// Runs `batch` sequences of `steps` inputs ([batch, steps, 2k]) from the recurrent states
    /// `initial` (one [width] per layer, shared by the batch; nil = zeros). Outputs [batch, steps, k].
    func forward(_ input: [Float], batch: Int, steps: Int, initial: [[Float]]? = nil) -> CriticActivations {
        let l = layout, k = l.k, w = l.width
        let act = CriticActivations(layout: l, batch: batch, steps: steps)
        let rows = act.rows
        precondition(input.count == rows * 2 * k)
        act.input = input
        let zeroState = [Float](repeating: 0, count: w)
        parameters.withUnsafeBufferPointer { pb in
            let p = pb.baseAddress!
            act.input.withUnsafeBufferPointer { x in
                act.inputHat.withUnsafeMutableBufferPointer { hat in
                    act.inputNormed.withUnsafeMutableBufferPointer { y in
                        rmsNormForward(x.baseAddress!, gain: p + l.lossGain, y: y.baseAddress!, xhat: hat.baseAddress!,
                                       inverse: &act.inverseLoss, rows: rows, n: k, stride: 2 * k)
                        rmsNormForward(x.baseAddress! + k, gain: p + l.actionGain, y: y.baseAddress! + k,
                                       xhat: hat.baseAddress! + k, inverse: &act.inverseAction,
                                       rows: rows, n: k, stride: 2 * k)
                    }
                }
            }
            matmul(act.inputNormed, p + l.inWeight, &act.hidden[0], m: rows, k: 2 * k, n: w, accumulate: false)
            addBias(&act.hidden[0], p + l.inBias, rows: rows, n: w)
            for layer in 0..<l.layers {
                rmsNormForward(act.hidden[layer], gain: p + l.normGain[layer], y: &act.normed[layer],
                               xhat: &act.normHat[layer], inverse: &act.normInverse[layer], rows: rows, n: w, stride: w)
                matmul(act.normed[layer], p + l.weight[layer], &act.z[layer], m: rows, k: w, n: 2 * w, accumulate: false)
                addBias(&act.z[layer], p + l.bias[layer], rows: rows, n: 2 * w)
                gatedScanForward(act.z[layer], initial: initial?[layer] ?? zeroState, a: &act.gate[layer],
                                 s: &act.state[layer], batch: batch, steps: steps, d: w)
                let next = zip(act.hidden[layer], act.state[layer]).map { $0 + $1 }
                act.hidden[layer + 1] = next
            }
            rmsNormForward(act.hidden[l.layers], gain: p + l.outGain, y: &act.outNormed, xhat: &act.outHat,
                           inverse: &act.outInverse, rows: rows, n: w, stride: w)
            matmul(act.outNormed, p + l.outWeight, &act.output, m: rows, k: w, n: k, accumulate: false)
            addBias(&act.output, p + l.outBias, rows: rows, n: k)
        }
        return act
    }

    /// Predicted rewards [steps, k] for one sequence of inputs [steps, 2k].
    public func predict(_ input: [Float], steps: Int) -> [Float] {
        forward(input, batch: 1, steps: steps).output
    }

    /// The recurrent state of every layer after reading `steps` inputs (zeros for no steps).
    public func finalState(after input: [Float], steps: Int) -> [[Float]] {
        let w = layout.width
        guard steps > 0 else { return (0..<layout.layers).map { _ in [Float](repeating: 0, count: w) } }
        let act = forward(input, batch: 1, steps: steps)
        return act.state.map { Array($0[((steps - 1) * w)..<(steps * w)]) }
    }

    // MARK: backward

    /// Accumulates into `gradients` the gradient of a loss whose gradient w.r.t. the outputs is
    /// `dOutput` ([rows, k]). Recurrences start from zero state (training sequences).
    func backward(_ act: CriticActivations, dOutput: [Float]) {
        let l = layout, k = l.k, w = l.width, rows = act.rows
        let zeroState = [Float](repeating: 0, count: w)
        parameters.withUnsafeBufferPointer { pb in
            gradients.withUnsafeMutableBufferPointer { gb in
                let p = pb.baseAddress!, g = gb.baseAddress!
                matmulTransposedA(act.outNormed, dOutput, g + l.outWeight, m: rows, k: w, n: k)
                biasBackward(dOutput, g + l.outBias, rows: rows, n: k)
                var dNormed = [Float](repeating: 0, count: rows * w)
                matmulTransposedB(dOutput, p + l.outWeight, &dNormed, m: rows, k: w, n: k)
                var dHidden = [Float](repeating: 0, count: rows * w)
                rmsNormBackward(dNormed, gain: p + l.outGain, xhat: act.outHat, inverse: act.outInverse,
                                dx: &dHidden, dgain: g + l.outGain, rows: rows, n: w, stride: w)
                var dz = [Float](repeating: 0, count: rows * 2 * w)
                for layer in stride(from: l.layers - 1, through: 0, by: -1) {
                    // h_{l+1} = h_l + s_l: dHidden flows to both the residual and the scan.
                    gatedScanBackward(dHidden, z: act.z[layer], a: act.gate[layer], s: act.state[layer],
                                      initial: zeroState, dz: &dz, batch: act.batch, steps: act.steps, d: w)
                    matmulTransposedA(act.normed[layer], dz, g + l.weight[layer], m: rows, k: w, n: 2 * w)
                    biasBackward(dz, g + l.bias[layer], rows: rows, n: 2 * w)
                    for i in dNormed.indices { dNormed[i] = 0 }
                    matmulTransposedB(dz, p + l.weight[layer], &dNormed, m: rows, k: w, n: 2 * w)
                    rmsNormBackward(dNormed, gain: p + l.normGain[layer], xhat: act.normHat[layer],
                                    inverse: act.normInverse[layer], dx: &dHidden, dgain: g + l.normGain[layer],
                                    rows: rows, n: w, stride: w)
                }
                matmulTransposedA(act.inputNormed, dHidden, g + l.inWeight, m: rows, k: 2 * k, n: w)
                biasBackward(dHidden, g + l.inBias, rows: rows, n: w)
                var dInput = [Float](repeating: 0, count: rows * 2 * k)
                matmulTransposedB(dHidden, p + l.inWeight, &dInput, m: rows, k: 2 * k, n: w)
                // Inputs are data: only the gains of the two input norms need gradients.
                rmsNormBackward(dInput, gain: p + l.lossGain, xhat: act.inputHat, inverse: act.inverseLoss,
                                dx: nil, dgain: g + l.lossGain, rows: rows, n: k, stride: 2 * k)
                dInput.withUnsafeBufferPointer { di in
                    act.inputHat.withUnsafeBufferPointer { hat in
                        rmsNormBackward(di.baseAddress! + k, gain: p + l.actionGain, xhat: hat.baseAddress! + k,
                                        inverse: act.inverseAction, dx: nil, dgain: g + l.actionGain,
                                        rows: rows, n: k, stride: 2 * k)
                    }
                }
            }
        }
    }

    /// Mean squared error of the outputs against `target` ([rows, k]) and its gradient.
    static func meanSquaredError(_ output: [Float], _ target: [Float]) -> (loss: Float, gradient: [Float]) {
        let n = Float(output.count)
        var loss: Float = 0
        var gradient = [Float](repeating: 0, count: output.count)
        for i in output.indices {
            let d = output[i] - target[i]
            loss += d * d
            gradient[i] = 2 * d / n
        }
        return (loss / n, gradient)
    }
}

/// How the critic is trained after each evaluation (BIRDIE.md section 4).
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
                      random: inout ControllerRandom) -> Float {
        precondition(inputs.count == steps * 2 * layout.k && targets.count == steps * layout.k)
        var lastLoss: Float = .nan
        let low = Float(1 - training.jitter), span = Float(2 * training.jitter)
        for i in 0..<training.steps {
            let x = inputs.map { $0 * (low + span * random.nextFloat()) }
            let y = targets.map { $0 * (low + span * random.nextFloat()) }
            let act = forward(x, batch: 1, steps: steps)
            let (loss, dOutput) = Critic.meanSquaredError(act.output, y)
            lastLoss = loss
            gradients.withUnsafeMutableBufferPointer { g in for j in g.indices { g[j] = 0 } }
            backward(act, dOutput: dOutput)
            clipGradients(to: Float(training.gradientClip))
            adamW(learningRate: Float(training.learningRate(at: i)), training: training)
        }
        return lastLoss
    }

    /// Scales all gradients so their global L2 norm is at most `limit`.
    func clipGradients(to limit: Float) {
        let n = gradients.count, wide = n / 16 * 16
        gradients.withUnsafeMutableBufferPointer { g in
            let raw = UnsafeMutableRawPointer(g.baseAddress!)
            var sum16 = SIMD16<Float>()
            for i in stride(from: 0, to: wide, by: 16) {
                let x = raw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<Float>.self)
                sum16 += x * x
            }
            var sum = sum16.sum()
            for i in wide..<n { sum += g[i] * g[i] }
            let norm = sum.squareRoot()
            guard norm > limit else { return }
            let scale = limit / (norm + 1e-6)
            for i in 0..<n { g[i] *= scale }
        }
    }

    /// One AdamW step with decoupled weight decay on every parameter (PyTorch's default),
    /// 16 lanes at a time.
    func adamW(learningRate lr: Float, training: CriticTraining) {
        optimizerSteps += 1
        let b1 = Float(training.beta1), b2 = Float(training.beta2), eps = Float(training.epsilon)
        let decay = 1 - lr * Float(training.weightDecay)
        let c1 = 1 / (1 - Float(pow(training.beta1, Double(optimizerSteps))))
        let c2 = 1 / (1 - Float(pow(training.beta2, Double(optimizerSteps))))
        func update(_ p: inout SIMD16<Float>, _ g: SIMD16<Float>, _ m: inout SIMD16<Float>, _ v: inout SIMD16<Float>) {
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * g * g
            p = p * decay - lr * (m * c1) / ((v * c2).squareRoot() + eps)
        }
        let n = parameters.count, wide = n / 16 * 16
        parameters.withUnsafeMutableBufferPointer { pb in
            gradients.withUnsafeBufferPointer { gb in
                moment1.withUnsafeMutableBufferPointer { mb in
                    moment2.withUnsafeMutableBufferPointer { vb in
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
                        for i in wide..<n {   // the tail, one lane used
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
