import CustodyFormats
import CustodyOCI
import CustodyStores

/// Writes cosign signatures where the image keeps them: the registry's `.sig` attachment for a
/// `docker://` image, framed `signature-N` files for a `dir:` image (as skopeo stores them).
struct AttachedSignaturePublisher {
    let image: ImageName
    let transport: ImageTransport

    init(image: ImageName, transport: ImageTransport) throws {
        if case .ociLayout = image {
            throw StoreError(code: .notWritable, reason: "an OCI image layout cannot hold signatures (\(image)); sign the image in a registry or a dir: copy")
        }
        self.image = image
        self.transport = transport
    }

    /// Stores one signature and says where it went.
    func publish(_ signature: SigstoreSignature, for digest: Digest, instance: Bool) async throws -> String {
        switch image {
        case .docker(let reference):
            let store = CosignAttachmentStore(client: try transport.client(for: reference.domain), repository: reference.path)
            try await store.append([signature], for: digest)
            return "docker://\(reference.repository):\(CosignSignatureManifest.tag(for: digest))"
        case .directory(let path):
            let destination = try DirectoryDestination(appendingTo: path)
            let number = try await destination.appendSignature(try SignatureBlob.sigstore(signature).blob(), for: digest, instance: instance)
            return destination.layout.signaturePath(instance: instance ? digest : nil, number: number)
        case .ociLayout:
            throw StoreError(code: .notWritable, reason: "an OCI image layout cannot hold signatures (\(image))")
        }
    }
}
