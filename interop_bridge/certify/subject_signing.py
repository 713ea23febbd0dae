"""Signatures of any certificate: a dataset's or a recording's (signing.py does the signing).

signing.py signs and checks meta/certificate.json of a dataset directory. A recording's
certificate sits beside the bag (`<bag>.certificate.json`, `<bag>.certificate.sig`): it is
staged, byte for byte, in a temporary directory laid out as a dataset's meta/, signed or
checked there by the same code, and the result copied back (for signing) or reported under the
recording's own file names (for checking).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from interop_bridge.certify.certificate import (CERTIFICATE_PATH, SIGNATURE_PATH, Change,
                                                Subject, dataset_subject)
from interop_bridge.certify.signing import sign_certificate, verify_signature


def sign_subject(subject: Subject, certificate: dict[str, Any], key_path: Path) -> Path:
    """Name the key's public half in the certificate, write it and its signature."""
    if subject.kind == 'dataset':
        return sign_certificate(subject.root, certificate, key_path)
    with tempfile.TemporaryDirectory(prefix='interop-sign-') as scratch:
        staged = dataset_subject(Path(scratch))
        staged.certificate.parent.mkdir()
        sign_certificate(staged.root, certificate, key_path)
        shutil.copyfile(staged.certificate, subject.certificate)
        shutil.copyfile(staged.signature, subject.signature)
    return subject.signature


def verify_subject_signature(subject: Subject, trusted_key: Path | None = None) -> list[Change]:
    """What is wrong with the certificate's signature ([] = good, or unsigned and not required)."""
    if subject.kind == 'dataset':
        return verify_signature(subject.root, trusted_key)
    with tempfile.TemporaryDirectory(prefix='interop-verify-') as scratch:
        staged = dataset_subject(Path(scratch))
        staged.certificate.parent.mkdir()
        for source, copy in ((subject.certificate, staged.certificate),
                             (subject.signature, staged.signature)):
            if source.is_file():
                shutil.copyfile(source, copy)
        changes = verify_signature(staged.root, trusted_key)
        names = {CERTIFICATE_PATH: subject.certificate_name,
                 SIGNATURE_PATH: subject.signature_name}
        paths = {str(staged.certificate): str(subject.certificate),
                 str(staged.signature): str(subject.signature), **names}
        return [Change(change.kind, names.get(change.path, change.path),
                       _renamed(change.detail, paths)) for change in changes]


def _renamed(text: str, paths: dict[str, str]) -> str:
    for staged, shown in paths.items():
        text = text.replace(staged, shown)
    return text
