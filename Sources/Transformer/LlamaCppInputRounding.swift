import Numerics

/// The emulation of llama.cpp's CPU arithmetic at the inputs of the weight matrices: ggml quantises the
/// activations to the weight type's `vec_dot_type` before each product (see `ActivationRounding`). This type owns
/// the scratch buffers of those rounded copies, one per rounding mode, and rounds each activation matrix at most
/// once per mode: the query, key and value projections of one layer share the rounded copy of their common input
/// when their weights have the same type, exactly as llama.cpp quantises that input once.
final class LlamaCppInputRounding {
    private let capacity: Int
    /// Rounded copies per mode, and for Q8_1 the block-sum errors (rows, width / 32).
    private var buffers: [ActivationRounding: (values: FloatBuffer, blockSumErrors: FloatBuffer)] = [:]
    /// The source each mode's buffer currently holds a rounding of.
    private var roundedSource: [ActivationRounding: (source: UnsafePointer<Float>, epoch: Int)] = [:]
    private var epoch = 0

    /// Buffers for up to `capacity` activations (rows x width) per mode.
    init(capacity: Int) { self.capacity = capacity }

    /// Activations that will meet several weights: each weight gets them rounded for its type, computed once.
    func inputs(_ source: UnsafePointer<Float>, rows: Int, width: Int) -> LinearInputs {
        epoch += 1
        return LinearInputs(source: source, rows: rows, width: width, epoch: epoch, rounding: self)
    }

    fileprivate func rounded(_ inputs: LinearInputs, mode: ActivationRounding) -> LinearInput {
        if mode == .none { return LinearInput(values: inputs.source, blockSumErrors: nil) }
        let (values, errors) = buffer(for: mode)
        let errorPointer = mode == .q8Block32WithSum ? errors.pointer : nil
        if let done = roundedSource[mode], done.source == inputs.source, done.epoch == inputs.epoch {
            return LinearInput(
                values: UnsafePointer(values.pointer), blockSumErrors: errorPointer.map { UnsafePointer($0) })
        }
        let (source, width, target) = (inputs.source, inputs.width, values.pointer)
        Parallel.forRanges(count: inputs.rows) { _, range in
            for row in range {
                (target + row * width).update(from: source + row * width, count: width)
                ActivationRounding.apply(
                    mode, to: target + row * width, count: width,
                    blockSumErrors: errorPointer.map { $0 + row * (width / 32) })
            }
        }
        roundedSource[mode] = (inputs.source, inputs.epoch)
        return LinearInput(values: UnsafePointer(target), blockSumErrors: errorPointer.map { UnsafePointer($0) })
    }

    private func buffer(for mode: ActivationRounding) -> (FloatBuffer, FloatBuffer) {
        if let existing = buffers[mode] { return existing }
        let created = (FloatBuffer(count: capacity), FloatBuffer(count: capacity / 32 + 1))
        buffers[mode] = created
        return created
    }
}

/// One activation matrix (rows x width) that meets weights; `for(weight)` gives it as that weight's input.
struct LinearInputs {
    let source: UnsafePointer<Float>
    let rows: Int
    let width: Int
    let epoch: Int
    /// nil: plain float32, every weight reads the source itself.
    let rounding: LlamaCppInputRounding?

    func `for`(_ weight: LinearWeight) -> LinearInput {
        guard let rounding else { return LinearInput(values: source, blockSumErrors: nil) }
        return rounding.rounded(self, mode: weight.inputRounding)
    }
}

/// Activations prepared for one weight: the (rounded) values and, for Q4_1/Q5_1 weights, the block-sum errors.
struct LinearInput {
    let values: UnsafePointer<Float>
    let blockSumErrors: UnsafePointer<Float>?
}
