import CKernels

/// Q4_1 weights packed for integer products with Q8_1 activations (`ck_q4_1_q8_1_gemm`: AVX2 vpmaddubsw, or AVX-512
/// VNNI vpdpbusd where the CPU has it, the same bits): the arithmetic of llama.cpp's CPU backend, where the integer
/// sums are exact and only the per-block scaling is in float. On this project's CPUs the AVX2 integer loop runs about
/// twice the multiply-adds per second of float FMA (see results/int8-vs-fma.txt).
public final class PackedQ4_1: @unchecked Sendable {
    /// Whether this CPU runs the AVX-512 VNNI kernel.
    public static var avx512VNNI: Bool { ck_int8_avx512vnni_supported() != 0 }

    public let rows: Int
    public let columns: Int
    private let packed: UnsafeMutableRawPointer
    private let scales: UnsafeMutablePointer<Float>
    private let minimums: UnsafeMutablePointer<Float>

    /// `raw`: the GGUF Q4_1 blocks of a (rows, columns) matrix; nil unless rows % 8 == 0 and columns % 32 == 0.
    public init?(raw: UnsafeRawPointer, rows: Int, columns: Int) {
        guard rows > 0, rows % 8 == 0, columns > 0, columns % 32 == 0 else { return nil }
        self.rows = rows
        self.columns = columns
        packed = .allocate(byteCount: rows * columns, alignment: 32)
        let blocks = rows * columns / 32
        scales = UnsafeMutableRawPointer.allocate(byteCount: blocks * 4, alignment: 32).bindMemory(
            to: Float.self, capacity: blocks)
        minimums = UnsafeMutableRawPointer.allocate(byteCount: blocks * 4, alignment: 32).bindMemory(
            to: Float.self, capacity: blocks)
        ck_q4_1_pack(
            raw.assumingMemoryBound(to: UInt8.self), rows, columns, packed.assumingMemoryBound(to: UInt8.self),
            scales, minimums)
    }

    deinit {
        packed.deallocate()
        scales.deallocate()
        minimums.deallocate()
    }

    /// y (tokens x rows, row stride ldy) = (or += when `accumulate`) the activations times this matrix transposed,
    /// the groups of 8 output rows split across the workers. `avx512VNNI: false` runs the AVX2 kernel even where the
    /// CPU has VNNI (for tests).
    public func multiply(
        _ x: Q8Activations, tokens: Int, into y: UnsafeMutablePointer<Float>, ldy: Int? = nil,
        accumulate: Bool = false, avx512VNNI: Bool = true
    ) {
        precondition(x.width == columns && tokens <= x.quantizedRows, "activations of another width or fewer rows")
        let ldy = ldy ?? rows
        Parallel.forRanges(count: rows / 8, granule: 8) { _, groups in
            ck_q4_1_q8_1_gemm_with(
                avx512VNNI ? 1 : 0, packed.assumingMemoryBound(to: UInt8.self), scales, minimums, columns,
                groups.lowerBound, groups.upperBound, x.values, x.scales, x.sums, tokens, y, ldy, accumulate ? 1 : 0)
        }
    }
}

/// Activations quantised as ggml's Q8_1 (per 32 values: f16 scale amax / 127, 8-bit values, f16 scaled sum), the
/// input of `PackedQ4_1.multiply`.
public final class Q8Activations {
    public let capacity: Int
    public private(set) var width = 0
    public private(set) var quantizedRows = 0
    let values: UnsafeMutablePointer<Int8>
    let scales: UnsafeMutablePointer<Float>
    let sums: UnsafeMutablePointer<Float>

    /// Room for `capacity` values (rows x width).
    public init(capacity: Int) {
        self.capacity = capacity
        values = .allocate(capacity: capacity)
        scales = .allocate(capacity: capacity / 32 + 1)
        sums = .allocate(capacity: capacity / 32 + 1)
    }

    deinit {
        values.deallocate()
        scales.deallocate()
        sums.deallocate()
    }

    /// Quantises `rows` x `width` values (width % 32 == 0), the rows split across the workers.
    public func quantize(_ x: UnsafePointer<Float>, rows: Int, width: Int) {
        precondition(width % 32 == 0 && rows * width <= capacity, "Q8_1 needs whole blocks within the capacity")
        let (values, scales, sums) = (values, scales, sums)
        Parallel.forRanges(count: rows) { _, range in
            ck_q8_1_quantize(
                x + range.lowerBound * width, range.count, width, values + range.lowerBound * width,
                scales + range.lowerBound * (width / 32), sums + range.lowerBound * (width / 32))
        }
        self.width = width
        quantizedRows = rows
    }
}
