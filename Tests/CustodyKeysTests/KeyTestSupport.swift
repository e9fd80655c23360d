import Foundation
import CustodyKeys

/// PEM keys made once with PyPI `cryptography` 48.0.0 (`private_bytes` / `public_bytes`), embedded so
/// the PEM tests need no peer tool. Each constant names its algorithm and form.
enum KeyFixtures {
    static let p256SEC1 = """
-----BEGIN EC PRIVATE KEY-----
MHcCAQEEIHEfKpGBdqvSzBfb+6/Q+xNFnxasw0oO+0tM2VkwMDtWoAoGCCqGSM49
AwEHoUQDQgAEPM3Jast3uNJ9dF+noJHvJAIHvqyr027SI1laYC4EiBZpNpI1gL5M
+18abpK2IS8JLQi2waiXKrVUUtvnmtLOFg==
-----END EC PRIVATE KEY-----
"""
    static let p256SPKI = """
-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEPM3Jast3uNJ9dF+noJHvJAIHvqyr
027SI1laYC4EiBZpNpI1gL5M+18abpK2IS8JLQi2waiXKrVUUtvnmtLOFg==
-----END PUBLIC KEY-----
"""
    static let p384SEC1 = """
-----BEGIN EC PRIVATE KEY-----
MIGkAgEBBDB2+hWuVXCGIOEF7hYzc//iuXqEHspePRP1ftYndMo1AvY6Ijuvb57F
sZx/v2y7osygBwYFK4EEACKhZANiAAR//HVH9HSYCXQmqwONN7FVqy5/avpBBMoX
9o9Wa76Ca+n762DzdmitdqvNRn9C8RFHtAgnMKuHFEU92oyNuqO0cTiC842AKTba
IKnyVzwpFEjphDOD+YwD2mTxJESwV5k=
-----END EC PRIVATE KEY-----
"""
    static let p384PKCS8 = """
-----BEGIN PRIVATE KEY-----
MIG2AgEAMBAGByqGSM49AgEGBSuBBAAiBIGeMIGbAgEBBDB2+hWuVXCGIOEF7hYz
c//iuXqEHspePRP1ftYndMo1AvY6Ijuvb57FsZx/v2y7osyhZANiAAR//HVH9HSY
CXQmqwONN7FVqy5/avpBBMoX9o9Wa76Ca+n762DzdmitdqvNRn9C8RFHtAgnMKuH
FEU92oyNuqO0cTiC842AKTbaIKnyVzwpFEjphDOD+YwD2mTxJESwV5k=
-----END PRIVATE KEY-----
"""
    static let ed25519PKCS8 = """
-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIIXyAS08dYO0Panc0cEzppYjWp95fdMe6gYoPl9zeMy8
-----END PRIVATE KEY-----
"""
    static let ed25519SPKI = """
-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEA3UJ8tRAhiWA+4kM1v29WzHgrxIkhwl6XYPCYEaWA2sA=
-----END PUBLIC KEY-----
"""
    static let rsa2048PKCS1 = """
-----BEGIN RSA PRIVATE KEY-----
MIIEoQIBAAKCAQEAgm2r/fOcvL7NaZKquodbtsn9ze4DCOcpmt+xUFq11Gac8XDm
d1GUk1u2RFN6WR78uZAtDVJKPnvp8l3v+lcOHpLbHKOeWXK+ZS6QGhYJY5ppgKeX
gLLyGEEZefvkRZyVZiWIslXqWsnYETxdtwAXWXZr0/SO4CIiIIEVzyypBkwKmC4p
vBspChZCn+zocJv+P2sZqEsH6GcrZvKucTeNeghmzK5I6+KpMatvbCUTQ6zSIJsT
/k9ltySuqdiwt9vz0qBc7pAKBw9ZzUIlZJ5a1tLdNTb7F57roX1DQ7qPtcQP+OK4
PIIdK9WOJMuXtIX2coptVmoUWSfzJK3DrZQEEQIDAQABAoH/Kb3on0Tir1qoTY+R
KahaGPCTcN8py0Fo6DKn8+FM86mcXwyUtaI/LjES7tIsIItjJLkKXMO825C3bqua
kCPv5G5bjgtPUJE6Omeo9rBIkPf6GiDeGEeengD+vzKTwvqrx3NfSLPZ9BDW53RY
l/xIYE6tHmTxDdFs9w91Z9T0/DWWt7+9yeGPTTjZeX3rQA5L504jYjn8Jl6gYwpl
6aMjbqJULIEVG2L/5w/AHk7qpvXQqkfVBBJUNNdvTyLIvoXPzSy4wilRMc7UAyuH
VNsWeuC4MHlyf/tyJPjN/sxVH0who02vP4IueWbLbML8wFekzO1WYGhyErDedHNK
AKHBAoGBALfhbqG1ekGCJUpTlcdw0+f0eCOVFyZEWbiLuAEFLz1lTnpCfiDdrzWl
eZr/NXjYpRcM5ZZrj7tA3Upz7g/5AeM7A4aE2OL29Wz3kwCXxumiFn/dXrAv60n7
8v76/F85SmLAcfh3TM0TTjHij7D1tPc5k8IRcb0Q9NZZZZX0xGIxAoGBALWVXKuJ
m/Qb//Juxcb5hjzenZlEA2IXmKC085ICxUc6XjwfbpXZnPbJwf6Q8hkARHV3e94d
662V/YWtKwqpfw9Gi7XFK98rfA/agcCXY94J1iuS3eXera6Hz0D1UOOeORcYRQnn
wbSoWQpCffdIT2TCcQI+QgVSGglfvn+K+GfhAoGAYn71xNcx+p8dHHgzddahG9Ge
/OhisxPPv4PP93PwfwGiDOlLKI22yZSu0/C6ktXxcKxu2qkZH6O6JaR9s76dXTuC
Qu8sQj8o7cqbyqiCWymAxdMtYlD4xvOXkS+eOd+1UbpmEkLNN9iMfTov4AltezQz
SrQPacgIbj0Kpk2rWDECgYEAhltaEmLjzh/Zphxoou2GcguWOQ2mIzKqcF7zypna
NvXtPDdVr/MwvTpUHHRLbkxQW0ppkNQ6ylotGHglXOJFbZwZTAn0iFC4n1Jip4pd
DrHgkqU9IxU9FeLPa5UYoRM10uzWSJn/LhlSqNDCO/J5LGjjDXHbj+xL75u0bNL7
MoECgYAVI13uYinyhdTSXiNsF6OiV4bbTLOElyGpsQDa4soZACZNskpDA21cn39D
usdclkJJrFVlnzPssUsrR1eiGihjL1SWdKRl8IxXWcEDVEG3Lo/V2RGcqCc1dyJl
u31hDNT+wPBczdS2dFfWC+QjGo4gcnEwf8tEGonfcqZFEFnRZQ==
-----END RSA PRIVATE KEY-----
"""
    static let rsa2048PublicPKCS1 = """
-----BEGIN RSA PUBLIC KEY-----
MIIBCgKCAQEAgm2r/fOcvL7NaZKquodbtsn9ze4DCOcpmt+xUFq11Gac8XDmd1GU
k1u2RFN6WR78uZAtDVJKPnvp8l3v+lcOHpLbHKOeWXK+ZS6QGhYJY5ppgKeXgLLy
GEEZefvkRZyVZiWIslXqWsnYETxdtwAXWXZr0/SO4CIiIIEVzyypBkwKmC4pvBsp
ChZCn+zocJv+P2sZqEsH6GcrZvKucTeNeghmzK5I6+KpMatvbCUTQ6zSIJsT/k9l
tySuqdiwt9vz0qBc7pAKBw9ZzUIlZJ5a1tLdNTb7F57roX1DQ7qPtcQP+OK4PIId
K9WOJMuXtIX2coptVmoUWSfzJK3DrZQEEQIDAQAB
-----END RSA PUBLIC KEY-----
"""
    static let rsa1024PKCS8 = """
-----BEGIN PRIVATE KEY-----
MIICdgIBADANBgkqhkiG9w0BAQEFAASCAmAwggJcAgEAAoGBAMW6WeeoL9b7Y0z/
oY23YuNVusy1EvnzKlo4O6z1hLS4mTDny8xKUQwdd26fks3RG0ojWfDU0OCqqpDI
qc+QAYf7sht7lm47uFJoZJ5X99nWMYwYJZpHt0gJHjcoA7SqTJ/XoHBUjQ+ulBTE
Mz+mCVNgM5067XcZ0MIMfDFcOugBAgMBAAECgYAglkrU7BoeU0YVXZgRlCS/FNT5
gepDuXjEb7oeEkSxyC6vKbSj0aez2HNjjvcR5qGZwWPEVj6qmFYOEJQz+ibWKRoI
Vd0fqYLa9Pao8brdzzkzV2GKBlyAh0h7NBd8Jk6raYt4MBYIX5PAqUFxx9Ck+C7w
UqgFdmJCpzV7bWf1wQJBAPMpERuDafA14VWYNR17NuiLgR3IbL1/LpgA2fG+OARi
xXuihkSsd9V/uLKCIK7LkKcRCZAnG6X+H0BOBpw8dQkCQQDQKyYDgk59RTu5wtBq
ZGCDufBS3kU4V3WG/a/2zmGP7DrRxHfa4CHGu0iiOJ8jLHzCqk2plOOt2cTqqEMY
FVE5AkBaK71zVX1AncptAl+YCiwneiwsTjm839/4cEBh/CcrwTD4kyF1b/uUSaPF
VqomB8khmxjPwyDmomEWaJjc8TJ5AkBZ+syrp5+Vtl9ipDrCQjEVv0GKEFmLSQKc
Hvv4iqzRMSMbmPjVuxvecwWqWR8wbQJggoyfSKRBeWgMpj6aIlzBAkEArPdPkolH
lHWx4/HiM0J76LyEC4WpSeKrb/P5akm7ElXzM0ew+U4t5wOVG8KlDiRguZBL3QRX
yQhdRqIHJjqs0g==
-----END PRIVATE KEY-----
"""
    static let rsa1024SPKI = """
-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDFulnnqC/W+2NM/6GNt2LjVbrM
tRL58ypaODus9YS0uJkw58vMSlEMHXdun5LN0RtKI1nw1NDgqqqQyKnPkAGH+7Ib
e5ZuO7hSaGSeV/fZ1jGMGCWaR7dICR43KAO0qkyf16BwVI0PrpQUxDM/pglTYDOd
Ou13GdDCDHwxXDroAQIDAQAB
-----END PUBLIC KEY-----
"""
    static let p521SEC1 = """
-----BEGIN EC PRIVATE KEY-----
MIHcAgEBBEIAPUIyedyoMC/3JjrYi8hqhBgPkarGk3uPClohgCvLSYKrBrDUTv8o
SzLO0t+6zt8S+evkprR1gULF2yqEJir/uhSgBwYFK4EEACOhgYkDgYYABAC5FOVm
is9Kmdpujgg3fYJEutSagOLNLHl1gEKp+jEY64p5BH3K7hxKEeTw4WKh0mV6IDb0
E02WdQx8I+hc9/TBsQA7SxHjaEeFNK2t0nCzRG9rK7r1zHHMiunxk7mt9jQ0ZZUr
18nR4POvulvHyogPen2eZiREe06MazRfqogkU/w5Cw==
-----END EC PRIVATE KEY-----
"""
    static let p521SPKI = """
-----BEGIN PUBLIC KEY-----
MIGbMBAGByqGSM49AgEGBSuBBAAjA4GGAAQAuRTlZorPSpnabo4IN32CRLrUmoDi
zSx5dYBCqfoxGOuKeQR9yu4cShHk8OFiodJleiA29BNNlnUMfCPoXPf0wbEAO0sR
42hHhTStrdJws0Rvayu69cxxzIrp8ZO5rfY0NGWVK9fJ0eDzr7pbx8qID3p9nmYk
RHtOjGs0X6qIJFP8OQs=
-----END PUBLIC KEY-----
"""
    static let p521PKCS8 = """
-----BEGIN PRIVATE KEY-----
MIHuAgEAMBAGByqGSM49AgEGBSuBBAAjBIHWMIHTAgEBBEIAPUIyedyoMC/3JjrY
i8hqhBgPkarGk3uPClohgCvLSYKrBrDUTv8oSzLO0t+6zt8S+evkprR1gULF2yqE
Jir/uhShgYkDgYYABAC5FOVmis9Kmdpujgg3fYJEutSagOLNLHl1gEKp+jEY64p5
BH3K7hxKEeTw4WKh0mV6IDb0E02WdQx8I+hc9/TBsQA7SxHjaEeFNK2t0nCzRG9r
K7r1zHHMiunxk7mt9jQ0ZZUr18nR4POvulvHyogPen2eZiREe06MazRfqogkU/w5
Cw==
-----END PRIVATE KEY-----
"""
    /// secp256k1 (OID 1.3.132.0.10), a curve Custody does not support.
    static let secp256k1SEC1 = """
-----BEGIN EC PRIVATE KEY-----
MHQCAQEEIC/7uL8oIM4TRe6cYuRSVdl/X/ai+t1u6VnzvcdTl5LeoAcGBSuBBAAK
oUQDQgAE1n3UOVhTnY5TRLrM5B7tcBJNfrW2331ADJl4VQkAR4INhIf3BFrslOts
uOnejGKX6PmpimELJpGySpQ9K1omIQ==
-----END EC PRIVATE KEY-----
"""
    static let secp256k1PKCS8 = """
-----BEGIN PRIVATE KEY-----
MIGEAgEAMBAGByqGSM49AgEGBSuBBAAKBG0wawIBAQQgL/u4vyggzhNF7pxi5FJV
2X9f9qL63W7pWfO9x1OXkt6hRANCAATWfdQ5WFOdjlNEuszkHu1wEk1+tbbffUAM
mXhVCQBHgg2Eh/cEWuyU62y46d6MYpfo+amKYQsmkbJKlD0rWiYh
-----END PRIVATE KEY-----
"""
    static let secp256k1SPKI = """
-----BEGIN PUBLIC KEY-----
MFYwEAYHKoZIzj0CAQYFK4EEAAoDQgAE1n3UOVhTnY5TRLrM5B7tcBJNfrW2331A
DJl4VQkAR4INhIf3BFrslOtsuOnejGKX6PmpimELJpGySpQ9K1omIQ==
-----END PUBLIC KEY-----
"""
    static let ed448SPKI = """
-----BEGIN PUBLIC KEY-----
MEMwBQYDK2VxAzoAahKKJLh2gf+cLWXKNUZYNjX6rzCTKh9MPTT4C1CDVA8EaW4f
/heLRotvL5jDk5zfnfLPacun2dyA
-----END PUBLIC KEY-----
"""
}

/// The signature algorithms each key algorithm can serve.
func signingAlgorithms(for algorithm: KeyAlgorithm) -> [SigningAlgorithm] {
    SigningAlgorithm.allCases.filter { $0.keyAlgorithm == algorithm }
}

/// Key types the tests generate; one per algorithm (RSA 4096 generation is slow and adds nothing).
let testedKeyTypes: [KeyType] = [.ecdsaP256, .ecdsaP384, .ed25519, .rsa2048, .rsa3072]

/// A message for signing tests.
let testMessage = Array("custody signs this manifest".utf8)

/// `bytes` with one bit flipped at `index` (clamped).
func flipped(_ bytes: [UInt8], at index: Int = 0) -> [UInt8] {
    var copy = bytes
    guard !copy.isEmpty else { return [1] }
    copy[min(max(index, 0), copy.count - 1)] ^= 0x01
    return copy
}

extension KeyType {
    var defaultAlgorithm: SigningAlgorithm {
        switch self {
        case .ecdsaP256: .ecdsaP256SHA256
        case .ecdsaP384: .ecdsaP384SHA384
        case .ed25519: .ed25519
        case .ecdsaP521: .ecdsaP521SHA512
        case .rsa2048, .rsa3072, .rsa4096: .rsaPKCS1SHA256
        }
    }
}

extension String {
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = range(of: target) else { return self }
        return replacingCharacters(in: range, with: replacement)
    }
}
