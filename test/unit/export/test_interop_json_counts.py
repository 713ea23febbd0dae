"""meta/interop.json counts NaN in the joints the robot has only, and records the stamps used.

The bags are those of test/bag_factory.py: state at 300 Hz, the episode from 0.2 s to 1.2 s at
30 fps, so frame f falls on state message 60 + 10 f. Some messages here carry NaN for one joint
the profile maps (the expected counts come from the messages written, not from the exporter);
the canonical joints a robot lacks are NaN by design and must never be counted.
Stamps: a Unitree LowState has no header (resampled by receive time whatever --stamps asked);
a ros2_control JointState has one (used when asked for), written here 4 ms before its log time.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import bag_factory as bf
import numpy as np
import pytest
import vendor_messages as vm

from interop_bridge.dataset.parquet_io import column_values, read_parquet_dir, read_table
from interop_bridge.export.episode_assembly import ExportPolicy
from interop_bridge.export.exporter import ExportRequest, export_recordings

G1, TALOS = 'unitree_g1_29dof', 'pal_talos'
WAVE = (bf.EventSpec(0.2, 1.2, 'wave'),)
FRAMES = 31
NAN_FRAMES = (3, 4, 17)  # frames whose own state message has a NaN joint
NAN_OFF_GRID = (155,)  # between frames 9 and 10: no frame uses it
NAN_TICKS = tuple(60 + 10 * frame for frame in NAN_FRAMES) + NAN_OFF_GRID
HEADER_SKEW_NS = -4_000_000  # JointState header stamp - log time
JOINT_STREAMS = ('position', 'velocity', 'effort')


def nan_joint(profile_name: str) -> Any:
    """The present joint whose value the NaN messages lack (the profile's first)."""
    return bf.load_profile(profile_name).joints[0]


def unmapped_slot(profile_name: str) -> int:
    """A Unitree motor slot no canonical joint maps (NaN there is nobody's business)."""
    profile = bf.load_profile(profile_name)
    used = {joint.source for joint in profile.joints}
    return next(slot for slot in range(profile.options['motor_slots']) if slot not in used)


def state_with_nan(profile_name: str, t: float, names: list[str] | None) -> bytes:
    """The factory's state at t, with NaN for `nan_joint` at NAN_TICKS (and, on a Unitree,
    NaN in an unmapped motor slot in every message)."""
    profile = bf.load_profile(profile_name)
    tick = round(t * bf.STATE_HZ)
    joint = nan_joint(profile_name)
    if names is None:
        q = np.asarray([bf.native_value(slot, t)
                        for slot in range(profile.options['motor_slots'])], dtype=np.float32)
        q[unmapped_slot(profile_name)] = np.nan
        if tick in NAN_TICKS:
            q[int(joint.source)] = np.nan
        return vm.unitree_lowstate(profile.adapter[-2:], q, tick=int(t * 1000))
    q = np.asarray([bf.native_value(slot, t) for slot in range(len(names))])
    if tick in NAN_TICKS:
        q[names.index(str(joint.source))] = np.nan
    return vm.joint_state(names, q, bf.START_NS + int(round(t * bf.NS)))


def state_with_skew(profile_name: str, t: float, names: list[str] | None) -> bytes:
    """A JointState whose header stamp is HEADER_SKEW_NS off its log time."""
    assert names is not None
    q = np.asarray([bf.native_value(slot, t) for slot in range(len(names))])
    return vm.joint_state(names, q, bf.START_NS + int(round(t * bf.NS)) + HEADER_SKEW_NS)


def write_bag(path: Path, profile_name: str, monkeypatch: pytest.MonkeyPatch,
              state: Any = None, camera: bool = False) -> Path:
    with monkeypatch.context() as patch:
        if state is not None:
            patch.setattr(bf, 'vendor_state_at', state)
        return bf.write_vendor_bag(path, profile_name, events=WAVE, camera=camera)


def export(bag: Path, out: Path, profile_name: str,
           policy: ExportPolicy = ExportPolicy()) -> dict[str, Any]:
    request = ExportRequest(bags=(bag,), out=out, profile=profile_name, vcodec='libx264',
                            policy=policy)
    export_recordings(request, lambda line: None)
    interop: dict[str, Any] = json.loads((out / 'meta' / 'interop.json').read_text())
    return interop


def only_episode(interop: dict[str, Any]) -> dict[str, Any]:
    (episode,) = interop['episodes'].values()
    return dict(episode)


def state_topic(profile_name: str) -> str:
    topic = bf.load_profile(profile_name).topics.state
    return topic if topic.startswith('/') else f'/{topic}'


def stream(episode: dict[str, Any], profile_name: str, key: str) -> dict[str, Any]:
    return dict(episode['resampling'][f'{state_topic(profile_name)}:{key}'])


@pytest.mark.parametrize('profile_name', [G1, TALOS])
def test_a_clean_bag_counts_no_nan_although_absent_joints_are_nan(tmp_path, profile_name):
    """The issue's case: absent canonical joints are NaN by design, not NaN samples."""
    bag = bf.write_vendor_bag(tmp_path / 'bag', profile_name, events=WAVE, camera=False)
    episode = only_episode(export(bag, tmp_path / 'ds', profile_name))
    joints = len(bf.load_profile(profile_name).joints)
    assert joints < 32  # the robot lacks canonical joints: their columns are NaN throughout
    for name, report in episode['resampling'].items():
        assert (report['nan_samples'], report['frames_with_nan']) == (0, 0), name
    assert stream(episode, profile_name, 'position')['columns_present'] == joints
    assert stream(episode, profile_name, 'position')['frames_valid'] == FRAMES


@pytest.mark.parametrize('profile_name', [G1, TALOS])
def test_nan_samples_and_frames_count_the_nan_messages_of_a_present_joint(
        tmp_path, monkeypatch, profile_name):
    bag = write_bag(tmp_path / 'bag', profile_name, monkeypatch, state_with_nan)
    out = tmp_path / 'ds'
    episode = only_episode(export(bag, out, profile_name))
    for key in JOINT_STREAMS:  # the vendor's velocity and effort follow q (q/2, -q)
        report = stream(episode, profile_name, key)
        assert report['nan_samples'] == len(NAN_TICKS), key
        assert report['frames_with_nan'] == len(NAN_FRAMES), key
        assert report['frames_valid'] == FRAMES, key
    for key in ('valid', 'orientation', 'angular_velocity', 'linear_acceleration', 'hand'):
        report = episode['resampling'].get(f'{state_topic(profile_name)}:{key}')
        assert report is None or report['nan_samples'] == 0, key
    table = read_table(read_parquet_dir(out / 'data'))
    valid = column_values(table, 'valid.observation.state')[:, nan_joint(profile_name).index]
    assert list(np.flatnonzero(valid == 0)) == list(NAN_FRAMES)


def test_header_less_lowstate_is_recorded_as_resampled_by_receive_time(tmp_path, monkeypatch):
    bag = write_bag(tmp_path / 'bag', G1, monkeypatch, camera=True)
    interop = export(bag, tmp_path / 'ds', G1)  # --stamps header (the default) was asked
    episode = only_episode(interop)
    assert interop['exports'][0]['policy']['stamp_source'] == 'header'
    state_reports = {name: report for name, report in episode['resampling'].items()
                     if name.startswith(f'{state_topic(G1)}:')}
    assert state_reports
    for name, report in state_reports.items():
        assert report['stamp_source'] == 'receive', name
        assert report['skew'] is None, name  # no header: no header - receive skew either
    assert episode['resampling']['observation.images.camera']['stamp_source'] == 'header'
    assert episode['stamp_sources'] == {state_topic(G1): 'receive',
                                        '/camera/image_raw': 'header'}
    assert episode['stamp_source'] == 'mixed'


def test_a_lowstate_only_episode_is_labelled_receive(tmp_path, monkeypatch):
    bag = write_bag(tmp_path / 'bag', G1, monkeypatch)
    episode = only_episode(export(bag, tmp_path / 'ds', G1))
    assert episode['stamp_sources'] == {state_topic(G1): 'receive'}
    assert episode['stamp_source'] == 'receive'


@pytest.mark.parametrize('asked', ['header', 'receive'])
def test_joint_state_header_stamps_are_used_when_asked(tmp_path, monkeypatch, asked):
    bag = write_bag(tmp_path / 'bag', TALOS, monkeypatch, state_with_skew)
    episode = only_episode(export(bag, tmp_path / 'ds', TALOS,
                                  ExportPolicy(stamp_source=asked)))
    report = stream(episode, TALOS, 'position')
    assert report['stamp_source'] == asked
    assert episode['stamp_sources'] == {state_topic(TALOS): asked}
    assert episode['stamp_source'] == asked
    skew = report['skew']
    assert skew['count'] == report['samples_in']
    assert skew['mean_s'] == pytest.approx(HEADER_SKEW_NS / bf.NS, abs=1e-9)
    first_log_ns = bf.START_NS  # the first state message read (the window is clamped at 0)
    offset = HEADER_SKEW_NS if asked == 'header' else 0
    assert report['first_stamp_ns'] == first_log_ns + offset
