import Crypto
import CustodyJSON
import CustodyKeys
import CustodyLog
import CustodyLogServer
import CustodyTestSupport
import CustodyTransparency
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A LogServer on 127.0.0.1 (a free port) over a real SQLite file, for the length of one test.
struct RunningLog {
    let port: Int
    let logKey: NoteVerifierKey
    let directory: TemporaryDirectory
    let serverTask: Task<Void, any Error>
    let storage: SQLiteLogStorage

    static let logName = "log.custody.test"

    static func start(maxRequestBytes: Int = 64 * 1024) async throws -> RunningLog {
        let directory = try TemporaryDirectory()
        let storage = try await SQLiteLogStorage(path: directory.file("log.sqlite"))
        let signingKey = FileSigner(try PrivateKey.generate(.ed25519))
        let server = try await LogServer(
            configuration: LogServerConfiguration(host: "127.0.0.1", port: 0, maxRequestBytes: maxRequestBytes),
            storage: storage, logName: logName, signingKey: signingKey,
            sequencer: LogSequencer.Configuration(batchInterval: .milliseconds(20)))
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let task = Task {
            try await server.run(handlingSignals: false) { port in continuation.yield(port) }
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw TestSupportError("the server did not start") }
        let logKey = try NoteVerifierKey(name: logName, publicKey: signingKey.publicKey)
        return RunningLog(port: port, logKey: logKey, directory: directory, serverTask: task, storage: storage)
    }

    func stop() async {
        serverTask.cancel()
        _ = try? await serverTask.value
        try? await storage.close()
        directory.remove()
    }

    struct Answer {
        let status: Int
        let headers: [String: String]
        let body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
        func json() throws -> JSONObject {
            guard case .object(let object) = try JSONParser().parse(body) else { throw TestSupportError("not an object: \(text)") }
            return object
        }
        func header(_ name: String) -> String? {
            headers.first { $0.key.lowercased() == name.lowercased() }?.value
        }
    }

    func request(_ method: String, _ path: String, body: [UInt8]? = nil) async throws -> Answer {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        if let body {
            request.httpBody = Data(body)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        var headers: [String: String] = [:]
        for (key, value) in http.allHeaderFields { headers["\(key)"] = "\(value)" }
        return Answer(status: http.statusCode, headers: headers, body: Array(data))
    }

    func get(_ path: String) async throws -> Answer { try await request("GET", path) }
    func post(_ json: String) async throws -> Answer { try await request("POST", "/api/v2/log/entries", body: Array(json.utf8)) }
}

/// A hashedRekordRequestV002 signed with a real key.
struct SignedRequest {
    let digest: [UInt8]
    let signature: [UInt8]
    let publicKey: [UInt8]
    let keyDetails: String

    static func make(_ type: KeyType, artifact: [UInt8] = Array("artifact \(UUID())".utf8)) throws -> SignedRequest {
        let key = try PrivateKey.generate(type)
        switch type {
        case .ecdsaP256:
            return SignedRequest(
                digest: Array(SHA256.hash(data: artifact)), signature: try key.sign(artifact, algorithm: .ecdsaP256SHA256),
                publicKey: key.publicKey.derRepresentation, keyDetails: "PKIX_ECDSA_P256_SHA_256")
        case .ecdsaP384:
            return SignedRequest(
                digest: Array(SHA384.hash(data: artifact)), signature: try key.sign(artifact, algorithm: .ecdsaP384SHA384),
                publicKey: key.publicKey.derRepresentation, keyDetails: "PKIX_ECDSA_P384_SHA_384")
        case .ecdsaP521:
            return SignedRequest(
                digest: Array(SHA512.hash(data: artifact)), signature: try key.sign(artifact, algorithm: .ecdsaP521SHA512),
                publicKey: key.publicKey.derRepresentation, keyDetails: "PKIX_ECDSA_P521_SHA_512")
        case .rsa2048, .rsa3072, .rsa4096:
            let bits = type == .rsa2048 ? 2048 : type == .rsa3072 ? 3072 : 4096
            return SignedRequest(
                digest: Array(SHA256.hash(data: artifact)), signature: try key.sign(artifact, algorithm: .rsaPKCS1SHA256),
                publicKey: key.publicKey.derRepresentation, keyDetails: "PKIX_RSA_PKCS1V15_\(bits)_SHA256")
        case .ed25519:
            return SignedRequest(
                digest: Array(SHA256.hash(data: artifact)), signature: try key.sign(Array(SHA256.hash(data: artifact)), algorithm: .ed25519),
                publicKey: key.publicKey.derRepresentation, keyDetails: "PKIX_ED25519")
        }
    }

    /// A request signed with a new Ed25519 key as Ed25519ph over the artifact's SHA-512 digest.
    static func ed25519ph(artifact: [UInt8] = Array("artifact \(UUID())".utf8)) throws -> SignedRequest {
        let key = try PrivateKey.generate(.ed25519)
        return SignedRequest(
            digest: Array(SHA512.hash(data: artifact)), signature: try Ed25519ph.sign(artifact: artifact, with: key),
            publicKey: key.publicKey.derRepresentation, keyDetails: "PKIX_ED25519_PH")
    }

    func json(digest: String? = nil, signature: String? = nil, keyDetails: String? = nil, verifier: String? = nil, extra: String = "") -> String {
        let verifierJSON = verifier ?? #"{"publicKey":{"rawBytes":"\#(b64(publicKey))"},"keyDetails":"\#(keyDetails ?? self.keyDetails)"}"#
        return #"{"hashedRekordRequestV002":{"digest":"\#(digest ?? b64(self.digest))","signature":{"content":"\#(signature ?? b64(self.signature))","verifier":\#(verifierJSON)}\#(extra)}}"#
    }

    /// The entry Rekor v2 makes, written out by hand (keys in RFC 8785 order).
    var expectedBody: String {
        let algorithm = ["PKIX_ECDSA_P384_SHA_384": "SHA2_384", "PKIX_ECDSA_P521_SHA_512": "SHA2_512", "PKIX_ED25519_PH": "SHA2_512"][keyDetails] ?? "SHA2_256"
        return #"{"apiVersion":"0.0.2","kind":"hashedrekord","spec":{"hashedRekordV002":{"data":{"algorithm":"\#(algorithm)","digest":"\#(b64(digest))"},"signature":{"content":"\#(b64(signature))","verifier":{"keyDetails":"\#(keyDetails)","publicKey":{"rawBytes":"\#(b64(publicKey))"}}}}}}"#
    }
}

func b64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

func unb64(_ value: JSONValue?) throws -> [UInt8] {
    guard case .string(let text)? = value, let data = Data(base64Encoded: text) else { throw TestSupportError("not base64: \(String(describing: value))") }
    return Array(data)
}

func string(_ value: JSONValue?) throws -> String {
    guard case .string(let text)? = value else { throw TestSupportError("not a string: \(String(describing: value))") }
    return text
}

func object(_ value: JSONValue?) throws -> JSONObject {
    guard case .object(let object)? = value else { throw TestSupportError("not an object: \(String(describing: value))") }
    return object
}
