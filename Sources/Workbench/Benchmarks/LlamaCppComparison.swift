import Foundation
import Objectives
import Transformer

/// ctxevo and llama.cpp's `llama-perplexity` on the same model, text, context and windows (llama.cpp's protocol),
/// one after the other in the same run, so that the speed ratio is measured on one machine in one hour.
public struct LlamaCppComparison: Sendable {
    public let context: Int
    public let windows: Int
    public let numerics: EngineNumerics
    public let ctxevoSeconds: Double
    public let ctxevoPerplexity: Double
    /// llama.cpp's time from "calculating perplexity" to "Final estimate" by its log's timestamps (its forward
    /// passes and scoring, without loading and tokenizing), and the tool's whole wall time.
    public let llamaSeconds: Double
    public let llamaWallSeconds: Double
    public let llamaPerplexity: Double
    public let llamaCommand: String

    public var speedup: Double { llamaSeconds / ctxevoSeconds }

    public enum Failure: Error, CustomStringConvertible {
        case toolFailed(path: String, status: Int32, output: String)
        case unreadableOutput(path: String, missing: String)

        public var description: String {
            switch self {
            case .toolFailed(let path, let status, let output):
                "\(path) exited with status \(status); its last lines:\n\(output.split(separator: "\n").suffix(8).joined(separator: "\n"))"
            case .unreadableOutput(let path, let missing):
                "\(path) did not print \(missing); is it llama.cpp's llama-perplexity?"
            }
        }
    }

    /// Runs both. `textPath` is the text file both read; `tokens` are ctxevo's tokens of it.
    public static func measure(
        model: LlamaModel, modelPath: String, textPath: String, tokens: [Int32], context: Int, windows: Int,
        numerics: EngineNumerics, llamaPerplexity: String, threads: Int
    ) throws -> LlamaCppComparison {
        let evaluator = try PerplexityEvaluator(model: model, context: context, numerics: numerics)
        let ours = try evaluator.llamacpp(tokens: tokens, windows: windows, rotary: nil)

        let arguments = [
            "-m", modelPath, "-f", textPath, "-c", String(context), "--chunks", String(windows), "-t", String(threads),
            // Flash attention is llama.cpp's CPU default; `llamacpp-fa-off` emulates its other path.
            "-fa", numerics == .llamacppNoFlash ? "off" : "on",
        ]
        let process = Process()
        process.executableURL = URL(fileURLWithPath: llamaPerplexity)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let start = Date()
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let wall = Date().timeIntervalSince(start)
        let output = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw Failure.toolFailed(path: llamaPerplexity, status: process.terminationStatus, output: output)
        }
        guard let perplexity = firstNumber(after: "Final estimate: PPL = ", in: output) else {
            throw Failure.unreadableOutput(path: llamaPerplexity, missing: "a final estimate")
        }
        guard let seconds = evaluationSeconds(output, windows: windows) else {
            throw Failure.unreadableOutput(path: llamaPerplexity, missing: "timestamps or seconds per pass")
        }
        return LlamaCppComparison(
            context: context, windows: windows, numerics: numerics, ctxevoSeconds: ours.seconds,
            ctxevoPerplexity: ours.perplexity,
            llamaSeconds: seconds, llamaWallSeconds: wall, llamaPerplexity: perplexity,
            llamaCommand: ([llamaPerplexity] + arguments).joined(separator: " "))
    }

    /// Seconds between llama-perplexity's "calculating perplexity" and "Final estimate" lines, from the timestamps
    /// its log prefixes ("M.SS.mmm.uuu I ..."); without them, its "seconds per pass" times the windows.
    public static func evaluationSeconds(_ output: String, windows: Int) -> Double? {
        func timestamp(ofLineContaining marker: String) -> Double? {
            guard let line = output.split(separator: "\n").first(where: { $0.contains(marker) }) else { return nil }
            let fields = line.prefix { $0 != " " }.split(separator: ".").compactMap { Double($0) }
            guard fields.count == 4 else { return nil }
            return fields[0] * 60 + fields[1] + fields[2] / 1e3 + fields[3] / 1e6
        }
        if let start = timestamp(ofLineContaining: "calculating perplexity"),
            let end = timestamp(ofLineContaining: "Final estimate"), end > start
        {
            return end - start
        }
        guard let line = output.split(separator: "\n").first(where: { $0.contains(" seconds per pass") }),
            let words = line.components(separatedBy: " seconds per pass").first?.split(separator: " "),
            let perPass = words.last.flatMap({ Double($0) })
        else { return nil }
        return perPass * Double(windows)
    }

    /// The number right after `marker` (spaces skipped).
    static func firstNumber(after marker: String, in text: String) -> Double? {
        guard let range = text.range(of: marker) else { return nil }
        let rest = text[range.upperBound...].drop { $0 == " " }
        return Double(rest.prefix { $0.isNumber || $0 == "." || $0 == "-" || $0 == "e" || $0 == "+" })
    }

    public var summary: String {
        String(
            format:
                "%6d x %d windows, llama.cpp protocol: ctxevo (%@) %.1f s (ppl %.4f), llama.cpp %.1f s evaluating, %.1f s in all (ppl %.4f): %.2fx\n  %@",
            context, windows, numerics.rawValue, ctxevoSeconds, ctxevoPerplexity, llamaSeconds, llamaWallSeconds,
            llamaPerplexity,
            speedup, llamaCommand)
    }

    public var dictionary: [String: Any] {
        [
            "context": context, "windows": windows, "numerics": numerics.rawValue, "ctxevo_seconds": ctxevoSeconds,
            "ctxevo_perplexity": ctxevoPerplexity, "llama_seconds": llamaSeconds,
            "llama_wall_seconds": llamaWallSeconds,
            "llama_perplexity": llamaPerplexity, "speedup": speedup, "llama_command": llamaCommand,
        ]
    }
}
