#!/usr/bin/python3
"""PyKCS11 (Debian python3-pykcs11): lists the slots, logs in to the token LABEL, generates an EC P-256 and an
RSA-2048 key pair, signs DATA with each and writes the signatures (ECDSA as DER) next to DATA.
Usage: pykcs11_sign.py MODULE LABEL PIN DATA"""
import sys

import PyKCS11
from PyKCS11.LowLevel import (CKA_CLASS, CKA_EC_PARAMS, CKA_ID, CKA_KEY_TYPE, CKA_LABEL, CKA_MODULUS_BITS,
                              CKA_PRIVATE, CKA_PUBLIC_EXPONENT, CKA_SENSITIVE, CKA_SIGN, CKA_TOKEN, CKA_VERIFY,
                              CKK_EC, CKK_RSA, CKM_ECDSA_SHA256, CKM_EC_KEY_PAIR_GEN, CKM_RSA_PKCS_KEY_PAIR_GEN,
                              CKM_SHA256_RSA_PKCS, CKO_PRIVATE_KEY, CKO_PUBLIC_KEY)

module, label, pin, data_path = sys.argv[1:5]
lib = PyKCS11.PyKCS11Lib()
lib.load(module)
print("library:", lib.getInfo().libraryDescription.strip())
slot = None
for s in lib.getSlotList(tokenPresent=True):
    token = lib.getTokenInfo(s).label.strip()
    print("slot %d: %s" % (s, token))
    if token == label:
        slot = s
if slot is None:
    sys.exit("no token " + label)

session = lib.openSession(slot, PyKCS11.CKF_SERIAL_SESSION | PyKCS11.CKF_RW_SESSION)
session.login(pin)
data = open(data_path, "rb").read()


def der_ecdsa(raw):
    def integer(b):
        b = b.lstrip(b"\0") or b"\0"
        if b[0] & 0x80:
            b = b"\0" + b
        return b"\x02" + bytes([len(b)]) + b
    half = len(raw) // 2
    body = integer(raw[:half]) + integer(raw[half:])
    return b"\x30" + bytes([len(body)]) + body


pairs = [
    ("py-ec", 0x01, CKM_EC_KEY_PAIR_GEN, CKM_ECDSA_SHA256,
     [(CKA_KEY_TYPE, CKK_EC), (CKA_EC_PARAMS, bytes.fromhex("06082a8648ce3d030107"))]),
    ("py-rsa", 0x02, CKM_RSA_PKCS_KEY_PAIR_GEN, CKM_SHA256_RSA_PKCS,
     [(CKA_KEY_TYPE, CKK_RSA), (CKA_MODULUS_BITS, 2048), (CKA_PUBLIC_EXPONENT, (1, 0, 1))]),
]
for name, key_id, gen, mech, attrs in pairs:
    common = [(CKA_TOKEN, True), (CKA_LABEL, name), (CKA_ID, (key_id,))]
    pub, priv = session.generateKeyPair(
        [(CKA_CLASS, CKO_PUBLIC_KEY), (CKA_VERIFY, True)] + common + attrs,
        [(CKA_CLASS, CKO_PRIVATE_KEY), (CKA_SIGN, True), (CKA_PRIVATE, True), (CKA_SENSITIVE, True)] + common,
        mecha=PyKCS11.Mechanism(gen, None))
    print("generated %s: %s" % (name, session.getAttributeValue(priv, [CKA_LABEL])[0]))
    signature = bytes(session.sign(priv, data, PyKCS11.Mechanism(mech, None)))
    print("signed with %s: %d bytes" % (name, len(signature)))
    print("verified by the token: %s" % session.verify(pub, data, signature, PyKCS11.Mechanism(mech, None)))
    with open("%s.%s.sig" % (data_path, name), "wb") as f:
        f.write(der_ecdsa(signature) if gen == CKM_EC_KEY_PAIR_GEN else signature)

session.logout()
session.closeSession()
