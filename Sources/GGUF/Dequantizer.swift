import Arithmetic

/// Turns ggml tensor data into float32, one block at a time. The block layouts are those of ggml-quants.c
/// (`block_q4_0` ... `block_q6_K`); each function below names its layout and formula.
public enum Dequantizer {
    /// Dequantises `tensor` from `file` into a new buffer of `tensor.elementCount` floats (row-major, ne0 fastest).
    public static func floats(of tensor: GGUFTensorInfo, in file: GGUFFile) throws -> FloatBuffer {
        guard GGMLType.dequantisable.contains(tensor.type) else {
            throw GGUFError.unsupportedTensorType(tensor: tensor.name, type: tensor.type.name)
        }
        let out = FloatBuffer(count: tensor.elementCount, zeroed: false)
        let data = file.data(of: tensor)
        let blocks = tensor.elementCount / tensor.type.blockElements
        let type = tensor.type
        Parallel.forRanges(count: blocks, granule: 256) { _, range in
            for block in range {
                decode(
                    type: type, block: data.baseAddress! + block * type.blockBytes,
                    into: out.pointer + block * type.blockElements)
            }
        }
        return out
    }

    /// The block minimums m of a Q4_1 or Q5_1 tensor, one per 32 values (rows, rowLength / 32); nil for other types.
    public static func blockMinimums(of tensor: GGUFTensorInfo, in file: GGUFFile) throws -> FloatBuffer? {
        guard tensor.type == .q4_1 || tensor.type == .q5_1 else { return nil }
        let data = file.data(of: tensor)
        let blocks = tensor.elementCount / 32
        let out = FloatBuffer(count: blocks, zeroed: false)
        for block in 0..<blocks { out[block] = half(data.baseAddress! + block * tensor.type.blockBytes, 2) }
        return out
    }

    /// Dequantises one block of `type` at `block` into `type.blockElements` floats.
    @inline(__always)
    public static func decode(type: GGMLType, block: UnsafeRawPointer, into y: UnsafeMutablePointer<Float>) {
        switch type.id {
        case GGMLType.f32.id: y[0] = block.loadUnaligned(as: Float.self)
        case GGMLType.f16.id: y[0] = half(block, 0)
        case GGMLType.bf16.id: y[0] = HalfPrecision.float(fromBFloat16: block.loadUnaligned(as: UInt16.self))
        case GGMLType.q4_0.id: q4_0(block, y)
        case GGMLType.q4_1.id: q4_1(block, y)
        case GGMLType.q5_0.id: q5_0(block, y)
        case GGMLType.q5_1.id: q5_1(block, y)
        case GGMLType.q8_0.id: q8_0(block, y)
        case GGMLType.q4_K.id: q4_K(block, y)
        case GGMLType.q5_K.id: q5_K(block, y)
        case GGMLType.q6_K.id: q6_K(block, y)
        default: break  // unreachable: callers check `dequantisable`
        }
    }

    @inline(__always)
    static func half(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
        HalfPrecision.float(fromHalf: UInt16(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
    }

    @inline(__always)
    static func byte(_ p: UnsafeRawPointer, _ offset: Int) -> Int {
        Int(p.load(fromByteOffset: offset, as: UInt8.self))
    }

    /// block_q4_0 { f16 d; u8 qs[16] }: y[j] = (lo4(qs[j]) - 8) d, y[j+16] = (hi4(qs[j]) - 8) d.
    static func q4_0(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(b, 0)
        for j in 0..<16 {
            let q = byte(b, 2 + j)
            y[j] = Float((q & 0xF) - 8) * d
            y[j + 16] = Float((q >> 4) - 8) * d
        }
    }

    /// block_q4_1 { f16 d, m; u8 qs[16] }: y = q d + m, low nibbles first.
    static func q4_1(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(b, 0)
        let m = half(b, 2)
        for j in 0..<16 {
            let q = byte(b, 4 + j)
            y[j] = Float(q & 0xF) * d + m
            y[j + 16] = Float(q >> 4) * d + m
        }
    }

    /// block_q5_0 { f16 d; u32 qh; u8 qs[16] }: the fifth bit of value j is bit j of qh (j+16: bit j+16).
    static func q5_0(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(b, 0)
        let qh = Int(UInt32(littleEndian: b.loadUnaligned(fromByteOffset: 2, as: UInt32.self)))
        for j in 0..<16 {
            let q = byte(b, 6 + j)
            let high0 = ((qh >> j) << 4) & 0x10
            let high1 = (qh >> (j + 12)) & 0x10
            y[j] = Float(((q & 0xF) | high0) - 16) * d
            y[j + 16] = Float(((q >> 4) | high1) - 16) * d
        }
    }

    /// block_q5_1 { f16 d, m; u32 qh; u8 qs[16] }: as q5_0 without the offset, plus m.
    static func q5_1(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(b, 0)
        let m = half(b, 2)
        let qh = Int(UInt32(littleEndian: b.loadUnaligned(fromByteOffset: 4, as: UInt32.self)))
        for j in 0..<16 {
            let q = byte(b, 8 + j)
            let high0 = ((qh >> j) << 4) & 0x10
            let high1 = (qh >> (j + 12)) & 0x10
            y[j] = Float((q & 0xF) | high0) * d + m
            y[j + 16] = Float((q >> 4) | high1) * d + m
        }
    }

    /// block_q8_0 { f16 d; i8 qs[32] }: y = q d.
    static func q8_0(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(b, 0)
        for j in 0..<32 { y[j] = Float(b.load(fromByteOffset: 2 + j, as: Int8.self)) * d }
    }

    /// The 6-bit scale and min of sub-block j of a Q4_K / Q5_K super-block (get_scale_min_k4).
    @inline(__always)
    static func scaleMin(_ j: Int, _ scales: UnsafeRawPointer) -> (Float, Float) {
        if j < 4 {
            return (Float(byte(scales, j) & 63), Float(byte(scales, j + 4) & 63))
        }
        let scale = (byte(scales, j + 4) & 0xF) | ((byte(scales, j - 4) >> 6) << 4)
        let minimum = (byte(scales, j + 4) >> 4) | ((byte(scales, j) >> 6) << 4)
        return (Float(scale), Float(minimum))
    }

    /// block_q4_K { f16 d, dmin; u8 scales[12]; u8 qs[128] }: 8 sub-blocks of 32, y = d sc q - dmin m.
    static func q4_K(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(b, 0)
        let dmin = half(b, 2)
        let scales = b + 4
        var q = b + 16
        var out = y
        for pair in 0..<4 {
            let (sc1, m1) = scaleMin(2 * pair, scales)
            let (sc2, m2) = scaleMin(2 * pair + 1, scales)
            let d1 = d * sc1
            let min1 = dmin * m1
            let d2 = d * sc2
            let min2 = dmin * m2
            for l in 0..<32 { out[l] = d1 * Float(byte(q, l) & 0xF) - min1 }
            for l in 0..<32 { out[32 + l] = d2 * Float(byte(q, l) >> 4) - min2 }
            q += 32
            out += 64
        }
    }

    /// block_q5_K { f16 d, dmin; u8 scales[12]; u8 qh[32]; u8 qs[128] }: as Q4_K with a fifth bit from qh.
    static func q5_K(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(b, 0)
        let dmin = half(b, 2)
        let scales = b + 4
        let qh = b + 16
        var ql = b + 48
        var out = y
        var u1 = 1
        var u2 = 2
        for pair in 0..<4 {
            let (sc1, m1) = scaleMin(2 * pair, scales)
            let (sc2, m2) = scaleMin(2 * pair + 1, scales)
            let d1 = d * sc1
            let min1 = dmin * m1
            let d2 = d * sc2
            let min2 = dmin * m2
            for l in 0..<32 {
                out[l] = d1 * Float((byte(ql, l) & 0xF) + (byte(qh, l) & u1 != 0 ? 16 : 0)) - min1
            }
            for l in 0..<32 {
                out[32 + l] = d2 * Float((byte(ql, l) >> 4) + (byte(qh, l) & u2 != 0 ? 16 : 0)) - min2
            }
            ql += 32
            out += 64
            u1 <<= 2
            u2 <<= 2
        }
    }

    /// block_q6_K { u8 ql[128]; u8 qh[64]; i8 scales[16]; f16 d }: 16 sub-blocks of 16, 6-bit values - 32.
    static func q6_K(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(b, 208)
        var ql = b
        var qh = b + 128
        var sc = b + 192
        var out = y
        for _ in 0..<2 {
            for l in 0..<32 {
                let s = l / 16
                let h = byte(qh, l)
                let q1 = ((byte(ql, l) & 0xF) | ((h & 3) << 4)) - 32
                let q2 = ((byte(ql, l + 32) & 0xF) | (((h >> 2) & 3) << 4)) - 32
                let q3 = ((byte(ql, l) >> 4) | (((h >> 4) & 3) << 4)) - 32
                let q4 = ((byte(ql, l + 32) >> 4) | (((h >> 6) & 3) << 4)) - 32
                out[l] = d * Float(sc.load(fromByteOffset: s, as: Int8.self)) * Float(q1)
                out[l + 32] = d * Float(sc.load(fromByteOffset: s + 2, as: Int8.self)) * Float(q2)
                out[l + 64] = d * Float(sc.load(fromByteOffset: s + 4, as: Int8.self)) * Float(q3)
                out[l + 96] = d * Float(sc.load(fromByteOffset: s + 6, as: Int8.self)) * Float(q4)
            }
            out += 128
            ql += 64
            qh += 32
            sc += 8
        }
    }
}
