import Arithmetic
import Assets
import Evolution
import Foundation
import GGUF
import Logging
import Objectives
import Reporting
import RoPEScaling
import RunLoop
import RunStore
import Transformer

/// The found rotary table in the formats people load (docs/longrope.md, exports):
/// - `csv`: one lambda per line, as LongRoPE's reference writes `result_final.csv` (plus `# n_hat` and
///   `# mscale` comment lines, which its readers skip);
/// - `hf`: a Hugging Face `config.json` for the model with `rope_scaling` of `rope_type` "longrope";
/// - `gguf`: a copy of the model's GGUF whose `rope_freqs.weight` carries the factors (llama.cpp divides each
///   pair's frequency by it), with the target as its context length and the temperature as
///   `<arch>.rope.scaling.attn_factor`; with short factors, LongRoPE's two tables instead:
///   `rope_factors_long.weight` and `rope_factors_short.weight` with `rope.scaling.type` longrope and the trained
///   context as `rope.scaling.original_context_length`, which llama.cpp (since it loads them for Llama models) picks
///   from by context size, the long ones beyond the original context, and the temperature at every length.
/// A format that cannot hold part of the table says so; the export is refused unless forced.
public enum FactorExport {
    public enum Format: String, Sendable, CaseIterable {
        case csv, hf, gguf
    }

    /// What `format` cannot represent of `table` (empty: the export is exact).
    public static func losses(_ format: Format, table: RotaryTable) -> [String] {
        switch format {
        case .csv: []
        case .hf, .gguf:
            table.nHat > 0
                ? [
                    "n-hat = \(table.nHat): the \(format.rawValue) format has no start tokens that keep the original rotation; they would be rescaled too"
                ]
                : []
        }
    }

    /// The short-context factors of a factors file, checked against the long table they go with: one per pair, and
    /// the long table's temperature (one attention factor serves both in the formats that hold them).
    public static func shortTable(path: String, long: RotaryTable, pairs: Int) throws -> RotaryTable {
        let contents = try FactorsFile.readContents(path: path)
        guard contents.factors.count == pairs else {
            throw ShortFactorsError(path: path, reason: "\(contents.factors.count) short factors for \(pairs) pairs")
        }
        if let mscale = contents.mscale, abs(mscale - long.mscale) > 1e-6 * long.mscale {
            throw ShortFactorsError(
                path: path,
                reason:
                    "its mscale \(mscale) is not the long factors' \(long.mscale): short factors are searched under "
                    + "the temperature they will be used with")
        }
        return RotaryTable(lambda: contents.factors, nHat: contents.nHat ?? 0, mscale: long.mscale)
    }

    public static func csv(_ table: RotaryTable) -> String {
        FactorsFile.text(FactorsFile.Contents(factors: table.lambda, nHat: table.nHat, mscale: table.mscale))
    }

    /// A Hugging Face Llama `config.json` for the model, extended to `targetLength` by the table.
    public static func huggingFace(
        _ table: RotaryTable, short: RotaryTable? = nil, configuration c: LlamaConfiguration, targetLength: Int
    ) throws -> String {
        let pairs = c.rotaryPairs
        let config: [String: Any] = [
            "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": c.modelWidth,
            "intermediate_size": c.feedForwardWidth, "num_hidden_layers": c.layers,
            "num_attention_heads": c.attentionHeads, "num_key_value_heads": c.kvHeads, "head_dim": c.headWidth,
            "rms_norm_eps": Double(c.normEpsilon), "rope_theta": c.ropeBase, "vocab_size": c.vocabularySize,
            "hidden_act": "silu", "max_position_embeddings": targetLength,
            "original_max_position_embeddings": c.trainedContext,
            "rope_scaling": [
                "rope_type": "longrope", "long_factor": table.lambda,
                "short_factor": short?.lambda ?? Array(repeating: 1.0, count: pairs),
                "original_max_position_embeddings": c.trainedContext,
                "factor": Double(targetLength) / Double(c.trainedContext), "attention_factor": table.mscale,
            ] as [String: Any],
        ]
        let data = try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys])
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// Writes a copy of `source` with the table's factors as `rope_freqs.weight` (multiplying any the file
    /// already has), `targetLength` as its context length and the temperature as the attention factor; with `short`,
    /// LongRoPE's two tables and `rope.scaling.type` longrope instead (see the type's comment).
    public static func gguf(
        _ table: RotaryTable, short: RotaryTable? = nil, source: GGUFFile, configuration c: LlamaConfiguration,
        targetLength: Int, to path: String
    ) throws {
        let arch = c.architecture
        var writer = GGUFWriter()
        writer.alignment = source.alignment
        writer.metadata = source.metadataKeys.map { ($0, source.metadata[$0]!) }
        writer.set("\(arch).context_length", .uint32(UInt32(targetLength)))
        writer.set("\(arch).rope.scaling.attn_factor", .float32(Float(table.mscale)))
        writer.set(
            "general.name",
            .string((source.metadata["general.name"]?.string ?? "model") + " (LongRoPE \(targetLength))"))

        let existing = source.tensor(named: "rope_freqs.weight")
        var fileFactors = [Float](repeating: 1, count: c.rotaryPairs)
        if let existing, existing.type == .f32, existing.elementCount == c.rotaryPairs {
            let raw = source.data(of: existing)
            for i in 0..<c.rotaryPairs { fileFactors[i] = raw.loadUnaligned(fromByteOffset: 4 * i, as: Float.self) }
        }
        func factors(_ t: RotaryTable) -> [Float] { (0..<c.rotaryPairs).map { Float(t.lambda[$0]) * fileFactors[$0] } }
        var tables: [(name: String, factors: [Float])] = [("rope_freqs.weight", factors(table))]
        if let short {
            // llama.cpp refuses a file with rope_freqs beside them, and would stack rope.scaling.factor on top.
            tables = [("rope_factors_long.weight", factors(table)), ("rope_factors_short.weight", factors(short))]
            writer.set("\(arch).rope.scaling.type", .string("longrope"))
            writer.set("\(arch).rope.scaling.original_context_length", .uint32(UInt32(c.trainedContext)))
            writer.metadata.removeAll { $0.0 == "\(arch).rope.scaling.factor" }
        }
        // The factors' bytes, alive until the file is written.
        let buffers = tables.map { entry in
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4 * entry.factors.count, alignment: 4)
            entry.factors.withUnsafeBytes { buffer.copyMemory(from: $0) }
            return buffer
        }
        defer { buffers.forEach { $0.deallocate() } }
        let added = zip(tables, buffers).map { entry, buffer in
            GGUFWriter.Tensor(
                name: entry.name, dimensions: [c.rotaryPairs], type: .f32, bytes: UnsafeRawBufferPointer(buffer))
        }
        writer.tensors =
            added
            + source.tensors.filter { $0.name != "rope_freqs.weight" }.map {
                GGUFWriter.Tensor(name: $0.name, dimensions: $0.dimensions, type: $0.type, bytes: source.data(of: $0))
            }
        try writer.write(to: path)
    }
}

/// A short-factors file that does not go with the long table.
public struct ShortFactorsError: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let reason: String
    public var description: String { "short factors \(path): \(reason)" }
}
