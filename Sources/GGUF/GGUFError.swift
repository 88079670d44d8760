/// Everything that can be wrong with a GGUF file, each case naming what and where.
public enum GGUFError: Error, CustomStringConvertible, Equatable {
    case cannotOpen(path: String, reason: String)
    case notGGUF(path: String)
    case unsupportedVersion(UInt32)
    case truncated(what: String, offset: Int, needed: Int, fileSize: Int)
    case implausibleCount(what: String, count: UInt64)
    case unknownValueType(key: String, typeID: UInt32)
    case invalidString(what: String, offset: Int)
    case duplicateKey(String)
    case duplicateTensor(String)
    case badDimensions(tensor: String, reason: String)
    case unknownTensorType(tensor: String, typeID: UInt32)
    case misalignedTensor(tensor: String, offset: UInt64, alignment: Int)
    case tensorDataOutOfFile(tensor: String, start: Int, end: Int, fileSize: Int)
    case overlappingTensors(String, String)
    case badAlignment(UInt64)
    case wrongValueType(key: String, expected: String, found: String)
    case missingKey(String)
    case missingTensor(String)
    case unsupportedTensorType(tensor: String, type: String)
    case wrongShape(tensor: String, expected: [Int], found: [Int])

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): "cannot open GGUF file \(path): \(reason)"
        case .notGGUF(let path): "\(path) is not a GGUF file (the magic bytes 'GGUF' are missing)"
        case .unsupportedVersion(let v): "GGUF version \(v) is not supported (ctxevo reads versions 2 and 3)"
        case .truncated(let what, let offset, let needed, let size):
            "GGUF file is truncated: \(what) needs \(needed) bytes at offset \(offset), but the file has \(size)"
        case .implausibleCount(let what, let count): "GGUF \(what) count \(count) is larger than the file can hold"
        case .unknownValueType(let key, let id): "GGUF metadata key '\(key)' has unknown value type \(id)"
        case .invalidString(let what, let offset): "GGUF \(what) at offset \(offset) is not valid UTF-8"
        case .duplicateKey(let key): "GGUF metadata has a duplicate key '\(key)'"
        case .duplicateTensor(let name): "GGUF tensor table has a duplicate tensor '\(name)'"
        case .badDimensions(let tensor, let reason): "GGUF tensor '\(tensor)' has bad dimensions: \(reason)"
        case .unknownTensorType(let tensor, let id): "GGUF tensor '\(tensor)' has unknown type id \(id)"
        case .misalignedTensor(let tensor, let offset, let alignment):
            "GGUF tensor '\(tensor)' data offset \(offset) is not a multiple of the alignment \(alignment)"
        case .tensorDataOutOfFile(let tensor, let start, let end, let size):
            "GGUF tensor '\(tensor)' data [\(start), \(end)) lies outside the file (\(size) bytes)"
        case .overlappingTensors(let a, let b): "GGUF tensors '\(a)' and '\(b)' overlap in the file"
        case .badAlignment(let a): "GGUF general.alignment \(a) is not a power of two between 1 and 2^20"
        case .wrongValueType(let key, let expected, let found):
            "GGUF metadata key '\(key)' should be \(expected) but is \(found)"
        case .missingKey(let key): "GGUF metadata key '\(key)' is missing"
        case .missingTensor(let name): "GGUF tensor '\(name)' is missing"
        case .unsupportedTensorType(let tensor, let type):
            "GGUF tensor '\(tensor)' has type \(type), which ctxevo cannot dequantise (supported: "
                + GGMLType.dequantisable.map(\.name).joined(separator: ", ") + ")"
        case .wrongShape(let tensor, let expected, let found):
            "GGUF tensor '\(tensor)' has shape \(found), expected \(expected)"
        }
    }
}
