import Arithmetic

/// Every projection and the output layer of a model rounded to bf16 and packed for `vdpbf16ps` (`bf16` numerics),
/// made on first use and shared by every session; keyed by the float matrix it was rounded from.
public final class BFloat16Weights: @unchecked Sendable {
    private let byMatrix: [UnsafeMutablePointer<Float>: PackedBFloat16]

    init(weights: LlamaWeights) {
        var byMatrix: [UnsafeMutablePointer<Float>: PackedBFloat16] = [:]
        func add(_ weight: LinearWeight) {
            guard byMatrix[weight.pointer] == nil else { return }
            byMatrix[weight.pointer] = PackedBFloat16(
                weight.pointer, rows: weight.outFeatures, columns: weight.inFeatures)
        }
        for layer in weights.layers {
            for weight in [
                layer.query, layer.key, layer.value, layer.attentionOutput, layer.gate, layer.up, layer.down,
            ] {
                add(weight)
            }
        }
        add(weights.output)
        self.byMatrix = byMatrix
    }

    /// The packed form of `weight`.
    func packed(_ weight: LinearWeight) -> PackedBFloat16? { byMatrix[weight.pointer] }
}
