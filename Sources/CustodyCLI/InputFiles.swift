import CustodyKeys
import CustodyOCI
import CustodyOpenPGP
import Foundation

/// Reading the files commands take: keys, passphrases, manifests, signatures; each with a size limit.
enum InputFiles {
    /// The largest key, signature or manifest file read.
    static let maxFileBytes = 4 * 1024 * 1024

    static func read(_ path: String, what: String, limit: Int = maxFileBytes) throws -> [UInt8] {
        do {
            return try FileReader.readAll(path: path, limit: limit)
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

    /// The passphrase of a cosign key, as cosign takes it: `--passphrase-file`, else `COSIGN_PASSWORD`.
    /// - Throws: when neither gives a non-empty passphrase.
    static func cosignPassphrase(_ passphraseFile: String?) throws -> [UInt8] {
        guard let passphrase = try passphrase(passphraseFile) ?? ProcessInfo.processInfo.environment["COSIGN_PASSWORD"].map({ Array($0.utf8) }),
            !passphrase.isEmpty
        else {
            throw KeyError(code: .invalidKey, reason: "a cosign key needs a passphrase: --passphrase-file or COSIGN_PASSWORD")
        }
        return passphrase
    }

    /// A signer for a private key file: PEM (PKCS#8, SEC1, PKCS#1) or cosign's encrypted format
    /// (`ENCRYPTED COSIGN PRIVATE KEY` / `ENCRYPTED SIGSTORE PRIVATE KEY`), unlocked with
    /// ``cosignPassphrase(_:)``. A wrong passphrase is an error before anything is written.
    static func signer(_ path: String, passphraseFile: String?) throws -> FileSigner {
        let text = String(decoding: try read(path, what: "private key file"), as: UTF8.self)
        do {
            if CosignPrivateKey.PEMType.allCases.contains(where: { text.contains("-----BEGIN \($0.rawValue)-----") }) {
                let key = try CosignPrivateKey(pem: text, passphrase: try cosignPassphrase(passphraseFile))
                return FileSigner(try PrivateKey(pkcs8DEREncoded: key.pkcs8DER))
            }
            return FileSigner(try PrivateKey(pemEncoded: text))
        } catch let error as CosignPrivateKeyError {
            throw KeyError(code: .invalidKey, reason: "private key file \(path): \(error)")
        } catch let error as KeyError {
            throw KeyError(code: error.code, reason: "private key file \(path): \(error.reason)")
        }
    }

    /// The public keys in PEM files (one key per file).
    static func publicKeys(_ paths: [String]) throws -> [PublicKey] {
        try paths.map { path in
            do {
                return try PublicKey(pemEncoded: String(decoding: try read(path, what: "public key file"), as: UTF8.self))
            } catch let error as KeyError {
                throw KeyError(code: error.code, reason: "public key file \(path): \(error.reason)")
            }
        }
    }
}
