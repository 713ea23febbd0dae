"""`interop certify <dataset>`: grade a dataset with the rubric and write its certificate."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from interop_bridge.errors import CertifyError

LEVELS = ('format', 'timing', 'physical', 'training-ready')  # as certify/model.py (cheap here)
EPILOG = """levels (each includes the ones before): format, timing, physical, training-ready
rubric and checks: docs/certify.md

examples:
  interop certify out/g1_pick                       grade, write meta/certificate.json
  interop certify out/g1_pick --level timing        exit status 1 unless 'timing' holds
  interop certify --new-key keys                    write keys/certify_key.pem (+ .pub.pem)
  interop certify out/g1_pick --sign keys/certify_key.pem
  interop certify out/g1_pick --verify --trusted-key keys/certify_key.pub.pem
"""


def run(args: argparse.Namespace) -> int:
    """Certify, verify or make a key; 0 on success, 1 below --level or when changed."""
    if args.new_key is not None:
        from interop_bridge.certify.signing import new_key_pair  # cryptography
        private, public = new_key_pair(args.new_key)
        print(f'wrote {private} (private, mode 0600) and {public} (public)')
        if args.dataset is None:
            return 0
    if args.dataset is None:
        msg = 'a dataset directory is needed (or --new-key DIR alone)'
        raise CertifyError(msg)
    if not args.dataset.is_dir():
        msg = f'{args.dataset}: no such dataset directory'
        raise CertifyError(msg)
    if args.verify:
        return _verify(args.dataset, args.trusted_key)
    return _certify(args)


def _verify(root: Path, trusted_key: Path | None) -> int:
    from interop_bridge.certify.certificate import read_certificate, verify
    from interop_bridge.certify.signing import verify_signature

    changes = verify(root)
    if not changes:
        changes = verify_signature(root, trusted_key)
    for change in changes:
        print(change)
    if changes:
        print(f'CHANGED: {len(changes)} difference(s) from meta/certificate.json')
        return 1
    certificate = read_certificate(root)
    signed = 'signed' if certificate.get('public_key') else 'unsigned'
    print(f'unchanged: {len(certificate["files"])} files match meta/certificate.json '
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


def _certify(args: argparse.Namespace) -> int:
    from interop_bridge.certify.certificate import build_certificate, write_certificate
    from interop_bridge.certify.rubric import all_checks, blocking_up_to, holds
    from interop_bridge.certify.runner import load_dataset_input, run_checks

    dataset = load_dataset_input(args.dataset)
    checks = all_checks()
    print(f'dataset {args.dataset}: {len(checks)} checks', flush=True)
    results = run_checks(dataset, checks)
    specs = [check.spec for check in checks]
    certificate = build_certificate(args.dataset, results, specs)
    for entry in certificate['results']:
        print(_line(entry))
    if args.sign is not None:
        from interop_bridge.certify.signing import sign_certificate
        sign_certificate(args.dataset, certificate, args.sign)
        print(f'signed meta/certificate.json (meta/certificate.sig, key {args.sign})')
    else:
        write_certificate(args.dataset, certificate)
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
        'certify', help='grade a dataset with the versioned rubric; write/verify its certificate',
        description=__doc__, epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('dataset', type=Path, nargs='?', help='the dataset directory')
    parser.add_argument('--level', choices=LEVELS,
                        help='exit status 1 unless this level holds')
    parser.add_argument('--json', type=Path, metavar='FILE',
                        help='also write the certificate document to FILE')
    parser.add_argument('--sign', type=Path, metavar='KEY',
                        help='sign the certificate with this ed25519 PEM private key')
    parser.add_argument('--verify', action='store_true',
                        help='do not grade: say what changed since meta/certificate.json')
    parser.add_argument('--trusted-key', type=Path, metavar='PUB',
                        help='with --verify: require a signature by this PEM public key')
    parser.add_argument('--new-key', type=Path, metavar='DIR',
                        help='write a new ed25519 key pair into DIR')
    parser.set_defaults(run=run)
