// Policy documents from containers/image, used as test data (see `UpstreamExampleTests`).
//
// Source: https://github.com/containers/image at commit df7e80d2d19872b61f352a8a182ec934dc0c2346
// (2025-08-29), licence Apache-2.0:
// - `manPageLockedDown`, `manPageDisableSecurity`: the two examples of
//   docs/containers-policy.json.5.md ("A reasonably locked-down system", "Completely disable
//   security, allow all images, do not trust any signatures"). The first is written in the man
//   page as commented pseudo-JSON; it is converted to JSON by removing the `/* … */` comments,
//   adding the comma missing after `"subjectHostname": "test-user.example.com"` and removing the
//   trailing comma after the first `"rekorPublicKeyPath": "/path/to/rekor.pub"`. Everything else,
//   including the space in the scope `…fulcio-rekor- allows-malicious-tag-substitution`, is as
//   upstream wrote it.
// - `manPageRequirementSnippets`, `manPageIdentitySnippets`: the complete JSON snippets of the
//   man page's requirement and `signedIdentity` sections, each wrapped in a policy by the tests
//   (the snippets with placeholders, such as `docker_reference_value`, are not JSON).
// - `fixturePolicy`: signature/fixtures/policy.json, unchanged.
// - `defaultPolicy`: default-policy.json, unchanged.
// Stored as Swift literals because the CustodyPolicyTests target declares no resources.
enum UpstreamPolicies {
    /// docs/containers-policy.json.5.md, "A reasonably locked-down system" (converted as noted above).
    static let manPageLockedDown = #"""
        {
            "default": [{"type": "reject"}],
            "transports": {
                "docker": {
                    "docker.io/openshift": [{"type": "insecureAcceptAnything"}],
                    "docker.io/library/busybox": [{"type": "insecureAcceptAnything"}],
                    "*.temporary-project.example.com": [{"type": "insecureAcceptAnything"}],
                    "hostname:5000/myns/sigstore-signed-with-full-references": [
                        {
                            "type": "sigstoreSigned",
                            "keyPath": "/path/to/sigstore-pubkey.pub"
                        }
                    ],
                    "hostname:5000/myns/sigstore-signed-fulcio-rekor": [
                        {
                            "type": "sigstoreSigned",
                            "fulcio": {
                                "caPath": "/path/to/fulcio_v1.crt.pem",
                                "oidcIssuer": "https://github.com/login/oauth",
                                "subjectEmail": "test-user@example.com"
                            },
                            "rekorPublicKeyPath": "/path/to/rekor.pub"
                        }
                    ],
                    "hostname:5000/myns/sigstore-signed-byopki": [
                        {
                            "type": "sigstoreSigned",
                            "pki": {
                                "caRootsPath": "/path/to/pki_root_crts.pem",
                                "caIntermediatesPath": "/path/to/pki_intermediate_crts.pem",
                                "subjectHostname": "test-user.example.com",
                                "subjectEmail": "test-user@example.com"
                            }
                        }
                    ],
                    "hostname:5000/myns/sigstore-signed-allows-malicious-tag-substitution": [
                        {
                            "type": "sigstoreSigned",
                            "keyPath": "/path/to/sigstore-pubkey.pub",
                            "signedIdentity": {"type": "matchRepository"}
                        }
                    ],
                    "hostname:5000/myns/sigstore-signed-fulcio-rekor- allows-malicious-tag-substitution": [
                        {
                            "type": "sigstoreSigned",
                            "fulcio": {
                                "caPath": "/path/to/fulcio_v1.crt.pem",
                                "oidcIssuer": "https://github.com/login/oauth",
                                "subjectEmail": "test-user@example.com"
                            },
                            "rekorPublicKeyPath": "/path/to/rekor.pub",
                            "signedIdentity": { "type": "matchRepository" }
                        }
                    ]
                },
                "dir": {
                    "": [{"type": "insecureAcceptAnything"}]
                },
                "atomic": {
                    "hostname:5000/myns/official": [
                        {
                            "type": "signedBy",
                            "keyType": "GPGKeys",
                            "keyPath": "/path/to/official-pubkey.gpg"
                        }
                    ],
                    "hostname:5000/vendor/product": [
                        {
                            "type": "signedBy",
                            "keyType": "GPGKeys",
                            "keyPath": "/path/to/vendor-pubkey.gpg",
                            "signedIdentity": {
                                "type": "exactRepository",
                                "dockerRepository": "vendor-hostname/product/repository"
                            }
                        },
                        {
                            "type": "signedBy",
                            "keyType": "GPGKeys",
                            "keyPath": "/path/to/reviewer-pubkey.gpg"
                        }
                    ],
                    "private-mirror:5000/vendor-mirror": [
                        {
                            "type": "signedBy",
                            "keyType": "GPGKeys",
                            "keyPath": "/path/to/vendor-pubkey.gpg",
                            "signedIdentity": {
                                "type": "remapIdentity",
                                "prefix": "private-mirror:5000/vendor-mirror",
                                "signedPrefix": "vendor.example.com"
                            }
                        }
                    ]
                }
            }
        }
        """#

    /// docs/containers-policy.json.5.md, "Completely disable security, allow all images, do not trust any signatures".
    static let manPageDisableSecurity = #"""
        {
            "default": [{"type": "insecureAcceptAnything"}]
        }
        """#

    /// docs/containers-policy.json.5.md: the complete requirement snippets.
    static let manPageRequirementSnippets = [#"{"type":"insecureAcceptAnything"}"#, #"{"type":"reject"}"#]

    /// docs/containers-policy.json.5.md: the complete `signedIdentity` snippets.
    static let manPageIdentitySnippets = [#"{"type":"matchExact"}"#, #"{"type":"matchRepoDigestOrExact"}"#, #"{"type":"matchRepository"}"#]

    /// signature/fixtures/policy.json.
    static let fixturePolicy = #"""
        {
            "default": [
                {
                    "type": "reject"
                }
            ],
            "transports": {
                "dir": {
                    "": [
                        {
                            "type": "insecureAcceptAnything"
                        }
                    ]
                },
                "docker": {
                    "example.com/playground": [
                        {
                            "type": "insecureAcceptAnything"
                        }
                    ],
                    "example.com/production": [
                        {
                            "type": "signedBy",
                            "keyType": "GPGKeys",
                            "keyPath": "/keys/employee-gpg-keyring"
                        }
                    ],
                    "example.com/hardened": [
                        {
                            "type": "signedBy",
                            "keyType": "GPGKeys",
                            "keyPath": "/keys/employee-gpg-keyring",
                            "signedIdentity": {
                                "type": "matchRepository"
                            }
                        },
                        {
                            "type": "signedBy",
                            "keyType": "signedByGPGKeys",
                            "keyPath": "/keys/public-key-signing-gpg-keyring",
                            "signedIdentity": {
                                "type": "matchExact"
                            }
                        },
                        {
                            "type": "signedBaseLayer",
                            "baseLayerIdentity": {
                                "type": "exactRepository",
                                "dockerRepository": "registry.access.redhat.com/rhel7/rhel"
                            }
                        }
                    ],
                    "example.com/hardened-x509": [
                        {
                            "type": "signedBy",
                            "keyType": "X509Certificates",
                            "keyPath": "/keys/employee-cert-file",
                            "signedIdentity": {
                                "type": "matchRepository"
                            }
                        },
                        {
                            "type": "signedBy",
                            "keyType": "signedByX509CAs",
                            "keyPath": "/keys/public-key-signing-ca-file"
                        }
                    ],
                    "registry.access.redhat.com": [
                        {
                            "type": "signedBy",
                            "keyType": "signedByGPGKeys",
                            "keyPath": "/keys/RH-key-signing-key-gpg-keyring",
                            "signedIdentity": {
                                "type": "matchRepoDigestOrExact"
                            }
                        }
                    ],
                    "registry.redhat.io/beta": [
                        {
                            "type": "signedBy",
                            "keyType": "GPGKeys",
                            "keyPaths": ["/keys/RH-production-signing-key-gpg-keyring", "/keys/RH-beta-signing-key-gpg-keyring"]
                        }
                    ],
                    "private-mirror:5000/vendor-mirror": [
                        {
                            "type": "signedBy",
                            "keyType": "GPGKeys",
                            "keyPath": "/keys/vendor-gpg-keyring",
                            "signedIdentity": {
                                "type": "remapIdentity",
                                "prefix": "private-mirror:5000/vendor-mirror",
                                "signedPrefix": "vendor.example.com"
                            }
                        }
                    ],
                    "*.access.redhat.com": [
                        {
                            "type": "signedBy",
                            "keyType": "signedByGPGKeys",
                            "keyPath": "/keys/RH-key-signing-key-gpg-keyring",
                            "signedIdentity": {
                                "type": "matchRepoDigestOrExact"
                            }
                        }
                    ],
                    "*.redhat.com": [
                        {
                            "type": "signedBy",
                            "keyType": "signedByGPGKeys",
                            "keyPath": "/keys/RH-key-signing-key-gpg-keyring",
                            "signedIdentity": {
                                "type": "matchRepoDigestOrExact"
                            }
                        }
                    ],
                    "*.com": [
                        {
                            "type": "signedBy",
                            "keyType": "signedByGPGKeys",
                            "keyPath": "/keys/RH-key-signing-key-gpg-keyring",
                            "signedIdentity": {
                                "type": "matchRepoDigestOrExact"
                            }
                        }
                    ],
                    "bogus/key-data-example": [
                        {
                            "type": "signedBy",
                            "keyType": "signedByGPGKeys",
                            "keyData": "bm9uc2Vuc2U="
                        }
                    ],
                    "bogus/signed-identity-example": [
                        {
                            "type": "signedBaseLayer",
                            "baseLayerIdentity": {
                                "type": "exactReference",
                                "dockerReference": "registry.access.redhat.com/rhel7/rhel:latest"
                            }
                        }
                    ],
                    "example.com/sigstore/key-data-example": [
                        {
                            "type": "sigstoreSigned",
                            "keyData": "bm9uc2Vuc2U="
                        }
                    ],
                    "example.com/sigstore/key-path-example": [
                        {
                            "type": "sigstoreSigned",
                            "keyPath": "/keys/public-key",
                            "signedIdentity": {
                                "type": "matchRepository"
                            }
                        }
                    ]
                }
            }
        }
        """#

    /// default-policy.json.
    static let defaultPolicy = #"""
        {
            "default": [
                {
                    "type": "insecureAcceptAnything"
                }
            ],
            "transports":
                {
                    "docker-daemon":
                        {
                            "": [{"type":"insecureAcceptAnything"}]
                        }
                }
        }
        """#
}
