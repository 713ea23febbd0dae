"""Certify a recording: a rosbag2 bag graded by the rubric through the exporter's mapping.

A bag (a rosbag2 directory with metadata.yaml, sqlite3 or mcap, or a lone .mcap/.db3 file;
from the project's recorder or a vendor's `ros2 bag record`) is exported, with the exporter
itself (same codecs, robot discovery or --profile, resampling), into a scratch dataset in a
temporary directory, which the rubric's checks grade together with the recording checks
(checks_recording.py: how much of the bag could be read). The scratch dataset is deleted
afterwards, also on error (`keep_dataset` keeps it where asked).

The certificate (certificate.recording_subject) is `<bag>.certificate.json` beside the bag:
the bag stays byte for byte what the recorder wrote (a file inside a bag directory would be
one more file of the bag, and a lone .mcap has no inside). It hashes every file of the bag, not
of the scratch dataset, and records the exporter's account of what it read: per storage file
the bytes read, the export's provenance (versions, policy, the bag's warnings: truncation,
salvage, unclosed files) and every episode's record (span, profile, resampling report).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from interop_bridge.certify.certificate import Subject, build_certificate, recording_subject
from interop_bridge.certify.checks_recording import (RecordingReadout, StorageReadout,
                                                     checks as recording_checks)
from interop_bridge.certify.model import Check, CheckResult, CheckSpec, DatasetInput
from interop_bridge.certify.rubric import all_checks
from interop_bridge.certify.runner import EpisodeObserver, load_dataset_input, run_checks
from interop_bridge.dataset.layout import INFO_PATH
from interop_bridge.errors import CertifyError, ExportError, InteropError
from interop_bridge.profile import Profile, load_profile, shipped_profiles

if TYPE_CHECKING:  # the bag readers (rosbags) are imported only when a bag is certified
    from interop_bridge.export.mcap_salvage import SalvagedMcap
    from interop_bridge.export.sqlite_salvage import SalvagedSqlite

# The scratch dataset is graded and deleted: H.264 encodes faster than AV1, and the video
# checks grade the frames (decodable, frozen, black), which the codec does not change.
SCRATCH_VCODEC = 'libx264'
Progress = Callable[[str], None]


@dataclass(frozen=True)
class Target:
    """One thing to certify: a dataset directory or one bag."""

    kind: str  # 'dataset' or 'recording'
    path: Path


@dataclass(frozen=True)
class RecordingOptions:
    """How to export a bag for grading (as `interop export` would be asked)."""

    profile: str | None = None       # shipped profile name or YAML path
    task: str | None = None          # task of a bag without episode events
    keep_dataset: Path | None = None  # keep the graded dataset here (a new directory)
    observers: Sequence[EpisodeObserver] = ()  # fed every episode (the HTML report)


@dataclass
class GradedRecording:
    """A bag graded: its results and its certificate (not yet written)."""

    subject: Subject
    readout: RecordingReadout
    results: list[CheckResult]
    specs: list[CheckSpec]
    certificate: dict[str, Any]
    dataset: DatasetInput  # the scratch dataset's metadata (its files may be gone)
    checks: list[Check]


def certify_targets(paths: Sequence[Path]) -> list[Target]:
    """What the paths name: datasets (meta/info.json) and every bag under the others."""
    targets: list[Target] = []
    for path in paths:
        if not path.exists():
            msg = f'{path}: no such file or directory (a dataset directory or a bag expected)'
            raise CertifyError(msg)
        if (path / INFO_PATH).is_file():
            targets.append(Target('dataset', path))
            continue
        from interop_bridge.export.bag_sources import NOT_A_BAG, discover_bags

        try:
            bags = discover_bags([path])
        except ExportError as err:
            msg = f'{path}: neither a LeRobot dataset (no {INFO_PATH}) nor a bag: {NOT_A_BAG}'
            raise CertifyError(msg) from err
        targets.extend(Target('recording', bag) for bag in bags)
    return targets


def given_profile(name: str | None) -> Profile | None:
    """The --profile (a shipped name or a YAML path), loaded; None when not given."""
    if name is None:
        return None
    try:
        return load_profile(name)
    except InteropError as err:
        msg = f'--profile {name}: {err}'
        raise CertifyError(msg) from err


def check_dataset_robot(dataset: DatasetInput, profile: Profile) -> None:
    """Refuse a --profile of another robot than the dataset's episodes name."""
    records = dataset.interop.get('episodes')
    named = {str(record.get('profile') or record.get('robot_type'))
             for record in (records.values() if isinstance(records, Mapping) else ())
             if isinstance(record, Mapping)}
    named.add(str(dataset.info.get('robot_type')))
    for robot in sorted(named & set(shipped_profiles()) - {profile.name}):
        other = load_profile(robot)
        if (other.vendor, other.model) != (profile.vendor, profile.model):
            msg = (f'{dataset.root}: its episodes are of {robot} ({other.vendor} '
                   f'{other.model}), but --profile {profile.name} is {profile.vendor} '
                   f'{profile.model}: the profile does not fit the dataset')
            raise CertifyError(msg)


def read_out(bag: Path) -> RecordingReadout:
    """How much of each storage file of the bag can be read (salvaging what is cut short)."""
    from interop_bridge.export.bag_sources import open_bag
    from interop_bridge.export.mcap_salvage import SalvagedMcap
    from interop_bridge.export.sqlite_salvage import SalvagedSqlite

    try:
        opened = open_bag(bag)
    except ExportError as err:
        msg = f'{bag}: cannot be read: {err}'
        raise CertifyError(msg) from err
    try:
        salvaged = {reader.path: reader for reader in opened.readers
                    if isinstance(reader, (SalvagedMcap, SalvagedSqlite))}
        messages = sum(c.msgcount for reader in opened.readers for c in reader.connections)
        files = tuple(_storage_readout(path, salvaged.get(path), opened.warnings)
                      for path in opened.files)
    finally:
        opened.close()
    return RecordingReadout(str(bag), opened.storage, files, messages, _listed_messages(bag))


def _storage_readout(path: Path, salvaged: SalvagedMcap | SalvagedSqlite | None,
                     warnings: Sequence[str]) -> StorageReadout:
    from interop_bridge.export.salvage import unclosed

    if salvaged is None:
        size = path.stat().st_size
        return StorageReadout(path.name, size, size, unclosed(path))
    problem = next((w for w in warnings if w.startswith(f'{path}:')), f'{path}: cut short')
    return StorageReadout(path.name, salvaged.file_bytes, salvaged.readable_bytes, problem)


def _listed_messages(bag: Path) -> int | None:
    metadata = bag / 'metadata.yaml'
    if not metadata.is_file():
        return None
    content = yaml.safe_load(metadata.read_text()) or {}
    count = (content.get('rosbag2_bagfile_information') or {}).get('message_count')
    return int(count) if isinstance(count, int) else None


def grade_recording(bag: Path, options: RecordingOptions, progress: Progress) -> GradedRecording:
    """Grade one bag through a scratch export (deleted afterwards, whatever happens)."""
    profile = given_profile(options.profile)  # a bad --profile before any reading
    if options.keep_dataset is not None and options.keep_dataset.exists():
        msg = f'--keep-dataset {options.keep_dataset}: exists (a new directory is needed)'
        raise CertifyError(msg)
    readout = read_out(bag)
    if options.keep_dataset is not None:
        return _grade(bag, readout, options, profile, options.keep_dataset, progress)
    with tempfile.TemporaryDirectory(prefix='interop-certify-') as scratch:
        return _grade(bag, readout, options, profile, Path(scratch) / 'dataset', progress)


def _grade(bag: Path, readout: RecordingReadout, options: RecordingOptions,
           profile: Profile | None, out: Path, progress: Progress) -> GradedRecording:
    _export(bag, out, options, progress)
    dataset = load_dataset_input(out, profile=profile)
    checks = [*all_checks(), *recording_checks(readout)]
    results = run_checks(dataset, checks, observers=options.observers)
    specs = [check.spec for check in checks]
    subject = recording_subject(bag)
    certificate = build_certificate(subject, results, specs,
                                    {'recording': recording_record(readout, dataset)})
    return GradedRecording(subject, readout, results, specs, certificate, dataset, checks)


def _export(bag: Path, out: Path, options: RecordingOptions, progress: Progress) -> None:
    from interop_bridge.export.exporter import ExportRequest, export_recordings

    request = ExportRequest(bags=(bag,), out=out, task=options.task, profile=options.profile,
                            vcodec=SCRATCH_VCODEC)
    try:
        export_recordings(request, progress)
    except ExportError as err:
        msg = f'{bag}: cannot be graded: the exporter refused it: {err}'
        raise CertifyError(msg) from err


def recording_record(readout: RecordingReadout, dataset: DatasetInput) -> dict[str, Any]:
    """What the certificate records of the bag and of the export it was graded through."""
    exports = dataset.interop.get('exports') or [{}]
    return {'bag': readout.bag, 'storage': readout.storage, 'complete': readout.complete,
            'percent_read': readout.percent_read, 'messages_read': readout.messages,
            'messages_listed': readout.listed_messages,
            'storage_files': [{'name': f.name, 'bytes': f.file_bytes,
                               'readable_bytes': f.readable_bytes, 'problem': f.problem}
                              for f in readout.files],
            'export': exports[-1], 'episodes': dataset.interop.get('episodes') or {}}
