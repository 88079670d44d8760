/// The rounding llama.cpp's CPU backend applies to the activations that meet a weight matrix.
///
/// ggml multiplies a quantised weight by activations first quantised to the weight type's `vec_dot_type`:
/// Q8_0 for Q4_0/Q5_0/Q8_0, Q8_1 for Q4_1/Q5_1, Q8_K for the K-quants, F16 for F16 (and for the f16 KV
/// cache), BF16 for BF16. Reproducing that rounding (and nothing else) is what makes ctxevo's perplexity agree
/// with llama.cpp's to a fraction of a percent instead of about 1 % on a 4-bit model.
public enum ActivationRounding: String, Sendable, Codable {
    case none
    case half
    case bfloat16
    /// 32-value blocks, scale amax/127 stored as f16, values round(x / scale) (Q8_0).
    case q8Block32
    /// As `q8Block32`, plus the block sum s = f16(scale * sum q) that Q4_1/Q5_1 products use for their minimum
    /// term (Q8_1). `blockSumErrors` receives s - f16(scale) * sum q per block: the part of llama.cpp's result that
    /// the rounded activations alone do not reproduce.
    case q8Block32WithSum
    /// 256-value blocks, scale max/-127 in float32 with max the signed value of largest magnitude (Q8_K).
    case q8Block256

    /// Rounds `count` values of `x` in place (`count` a multiple of the block size for the q8 modes; a tail
    /// shorter than a block is rounded as a short block).
    public static func apply(
        _ mode: ActivationRounding, to x: UnsafeMutablePointer<Float>, count: Int,
        blockSumErrors: UnsafeMutablePointer<Float>? = nil
    ) {
        switch mode {
        case .none: return
        case .half: VectorMath.roundToHalf(x, count: count)
        case .bfloat16:
            for i in 0..<count {
                // Round to nearest even on the upper 16 bits, as ggml's GGML_FP32_TO_BF16.
                let bits = x[i].bitPattern
                let rounded = (bits &+ (0x7FFF &+ ((bits >> 16) & 1))) & 0xFFFF_0000
                x[i] = x[i].isNaN ? x[i] : Float(bitPattern: rounded)
            }
        case .q8Block32, .q8Block32WithSum:
            var start = 0
            while start < count {
                let n = min(32, count - start)
                let block = x + start
                var amax: Float = 0
                for j in 0..<n { amax = max(amax, abs(block[j])) }
                let d = amax / 127
                let inverse: Float = amax != 0 ? 127 / amax : 0
                let stored = Float(Float16(d))
                var sum: Float = 0
                for j in 0..<n {
                    let q = (block[j] * inverse).rounded(.toNearestOrEven)
                    sum += q
                    block[j] = q * stored
                }
                if let blockSumErrors {
                    blockSumErrors[start / 32] = Float(Float16(d * sum)) - stored * sum
                }
                start += n
            }
        case .q8Block256:
            var start = 0
            while start < count {
                let n = min(256, count - start)
                let block = x + start
                var amax: Float = 0
                var signedMax: Float = 0
                for j in 0..<n where abs(block[j]) > amax {
                    amax = abs(block[j])
                    signedMax = block[j]
                }
                if amax == 0 {
                    for j in 0..<n { block[j] = 0 }
                } else {
                    let inverseScale = -127 / signedMax
                    let d = 1 / inverseScale
                    for j in 0..<n { block[j] = min(127, (inverseScale * block[j]).rounded(.toNearestOrEven)) * d }
                }
                start += n
            }
        }
    }
}
