import Arithmetic
import Foundation
import GGUF

/// The Q4_1 matrices of a model packed for integer products with Q8_1 activations, as llama.cpp computes them.
/// Only `llamacpp` numerics use them (float32 keeps the float sgemm on the dequantised weights), so a model packs
/// them on first use, from its file, and shares them with every session.
public final class IntegerWeights: @unchecked Sendable {
    private let byMatrix: [UnsafeMutablePointer<Float>: PackedQ4_1]

    /// Packs every Q4_1 projection of `weights` whose shape allows it (rows % 8, columns % 32).
    init(file: GGUFFile, weights: LlamaWeights) {
        var byMatrix: [UnsafeMutablePointer<Float>: PackedQ4_1] = [:]
        func add(_ name: String, _ weight: LinearWeight) {
            guard let tensor = file.tensor(named: name), tensor.type == .q4_1,
                tensor.dimensions == [weight.inFeatures, weight.outFeatures],
                let packed = PackedQ4_1(
                    raw: file.data(of: tensor).baseAddress!, rows: weight.outFeatures, columns: weight.inFeatures)
            else { return }
            byMatrix[weight.pointer] = packed
        }
        for (i, layer) in weights.layers.enumerated() {
            let p = "blk.\(i)."
            add(p + "attn_q.weight", layer.query)
            add(p + "attn_k.weight", layer.key)
            add(p + "attn_v.weight", layer.value)
            add(p + "attn_output.weight", layer.attentionOutput)
            add(p + "ffn_gate.weight", layer.gate)
            add(p + "ffn_up.weight", layer.up)
            add(p + "ffn_down.weight", layer.down)
        }
        self.byMatrix = byMatrix
    }

    /// The packed form of `weight`, if it has one.
    func packed(_ weight: LinearWeight) -> PackedQ4_1? { byMatrix[weight.pointer] }
}
