import CustodyPolicy
import Testing

/// What skopeo 1.9.3 (containers/image 5.23.1, Debian bookworm) says about the same policy.
enum SkopeoVerdict: Sendable {
    /// skopeo refuses the policy with a message containing this text.
    case rejects(String)
    /// skopeo loads the policy: Custody is stricter here (see "Differences" in Docs/policy.md).
    case accepts
    /// Not comparable, for the reason given (an option newer than containers/image 5.23.1, a
    /// transport Debian's build leaves out).
    case notComparable(String)
}

/// A policy Custody must refuse: the error code, a fragment of the message, and the JSON path.
struct InvalidPolicyCase: Sendable, CustomTestStringConvertible {
    let name: String
    let json: String
    let code: PolicyError.Code
    let message: String
    let path: String
    let skopeo: SkopeoVerdict

    var testDescription: String { name }
}

extension SkopeoVerdict {
    /// The option is newer than containers/image 5.23.1.
    static let newer = SkopeoVerdict.notComparable("newer than containers/image 5.23.1")
}

private func requirement(_ text: String) -> String { policy(default: text) }

private let gpg = #""type":"signedBy","keyType":"GPGKeys""#
private let fulcioOK = #""fulcio":{"caPath":"/ca.pem","oidcIssuer":"https://issuer","subjectEmail":"a@example.com"}"#

/// More than forty invalid policies, one rule each.
let invalidPolicyCases: [InvalidPolicyCase] = [
    // The document
    .init(name: "not JSON", json: #"{"default": ["#, code: .invalidJSON, message: "unexpected end of document", path: "$.default[0]", skopeo: .rejects("unexpected end of JSON input")),
    .init(name: "trailing data", json: #"{"default":[{"type":"reject"}]} {}"#, code: .trailingData, message: "Unexpected data after the JSON document", path: "$",
          skopeo: .rejects("invalid character '{' after top-level value")),
    .init(name: "duplicate top-level key", json: #"{"default":[{"type":"reject"}],"default":[{"type":"reject"}]}"#, code: .duplicateKey,
          message: #"Duplicate key "default""#, path: "$.default", skopeo: .rejects(#"Duplicate key \"default\""#)),
    .init(name: "duplicate key in a requirement", json: requirement(#"{"type":"reject","type":"insecureAcceptAnything"}"#), code: .duplicateKey,
          message: #"Duplicate key "type""#, path: "$.default[0].type", skopeo: .rejects(#"Duplicate key \"type\""#)),
    .init(name: "duplicate scope", json: policy(transport: "docker", scopes: #""quay.io":[{"type":"reject"}],"quay.io":[{"type":"reject"}]"#), code: .duplicateKey,
          message: #"Duplicate key "quay.io""#, path: #"$.transports.docker["quay.io"]"#, skopeo: .rejects(#"Duplicate key \"quay.io\""#)),
    .init(name: "top level is an array", json: "[]", code: .typeMismatch, message: "JSON object expected, got array", path: "$", skopeo: .rejects("JSON object expected")),
    .init(name: "missing default", json: "{}", code: .missingDefault, message: "Default policy is missing", path: "$", skopeo: .rejects("Default policy is missing")),
    .init(name: "missing default with transports", json: #"{"transports":{"docker":{"":[{"type":"reject"}]}}}"#, code: .missingDefault,
          message: "Default policy is missing", path: "$", skopeo: .rejects("Default policy is missing")),
    .init(name: "empty default", json: #"{"default":[]}"#, code: .emptyRequirements, message: "List of verification policy requirements must not be empty",
          path: "$.default", skopeo: .rejects("List of verification policy requirements must not be empty")),
    .init(name: "default is an object", json: #"{"default":{}}"#, code: .typeMismatch, message: "got object", path: "$.default",
          skopeo: .rejects("cannot unmarshal object")),
    .init(name: "empty scope list", json: policy(transport: "docker", scopes: #""quay.io":[]"#), code: .emptyRequirements,
          message: "List of verification policy requirements must not be empty", path: #"$.transports.docker["quay.io"]"#,
          skopeo: .rejects("List of verification policy requirements must not be empty")),
    .init(name: "unknown top-level key", json: #"{"default":[{"type":"reject"}],"extra":1}"#, code: .unknownKey, message: #"Unknown key "extra""#, path: "$.extra",
          skopeo: .rejects(#"Unknown key \"extra\""#)),
    .init(name: "transports is an array", json: #"{"default":[{"type":"reject"}],"transports":[]}"#, code: .typeMismatch, message: "JSON object expected, got array",
          path: "$.transports", skopeo: .rejects("JSON object expected")),
    .init(name: "a transport is an array", json: #"{"default":[{"type":"reject"}],"transports":{"docker":[]}}"#, code: .typeMismatch,
          message: "JSON object expected, got array", path: "$.transports.docker", skopeo: .rejects("JSON object expected")),

    // Scopes of the transports that validate them
    .init(name: "dir scope is relative", json: policy(transport: "dir", scopes: #""tmp/t1":[{"type":"reject"}]"#), code: .invalidScope,
          message: #"Unknown key "tmp/t1""#, path: #"$.transports.dir["tmp/t1"]"#, skopeo: .rejects(#"Unknown key \"tmp/t1\""#)),
    .init(name: "dir scope is /", json: policy(transport: "dir", scopes: #""/":[{"type":"reject"}]"#), code: .invalidScope, message: #"Unknown key "/""#,
          path: #"$.transports.dir["/"]"#, skopeo: .rejects(#"Unknown key \"/\""#)),
    .init(name: "dir scope not clean", json: policy(transport: "dir", scopes: #""/srv//images/":[{"type":"reject"}]"#), code: .invalidScope,
          message: #"perhaps "/srv/images""#, path: #"$.transports.dir["/srv//images/"]"#, skopeo: .rejects(#"Unknown key \"/srv//images/\""#)),
    .init(name: "oci scope with ..", json: policy(transport: "oci", scopes: #""/srv/a/../b":[{"type":"reject"}]"#), code: .invalidScope,
          message: #"Unknown key "/srv/a/../b""#, path: #"$.transports.oci["/srv/a/../b"]"#, skopeo: .rejects(#"Unknown key \"/srv/a/../b\""#)),
    .init(name: "oci-archive scope is relative", json: policy(transport: "oci-archive", scopes: #""archive.tar":[{"type":"reject"}]"#), code: .invalidScope,
          message: "must be an absolute path", path: #"$.transports["oci-archive"]["archive.tar"]"#, skopeo: .rejects(#"Unknown key \"archive.tar\""#)),
    .init(name: "sif scope is relative", json: policy(transport: "sif", scopes: #""img.sif":[{"type":"reject"}]"#), code: .invalidScope,
          message: #"Unknown key "img.sif""#, path: #"$.transports.sif["img.sif"]"#, skopeo: .rejects(#"Unknown key \"img.sif\""#)),
    .init(name: "docker-archive has only the default scope", json: policy(transport: "docker-archive", scopes: #""/srv/a.tar":[{"type":"reject"}]"#),
          code: .invalidScope, message: "supports only the default scope", path: #"$.transports["docker-archive"]["/srv/a.tar"]"#,
          skopeo: .rejects(#"Unknown key \"/srv/a.tar\""#)),
    .init(name: "tarball has only the default scope", json: policy(transport: "tarball", scopes: #""/x":[{"type":"reject"}]"#), code: .invalidScope,
          message: #"Unknown key "/x""#, path: #"$.transports.tarball["/x"]"#, skopeo: .rejects(#"Unknown key \"/x\""#)),
    .init(name: "docker-daemon digest scope",
          json: policy(transport: "docker-daemon", scopes: #""sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef":[{"type":"reject"}]"#),
          code: .invalidScope, message: "algo:digest", path: #"$.transports["docker-daemon"]["sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"]"#,
          skopeo: .rejects("Unknown key")),
    .init(name: "atomic scope with a tag on the namespace", json: policy(transport: "atomic", scopes: #""host/ns:tag/stream":[{"type":"reject"}]"#),
          code: .invalidScope, message: #"Unknown key "host/ns:tag/stream""#, path: #"$.transports.atomic["host/ns:tag/stream"]"#,
          skopeo: .notComparable("Debian builds skopeo without the atomic transport")),
    .init(name: "containers-storage scope without a store", json: policy(transport: "containers-storage", scopes: #""docker.io/library/busybox":[{"type":"reject"}]"#),
          code: .invalidScope, message: "containers-storage scope", path: #"$.transports["containers-storage"]["docker.io/library/busybox"]"#,
          skopeo: .rejects(#"Unknown key \"docker.io/library/busybox\""#)),
    .init(name: "containers-storage relative graph root", json: policy(transport: "containers-storage", scopes: #""[overlay@var/lib]":[{"type":"reject"}]"#),
          code: .invalidScope, message: "absolute path", path: #"$.transports["containers-storage"]["[overlay@var/lib]"]"#,
          skopeo: .rejects(#"Unknown key \"[overlay@var/lib]\""#)),

    // Requirement objects
    .init(name: "unknown requirement type", json: requirement(#"{"type":"signedByKey"}"#), code: .unknownRequirementType,
          message: #"Unknown policy requirement type "signedByKey""#, path: "$.default[0].type", skopeo: .rejects(#"Unknown policy requirement type \"signedByKey\""#)),
    .init(name: "requirement without type", json: requirement("{}"), code: .unknownRequirementType, message: #"Unknown policy requirement type """#,
          path: "$.default[0]", skopeo: .rejects(#"Unknown policy requirement type \"\""#)),
    .init(name: "type is a number", json: requirement(#"{"type":1}"#), code: .typeMismatch, message: #""type" must be a string"#, path: "$.default[0].type",
          skopeo: .rejects("cannot unmarshal number")),
    .init(name: "requirement is a string", json: requirement(#""reject""#), code: .typeMismatch, message: "JSON object expected, got string", path: "$.default[0]",
          skopeo: .rejects("cannot unmarshal string")),
    .init(name: "reject with a member", json: requirement(#"{"type":"reject","keyPath":"/k"}"#), code: .unknownKey, message: #"Unknown key "keyPath""#,
          path: "$.default[0].keyPath", skopeo: .rejects(#"Unknown key \"keyPath\""#)),
    .init(name: "insecureAcceptAnything with a member", json: requirement(#"{"type":"insecureAcceptAnything","signedIdentity":{"type":"matchExact"}}"#),
          code: .unknownKey, message: #"Unknown key "signedIdentity""#, path: "$.default[0].signedIdentity", skopeo: .rejects(#"Unknown key \"signedIdentity\""#)),

    // signedBy
    .init(name: "signedBy without keyType", json: requirement(#"{"type":"signedBy","keyPath":"/k.gpg"}"#), code: .invalidKeyType, message: #"invalid keyType """#,
          path: "$.default[0]", skopeo: .rejects(#"invalid keyType \"\""#)),
    .init(name: "signedBy with an unknown keyType", json: requirement(#"{"type":"signedBy","keyType":"PGPKeys","keyPath":"/k.gpg"}"#), code: .invalidKeyType,
          message: #"Unrecognized keyType value "PGPKeys""#, path: "$.default[0].keyType", skopeo: .rejects(#"Unrecognized keyType value \"PGPKeys\""#)),
    .init(name: "signedBy without keys", json: requirement("{\(gpg)}"), code: .keySources,
          message: "Exactly one of keyPath, keyPaths and keyData must be specified, none of them present", path: "$.default[0]",
          skopeo: .rejects("Exactly one of keyPath, keyPaths and keyData must be specified, none of them present")),
    .init(name: "signedBy with two key sources", json: requirement(#"{"# + gpg + #","keyPath":"/a","keyData":"YQ=="}"#), code: .keySources,
          message: "Exactly one of keyPath, keyPaths and keyData must be specified, more than one present", path: "$.default[0]",
          skopeo: .rejects("Exactly one of keyPath, keyPaths and keyData must be specified, more than one present")),
    .init(name: "signedBy with empty keyPaths", json: requirement(#"{"# + gpg + #","keyPaths":[]}"#), code: .emptyList, message: #""keyPaths" contains no entries"#,
          path: "$.default[0].keyPaths", skopeo: .accepts),
    .init(name: "signedBy with an empty keyPath", json: requirement(#"{"# + gpg + #","keyPath":""}"#), code: .invalidPath, message: #""keyPath" must not be empty"#,
          path: "$.default[0].keyPath", skopeo: .rejects("exactly one of keyPath, keyPaths and keyData must be specified")),
    .init(name: "signedBy with an empty keyPaths entry", json: requirement(#"{"# + gpg + #","keyPaths":["/a",""]}"#), code: .invalidPath, message: "must not be empty",
          path: "$.default[0].keyPaths[1]", skopeo: .accepts),
    .init(name: "signedBy keyData not base64", json: requirement(#"{"# + gpg + #","keyData":"not base64!"}"#), code: .invalidBase64, message: "not valid standard base64",
          path: "$.default[0].keyData", skopeo: .rejects("illegal base64 data")),
    .init(name: "signedBy keyData without padding", json: requirement(#"{"# + gpg + #","keyData":"YQ"}"#), code: .invalidBase64, message: "not valid standard base64",
          path: "$.default[0].keyData", skopeo: .rejects("illegal base64 data")),
    .init(name: "signedBy empty keyData", json: requirement(#"{"# + gpg + #","keyData":""}"#), code: .invalidBase64, message: "the data is empty",
          path: "$.default[0].keyData", skopeo: .accepts),
    .init(name: "signedBy keyPath is a number", json: requirement(#"{"# + gpg + #","keyPath":7}"#), code: .typeMismatch, message: #""keyPath" must be a string, got number"#,
          path: "$.default[0].keyPath", skopeo: .rejects("cannot unmarshal number")),
    .init(name: "signedBy keyPaths with a number", json: requirement(#"{"# + gpg + #","keyPaths":["/a",7]}"#), code: .typeMismatch, message: "must be strings",
          path: "$.default[0].keyPaths[1]", skopeo: .rejects("cannot unmarshal number")),
    .init(name: "signedBy with keyDatas", json: requirement(#"{"# + gpg + #","keyDatas":["YQ=="]}"#), code: .unknownKey, message: #"Unknown key "keyDatas""#,
          path: "$.default[0].keyDatas", skopeo: .rejects(#"Unknown key \"keyDatas\""#)),

    // signedIdentity
    .init(name: "unknown identity type", json: requirement(#"{"# + gpg + #","keyPath":"/k","signedIdentity":{"type":"matchTag"}}"#), code: .unknownIdentityType,
          message: #"Unknown policy reference match type "matchTag""#, path: "$.default[0].signedIdentity.type",
          skopeo: .rejects(#"Unknown policy reference match type \"matchTag\""#)),
    .init(name: "identity without type", json: requirement(#"{"# + gpg + #","keyPath":"/k","signedIdentity":{}}"#), code: .unknownIdentityType,
          message: #"Unknown policy reference match type """#, path: "$.default[0].signedIdentity", skopeo: .rejects(#"Unknown policy reference match type \"\""#)),
    .init(name: "matchExact with a member", json: requirement(#"{"# + gpg + #","keyPath":"/k","signedIdentity":{"type":"matchExact","dockerReference":"a:b"}}"#),
          code: .unknownKey, message: #"Unknown key "dockerReference""#, path: "$.default[0].signedIdentity.dockerReference",
          skopeo: .rejects(#"Unknown key \"dockerReference\""#)),
    .init(name: "exactReference without tag or digest", json: requirement(#"{"# + gpg + #","keyPath":"/k","signedIdentity":{"type":"exactReference","dockerReference":"busybox"}}"#),
          code: .invalidReference, message: #"dockerReference "busybox" contains neither a tag nor digest"#, path: "$.default[0].signedIdentity.dockerReference",
          skopeo: .rejects("dockerReference busybox contains neither a tag nor digest")),
    .init(name: "exactReference without dockerReference", json: requirement(#"{"# + gpg + #","keyPath":"/k","signedIdentity":{"type":"exactReference"}}"#),
          code: .missingKey, message: #"Key "dockerReference" missing in a JSON object"#, path: "$.default[0].signedIdentity",
          skopeo: .rejects(#"Key \"dockerReference\" missing in a JSON object"#)),
    .init(name: "exactReference with uppercase", json: requirement(#"{"# + gpg + #","keyPath":"/k","signedIdentity":{"type":"exactReference","dockerReference":"Busybox:1"}}"#),
          code: .invalidReference, message: #"Invalid format of dockerReference "Busybox:1": invalid reference format: repository name must be lowercase"#,
          path: "$.default[0].signedIdentity.dockerReference", skopeo: .rejects("repository name must be lowercase")),
    .init(name: "exactRepository invalid", json: requirement(#"{"# + gpg + #","keyPath":"/k","signedIdentity":{"type":"exactRepository","dockerRepository":"a b"}}"#),
          code: .invalidReference, message: #"Invalid format of dockerRepository "a b""#, path: "$.default[0].signedIdentity.dockerRepository",
          skopeo: .rejects("Invalid format of dockerRepository")),
    .init(name: "remapIdentity prefix with a tag",
          json: requirement(#"{"# + gpg + #","keyPath":"/k","signedIdentity":{"type":"remapIdentity","prefix":"quay.io/app:v1","signedPrefix":"example.com"}}"#),
          code: .invalidPrefix, message: #"prefix "quay.io/app:v1" is not valid"#, path: "$.default[0].signedIdentity.prefix",
          skopeo: .rejects(#"prefix \"quay.io/app:v1\" is not valid"#)),
    .init(name: "remapIdentity empty signedPrefix",
          json: requirement(#"{"# + gpg + #","keyPath":"/k","signedIdentity":{"type":"remapIdentity","prefix":"quay.io","signedPrefix":""}}"#),
          code: .invalidPrefix, message: #"prefix "" is not valid"#, path: "$.default[0].signedIdentity.signedPrefix", skopeo: .rejects(#"prefix \"\" is not valid"#)),
    .init(name: "remapIdentity without signedPrefix", json: requirement(#"{"# + gpg + #","keyPath":"/k","signedIdentity":{"type":"remapIdentity","prefix":"quay.io"}}"#),
          code: .missingKey, message: #"Key "signedPrefix" missing in a JSON object"#, path: "$.default[0].signedIdentity",
          skopeo: .rejects(#"Key \"signedPrefix\" missing in a JSON object"#)),

    // sigstoreSigned
    .init(name: "sigstoreSigned without keys", json: requirement(#"{"type":"sigstoreSigned"}"#), code: .keySources,
          message: "exactly one of keyPath, keyPaths, keyData, keyDatas, fulcio, and pki must be specified", path: "$.default[0]", skopeo: .newer),
    .init(name: "sigstoreSigned with two key sources", json: requirement(#"{"type":"sigstoreSigned","keyPath":"/k.pub","keyData":"YQ=="}"#), code: .keySources,
          message: "more than one present (keyPath, keyData)", path: "$.default[0]", skopeo: .newer),
    .init(name: "sigstoreSigned with empty keyDatas", json: requirement(#"{"type":"sigstoreSigned","keyDatas":[]}"#), code: .emptyList,
          message: #""keyDatas" contains no entries"#, path: "$.default[0].keyDatas", skopeo: .newer),
    .init(name: "sigstoreSigned with two Rekor keys", json: requirement(#"{"type":"sigstoreSigned","keyPath":"/k.pub","rekorPublicKeyPath":"/r","rekorPublicKeyData":"YQ=="}"#),
          code: .invalidRekor, message: "can be used simultaneously", path: "$.default[0]", skopeo: .newer),
    .init(name: "sigstoreSigned with empty rekorPublicKeyPaths", json: requirement(#"{"type":"sigstoreSigned","keyPath":"/k.pub","rekorPublicKeyPaths":[]}"#),
          code: .emptyList, message: #""rekorPublicKeyPaths" contains no entries"#, path: "$.default[0].rekorPublicKeyPaths", skopeo: .newer),
    .init(name: "fulcio without Rekor", json: requirement(#"{"type":"sigstoreSigned","# + fulcioOK + "}"), code: .invalidRekor,
          message: "must be specified if fulcio is used", path: "$.default[0]", skopeo: .newer),
    .init(name: "pki with Rekor",
          json: requirement(#"{"type":"sigstoreSigned","pki":{"caRootsPath":"/r.pem","subjectEmail":"a@example.com"},"rekorPublicKeyPath":"/r"}"#),
          code: .invalidRekor, message: "are not supported for pki", path: "$.default[0]", skopeo: .newer),
    .init(name: "fulcio with caPath and caData",
          json: requirement(#"{"type":"sigstoreSigned","fulcio":{"caPath":"/ca","caData":"YQ==","oidcIssuer":"https://i","subjectEmail":"a@b"},"rekorPublicKeyPath":"/r"}"#),
          code: .invalidFulcio, message: "caPath and caData cannot be used simultaneously", path: "$.default[0].fulcio", skopeo: .newer),
    .init(name: "fulcio without a CA", json: requirement(#"{"type":"sigstoreSigned","fulcio":{"oidcIssuer":"https://i","subjectEmail":"a@b"},"rekorPublicKeyPath":"/r"}"#),
          code: .invalidFulcio, message: "At least one of caPath and caData must be specified", path: "$.default[0].fulcio", skopeo: .newer),
    .init(name: "fulcio without oidcIssuer", json: requirement(#"{"type":"sigstoreSigned","fulcio":{"caPath":"/ca","subjectEmail":"a@b"},"rekorPublicKeyPath":"/r"}"#),
          code: .invalidFulcio, message: "oidcIssuer not specified", path: "$.default[0].fulcio", skopeo: .newer),
    .init(name: "fulcio without subjectEmail", json: requirement(#"{"type":"sigstoreSigned","fulcio":{"caPath":"/ca","oidcIssuer":"https://i"},"rekorPublicKeyPath":"/r"}"#),
          code: .invalidFulcio, message: "subjectEmail not specified", path: "$.default[0].fulcio", skopeo: .newer),
    .init(name: "fulcio with an unknown member",
          json: requirement(#"{"type":"sigstoreSigned","fulcio":{"caPath":"/ca","oidcIssuer":"https://i","subjectEmail":"a@b","subjectURI":"x"},"rekorPublicKeyPath":"/r"}"#),
          code: .unknownKey, message: #"Unknown key "subjectURI""#, path: "$.default[0].fulcio.subjectURI", skopeo: .newer),
    .init(name: "pki without roots", json: requirement(#"{"type":"sigstoreSigned","pki":{"subjectEmail":"a@b"}}"#), code: .invalidPKI,
          message: "At least one of caRootsPath and caRootsData must be specified", path: "$.default[0].pki", skopeo: .newer),
    .init(name: "pki without a subject", json: requirement(#"{"type":"sigstoreSigned","pki":{"caRootsPath":"/r.pem"}}"#), code: .invalidPKI,
          message: "At least one of subjectEmail, subjectHostname must be specified", path: "$.default[0].pki", skopeo: .newer),
    .init(name: "pki with both intermediates",
          json: requirement(#"{"type":"sigstoreSigned","pki":{"caRootsPath":"/r.pem","caIntermediatesPath":"/i","caIntermediatesData":"YQ==","subjectHostname":"h"}}"#),
          code: .invalidPKI, message: "caIntermediatesPath and caIntermediatesData cannot be used simultaneously", path: "$.default[0].pki", skopeo: .newer),

    // signedBaseLayer
    .init(name: "signedBaseLayer without baseLayerIdentity", json: requirement(#"{"type":"signedBaseLayer"}"#), code: .missingKey,
          message: #"Key "baseLayerIdentity" missing in a JSON object"#, path: "$.default[0]", skopeo: .rejects(#"Key \"baseLayerIdentity\" missing in a JSON object"#)),
    .init(name: "signedBaseLayer with an unknown identity", json: requirement(#"{"type":"signedBaseLayer","baseLayerIdentity":{"type":"anything"}}"#),
          code: .unknownIdentityType, message: #"Unknown policy reference match type "anything""#, path: "$.default[0].baseLayerIdentity.type",
          skopeo: .rejects(#"Unknown policy reference match type \"anything\""#)),

    // Custody's extensions (stock tools refuse each of them)
    .init(name: "custody with an unknown member", json: #"{"default":[{"type":"reject"}],"custody":{"extra":true}}"#, code: .unknownKey,
          message: #"Unknown key "extra""#, path: "$.custody.extra", skopeo: .rejects(#"Unknown key \"custody\""#)),
    .init(name: "custody flag is a string", json: #"{"default":[{"type":"reject"}],"custody":{"indexSignaturesCoverInstances":"yes"}}"#, code: .typeMismatch,
          message: "must be true or false", path: "$.custody.indexSignaturesCoverInstances", skopeo: .rejects(#"Unknown key \"custody\""#)),
    .init(name: "description is a number", json: requirement(#"{"type":"reject","description":1}"#), code: .typeMismatch, message: #""description" must be a string"#,
          path: "$.default[0].description", skopeo: .rejects(#"Unknown key \"description\""#)),
    .init(name: "description with a line break", json: requirement(#"{"type":"reject","description":"a\nb"}"#), code: .invalidText, message: "one line",
          path: "$.default[0].description", skopeo: .rejects(#"Unknown key \"description\""#)),
    .init(name: "empty description", json: requirement(#"{"type":"reject","description":""}"#), code: .invalidText, message: "must not be empty",
          path: "$.default[0].description", skopeo: .rejects(#"Unknown key \"description\""#)),
    .init(name: "threshold 0", json: requirement(#"{"type":"threshold","threshold":0,"signers":{"sigstore":{"keyPath":"/k.pub"}}}"#), code: .invalidThreshold,
          message: "must be at least 1", path: "$.default[0].threshold", skopeo: .rejects(#"Unknown policy requirement type \"threshold\""#)),
    .init(name: "threshold not a whole number", json: requirement(#"{"type":"threshold","threshold":1.5,"signers":{"sigstore":{"keyPath":"/k.pub"}}}"#),
          code: .invalidThreshold, message: "whole number", path: "$.default[0].threshold", skopeo: .rejects("Unknown policy requirement type")),
    .init(name: "threshold missing", json: requirement(#"{"type":"threshold","signers":{"sigstore":{"keyPath":"/k.pub"}}}"#), code: .missingKey,
          message: #"Key "threshold" missing in a JSON object"#, path: "$.default[0]", skopeo: .rejects("Unknown policy requirement type")),
    .init(name: "threshold out of reach", json: requirement(#"{"type":"threshold","threshold":3,"signers":{"sigstore":{"keyPaths":["/a.pub","/b.pub"]}}}"#),
          code: .invalidThreshold, message: "threshold 3 can never be met", path: "$.default[0].threshold", skopeo: .rejects("Unknown policy requirement type")),
    .init(name: "signers empty", json: requirement(#"{"type":"threshold","threshold":1,"signers":{}}"#), code: .invalidSigners, message: "at least one of",
          path: "$.default[0].signers", skopeo: .rejects("Unknown policy requirement type")),
    .init(name: "signers with an unknown group", json: requirement(#"{"type":"threshold","threshold":1,"signers":{"x509":{"keyPath":"/c"},"gpg":{"keyPath":"/k"}}}"#),
          code: .unknownKey, message: #"Unknown key "x509""#, path: "$.default[0].signers.x509", skopeo: .rejects("Unknown policy requirement type")),
    .init(name: "signer group with two sources", json: requirement(#"{"type":"threshold","threshold":1,"signers":{"gpg":{"keyPath":"/k","keyData":"YQ=="}}}"#),
          code: .keySources, message: "more than one present", path: "$.default[0].signers.gpg", skopeo: .rejects("Unknown policy requirement type")),
    .init(name: "roles empty", json: requirement(#"{"type":"roles","roles":[]}"#), code: .emptyList, message: #""roles" contains no entries"#, path: "$.default[0].roles",
          skopeo: .rejects(#"Unknown policy requirement type \"roles\""#)),
    .init(name: "duplicate role names",
          json: requirement(#"{"type":"roles","roles":[{"name":"vendor","threshold":1,"signers":{"gpg":{"keyPath":"/a"}}},{"name":"vendor","threshold":1,"signers":{"gpg":{"keyPath":"/b"}}}]}"#),
          code: .duplicateRoleName, message: #"duplicate role name "vendor" (first at $.default[0].roles[0])"#, path: "$.default[0].roles[1].name",
          skopeo: .rejects("Unknown policy requirement type")),
    .init(name: "role without a name", json: requirement(#"{"type":"roles","roles":[{"threshold":1,"signers":{"gpg":{"keyPath":"/a"}}}]}"#), code: .missingKey,
          message: #"Key "name" missing in a JSON object"#, path: "$.default[0].roles[0]", skopeo: .rejects("Unknown policy requirement type")),
    .init(name: "role with an empty name", json: requirement(#"{"type":"roles","roles":[{"name":"","threshold":1,"signers":{"gpg":{"keyPath":"/a"}}}]}"#),
          code: .invalidText, message: "a role name must not be empty", path: "$.default[0].roles[0].name", skopeo: .rejects("Unknown policy requirement type")),
    .init(name: "role with an unknown member",
          json: requirement(#"{"type":"roles","roles":[{"name":"qa","threshold":1,"signers":{"gpg":{"keyPath":"/a"}},"description":"x"}]}"#),
          code: .unknownKey, message: #"Unknown key "description""#, path: "$.default[0].roles[0].description", skopeo: .rejects("Unknown policy requirement type")),
    .init(name: "freshness in days", json: requirement(#"{"type":"freshness","maxAge":"30d"}"#), code: .invalidDuration, message: "whole numbers with the units h, m and s",
          path: "$.default[0].maxAge", skopeo: .rejects(#"Unknown policy requirement type \"freshness\""#)),
    .init(name: "freshness without a unit", json: requirement(#"{"type":"freshness","maxAge":"3600"}"#), code: .invalidDuration, message: #"has no unit: write "3600s""#,
          path: "$.default[0].maxAge", skopeo: .rejects("Unknown policy requirement type")),
    .init(name: "freshness as a number", json: requirement(#"{"type":"freshness","maxAge":3600}"#), code: .invalidDuration, message: "must be a duration string",
          path: "$.default[0].maxAge", skopeo: .rejects("Unknown policy requirement type")),
    .init(name: "freshness zero", json: requirement(#"{"type":"freshness","maxAge":"0s"}"#), code: .invalidDuration, message: "is zero", path: "$.default[0].maxAge",
          skopeo: .rejects("Unknown policy requirement type")),
    .init(name: "freshness too long", json: requirement(#"{"type":"freshness","maxAge":"87601h"}"#), code: .invalidDuration, message: "is longer than 87600h",
          path: "$.default[0].maxAge", skopeo: .rejects("Unknown policy requirement type")),
    .init(name: "freshness in milliseconds", json: requirement(#"{"type":"freshness","maxAge":"500ms"}"#), code: .invalidDuration, message: "whole seconds",
          path: "$.default[0].maxAge", skopeo: .rejects("Unknown policy requirement type")),
    .init(name: "freshness without maxAge", json: requirement(#"{"type":"freshness"}"#), code: .missingKey, message: #"Key "maxAge" missing in a JSON object"#,
          path: "$.default[0]", skopeo: .rejects("Unknown policy requirement type")),
    .init(name: "digestRequired with a member", json: requirement(#"{"type":"digestRequired","maxAge":"1h"}"#), code: .unknownKey, message: #"Unknown key "maxAge""#,
          path: "$.default[0].maxAge", skopeo: .rejects(#"Unknown policy requirement type \"digestRequired\""#)),
]
