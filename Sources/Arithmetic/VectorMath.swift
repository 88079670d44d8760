import CKernels

#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif

/// Vectorised elementary functions over rows of floats. The perplexity of one 16k-token window needs billions of
/// exponentials (attention softmax, the vocabulary log-sum-exp), so they go through the AVX2 kernels of
/// `CKernels` (e^x with Cephes' polynomial, relative error about 2e-7) rather than libm one value at a time.
public enum VectorMath {
    /// e^x with the same polynomial as the vector kernels.
    @inline(__always)
    public static func exp(_ x: Float) -> Float {
        var value = x
        ck_exp_shift_sum(&value, 1, 0)
        return value
    }

    /// Largest value of `x[0..<count]` (-inf for an empty row).
    @inline(__always)
    public static func maximum(_ x: UnsafePointer<Float>, count: Int) -> Float { ck_max(x, count) }

    /// x[i] = e^(x[i] - shift) in place; returns the sum of the new values. -inf entries become exactly 0.
    @inline(__always)
    @discardableResult
    public static func expShiftedInPlace(_ x: UnsafeMutablePointer<Float>, count: Int, shift: Float) -> Float {
        ck_exp_shift_sum(x, count, shift)
    }

    /// log(sum(e^x)) over a row, the final sum in double so that long vocabularies stay exact.
    @inline(__always)
    public static func logSumExp(_ x: UnsafePointer<Float>, count: Int) -> Double {
        let top = ck_max(x, count)
        return Double(top) + log(ck_exp_shift_total(x, count, top))
    }

    /// sum of e^(x[i] - shift), accumulated in double.
    @inline(__always)
    public static func sumOfExponentials(_ x: UnsafePointer<Float>, count: Int, shift: Float) -> Double {
        ck_exp_shift_total(x, count, shift)
    }

    /// x[i] *= factor.
    @inline(__always)
    public static func scale(_ x: UnsafeMutablePointer<Float>, count: Int, by factor: Float) {
        ck_scale(x, count, factor)
    }

    /// x[i] = silu(x[i]) * y[i].
    @inline(__always)
    public static func swiGLU(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, count: Int) {
        ck_swiglu(gate, up, count)
    }

    /// Rounds to IEEE half precision (nearest even) and back.
    @inline(__always)
    public static func roundToHalf(_ x: UnsafeMutablePointer<Float>, count: Int) { ck_round_half(x, count) }

    /// y[i] += x[i] (a plain loop the compiler vectorises in the release build).
    @inline(__always)
    public static func add(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { y[i] += x[i] }
    }
}
