import Foundation

/// AdamW with decoupled weight decay, as one flat loop over the whole parameter buffer.
/// params, grads, m, v, decayMask: (count), one layout for all. decayMask[i] is 1 where weight
/// decay applies and 0 where it must not (norm gains, biases, forget-gate / recurrence weights).
/// m and v start at zero; `step` counts from 1 (bias correction).
///   m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2
///   p -= lr * (m / (1-b1^t) / (sqrt(v / (1-b2^t)) + eps) + weightDecay * mask * p)
public struct AdamW: Sendable {
    public var beta1: Float = 0.9
    public var beta2: Float = 0.95
    public var epsilon: Float = 1e-8
    public var weightDecay: Float = 0.1

    public init(beta1: Float = 0.9, beta2: Float = 0.95, epsilon: Float = 1e-8, weightDecay: Float = 0.1) {
        self.beta1 = beta1; self.beta2 = beta2; self.epsilon = epsilon; self.weightDecay = weightDecay
    }

    public func update(params: UnsafeMutablePointer<Float>, grads: UnsafePointer<Float>,
                       m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>,
                       decayMask: UnsafePointer<Float>, count: Int, learningRate lr: Float, step: Int) {
        precondition(step >= 1, "AdamW step counts from 1")
        let b1 = beta1, b2 = beta2, eps = epsilon, wd = weightDecay
        let c1 = 1 / (1 - Float(Foundation.pow(Double(b1), Double(step))))
        let c2 = 1 / (1 - Float(Foundation.pow(Double(b2), Double(step))))
        Parallel.ranges(count, minimum: 1 << 16) { r in
            for i in r {
                let g = grads[i]
                let mi = b1 * m[i] + (1 - b1) * g
                let vi = b2 * v[i] + (1 - b2) * g * g
                m[i] = mi
                v[i] = vi
                params[i] -= lr * (mi * c1 / ((vi * c2).squareRoot() + eps) + wd * decayMask[i] * params[i])
            }
        }
    }
}

/// Global gradient-norm clipping over one flat gradient buffer.
public enum GradientClipping {
    /// sqrt(sum g^2), accumulated per fixed chunk in Float and across chunks in Double.
    public static func globalNorm(_ grads: UnsafePointer<Float>, count: Int) -> Float {
        let chunk = 1 << 14
        var total = 0.0
        var start = 0
        while start < count {
            let n = min(chunk, count - start)
            total += Double(Reduce.dot(grads + start, grads + start, n))
            start += n
        }
        return Float(total.squareRoot())
    }

    /// Scales grads by maxNorm / norm when the norm exceeds maxNorm; returns the norm before clipping.
    @discardableResult
    public static func clip(_ grads: UnsafeMutablePointer<Float>, count: Int, maxNorm: Float) -> Float {
        let norm = globalNorm(grads, count: count)
        if norm > maxNorm && norm.isFinite {
            let s = maxNorm / norm
            Parallel.ranges(count, minimum: 1 << 16) { r in for i in r { grads[i] *= s } }
        }
        return norm
    }
}

/// Learning-rate schedule: linear warmup from 0 to `peak` over `warmup` steps, then cosine decay
/// to `minimum` at `total` steps (constant `minimum` after). Steps count from 1.
public enum LearningRate {
    public static func warmupCosine(step: Int, warmup: Int, total: Int, peak: Float, minimum: Float) -> Float {
        if step <= warmup { return peak * Float(step) / Float(max(warmup, 1)) }
        if step >= total { return minimum }
        let progress = Double(step - warmup) / Double(max(total - warmup, 1))
        return minimum + (peak - minimum) * Float(0.5 * (1 + Foundation.cos(Double.pi * progress)))
    }
}
