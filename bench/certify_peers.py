"""interop certify against lerobot-doctor and deepen-grade on the seeded-defect corpus.

    python bench/certify_peers.py                  # build the corpus if missing, run, table
    python bench/certify_peers.py --corpus DIR --rebuild
    python bench/certify_peers.py --long-only --long-s 900   # only the speed table

Every corpus item (bench/certify_corpus.py) is graded by each tool in a fresh process:
  interop certify DATASET --json FILE           (a copy of the dataset: certify writes into it)
  .venv-peers/bin/lerobot-doctor check DATASET --json
  .venv-peers/bin/deepen grade DATASET --json   (and deepen grade BAG for bag defects)
Each run's wall time is divided by the hours of data in the item (frames / fps) for s/h. The
project's modules are byte-compiled first (`compileall`), as the peers' are by their install:
with PYTHONDONTWRITEBYTECODE set, every certify run would otherwise compile them again. The
corpus items are a few seconds long, so their times are mostly start-up: the speed that matters
per hour of data is measured on long clean recordings (--long-s, default 90 s of which 84 s are
in three episodes: one G1 and one TALOS recording, camera on), graded by every tool the same
way; any failure there counts as a false alarm too. `--long-only` times only those (the
corpus is neither built nor graded; results go to DIR/speed_<long-s>s.md and .json);
`--repeat N` grades each long recording N times, the tools in turn, and keeps each tool's
median time (other work on the machine then weighs on every tool alike).

Caught (documented rule, the same for every tool):
  interop certify: a check the item names as expected did not pass (fail or warn).
  a peer: its verdict on the item is worse than on the clean item of the same robot
    (lerobot-doctor: overall_severity PASS < WARN < FAIL; deepen-grade: the letter A..F, or a
    DEFECT class becoming defective), or it reports a finding the clean item does not have in
    a check concerning the defect's family (FAMILY_CHECKS; messages compared with numbers
    masked, so '25%' and '31%' of one message count as the same finding).
False alarm: on a clean item, certify failing any check, lerobot-doctor's overall FAIL,
deepen-grade a letter below A.
Results: DIR/table.md and DIR/results.json.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
PEERS = REPO / '.venv-peers' / 'bin'
DEFAULT = REPO / 'out' / 'certify_corpus'
SEVERITY = {'PASS': 0, 'WARN': 1, 'FAIL': 2}
# Checks of each peer that concern a defect family (their own names).
FAMILY_CHECKS = {
    'doctor': {'time': {'Temporal Consistency', 'Metadata & Format Compliance'},
               'physics': {'Data Distribution', 'Anomaly Detection'},
               'control': {'Action Quality', 'Data Distribution', 'Training Readiness'},
               'video': {'Video Integrity'},
               'episodes': {'Episode Health', 'Anomaly Detection', 'Per-Episode Summary'},
               'provenance': {'Metadata & Format Compliance', 'Portability'}},
    'deepen': {'time': {'hygiene.topic_frequency', 'hygiene.cross_modal_sync'},
               'physics': {'episode_quality.joint_limit_saturation',
                           'episode_quality.jerk_smoothness'},
               'control': {'episode_quality.action_state_consistency'},
               'video': {'calibration.sanity', 'hygiene.topic_frequency'},
               'episodes': {'episode_quality.idle_stall', 'cross.duplicates',
                            'cross.condition_coverage'},
               'provenance': set()},
}


@dataclass
class Run:
    """One tool on one item."""

    tool: str
    target: str            # dataset or bag
    seconds: float
    verdict: str           # the tool's overall word (level, severity, letter)
    rank: int              # larger is worse
    findings: set[str] = field(default_factory=set)  # 'check: message' of non-pass results
    error: str = ''


def _masked(text: str) -> str:
    return re.sub(r'-?\d+(\.\d+)?(e-?\d+)?', '#', text)


def _timed(command: list[str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.monotonic()
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600,
                          check=False)
    return time.monotonic() - started, done


def run_certify(dataset: Path) -> Run:
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(shutil.copytree(dataset, Path(scratch) / 'dataset'))
        report = Path(scratch) / 'certificate.json'
        seconds, done = _timed([sys.executable, '-m', 'interop_bridge.cli', 'certify',
                                str(copy), '--json', str(report)])
        if not report.exists():
            return Run('certify', 'dataset', seconds, 'error', 9, error=done.stderr[-300:])
        document = json.loads(report.read_text())
    failed = {f'{r["id"]}' for r in document['results'] if not r['passed']}
    level = document.get('level') or 'none'
    levels = ('training-ready', 'physical', 'timing', 'format', 'none')
    return Run('certify', 'dataset', seconds, level, levels.index(level), failed)


def run_doctor(dataset: Path) -> Run:
    seconds, done = _timed([str(PEERS / 'lerobot-doctor'), 'check', str(dataset), '--json'])
    try:
        document = json.loads(done.stdout)
    except json.JSONDecodeError:
        return Run('doctor', 'dataset', seconds, 'error', 9, error=done.stderr[-300:])
    found = {f'{check["name"]}: {_masked(message["message"])}'
             for check in document['checks'] for message in check['messages']
             if message['severity'] != 'PASS'}
    verdict = str(document['overall_severity'])
    return Run('doctor', 'dataset', seconds, verdict, SEVERITY.get(verdict, 9), found)


def run_deepen(target: Path, kind: str) -> Run:
    seconds, done = _timed([str(PEERS / 'deepen'), 'grade', str(target), '--json', '--quiet'])
    try:
        document = json.loads(done.stdout)
    except json.JSONDecodeError:
        return Run('deepen', kind, seconds, 'error', 9, error=done.stderr[-300:])
    found = {f'{check["check_id"]}: {check["severity"]}: {_masked(str(check["summary"]))}'
             for episode in document.get('episodes', []) for check in episode['checks']
             if check['severity'] in ('warn', 'fail')}
    found |= {f'{check["check_id"]}: {check["severity"]}: {_masked(str(check["summary"]))}'
              for check in document.get('dataset_level_checks', [])
              if check['severity'] in ('warn', 'fail')}
    found |= {f'{name}: defective' for name, entry in document['defect_classes'].items()
              if entry.get('defective')}
    letter = str(document['overall']['grade'])
    return Run('deepen', kind, seconds, letter, 'ABCDF'.index(letter), found)


def caught(entry: dict, run: Run, clean: Run | None) -> bool:
    """The rule of the module docstring."""
    if run.tool == 'certify':
        return any(check in run.findings for check in entry['expected'])
    if clean is None or run.error:
        return False
    if run.rank > clean.rank:
        return True
    concern = FAMILY_CHECKS[run.tool].get(entry['family'], set())
    return any(finding.split(':')[0] in concern for finding in run.findings - clean.findings)


def false_alarm(run: Run) -> bool:
    """A FAIL (or error) on a clean item."""
    if run.tool == 'certify':
        return bool(run.error) or run.rank > 0
    if run.tool == 'doctor':
        return run.rank >= SEVERITY['FAIL']
    return run.rank > 0


def grade(entry: dict, progress) -> list[Run]:
    """Every tool on one item."""
    runs = [run_certify(Path(entry['dataset'])), run_doctor(Path(entry['dataset'])),
            run_deepen(Path(entry['dataset']), 'dataset')]
    if entry.get('bag'):
        runs.append(run_deepen(Path(entry['bag']), 'bag'))
    progress(f'  {entry["name"]}: ' + ', '.join(
        f'{run.tool}/{run.target} {run.verdict} {run.seconds:.2f} s' for run in runs))
    return runs


def graded_median(entry: dict, repeat: int, progress) -> list[Run]:
    """Every tool on one item `repeat` times, tools interleaved; per tool the median run."""
    rounds = [grade(entry, progress) for _ in range(max(1, repeat))]
    kept = []
    for runs in zip(*rounds, strict=True):
        worst = max(runs, key=lambda run: run.rank)  # a false alarm in any round counts
        middle = sorted(run.seconds for run in runs)[len(runs) // 2]
        kept.append(replace(worst, seconds=middle))
    return kept


def table(manifest: list[dict], runs: dict[str, list[Run]]) -> tuple[str, dict]:
    """The markdown table and its figures."""
    columns = [('certify', 'dataset'), ('doctor', 'dataset'), ('deepen', 'dataset'),
               ('deepen', 'bag')]
    names = {'certify': 'interop certify', 'doctor': 'lerobot-doctor 0.2.0',
             'deepen': 'deepen-grade 0.4.1'}
    clean = {entry['robot']: {(r.tool, r.target): r for r in runs[entry['name']]}
             for entry in manifest if entry['clean']}
    rows, figures = [], {}
    for tool, target in columns:
        defects = [e for e in manifest if not e['clean'] and (target == 'dataset' or e['bag'])]
        hits = [e['name'] for e in defects for r in runs[e['name']]
                if (r.tool, r.target) == (tool, target)
                and caught(e, r, clean[e['robot']].get((tool, target)))]
        cleans = [r for e in manifest if e['clean'] for r in runs[e['name']]
                  if (r.tool, r.target) == (tool, target)]
        measured = [(r.seconds, e['hours']) for e in manifest for r in runs[e['name']]
                    if (r.tool, r.target) == (tool, target)]
        if not measured:
            continue
        seconds = sum(s for s, _ in measured)
        hours = sum(h for _, h in measured)
        alarms = sum(false_alarm(r) for r in cleans)
        figures[f'{tool}/{target}'] = {
            'caught': len(hits), 'defects': len(defects), 'caught_items': hits,
            'false_alarms': alarms, 'clean_items': len(cleans), 'seconds': seconds,
            'hours': hours, 's_per_hour': seconds / hours}
        rows.append(f'| {names[tool]} on the {target} | {len(hits)} / {len(defects)} | '
                    f'{alarms} / {len(cleans)} | {seconds / len(measured):.2f} | '
                    f'{seconds / hours:,.0f} |')
    head = ('| tool | seeded defects caught | false alarms on clean items | s per item | '
            's per hour of data |\n|---|---|---|---|---|')
    return head + '\n' + '\n'.join(rows) + '\n', figures


def per_item(manifest: list[dict], runs: dict[str, list[Run]]) -> str:
    """One row per item: what each tool said."""
    clean = {entry['robot']: {(r.tool, r.target): r for r in runs[entry['name']]}
             for entry in manifest if entry['clean']}
    lines = ['| item | family | expected | certify | doctor | deepen (dataset) | deepen (bag) |',
             '|---|---|---|---|---|---|---|']
    for entry in manifest:
        cells = {}
        for run in runs[entry['name']]:
            mark = ('alarm' if false_alarm(run) else 'ok') if entry['clean'] else \
                ('caught' if caught(entry, run, clean[entry['robot']].get(
                    (run.tool, run.target))) else 'missed')
            cells[(run.tool, run.target)] = f'{mark} ({run.verdict})'
        lines.append(f'| {entry["name"]} | {entry["family"]} | '
                     f'{", ".join(entry["expected"]) or "-"} | '
                     + ' | '.join(cells.get(key, '-') for key in (
                         ('certify', 'dataset'), ('doctor', 'dataset'),
                         ('deepen', 'dataset'), ('deepen', 'bag'))) + ' |')
    return '\n'.join(lines) + '\n'


def long_items(root: Path, seconds: float, progress) -> list[dict]:
    """Long clean recordings (one per robot of the clean corpus items), built once."""
    sys.path.insert(0, str(REPO / 'test'))
    import physical_bags as pb
    import seeded_corpus as sc

    entries = []
    for item in (i for i in sc.ITEMS if i.clean):
        home = root / f'long_{item.robot}_{seconds:g}s'
        if not (home / 'item.json').exists():
            progress(f'building a {seconds:g} s clean {item.robot} recording')
            shutil.rmtree(home, ignore_errors=True)
            # episodes of 28 s every 29.3 s: the whole recording is data, and no two
            # episodes start at the same phase of the swing (they would be near-duplicates)
            starts = np.arange(0.2, seconds - 28.0, 29.3)
            episodes = tuple(pb.EventSpec(float(start), float(start) + 28.0, 'wave both arms')
                             for start in starts)
            bag = pb.write_physical_bag(home / 'bag', profile=item.robot, duration_s=seconds,
                                        episodes=episodes)
            sc.export([bag], home / 'dataset', item.robot)
            entry = {**sc.describe(item, home), 'name': home.name}
            (home / 'item.json').write_text(json.dumps(entry, indent=1) + '\n')
        entries.append(json.loads((home / 'item.json').read_text()))
    return entries


def speed_table(entries: list[dict], runs: dict[str, list[Run]]) -> tuple[str, dict]:
    """Seconds and seconds per hour of data of every tool on the long clean recordings."""
    hours = sum(entry['hours'] for entry in entries)
    lines = [f'| tool (on {len(entries)} clean recordings, {hours * 3600:.0f} s of data) | '
             'wall s | s per hour of data | false alarms |', '|---|---|---|---|']
    figures = {}
    for tool, target in (('certify', 'dataset'), ('doctor', 'dataset'),
                         ('deepen', 'dataset'), ('deepen', 'bag')):
        mine = [r for e in entries for r in runs[e['name']]
                if (r.tool, r.target) == (tool, target)]
        seconds = sum(r.seconds for r in mine)
        alarms = sum(false_alarm(r) for r in mine)
        figures[f'{tool}/{target}'] = {'seconds': seconds, 's_per_hour': seconds / hours,
                                       'false_alarms': alarms}
        lines.append(f'| {tool} on the {target} | {seconds:.1f} | {seconds / hours:,.0f} | '
                     f'{alarms} / {len(mine)} |')
    return '\n'.join(lines) + '\n', figures


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--corpus', type=Path, default=DEFAULT, help='corpus directory')
    parser.add_argument('--rebuild', action='store_true', help='build the corpus again')
    parser.add_argument('--long-s', type=float, default=90.0,
                        help='length of the long clean recordings timed per hour of data')
    parser.add_argument('--repeat', type=int, default=1,
                        help='grade each long recording this many times (the tools in turn) '
                             'and keep the median time of each tool')
    parser.add_argument('--long-only', action='store_true',
                        help='time the tools on the long clean recordings only (no corpus)')
    args = parser.parse_args(argv)
    for tool in ('lerobot-doctor', 'deepen'):
        if not (PEERS / tool).exists():
            parser.error(f'{PEERS / tool} missing: run scripts/bootstrap_peers.sh')
    return args


def speed_only(corpus: Path, long_s: float, repeat: int) -> int:
    """--long-only: the speed table on the long clean recordings, nothing else."""
    corpus.mkdir(parents=True, exist_ok=True)
    long = long_items(corpus, long_s, print)
    print(f'timing every tool on {len(long)} long clean recordings')
    long_runs = {entry['name']: graded_median(entry, repeat, print) for entry in long}
    speed, figures = speed_table(long, long_runs)
    print('\n' + speed)
    stem = corpus / f'speed_{long_s:g}s'
    Path(f'{stem}.md').write_text(speed)
    Path(f'{stem}.json').write_text(json.dumps(
        {'long_s': long_s, 'items': long, 'summary': figures,
         'runs': {name: [{**asdict(run), 'findings': sorted(run.findings)} for run in done]
                  for name, done in long_runs.items()}}, indent=1) + '\n')
    print(f'results: {stem}.md, {stem}.json')
    return 0


def byte_compile() -> None:
    """The project's modules compiled to __pycache__, as an installed package's are."""
    subprocess.run([sys.executable, '-m', 'compileall', '-q', str(REPO / 'interop_bridge')],
                   check=True, cwd=REPO, stdout=subprocess.DEVNULL)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    byte_compile()
    if args.long_only:
        return speed_only(args.corpus, args.long_s, args.repeat)
    if args.rebuild or not (args.corpus / 'corpus.json').exists():
        subprocess.run([sys.executable, str(REPO / 'bench' / 'certify_corpus.py'), '--out',
                        str(args.corpus)], check=True, cwd=REPO)
    manifest = json.loads((args.corpus / 'corpus.json').read_text())
    print(f'grading {len(manifest)} items with 3 tools')
    runs = {entry['name']: grade(entry, print) for entry in manifest}
    summary, figures = table(manifest, runs)
    long = long_items(args.corpus, args.long_s, print)
    print(f'timing every tool on {len(long)} long clean recordings')
    long_runs = {entry['name']: graded_median(entry, args.repeat, print) for entry in long}
    speed, speed_figures = speed_table(long, long_runs)
    figures['long_recordings'] = speed_figures
    text = summary + '\n' + speed + '\n' + per_item(manifest, runs)
    print('\n' + text)
    (args.corpus / 'table.md').write_text(text)
    (args.corpus / 'results.json').write_text(json.dumps(
        {'summary': figures, 'items': manifest,
         'runs': {name: [{**asdict(run), 'findings': sorted(run.findings)} for run in done]
                  for name, done in runs.items()}}, indent=1) + '\n')
    print(f'results: {args.corpus / "table.md"}, {args.corpus / "results.json"}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
