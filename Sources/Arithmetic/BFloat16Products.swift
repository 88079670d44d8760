import CKernels

/// A weight matrix (rows x columns, float32) rounded to bf16 and packed for `ck_bf16_gemm_with`: products in bf16
/// with float32 sums, AVX512_BF16's `vdpbf16ps` where the CPU has it (twice the fp32 FMA rate on these cores, see
/// results/bench-peak.txt), else the AVX2 kernel, which computes the same bits.
public final class PackedBFloat16: @unchecked Sendable {
    /// Whether this CPU runs the AVX512_BF16 kernel.
    public static var avx512BF16: Bool { ck_bf16_avx512_supported() != 0 }

    public let rows: Int
    public let columns: Int
    private let packed: UnsafeMutablePointer<UInt32>

    public init(_ weights: UnsafePointer<Float>, rows: Int, columns: Int) {
        self.rows = rows
        self.columns = columns
        let words = ck_bf16_packed_words(rows, columns)
        packed = UnsafeMutableRawPointer.allocate(byteCount: words * 4, alignment: 64).bindMemory(
            to: UInt32.self, capacity: words)
        ck_bf16_pack(weights, rows, columns, packed)
    }

    deinit { packed.deallocate() }

    /// The session sizes its activations from the model's configuration: a mismatch is a programmer error.
    private func requireMatches(_ x: BFloat16Activations, tokens: Int) {
        guard x.width == columns, tokens <= x.convertedRows else {
            fatalError("bf16 activations of width \(x.width) x \(x.convertedRows) for a \(rows) x \(columns) matrix")
        }
    }

    /// y (tokens x rows, row stride ldy) = (or += when `accumulate`) x W^T, the panels of 16 output rows split across
    /// the workers in groups of 3 (the kernel's register block). `avx512: false` runs the AVX2 kernel (for tests).
    public func multiply(
        _ x: BFloat16Activations, tokens: Int, into y: UnsafeMutablePointer<Float>, ldy: Int? = nil,
        accumulate: Bool = false, avx512: Bool = true
    ) {
        requireMatches(x, tokens: tokens)
        let ldy = ldy ?? rows
        let (packed, rows, columns) = (packed, rows, columns)
        Parallel.forRanges(count: (rows + 15) / 16, granule: 3) { _, panels in
            ck_bf16_gemm_with(
                avx512 ? 1 : 0, x.pairs, tokens, columns, packed, rows, panels.lowerBound, panels.upperBound, y, ldy, 0,
                accumulate ? 1 : 0)
        }
    }

    /// On the calling thread (inside a worker of its own): y (tokens x the rows of `panels`, row stride ldy, y[0]
    /// the first row of the first panel) = x W^T for those rows only.
    public func multiply(
        _ x: BFloat16Activations, tokens: Int, panels: Range<Int>, into y: UnsafeMutablePointer<Float>, ldy: Int
    ) {
        requireMatches(x, tokens: tokens)
        guard panels.upperBound <= (rows + 15) / 16 else { fatalError("panels \(panels) of a \(rows)-row matrix") }
        ck_bf16_gemm_with(
            1, x.pairs, tokens, columns, packed, rows, panels.lowerBound, panels.upperBound, y, ldy,
            panels.lowerBound * 16, 0)
    }
}

/// Activations rounded to bf16 pairs, the input of `PackedBFloat16.multiply`.
public final class BFloat16Activations {
    public let capacity: Int
    public private(set) var width = 0
    public private(set) var convertedRows = 0
    let pairs: UnsafeMutablePointer<UInt32>

    /// Room for `capacity` words of two values (rows x (width + 1) / 2: an odd width's last word has a zero partner).
    public init(capacity: Int) {
        self.capacity = capacity
        pairs = UnsafeMutableRawPointer.allocate(byteCount: capacity * 4, alignment: 64).bindMemory(
            to: UInt32.self, capacity: capacity)
    }

    deinit { pairs.deallocate() }

    /// Buffers are sized from the model's configuration: an overflow is a programmer error.
    private func requireFits(rows: Int, width: Int) {
        guard rows * ((width + 1) / 2) <= capacity else {
            fatalError("\(rows) x \(width) activations exceed the bf16 buffer of \(capacity)")
        }
    }

    /// Rounds `rows` x `width` values on the calling thread (inside a worker of its own).
    public func convertOnThisThread(_ x: UnsafePointer<Float>, rows: Int, width: Int) {
        requireFits(rows: rows, width: width)
        ck_bf16_convert(x, rows, width, pairs)
        self.width = width
        convertedRows = rows
    }

    /// Rounds `rows` x `width` values, the rows split across the workers.
    public func convert(_ x: UnsafePointer<Float>, rows: Int, width: Int) {
        requireFits(rows: rows, width: width)
        let perRow = (width + 1) / 2
        let pairs = pairs
        Parallel.forRanges(count: rows) { _, range in
            ck_bf16_convert(x + range.lowerBound * width, range.count, width, pairs + range.lowerBound * perRow)
        }
        self.width = width
        convertedRows = rows
    }
}

/// bf16 values stored as their 16 bits (the KV cache of the `bf16` numerics).
public enum BFloat16Values {
    /// target[i] = bf16(source[i]), rounded to nearest even; `count` even (pairs are rounded together).
    public static func round(_ source: UnsafePointer<Float>, count: Int, into target: UnsafeMutablePointer<UInt16>) {
        precondition(count % 2 == 0, "bf16 rows are rounded in pairs")
        UnsafeMutableRawPointer(target).withMemoryRebound(to: UInt32.self, capacity: count / 2) {
            ck_bf16_convert(source, 1, count, $0)
        }
    }

    /// target[i] = source[i] as float32 (exact).
    public static func widen(_ source: UnsafePointer<UInt16>, count: Int, into target: UnsafeMutablePointer<Float>) {
        for i in 0..<count { target[i] = Float(bitPattern: UInt32(source[i]) << 16) }
    }
}
