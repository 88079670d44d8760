import Foundation

/// Writes GGUF bytes by hand, so tests can craft valid and corrupt files field by field.
struct GGUFBuilder {
    var bytes: [UInt8] = []

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    mutating func f32(_ v: Float) { u32(v.bitPattern) }
    mutating func string(_ s: String) {
        u64(UInt64(s.utf8.count))
        bytes += Array(s.utf8)
    }
    mutating func header(version: UInt32 = 3, tensors: UInt64, keys: UInt64) {
        bytes += Array("GGUF".utf8)
        u32(version)
        u64(tensors)
        u64(keys)
    }
    mutating func keyString(_ key: String, _ value: String) {
        string(key)
        u32(8)
        string(value)
    }
    mutating func keyU32(_ key: String, _ value: UInt32) {
        string(key)
        u32(4)
        u32(value)
    }
    mutating func tensor(_ name: String, dims: [UInt64], type: UInt32, offset: UInt64) {
        string(name)
        u32(UInt32(dims.count))
        for d in dims { u64(d) }
        u32(type)
        u64(offset)
    }
    mutating func align(_ alignment: Int = 32) {
        while bytes.count % alignment != 0 { bytes.append(0) }
    }

    /// A small valid file: one key, one F32 tensor of 8 values.
    static func valid() -> GGUFBuilder {
        var b = GGUFBuilder()
        b.header(tensors: 1, keys: 1)
        b.keyString("general.architecture", "llama")
        b.tensor("t", dims: [8], type: 0, offset: 0)
        b.align()
        for i in 0..<8 { b.f32(Float(i)) }
        return b
    }

    func write() throws -> String {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("ctxevo-test-\(UUID().uuidString).gguf").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }
}
