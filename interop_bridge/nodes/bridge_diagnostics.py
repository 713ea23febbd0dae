"""The bridge's /diagnostics message: one status per stream, from the core's counters."""

from __future__ import annotations

from builtin_interfaces.msg import Time
from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue

from interop_bridge.bridge_core import BridgeCore
from interop_bridge.stream_health import AwaitedStream, SilenceWatch, stream_status

# diagnostic_msgs has no type information: its level constants are single bytes.
LEVEL_OK: bytes = DiagnosticStatus.OK
LEVEL_WARN: bytes = DiagnosticStatus.WARN


def bridge_diagnostics(core: BridgeCore, *, prefix: str, hardware_id: str, now_s: float,
                       stamp: Time, awaited: AwaitedStream,
                       silence: SilenceWatch) -> DiagnosticArray:
    """Statuses named '<prefix>/bridge: <stream>', each with its counters as values.

    While the vendor state has stayed silent past the silence limit, its status also names
    the DDS topic and type awaited and what to check (the same words as the log line).
    """
    array = DiagnosticArray()
    array.header.stamp = stamp
    for key, health in core.health.items():
        snapshot = health.snapshot(now_s)
        status = DiagnosticStatus(name=f'{prefix}/bridge: {snapshot.name}',
                                  hardware_id=hardware_id)
        ongoing, pairs = core.ongoing_problem(key, now_s), snapshot.as_pairs()
        silent_s = silence.silent_for(now_s, snapshot.count) if key == 'state' else None
        if silent_s is not None:
            ongoing = f'{ongoing}; {awaited.silence_message(silent_s)}'
            pairs += awaited.as_pairs()
        warn, status.message = stream_status(snapshot, ongoing)
        status.level = LEVEL_WARN if warn else LEVEL_OK
        status.values = [KeyValue(key=k, value=v) for k, v in pairs]
        array.status.append(status)
    return array
