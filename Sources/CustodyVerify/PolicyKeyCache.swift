import CFileStatus
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CustodyKeys
import CustodyOCI
import CustodyOpenPGP
import Synchronization

/// The trusted keys a policy's key files and key data hold, parsed once per evaluator.
///
/// containers/image reads key files at evaluation time, so that a key file replaced on disk takes
/// effect without reloading the policy; Custody does too, without parsing a file again while it
/// is unchanged. Each evaluation looks at every key file it needs once (`stat`); the parsed keys
/// are reused as long as the file's identity is the same: device, inode, size, modification and
/// status-change times (nanoseconds). A file that changes while it is read is used for that
/// evaluation but not kept. Key data (`keyData`, `keyDatas`) never changes and is parsed once.
///
/// Safe to share between concurrent evaluations.
final class PolicyKeyCache: Sendable {
    /// The largest key file read (the OpenPGP input limit).
    static let maxKeyFileBytes = OpenPGPLimits.maxInputBytes

    /// How a key file is read: as OpenPGP keys (`signedBy`, `gpgKeys`) or as one PEM public key
    /// (`sigstoreSigned`, `sigstoreKeys`).
    enum Kind: Hashable, Sendable {
        case openPGP
        case publicKey
    }

    /// The keys read from one file or data item, with their names for reports.
    enum Parsed: Sendable {
        case openPGP(OpenPGPKeyring, names: [String])
        case publicKey(PublicKey, name: String)
    }

    /// What one file or data item gave.
    enum Loaded: Sendable {
        /// Keys.
        case parsed(Parsed)
        /// The bytes were read but hold no usable key; the reason.
        case unusable(String)
        /// The file could not be read (I/O); the reason.
        case unreadable(String)
    }

    private struct FileKey: Hashable {
        let path: String
        let kind: Kind
    }

    private struct Entry {
        let identity: FileIdentity
        let loaded: Loaded
    }

    private let files = Mutex<[FileKey: Entry]>([:])
    private let data = Mutex<[DataKey: Loaded]>([:])

    init() {}

    /// The keys of the file at `path`, parsed again only when the file changed since last read.
    func load(path: String, kind: Kind) -> Loaded {
        let key = FileKey(path: path, kind: kind)
        let before = FileIdentity(path: path)
        if let before, let cached = files.withLock({ $0[key] }), cached.identity == before { return cached.loaded }
        let bytes: [UInt8]
        do {
            bytes = try FileReader.readAll(path: path, limit: Self.maxKeyFileBytes)
        } catch let error as OCIError {
            return .unreadable(error.reason)
        } catch {
            return .unreadable("cannot read \(path): \(error)")
        }
        let loaded = Self.parse(bytes, kind: kind)
        if let before, FileIdentity(path: path) == before {
            files.withLock { $0[key] = Entry(identity: before, loaded: loaded) }
        }
        return loaded
    }

    /// The keys of one `keyData` / `keyDatas` item.
    func load(data bytes: [UInt8], kind: Kind) -> Loaded {
        let key = DataKey(bytes: bytes, kind: kind)
        if let cached = data.withLock({ $0[key] }) { return cached }
        let loaded = Self.parse(bytes, kind: kind)
        data.withLock { $0[key] = loaded }
        return loaded
    }

    private static func parse(_ bytes: [UInt8], kind: Kind) -> Loaded {
        switch kind {
        case .openPGP:
            do {
                let keyring = try OpenPGPKeyring(bytes: bytes)
                return .parsed(.openPGP(keyring, names: keyring.fingerprints.map(KeyNames.fingerprint)))
            } catch {
                return .unusable(error.reason)
            }
        case .publicKey:
            do {
                let key = try PublicKey(pemEncoded: String(decoding: bytes, as: UTF8.self))
                return .parsed(.publicKey(key, name: key.keyID.hex))
            } catch let error as KeyError {
                return .unusable(error.reason)
            } catch {
                return .unusable("\(error)")
            }
        }
    }
}

/// Key data as a dictionary key: hashed by length and a sample of its bytes (cheap for key
/// blocks of several kilobytes), compared in full.
struct DataKey: Hashable, Sendable {
    let bytes: [UInt8]
    let kind: PolicyKeyCache.Kind

    func hash(into hasher: inout Hasher) {
        hasher.combine(kind)
        hasher.combine(bytes.count)
        for byte in bytes.prefix(32) { hasher.combine(byte) }
        for byte in bytes.suffix(32) { hasher.combine(byte) }
    }
}

/// What identifies one version of a file without reading it (device, inode, size, modification
/// and change times): a file replaced or rewritten gets another identity.
public struct FileIdentity: Hashable, Sendable {
    let device: UInt64
    let inode: UInt64
    let size: Int64
    let modified: Int64
    let modifiedNanoseconds: Int
    let changed: Int64
    let changedNanoseconds: Int

    /// The identity of the file at `path`, or nil when it cannot be examined.
    public init?(path: String) {
        var status = custody_file_status()
        guard custody_file_status_read(path, &status) == 0 else { return nil }
        device = status.device
        inode = status.inode
        size = status.size
        modified = status.modified_seconds
        modifiedNanoseconds = Int(status.modified_nanoseconds)
        changed = status.changed_seconds
        changedNanoseconds = Int(status.changed_nanoseconds)
    }
}

/// How keys are named in decision records.
enum KeyNames {
    private static let upperHex = Array("0123456789ABCDEF".utf8)

    /// An OpenPGP primary key fingerprint: uppercase hex, no spaces (as gpg prints it with
    /// `--with-colons`).
    static func fingerprint(_ fingerprint: Fingerprint) -> String {
        var out = [UInt8]()
        out.reserveCapacity(fingerprint.bytes.count * 2)
        for byte in fingerprint.bytes {
            out.append(upperHex[Int(byte >> 4)])
            out.append(upperHex[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
