"""Certificates: the grade of a dataset or a recording, bound to the content it graded.

A certificate holds the rubric and tool versions, the date, the level reached and what blocks
the next, every check's result (findings: the count and the first 20), and the SHA-256 and size
of every file of its subject; `verify` recomputes the hashes and lists what changed since
(signing.py checks who certified it).

Its subject (`Subject`) is a dataset directory (the certificate is meta/certificate.json,
every file of the dataset but the certificate and its signature is hashed) or a rosbag2
recording (`recording_subject`: the certificate is `<bag>.certificate.json` beside the bag
directory or file, so the bag stays byte for byte what the recorder wrote; every file of a bag
directory is hashed, and of a lone .mcap/.db3 file, it and the -journal/-wal SQLite left
beside it if any).
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from interop_bridge.certify.model import CheckResult, CheckSpec
from interop_bridge.certify.rubric import RUBRIC_VERSION, level_reached
from interop_bridge.errors import CertifyError

CERTIFICATE_PATH = 'meta/certificate.json'
SIGNATURE_PATH = 'meta/certificate.sig'
RECORDING_CERTIFICATE_SUFFIX = '.certificate.json'
RECORDING_SIGNATURE_SUFFIX = '.certificate.sig'
SIDE_FILES = ('-journal', '-wal')  # what SQLite leaves beside a database it did not close
FORMAT = 'interop-certificate/1'
TOOL = 'interop_bridge certify 0.1.0'
FIRST_FINDINGS = 20
CHUNK = 1 << 20


@dataclass(frozen=True)
class Subject:
    """What a certificate covers and where it is written.

    `root` is what the hashed paths are relative to. `members` None: every file under `root`
    (but the certificate and signature); else only these names in `root` that exist.
    """

    kind: str                            # 'dataset' or 'recording'
    root: Path
    certificate: Path
    signature: Path
    members: tuple[str, ...] | None = None

    @property
    def certificate_name(self) -> str:
        """The certificate as the user knows it (meta/certificate.json, g1.certificate.json)."""
        return _shown(self, self.certificate)

    @property
    def signature_name(self) -> str:
        """The signature file as the user knows it."""
        return _shown(self, self.signature)

    def files(self) -> dict[str, Path]:
        """relative path -> file, for every file the certificate covers, in sorted order."""
        if self.members is not None:
            return {name: self.root / name for name in self.members
                    if (self.root / name).is_file()}
        skipped = {self.certificate, self.signature}
        return {path.relative_to(self.root).as_posix(): path
                for path in sorted(self.root.rglob('*')) if path.is_file()
                and path not in skipped}


def _shown(subject: Subject, path: Path) -> str:
    return path.relative_to(subject.root).as_posix() if subject.kind == 'dataset' else path.name


def dataset_subject(root: Path) -> Subject:
    """A dataset directory: meta/certificate.json over every other file of it."""
    return Subject('dataset', root, root / CERTIFICATE_PATH, root / SIGNATURE_PATH)


def recording_subject(bag: Path) -> Subject:
    """A bag directory or lone storage file: `<bag>.certificate.json` beside it."""
    certificate = bag.with_name(bag.name + RECORDING_CERTIFICATE_SUFFIX)
    signature = bag.with_name(bag.name + RECORDING_SIGNATURE_SUFFIX)
    if bag.is_dir():
        return Subject('recording', bag, certificate, signature)
    members = (bag.name, *(bag.name + side for side in SIDE_FILES))
    return Subject('recording', bag.parent, certificate, signature, members)


def _subject(target: Path | Subject) -> Subject:
    return target if isinstance(target, Subject) else dataset_subject(Path(target))


def file_digest(path: Path) -> dict[str, Any]:
    """{'sha256': hex, 'bytes': size} of one file (read in 1 MiB chunks)."""
    digest, size = hashlib.sha256(), 0
    with path.open('rb') as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return {'sha256': digest.hexdigest(), 'bytes': size}


def content_hashes(target: Path | Subject) -> dict[str, dict[str, Any]]:
    """relative path -> digest, for every file the certificate of `target` covers."""
    return {relative: file_digest(path) for relative, path in _subject(target).files().items()}


def result_entry(result: CheckResult, spec: CheckSpec | None) -> dict[str, Any]:
    """One check's result as the certificate records it."""
    return {'id': result.check_id, 'passed': result.passed, 'skipped': result.skipped,
            'severity': spec.severity if spec else None, 'level': spec.level if spec else None,
            'figure': result.figure, 'unit': result.unit, 'detail': result.detail,
            'findings_count': len(result.findings),
            'findings': [{'episode': f.episode, 'detail': f.detail}
                         for f in result.findings[:FIRST_FINDINGS]]}


def build_certificate(target: Path | Subject, results: Sequence[CheckResult],
                      specs: Sequence[CheckSpec],
                      extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The certificate document of a graded subject (not yet written).

    `extra` adds top-level entries (a recording's `recording` record); it cannot replace one.
    """
    subject = _subject(target)
    level, blocking = level_reached(results, specs)
    by_id = {spec.id: spec for spec in specs}
    document = {'format': FORMAT, 'rubric_version': RUBRIC_VERSION, 'tool': TOOL,
                'date': datetime.datetime.now(datetime.timezone.utc).isoformat(
                    timespec='seconds'),
                'level': level, 'blocking': blocking,
                'results': [result_entry(r, by_id.get(r.check_id)) for r in results],
                'files': content_hashes(subject)}
    if subject.kind != 'dataset':
        document['subject'] = subject.kind
    clashes = sorted(set(extra or {}) & (set(document) | {'public_key'}))
    if clashes:
        msg = f'certificate entries given twice: {", ".join(clashes)}'
        raise CertifyError(msg)
    return {**document, **(extra or {})}


def certificate_bytes(certificate: dict[str, Any]) -> bytes:
    """The certificate as written (the bytes a signature covers)."""
    return (json.dumps(certificate, indent=1, sort_keys=True) + '\n').encode()


def write_certificate(target: Path | Subject, certificate: dict[str, Any]) -> Path:
    """Write the certificate (removing a signature of an earlier certificate)."""
    subject = _subject(target)
    subject.certificate.write_bytes(certificate_bytes(certificate))
    subject.signature.unlink(missing_ok=True)
    return subject.certificate


def read_certificate(target: Path | Subject) -> dict[str, Any]:
    """The certificate of `target`; CertifyError when it is missing or unreadable."""
    path = _subject(target).certificate
    try:
        content = json.loads(path.read_bytes())
    except (OSError, ValueError) as err:
        msg = f'{path}: certificate unreadable ({type(err).__name__}: {err})'
        raise CertifyError(msg) from err
    if not isinstance(content, dict) or not isinstance(content.get('files'), dict):
        msg = f'{path}: not a certificate (no "files" object)'
        raise CertifyError(msg)
    return content


def verify(target: str | Path | Subject) -> list[Change]:
    """What changed in the subject since its certificate was written ([] = nothing)."""
    subject = _subject(target if isinstance(target, Subject) else Path(target))
    try:
        recorded: dict[str, Any] = read_certificate(subject)['files']
    except CertifyError as err:
        return [Change('certificate', subject.certificate_name, str(err))]
    current = content_hashes(subject)
    where = 'the dataset' if subject.kind == 'dataset' else 'the recording'
    changes = [Change('removed', path, f'in the certificate, not in {where}')
               for path in sorted(set(recorded) - set(current))]
    changes += [Change('added', path, f'in {where}, not in the certificate')
                for path in sorted(set(current) - set(recorded))]
    for path in sorted(set(recorded) & set(current)):
        if (change := _modified(path, recorded[path], current[path])) is not None:
            changes.append(change)
    return changes


def _modified(path: str, was: Any, now: dict[str, Any]) -> Change | None:
    if isinstance(was, dict) and was.get('sha256') == now['sha256'] \
            and was.get('bytes') == now['bytes']:
        return None
    old = was.get('sha256', '?') if isinstance(was, dict) else '?'
    size = was.get('bytes') if isinstance(was, dict) else '?'
    return Change('modified', path, f'sha256 {str(old)[:12]}.. ({size} B) '
                  f'-> {now["sha256"][:12]}.. ({now["bytes"]} B)')


@dataclass(frozen=True)
class Change:
    """One difference between a subject (dataset or recording) and its certificate."""

    kind: str   # 'added', 'removed', 'modified', 'certificate', 'signature'
    path: str   # relative to the subject's root
    detail: str

    def __str__(self) -> str:
        """'modified data/chunk-000/file-000.parquet: sha256 ab12.. -> cd34..'."""
        return f'{self.kind} {self.path}: {self.detail}'
