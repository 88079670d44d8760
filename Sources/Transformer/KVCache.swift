import Arithmetic

/// The keys and values of one sequence, per layer and KV head, with the rotary position each key was cached
/// with. Keys are stored already rotated, so evicting tokens never re-rotates the ones kept (NAMM, spec section 4).
///
/// Layout per layer: keys and values (kvHeads, capacity, headWidth); positions (kvHeads, capacity). Every KV head
/// of a layer holds the same number of tokens (`length[layer]`), which keeps attention rectangular, but each head
/// may keep different tokens. Keys and values are float32, or bf16 (`Storage.bfloat16`, half the bytes: the `bf16`
/// numerics, whose attention reads them as they are).
public final class KVCache: @unchecked Sendable {
    /// What one cached key or value element is.
    public enum Storage: Sendable, Equatable {
        case float32
        /// Rounded to nearest even when appended.
        case bfloat16

        var bytes: Int { self == .float32 ? 4 : 2 }
    }

    public let storage: Storage
    public let capacity: Int
    public let layers: Int
    public let kvHeads: Int
    public let headWidth: Int
    public private(set) var length: [Int]
    /// Per layer: (kvHeads, capacity, headWidth) elements of `storage`.
    private let keyStore: [FloatBuffer]
    private let valueStore: [FloatBuffer]
    let positions: [UnsafeMutablePointer<Int32>]

    /// A cache of `capacity` tokens for the configuration's layers, or for its first `layers` only (a benchmark of
    /// one layer's attention).
    public init(configuration c: LlamaConfiguration, capacity: Int, layers: Int? = nil, storage: Storage = .float32) {
        self.storage = storage
        self.capacity = capacity
        self.layers = min(layers ?? c.layers, c.layers)
        kvHeads = c.kvHeads
        headWidth = c.headWidth
        length = Array(repeating: 0, count: self.layers)
        // Zeroed, so that the pages are committed here, with the session, and not by the first evaluation's
        // appends (a quarter of a million page faults at 16k tokens, about a second).
        let floats = (c.kvHeads * capacity * c.headWidth * storage.bytes + 3) / 4
        keyStore = (0..<self.layers).map { _ in FloatBuffer(count: floats) }
        valueStore = (0..<self.layers).map { _ in FloatBuffer(count: floats) }
        positions = (0..<self.layers).map { _ in
            let p = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, c.kvHeads * capacity))
            p.initialize(repeating: 0, count: max(1, c.kvHeads * capacity))
            return p
        }
    }

    deinit { for p in positions { p.deallocate() } }

    public func reset() { length = Array(repeating: 0, count: layers) }

    /// The bytes of one head's keys or values: (length[layer], headWidth) rows of `storage`.
    private func rows(_ store: [FloatBuffer], layer: Int, head: Int) -> UnsafeMutableRawPointer {
        UnsafeMutableRawPointer(store[layer].pointer) + head * capacity * headWidth * storage.bytes
    }

    /// Keys of one head of a float32 cache: (length[layer], headWidth) rows.
    func keys(layer: Int, head: Int) -> UnsafeMutablePointer<Float> {
        precondition(storage == .float32, "float32 keys of a \(storage) cache")
        return rows(keyStore, layer: layer, head: head).assumingMemoryBound(to: Float.self)
    }

    func values(layer: Int, head: Int) -> UnsafeMutablePointer<Float> {
        precondition(storage == .float32, "float32 values of a \(storage) cache")
        return rows(valueStore, layer: layer, head: head).assumingMemoryBound(to: Float.self)
    }

    /// Keys of one head of a bf16 cache, as their bits.
    func bfloat16Keys(layer: Int, head: Int) -> UnsafeMutablePointer<UInt16> {
        precondition(storage == .bfloat16, "bf16 keys of a \(storage) cache")
        return rows(keyStore, layer: layer, head: head).assumingMemoryBound(to: UInt16.self)
    }

    func bfloat16Values(layer: Int, head: Int) -> UnsafeMutablePointer<UInt16> {
        precondition(storage == .bfloat16, "bf16 values of a \(storage) cache")
        return rows(valueStore, layer: layer, head: head).assumingMemoryBound(to: UInt16.self)
    }

    /// The first `count` keys and values of one head as float32, into (count, headWidth) rows each.
    func widen(
        layer: Int, head: Int, count: Int, keys: UnsafeMutablePointer<Float>, values: UnsafeMutablePointer<Float>
    ) {
        switch storage {
        case .float32:
            keys.update(from: self.keys(layer: layer, head: head), count: count * headWidth)
            values.update(from: self.values(layer: layer, head: head), count: count * headWidth)
        case .bfloat16:
            BFloat16Values.widen(bfloat16Keys(layer: layer, head: head), count: count * headWidth, into: keys)
            BFloat16Values.widen(bfloat16Values(layer: layer, head: head), count: count * headWidth, into: values)
        }
    }

    /// The rotary position of each cached token of a head.
    public func positions(layer: Int, head: Int) -> UnsafeBufferPointer<Int32> {
        UnsafeBufferPointer(start: positions[layer] + head * capacity, count: length[layer])
    }

    /// The L2 norm of each cached key of a head (keys as cached, after RoPE), for KNorm-style scores.
    public func keyNorms(layer: Int, head: Int) -> [Float] {
        var key = [Float](repeating: 0, count: headWidth)
        return (0..<length[layer]).map { row in
            switch storage {
            case .float32:
                key.withUnsafeMutableBufferPointer {
                    $0.baseAddress!.update(from: keys(layer: layer, head: head) + row * headWidth, count: headWidth)
                }
            case .bfloat16:
                key.withUnsafeMutableBufferPointer {
                    BFloat16Values.widen(
                        bfloat16Keys(layer: layer, head: head) + row * headWidth, count: headWidth,
                        into: $0.baseAddress!)
                }
            }
            var sum: Float = 0
            for j in 0..<headWidth { sum += key[j] * key[j] }
            return sum.squareRoot()
        }
    }

    /// Appends `rows` tokens: k and v are (rows, kvHeads * headWidth), as the projections produce them.
    public func append(
        layer: Int, rows: Int, keys k: UnsafePointer<Float>, values v: UnsafePointer<Float>,
        positions p: UnsafePointer<Int32>
    ) {
        let start = length[layer]
        let width = kvHeads * headWidth
        for head in 0..<kvHeads {
            for row in 0..<rows {
                let (source, target) = (row * width + head * headWidth, (start + row) * headWidth)
                switch storage {
                case .float32:
                    (keys(layer: layer, head: head) + target).update(from: k + source, count: headWidth)
                    (values(layer: layer, head: head) + target).update(from: v + source, count: headWidth)
                case .bfloat16:
                    BFloat16Values.round(
                        k + source, count: headWidth, into: bfloat16Keys(layer: layer, head: head) + target)
                    BFloat16Values.round(
                        v + source, count: headWidth, into: bfloat16Values(layer: layer, head: head) + target)
                }
            }
            (positions[layer] + head * capacity + start).update(from: p, count: rows)
        }
        length[layer] = start + rows
    }

    /// A copy of what the cache holds (each layer's cached keys, values and positions, as stored), to put back
    /// later with `restore` (a shared prompt computed once and reused, e.g. by every pause candidate).
    public struct Snapshot: @unchecked Sendable {
        let storage: Storage
        let length: [Int]
        /// Per layer and head: keys, values (length × headWidth elements each), then positions.
        let bytes: [UInt8]

        /// The snapshot's size.
        public var byteCount: Int { bytes.count }
    }

    public func snapshot() -> Snapshot {
        let rowBytes = headWidth * storage.bytes
        var bytes: [UInt8] = []
        bytes.reserveCapacity(length.reduce(0) { $0 + $1 * kvHeads * (2 * rowBytes + 4) })
        for layer in 0..<layers {
            for head in 0..<kvHeads {
                let count = length[layer]
                for store in [keyStore, valueStore] {
                    bytes.append(
                        contentsOf: UnsafeRawBufferPointer(
                            start: rows(store, layer: layer, head: head), count: count * rowBytes))
                }
                bytes.append(
                    contentsOf: UnsafeRawBufferPointer(start: positions[layer] + head * capacity, count: count * 4))
            }
        }
        return Snapshot(storage: storage, length: length, bytes: bytes)
    }

    /// Puts back what `snapshot` copied, whatever the cache holds now; a snapshot of a cache of another shape or
    /// storage, or longer than this one's capacity, is a programmer error.
    public func restore(_ snapshot: Snapshot) {
        precondition(
            snapshot.storage == storage && snapshot.length.count == layers
                && snapshot.length.allSatisfy { $0 <= capacity },
            "a snapshot of another cache")
        let rowBytes = headWidth * storage.bytes
        snapshot.bytes.withUnsafeBytes { source in
            var offset = 0
            for layer in 0..<layers {
                for head in 0..<kvHeads {
                    let count = snapshot.length[layer]
                    for store in [keyStore, valueStore] {
                        rows(store, layer: layer, head: head).copyMemory(
                            from: source.baseAddress! + offset, byteCount: count * rowBytes)
                        offset += count * rowBytes
                    }
                    UnsafeMutableRawPointer(positions[layer] + head * capacity).copyMemory(
                        from: source.baseAddress! + offset, byteCount: count * 4)
                    offset += count * 4
                }
            }
        }
        length = snapshot.length
    }

    /// Keeps, in each head of `layer`, only the cached tokens at the given indices (ascending, the same count for
    /// every head); the others are evicted and the cache is compacted.
    public func retain(layer: Int, indicesPerHead: [[Int]]) throws {
        guard indicesPerHead.count == kvHeads,
            let count = indicesPerHead.first?.count,
            indicesPerHead.allSatisfy({ $0.count == count })
        else { throw CacheError.notRectangular }
        for (head, indices) in indicesPerHead.enumerated() {
            guard zip(indices, indices.dropFirst()).allSatisfy({ $0 < $1 }),
                indices.allSatisfy({ $0 >= 0 && $0 < length[layer] })
            else { throw CacheError.badIndices(layer: layer, head: head) }
            let k = rows(keyStore, layer: layer, head: head)
            let v = rows(valueStore, layer: layer, head: head)
            let p = positions[layer] + head * capacity
            let rowBytes = headWidth * storage.bytes
            for (target, source) in indices.enumerated() where target != source {
                (k + target * rowBytes).copyMemory(from: k + source * rowBytes, byteCount: rowBytes)
                (v + target * rowBytes).copyMemory(from: v + source * rowBytes, byteCount: rowBytes)
                p[target] = p[source]
            }
        }
        length[layer] = count
    }

    public enum CacheError: Error, CustomStringConvertible {
        case notRectangular
        case badIndices(layer: Int, head: Int)
        public var description: String {
            switch self {
            case .notRectangular: "every KV head of a layer must keep the same number of tokens"
            case .badIndices(let layer, let head):
                "eviction indices of layer \(layer), head \(head) are not ascending cache indices"
            }
        }
    }
}
