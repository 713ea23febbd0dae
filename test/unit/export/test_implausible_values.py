"""Physically impossible recorded values are flagged invalid and counted, never exported.

The recording is a Booster T1 bag of test/bag_factory.py (no checksum on its LowState, so the
bytes reach the decoder as flipped): state at 300 Hz, the episode from 0.2 s to 1.2 s at
30 fps, so state message 110 (0.3667 s) is the one sample frame 5 is read from.
"""

from __future__ import annotations

import json
import shutil
import struct
from pathlib import Path

import bag_factory as bf
from dataset_rows import read_rows
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from interop_bridge.canonical import load_canonical
from interop_bridge.dataset.validate import validate_dataset
from interop_bridge.export.exporter import ExportRequest, export_recordings
from interop_bridge.export.plausibility import Plausibility
from interop_bridge.export.decoded_values import FEATURE_OF
from interop_bridge.profile import load_profile

WAVE = (bf.EventSpec(0.2, 1.2, 'wave'),)
TICK, FRAME = 110, 5  # the corrupted state message and the frame that reads it
PROFILE = 'booster_t1'
MOTOR_BYTES = 36  # booster MotorState in CDR: mode+pad, q, dq, ddq, tau_est, temp+pad, lost,
#                   reserve[2]


@pytest.fixture(scope='module')
def clean(tmp_path_factory):
    base = tmp_path_factory.mktemp('flip')
    bag = bf.write_vendor_bag(base / 'bag', PROFILE, events=WAVE, camera=False)
    return bag, export(bag, base / 'ds')


def export(bag: Path, out: Path, lines: list[str] | None = None) -> Path:
    request = ExportRequest(bags=(bag,), out=out, profile=PROFILE)
    export_recordings(request, (lines if lines is not None else []).append)
    return out


def flipped_copy(bag: Path, to: Path, motor: int, change) -> Path:
    """The bag with bytes of message TICK changed from motor `motor`'s q on: change(bytes)."""
    shutil.copytree(bag, to)
    mcap = next(to.glob('*.mcap'))
    data = bytearray(mcap.read_bytes())
    raw = bf.vendor_state_at(PROFILE, TICK / bf.STATE_HZ, None)
    assert data.count(raw) == 1
    q = struct.pack('<f', np.float32(bf.native_value(motor, TICK / bf.STATE_HZ)))
    assert raw.count(q) == 1
    start = data.find(raw) + raw.find(q)
    data[start:] = change(bytes(data[start:]))
    mcap.write_bytes(bytes(data))
    return to


def canonical_index(slot: int) -> int:
    return next(j.index for j in load_profile(PROFILE).joints if j.source == slot)


def test_an_effort_of_minus_1_7e38_is_flagged_invalid_and_counted(clean, tmp_path):
    bag, clean_ds = clean
    tau_offset = 12  # q, dq, ddq, then tau_est

    def huge_effort(rest: bytes) -> bytes:
        return rest[:tau_offset] + struct.pack('<f', -1.7e38) + rest[tau_offset + 4:]
    lines: list[str] = []
    out = export(flipped_copy(bag, tmp_path / 'bag', 3, huge_effort), tmp_path / 'ds', lines)
    rows, before = read_rows(out), read_rows(clean_ds)
    joint = canonical_index(3)
    assert np.abs(rows['observation.effort']).max() < 1e3
    assert rows['valid.observation.state'][FRAME][joint] == 0.0
    for key in ('observation.effort', 'observation.state'):  # the last valid reading, held
        assert rows[key][FRAME][joint] == before[key][FRAME - 1][joint], key
    for key in ('observation.state', 'observation.effort', 'valid.observation.state'):
        changed = np.argwhere(rows[key] != before[key]).tolist()
        assert changed in ([[FRAME, joint]], []), key
    assert ('warning: episode 0: 1 impossible value(s) flagged invalid, not exported: '
            'observation.effort 1') in lines
    interop = json.loads((out / 'meta' / 'interop.json').read_text())
    assert interop['episodes']['0']['implausible'] == {'observation.effort': 1}
    assert validate_dataset(out).ok


def test_64_flipped_bytes_export_nothing_impossible_and_only_the_hit_joints_change(
        clean, tmp_path):
    bag, clean_ds = clean

    def flip(rest: bytes) -> bytes:
        return bytes(byte ^ 0xFF for byte in rest[:64]) + rest[64:]
    lines: list[str] = []
    out = export(flipped_copy(bag, tmp_path / 'bag', 2, flip), tmp_path / 'ds', lines)
    rows, before = read_rows(out), read_rows(clean_ds)
    hit = sorted((canonical_index(2), canonical_index(3)))  # 64 bytes from motor 2's q
    assert MOTOR_BYTES + 28 == 64  # ... reach into motor 3's q, dq, ddq, tau_est
    assert [int(v) for v in rows['valid.observation.state'][FRAME][hit]] == [0, 0]
    changed = {(int(f), int(j)) for f, j in np.argwhere(
        rows['valid.observation.state'] != before['valid.observation.state'])}
    assert changed == {(FRAME, joint) for joint in hit}
    assert any(line.startswith('warning: episode 0: ') for line in lines)
    assert validate_dataset(out).ok


def test_validate_fails_the_dataset_the_exporter_wrote_before_values_were_checked(
        clean, tmp_path, monkeypatch):
    bag, _ = clean

    def huge_effort(rest: bytes) -> bytes:
        return rest[:12] + struct.pack('<f', -1.7e38) + rest[16:]
    monkeypatch.setattr(Plausibility, 'clean', lambda self, values: dict(values))
    out = export(flipped_copy(bag, tmp_path / 'bag', 3, huge_effort), tmp_path / 'ds')
    report = validate_dataset(out)
    assert not report.ok
    failure = report.result('values')
    assert 'observation.effort has 1 value(s) physically impossible' in failure.detail
    assert '-1.7e+38' in failure.detail


def test_validate_finds_a_flipped_byte_in_a_data_page_by_its_checksum(clean, tmp_path):
    _, clean_ds = clean
    out = tmp_path / 'ds'
    shutil.copytree(clean_ds, out)
    path = next((out / 'data').rglob('*.parquet'))
    metadata = pq.ParquetFile(path).metadata
    names = [metadata.schema.column(i).path for i in range(metadata.num_columns)]
    chunk = metadata.row_group(0).column(names.index('observation.effort.list.element'))
    data = bytearray(path.read_bytes())
    start = chunk.dictionary_page_offset if chunk.has_dictionary_page else \
        chunk.data_page_offset
    data[start + chunk.total_compressed_size - 8] ^= 0x01  # one bit, inside its last page
    path.write_bytes(bytes(data))
    failure = validate_dataset(out).result('values')
    assert not failure.passed
    assert 'checksum' in failure.detail.lower()


def test_a_non_unit_quaternion_or_an_infinite_rate_invalidates_the_whole_imu_sample():
    check = Plausibility(load_profile(PROFILE), load_canonical(), FEATURE_OF)
    orientation = np.array([[0.0, 0.0, 0.0, 1.0], [0.0, 0.0, 0.0, 2.0], [0.0, 0.0, 0.0, 1.0]])
    rates = np.array([[0.1, 0.2, 0.3], [0.1, 0.2, 0.3], [np.inf, 0.0, 0.0]])
    out = check.clean({'orientation': orientation, 'angular_velocity': rates,
                       'linear_acceleration': np.zeros((3, 3))})
    assert np.isnan(out['orientation'][1:]).all() and not np.isnan(out['orientation'][0]).any()
    assert np.isnan(out['linear_acceleration'][1:]).all()
    assert check.counts == {'observation.imu.orientation': 1,
                            'observation.imu.angular_velocity': 1}


def regrouped(clean_ds: Path, to: Path, rows_per_group: int, change=None) -> Path:
    """The dataset with its data file rewritten in row groups of `rows_per_group` rows (an
    episode spanning several), after change(columns) edits the columns (name -> numpy)."""
    shutil.copytree(clean_ds, to)
    path = next((to / 'data').rglob('*.parquet'))
    table = pq.read_table(path)
    if change is not None:
        columns = {name: np.array(table.column(name).to_pylist()) for name in table.column_names}
        change(columns)
        for name, values in columns.items():
            at = table.column_names.index(name)
            table = table.set_column(at, table.schema.field(at),
                                     pa.array(list(values), type=table.schema.field(at).type))
    pq.write_table(table, path, row_group_size=rows_per_group, write_page_checksum=True)
    return to


def held_at(row: int, value_of=None):
    """A change flagging state joint 0 invalid at `row`, every feature it covers holding the row
    before's value (or value_of(before) when given)."""
    def change(columns: dict[str, np.ndarray]) -> None:
        columns['valid.observation.state'][row, 0] = 0.0
        for key in ('observation.state', 'observation.velocity', 'observation.effort'):
            before = columns[key][row - 1, 0]
            columns[key][row, 0] = before if value_of is None else value_of(before)
    return change


def test_the_values_check_reads_row_groups_and_follows_an_episode_across_them(clean, tmp_path):
    _, clean_ds = clean
    out = regrouped(clean_ds, tmp_path / 'ds', 7, held_at(14))  # row 14 opens the third group
    assert pq.ParquetFile(next((out / 'data').rglob('*.parquet'))).num_row_groups > 3
    result = validate_dataset(out).result('values')
    assert result.passed, result.detail


def test_an_invalid_entry_not_held_in_a_later_row_group_is_named_by_its_file_row(
        clean, tmp_path):
    _, clean_ds = clean
    out = regrouped(clean_ds, tmp_path / 'ds', 7, held_at(16, lambda before: before + 0.25))
    failure = validate_dataset(out).result('values')
    assert not failure.passed
    assert 'observation.state has 1 value(s) not held where flagged invalid' in failure.detail
    assert 'at row 16 entry 0' in failure.detail
