import Arithmetic
import BenchmarkFunctions
import Evolution
import Foundation
import Objectives
import Reporting
import RunLoop
import RunStore
import TestSupport
import Testing
import Workbench

@Suite struct ExperimentFileTests {
    func load(_ text: String) throws -> Experiment {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("exp-\(UUID()).yaml").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return try ObjectiveRegistry.standard.load(path: path)
    }

    let valid = """
        name: t
        objective: sphere
        dimension: 4
        strategy: cma-es
        sigma: 1
        mean: 0
        lower: -3
        upper: 3
        seed: 1
        max_evaluations: 100
        """

    @Test func theShippedExperimentIsValid() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("experiments/rosenbrock-cma.yaml").path
        #expect(try ObjectiveRegistry.standard.load(path: path).objective == "rosenbrock")
    }

    @Test(arguments: [
        ("dimension: 4", "dimension: four", "dimension"),
        ("strategy: cma-es", "strategy: simulated-annealing", "strategy"),
        ("sigma: 1", "sigma: -1", "sigma"),
        ("objective: sphere", "objective: banana", "objective"),
        ("name: t\n", "", "name"),
        ("max_evaluations: 100", "", "max_evaluations"),
        // A full-covariance CMA-ES of 100,000 genes would ask for 200 GB: refused before anything is allocated.
        ("dimension: 4", "dimension: 100000", "dimension"),
        ("mean: 0", "mean: .nan", "mean"),
        ("upper: 3", "upper: .inf", "upper"),
        ("seed: 1", "seed: 1\nformat_version: 7", "format_version"),
    ])
    func errorsNameTheField(replace: String, with replacement: String, field: String) {
        do {
            _ = try load(valid.replacingOccurrences(of: replace, with: replacement))
            Issue.record("accepted a bad \(field)")
        } catch let error as ExperimentError {
            #expect(error.field == field, "\(error)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    /// Every experiment file shipped under experiments/ loads and validates.
    @Test func everyShippedExperimentIsValid() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("experiments")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yaml") }
        #expect(files.count >= 5)
        for file in files { _ = try ObjectiveRegistry.standard.load(path: folder.appendingPathComponent(file).path) }
    }

    let nammNetwork = """
        name: n
        objective: namm
        strategy: cma-es
        seed: 1
        max_generations: 2
        namm:
          scorer: linear
          budget: 0.25
          allocation: uniform
        """

    /// The NAMM section's fields are checked like the rest: a budget outside (0, 1], an allocation that is neither a
    /// named one nor a file, an allocation file for the allocation search itself, a spectrogram decay outside (0, 1)
    /// or given with a start network (which brings its own), a prior with a start network, the threshold budget or
    /// an allocation search.
    @Test(arguments: [
        ("budget: 0.25", "budget: 1.5", "namm.budget"),
        ("allocation: uniform", "allocation: triangle", "namm.allocation"),
        ("allocation: uniform", "allocation: x.json\n  search: allocation\n  rule: h2o", "namm.allocation"),
        ("scorer: linear", "scorer: mlp", "namm.scorer"),
        ("scorer: linear", "scorer: linear\n  ema_decay: 1", "namm.ema_decay"),
        ("scorer: linear", "scorer: linear\n  ema_decay: 0.999\n  start: n.json", "namm.ema_decay"),
        ("scorer: linear", "scorer: linear\n  prior: h2o\n  start: n.json", "namm.prior"),
        ("budget: 0.25", "budget: threshold\n  prior: h2o", "namm.prior"),
        ("scorer: linear", "scorer: linear\n  search: allocation\n  rule: h2o\n  prior: h2o", "namm.prior"),
    ])
    func nammErrorsNameTheField(replace: String, with replacement: String, field: String) throws {
        _ = try load(nammNetwork)
        _ = try load(nammNetwork.replacingOccurrences(of: "allocation: uniform", with: "allocation: evolved.json"))
        _ = try load(nammNetwork.replacingOccurrences(of: "scorer: linear", with: "scorer: linear\n  ema_decay: 0.999"))
        _ = try load(nammNetwork.replacingOccurrences(of: "scorer: linear", with: "scorer: linear\n  prior: h2o"))
        do {
            _ = try load(nammNetwork.replacingOccurrences(of: replace, with: replacement))
            Issue.record("accepted a bad \(field)")
        } catch let error as ExperimentError {
            #expect(error.field == field, "\(error)")
        }
    }

    @Test func notYAMLAtAll() {
        #expect(throws: ExperimentError.self) { try load("{{{ not: [yaml") }
    }
}
