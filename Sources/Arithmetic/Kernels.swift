/// The element-wise kernels of a Llama block, each a small function of its arguments (llama2.c style).
public enum Kernels {
    /// RMSNorm (Zhang & Sennrich 2019): out = x / sqrt(mean(x^2) + eps) * weight, for each of `rows` rows.
    public static func rmsNorm(
        _ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, rows: Int, width: Int, epsilon: Float,
        into out: UnsafeMutablePointer<Float>
    ) {
        Parallel.forRanges(count: rows) { _, range in
            for row in range {
                let source = x + row * width
                let target = out + row * width
                // As llama.cpp's ggml_compute_forward_rms_norm: squares summed in double, the mean and the
                // scale in float.
                var squares: Double = 0
                for i in 0..<width { squares += Double(source[i] * source[i]) }
                let mean = Float(squares / Double(width))
                let inverse = 1 / (mean + epsilon).squareRoot()
                for i in 0..<width { target[i] = source[i] * inverse * weight[i] }
            }
        }
    }

    /// SwiGLU (Shazeer 2020): gate[i] = silu(gate[i]) * up[i], silu(x) = x / (1 + e^-x).
    public static func swiGLU(gate: UnsafeMutablePointer<Float>, up: UnsafePointer<Float>, count: Int) {
        Parallel.forRanges(count: count, granule: 4096) { _, range in
            VectorMath.swiGLU(gate + range.lowerBound, up + range.lowerBound, count: range.count)
        }
    }
}
