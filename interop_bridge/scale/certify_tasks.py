"""Certify many bags at data-factory scale: one task per bag, a manifest, resumable.

    interop certify BAGS... --manifest runs/cert.jsonl [--jobs N | --engine ray [--address A]]

`certify_bag` is the whole per-bag code path, whatever runs it (the local process pool or a
Ray task, as for a sharded export): it grades the bag with `grade_recording`, the function a
plain `interop certify BAG` runs, and writes `<bag>.certificate.json` beside the bag, as that
command does. A bag that cannot be graded is a result, not a crash: its record says `failed`
and why, and the other bags go on. Records are keyed as a sharded export's (manifest.py: the
bag's content, the settings, the exporter version) with the rubric version among the
settings; a rerun grades only bags without a done record whose certificate still exists.
There is nothing to merge: each certificate travels with its bag.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from interop_bridge.certify.certificate import write_certificate
from interop_bridge.certify.recording import RecordingOptions, certify_targets, grade_recording
from interop_bridge.certify.rubric import RUBRIC_VERSION
from interop_bridge.errors import CertifyError
from interop_bridge.scale.driver import Tally
from interop_bridge.scale.local_engine import Engine
from interop_bridge.scale.manifest import ShardRecord, bag_key, read_manifest, write_manifest
from interop_bridge.scale.shards import attempt_name

Progress = Callable[[str], None]


@dataclass(frozen=True)
class CertifyRequest:
    """How every bag is graded (as `interop certify BAG --profile P --task T` would)."""

    profile: str | None = None
    task: str | None = None


@dataclass
class CertifySummary:
    """What a sharded certification did: every bag's record, in bag order."""

    submitted: int
    records: list[ShardRecord] = field(default_factory=list)

    @property
    def failed(self) -> list[ShardRecord]:
        return [record for record in self.records if record.status == 'failed']


def certify_bag(bag: Path, key: str, staging: Path, request: CertifyRequest) -> ShardRecord:
    """Grade one bag and write its certificate beside it; never raises for a bad bag.

    `staging` is unused (a certificate is written beside its bag), kept so that any engine
    runs this as it runs export_bag.
    """
    del staging
    started = time.monotonic()
    lines: list[str] = []  # the scratch export's progress: not shown, the record says it all
    try:
        graded = grade_recording(bag, RecordingOptions(profile=request.profile,
                                                       task=request.task), lines.append)
        write_certificate(graded.subject, graded.certificate)
    except Exception as error:  # a bag that fails is recorded as failed; the run goes on
        return ShardRecord(key, str(bag), 'failed', seconds=time.monotonic() - started,
                           error=f'{type(error).__name__}: {error}', attempt=attempt_name())
    info = graded.dataset.info
    return ShardRecord(key, str(bag), 'done', shard=str(graded.subject.certificate),
                       episodes=int(info['total_episodes']), frames=int(info['total_frames']),
                       seconds=time.monotonic() - started,
                       data_seconds=int(info['total_frames']) / graded.dataset.fps,
                       attempt=attempt_name(), level=graded.certificate['level'] or '')


def certify_settings(request: CertifyRequest) -> str:
    """SHA-256 of the grading settings and the rubric version."""
    text = json.dumps({**dataclasses.asdict(request), 'rubric': RUBRIC_VERSION}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def run_certify(paths: Sequence[Path], request: CertifyRequest, manifest: Path,
                engine: Engine, progress: Progress) -> CertifySummary:
    """Certify every bag under `paths` not yet done, recording each result in `manifest`."""
    targets = certify_targets(paths)
    datasets = [str(target.path) for target in targets if target.kind == 'dataset']
    if datasets:
        msg = (f'--manifest certifies bags; {", ".join(datasets)} is a dataset (certify it '
               'without --manifest)')
        raise CertifyError(msg)
    bags = [target.path for target in targets]
    settings = certify_settings(request)
    keys = {bag: bag_key(bag, settings) for bag in bags}
    records = read_manifest(manifest)
    pending = [(bag, keys[bag]) for bag in bags if not _done(records.get(keys[bag]))]
    progress(f'{len(bags)} bag(s): {len(bags) - len(pending)} certified already, '
             f'{len(pending)} to certify')
    tally = Tally(progress, len(pending), engine.running)
    for record in engine(pending, manifest.parent, request):
        records[record.key] = record
        write_manifest(manifest, records)
        tally.add(record)
        if record.status == 'done':
            progress(f'{record.bag}: level {record.level or "none"} ({record.shard})')
    return CertifySummary(len(pending), [records[keys[bag]] for bag in bags])


def _done(record: ShardRecord | None) -> bool:
    return record is not None and record.status == 'done' and Path(record.shard).is_file()
