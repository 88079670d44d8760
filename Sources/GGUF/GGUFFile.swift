import Foundation

#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif

/// A GGUF file (the format of llama.cpp / ggml), memory-mapped and fully validated on open.
///
/// The layout, in order (all integers little-endian):
///  1. magic "GGUF", version (u32: 2 or 3), tensor count (u64), metadata key-value count (u64);
///  2. the key-value pairs: key (string), value type (u32), value; a string is a u64 byte length and UTF-8 bytes;
///     an array is an element type (u32), a u64 count and the elements;
///  3. the tensor table: name (string), dimension count (u32, at most 4), dimensions (u64 each, innermost
///     first: ne0 is the length of a row), ggml type (u32), data offset (u64, relative to the data section);
///  4. padding to `general.alignment` (default 32), then the data section, each tensor at an aligned offset.
///
/// Every count, length and offset is checked against the file size before it is used, so a truncated or hostile
/// file fails with a `GGUFError` and never causes a large allocation or an out-of-bounds read.
public final class GGUFFile: @unchecked Sendable {
    public let path: String
    public let version: UInt32
    public let metadata: [String: GGUFValue]
    /// Keys in file order (metadata is a dictionary for lookup).
    public let metadataKeys: [String]
    public let tensors: [GGUFTensorInfo]
    public let alignment: Int
    public let dataOffset: Int
    public let fileSize: Int

    private let base: UnsafeRawPointer
    private let tensorIndex: [String: Int]

    /// Opens and validates `path`. The file stays mapped (read-only, shared) for the lifetime of the object.
    public init(path: String) throws {
        self.path = path
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw GGUFError.cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw GGUFError.cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw GGUFError.cannotOpen(path: path, reason: "not a regular file")
        }
        let size = Int(status.st_size)
        guard size >= 4 else { throw GGUFError.notGGUF(path: path) }
        guard let mapped = mmap(nil, size, PROT_READ, MAP_SHARED, descriptor, 0), mapped != MAP_FAILED else {
            throw GGUFError.cannotOpen(path: path, reason: "mmap failed: " + String(cString: strerror(errno)))
        }
        fileSize = size
        base = UnsafeRawPointer(mapped)
        do {
            var reader = ByteReader(base: base, size: size)
            guard try reader.bytes(4, what: "magic").elementsEqual("GGUF".utf8) else {
                throw GGUFError.notGGUF(path: path)
            }
            version = try reader.u32("version")
            guard version == 2 || version == 3 else { throw GGUFError.unsupportedVersion(version) }
            let tensorCount = try reader.u64("tensor count")
            let keyCount = try reader.u64("metadata count")
            // Each key-value pair takes at least 8 + 4 bytes and each tensor entry at least 8 + 4 + 4 + 8.
            guard keyCount <= UInt64(size / 12) else {
                throw GGUFError.implausibleCount(what: "metadata", count: keyCount)
            }
            guard tensorCount <= UInt64(size / 24) else {
                throw GGUFError.implausibleCount(what: "tensor", count: tensorCount)
            }

            var metadata: [String: GGUFValue] = [:]
            var keys: [String] = []
            for _ in 0..<Int(keyCount) {
                let key = try reader.string("metadata key")
                let typeID = try reader.u32("value type of '\(key)'")
                let value = try reader.value(typeID: typeID, key: key, depth: 0)
                guard metadata[key] == nil else { throw GGUFError.duplicateKey(key) }
                metadata[key] = value
                keys.append(key)
            }
            self.metadata = metadata
            metadataKeys = keys

            var alignment = 32
            if let value = metadata["general.alignment"] {
                guard let a = value.integer, a > 0, a <= 1 << 20, a & (a - 1) == 0 else {
                    throw GGUFError.badAlignment(UInt64(value.integer ?? 0))
                }
                alignment = a
            }
            self.alignment = alignment

            var infos: [(name: String, dims: [Int], type: GGMLType, offset: UInt64)] = []
            for _ in 0..<Int(tensorCount) {
                let name = try reader.string("tensor name")
                let dimensionCount = try reader.u32("dimension count of '\(name)'")
                guard dimensionCount >= 1 && dimensionCount <= 4 else {
                    throw GGUFError.badDimensions(tensor: name, reason: "\(dimensionCount) dimensions (1 to 4 allowed)")
                }
                var dims: [Int] = []
                var elements = 1
                for _ in 0..<Int(dimensionCount) {
                    let d = try reader.u64("dimensions of '\(name)'")
                    guard d >= 1, d <= UInt64(Int32.max) else {
                        throw GGUFError.badDimensions(tensor: name, reason: "dimension \(d)")
                    }
                    let (product, overflow) = elements.multipliedReportingOverflow(by: Int(d))
                    guard !overflow, product <= size * 256 else {
                        throw GGUFError.badDimensions(tensor: name, reason: "too many elements for the file")
                    }
                    elements = product
                    dims.append(Int(d))
                }
                let typeID = try reader.u32("type of '\(name)'")
                guard let type = GGMLType.withID(typeID) else {
                    throw GGUFError.unknownTensorType(tensor: name, typeID: typeID)
                }
                let offset = try reader.u64("data offset of '\(name)'")
                infos.append((name, dims, type, offset))
            }
            dataOffset = (reader.offset + alignment - 1) / alignment * alignment

            var tensors: [GGUFTensorInfo] = []
            var index: [String: Int] = [:]
            for info in infos {
                guard index[info.name] == nil else { throw GGUFError.duplicateTensor(info.name) }
                guard info.offset % UInt64(alignment) == 0 else {
                    throw GGUFError.misalignedTensor(tensor: info.name, offset: info.offset, alignment: alignment)
                }
                guard let rowBytes = info.type.rowBytes(elements: info.dims[0]) else {
                    throw GGUFError.badDimensions(
                        tensor: info.name,
                        reason:
                            "row length \(info.dims[0]) is not a multiple of the \(info.type) block size \(info.type.blockElements)"
                    )
                }
                let rows = info.dims.dropFirst().reduce(1, *)
                let byteCount = rowBytes * rows
                guard info.offset <= UInt64(size) else {
                    throw GGUFError.tensorDataOutOfFile(tensor: info.name, start: size, end: size, fileSize: size)
                }
                let start = dataOffset + Int(info.offset)
                let (end, overflow) = start.addingReportingOverflow(byteCount)
                guard !overflow, start <= size, end <= size else {
                    throw GGUFError.tensorDataOutOfFile(
                        tensor: info.name, start: start, end: overflow ? Int.max : end, fileSize: size)
                }
                index[info.name] = tensors.count
                tensors.append(
                    GGUFTensorInfo(
                        name: info.name, dimensions: info.dims, type: info.type, fileOffset: start,
                        byteCount: byteCount))
            }
            let sorted = tensors.sorted { $0.fileOffset < $1.fileOffset }
            for (a, b) in zip(sorted, sorted.dropFirst()) where a.fileOffset + a.byteCount > b.fileOffset {
                throw GGUFError.overlappingTensors(a.name, b.name)
            }
            self.tensors = tensors
            tensorIndex = index
        } catch {
            munmap(mapped, size)
            throw error
        }
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: base), fileSize) }

    public func tensor(named name: String) -> GGUFTensorInfo? { tensorIndex[name].map { tensors[$0] } }

    /// The raw bytes of a tensor, inside the mapping (valid while `self` lives). Bounds were checked on open.
    public func data(of tensor: GGUFTensorInfo) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base + tensor.fileOffset, count: tensor.byteCount)
    }

    // MARK: Typed metadata access with named errors

    public func integer(_ key: String) throws -> Int { try typed(key, "an integer", \.integer) }
    public func number(_ key: String) throws -> Double { try typed(key, "a number", \.number) }
    public func string(_ key: String) throws -> String { try typed(key, "a string", \.string) }
    public func bool(_ key: String) throws -> Bool { try typed(key, "a bool", \.bool) }
    public func array(_ key: String) throws -> [GGUFValue] { try typed(key, "an array", \.array) }

    private func typed<T>(_ key: String, _ expected: String, _ extract: (GGUFValue) -> T?) throws -> T {
        guard let value = metadata[key] else { throw GGUFError.missingKey(key) }
        guard let typed = extract(value) else {
            throw GGUFError.wrongValueType(key: key, expected: expected, found: value.typeName)
        }
        return typed
    }
}

/// One entry of the tensor table, with its absolute, bounds-checked position in the file.
public struct GGUFTensorInfo: Sendable, Equatable {
    public let name: String
    /// ne0 (row length) first, as in the file.
    public let dimensions: [Int]
    public let type: GGMLType
    public let fileOffset: Int
    public let byteCount: Int

    public var elementCount: Int { dimensions.reduce(1, *) }
    public var rowLength: Int { dimensions[0] }
    public var rowCount: Int { elementCount / dimensions[0] }
}

/// Sequential little-endian reads over the mapping; each read checks the remaining length first.
struct ByteReader {
    let base: UnsafeRawPointer
    let size: Int
    var offset = 0

    init(base: UnsafeRawPointer, size: Int) {
        self.base = base
        self.size = size
    }

    mutating func bytes(_ count: Int, what: String) throws -> UnsafeRawBufferPointer {
        guard count >= 0, count <= size - offset else {
            throw GGUFError.truncated(what: what, offset: offset, needed: count, fileSize: size)
        }
        defer { offset += count }
        return UnsafeRawBufferPointer(start: base + offset, count: count)
    }

    mutating func load<T: FixedWidthInteger>(_ type: T.Type, _ what: String) throws -> T {
        let raw = try bytes(MemoryLayout<T>.size, what: what)
        return T(littleEndian: raw.loadUnaligned(as: T.self))
    }

    mutating func u32(_ what: String) throws -> UInt32 { try load(UInt32.self, what) }
    mutating func u64(_ what: String) throws -> UInt64 { try load(UInt64.self, what) }

    mutating func string(_ what: String) throws -> String {
        let length = try u64("length of \(what)")
        guard length <= UInt64(size - offset) else {
            throw GGUFError.truncated(what: what, offset: offset, needed: Int(clamping: length), fileSize: size)
        }
        let start = offset
        let raw = try bytes(Int(length), what: what)
        guard let text = String(validating: raw, as: UTF8.self) else {
            throw GGUFError.invalidString(what: what, offset: start)
        }
        return text
    }

    /// Minimum encoded size of one value of a type, used to reject array counts the file cannot hold.
    static func minimumSize(typeID: UInt32) -> Int {
        switch typeID {
        case 0, 1, 7: 1
        case 2, 3: 2
        case 4, 5, 6: 4
        case 8, 10, 11, 12: 8
        case 9: 12
        default: 1
        }
    }

    mutating func value(typeID: UInt32, key: String, depth: Int) throws -> GGUFValue {
        let what = "value of '\(key)'"
        switch typeID {
        case 0: return .uint8(try load(UInt8.self, what))
        case 1: return .int8(try load(Int8.self, what))
        case 2: return .uint16(try load(UInt16.self, what))
        case 3: return .int16(try load(Int16.self, what))
        case 4: return .uint32(try load(UInt32.self, what))
        case 5: return .int32(try load(Int32.self, what))
        case 6: return .float32(Float(bitPattern: try load(UInt32.self, what)))
        case 7:
            let b = try load(UInt8.self, what)
            return .bool(b != 0)
        case 8: return .string(try string(what))
        case 10: return .uint64(try load(UInt64.self, what))
        case 11: return .int64(try load(Int64.self, what))
        case 12: return .float64(Double(bitPattern: try load(UInt64.self, what)))
        case 9:
            // Nested arrays are legal but never deep in practice; the bound stops a hostile recursion.
            guard depth < 8 else { throw GGUFError.unknownValueType(key: key, typeID: typeID) }
            let elementType = try u32("element type of '\(key)'")
            guard elementType <= 12 else { throw GGUFError.unknownValueType(key: key, typeID: elementType) }
            let count = try u64("element count of '\(key)'")
            guard count <= UInt64((size - offset) / ByteReader.minimumSize(typeID: elementType)) else {
                throw GGUFError.implausibleCount(what: "array '\(key)' element", count: count)
            }
            var elements: [GGUFValue] = []
            elements.reserveCapacity(Int(count))
            for _ in 0..<Int(count) {
                elements.append(try value(typeID: elementType, key: key, depth: depth + 1))
            }
            return .array(elements)
        default:
            throw GGUFError.unknownValueType(key: key, typeID: typeID)
        }
    }
}
