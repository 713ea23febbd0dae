"""One configuration of the bridge benchmark: its processes, its window, its measurements.

`run_path` starts the sink(s), the path's relay or bridge (and listener, commander), then the
source; reads every process's CPU time when the source starts and ends its measured window;
stops everything (whatever happens) and turns the saved send and receive times into
`Measurement`s (bench_report.py).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from bench_commander import TICK_EFFORT
from bench_processes import Child, bench_script, child_env, machine_busy_seconds
from bench_report import Measurement, latencies

SOURCE_TOPIC = '/lowstate'  # where a G1 publishes (the profile's topic)
STARTUP_S = 40.0
DRAIN_S = 0.5
COMMAND_TOPIC = '/g1/interop/command'
LOWCMD = ('/lowcmd', 'unitree_hg/msg/LowCmd', 'motor_cmd.0.tau')
COMMAND_LEAD_S = 0.3  # the commander stops this long before the source: state stays fresh


@dataclass(frozen=True)
class PathSpec:
    """One way from the source to the sink."""

    name: str
    sink_topic: str
    sink_type: str
    sink_field: str
    relay_argv: tuple[str, ...] = ()
    relay_ready: str = ''
    listen: tuple[str, ...] = ()  # 'topic:type' a listener process subscribes to
    commands: bool = False  # a commander drives interop/command; LowCmd out is measured too


@dataclass(frozen=True)
class Settings:
    """What one benchmark run does."""

    rates: tuple[float, ...]
    paths: tuple[str, ...]
    duration_s: float  # measured per rate and path, over all rounds
    warmup_s: float
    rounds: int
    busy_limit_pct: float  # other processes' CPU (% of one core) that makes a run be redone
    busy_retries: int
    domain_id: int
    out_dir: Path

    @property
    def round_s(self) -> float:
        """Measured seconds of one run (one round of one rate and path)."""
        return self.duration_s / self.rounds


def run_path(rate: float, spec: PathSpec, settings: Settings,
             workdir: Path) -> list[Measurement]:
    """One configuration: start sink, relay and source, measure, stop everything.

    Returns the path's measurement, and for a path with commands also the command one."""
    env = child_env(settings.domain_id)
    workdir.mkdir(parents=True)
    children: list[Child] = []
    cpu: dict[str, tuple[float, float]] = {}
    try:
        sinks = _start_sinks(spec, workdir, env, children)
        if spec.relay_argv:
            relay = Child(spec.name, list(spec.relay_argv), workdir / 'relay.log', env)
            children.append(relay)
            relay.wait_for(spec.relay_ready, STARTUP_S)
            for sink in sinks:
                sink.wait_for('sink: matched', STARTUP_S)
        if spec.listen:
            listener = Child('listener', bench_script('bench_listener.py', *spec.listen),
                             workdir / 'listener.log', env)
            children.append(listener)
            listener.wait_for('listener: matched', STARTUP_S)
        commander = None
        if spec.commands:  # started with the source: commands before the first state are
            commander = _start_source(  # refused, in the warm-up
                'commander', COMMAND_TOPIC, rate, settings.warmup_s,
                max(settings.round_s - COMMAND_LEAD_S, settings.round_s / 2),
                workdir / 'command_send.npz', env, children, 'bench_commander.py')
        source = _start_source('source', SOURCE_TOPIC, rate, settings.warmup_s,
                               settings.round_s, workdir / 'send.npz', env, children)
        source.wait_for('source: measuring', STARTUP_S + settings.warmup_s)
        start = {child.name: child.cpu_seconds() for child in children}
        start['machine'], started = machine_busy_seconds(), time.monotonic()
        source.wait_for('source: done', 3 * settings.round_s + 30)
        cpu = {child.name: (start[child.name], child.cpu_seconds()) for child in children}
        cpu['machine'] = (start['machine'], machine_busy_seconds())
        window_s = time.monotonic() - started
        for child in (source, commander):
            if child is not None:
                child.wait_for('source: saved', 30)
        time.sleep(DRAIN_S)
    finally:
        for child in reversed(children):
            child.stop()
    notes = [f'{child.name} needed {child.stopped_by} to stop'
             for child in children if child.stopped_by]
    found = [_measurement(rate, spec, workdir, window_s, cpu, notes)]
    if spec.commands:
        found.append(_command_measurement(rate, workdir, window_s, cpu))
    return found


def _start_sinks(spec: PathSpec, workdir: Path, env: dict[str, str],
                 children: list[Child]) -> list[Child]:
    wanted = [('sink', spec.sink_topic, spec.sink_type, spec.sink_field, 'receive.npz', ())]
    if spec.commands:
        wanted.append(('command_sink', *LOWCMD, 'command_receive.npz',
                       ('--scale', f'{TICK_EFFORT!r}')))
    sinks = []
    for name, topic, typename, field, out, extra in wanted:
        sink = Child(name, bench_script(
            'bench_sink.py', '--topic', topic, '--type', typename, '--field', field,
            '--out', str(workdir / out), *extra), workdir / f'{name}.log', env)
        children.append(sink)
        sink.wait_for('sink: ready', STARTUP_S)
        sinks.append(sink)
    return sinks


def _start_source(name: str, topic: str, rate: float, warmup_s: float, duration_s: float,
                  out: Path, env: dict[str, str], children: list[Child],
                  script: str = 'bench_source.py') -> Child:
    child = Child(name, bench_script(
        script, '--topic', topic, '--rate', f'{rate:g}', '--warmup', f'{warmup_s:g}',
        '--duration', f'{duration_s:g}', '--out', str(out)), out.with_suffix('.log'), env)
    children.append(child)
    return child


def _measurement(rate: float, spec: PathSpec, workdir: Path, window_s: float,
                 cpu: dict[str, tuple[float, float]], notes: list[str]) -> Measurement:
    """Source -> sink through the path's relay or bridge."""
    return _row(rate, spec.name, workdir / 'send.npz', workdir / 'receive.npz', window_s, cpu,
                ('source', 'sink', spec.name if spec.relay_argv else None), notes)


def _command_measurement(rate: float, workdir: Path, window_s: float,
                         cpu: dict[str, tuple[float, float]]) -> Measurement:
    """Canonical command in -> LowCmd out; the bridge's CPU is in its own row."""
    return _row(rate, 'command', workdir / 'command_send.npz', workdir / 'command_receive.npz',
                window_s, cpu, ('commander', 'command_sink', None), [])


def _row(rate: float, path: str, send_path: Path, receive_path: Path, window_s: float,
         cpu: dict[str, tuple[float, float]], processes: tuple[str, str, str | None],
         notes: list[str]) -> Measurement:
    """One row: latencies from the saved times; CPU of (source, sink, relay or None)."""
    send_ns, late_ns, warmup, resets, latency_ns, duplicates = _latencies(send_path,
                                                                          receive_path)

    def used(name: str) -> float:
        return cpu[name][1] - cpu[name][0]
    source, sink, relay = processes
    ours = sum(used(name) for name in cpu if name != 'machine')
    return Measurement(
        rate=rate, path=path, latency_ns=latency_ns, sent=int(send_ns.size - warmup),
        duplicates=duplicates, window_s=window_s,
        relay_cpu_s=None if relay is None else used(relay), sink_cpu_s=used(sink),
        source_cpu_s=used(source), others_cpu_s=max(used('machine') - ours, 0.0),
        source_late_ns=late_ns, source_resets=resets, notes=notes)


def _latencies(send_path: Path, receive_path: Path) -> tuple[
        np.ndarray, np.ndarray, int, int, np.ndarray, int]:
    with np.load(send_path) as send, np.load(receive_path) as receive:
        warmup = int(send['warmup'])
        send_ns, late_ns = send['send_ns'], send['late_ns'][warmup:]
        latency_ns, duplicates = latencies(send_ns, warmup, receive['tick'],
                                           receive['receive_ns'])
        return send_ns, late_ns, warmup, int(send['resets']), latency_ns, duplicates
