import CustodyOCI
import CustodyOpenPGP
import Foundation

/// Reading the files commands take: keys, passphrases, manifests, signatures; each with a size limit.
enum InputFiles {
    /// The largest key, signature or manifest file read.
    static let maxFileBytes = 4 * 1024 * 1024

    static func read(_ path: String, what: String) throws -> [UInt8] {
        do {
            return try FileReader.readAll(path: path, limit: maxFileBytes)
        } catch let error as OCIError {
            throw OCIError(code: error.code, reason: "\(what): \(error.reason)")
        }
    }

    /// A passphrase file: its content without one trailing newline. Newlines inside are refused,
    /// as containers/image refuses them.
    static func passphrase(_ path: String?) throws -> [UInt8]? {
        guard let path else { return nil }
        var bytes = try read(path, what: "passphrase file")
        if bytes.last == 0x0A { bytes.removeLast() }
        if bytes.last == 0x0D { bytes.removeLast() }
        guard !bytes.contains(0x0A) else {
            throw OCIError(code: .invalidManifest, reason: "passphrase file \(path): a passphrase must be one line")
        }
        return bytes
    }

    /// A keyring made of every public key file given.
    static func keyring(_ paths: [String]) throws -> OpenPGPKeyring {
        var keyring = OpenPGPKeyring()
        for path in paths {
            do {
                keyring.add(try OpenPGPKeyring(bytes: try read(path, what: "public key file")))
            } catch let error as OpenPGPError {
                throw OpenPGPError(error.code, "public key file \(path): \(error.reason)")
            }
        }
        return keyring
    }

    /// A secret key from a file, unlocked with the passphrase file if given.
    static func secretKey(_ path: String, passphraseFile: String?, fingerprint: Fingerprint? = nil) throws -> OpenPGPSecretKey {
        do {
            return try OpenPGPSecretKey(bytes: try read(path, what: "secret key file"), passphrase: try passphrase(passphraseFile), fingerprint: fingerprint)
        } catch let error as OpenPGPError {
            throw OpenPGPError(error.code, "secret key file \(path): \(error.reason)")
        }
    }
}
