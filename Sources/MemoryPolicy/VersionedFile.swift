import Foundation

/// A JSON file of ctxevo's that names its format and version (network, allocation and pause files): written sorted and
/// indented, read back with the format and the version checked before anything else.
public protocol VersionedFile: Codable {
    static var formatName: String { get }
    static var currentVersion: Int { get }
    var format: String { get }
    var version: Int { get }
}

extension VersionedFile {
    public func writeJSON(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try encoder.encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// The file at `path`, decoded, of this format and a version this ctxevo reads; otherwise `fail(problem)`.
    public static func decode(path: String, what: String, fail: (String) -> any Error) throws -> Self {
        guard let data = FileManager.default.contents(atPath: path) else { throw fail("cannot be read") }
        let file: Self
        do { file = try JSONDecoder().decode(Self.self, from: data) } catch {
            throw fail("is not a ctxevo \(what) file (\(error))")
        }
        guard file.format == formatName else { throw fail("has the format '\(file.format)', not '\(formatName)'") }
        guard file.version <= currentVersion, file.version >= 1 else {
            throw fail("is version \(file.version); this ctxevo reads versions 1 to \(currentVersion)")
        }
        return file
    }
}
