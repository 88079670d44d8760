/// The seeded generator of every search: xoshiro256** (Blackman & Vigna 2018) seeded through SplitMix64, with
/// normal deviates by the polar method whose logarithm is computed here from IEEE basic operations only, so the
/// same seed gives the same sequence on every platform and Swift version (libm's `log` may differ in the last
/// bit between systems). The state is a plain Codable value: a run resumed from it continues bit-identically.
public struct RandomGenerator: RandomNumberGenerator, Codable, Sendable, Equatable {
    public private(set) var state: [UInt64]
    /// The second deviate of the last polar pair, served by the next call.
    public private(set) var spareNormal: Double?

    public init(seed: UInt64) {
        var s = seed
        func splitMix() -> UInt64 {
            s &+= 0x9E37_79B9_7F4A_7C15
            var z = s
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = [splitMix(), splitMix(), splitMix(), splitMix()]
        spareNormal = nil
    }

    @inline(__always)
    static func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    public mutating func next() -> UInt64 {
        let result = RandomGenerator.rotate(state[1] &* 5, 7) &* 9
        let t = state[1] << 17
        state[2] ^= state[0]
        state[3] ^= state[1]
        state[1] ^= state[2]
        state[0] ^= state[3]
        state[2] ^= t
        state[3] = RandomGenerator.rotate(state[3], 45)
        return result
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform integer in 0..<bound (unbiased, by rejection).
    public mutating func integer(below bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive")
        let limit = UInt64.max - UInt64.max % UInt64(bound)
        while true {
            let value = next()
            if value < limit { return Int(value % UInt64(bound)) }
        }
    }

    /// Standard normal deviate (Marsaglia's polar method).
    public mutating func normal() -> Double {
        if let spare = spareNormal {
            spareNormal = nil
            return spare
        }
        while true {
            let u = 2 * uniform() - 1
            let v = 2 * uniform() - 1
            let s = u * u + v * v
            if s > 0 && s < 1 {
                let factor = (-2 * RandomGenerator.log(s) / s).squareRoot()
                spareNormal = v * factor
                return u * factor
            }
        }
    }

    /// Natural logarithm for 0 < x < 1 from +, -, *, / and sqrt only (all correctly rounded by IEEE 754):
    /// x = m 2^e with m in [sqrt(1/2), sqrt(2)), then ln m = 2 atanh((m - 1) / (m + 1)) by its series.
    /// (Division by the odd numbers is correctly rounded, so the constants are the same everywhere.)
    static func log(_ x: Double) -> Double {
        var m = x.significand  // in [1, 2)
        var e = Double(x.exponent)
        if m > 1.414_213_562_373_095_1 {
            m /= 2
            e += 1
        }
        let t = (m - 1) / (m + 1)
        let t2 = t * t
        // |t| < 0.1716: 13 terms of t^(2k+1) / (2k+1) leave an error below 1e-20 relative; Horner, fixed order.
        var series = 1.0 / 25
        for k in stride(from: 23.0, through: 1, by: -2) { series = series * t2 + 1 / k }
        let sum = t * series
        return 2 * sum + e * 0.693_147_180_559_945_3
    }
}
