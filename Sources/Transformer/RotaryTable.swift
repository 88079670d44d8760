import Foundation

/// The rotary position embedding as data (RoFormer, arXiv:2104.09864; docs/longrope.md): every rescaling method, and
/// every candidate a search tries, is one of these.
///
/// Pair i (dimensions 2i, 2i+1 of each head, llama.cpp's "normal" layout for converted Llama files) at position
/// n turns by the angle n * theta_i / lambda_i, theta_i = base^(-2i/d). Positions n < nHat turn by the original
/// angle n * theta_i and are not scaled; the others have cos and sin multiplied by `mscale` (attention logits by
/// mscale^2).
public struct RotaryTable: Sendable, Codable, Equatable {
    /// Rescale factor per rotary pair (1 = the original rotation).
    public var lambda: [Double]
    /// Number of leading positions that keep the original rotation.
    public var nHat: Int
    /// Attention temperature applied to cos and sin of scaled positions.
    public var mscale: Double

    public init(lambda: [Double], nHat: Int = 0, mscale: Double = 1) {
        self.lambda = lambda
        self.nHat = nHat
        self.mscale = mscale
    }

    /// The original rotation of a model with `pairs` rotary pairs.
    public static func identity(pairs: Int) -> RotaryTable { RotaryTable(lambda: Array(repeating: 1, count: pairs)) }

    public func validate(pairs: Int) throws {
        guard lambda.count == pairs else {
            throw ModelError.badRotaryTable("\(lambda.count) factors for a model with \(pairs) rotary pairs")
        }
        guard lambda.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw ModelError.badRotaryTable("every factor must be a positive finite number")
        }
        guard nHat >= 0 else { throw ModelError.badRotaryTable("n-hat \(nHat) is negative") }
        guard mscale.isFinite && mscale > 0 else { throw ModelError.badRotaryTable("mscale \(mscale)") }
    }
}

/// cos and sin of a rotary table for one model, computed per position on demand: in double, or in float the way
/// llama.cpp's `ggml_rope_cache_init` does (theta_i = p * scale^i by repeated multiplication, cosf / sinf).
public struct RotaryAngles: Sendable {
    /// theta_i / (lambda_i * file factor_i), and the unscaled theta_i / file factor_i, per pair.
    let scaledFrequency: [Double]
    let originalFrequency: [Double]
    let nHat: Int
    let mscale: Float
    /// llama.cpp's arithmetic: theta in float, theta_i = p * scale^i by repeated multiplication, cosf / sinf.
    let floatAngles: Bool
    let thetaScale: Float
    let divisors: [Float]  // lambda_i * file factor_i
    let fileDivisors: [Float]

    public init(
        table: RotaryTable, base: Double, rotaryDimensions: Int, fileFactors: [Float]?, floatAngles: Bool = false
    ) {
        let pairs = rotaryDimensions / 2
        var scaled = [Double](repeating: 0, count: pairs)
        var original = [Double](repeating: 0, count: pairs)
        for i in 0..<pairs {
            let theta = pow(base, -2 * Double(i) / Double(rotaryDimensions))
            let fileFactor = Double(fileFactors?[i] ?? 1)
            original[i] = theta / fileFactor
            scaled[i] = theta / (fileFactor * table.lambda[i])
        }
        scaledFrequency = scaled
        originalFrequency = original
        nHat = table.nHat
        mscale = Float(table.mscale)
        self.floatAngles = floatAngles
        thetaScale = powf(Float(base), -2 / Float(rotaryDimensions))
        divisors = (0..<pairs).map { Float(table.lambda[$0]) * (fileFactors?[$0] ?? 1) }
        fileDivisors = (0..<pairs).map { fileFactors?[$0] ?? 1 }
    }

    /// Fills cos and sin (rows x pairs) for the given positions.
    public func fill(
        positions: UnsafePointer<Int32>, count: Int, cos: UnsafeMutablePointer<Float>, sin: UnsafeMutablePointer<Float>
    ) {
        let pairs = scaledFrequency.count
        for row in 0..<count {
            let n = Int(positions[row])
            let unscaled = n < nHat
            let frequency = unscaled ? originalFrequency : scaledFrequency
            let scale: Float = unscaled ? 1 : mscale
            if floatAngles {
                let divisor = unscaled ? fileDivisors : divisors
                var theta = Float(n)
                for i in 0..<pairs {
                    let angle = theta / divisor[i]
                    cos[row * pairs + i] = cosf(angle) * scale
                    sin[row * pairs + i] = sinf(angle) * scale
                    theta *= thetaScale
                }
                continue
            }
            for i in 0..<pairs {
                let angle = Double(n) * frequency[i]
                cos[row * pairs + i] = Float(Foundation.cos(angle)) * scale
                sin[row * pairs + i] = Float(Foundation.sin(angle)) * scale
            }
        }
    }

    /// Rotates each head of `x` (rows x heads*headWidth) in place: (x0, x1) -> (x0 c - x1 s, x0 s + x1 c).
    static func rotate(
        _ x: UnsafeMutablePointer<Float>, rows: Int, heads: Int, headWidth: Int, pairs: Int,
        cos: UnsafePointer<Float>, sin: UnsafePointer<Float>
    ) {
        let width = heads * headWidth
        for row in 0..<rows {
            let c = cos + row * pairs
            let s = sin + row * pairs
            for head in 0..<heads {
                let v = x + row * width + head * headWidth
                for i in 0..<pairs {
                    let x0 = v[2 * i]
                    let x1 = v[2 * i + 1]
                    v[2 * i] = x0 * c[i] - x1 * s[i]
                    v[2 * i + 1] = x0 * s[i] + x1 * c[i]
                }
            }
        }
    }
}
