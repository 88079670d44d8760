import Foundation

/// SHA-256 fingerprints of the files a run reads (the system's `sha256sum`, as `Assets` checks downloads).
public enum Digest {
    public static func sha256(file path: String) throws -> String {
        try sha256(files: [path]).first ?? ""
    }

    /// One digest per file, in order.
    public static func sha256(files paths: [String]) throws -> [String] {
        guard !paths.isEmpty else { return [] }
        let output = try run(arguments: ["--"] + paths, input: nil)
        return output.split(separator: "\n").map { String($0.split(separator: " ").first ?? "") }
    }

    /// The digest of several files as one: sha256 of their digests, one per line, in order.
    public static func sha256(combining paths: [String]) throws -> String {
        let lines = try sha256(files: paths).joined(separator: "\n") + "\n"
        return String(try run(arguments: [], input: Data(lines.utf8)).split(separator: " ").first ?? "")
    }

    private static func run(arguments: [String], input: Data?) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sha256sum"] + arguments
        let output = Pipe()
        let errors = Pipe()
        let feed = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = input == nil ? FileHandle.nullDevice : feed
        do { try process.run() } catch { throw AssetError.toolMissing("sha256sum") }
        if let input {
            feed.fileHandleForWriting.write(input)
            try? feed.fileHandleForWriting.close()
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw AssetError.commandFailed(
                command: (["sha256sum"] + arguments).joined(separator: " "),
                message: String(decoding: message, as: UTF8.self))
        }
        return String(decoding: data, as: UTF8.self)
    }
}
