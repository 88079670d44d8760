import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A minimal HTTP/1.1 client over a POSIX socket to 127.0.0.1, for the dashboard's tests: no proxy settings of
/// the machine apply, and a streamed response (server-sent events) is read for a bounded time.
public enum PlainHTTP {
    public struct Reply: Sendable {
        public let status: Int
        public let head: String
        public let body: String
    }

    public enum Failure: Error, CustomStringConvertible {
        case connect(Int32)
        case malformed(String)

        public var description: String {
            switch self {
            case .connect(let code): "cannot connect to 127.0.0.1 (errno \(code))"
            case .malformed(let text): "not an HTTP reply: \(text.prefix(200))"
            }
        }
    }

    /// Sends one request and reads until the server closes the connection, `enough` says the text received so far
    /// is enough (a stream), or `readFor` seconds have passed (generous: a loaded machine answers late).
    public static func request(
        _ method: String = "GET", port: Int, path: String, headers: [String: String] = [:], readFor: Double = 120,
        enough: (String) -> Bool = { _ in false }
    ) throws -> Reply {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure.connect(errno) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw Failure.connect(errno) }
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var text = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        text += (method == "GET" ? "" : "Content-Length: 2\r\n") + "\r\n" + (method == "GET" ? "" : "{}")
        _ = text.withCString { send(fd, $0, strlen($0), 0) }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        let deadline = Date().addingTimeInterval(readFor)
        while Date() < deadline {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n > 0 {
                received += buffer[0..<n]
                if enough(String(decoding: received, as: UTF8.self)) { break }
            } else if n == 0 {
                break
            }
        }
        let reply = String(decoding: received, as: UTF8.self)
        guard let split = reply.range(of: "\r\n\r\n"), reply.hasPrefix("HTTP/1.1 "),
            let status = Int(reply.dropFirst(9).prefix(3))
        else { throw Failure.malformed(reply) }
        return Reply(status: status, head: String(reply[..<split.lowerBound]), body: String(reply[split.upperBound...]))
    }
}
