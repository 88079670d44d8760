/// Vectorised elementary functions. The perplexity of one 16k-token window needs billions of exponentials
/// (attention softmax and the vocabulary log-sum-exp), so `exp` cannot go through libm one value at a time.
public enum VectorMath {
    public typealias Vector = SIMD8<Float>

    /// e^x for 8 lanes: Cody-Waite range reduction x = n ln2 + r, |r| <= ln2/2, then a degree-6 minimax
    /// polynomial for e^r (relative error about 2e-7 on the reduced range, as in Cephes `expf`), scaled by
    /// 2^n built in the exponent bits. Inputs below -87.3 give 0 (so -inf masks work); above 88.7 give +inf.
    @inline(__always)
    public static func exp(_ x: Vector) -> Vector {
        let lower = Vector(repeating: -87.33654)
        let upper = Vector(repeating: 88.72283)
        let clamped = x.clamped(lowerBound: lower, upperBound: upper)
        let n = (clamped * 1.442_695_04).rounded(.toNearestOrEven)
        var r = clamped - n * 0.693_359_375
        r = r - n * -2.121_944_4e-4
        var p = Vector(repeating: 1.987_569_1e-4)
        p = p * r + 1.398_199_9e-3
        p = p * r + 8.333_452e-3
        p = p * r + 4.166_579_6e-2
        p = p * r + 1.666_666_5e-1
        p = p * r + 5e-1
        p = p * (r * r) + r + 1
        let exponent = (SIMD8<Int32>(n) &+ 127) &<< 23
        var result = p * unsafeBitCast(exponent, to: Vector.self)
        // Underflow to exact zero (the reduction above would otherwise leave a denormal-ish garbage value).
        result.replace(with: 0, where: x .< lower)
        result.replace(with: .infinity, where: x .> upper)
        return result
    }

    /// Scalar e^x with the same accuracy as the vector form (used for tails of rows).
    @inline(__always)
    public static func exp(_ x: Float) -> Float { exp(Vector(repeating: x))[0] }

    /// Largest value of `x[0..<count]` (-inf for an empty row).
    @inline(__always)
    public static func maximum(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var best = Vector(repeating: -.infinity)
        var i = 0
        while i + 8 <= count {
            best = pointwiseMax(best, UnsafeRawPointer(x + i).loadUnaligned(as: Vector.self))
            i += 8
        }
        var result = best.max()
        while i < count {
            result = Swift.max(result, x[i])
            i += 1
        }
        return result
    }

    /// x[i] = e^(x[i] - shift) in place; returns the sum of the new values.
    @inline(__always)
    @discardableResult
    public static func expShiftedInPlace(_ x: UnsafeMutablePointer<Float>, count: Int, shift: Float) -> Float {
        var sum = Vector(repeating: 0)
        let s = Vector(repeating: shift)
        var i = 0
        while i + 8 <= count {
            let raw = UnsafeMutableRawPointer(x + i)
            let e = exp(raw.loadUnaligned(as: Vector.self) - s)
            raw.storeBytes(of: e, as: Vector.self)
            sum += e
            i += 8
        }
        var total = sum.sum()
        while i < count {
            let e = exp(x[i] - shift)
            x[i] = e
            total += e
            i += 1
        }
        return total
    }

    /// log(sum(e^x)) over a row, computed in double for the final sum so that long vocabularies stay exact.
    @inline(__always)
    public static func logSumExp(_ x: UnsafePointer<Float>, count: Int) -> Double {
        let top = maximum(x, count: count)
        var sum = Vector(repeating: 0)
        let s = Vector(repeating: top)
        var i = 0
        var total: Double = 0
        while i + 8 <= count {
            sum += exp(UnsafeRawPointer(x + i).loadUnaligned(as: Vector.self) - s)
            i += 8
            // Flush every 1024 values so that float accumulation error stays below 1e-7 relative.
            if i & 1023 == 0 {
                total += Double(sum.sum())
                sum = .zero
            }
        }
        total += Double(sum.sum())
        while i < count {
            total += Double(exp(x[i] - top))
            i += 1
        }
        return Double(top) + Foundation_log(total)
    }

    /// x[i] *= scale.
    @inline(__always)
    public static func scale(_ x: UnsafeMutablePointer<Float>, count: Int, by factor: Float) {
        var i = 0
        let f = Vector(repeating: factor)
        while i + 8 <= count {
            let raw = UnsafeMutableRawPointer(x + i)
            raw.storeBytes(of: raw.loadUnaligned(as: Vector.self) * f, as: Vector.self)
            i += 8
        }
        while i < count {
            x[i] *= factor
            i += 1
        }
    }
}

#if canImport(Glibc)
    import Glibc
    @inline(__always) func Foundation_log(_ x: Double) -> Double { Glibc.log(x) }
#else
    import Darwin
    @inline(__always) func Foundation_log(_ x: Double) -> Double { Darwin.log(x) }
#endif
