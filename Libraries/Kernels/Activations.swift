// Elementwise activations and gates over flat buffers of `count` floats (any shape).
// Backward: dx += dy * f'(x) (input gradients accumulate, like every backward kernel here).
// Forward may run in place (y == x); backward needs the original x (keep the pre-activation).

public enum Sigmoid {
    /// y[i] = 1 / (1 + e^-x[i]).
    public static func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        Parallel.ranges(count) { r in for i in r { y[i] = FastMath.sigmoid(x[i]) } }
    }
    /// dx[i] += dy[i] * y[i] (1 - y[i]); takes the forward OUTPUT y (cheaper than x).
    public static func backward(y: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, count: Int) {
        Parallel.ranges(count) { r in for i in r { dx[i] += dy[i] * y[i] * (1 - y[i]) } }
    }
}

public enum GeLU {
    /// y[i] = gelu(x[i]) (tanh form).
    public static func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        Parallel.ranges(count) { r in for i in r { y[i] = FastMath.gelu(x[i]) } }
    }
    /// dx[i] += dy[i] * gelu'(x[i]).
    public static func backward(x: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, count: Int) {
        Parallel.ranges(count) { r in for i in r { dx[i] += dy[i] * FastMath.geluDerivative(x[i]) } }
    }
}

public enum Softplus {
    /// y[i] = log(1 + e^x[i]).
    public static func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        Parallel.ranges(count) { r in for i in r { y[i] = FastMath.softplus(x[i]) } }
    }
    /// dx[i] += dy[i] * sigmoid(x[i]).
    public static func backward(x: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, count: Int) {
        Parallel.ranges(count) { r in for i in r { dx[i] += dy[i] * FastMath.sigmoid(x[i]) } }
    }
}

public enum SiLU {
    /// y[i] = x[i] * sigmoid(x[i]).
    public static func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        Parallel.ranges(count) { r in for i in r { y[i] = x[i] * FastMath.sigmoid(x[i]) } }
    }
    /// dx[i] += dy[i] * s (1 + x (1 - s)), s = sigmoid(x[i]).
    public static func backward(x: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, count: Int) {
        Parallel.ranges(count) { r in
            for i in r {
                let s = FastMath.sigmoid(x[i])
                dx[i] += dy[i] * s * (1 + x[i] * (1 - s))
            }
        }
    }
}

/// Gated units out = act(gate) * value, for the MLPs (SwiGLU: act = SiLU; gated GeLU: act = GeLU).
/// gate, value: (rows, width) read with row stride `inputStride` (>= width), so both may be halves
///   of one fused projection (rows, 2*width): gate = p, value = p + width, inputStride = 2*width.
/// out: (rows, width) contiguous.  Backward: dgate, dvalue (same strides as inputs) accumulate.
public enum GatedUnit {
    public enum Activation: Sendable { case silu, gelu }

    public static func forward(_ activation: Activation, gate: UnsafePointer<Float>, value: UnsafePointer<Float>,
                               out: UnsafeMutablePointer<Float>, rows: Int, width: Int, inputStride: Int) {
        Parallel.ranges(rows, minimum: max(1, 4096 / max(width, 1))) { rowRange in
            for row in rowRange {
                forEachVector(in: 0..<width) { j, m in
                    let g = load(gate + row * inputStride + j, m), v = load(value + row * inputStride + j, m)
                    let a = activation == .silu ? g * FastMath.sigmoid(g) : FastMath.gelu(g)
                    store(a * v, to: out + row * width + j, m)
                }
            }
        }
    }

    public static func backward(_ activation: Activation, gate: UnsafePointer<Float>, value: UnsafePointer<Float>,
                                dout: UnsafePointer<Float>, dgate: UnsafeMutablePointer<Float>,
                                dvalue: UnsafeMutablePointer<Float>, rows: Int, width: Int, inputStride: Int) {
        Parallel.ranges(rows, minimum: max(1, 4096 / max(width, 1))) { rowRange in
            for row in rowRange {
                forEachVector(in: 0..<width) { j, m in
                    let o = row * inputStride + j
                    let g = load(gate + o, m), v = load(value + o, m), d = load(dout + row * width + j, m)
                    let a: Vec, da: Vec  // act(g), act'(g)
                    if activation == .silu {
                        let s = FastMath.sigmoid(g)
                        a = g * s
                        da = s * (1 + g * (1 - s))
                    } else {
                        a = FastMath.gelu(g)
                        da = FastMath.geluDerivative(g)
                    }
                    accumulate(d * a, into: dvalue + o, m)
                    accumulate(d * v * da, into: dgate + o, m)
                }
            }
        }
    }
}

/// out[i] = a[i] * b[i] (e.g. GeLU(W_o x) * h in the gated SSM block). Backward accumulates.
public enum Multiply {
    public static func forward(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count: Int) {
        Parallel.ranges(count) { r in for i in r { out[i] = a[i] * b[i] } }
    }
    /// da[i] += dout[i] * b[i]; db[i] += dout[i] * a[i].
    public static func backward(a: UnsafePointer<Float>, b: UnsafePointer<Float>, dout: UnsafePointer<Float>,
                                da: UnsafeMutablePointer<Float>, db: UnsafeMutablePointer<Float>, count: Int) {
        Parallel.ranges(count) { r in for i in r { da[i] += dout[i] * b[i]; db[i] += dout[i] * a[i] } }
    }
}
