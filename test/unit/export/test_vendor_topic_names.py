"""A `ros2 bag record` of a vendor's own topics exports whether it holds them where the robot
publishes them (`/lowstate`, a real G1) or inside a namespace (`/g1/lowstate`, a driver or
simulation started there)."""

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
from interop_bridge.export.robot_discovery import vendor_namespace, vendor_topic

G1 = 'unitree_g1_29dof'
WAVE = (bf.EventSpec(0.2, 1.2, 'wave both arms'),)


def export(bag: Path, out: Path, **options) -> dict:
    request = ExportRequest(bags=(bag,), out=out, vcodec='libx264', profile=G1, **options)
    export_recordings(request, lambda line: None)
    (episode,) = json.loads((out / 'meta' / 'interop.json').read_text())['episodes'].values()
    return dict(episode)


def assert_ground_truth(out: Path) -> None:
    rows = read_rows(out)
    for frame in (0, 15, 30):
        state, valid = bf.mapped_state(G1, 0.2 + frame / 30)
        np.testing.assert_allclose(rows['observation.state'][frame], state, atol=2e-6)
        np.testing.assert_array_equal(rows['valid.observation.state'][frame], valid)
    assert rows['valid.action'].any()  # the recorded LowCmd became the action


def test_the_vendor_names_are_found_where_the_profile_names_them_then_in_the_namespace():
    recorded = {'/lowstate': 1, '/g1/lowcmd': 1, '/g1/joint_states': 1}
    assert vendor_topic(recorded, '/g1', '/lowstate') == '/lowstate'
    assert vendor_topic(recorded, '/g1', '/lowcmd') == '/g1/lowcmd'
    assert vendor_topic(recorded, '/g1', 'lowcmd') == '/g1/lowcmd'
    assert vendor_topic(recorded, '', '/imu') == '/imu'  # not recorded: the profile's name
    assert vendor_namespace(recorded, '/lowstate', 'bag') == ''
    assert vendor_namespace({'/g1/lowstate': 1}, '/lowstate', 'bag') == '/g1'
    with pytest.raises(ExportError, match=r"holds /lowstate in several namespaces \['/a', '/b'\]; "
                       'choose one with --namespace'):
        vendor_namespace({'/a/lowstate': 1, '/b/lowstate': 1}, '/lowstate', 'bag')


def test_a_real_g1_bag_with_absolute_vendor_topics_exports(tmp_path):
    bag = bf.write_vendor_bag(tmp_path / 'bag', G1, events=WAVE, commands=True, camera=False)
    episode = export(bag, tmp_path / 'ds')
    assert (episode['state_topic'], episode['namespace']) == ('/lowstate', '')
    assert_ground_truth(tmp_path / 'ds')


def test_a_bag_recorded_with_the_vendor_topics_inside_a_namespace_exports(tmp_path):
    bag = bf.write_vendor_bag(tmp_path / 'bag', G1, events=WAVE, commands=True, camera=False,
                              namespace='/g1', vendor_in_namespace=True)
    episode = export(bag, tmp_path / 'ds')
    assert (episode['state_topic'], episode['namespace']) == ('/g1/lowstate', '/g1')
    assert_ground_truth(tmp_path / 'ds')


def test_two_robots_of_one_vendor_in_one_bag_need_a_namespace(tmp_path):
    other = tuple(('/g2/lowstate', 'unitree_hg/msg/LowState', tick / 100,
                   vm.unitree_lowstate('hg', vm.slot_values(35))) for tick in range(150))
    bag = bf.write_vendor_bag(tmp_path / 'bag', G1, events=WAVE, commands=True, camera=False,
                              namespace='/g1', vendor_in_namespace=True, extra=other)
    with pytest.raises(ExportError, match='several namespaces'):
        export(bag, tmp_path / 'refused')
    episode = export(bag, tmp_path / 'ds', namespace='g1')
    assert episode['state_topic'] == '/g1/lowstate'
    assert_ground_truth(tmp_path / 'ds')
