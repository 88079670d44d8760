import Foundation
import RunStore
import TestSupport
import Testing

/// What a user who mistypes a URL, or whose server is down, sees: a named error, from the library and from the
/// command line (with a non-zero exit), and the password never printed.
@Suite struct PostgresConnectionTests {
    func adminURL() throws -> String {
        try #require(TemporaryStore.postgresAdminURL, "run the tests with scripts/test.sh (CTXEVO_TEST_POSTGRES)")
    }

    @Test func badURLs() throws {
        for url in [
            "postgresql://127.0.0.1:5432/runs", "postgresql://me@/runs", "postgresql://me@host",
            "postgresql://me@host:0/runs",
            "postgresql://me@host/runs?sslmode=sometimes", "postgresql://me@host/runs?timeout=3",
        ] {
            #expect(throws: RunStoreError.self, "\(url)") {
                do { _ = try RunStores.open(url) } catch let error as RunStoreError {
                    guard case .badURL = error else { throw TestSetupError("\(url): \(error)") }
                    throw error
                }
            }
        }
        let url = try PostgresURL("postgresql://me:secret@db.example:6543/runs?sslmode=require", environment: [:])
        #expect(url.redacted == "postgresql://me@db.example:6543/runs?sslmode=require")
        #expect(url.password == "secret" && url.port == 6543 && url.tls == .require)
        #expect(try PostgresURL("postgres://me@h/runs", environment: ["PGPASSWORD": "p"]).password == "p")
    }

    @Test func aServerThatIsDownAndWrongCredentials() throws {
        let admin = try adminURL()
        // Nothing listens on a port that was just bound and closed.
        let down = TemporaryStore.url(admin, database: "postgres").replacingOccurrences(
            of: ":\(URLComponents(string: admin)!.port!)/", with: ":\(try closedPort())/")
        #expect {
            _ = try RunStores.open(down)
        } throws: { error in
            guard case .unreachable = error as? RunStoreError else { return false }
            return true
        }
        var components = URLComponents(string: admin)!
        components.password = "not-the-password"
        #expect {
            _ = try RunStores.open(components.string!)
        } throws: { error in
            guard case .authentication = error as? RunStoreError else { return false }
            return !"\(error)".contains("not-the-password")
        }
    }

    /// The command line: each failure is named, exits non-zero, and the password is not echoed.
    @Test func theCommandLineNamesEachFailure() throws {
        let admin = try adminURL()
        var wrong = URLComponents(string: admin)!
        wrong.password = "not-the-password"
        let cases: [(String, String)] = [
            ("postgresql://me@/runs", "is not a PostgreSQL URL"),
            (admin.replacingOccurrences(of: ":\(wrong.port!)/", with: ":\(try closedPort())/"), "cannot reach"),
            (wrong.string!, "refused the credentials"),
        ]
        // A database from a newer ctxevo
        let newer = try TemporaryStore(.postgres)
        defer { newer.remove() }
        _ = try newer.open()
        try newer.sql("INSERT INTO ctxevo_migrations VALUES ('v9: from the future', now())")
        let before = try newer.dump()
        for (url, message) in cases + [(newer.location, "was written by a newer ctxevo")] {
            let (status, output) = try ctxevo(["runs", "list", "--database", url])
            #expect(status != 0, "\(url)")
            #expect(output.contains(message), "\(output)")
            #expect(!output.contains("not-the-password"))
        }
        #expect(try newer.dump() == before)
    }

    func closedPort() throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        try withUnsafeMutablePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                guard bind(socket, raw, length) == 0, getsockname(socket, raw, &length) == 0 else {
                    throw TestSetupError("cannot bind a loopback port")
                }
            }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// The built command line (scripts/test.sh builds it first): exit status and standard output and error together.
func ctxevo(_ arguments: [String]) throws -> (Int32, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try ctxevoBinary())
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}
