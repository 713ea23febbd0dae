"""Unitree LowStates with a bad CRC are dropped before resampling, counted and reported.

The recordings are Unitree G1 bags of test/bag_factory.py: state at 300 Hz, the episode from
0.2 s to 1.2 s at 30 fps, so frame f is read at state message 60 + 10 f. The corrupt messages
carry absurd joint values (1e30 rad) and a wrong CRC; dropped, the frames around them are
interpolated from their good neighbours.
"""

from __future__ import annotations

import json
from pathlib import Path

import bag_factory as bf
from dataset_rows import read_rows
import numpy as np
import pytest
import vendor_messages as vm

from interop_bridge.errors import ExportError
from interop_bridge.export.exporter import ExportRequest, export_recordings
from interop_bridge.dataset.validate import validate_dataset
from interop_bridge.profile import load_profile

PROFILE = 'unitree_g1_29dof'
WAVE = (bf.EventSpec(0.2, 1.2, 'wave'),)
CORRUPT = (110, 170, 171)  # frame 5 reads message 110; frame 11 reads 170 (171 beside it)
READ = 510  # messages 0..509: the episode's window, 0.5 s either side (clamped at 0)
BAD_CRC = 0xDEADBEEF


def write_bag(path: Path, corrupt: set[int], monkeypatch: pytest.MonkeyPatch,
              events: tuple[bf.EventSpec, ...] = WAVE) -> Path:
    """A G1 bag whose state messages number `corrupt` hold 1e30 rad and a wrong CRC."""
    real = bf.vendor_state_at

    def state_at(profile_name: str, t: float, names: list[str] | None) -> bytes:
        if round(t * bf.STATE_HZ) not in corrupt:
            return real(profile_name, t, names)
        return vm.unitree_lowstate('hg', np.full(35, 1e30, dtype=np.float32),
                                   tick=int(t * 1000), crc=BAD_CRC)
    with monkeypatch.context() as patch:
        patch.setattr(bf, 'vendor_state_at', state_at)
        return bf.write_vendor_bag(path, PROFILE, events=events, camera=False)


def export(bag: Path, out: Path, lines: list[str]) -> Path:
    request = ExportRequest(bags=(bag,), out=out, profile=PROFILE, vcodec='libx264')
    export_recordings(request, lines.append)
    return out


def state_at(tick: int) -> np.ndarray:
    """Canonical positions of the ground truth of state message `tick` (float32, mapped)."""
    state = np.zeros(32)
    for joint in load_profile(PROFILE).joints:
        native = float(np.float32(bf.native_value(joint.source, tick / bf.STATE_HZ)))
        state[joint.index] = joint.gain * native + joint.offset
    return state


def joint_validity() -> np.ndarray:
    valid = np.zeros(32)
    valid[[joint.index for joint in load_profile(PROFILE).joints]] = 1.0
    return valid


def test_bad_crc_states_are_dropped_and_their_neighbours_exported(tmp_path, monkeypatch):
    bag = write_bag(tmp_path / 'bag', set(CORRUPT), monkeypatch)
    lines: list[str] = []
    out = export(bag, tmp_path / 'ds', lines)
    rows = read_rows(out)
    assert len(rows['frame_index']) == 31
    np.testing.assert_array_equal(rows['valid.observation.state'],
                                  np.tile(joint_validity(), (31, 1)))
    assert np.abs(rows['observation.state']).max() < 10.0
    # message 110 dropped: frame 5 lies halfway between 109 and 111
    np.testing.assert_allclose(rows['observation.state'][5],
                               (state_at(109) + state_at(111)) / 2, atol=2e-6)
    # 170 and 171 dropped: frame 11 lies a third of the way from 169 to 172
    np.testing.assert_allclose(rows['observation.state'][11],
                               state_at(169) + (state_at(172) - state_at(169)) / 3, atol=2e-6)
    for frame in (0, 4, 6, 10, 12, 30):  # frames whose own message is good: the ground truth
        np.testing.assert_allclose(rows['observation.state'][frame],
                                   state_at(60 + 10 * frame), atol=2e-6)
    warnings = [line for line in lines if 'CRC' in line]
    assert warnings == [f'warning: bag: 3 of {READ} /lowstate messages read have a bad CRC '
                        '(dropped)']
    assert not any('impossible' in line for line in lines)
    interop = json.loads((out / 'meta' / 'interop.json').read_text())
    assert interop['episodes']['0']['checksum_failures'] == 3
    assert interop['episodes']['0']['implausible'] == {}
    assert validate_dataset(out).ok


def test_a_clean_bag_reports_no_bad_crc(tmp_path, monkeypatch):
    bag = write_bag(tmp_path / 'bag', set(), monkeypatch)
    lines: list[str] = []
    out = export(bag, tmp_path / 'ds', lines)
    assert not any('CRC' in line for line in lines)
    interop = json.loads((out / 'meta' / 'interop.json').read_text())
    assert interop['episodes']['0']['checksum_failures'] == 0


def test_an_episode_whose_every_state_has_a_bad_crc_is_refused_saying_so(tmp_path, monkeypatch):
    events = (bf.EventSpec(0.1, 0.3, 'first'), bf.EventSpec(1.2, 1.5, 'second'))
    bag = write_bag(tmp_path / 'bag', set(range(210, 601)), monkeypatch, events)
    with pytest.raises(ExportError, match=r"episode 'episode-1': no state message in /lowstate "
                       r'between its start and end \(390 /lowstate message\(s\) dropped: '
                       r'bad CRC\)'):
        export(bag, tmp_path / 'ds', [])
    assert not (tmp_path / 'ds').exists()
