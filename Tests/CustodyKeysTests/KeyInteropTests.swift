import CustodyKeys
import CustodyTestSupport
import Foundation
import Testing

/// Interop with PyPI `cryptography` (the `python3` peer): keys and signatures made by one side
/// are read and verified by the other.
@Suite(.enabled(if: PeerTool.availableOrCI("python3")))
struct KeyInteropTests {
    /// `gen DIR`: writes keys in every PEM form plus signatures over DIR/message.
    /// `verify DIR`: reads DIR/manifest lines `name algorithm` and, for each, loads name.key.pem
    /// (PKCS#8) and name.pub.pem (SPKI), checks they match, and verifies name.sig over DIR/message.
    static let script = #"""
    import hashlib, os, sys
    from cryptography.hazmat.primitives import hashes, serialization as s
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

    mode, d = sys.argv[1], sys.argv[2]
    message = open(os.path.join(d, "message"), "rb").read()
    E, N = s.Encoding.PEM, s.NoEncryption()

    def write(name, data):
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)

    def spki(key):
        return key.public_bytes(s.Encoding.DER, s.PublicFormat.SubjectPublicKeyInfo)

    def pss():
        return padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)

    if mode == "gen":
        for name, curve, h in (("p256", ec.SECP256R1(), hashes.SHA256()), ("p384", ec.SECP384R1(), hashes.SHA384())):
            k = ec.generate_private_key(curve)
            write(name + ".pkcs8.pem", k.private_bytes(E, s.PrivateFormat.PKCS8, N))
            write(name + ".sec1.pem", k.private_bytes(E, s.PrivateFormat.TraditionalOpenSSL, N))
            write(name + ".spki.pem", k.public_key().public_bytes(E, s.PublicFormat.SubjectPublicKeyInfo))
            write(name + ".sig", k.sign(message, ec.ECDSA(h)))
            write(name + ".keyid", hashlib.sha256(spki(k.public_key())).hexdigest().encode())
        k = ed25519.Ed25519PrivateKey.generate()
        write("ed25519.pkcs8.pem", k.private_bytes(E, s.PrivateFormat.PKCS8, N))
        write("ed25519.spki.pem", k.public_key().public_bytes(E, s.PublicFormat.SubjectPublicKeyInfo))
        write("ed25519.sig", k.sign(message))
        write("ed25519.keyid", hashlib.sha256(spki(k.public_key())).hexdigest().encode())
        k = rsa.generate_private_key(65537, 3072)
        write("rsa.pkcs8.pem", k.private_bytes(E, s.PrivateFormat.PKCS8, N))
        write("rsa.pkcs1.pem", k.private_bytes(E, s.PrivateFormat.TraditionalOpenSSL, N))
        write("rsa.spki.pem", k.public_key().public_bytes(E, s.PublicFormat.SubjectPublicKeyInfo))
        write("rsa.pkcs1pub.pem", k.public_key().public_bytes(E, s.PublicFormat.PKCS1))
        write("rsa.pkcs1v15.sig", k.sign(message, padding.PKCS1v15(), hashes.SHA256()))
        write("rsa.pss.sig", k.sign(message, pss(), hashes.SHA256()))
        write("rsa.keyid", hashlib.sha256(spki(k.public_key())).hexdigest().encode())
    elif mode == "verify":
        for line in open(os.path.join(d, "manifest")).read().split("\n"):
            if not line:
                continue
            name, algorithm = line.split(" ")
            key = s.load_pem_private_key(open(os.path.join(d, name + ".key.pem"), "rb").read(), None)
            pub = s.load_pem_public_key(open(os.path.join(d, name + ".pub.pem"), "rb").read())
            assert spki(key.public_key()) == spki(pub), name + ": private and public key differ"
            sig = open(os.path.join(d, name + ".sig"), "rb").read()
            if algorithm == "ecdsa-p256-sha256":
                assert isinstance(pub.curve, ec.SECP256R1)
                pub.verify(sig, message, ec.ECDSA(hashes.SHA256()))
            elif algorithm == "ecdsa-p384-sha384":
                assert isinstance(pub.curve, ec.SECP384R1)
                pub.verify(sig, message, ec.ECDSA(hashes.SHA384()))
            elif algorithm == "ed25519":
                pub.verify(sig, message)
            elif algorithm == "rsa-pkcs1v15-sha256":
                pub.verify(sig, message, padding.PKCS1v15(), hashes.SHA256())
            elif algorithm == "rsa-pss-sha256":
                pub.verify(sig, message, pss(), hashes.SHA256())
            else:
                raise SystemExit("unknown algorithm " + algorithm)
            print("ok", name)
    """#

    private func runScript(_ mode: String, in directory: TemporaryDirectory) throws -> ProcessResult {
        let script = try directory.write(Self.script, to: "interop.py")
        return try runProcess("python3", [script, mode, directory.path])
    }

    @Test func custodyReadsAndVerifiesPythonKeys() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(testMessage, to: "message")
        let result = try runScript("gen", in: directory)
        try #require(result.status == 0, "\(result)")

        func text(_ name: String) throws -> String { String(decoding: try directory.read(name), as: UTF8.self) }
        func check(_ privateName: String, _ publicName: String, _ sigName: String, _ keyIDName: String,
                   _ algorithm: SigningAlgorithm, _ expected: KeyAlgorithm) throws {
            let privateKey = try PrivateKey(pemEncoded: try text(privateName))
            let publicKey = try PublicKey(pemEncoded: try text(publicName))
            #expect(privateKey.algorithm == expected, "\(privateName)")
            #expect(publicKey.algorithm == expected, "\(publicName)")
            #expect(privateKey.publicKey.derRepresentation == publicKey.derRepresentation, "\(privateName) vs \(publicName)")
            #expect(publicKey.keyID.hex == (try text(keyIDName)), "\(keyIDName)")
            let signature = try directory.read(sigName)
            #expect(publicKey.isValidSignature(signature, for: testMessage, algorithm: algorithm), "\(sigName)")
            #expect(!publicKey.isValidSignature(signature, for: flipped(testMessage), algorithm: algorithm), "\(sigName)")
        }

        for curve in ["p256", "p384"] {
            let (algorithm, expected): (SigningAlgorithm, KeyAlgorithm) =
                curve == "p256" ? (.ecdsaP256SHA256, .ecdsaP256) : (.ecdsaP384SHA384, .ecdsaP384)
            try check("\(curve).pkcs8.pem", "\(curve).spki.pem", "\(curve).sig", "\(curve).keyid", algorithm, expected)
            try check("\(curve).sec1.pem", "\(curve).spki.pem", "\(curve).sig", "\(curve).keyid", algorithm, expected)
        }
        try check("ed25519.pkcs8.pem", "ed25519.spki.pem", "ed25519.sig", "ed25519.keyid", .ed25519, .ed25519)
        for privateName in ["rsa.pkcs8.pem", "rsa.pkcs1.pem"] {
            for publicName in ["rsa.spki.pem", "rsa.pkcs1pub.pem"] {
                try check(privateName, publicName, "rsa.pkcs1v15.sig", "rsa.keyid", .rsaPKCS1SHA256, .rsa)
                try check(privateName, publicName, "rsa.pss.sig", "rsa.keyid", .rsaPSSSHA256, .rsa)
            }
        }
        // The PKCS#8 Custody writes for a key read from SEC1 or PKCS#1 is the PKCS#8 python wrote.
        #expect(try PrivateKey(pemEncoded: try text("p256.sec1.pem")).pemRepresentation == (try text("p256.pkcs8.pem")))
        #expect(try PrivateKey(pemEncoded: try text("rsa.pkcs1.pem")).pkcs8DERRepresentation
            == (try PrivateKey(pemEncoded: try text("rsa.pkcs8.pem"))).pkcs8DERRepresentation)
    }

    @Test func pythonReadsAndVerifiesCustodyKeys() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(testMessage, to: "message")
        var manifest = ""
        for type in testedKeyTypes {
            let key = try PrivateKey.generate(type)
            for algorithm in signingAlgorithms(for: key.algorithm) {
                let name = "\(type)-\(algorithm)"
                try directory.write(key.pemRepresentation, to: "\(name).key.pem")
                try directory.write(key.publicKey.pemRepresentation, to: "\(name).pub.pem")
                let signer = try FileSigner(key, algorithm: algorithm)
                try directory.write(try await signer.sign(testMessage), to: "\(name).sig")
                manifest += "\(name) \(algorithm)\n"
            }
        }
        try directory.write(manifest, to: "manifest")
        let result = try runScript("verify", in: directory)
        #expect(result.status == 0, "\(result)")
        #expect(result.stdoutText.split(separator: "\n").count == manifest.split(separator: "\n").count, "\(result)")
    }

    @Test func pythonRejectsATamperedCustodySignature() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(testMessage, to: "message")
        let key = try PrivateKey.generate(.ecdsaP256)
        try directory.write(key.pemRepresentation, to: "bad.key.pem")
        try directory.write(key.publicKey.pemRepresentation, to: "bad.pub.pem")
        try directory.write(try key.sign(flipped(testMessage), algorithm: .ecdsaP256SHA256), to: "bad.sig")
        try directory.write("bad ecdsa-p256-sha256\n", to: "manifest")
        let result = try runScript("verify", in: directory)
        #expect(result.status != 0, "\(result)")
        #expect(result.stderrText.contains("InvalidSignature"), "\(result)")
    }
}
