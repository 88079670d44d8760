import ArgumentParser
import Arithmetic
import Foundation
import Workbench

struct BenchProjections: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "projections",
        abstract:
            "The projections: ctxevo's own float32 kernels against OpenBLAS, the bf16 products and the Q4_1 integer ones.",
        discussion: """
            Times y = x W^T on the matrix shapes of one chunk of a Llama model (SmolLM2-135M's by default) with the \
            own AVX-512F and AVX2 kernels and with OpenBLAS as the float32 path called it before them (one \
            single-threaded sgemm per worker), all cores; each rate against the peak of its arithmetic (fp32 FMA \
            at 512 bits for the AVX-512F kernel, at 256 bits for the others: OpenBLAS runs its AVX2 kernels under \
            OPENBLAS_CORETYPE=Haswell), the peaks measured between the rounds. The bf16 numerics' products \
            (vdpbf16ps, bf16 weights and activations rounded beforehand) against the bf16 peak. The llamacpp numerics' integer \
            products of Q4_1 weights and Q8_1 activations (AVX-512 VNNI and AVX2; the activations quantised \
            beforehand, not timed) against the int8 peak, in GOP/s (two per multiply-add). The last lines add up one \
            chunk's products (--layers layers and the output layer) at the measured rates.
            """)
    @Option(help: "Rows of x (tokens of a chunk).") var tokens = 2048
    @Option(help: "Model width.") var width = 576
    @Option(help: "Width of K and V (KV heads x head width).") var kvWidth = 192
    @Option(help: "Feed-forward width.") var feedForward = 1536
    @Option(help: "Vocabulary (the output layer's rows).") var vocabulary = 49152
    @Option(help: "Layers, for the chunk totals.") var layers = 30
    @Option(help: "Rounds; each measures the peaks and then every shape and kernel (best of 3).") var repeats = 3
    @Flag(help: "Print one JSON object.") var json = false

    func validate() throws {
        if repeats < 1 { throw ValidationError("--repeats must be at least 1") }
        for (name, value) in [
            ("tokens", tokens), ("width", width), ("kv-width", kvWidth), ("feed-forward", feedForward),
            ("vocabulary", vocabulary), ("layers", layers),
        ] where value < 1 {
            throw ValidationError("--\(name) must be at least 1")
        }
    }

    func run() throws {
        let shapes = ProjectionRates.Shape.llama(
            width: width, kvWidth: kvWidth, feedForward: feedForward, vocabulary: vocabulary)
        // Products of each shape in one chunk: q and o, k and v, gate and up per layer; down per layer; the output.
        let perChunk = [2 * layers, 2 * layers, 2 * layers, layers, 1]
        var peaks = PeakSamples()
        var rates: [String: [Double]] = [:]
        for _ in 0..<repeats {
            peaks.measure()
            for shape in shapes {
                for kernel in ProjectionRates.Kernel.allCases {
                    if let rate = ProjectionRates.measure(kernel, shape, tokens: tokens) {
                        rates["\(shape.name)|\(kernel.key)", default: []].append(rate)
                    }
                }
            }
        }
        func peak(_ kernel: ProjectionRates.Kernel) -> Double { peaks.median(kernel.arithmetic) ?? .nan }
        var rows: [[String: Any]] = []
        var chunkSeconds: [ProjectionRates.Kernel: Double] = [:]
        var lines = peaks.lines
        lines.append("OpenBLAS kernels: \(BLAS.coreName)")
        for (shape, count) in zip(shapes, perChunk) {
            let flops = 2 * Double(tokens) * Double(shape.inFeatures) * Double(shape.outFeatures)
            for kernel in ProjectionRates.Kernel.allCases {
                guard let values = rates["\(shape.name)|\(kernel.key)"] else { continue }
                let rate = SgemmSamples.median(of: values) ?? .nan
                chunkSeconds[kernel, default: 0] += Double(count) * flops / (rate * 1e9)
                rows.append([
                    "shape": shape.name, "in": shape.inFeatures, "out": shape.outFeatures, "kernel": kernel.key,
                    "gflops": rate, "fraction_of_peak": rate / peak(kernel),
                ])
                lines.append(
                    String(
                        format: "%@ %5d -> %5d  %@ %6.1f %@ = %5.1f%% of its peak",
                        shape.name.padding(toLength: 20, withPad: " ", startingAt: 0), shape.inFeatures,
                        shape.outFeatures, kernel.rawValue.padding(toLength: 13, withPad: " ", startingAt: 0), rate,
                        kernel.isInteger ? "GOP/s  " : "GFLOP/s", 100 * rate / peak(kernel)))
            }
        }
        for kernel in ProjectionRates.Kernel.allCases {
            guard let seconds = chunkSeconds[kernel] else { continue }
            lines.append(
                String(
                    format: "one chunk of %d tokens, %d layers and the output layer: %@ %.3f s of products",
                    tokens, layers, kernel.rawValue, seconds))
        }
        if json {
            var object = peaks.dictionary
            object["tokens"] = tokens
            object["openblas_core"] = BLAS.coreName
            object["shapes"] = rows
            object["chunk_seconds"] = Dictionary(uniqueKeysWithValues: chunkSeconds.map { ($0.key.key, $0.value) })
            try printJSON(object)
        } else {
            for line in lines { print(line) }
        }
    }
}
