import Foundation
import MemoryPolicy
import Objectives
import Testing
import Transformer

/// An evolved allocation reads back as written, every damaged or mismatched file is refused by name, and the
/// allocation it holds gives each layer its weight times the budget in a real prefill.
@Suite struct AllocationFileTests {
    let weights = [0.5, 1.5, 0.25, 1.75]

    func file() -> AllocationFile {
        AllocationFile(
            weights: weights,
            training: .init(modelSHA256: "abc", layers: 4, rule: "h2o", budget: "0.25", run: 1, generation: 3))
    }

    func path() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("allocation-\(UUID()).json").path
    }

    @Test func roundTripAndRefusals() throws {
        let written = file()
        let good = path()
        defer { try? FileManager.default.removeItem(atPath: good) }
        try written.write(to: good)
        #expect(try AllocationFile.read(path: good, modelSHA256: "abc") == written)
        #expect(throws: AllocationFileError.self) { try AllocationFile.read(path: good, modelSHA256: "def") }
        var newer = written
        newer.version = 2
        var short = written
        short.weights.removeLast()
        var negative = written
        negative.weights[1] = -1
        var zero = written
        zero.weights = [0, 0, 0, 0]
        var network = written
        network.format = NAMMNetworkFile.formatName
        for (name, damaged) in [
            ("newer", newer), ("short", short), ("negative", negative), ("zero", zero),
            ("other format", network),
        ] {
            let p = path()
            defer { try? FileManager.default.removeItem(atPath: p) }
            try damaged.write(to: p)
            #expect(throws: AllocationFileError.self, "\(name)") { try AllocationFile.read(path: p) }
        }
        let notJSON = path()
        defer { try? FileManager.default.removeItem(atPath: notJSON) }
        try Data("{nope".utf8).write(to: URL(fileURLWithPath: notJSON))
        #expect(throws: AllocationFileError.self) { try AllocationFile.read(path: notJSON) }
        #expect(throws: AllocationFileError.self) { try AllocationFile.read(path: "/nonexistent/allocation.json") }
    }

    /// H2O under the file's allocation at 25 %: every firing holds layer l at weights[l] × 25 % of the tokens seen.
    @Test func eachLayerKeepsItsWeightOfTheBudget() throws {
        let model = try #require(Tiny.model)
        #expect(model.configuration.layers == weights.count)
        let p = path()
        defer { try? FileManager.default.removeItem(atPath: p) }
        try file().write(to: p)
        let allocation = try AllocationFile.read(path: p).allocation
        let evaluator = try PerplexityEvaluator(model: model, context: 128, chunkSize: 32, numerics: .float32)
        let manager = MemoryManager(
            rule: HeavyHitters(), budget: CacheBudget(size: .fraction(0.25), allocation: allocation),
            configuration: model.configuration, capacity: 128, chunkSize: 32)
        evaluator.memory = manager
        let ids = model.tokenizer.encode(
            String(repeating: "Of Man's first disobedience, and the fruit of that forbidden tree. ", count: 30),
            addSpecial: false)
        let result = try evaluator.document(documents: [Array(ids[0..<200])], rotary: nil)
        #expect(result.perplexity.isFinite)
        for (l, fraction) in manager.keptPerLayer.enumerated() {
            #expect(abs(fraction - 0.25 * weights[l]) < 0.02, "layer \(l)")
        }
    }
}
