"""Optional ed25519 signatures of certificates (the `cryptography` library).

`--sign KEY.pem` puts the signer's public key in the certificate (`public_key`, PEM) and writes
meta/certificate.sig: the base64 signature over the certificate file's exact bytes. A verifier
checks the signature with the key the certificate names, and with `--trusted-key PUB.pem` also
requires that key to be the trusted one. Keys are PEM: PKCS8 private keys (unencrypted),
SubjectPublicKeyInfo public keys; `new_key_pair` writes one (private key mode 0600).
"""

from __future__ import annotations

import base64
import binascii
import os
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from interop_bridge.certify.certificate import (CERTIFICATE_PATH, SIGNATURE_PATH, Change,
                                                certificate_bytes, read_certificate)
from interop_bridge.errors import CertifyError

PRIVATE_NAME, PUBLIC_NAME = 'certify_key.pem', 'certify_key.pub.pem'


def new_key_pair(directory: Path) -> tuple[Path, Path]:
    """Write a new ed25519 key pair into `directory`; never overwrites a key."""
    directory.mkdir(parents=True, exist_ok=True)
    private, public = directory / PRIVATE_NAME, directory / PUBLIC_NAME
    for path in (private, public):
        if path.exists():
            msg = f'{path}: exists (a key is never overwritten)'
            raise CertifyError(msg)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    descriptor = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, 'wb') as stream:
        stream.write(pem)
    public.write_bytes(public_pem(key.public_key()).encode())
    return private, public


def public_pem(key: Ed25519PublicKey) -> str:
    """A public key as SubjectPublicKeyInfo PEM text."""
    return key.public_bytes(serialization.Encoding.PEM,
                            serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """An ed25519 private key from a PKCS8 PEM file; CertifyError otherwise."""
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError) as err:
        msg = f'{path}: not an unencrypted PEM private key ({err})'
        raise CertifyError(msg) from err
    if not isinstance(key, Ed25519PrivateKey):
        msg = f'{path}: a {type(key).__name__}, expected an ed25519 key'
        raise CertifyError(msg)
    return key


def load_public_key(data: bytes, source: str) -> Ed25519PublicKey:
    """An ed25519 public key from SubjectPublicKeyInfo PEM bytes; CertifyError otherwise."""
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as err:
        msg = f'{source}: not a PEM public key ({err})'
        raise CertifyError(msg) from err
    if not isinstance(key, Ed25519PublicKey):
        msg = f'{source}: a {type(key).__name__}, expected an ed25519 key'
        raise CertifyError(msg)
    return key


def sign_certificate(root: Path, certificate: dict[str, Any], key_path: Path) -> Path:
    """Name the key's public half in the certificate, write it and its signature."""
    key = load_private_key(key_path)
    certificate['public_key'] = public_pem(key.public_key())
    content = certificate_bytes(certificate)
    (root / CERTIFICATE_PATH).write_bytes(content)
    signature = root / SIGNATURE_PATH
    signature.write_bytes(base64.b64encode(key.sign(content)) + b'\n')
    return signature


def verify_signature(root: Path, trusted_key: Path | None = None) -> list[Change]:
    """What is wrong with the certificate's signature ([] = good, or unsigned and not required).

    With `trusted_key`, the certificate must be signed by exactly that key.
    """
    sig_path = root / SIGNATURE_PATH
    try:
        certificate = read_certificate(root)
    except CertifyError as err:
        return [Change('certificate', CERTIFICATE_PATH, str(err))]
    named = certificate.get('public_key')
    if not sig_path.is_file():
        if trusted_key is not None or named:
            return [Change('signature', SIGNATURE_PATH, 'missing (the certificate is unsigned)'
                           if not named else 'missing (the certificate names a signer)')]
        return []
    if not isinstance(named, str):
        return [Change('signature', SIGNATURE_PATH, 'the certificate names no public key')]
    signer = load_public_key(named.encode(), f'{CERTIFICATE_PATH} public_key')
    if trusted_key is not None:
        trusted = load_public_key(trusted_key.read_bytes(), str(trusted_key))
        if public_pem(trusted) != public_pem(signer):
            return [Change('signature', SIGNATURE_PATH,
                           f'signed by another key than the trusted {trusted_key}')]
    try:
        signer.verify(base64.b64decode(sig_path.read_bytes().strip(), validate=True),
                      (root / CERTIFICATE_PATH).read_bytes())
    except (InvalidSignature, binascii.Error, ValueError) as err:
        return [Change('signature', SIGNATURE_PATH, 'does not match the certificate '
                       f'(certificate or signature altered){": " + str(err) if str(err) else ""}')]
    return []
