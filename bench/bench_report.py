"""Figures of the bridge benchmark: per-path statistics, the table, JSON, Markdown and a plot."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

PATH_LABELS = {'direct': 'direct (no relay)', 'plain': 'plain rclpy re-publisher',
               'raw': 'serialized pass-through relay', 'bridge': 'interop bridge',
               'bridge_all': 'interop bridge, every output subscribed',
               'bridge_task': 'interop bridge with task space (G1 model attached)',
               'bridge_cmd': 'interop bridge, canonical commands in at the state rate',
               'command': 'command: interop/command in -> LowCmd out (bridge_cmd runs)'}
BRIDGES = ('bridge', 'bridge_all', 'bridge_task', 'bridge_cmd')
# The CPU targets: at most this share of the plain re-publisher's CPU per message.
CPU_TARGETS = {'bridge': 0.5, 'bridge_all': 0.6, 'bridge_task': 1.0, 'bridge_cmd': 1.0}
COLUMNS = (('rate', 'rate Hz', '{:g}'), ('path', 'path', '{}'), ('sent', 'msgs', '{:d}'),
           ('drops', 'drops', '{:d}'), ('p50_us', 'p50 µs', '{:.0f}'),
           ('p99_us', 'p99 µs', '{:.0f}'), ('max_us', 'max µs', '{:.0f}'),
           ('added_p50_us', '+p50 µs', '{:.0f}'), ('added_p99_us', '+p99 µs', '{:.0f}'),
           ('cpu_us_per_msg', 'CPU µs/msg', '{:.0f}'), ('cpu_pct', 'CPU %', '{:.1f}'),
           ('others_cpu_pct', 'other load %', '{:.0f}'))


@dataclass
class Measurement:
    """What one run of one path at one rate produced (several runs merge into one)."""

    rate: float
    path: str
    latency_ns: np.ndarray  # one per tick received in the measured window
    sent: int  # ticks published in the measured window
    duplicates: int
    window_s: float
    relay_cpu_s: float | None  # None for the direct path
    sink_cpu_s: float
    source_cpu_s: float
    others_cpu_s: float  # every other process on the machine (and the kernel) meanwhile
    source_late_ns: np.ndarray  # send time minus schedule, measured window
    source_resets: int
    notes: list[str] = field(default_factory=list)
    round: int = 0  # which interleaved round (merged: the first one's)

    def merged(self, other: Measurement) -> Measurement:
        """This measurement and another of the same rate and path, as one."""
        relay = None if self.relay_cpu_s is None else \
            self.relay_cpu_s + (other.relay_cpu_s or 0.0)
        return Measurement(
            self.rate, self.path, np.concatenate([self.latency_ns, other.latency_ns]),
            self.sent + other.sent, self.duplicates + other.duplicates,
            self.window_s + other.window_s, relay, self.sink_cpu_s + other.sink_cpu_s,
            self.source_cpu_s + other.source_cpu_s, self.others_cpu_s + other.others_cpu_s,
            np.concatenate([self.source_late_ns, other.source_late_ns]),
            self.source_resets + other.source_resets, self.notes + other.notes, self.round)


def latencies(send_ns: np.ndarray, warmup: int, ticks: np.ndarray,
              receive_ns: np.ndarray) -> tuple[np.ndarray, int]:
    """Latency of each measured tick received (first copy) and the count of duplicates.

    Tick t was sent at send_ns[t - 1]; ticks 1..warmup are the warm-up and not measured.
    """
    measured = (ticks > warmup) & (ticks <= send_ns.size)
    ticks, receive_ns = ticks[measured], receive_ns[measured]
    unique, first = np.unique(ticks, return_index=True)
    return receive_ns[first] - send_ns[unique - 1], int(ticks.size - unique.size)


def _percentiles_us(values_ns: np.ndarray) -> dict[str, float]:
    if values_ns.size == 0:
        return {'p50_us': float('nan'), 'p99_us': float('nan'), 'max_us': float('nan'),
                'mean_us': float('nan')}
    p50, p99 = np.percentile(values_ns, [50, 99]) / 1e3
    return {'p50_us': float(p50), 'p99_us': float(p99),
            'max_us': float(values_ns.max() / 1e3), 'mean_us': float(values_ns.mean() / 1e3)}


def row(measurement: Measurement, direct: Measurement | None) -> dict[str, Any]:
    """One line of the results table, with latency added over the direct path."""
    m = measurement
    received = int(m.latency_ns.size)
    stats = _percentiles_us(m.latency_ns)
    floor = _percentiles_us(direct.latency_ns) if direct is not None else None
    cpu = m.relay_cpu_s
    late = np.percentile(m.source_late_ns, [50, 99]) / 1e3 if m.source_late_ns.size else \
        (float('nan'), float('nan'))
    return {
        'rate': m.rate, 'path': m.path, 'label': PATH_LABELS[m.path], 'sent': m.sent,
        'received': received, 'drops': m.sent - received,
        'drop_pct': 100.0 * (m.sent - received) / m.sent if m.sent else float('nan'),
        'duplicates': m.duplicates, **stats,
        'added_p50_us': stats['p50_us'] - floor['p50_us'] if floor else float('nan'),
        'added_p99_us': stats['p99_us'] - floor['p99_us'] if floor else float('nan'),
        'cpu_us_per_msg': cpu / m.sent * 1e6 if cpu is not None and m.sent else float('nan'),
        'cpu_pct': 100.0 * cpu / m.window_s if cpu is not None else float('nan'),
        'sink_cpu_pct': 100.0 * m.sink_cpu_s / m.window_s,
        'source_cpu_pct': 100.0 * m.source_cpu_s / m.window_s,
        'others_cpu_pct': 100.0 * m.others_cpu_s / m.window_s,
        'source_late_p50_us': float(late[0]), 'source_late_p99_us': float(late[1]),
        'source_resets': m.source_resets, 'window_s': m.window_s, 'notes': _counted(m.notes)}


def _counted(notes: Sequence[str]) -> list[str]:
    counts = Counter(notes)
    return [note if count == 1 else f'{note} (x{count})' for note, count in counts.items()]


def rows(measurements: Sequence[Measurement]) -> list[dict[str, Any]]:
    """Table rows, runs of the same rate and path merged, direct first within a rate."""
    merged: dict[tuple[float, str], Measurement] = {}
    for m in measurements:
        key = (m.rate, m.path)
        merged[key] = merged[key].merged(m) if key in merged else m
    order = list(PATH_LABELS)
    keys = sorted(merged, key=lambda key: (key[0], order.index(key[1])))
    return [row(merged[key], merged.get((key[0], 'direct'))) for key in keys]


def verdicts(table: Sequence[dict[str, Any]],
             measurements: Sequence[Measurement] = ()) -> list[str]:
    """The issue's targets, each bridge path against the plain re-publisher, per rate; with
    the single runs, p99 round by round as well; then the command path's figures."""
    lines = []
    by_key = {(r['rate'], r['path']): r for r in table}
    for rate in sorted({r['rate'] for r in table}):
        plain = by_key.get((rate, 'plain'))
        for name in BRIDGES:
            bridge = by_key.get((rate, name))
            if bridge is not None:
                lines += _bridge_verdicts(f'{rate:g} Hz {name}', bridge, plain)
                lines += _round_verdicts(rate, name, measurements)
        command = by_key.get((rate, 'command'))
        if command is not None:
            lines.append(_verdict(
                f'{rate:g} Hz command drops', command['drops'] == 0,
                f"{command['drops']} of {command['sent']}; command in -> LowCmd out p50 "
                f"{command['p50_us']:.0f} µs, p99 {command['p99_us']:.0f} µs, max "
                f"{command['max_us']:.0f} µs"))
    return lines


def _round_verdicts(rate: float, name: str, measurements: Sequence[Measurement]) -> list[str]:
    def p99s(path: str) -> dict[int, float]:
        return {m.round: float(np.percentile(m.latency_ns, 99) / 1e3) for m in measurements
                if m.rate == rate and m.path == path and m.latency_ns.size}
    ours, plain = p99s(name), p99s('plain')
    rounds = sorted(set(ours) & set(plain))
    if not rounds:
        return []
    below = [ours[r] < plain[r] for r in rounds]
    detail = ', '.join(f'{ours[r]:.0f} vs {plain[r]:.0f}' for r in rounds)
    return [_verdict(f'{rate:g} Hz {name} p99 below plain in every round ({len(rounds)})',
                     all(below), f'µs: {detail}')]


def _bridge_verdicts(title: str, bridge: dict[str, Any],
                     plain: dict[str, Any] | None) -> list[str]:
    stalls = '' if not (bridge['drops'] and bridge['source_resets']) else \
        (f" (in the same runs the source itself fell more than 5 periods behind "
         f"{bridge['source_resets']} times: the whole machine stalled)")
    lines = [_verdict(f'{title} drops', bridge['drops'] == 0,
                      f"{bridge['drops']} of {bridge['sent']}{stalls}")]
    if plain is None:
        return lines
    added = '' if np.isnan(bridge['added_p99_us']) else \
        f" (added {bridge['added_p99_us']:.0f} vs {plain['added_p99_us']:.0f})"
    lines.append(_verdict(f'{title} p99 latency', bridge['p99_us'] <= plain['p99_us'],
                          f"{bridge['p99_us']:.0f} µs vs plain {plain['p99_us']:.0f} µs{added}"))
    target = CPU_TARGETS[bridge['path']]
    ratio = bridge['cpu_us_per_msg'] / plain['cpu_us_per_msg']
    lines.append(_verdict(f'{title} CPU per message <= {target:g}x plain', ratio <= target,
                          f"{bridge['cpu_us_per_msg']:.0f} µs vs plain "
                          f"{plain['cpu_us_per_msg']:.0f} µs ({ratio:.2f}x)"))
    return lines


def _verdict(name: str, met: bool, detail: str) -> str:
    return f"{'met   ' if met else 'MISSED'} {name}: {detail}"


def _cells(table: Sequence[dict[str, Any]]) -> list[list[str]]:
    return [[_format(fmt, r[key]) for key, _, fmt in COLUMNS] for r in table]


def _format(fmt: str, value: Any) -> str:
    if isinstance(value, float) and np.isnan(value):
        return '–'
    return fmt.format(value)


def text_table(table: Sequence[dict[str, Any]]) -> str:
    """The table as aligned plain text."""
    header = [title for _, title, _ in COLUMNS]
    body = _cells(table)
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
    return '\n'.join('  '.join(cell.rjust(width) for cell, width in zip(line, widths))
                     for line in [header, *body])


def markdown(table: Sequence[dict[str, Any]], context: dict[str, Any],
             measurements: Sequence[Measurement] = ()) -> str:
    """The results as a Markdown document: how they were made, the table, the verdicts."""
    header = [title for _, title, _ in COLUMNS]
    lines = ['# Bridge latency benchmark', '',
             f"Command: `{context['command']}`  ", f"Date: {context['date']}  ",
             f"Machine: {context['machine']}  ",
             f"Settings: {context['settings']}  ", f"Executors: {context['executors']}", '',
             '| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    lines += ['| ' + ' | '.join(cells) + ' |' for cells in _cells(table)]
    lines += ['', 'Instruments (same for every path):', '',
              '| rate Hz | path | source late p50/p99 µs | source resets | '
              'source CPU % | sink CPU % | notes |', '|---|---|---|---|---|---|---|']
    lines += [f"| {r['rate']:g} | {r['path']} | {r['source_late_p50_us']:.0f} / "
              f"{r['source_late_p99_us']:.0f} | {r['source_resets']} | "
              f"{r['source_cpu_pct']:.1f} | {r['sink_cpu_pct']:.1f} | "
              f"{'; '.join(r['notes']) or '–'} |" for r in table]
    lines += ['', 'Targets (bridge against the plain re-publisher):', '']
    lines += [f'- {line}' for line in verdicts(table, measurements)]
    return '\n'.join(lines) + '\n'


def write_outputs(out_dir: Path, table: Sequence[dict[str, Any]], context: dict[str, Any],
                  measurements: Sequence[Measurement] = ()) -> list[Path]:
    """bridge_latency.json and .md in out_dir; returns the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out_dir / 'bridge_latency.json', out_dir / 'bridge_latency.md'
    rounds = [{'rate': m.rate, 'path': m.path, 'round': m.round, **_percentiles_us(m.latency_ns),
               'drops': m.sent - int(m.latency_ns.size)} for m in measurements]
    document = {**context, 'results': list(table), 'rounds': rounds,
                'verdicts': verdicts(table, measurements)}
    json_path.write_text(json.dumps(document, indent=2, allow_nan=True) + '\n')
    md_path.write_text(markdown(table, context, measurements))
    return [json_path, md_path]


def plot(measurements: Sequence[Measurement], path: Path) -> str:
    """Latency survival curves per rate (log scale) as a PNG; a one-line note either way."""
    try:
        import matplotlib  # noqa: PLC0415
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt  # noqa: PLC0415
    except ImportError:
        return f'plot: matplotlib is not installed, {path.name} not written'
    merged = {(r['rate'], r['path']): r for r in rows(measurements)}
    rates = sorted({rate for rate, _ in merged})
    figure, axes = plt.subplots(1, len(rates), figsize=(6 * len(rates), 4), squeeze=False)
    for axis, rate in zip(axes[0], rates):
        for name in PATH_LABELS:
            values = np.concatenate([m.latency_ns for m in measurements
                                     if m.rate == rate and m.path == name] or [np.empty(0)])
            if values.size:
                ordered = np.sort(values) / 1e3
                survival = 1.0 - np.arange(ordered.size) / ordered.size
                axis.step(ordered, survival, where='post', label=PATH_LABELS[name])
        axis.set(xscale='log', yscale='log', xlabel='latency from source publish [µs]',
                 ylabel='fraction of messages slower', title=f'{rate:g} Hz')
        axis.grid(True, which='both', alpha=0.3)
        axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return f'plot: {path}'
