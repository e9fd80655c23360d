// Interop with an independent implementation of cosign's key-based signatures: Python 3 with PyPI
// `cryptography` (the `python3` peer, installed by Scripts/test.sh). Custody's signatures, framed
// blobs and `.sig` attachments are checked by Python over the exact payload bytes; signatures and
// attachments Python makes are read and verified by Custody.

import CustodyFormats
import CustodyKeys
import CustodyOCI
import CustodySign
import CustodyTestSupport
import CustodyVerify
import Foundation
import Testing

@Suite(.enabled(if: PeerTool.availableOrCI("python3")))
struct CosignInteropTests {
    /// `verify DIR`: for each line `name scheme digest identity` of DIR/manifest, reads name.pub.pem,
    /// the framed blob name.blob (`\0sigstore-json\n{json}`), and the attachment name.sig.json with
    /// its config name.config.json; checks the attachment's descriptors against the blobs, the
    /// payload JSON (its exact bytes are rebuilt independently), and verifies the signature with
    /// cosign's scheme for the key.
    ///
    /// `sign DIR DIGEST IDENTITY`: makes P-256, P-384, RSA-3072 and Ed25519 keys, cosign payloads
    /// signed with each (name.pub.pem, name.payload, name.sig), and one cosign-shaped `.sig`
    /// manifest (attachment.json, attachment-config.json) holding all of them as layers.
    static let script = #"""
    import base64, hashlib, json, os, sys
    from cryptography.hazmat.primitives import hashes, serialization as s
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

    mode, d = sys.argv[1], sys.argv[2]

    def read(name):
        return open(os.path.join(d, name), "rb").read()

    def write(name, data):
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)

    def go_json(value):
        # Go's encoding/json for maps: sorted keys, no spaces; <, > and & escaped.
        text = json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
        return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").encode()

    def payload(digest, identity, optional=None):
        return go_json({"critical": {"identity": {"docker-reference": identity},
                                     "image": {"docker-manifest-digest": digest},
                                     "type": "cosign container image signature"},
                        "optional": optional})

    def sha256(data):
        return "sha256:" + hashlib.sha256(data).hexdigest()

    def verify(pub, scheme, sig, data):
        if scheme == "ecdsa-p256-sha256":
            assert isinstance(pub.curve, ec.SECP256R1)
            pub.verify(sig, data, ec.ECDSA(hashes.SHA256()))
        elif scheme == "ecdsa-p384-sha384":
            assert isinstance(pub.curve, ec.SECP384R1)
            pub.verify(sig, data, ec.ECDSA(hashes.SHA384()))
        elif scheme == "rsa-pkcs1v15-sha256":
            pub.verify(sig, data, padding.PKCS1v15(), hashes.SHA256())
        elif scheme == "ed25519":
            pub.verify(sig, data)
        else:
            raise SystemExit("unknown scheme " + scheme)

    if mode == "verify":
        for line in read("manifest").decode().split("\n"):
            if not line:
                continue
            name, scheme, digest, identity = line.split(" ")
            pub = s.load_pem_public_key(read(name + ".pub.pem"))
            blob = read(name + ".blob")
            prefix = b"\x00sigstore-json\n"
            assert blob.startswith(prefix), name + ": not a framed sigstore-json blob"
            body = blob[len(prefix):]
            framed = json.loads(body)
            assert list(framed.keys()) == ["mimeType", "payload", "annotations"], framed.keys()
            assert framed["mimeType"] == "application/vnd.dev.cosign.simplesigning.v1+json"
            data = base64.b64decode(framed["payload"], validate=True)
            assert data == payload(digest, identity), name + ": payload bytes differ from cosign's"
            sig = base64.b64decode(framed["annotations"]["dev.cosignproject.cosign/signature"], validate=True)
            verify(pub, scheme, sig, data)

            # The .sig attachment: one layer whose descriptor matches the payload, config diff_ids.
            manifest = json.loads(read(name + ".sig.json"))
            config = read(name + ".config.json")
            assert manifest["schemaVersion"] == 2
            assert manifest["mediaType"] == "application/vnd.oci.image.manifest.v1+json"
            assert manifest["config"] == {"mediaType": "application/vnd.oci.image.config.v1+json",
                                          "digest": sha256(config), "size": len(config)}, manifest["config"]
            assert len(manifest["layers"]) == 1
            layer = manifest["layers"][0]
            assert list(layer.keys()) == ["mediaType", "digest", "size", "annotations"], layer.keys()
            assert layer["mediaType"] == framed["mimeType"]
            assert layer["digest"] == sha256(data) and layer["size"] == len(data)
            assert layer["annotations"] == framed["annotations"]
            parsed = json.loads(config)
            assert parsed["rootfs"] == {"type": "layers", "diff_ids": [sha256(data)]}, parsed
            assert parsed["history"] == [{"created": "0001-01-01T00:00:00Z"}]
            print("ok", name)
    elif mode == "sign":
        digest, identity = sys.argv[3], sys.argv[4]
        E = s.Encoding.PEM
        keys = [("p256", ec.generate_private_key(ec.SECP256R1()), "ecdsa-p256-sha256"),
                ("p384", ec.generate_private_key(ec.SECP384R1()), "ecdsa-p384-sha384"),
                ("rsa", rsa.generate_private_key(65537, 3072), "rsa-pkcs1v15-sha256"),
                ("ed25519", ed25519.Ed25519PrivateKey.generate(), "ed25519")]
        layers = []
        for name, key, scheme in keys:
            data = payload(digest, identity, {"signer": "python " + name} if name == "rsa" else None)
            if scheme == "ecdsa-p256-sha256":
                sig = key.sign(data, ec.ECDSA(hashes.SHA256()))
            elif scheme == "ecdsa-p384-sha384":
                sig = key.sign(data, ec.ECDSA(hashes.SHA384()))
            elif scheme == "rsa-pkcs1v15-sha256":
                sig = key.sign(data, padding.PKCS1v15(), hashes.SHA256())
            else:
                sig = key.sign(data)
            write(name + ".pub.pem", key.public_key().public_bytes(E, s.PublicFormat.SubjectPublicKeyInfo))
            write(name + ".payload", data)
            write(name + ".sig", sig)
            # go-containerregistry's descriptor member order, as cosign writes it.
            layers.append('{"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","size":%d,"digest":"%s",'
                          '"annotations":{"dev.cosignproject.cosign/signature":"%s"}}'
                          % (len(data), sha256(data), base64.b64encode(sig).decode()))
        diff_ids = ",".join('"%s"' % sha256(read(name + ".payload")) for name, _, _ in keys)
        history = ",".join(['{"created":"0001-01-01T00:00:00Z"}'] * len(keys))
        config = ('{"architecture":"","created":"0001-01-01T00:00:00Z","history":[%s],"os":"",'
                  '"rootfs":{"type":"layers","diff_ids":[%s]},"config":{}}' % (history, diff_ids)).encode()
        write("attachment-config.json", config)
        write("attachment.json", ('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",'
                                  '"config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":%d,"digest":"%s"},'
                                  '"layers":[%s]}' % (len(config), sha256(config), ",".join(layers))).encode())
    """#

    static let digest = Digest.compute(Array(#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","layers":[]}"#.utf8))
    static let identity = "registry.example/interop/app"

    private func run(_ arguments: [String], in directory: TemporaryDirectory) throws -> ProcessResult {
        let script = try directory.write(Self.script, to: "cosign_interop.py")
        return try runProcess("python3", [script] + arguments)
    }

    @Test("python verifies Custody's cosign signatures, framed blobs and .sig attachments for every key type")
    func pythonVerifiesCustody() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var manifest = ""
        for type in CosignFixtures.keyTypes {
            let key = try CosignFixtures.key(type)
            let name = type.rawValue
            let signature = try await CosignSigner(signer: FileSigner(key)).sign(manifestDigest: Self.digest, dockerReference: Self.identity)
            try directory.write(key.publicKey.pemRepresentation, to: "\(name).pub.pem")
            try directory.write(try SignatureBlob.sigstore(signature).blob(), to: "\(name).blob")
            guard case .appended(let update) = try CosignSignatureManifest.appending(signature, to: nil) else {
                Issue.record("a new attachment must take the signature")
                return
            }
            try directory.write(update.manifestBytes, to: "\(name).sig.json")
            try directory.write(update.config, to: "\(name).config.json")
            manifest += "\(name) \(key.algorithm.defaultSigningAlgorithm) \(Self.digest) \(Self.identity)\n"
        }
        try directory.write(manifest, to: "manifest")
        let result = try run(["verify", directory.path], in: directory)
        #expect(result.status == 0, "\(result)")
        #expect(result.stdoutText.split(separator: "\n").count == CosignFixtures.keyTypes.count, "\(result)")
    }

    @Test("python rejects a Custody signature over other bytes")
    func pythonRejectsTampered() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let key = try CosignFixtures.key(.ecdsaP256)
        let genuine = try await CosignSigner(signer: FileSigner(key)).sign(manifestDigest: Self.digest, dockerReference: Self.identity)
        let other = try await CosignSigner(signer: FileSigner(key)).sign(manifestDigest: Self.digest, dockerReference: Self.identity + "-other")
        // The genuine payload with the signature of another payload.
        let swapped = SigstoreSignature(mimeType: genuine.untrustedMIMEType, payload: genuine.untrustedPayload, annotations: other.untrustedAnnotations)
        guard case .appended(let update) = try CosignSignatureManifest.appending(swapped, to: nil) else {
            Issue.record("a new attachment must take the signature")
            return
        }
        try directory.write(key.publicKey.pemRepresentation, to: "bad.pub.pem")
        try directory.write(try SignatureBlob.sigstore(swapped).blob(), to: "bad.blob")
        try directory.write(update.manifestBytes, to: "bad.sig.json")
        try directory.write(update.config, to: "bad.config.json")
        try directory.write("bad ecdsa-p256-sha256 \(Self.digest) \(Self.identity)\n", to: "manifest")
        let result = try run(["verify", directory.path], in: directory)
        #expect(result.status != 0, "\(result)")
        #expect(result.stderrText.contains("InvalidSignature"), "\(result)")
    }

    @Test("Custody reads python's cosign-shaped .sig attachment and verifies every layer with the right key only")
    func custodyVerifiesPython() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let result = try run(["sign", directory.path, Self.digest.description, Self.identity], in: directory)
        try #require(result.status == 0, "\(result)")

        let names = ["p256", "p384", "rsa", "ed25519"]
        var keys: [String: PublicKey] = [:]
        var payloads: [String: [UInt8]] = [:]
        for name in names {
            keys[name] = try PublicKey(pemEncoded: String(decoding: try directory.read("\(name).pub.pem"), as: UTF8.self))
            payloads[name] = try directory.read("\(name).payload")
        }
        #expect(keys.mapValues(\.algorithm) == ["p256": .ecdsaP256, "p384": .ecdsaP384, "rsa": .rsa, "ed25519": .ed25519])
        // python's payload without annotations is byte for byte CosignPayload's.
        #expect(payloads["p256"] == (try CosignPayload(dockerReference: Self.identity, manifestDigest: Self.digest).encoded()))

        let attachment = try CosignSignatureManifest(manifest: try Manifest(bytes: try directory.read("attachment.json"), declaredMediaType: .ociManifest))
        #expect(attachment.layers.count == names.count)
        // Payloads without annotations are the same bytes, so the same blob.
        let blobs = Dictionary(payloads.values.map { (Digest.compute($0), $0) }, uniquingKeysWith: { first, _ in first })
        let read = await attachment.signatures { descriptor in
            guard let blob = blobs[descriptor.digest] else { throw TestSupportError("no blob \(descriptor.digest)") }
            return blob
        }
        let repository = try ImageReference.parseNormalized(Self.identity + ":v1")
        for (position, name) in names.enumerated() {
            let signature = try read[position].get()
            let key = try #require(keys[name])
            let verdict = CosignVerifier(keys: [key]).verify(signature, manifestDigest: Self.digest, identity: .repository(repository))
            let value = try #require(verdict.accepted, "\(name): \(String(describing: verdict.rejection))")
            #expect(value.keyID == key.keyID)
            #expect(value.dockerReference == Self.identity)
            #expect(value.untrustedAnnotations == (name == "rsa" ? ["signer": "python rsa"] : [:]))
            // Every other key refuses it.
            for other in names where other != name {
                #expect(CosignVerifier(keys: [keys[other]!]).verify(signature, manifestDigest: Self.digest, identity: .any).rejection?.check == .cryptographic,
                        "\(name) signature, \(other) key")
            }
        }

        // A python signature over one payload does not verify another.
        let p256Signature = try directory.read("p256.sig")
        let moved = SigstoreSignature(
            mimeType: MediaType.cosignSimpleSigning.rawValue, payload: try #require(payloads["rsa"]),
            annotations: [CosignAnnotation.signature: CosignAnnotation.encodeSignature(p256Signature)])
        #expect(CosignVerifier(keys: [keys["p256"]!]).verify(moved, manifestDigest: Self.digest, identity: .any).rejection?.check == .cryptographic)

        // Appending a Custody signature to python's attachment keeps python's layers and history.
        let config = try directory.read("attachment-config.json")
        let custody = try await CosignFixtures.sign(try CosignFixtures.key(.ecdsaP256), digest: Self.digest, identity: Self.identity)
        guard case .appended(let update) = try CosignSignatureManifest.appending(custody, to: (attachment, config)) else {
            Issue.record("the Custody signature is new")
            return
        }
        let updated = try CosignSignatureManifest(manifest: update.manifest)
        #expect(updated.layers.count == names.count + 1)
        #expect(Array(updated.layers.prefix(names.count)) == attachment.layers)
        let configText = String(decoding: update.config, as: UTF8.self)
        #expect(configText.contains(#""history":[{"created":"0001-01-01T00:00:00Z"},{"created":"0001-01-01T00:00:00Z"},{"created":"0001-01-01T00:00:00Z"},{"created":"0001-01-01T00:00:00Z"},{"created":"0001-01-01T00:00:00Z"}]"#))
        let existingText = String(decoding: try directory.read("attachment.json"), as: UTF8.self)
        let oldLayers = String(existingText[existingText.range(of: #""layers":["#)!.upperBound...].dropLast(2))
        #expect(String(decoding: update.manifestBytes, as: UTF8.self).contains(oldLayers + ","))
    }
}
