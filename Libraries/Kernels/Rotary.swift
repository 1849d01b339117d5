// Rotary position embeddings (RoFormer, Su et al. 2021) for attention queries and keys.
// Half-split pairing (as in GPT-NeoX / Llama): inside each head, channel i < headDim/2 is rotated
// together with channel i + headDim/2 by the angle position * base^(-2i/headDim).
// Positions are counted from each sample's first position (AttentionMask.position), so a sample's
// attention does not depend on where it sits in the packed row.
import Foundation

/// cos and sin of every (position, frequency) pair, computed once in Double.
public struct RotaryTable: Sendable {
    public let headDim: Int
    public let maxPositions: Int
    let cos: [Float]  // (maxPositions, headDim/2)
    let sin: [Float]  // (maxPositions, headDim/2)

    public init(headDim: Int, maxPositions: Int, base: Double = 10_000) {
        precondition(headDim > 0 && headDim % 2 == 0, "rotary: head dimension must be even")
        self.headDim = headDim
        self.maxPositions = maxPositions
        let half = headDim / 2
        var cos = [Float](repeating: 0, count: maxPositions * half)
        var sin = cos
        for p in 0..<maxPositions {
            for i in 0..<half {
                let angle = Double(p) * Foundation.pow(base, -2 * Double(i) / Double(headDim))
                cos[p * half + i] = Float(Foundation.cos(angle))
                sin[p * half + i] = Float(Foundation.sin(angle))
            }
        }
        self.cos = cos
        self.sin = sin
    }
}

public enum Rotary {
    /// Rotates, in place, `heads` consecutive heads of table.headDim channels in each of `rows` rows.
    /// x: (rows, stride), the heads start at channel 0 of each row; positions: (rows).
    /// inverse rotates by the opposite angle: that is the backward pass (rotations are orthogonal).
    public static func rotate(_ x: UnsafeMutablePointer<Float>, rows: Int, stride: Int, heads: Int,
                              positions: UnsafePointer<Int32>, table: RotaryTable, inverse: Bool) {
        let half = table.headDim / 2
        let sign: Float = inverse ? -1 : 1
        table.cos.withUnsafeBufferPointer { cosTable in
            table.sin.withUnsafeBufferPointer { sinTable in
                for r in 0..<rows {
                    let p = Int(positions[r])
                    precondition(p < table.maxPositions, "rotary: position \(p) beyond the table (\(table.maxPositions))")
                    let c = cosTable.baseAddress! + p * half
                    let s = sinTable.baseAddress! + p * half
                    for h in 0..<heads {
                        let a = x + r * stride + h * table.headDim
                        let b = a + half
                        for i in 0..<half {
                            let x0 = a[i], x1 = b[i], si = sign * s[i]
                            a[i] = x0 * c[i] - x1 * si
                            b[i] = x1 * c[i] + x0 * si
                        }
                    }
                }
            }
        }
    }

    /// Rotates the query and key parts of a fused projection in place.
    /// qkv: (rows, 3 * channels) laid out q | k | v, channels = heads * table.headDim; positions: (rows).
    public static func forward(qkv: UnsafeMutablePointer<Float>, rows: Int, heads: Int,
                               positions: UnsafePointer<Int32>, table: RotaryTable) {
        // q and k are adjacent, so they are 2 * heads heads of one row.
        rotate(qkv, rows: rows, stride: 3 * heads * table.headDim, heads: 2 * heads,
               positions: positions, table: table, inverse: false)
    }

    /// Backward of forward, in place: turns the gradient with respect to the rotated q and k (as
    /// Attention.backward leaves it in dqkv) into the gradient with respect to the projection.
    /// dqkv: (rows, 3 * channels); the v part is left as it is.
    public static func backward(dqkv: UnsafeMutablePointer<Float>, rows: Int, heads: Int,
                                positions: UnsafePointer<Int32>, table: RotaryTable) {
        rotate(dqkv, rows: rows, stride: 3 * heads * table.headDim, heads: 2 * heads,
               positions: positions, table: table, inverse: true)
    }
}
