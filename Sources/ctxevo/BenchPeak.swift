import ArgumentParser
import Foundation
import Workbench

struct BenchPeak: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "peak",
        abstract: "The cores' own arithmetic peaks: fp32 FMA at 256 and 512 bits, bf16 and int8 dot products.",
        discussion: """
            Independent multiply-add chains of each instruction on every core at once, nothing else in the loop; \
            the best of 3 runs of 0.1 s per measurement, measured --repeats times interleaved, medians printed. \
            The OpenBLAS sgemm rate is printed beside them as the second yardstick.
            """)
    @Option(help: "Interleaved measurements of each peak.") var repeats = 3
    @Flag(help: "Print one JSON object.") var json = false

    func validate() throws {
        if repeats < 1 { throw ValidationError("--repeats must be at least 1") }
    }

    func run() throws {
        var peaks = PeakSamples()
        var sgemm = SgemmSamples()
        for _ in 0..<repeats {
            peaks.measure()
            sgemm.measure()
        }
        if json {
            var object = peaks.dictionary
            object["sgemm_median"] = sgemm.median
            try printJSON(object)
            return
        }
        for line in peaks.lines { print(line) }
        print(sgemm.summary)
        let fp32 = peaks.float32
        print(
            String(format: "sgemm = %.1f%% of the fp32 peak (%@)", 100 * sgemm.median / fp32.rate, fp32.arithmetic.name)
        )
    }
}
