import Foundation

/// Writes a GGUF file (version 3, the layout `GGUFFile` reads): header, metadata in the given order, the tensor
/// table, and each tensor's bytes at an offset aligned to `alignment`. The file is written next to its
/// destination and renamed into place, so a reader never sees half a file.
public struct GGUFWriter {
    /// A tensor to write: its name, dimensions (ne0 first), type and raw bytes (ggml's block layout).
    public struct Tensor {
        public let name: String
        public let dimensions: [Int]
        public let type: GGMLType
        public let bytes: UnsafeRawBufferPointer

        public init(name: String, dimensions: [Int], type: GGMLType, bytes: UnsafeRawBufferPointer) {
            self.name = name
            self.dimensions = dimensions
            self.type = type
            self.bytes = bytes
        }
    }

    public var metadata: [(key: String, value: GGUFValue)] = []
    public var tensors: [Tensor] = []
    public var alignment = 32

    public init() {}

    /// Sets `key`, in place when it exists (keeping the file's order), at the end otherwise.
    public mutating func set(_ key: String, _ value: GGUFValue) {
        if let index = metadata.firstIndex(where: { $0.key == key }) {
            metadata[index].value = value
        } else {
            metadata.append((key, value))
        }
    }

    public func write(to path: String) throws {
        var header = ByteWriter()
        header.bytes += Array("GGUF".utf8)
        header.u32(3)
        header.u64(UInt64(tensors.count))
        header.u64(UInt64(metadata.count))
        for (key, value) in metadata {
            header.string(key)
            header.u32(GGUFWriter.typeID(of: value))
            header.value(value)
        }
        var offsets: [Int] = []
        var offset = 0
        for tensor in tensors {
            guard let rowBytes = tensor.type.rowBytes(elements: tensor.dimensions[0]),
                rowBytes * tensor.dimensions.dropFirst().reduce(1, *) == tensor.bytes.count
            else {
                throw GGUFError.badDimensions(
                    tensor: tensor.name, reason: "\(tensor.bytes.count) bytes do not match the shape")
            }
            offsets.append(offset)
            offset += (tensor.bytes.count + alignment - 1) / alignment * alignment
        }
        for (tensor, offset) in zip(tensors, offsets) {
            header.string(tensor.name)
            header.u32(UInt32(tensor.dimensions.count))
            for d in tensor.dimensions { header.u64(UInt64(d)) }
            header.u32(tensor.type.id)
            header.u64(UInt64(offset))
        }
        header.pad(to: alignment)

        let temporary = path + ".partial-\(ProcessInfo.processInfo.processIdentifier)"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(header.bytes)) else {
            throw GGUFError.cannotOpen(path: temporary, reason: "cannot create the file")
        }
        do {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: temporary))
            defer { try? handle.close() }
            try handle.seekToEnd()
            for tensor in tensors {
                try handle.write(contentsOf: Data(tensor.bytes))
                let padding = (alignment - tensor.bytes.count % alignment) % alignment
                if padding > 0 { try handle.write(contentsOf: Data(count: padding)) }
            }
            try handle.synchronize()
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw GGUFError.cannotOpen(path: path, reason: "writing failed: \(error.localizedDescription)")
        }
        if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
        try FileManager.default.moveItem(atPath: temporary, toPath: path)
    }

    static func typeID(of value: GGUFValue) -> UInt32 {
        switch value {
        case .uint8: 0
        case .int8: 1
        case .uint16: 2
        case .int16: 3
        case .uint32: 4
        case .int32: 5
        case .float32: 6
        case .bool: 7
        case .string: 8
        case .array: 9
        case .uint64: 10
        case .int64: 11
        case .float64: 12
        }
    }
}

/// Little-endian encoding of the GGUF primitives.
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    mutating func string(_ s: String) {
        u64(UInt64(s.utf8.count))
        bytes += Array(s.utf8)
    }
    mutating func pad(to alignment: Int) {
        while bytes.count % alignment != 0 { bytes.append(0) }
    }

    mutating func value(_ value: GGUFValue) {
        switch value {
        case .uint8(let v): bytes.append(v)
        case .int8(let v): bytes.append(UInt8(bitPattern: v))
        case .uint16(let v): withUnsafeBytes(of: v.littleEndian) { bytes += $0 }
        case .int16(let v): withUnsafeBytes(of: v.littleEndian) { bytes += $0 }
        case .uint32(let v): u32(v)
        case .int32(let v): withUnsafeBytes(of: v.littleEndian) { bytes += $0 }
        case .float32(let v): u32(v.bitPattern)
        case .bool(let v): bytes.append(v ? 1 : 0)
        case .string(let s): string(s)
        case .uint64(let v): u64(v)
        case .int64(let v): withUnsafeBytes(of: v.littleEndian) { bytes += $0 }
        case .float64(let v): u64(v.bitPattern)
        case .array(let elements):
            // The element type is the first element's (an empty array is written as one of uint8).
            u32(elements.first.map(GGUFWriter.typeID(of:)) ?? 0)
            u64(UInt64(elements.count))
            for element in elements { self.value(element) }
        }
    }
}
