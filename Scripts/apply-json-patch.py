#!/usr/bin/env python3
"""Applies an admission webhook's JSON Patch to the object of its AdmissionReview, with an
independent RFC 6902 implementation (PyPI `jsonpatch`), for the webhook tests.

Usage: apply-json-patch.py REVIEW.json PATCH_BASE64

REVIEW.json is the AdmissionReview the webhook was sent; PATCH_BASE64 is the `response.patch`
it answered (base64 of a JSON Patch document). Prints the patched object as JSON on standard
output. Exits 1 when the patch is not base64, not a JSON Patch, or does not apply (a `replace`
of a path that does not exist fails, as the API server's would).
"""
import base64
import json
import sys

import jsonpatch


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[1], "rb") as handle:
        review = json.load(handle)
    try:
        document = json.loads(base64.b64decode(sys.argv[2], validate=True))
        patched = jsonpatch.JsonPatch(document).apply(review["request"]["object"])
    except Exception as error:  # any failure is the answer "does not apply"
        print(f"the patch does not apply: {error}", file=sys.stderr)
        return 1
    json.dump(patched, sys.stdout, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
