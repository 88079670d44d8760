import Arithmetic
import Foundation
import Testing

@Suite struct VectorMathTests {
    @Test func exponentialMatchesLibmToTwoUlpsOverTheUsefulRange() {
        // Given values from deep underflow to near overflow
        let values = stride(from: -80.0, through: 80.0, by: 0.173).map { Float($0) }
        var out = values
        // When exponentiated in place by the vector kernel
        let sum = VectorMath.expShiftedInPlace(&out, count: out.count, shift: 0)
        // Then each value agrees with libm's double-precision exp to 3e-7 relative, and the sum is their sum
        var reference = 0.0
        for (x, y) in zip(values, out) {
            let expected = Foundation.exp(Double(x))
            #expect(abs(Double(y) - expected) <= 3e-7 * expected)
            reference += expected
        }
        #expect(abs(Double(sum) - reference) <= 1e-5 * reference)
    }

    @Test func negativeInfinityGivesExactlyZero() {
        var x: [Float] = Array(repeating: -.infinity, count: 11) + [0]
        _ = VectorMath.expShiftedInPlace(&x, count: x.count, shift: 0)
        #expect(x.dropLast().allSatisfy { $0 == 0 })
        #expect(x.last == 1)
    }

    @Test func logSumExpMatchesDoublePrecisionReference() {
        let x = (0..<49_152).map { Float(sin(Double($0) * 0.37) * 12) }
        let expected = log(x.map { Foundation.exp(Double($0)) }.reduce(0, +))
        #expect(abs(VectorMath.logSumExp(x, count: x.count) - expected) < 1e-6)
    }

    @Test func halfRoundingEqualsTheStandardLibraryConversionForEveryTestValue() {
        // Values around half-precision ties, subnormals, and out of range
        var values: [Float] = [
            0, -0.0, 1, 1.0001, 1.00048828125, 1.00146484375, 65504, 65520, 1e-7, 3e-8, -2.5e-5, 123.456,
        ]
        values += (0..<1000).map { Float(sin(Double($0)) * pow(10, Double($0 % 9) - 4)) }
        var rounded = values
        VectorMath.roundToHalf(&rounded, count: rounded.count)
        for (x, y) in zip(values, rounded) {
            #expect(y.bitPattern == Float(Float16(x)).bitPattern, "\(x)")
        }
    }

    @Test func maximumFindsTheLargestIncludingTheTail() {
        var x = (0..<37).map { Float($0 % 7) }
        x[36] = 99
        #expect(VectorMath.maximum(x, count: x.count) == 99)
        #expect(VectorMath.maximum(x, count: 0) == -.infinity)
    }
}
