import Arithmetic
import CKernels
import Dispatch
import Foundation

/// The machine's own arithmetic limits, measured on its cores: independent multiply-add chains of each
/// instruction, on every core at once (one chain loop per worker). Every throughput ctxevo prints is a fraction of
/// the peak of the arithmetic that path uses; sgemm stays beside it as a second yardstick.
public enum PeakRate {
    public enum Arithmetic: Int, CaseIterable, Sendable {
        case fp32x256 = 0
        case fp32x512 = 1
        case bf16 = 2
        case int8 = 3

        public var name: String {
            switch self {
            case .fp32x256: "fp32 FMA, 256-bit (AVX2)"
            case .fp32x512: "fp32 FMA, 512-bit (AVX-512F)"
            case .bf16: "bf16 dot products (vdpbf16ps, AVX512_BF16)"
            case .int8: "int8 dot products (vpdpbusd, AVX512_VNNI)"
            }
        }

        public var key: String {
            switch self {
            case .fp32x256: "fp32_256"
            case .fp32x512: "fp32_512"
            case .bf16: "bf16"
            case .int8: "int8"
            }
        }

        /// GFLOP/s for the float kinds, GOP/s for int8.
        public var unit: String { self == .int8 ? "GOP/s" : "GFLOP/s" }

        public var isSupported: Bool { ck_peak_supported(Int32(rawValue)) != 0 }
    }

    /// Operations per second (1e9) of `arithmetic` on all cores: the best of `repeats` runs of about `seconds`
    /// each; nil where the CPU lacks the instruction.
    public static func measure(_ arithmetic: Arithmetic, seconds: Double = 0.1, repeats: Int = 3) -> Double? {
        guard arithmetic.isSupported else { return nil }
        let perIteration = ck_peak_operations_per_iteration(Int32(arithmetic.rawValue))
        // About 1 ns an iteration at the slowest: size the loop for `seconds`.
        let iterations = UInt64(max(1_000, seconds * 1e9 / 4))
        let workers = Parallel.workerCount
        var best = 0.0
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            Parallel.forEach(items: workers) { _, _ in
                let sink: Double
                switch arithmetic {
                case .fp32x256: sink = ck_peak_fma256(iterations)
                case .fp32x512: sink = ck_peak_fma512(iterations)
                case .bf16: sink = ck_peak_bf16(iterations)
                case .int8: sink = ck_peak_int8(iterations)
                }
                if sink.isNaN { print("", terminator: "") }  // keeps the result alive
            }
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            best = max(best, Double(workers) * Double(iterations) * perIteration / elapsed / 1e9)
        }
        return best
    }
}

/// The peaks measured several times between the timed work, like `SgemmSamples`, so one disturbed measurement
/// cannot move every fraction printed against it.
public struct PeakSamples: Sendable {
    public private(set) var samples: [PeakRate.Arithmetic: [Double]] = [:]

    public init() {}

    /// Measures every supported arithmetic once more.
    public mutating func measure() {
        for arithmetic in PeakRate.Arithmetic.allCases {
            if let rate = PeakRate.measure(arithmetic) { samples[arithmetic, default: []].append(rate) }
        }
    }

    /// The median of an arithmetic's measurements (nil where the CPU lacks it).
    public func median(_ arithmetic: PeakRate.Arithmetic) -> Double? {
        samples[arithmetic].flatMap { SgemmSamples.median(of: $0) }
    }

    /// The fp32 peak of this machine: 512-bit FMA where the CPU has it, else 256-bit.
    public var float32: (arithmetic: PeakRate.Arithmetic, rate: Double) {
        if let rate = median(.fp32x512) { return (.fp32x512, rate) }
        return (.fp32x256, median(.fp32x256) ?? .nan)
    }

    public var lines: [String] {
        PeakRate.Arithmetic.allCases.map { arithmetic in
            guard let values = samples[arithmetic], let median = median(arithmetic) else {
                return "peak " + arithmetic.name.padding(toLength: 46, withPad: " ", startingAt: 0) + " not on this CPU"
            }
            return "peak " + arithmetic.name.padding(toLength: 46, withPad: " ", startingAt: 0)
                + String(
                    format: " median %7.1f %@ over %d measurements, %.1f-%.1f", median, arithmetic.unit, values.count,
                    values.min() ?? .nan, values.max() ?? .nan)
        }
    }

    public var dictionary: [String: Any] {
        var out: [String: Any] = [:]
        for arithmetic in PeakRate.Arithmetic.allCases {
            out["peak_\(arithmetic.key)"] = median(arithmetic).map { $0 as Any } ?? NSNull()
        }
        return out
    }
}
