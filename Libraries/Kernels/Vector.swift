// Explicit 16-lane vectors for the fused loops the auto-vectoriser leaves scalar (several
// pointers that might alias, scans through one buffer). Only the stdlib's builtin-backed SIMD16
// operations are used (+ - * /, comparisons, replacing, wrapping integer ops): the generic ones
// (pointwiseMin/Max) compile to scalar code.

public typealias Vec = SIMD16<Float>

// Free functions on concrete pointer types: methods in a constrained extension
// (`UnsafePointer where Pointee == Float`) are generic and were left as calls, not inlined (44% of
// the RG-LRU's time). The partial (tail) paths live in separate functions so that the inlined
// full-vector path stays small.

/// Loads `lanes` (<= 16) floats from p; missing lanes are 0.
@inline(__always)
func load(_ p: UnsafePointer<Float>, _ lanes: Int) -> Vec {
    lanes == 16 ? UnsafeRawPointer(p).loadUnaligned(as: Vec.self) : loadPartial(p, lanes)
}

@inline(__always)
func load(_ p: UnsafeMutablePointer<Float>, _ lanes: Int) -> Vec { load(UnsafePointer(p), lanes) }

/// Stores the first `lanes` (<= 16) lanes of v at p.
@inline(__always)
func store(_ v: Vec, to p: UnsafeMutablePointer<Float>, _ lanes: Int) {
    if lanes == 16 { UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vec.self) } else { storePartial(v, p, lanes) }
}

/// p[0..<lanes] += v.
@inline(__always)
func accumulate(_ v: Vec, into p: UnsafeMutablePointer<Float>, _ lanes: Int) {
    store(load(p, lanes) + v, to: p, lanes)
}

@inline(never)
func loadPartial(_ p: UnsafePointer<Float>, _ lanes: Int) -> Vec {
    var v = Vec()
    for l in 0..<lanes { v[l] = p[l] }
    return v
}

@inline(never)
func storePartial(_ v: Vec, _ p: UnsafeMutablePointer<Float>, _ lanes: Int) {
    for l in 0..<lanes { p[l] = v[l] }
}

// Method spellings kept for code written against the first version (Attention.swift):
// `(p + j).vector()`, `(p + j).store(v)`, `(p + j).add(v)`. They forward to the free functions.
extension UnsafePointer where Pointee == Float {
    @inline(__always) func vector(_ lanes: Int = 16) -> Vec { load(self, lanes) }
}

extension UnsafeMutablePointer where Pointee == Float {
    @inline(__always) func vector(_ lanes: Int = 16) -> Vec { load(self, lanes) }
    @inline(__always) func store(_ v: Vec, _ lanes: Int = 16) { Kernels.store(v, to: self, lanes) }
    @inline(__always) func add(_ v: Vec, _ lanes: Int = 16) { accumulate(v, into: self, lanes) }
}

/// Calls body(start, 16) for every full vector of `range`, then body(start, rest) once for the tail,
/// so the full-vector path compiles without the partial-load branches (3x faster here).
@inline(__always)
func forEachVector(in range: Range<Int>, _ body: (_ start: Int, _ lanes: Int) -> Void) {
    var c = range.lowerBound
    while c + 16 <= range.upperBound { body(c, 16); c += 16 }
    if c < range.upperBound { body(c, range.upperBound - c) }
}

extension FastMath {
    /// 1/sqrt(z) for z >= 0 (z = 0 gives a large finite number): bit-trick start and three Newton
    /// steps, relative error about 1e-7. `Vec.squareRoot()` is a scalar loop in the stdlib (4x slower).
    @inline(__always)
    public static func rsqrt(_ z: Vec) -> Vec {
        var y = unsafeBitCast(0x5F37_59DF &- (unsafeBitCast(z, to: SIMD16<UInt32>.self) &>> 1), to: Vec.self)
        let half = 0.5 * z
        y = y * (1.5 - half * y * y)
        y = y * (1.5 - half * y * y)
        y = y * (1.5 - half * y * y)
        return y
    }

    /// sqrt(max(z, 0)).
    @inline(__always)
    public static func sqrt(_ z: Vec) -> Vec {
        var z = z
        let zero = Vec()
        z.replace(with: zero, where: z .< zero)
        return z * rsqrt(z)
    }

    /// The same polynomial as the scalar exp, 16 lanes at a time.
    @inline(__always)
    public static func exp(_ x: Vec) -> Vec {
        // Vector-vector `replacing` compiles to a blend; the scalar overload does not.
        let lo = Vec(repeating: -87.3), hi = Vec(repeating: 88.3)
        var x = x
        x.replace(with: lo, where: x .< lo)
        x.replace(with: hi, where: x .> hi)
        let k = x * 1.44269504 + 12582912.0
        let n = k - 12582912.0
        let r = x - n * 0.693359375 + n * 2.12194440e-4
        var p = Vec(repeating: 1.9875691500e-4)
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        p = p * r * r + r + 1
        let bits = (unsafeBitCast(k, to: SIMD16<UInt32>.self) &- 0x4B40_0000 &+ 127) &<< 23
        return p * unsafeBitCast(bits, to: Vec.self)
    }

    @inline(__always)
    public static func sigmoid(_ x: Vec) -> Vec { 1 / (1 + exp(-x)) }

    @inline(__always)
    public static func gelu(_ x: Vec) -> Vec {
        let x2: Vec = x * x
        return x * sigmoid(1.5957691216 * x * (1 + 0.044715 * x2))
    }

    @inline(__always)
    public static func geluDerivative(_ x: Vec) -> Vec {
        let x2: Vec = x * x
        let s: Vec = sigmoid(1.5957691216 * x * (1 + 0.044715 * x2))
        let du: Vec = 1.5957691216 * (1 + 0.134145 * x2)  // d(2u)/dx
        return s + x * s * (1 - s) * du
    }
}
