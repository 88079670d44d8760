import Assets
import Evolution
import Foundation
import GGUF
import Logging
import Numerics
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
///   `<arch>.rope.scaling.attn_factor`.
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

    public static func csv(_ table: RotaryTable) -> String {
        FactorsFile.text(FactorsFile.Contents(factors: table.lambda, nHat: table.nHat, mscale: table.mscale))
    }

    /// A Hugging Face Llama `config.json` for the model, extended to `targetLength` by the table.
    public static func huggingFace(_ table: RotaryTable, configuration c: LlamaConfiguration, targetLength: Int) throws
        -> String
    {
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
                "short_factor": Array(repeating: 1.0, count: pairs),
                "original_max_position_embeddings": c.trainedContext,
                "factor": Double(targetLength) / Double(c.trainedContext), "attention_factor": table.mscale,
            ] as [String: Any],
        ]
        let data = try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys])
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// Writes a copy of `source` with the table's factors as `rope_freqs.weight` (multiplying any the file
    /// already has), `targetLength` as its context length and the temperature as the attention factor.
    public static func gguf(
        _ table: RotaryTable, source: GGUFFile, configuration c: LlamaConfiguration, targetLength: Int, to path: String
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
        let factors = (0..<c.rotaryPairs).map { Float(table.lambda[$0]) * fileFactors[$0] }
        try factors.withUnsafeBytes { factorBytes in
            var tensors = source.tensors.filter { $0.name != "rope_freqs.weight" }.map {
                GGUFWriter.Tensor(name: $0.name, dimensions: $0.dimensions, type: $0.type, bytes: source.data(of: $0))
            }
            tensors.insert(
                GGUFWriter.Tensor(
                    name: "rope_freqs.weight", dimensions: [c.rotaryPairs], type: .f32, bytes: factorBytes),
                at: 0)
            writer.tensors = tensors
            try writer.write(to: path)
        }
    }
}
