import CBLAS
import Foundation

// The few numeric kernels the critic needs, over raw Float pointers. Layout is row-major
// (rows, channels) with channels innermost; backward kernels accumulate into gradients.
// TODO(kernels): these mirror the project's Kernels library conventions and can be replaced by it.

/// c[m, n] (+)= a[m, k] · b[k, n]
func matmul(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
            m: Int, k: Int, n: Int, accumulate: Bool) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k),
                1, a, Int32(k), b, Int32(n), accumulate ? 1 : 0, c, Int32(n))
}

/// c[k, n] += a[m, k]ᵀ · g[m, n]   (weight gradient)
func matmulTransposedA(_ a: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
                       m: Int, k: Int, n: Int) {
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(k), Int32(n), Int32(m),
                1, a, Int32(k), g, Int32(n), 1, c, Int32(n))
}

/// c[m, k] += g[m, n] · b[k, n]ᵀ   (input gradient)
func matmulTransposedB(_ g: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
                       m: Int, k: Int, n: Int) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(k), Int32(n),
                1, g, Int32(n), b, Int32(n), 1, c, Int32(k))
}

/// out[r, :] += bias[:]  for rows r
func addBias(_ out: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>, rows: Int, n: Int) {
    for r in 0..<rows {
        let o = out + r * n
        for j in 0..<n { o[j] += bias[j] }
    }
}

/// db[:] += Σ_r g[r, :]
func biasBackward(_ g: UnsafePointer<Float>, _ db: UnsafeMutablePointer<Float>, rows: Int, n: Int) {
    for r in 0..<rows {
        let row = g + r * n
        for j in 0..<n { db[j] += row[j] }
    }
}

let rmsEpsilon: Float = 1e-6

/// RMSNorm over `n` channels of each row (row stride `stride`):
/// xhat = x / sqrt(mean(x²) + eps), y = xhat · gain. Saves xhat and 1/rms per row.
func rmsNormForward(_ x: UnsafePointer<Float>, gain: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
                    xhat: UnsafeMutablePointer<Float>, inverse: UnsafeMutablePointer<Float>,
                    rows: Int, n: Int, stride: Int) {
    for r in 0..<rows {
        let xr = x + r * stride, yr = y + r * stride, hr = xhat + r * stride
        var sum: Float = 0
        for j in 0..<n { sum += xr[j] * xr[j] }
        let inv = 1 / (sum / Float(n) + rmsEpsilon).squareRoot()
        inverse[r] = inv
        for j in 0..<n {
            hr[j] = xr[j] * inv
            yr[j] = hr[j] * gain[j]
        }
    }
}

/// Backward of rmsNormForward: dgain += dy·xhat; dx += inv · (dy·g - xhat · mean(dy·g·xhat)).
/// `dx` may be nil when the input needs no gradient.
func rmsNormBackward(_ dy: UnsafePointer<Float>, gain: UnsafePointer<Float>, xhat: UnsafePointer<Float>,
                     inverse: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?,
                     dgain: UnsafeMutablePointer<Float>, rows: Int, n: Int, stride: Int) {
    for r in 0..<rows {
        let dyr = dy + r * stride, hr = xhat + r * stride
        var dot: Float = 0
        for j in 0..<n {
            dgain[j] += dyr[j] * hr[j]
            dot += dyr[j] * gain[j] * hr[j]
        }
        guard let dx else { continue }
        let dxr = dx + r * stride, inv = inverse[r], mean = dot / Float(n)
        for j in 0..<n { dxr[j] += inv * (dyr[j] * gain[j] - hr[j] * mean) }
    }
}

@inline(__always) func sigmoid(_ x: Float) -> Float { 1 / (1 + expf(-x)) }

/// The gated linear recurrence over time, per batch row b and channel c:
/// a = sigmoid(z[.., 0..<d]), v = z[.., d..<2d], s_t = a_t·s_{t-1} + (1 - a_t)·v_t, s_{-1} = initial.
/// z: [batch, steps, 2d]; a, s: [batch, steps, d]; initial: [d] shared by all batch rows.
func gatedScanForward(_ z: UnsafePointer<Float>, initial: UnsafePointer<Float>,
                      a: UnsafeMutablePointer<Float>, s: UnsafeMutablePointer<Float>,
                      batch: Int, steps: Int, d: Int) {
    for b in 0..<batch {
        for t in 0..<steps {
            let row = b * steps + t
            let zr = z + row * 2 * d, ar = a + row * d, sr = s + row * d
            let prev: UnsafePointer<Float> = t == 0 ? initial : UnsafePointer(s + (row - 1) * d)
            for c in 0..<d {
                let g = sigmoid(zr[c])
                ar[c] = g
                sr[c] = g * prev[c] + (1 - g) * zr[d + c]
            }
        }
    }
}

/// Backward of gatedScanForward: given ds (gradient of s from above), writes dz ([batch, steps, 2d]).
/// The initial state is treated as a constant (zero for training).
func gatedScanBackward(_ ds: UnsafePointer<Float>, z: UnsafePointer<Float>, a: UnsafePointer<Float>,
                       s: UnsafePointer<Float>, initial: UnsafePointer<Float>, dz: UnsafeMutablePointer<Float>,
                       batch: Int, steps: Int, d: Int) {
    var carry = [Float](repeating: 0, count: d)
    for b in 0..<batch {
        for c in 0..<d { carry[c] = 0 }
        for t in stride(from: steps - 1, through: 0, by: -1) {
            let row = b * steps + t
            let zr = z + row * 2 * d, ar = a + row * d, dsr = ds + row * d, dzr = dz + row * 2 * d
            let prev: UnsafePointer<Float> = t == 0 ? initial : s + (row - 1) * d
            for c in 0..<d {
                let g = dsr[c] + carry[c]
                let gate = ar[c]
                let dGate = g * (prev[c] - zr[d + c])
                dzr[c] = dGate * gate * (1 - gate)
                dzr[d + c] = g * (1 - gate)
                carry[c] = g * gate
            }
        }
    }
}
