import Crypto
import Foundation

/// SHA-256 fingerprints of the files a run reads and of the downloads `Assets` checks (swift-crypto, read in
/// chunks so a model of any size is hashed in constant memory). Lower-case hex, as `sha256sum` prints it.
public enum Digest {
    public static func sha256(file path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw AssetError.unreadable(path) }
        defer { try? handle.close() }
        var hasher = SHA256()
        while true {
            let chunk: Data?
            do { chunk = try handle.read(upToCount: 1 << 22) } catch { throw AssetError.unreadable(path) }
            guard let chunk, !chunk.isEmpty else { break }
            hasher.update(data: chunk)
        }
        return hex(hasher.finalize())
    }

    /// One digest per file, in order.
    public static func sha256(files paths: [String]) throws -> [String] {
        try paths.map { try sha256(file: $0) }
    }

    /// The digest of several files as one: sha256 of their digests, one per line, in order (what
    /// `sha256sum FILES | cut -d' ' -f1 | sha256sum` gives, so fingerprints recorded before stay valid).
    public static func sha256(combining paths: [String]) throws -> String {
        let lines = try sha256(files: paths).joined(separator: "\n") + "\n"
        return hex(SHA256.hash(data: Data(lines.utf8)))
    }

    /// The digest of bytes in memory (what a run generates rather than reads: problems, a projection).
    public static func sha256(data: Data) -> String {
        hex(SHA256.hash(data: data))
    }

    private static func hex(_ digest: SHA256.Digest) -> String {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}
