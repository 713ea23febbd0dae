"""meta/certificate.json: the grade of a dataset, bound to the content it graded.

The certificate holds the rubric and tool versions, the date, the level reached and what blocks
the next, every check's result (findings: the count and the first 20), and the SHA-256 and size
of every file of the dataset except the certificate and its signature. `verify` recomputes the
hashes and lists what changed since (signing.py checks who certified it).
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from interop_bridge.certify.model import CheckResult, CheckSpec
from interop_bridge.certify.rubric import RUBRIC_VERSION, level_reached
from interop_bridge.errors import CertifyError

CERTIFICATE_PATH = 'meta/certificate.json'
SIGNATURE_PATH = 'meta/certificate.sig'
FORMAT = 'interop-certificate/1'
TOOL = 'interop_bridge certify 0.1.0'
FIRST_FINDINGS = 20
CHUNK = 1 << 20


@dataclass(frozen=True)
class Change:
    """One difference between a dataset and its certificate."""

    kind: str   # 'added', 'removed', 'modified', 'certificate', 'signature'
    path: str   # relative to the dataset root
    detail: str

    def __str__(self) -> str:
        """'modified data/chunk-000/file-000.parquet: sha256 ab12.. -> cd34..'."""
        return f'{self.kind} {self.path}: {self.detail}'


def file_digest(path: Path) -> dict[str, Any]:
    """{'sha256': hex, 'bytes': size} of one file (read in 1 MiB chunks)."""
    digest, size = hashlib.sha256(), 0
    with path.open('rb') as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return {'sha256': digest.hexdigest(), 'bytes': size}


def content_hashes(root: Path) -> dict[str, dict[str, Any]]:
    """relative path -> digest, for every file under `root` but the certificate and signature."""
    skipped = {CERTIFICATE_PATH, SIGNATURE_PATH}
    return {relative: file_digest(path) for path in sorted(root.rglob('*'))
            if path.is_file() and (relative := path.relative_to(root).as_posix()) not in skipped}


def result_entry(result: CheckResult, spec: CheckSpec | None) -> dict[str, Any]:
    """One check's result as the certificate records it."""
    return {'id': result.check_id, 'passed': result.passed, 'skipped': result.skipped,
            'severity': spec.severity if spec else None, 'level': spec.level if spec else None,
            'figure': result.figure, 'unit': result.unit, 'detail': result.detail,
            'findings_count': len(result.findings),
            'findings': [{'episode': f.episode, 'detail': f.detail}
                         for f in result.findings[:FIRST_FINDINGS]]}


def build_certificate(root: Path, results: Sequence[CheckResult],
                      specs: Sequence[CheckSpec]) -> dict[str, Any]:
    """The certificate document of a graded dataset (not yet written)."""
    level, blocking = level_reached(results, specs)
    by_id = {spec.id: spec for spec in specs}
    return {'format': FORMAT, 'rubric_version': RUBRIC_VERSION, 'tool': TOOL,
            'date': datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds'),
            'level': level, 'blocking': blocking,
            'results': [result_entry(r, by_id.get(r.check_id)) for r in results],
            'files': content_hashes(root)}


def certificate_bytes(certificate: dict[str, Any]) -> bytes:
    """The certificate as written (the bytes a signature covers)."""
    return (json.dumps(certificate, indent=1, sort_keys=True) + '\n').encode()


def write_certificate(root: Path, certificate: dict[str, Any]) -> Path:
    """Write meta/certificate.json (removing a signature of an earlier certificate)."""
    path = root / CERTIFICATE_PATH
    path.write_bytes(certificate_bytes(certificate))
    (root / SIGNATURE_PATH).unlink(missing_ok=True)
    return path


def read_certificate(root: Path) -> dict[str, Any]:
    """meta/certificate.json; CertifyError when it is missing or unreadable."""
    path = root / CERTIFICATE_PATH
    try:
        content = json.loads(path.read_bytes())
    except (OSError, ValueError) as err:
        msg = f'{path}: certificate unreadable ({type(err).__name__}: {err})'
        raise CertifyError(msg) from err
    if not isinstance(content, dict) or not isinstance(content.get('files'), dict):
        msg = f'{path}: not a certificate (no "files" object)'
        raise CertifyError(msg)
    return content


def verify(root: str | Path) -> list[Change]:
    """What changed in the dataset since its certificate was written ([] = nothing)."""
    root = Path(root)
    try:
        recorded: dict[str, Any] = read_certificate(root)['files']
    except CertifyError as err:
        return [Change('certificate', CERTIFICATE_PATH, str(err))]
    current = content_hashes(root)
    changes = [Change('removed', path, 'in the certificate, not in the dataset')
               for path in sorted(set(recorded) - set(current))]
    changes += [Change('added', path, 'in the dataset, not in the certificate')
                for path in sorted(set(current) - set(recorded))]
    for path in sorted(set(recorded) & set(current)):
        was, now = recorded[path], current[path]
        if not isinstance(was, dict) or was.get('sha256') != now['sha256'] \
                or was.get('bytes') != now['bytes']:
            old = was.get('sha256', '?') if isinstance(was, dict) else '?'
            changes.append(Change('modified', path, f'sha256 {str(old)[:12]}.. '
                                  f'({was.get("bytes") if isinstance(was, dict) else "?"} B) '
                                  f'-> {now["sha256"][:12]}.. ({now["bytes"]} B)'))
    return changes
