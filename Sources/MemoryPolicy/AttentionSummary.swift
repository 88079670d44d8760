import Arithmetic
import Transformer

/// What the attention-based eviction rules read, reduced as the prefill produces it, per (layer, KV head) and per
/// cached token (in cache order), each averaged over the query heads that share the KV head:
///
/// - `accumulated`: the attention the token received from every query so far (H2O's heavy hitters, kvpress's
///   ObservedAttention);
/// - `lastQuery`: the attention of the newest query (TOVA);
/// - `window`: the attention of the last `observationWindow` queries of the latest chunk, summed (SnapKV).
///
/// The blocks of one layer are written concurrently, each into its own slot (query head, query block); the slots are
/// folded into the per-(layer, KV head) state when the layer ends, so the memory is slots of one layer plus
/// 3 values per (layer, KV head, cached token): 2.4 MB of slots and 4.4 MB of state for SmolLM2 at 4,096 tokens.
/// Eviction compacts the state with the cache (`retain`).
public final class AttentionSummary: AttentionRecorder, @unchecked Sendable {
    public let layers: Int
    public let kvHeads: Int
    public let headsPerKVHead: Int
    public let capacity: Int
    public let observationWindow: Int
    let blocksPerChunk: Int

    /// (layers, kvHeads, capacity) each.
    private var accumulated: [Float]
    private var lastQuery: [Float]
    private var window: [Float]
    /// Of the layer in progress: (heads, blocksPerChunk, capacity) sums over each block's rows, and over its rows
    /// in the observation window; (heads, capacity) the newest query's row.
    private let blockSums: FloatBuffer
    private let blockWindowSums: FloatBuffer
    private let lastRows: FloatBuffer
    private var chunkRows = 0
    /// NAMM's spectrogram memory, when a rule reads it.
    let spectra: SpectralState?
    /// Whether the three statistics are kept (a rule reads them); without them only the spectrogram is.
    let keepsStatistics: Bool

    /// `statistics`: keep the accumulated, newest-query and window attention (the baseline rules read them);
    /// `spectrogram`: keep NAMM's spectrogram, its moving average decaying by `gamma` per query. A recorder that keeps
    /// neither records nothing.
    public init(
        configuration c: LlamaConfiguration, capacity: Int, chunkSize: Int, observationWindow: Int = 64,
        statistics: Bool = true, spectrogram: Bool = false, gamma: Double = AttentionSpectrogram.gamma
    ) {
        keepsStatistics = statistics
        spectra =
            spectrogram
            ? SpectralState(configuration: c, capacity: capacity, chunkSize: chunkSize, gamma: gamma) : nil
        layers = c.layers
        kvHeads = c.kvHeads
        headsPerKVHead = c.queryHeadsPerKVHead
        self.capacity = capacity
        self.observationWindow = observationWindow
        blocksPerChunk = (min(chunkSize, capacity) + AttentionSummary.queryBlock - 1) / AttentionSummary.queryBlock
        let state = statistics ? c.layers * c.kvHeads * capacity : 0
        let slots = statistics ? c.attentionHeads * blocksPerChunk * capacity : 1
        accumulated = Array(repeating: 0, count: state)
        lastQuery = Array(repeating: 0, count: state)
        window = Array(repeating: 0, count: state)
        blockSums = FloatBuffer(count: slots)
        blockWindowSums = FloatBuffer(count: slots)
        lastRows = FloatBuffer(count: statistics ? c.attentionHeads * capacity : 1)
    }

    /// The query rows of one attention block, as the engine cuts them.
    static var queryBlock: Int { AttentionBlock.queryRows }

    /// Forgets every sequence (a new document).
    public func reset() {
        spectra?.reset()
        for i in accumulated.indices {
            accumulated[i] = 0
            lastQuery[i] = 0
            window[i] = 0
        }
    }

    // MARK: the three statistics of one (layer, KV head), in cache order

    public func accumulated(layer: Int, kvHead: Int, count: Int) -> ArraySlice<Float> {
        let start = (layer * kvHeads + kvHead) * capacity
        return accumulated[start..<(start + count)]
    }

    public func lastQuery(layer: Int, kvHead: Int, count: Int) -> ArraySlice<Float> {
        let start = (layer * kvHeads + kvHead) * capacity
        return lastQuery[start..<(start + count)]
    }

    /// NAMM's spectrogram moving average of each token, (count, 17) (nil unless made with `spectrogram: true`).
    public func spectrogram(layer: Int, kvHead: Int, count: Int) -> ArraySlice<Float>? {
        spectra?.ema(layer: layer, kvHead: kvHead, count: count)
    }

    public func window(layer: Int, kvHead: Int, count: Int) -> ArraySlice<Float> {
        let start = (layer * kvHeads + kvHead) * capacity
        return window[start..<(start + count)]
    }

    /// Follows an eviction of the cache: keeps, per KV head of `layer`, the entries at `indicesPerHead`.
    public func retain(layer: Int, indicesPerHead: [[Int]]) {
        spectra?.retain(layer: layer, indicesPerHead: indicesPerHead)
        guard keepsStatistics else { return }
        for (kvHead, indices) in indicesPerHead.enumerated() {
            let start = (layer * kvHeads + kvHead) * capacity
            for (target, source) in indices.enumerated() where target != source {
                accumulated[start + target] = accumulated[start + source]
                lastQuery[start + target] = lastQuery[start + source]
                window[start + target] = window[start + source]
            }
        }
    }

    // MARK: AttentionRecorder

    public func beginLayer(_ layer: Int, rows: Int, cachedBefore: Int) {
        spectra?.beginLayer(layer, rows: rows, cachedBefore: cachedBefore)
        guard keepsStatistics else { return }
        chunkRows = rows
        let total = cachedBefore + rows
        let blocks = (rows + AttentionSummary.queryBlock - 1) / AttentionSummary.queryBlock
        for head in 0..<(kvHeads * headsPerKVHead) {
            for block in 0..<blocks {
                let slot = (head * blocksPerChunk + block) * capacity
                (blockSums.pointer + slot).update(repeating: 0, count: total)
                (blockWindowSums.pointer + slot).update(repeating: 0, count: total)
            }
        }
        // The chunk's own tokens enter the cache with no history.
        for kvHead in 0..<kvHeads {
            let start = (layer * kvHeads + kvHead) * capacity
            for i in cachedBefore..<total { accumulated[start + i] = 0 }
        }
    }

    public func record(_ block: AttentionBlock) {
        spectra?.record(block)
        guard keepsStatistics else { return }
        let blockIndex = block.queries.lowerBound / AttentionSummary.queryBlock
        let slot = (block.head * blocksPerChunk + blockIndex) * capacity
        let sums = blockSums.pointer + slot
        let windowSums = blockWindowSums.pointer + slot
        let windowStart = chunkRows - observationWindow
        for (i, query) in block.queries.enumerated() {
            let row = block.probabilities + i * block.stride
            VectorMath.add(row, into: sums, count: block.keyCount)
            if query >= windowStart { VectorMath.add(row, into: windowSums, count: block.keyCount) }
            if query == chunkRows - 1 {
                (lastRows.pointer + block.head * capacity).update(from: row, count: block.keyCount)
            }
        }
    }

    public func finishLayer(_ layer: Int, rows: Int, cachedBefore: Int) {
        spectra?.finishLayer(layer, rows: rows, cachedBefore: cachedBefore)
        guard keepsStatistics else { return }
        let total = cachedBefore + rows
        let blocks = (rows + AttentionSummary.queryBlock - 1) / AttentionSummary.queryBlock
        let share = 1 / Float(headsPerKVHead)
        for kvHead in 0..<kvHeads {
            let start = (layer * kvHeads + kvHead) * capacity
            for i in 0..<total {
                var sum: Float = 0
                var inWindow: Float = 0
                var last: Float = 0
                for head in (kvHead * headsPerKVHead)..<((kvHead + 1) * headsPerKVHead) {
                    for block in 0..<blocks {
                        let slot = (head * blocksPerChunk + block) * capacity + i
                        sum += blockSums.pointer[slot]
                        inWindow += blockWindowSums.pointer[slot]
                    }
                    last += lastRows.pointer[head * capacity + i]
                }
                accumulated[start + i] += sum * share
                window[start + i] = inWindow * share
                lastQuery[start + i] = last * share
            }
        }
    }
}
