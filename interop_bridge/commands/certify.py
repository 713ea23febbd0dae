"""`interop certify <dataset or bag(s)>`: grade with the rubric, write or verify a certificate.

A dataset is graded as it is (its certificate: meta/certificate.json). A bag (a rosbag2
directory, a .mcap or .db3 file; from the recorder or a vendor's `ros2 bag record`) is
exported by the exporter into a scratch dataset, graded, and gets `<bag>.certificate.json`
beside it, over the bag's own files; a bag cut short is graded on what is readable, and
provenance.recording_complete says how much that was.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from interop_bridge.commands.export import job_count
from interop_bridge.errors import CertifyError

if TYPE_CHECKING:  # the certify modules are imported when a command runs
    from interop_bridge.certify.certificate import Subject
    from interop_bridge.certify.model import Check, CheckResult, CheckSpec, DatasetInput
    from interop_bridge.certify.report_data import ReportCollector

LEVELS = ('format', 'timing', 'physical', 'training-ready')  # as certify/model.py (cheap here)
EPILOG = """levels (each includes the ones before): format, timing, physical, training-ready
rubric and checks: docs/certify.md; recordings: docs/recording.md (Certifying a recording)

examples:
  interop certify out/g1_pick                       grade, write meta/certificate.json
  interop certify out/g1_pick --level timing        exit status 1 unless 'timing' holds
  interop certify out/g1_pick --html out/reports    also write out/reports/g1_pick.html
  interop certify bags/g1_wave                      grade a recorder bag, write
                                                    bags/g1_wave.certificate.json beside it
  interop certify vendor.mcap --profile unitree_g1_29dof --task wave
                                                    a vendor `ros2 bag record` (no embodiment)
  interop certify bags/                             every bag under bags/, one certificate each
  interop certify bags/g1_wave --verify             the bag's files against its certificate
  interop certify bags/ --manifest runs/cert.jsonl  every bag, one task each on every core,
                                                    resumable (--engine ray: on a cluster)
  interop certify --new-key keys                    write keys/certify_key.pem (+ .pub.pem)
  interop certify out/g1_pick --sign keys/certify_key.pem
  interop certify out/g1_pick --verify --trusted-key keys/certify_key.pub.pem
"""


def run(args: argparse.Namespace) -> int:
    """Certify, verify or make a key; 0 on success, 1 below --level or when changed."""
    from interop_bridge.certify.recording import certify_targets

    if args.new_key is not None:
        from interop_bridge.certify.signing import new_key_pair  # cryptography
        private, public = new_key_pair(args.new_key)
        print(f'wrote {private} (private, mode 0600) and {public} (public)')
        if not args.paths:
            return 0
    if not args.paths:
        msg = 'a dataset directory or a bag is needed (or --new-key DIR alone)'
        raise CertifyError(msg)
    if args.manifest is not None:
        return _run_sharded(args)
    targets = certify_targets(args.paths)
    for option, value in (('--json', args.json), ('--keep-dataset', args.keep_dataset)):
        if value is not None and len(targets) > 1:
            msg = f'{option} takes one dataset or bag; {len(targets)} were given or found'
            raise CertifyError(msg)
    status = 0
    for target in targets:
        status = max(status, _one(target.kind, target.path, args))
    return status


def _run_sharded(args: argparse.Namespace) -> int:
    """--manifest: one task per bag (--jobs at a time, or on Ray), each result recorded;
    exit 1 when a bag failed or (with --level) did not reach the level."""
    from interop_bridge.certify.rubric import holds
    from interop_bridge.scale.certify_tasks import CertifyRequest, certify_bag, run_certify
    from interop_bridge.scale.local_engine import local_engine

    for option, value in (('--json', args.json), ('--keep-dataset', args.keep_dataset),
                          ('--html', args.html), ('--sign', args.sign)):
        if value is not None:
            msg = f'{option} takes one dataset or bag; --manifest certifies many'
            raise CertifyError(msg)
    if args.verify:
        msg = '--verify checks certificates one by one; it takes no --manifest'
        raise CertifyError(msg)
    if args.engine == 'ray':
        from interop_bridge.scale.ray_engine import ray_engine
        engine = ray_engine(args.address, memory_mb=args.task_memory_mb, task=certify_bag)
    else:
        engine = local_engine(args.jobs, task=certify_bag)
    summary = run_certify(args.paths, CertifyRequest(args.profile, args.task), args.manifest,
                          engine, lambda line: print(line, file=sys.stderr))
    below = [record for record in summary.records if record.status == 'done' and
             args.level is not None and not holds(record.level or None, args.level)]
    for record in summary.failed:
        print(f'error: {record.bag}: {record.error}', file=sys.stderr)
    for record in below:
        print(f'FAILED: {record.bag}: level {record.level or "none"}, not {args.level}')
    print(f'certified {len(summary.records) - len(summary.failed)} bag(s), '
          f'{len(summary.failed)} failed, {len(below)} below --level; {summary.submitted} '
          f'graded in this run; manifest {args.manifest}')
    return 1 if summary.failed or below else 0


def _one(kind: str, path: Path, args: argparse.Namespace) -> int:
    from interop_bridge.certify.certificate import dataset_subject, recording_subject

    subject = dataset_subject(path) if kind == 'dataset' else recording_subject(path)
    if args.verify:
        return _verify(subject, args.trusted_key)
    if kind == 'dataset':
        return _certify_dataset(path, args)
    return _certify_recording(path, args)


def _verify(subject: Subject, trusted_key: Path | None) -> int:
    from interop_bridge.certify.certificate import read_certificate, verify
    from interop_bridge.certify.subject_signing import verify_subject_signature

    changes = verify(subject)
    if not changes:
        changes = verify_subject_signature(subject, trusted_key)
    for change in changes:
        print(change)
    if changes:
        print(f'CHANGED: {len(changes)} difference(s) from {subject.certificate_name}')
        return 1
    certificate = read_certificate(subject)
    signed = 'signed' if certificate.get('public_key') else 'unsigned'
    print(f'unchanged: {len(certificate["files"])} files match {subject.certificate_name} '
          f'(level {certificate.get("level")}, rubric {certificate.get("rubric_version")}, '
          f'{signed})')
    return 0


def _line(entry: dict[str, Any]) -> str:
    if entry['skipped']:
        status = 'SKIP'
    elif entry['passed']:
        status = 'PASS'
    else:
        status = 'WARN' if entry['severity'] == 'warn' else 'FAIL'
    figure = '-' if entry['figure'] is None else f'{entry["figure"]:g}'
    return f'{status}  {entry["id"]}  {figure} {entry["unit"]}  {entry["detail"]}'.rstrip()


def _certify_dataset(root: Path, args: argparse.Namespace) -> int:
    from interop_bridge.certify.certificate import build_certificate, dataset_subject
    from interop_bridge.certify.recording import check_dataset_robot, given_profile
    from interop_bridge.certify.rubric import RUBRIC_VERSION, all_checks, level_reached
    from interop_bridge.certify.runner import load_dataset_input, run_checks
    from interop_bridge.dataset.card import CARD_PATH, update_card_certificate

    profile = given_profile(args.profile)
    dataset = load_dataset_input(root, profile=profile)
    if profile is not None:
        check_dataset_robot(dataset, profile)
    checks = all_checks()
    collector = _collector(args)
    print(f'dataset {root}: {len(checks)} checks', flush=True)
    results = run_checks(dataset, checks, observers=() if collector is None else (collector,))
    specs = [check.spec for check in checks]
    if (root / CARD_PATH).is_file():  # the card says the level; hashed with the rest below
        update_card_certificate(root, level_reached(results, specs)[0], RUBRIC_VERSION)
    certificate = build_certificate(root, results, specs)
    if collector is not None:
        _write_html(args.html, root.name, dataset, checks, results, certificate, collector)
    return _report(dataset_subject(root), certificate, results, specs, args)


def _certify_recording(bag: Path, args: argparse.Namespace) -> int:
    from dataclasses import replace

    from interop_bridge.certify.recording import RecordingOptions, grade_recording

    collector = _collector(args)
    options = RecordingOptions(profile=args.profile, task=args.task,
                               keep_dataset=args.keep_dataset,
                               observers=() if collector is None else (collector,))
    print(f'recording {bag}: exported to a scratch dataset to be graded', flush=True)
    graded = grade_recording(bag, options, lambda line: print(line, file=sys.stderr))
    if args.keep_dataset is not None:
        print(f'kept the graded dataset: {args.keep_dataset}')
    if collector is not None:  # the report is titled with the bag, not the scratch dataset
        _write_html(args.html, bag.name, replace(graded.dataset, root=bag), graded.checks,
                    graded.results, graded.certificate, collector)
    return _report(graded.subject, graded.certificate, graded.results, graded.specs, args)


def _collector(args: argparse.Namespace) -> ReportCollector | None:
    """The HTML report's collector when --html is given (it observes the checks' pass)."""
    if args.html is None:
        return None
    from interop_bridge.certify.report_data import ReportCollector
    return ReportCollector()


def _write_html(directory: Path, name: str, dataset: DatasetInput, checks: Sequence[Check],
                results: Sequence[CheckResult], certificate: dict[str, Any],
                collector: ReportCollector) -> None:
    """<directory>/<name>.html: the report of one dataset or bag (matplotlib, only here)."""
    from interop_bridge.certify.html_report import write_html_report

    collector.add_results(checks, results)
    path = write_html_report(directory / f'{name}.html', dataset, certificate, collector)
    print(f'wrote the HTML report {path}')


def _report(subject: Subject, certificate: dict[str, Any], results: Sequence[CheckResult],
            specs: Sequence[CheckSpec], args: argparse.Namespace) -> int:
    from interop_bridge.certify.certificate import write_certificate
    from interop_bridge.certify.rubric import blocking_up_to, holds

    for entry in certificate['results']:
        print(_line(entry))
    if args.sign is not None:
        from interop_bridge.certify.subject_signing import sign_subject
        sign_subject(subject, certificate, args.sign)
        print(f'signed {subject.certificate_name} ({subject.signature_name}, key {args.sign})')
    else:
        write_certificate(subject, certificate)
        print(f'wrote {subject.certificate}')
    if args.json is not None:
        args.json.write_text(json.dumps(certificate, indent=1, sort_keys=True) + '\n')
    level = certificate['level']
    blocking = certificate['blocking']
    print(f'level: {level or "none"}' + (f' (next level blocked by: {", ".join(blocking)})'
                                         if blocking else ''))
    if args.level is not None and not holds(level, args.level):
        needed = blocking_up_to(args.level, results, specs)
        print(f'FAILED: level {args.level} does not hold; blocking: {", ".join(needed)}')
        return 1
    return 0


def register(commands: Any) -> None:
    """Add `certify` to the CLI."""
    parser = commands.add_parser(
        'certify', help='grade a dataset or a recording with the versioned rubric; '
        'write/verify its certificate',
        description=__doc__, epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('paths', type=Path, nargs='*', metavar='DATASET_OR_BAG',
                        help='a dataset directory, or bags: rosbag2 directories, .mcap/.db3 '
                        'files, directories of bags')
    parser.add_argument('--profile', help='robot profile (shipped name or YAML file): of a '
                        "vendor bag, as `interop export --profile`; of a dataset's episodes "
                        'for the physics checks')
    parser.add_argument('--task', help='of a bag: task text when it has no episode events')
    parser.add_argument('--keep-dataset', type=Path, metavar='DIR',
                        help='of one bag: keep the dataset it was graded through in DIR (new)')
    parser.add_argument('--level', choices=LEVELS,
                        help='exit status 1 unless this level holds')
    parser.add_argument('--json', type=Path, metavar='FILE',
                        help='also write the certificate document to FILE')
    parser.add_argument('--html', type=Path, metavar='DIR',
                        help='also write DIR/<dataset or bag name>.html: the report, one '
                        'self-contained file with its plots')
    parser.add_argument('--sign', type=Path, metavar='KEY',
                        help='sign the certificate with this ed25519 PEM private key')
    parser.add_argument('--verify', action='store_true',
                        help='do not grade: say what changed since the certificate')
    parser.add_argument('--trusted-key', type=Path, metavar='PUB',
                        help='with --verify: require a signature by this PEM public key')
    parser.add_argument('--new-key', type=Path, metavar='DIR',
                        help='write a new ed25519 key pair into DIR')
    parser.add_argument('--manifest', type=Path, metavar='FILE.jsonl',
                        help='many bags: one task per bag, each result recorded in this '
                        'manifest (a rerun skips the bags certified); certificates beside '
                        'the bags')
    parser.add_argument('--jobs', type=job_count, default=0, metavar='N',
                        help='with --manifest: bags graded at a time (default: every core)')
    parser.add_argument('--engine', choices=('local', 'ray'), default='local',
                        help='with --manifest: worker processes here, or one Ray task per '
                        'bag (requirements-ray.txt)')
    parser.add_argument('--address', metavar='ADDR',
                        help="with --engine ray: the cluster's address")
    parser.add_argument('--task-memory-mb', type=int, default=1500, metavar='MB',
                        help='with --engine ray: memory declared per bag task')
    parser.set_defaults(run=run)
