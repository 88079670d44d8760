import Foundation

/// Reads UTF-8 text exactly as it is on disk. (Foundation's `String(data:encoding:)` drops a leading byte-order
/// mark, which llama.cpp tokenizes like any other character: three byte tokens for SmolLM2.)
public enum TextFile {
    public static func read(path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TextFileError.unreadable(path)
        }
        guard let text = String(validating: data, as: UTF8.self) else { throw TextFileError.notUTF8(path) }
        return text
    }
}

public enum TextFileError: Error, CustomStringConvertible {
    case unreadable(String)
    case notUTF8(String)

    public var description: String {
        switch self {
        case .unreadable(let path): "cannot read the text file \(path)"
        case .notUTF8(let path): "\(path) is not valid UTF-8 text"
        }
    }
}
