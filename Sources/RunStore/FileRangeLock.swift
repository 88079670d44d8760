import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The coordinator lock of the SQLite store: a write lock on one byte (the run id) of a file beside the database,
/// `<database>-coordinators`. It is an open-file-description lock (Linux `F_OFD_SETLK`): it belongs to this open
/// file, not to the process, so two stores in one process exclude each other too, and the kernel drops it when the
/// process ends, however it ends, so the next coordinator can take over at once.
final class FileRangeLock: CoordinatorLock {
    private let descriptor: Mutex<Int32?>
    let acquired: Bool

    /// `F_OFD_SETLK` of <fcntl.h> (Linux 3.15 and later), which Swift's Glibc module does not export.
    static let setOpenFileDescriptionLock: Int32 = 37

    init(path: String, byte: Int64, location: String) throws {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw RunStoreError.database(
                location, "cannot open the lock file \(path): \(String(cString: strerror(errno)))")
        }
        var lock = flock()
        lock.l_type = Int16(F_WRLCK)
        lock.l_whence = Int16(SEEK_SET)
        lock.l_start = off_t(byte)
        lock.l_len = 1
        lock.l_pid = 0
        #if os(Linux)
            let command = FileRangeLock.setOpenFileDescriptionLock
        #else
            let command = F_SETLK
        #endif
        acquired = fcntl(fd, command, &lock) == 0
        if acquired {
            descriptor = Mutex(fd)
        } else {
            close(fd)
            descriptor = Mutex(nil)
        }
    }

    /// A file lock cannot be lost while its descriptor is open.
    func check() throws {}

    func release() {
        descriptor.withLock { fd in
            if let open = fd { close(open) }
            fd = nil
        }
    }

    deinit { release() }
}
