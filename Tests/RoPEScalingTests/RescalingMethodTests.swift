import Foundation
import RoPEScaling
import Testing
import Transformer

/// The tables of each method against the published formulas (PI, arXiv:2306.15595; NTK; YaRN, arXiv:2309.00071), with
/// SmolLM2's
/// geometry (d = 64 rotary dimensions, base 100000, trained length 8192).
@Suite struct RescalingMethodTests {
    let d = 64
    let base = 100_000.0
    let trained = 8192

    func table(_ method: RescalingMethod) throws -> RotaryTable {
        try method.table(rotaryDimensions: d, base: base, trainedContext: trained)
    }

    @Test func noneIsTheIdentity() throws {
        let t = try table(.none)
        #expect(t.lambda == Array(repeating: 1, count: 32))
        #expect(t.nHat == 0 && t.mscale == 1)
    }

    @Test func linearInterpolationSlowsEveryPairByS() throws {
        #expect(try table(.linear(factor: 4)).lambda == Array(repeating: 4, count: 32))
    }

    @Test func ntkChangesTheBase() throws {
        // b' = b s^(d/(d-2)); lambda_i = (b'/b)^(2i/d): pair 0 untouched, the last pair slowed by exactly s.
        let s = 2.0
        let t = try table(.ntk(factor: s))
        for i in 0..<32 {
            let expected = pow(pow(s, 64.0 / 62.0), 2.0 * Double(i) / 64.0)
            #expect(abs(t.lambda[i] - expected) < 1e-12)
        }
        #expect(t.lambda[0] == 1)
        #expect(abs(t.lambda[31] - s) < 1e-12)
        // The rotation of pair i under the new base equals the rescaled original one.
        let newBase = base * pow(s, 64.0 / 62.0)
        for i in 0..<32 {
            let original = pow(base, -2 * Double(i) / 64) / t.lambda[i]
            #expect(abs(original / pow(newBase, -2 * Double(i) / 64) - 1) < 1e-12)
        }
    }

    @Test func dynamicNTKFollowsTheLength() throws {
        // At or below the trained length nothing changes; at L = 2 L0 with s = 2, b' = b (2*2 - 1)^(d/(d-2)).
        #expect(try table(.dynamicNTK(factor: 2, length: 4096)).lambda == Array(repeating: 1, count: 32))
        let t = try table(.dynamicNTK(factor: 2, length: 16384))
        #expect(abs(t.lambda[31] - 3) < 1e-12)
    }

    @Test func yarnRampAndTemperatureByHand() throws {
        // corr(32) = 64 ln(8192 / (2 pi 32)) / (2 ln 1e5) = 10.30 -> low = 10;
        // corr(1) = 64 ln(8192 / (2 pi)) / (2 ln 1e5) = 19.94 -> high = 20.
        let ramp = RescalingMethod.yarnRamp(dimensions: d, base: base, trainedContext: trained)
        #expect(ramp[0...10].allSatisfy { $0 == 0 })
        #expect(ramp[20...].allSatisfy { $0 == 1 })
        #expect(abs(ramp[15] - 0.5) < 1e-12)
        let t = try table(.yarn(factor: 2))
        #expect(t.lambda[0...10].allSatisfy { $0 == 1 })
        #expect(t.lambda[20...].allSatisfy { abs($0 - 2) < 1e-12 })
        #expect(abs(t.lambda[15] - 1 / (0.5 / 2 + 0.5)) < 1e-12)
        #expect(abs(t.mscale - (0.1 * log(2) + 1)) < 1e-12)
    }

    @Test func longRoPEDefaultsToTheSuTemperature() throws {
        let factors = RescalingMethod.longRoPEInitialFromYaRN(
            factor: 4, dimensions: d, base: base, trainedContext: trained)
        #expect(factors.first == 1 && factors.last == 4)
        #expect(zip(factors, factors.dropFirst()).allSatisfy { $0 <= $1 })  // monotone, as the search requires
        let t = try table(.longRoPE(factors: factors, nHat: 8, factor: 4, mscale: nil))
        #expect(t.nHat == 8)
        #expect(abs(t.mscale - (1 + log(4) / log(8192)).squareRoot()) < 1e-12)
        #expect(throws: RescalingError.self) { try table(.longRoPE(factors: [1, 2], nHat: 0, factor: 4, mscale: nil)) }
    }

    @Test func badFactorsAreNamed() {
        #expect(throws: RescalingError.self) { try table(.linear(factor: 0)) }
        #expect(throws: RescalingError.self) { try table(.yarn(factor: -.infinity)) }
    }

    @Test func engineAnglesFollowTheTable() throws {
        // Given a table with n-hat = 4 and mscale 1.5, the engine's cos/sin at position 3 are the original
        // rotation and at position 100 the rescaled one times mscale, in both arithmetic modes.
        var table = try table(.yarn(factor: 2))
        table.nHat = 4
        table.mscale = 1.5
        for floatAngles in [false, true] {
            let angles = RotaryAngles(
                table: table, base: base, rotaryDimensions: d, fileFactors: nil, floatAngles: floatAngles)
            var positions: [Int32] = [3, 100]
            var cosines = [Float](repeating: 0, count: 64)
            var sines = [Float](repeating: 0, count: 64)
            angles.fill(positions: &positions, count: 2, cos: &cosines, sin: &sines)
            for i in 0..<32 {
                let theta = pow(base, -2 * Double(i) / 64)
                #expect(abs(Double(cosines[i]) - cos(3 * theta)) < 1e-5)
                #expect(abs(Double(sines[32 + i]) - 1.5 * sin(100 * theta / table.lambda[i])) < 1e-4)
            }
        }
    }

    @Test func factorsFileRoundTripsAndRejectsGarbage() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("factors-\(UUID()).csv").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try FactorsFile.write([1, 1.5, 2.25], to: path)
        #expect(try FactorsFile.read(path: path) == [1, 1.5, 2.25])
        try "1.0\nbanana\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: RescalingError.self) { try FactorsFile.read(path: path) }
    }
}
