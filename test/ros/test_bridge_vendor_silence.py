"""Over real DDS: a bridge that hears nothing from its robot says once, in its log and in
/diagnostics, which DDS topic and type it waits for and what to check (issue 12, point 1)."""

from __future__ import annotations

import os
import signal

import pytest
from bridge_probe import (
    Probe, diagnostic_status, diagnostics_probe, start_bridge, status_values, vendor_state)
from ros_process import spin_until

from interop_bridge.profile import load_profile

SILENCE_S = 1.0


@pytest.mark.parametrize('profile, dds_topic, dds_type', [
    ('unitree_g1_29dof', 'rt/lowstate', 'unitree_hg::msg::dds_::LowState_'),
    ('booster_t1', 'rt/low_state', 'booster_interface::msg::dds_::LowState_'),
])
def test_a_silent_vendor_state_is_named_once_as_the_vendor_dds_sees_it(
        ros_node, start_process, profile, dds_topic, dds_type):
    namespace = f'/silent_{profile}'
    bridge = start_bridge(start_process, profile, namespace,
                          '-p', f'vendor_silence_warning_s:={SILENCE_S}')
    diagnostics = diagnostics_probe(ros_node)
    name = f'{namespace}/bridge: vendor state'

    def status(awaited: bool):
        found = diagnostic_status(diagnostics, name)
        named = found is not None and 'awaited_dds_topic' in status_values(found)
        return found if found is not None and named == awaited else None
    assert spin_until(ros_node, lambda: status(True)), bridge.output()
    silent = status(True)
    assert silent.level == silent.WARN
    assert f'waiting for DDS topic {dds_topic} (ROS /{dds_topic[3:]}) of type {dds_type}' in \
        silent.message and 'docs/deploy.md' in silent.message
    values = status_values(silent)
    assert (values['awaited_dds_topic'], values['awaited_dds_type'], values['domain_id']) == (
        dds_topic, dds_type, os.environ['ROS_DOMAIN_ID'])
    assert 'ROS_AUTOMATIC_DISCOVERY_RANGE' in values['check']
    bridge.wait_for_output(f'waiting for DDS topic {dds_topic}')
    spin_until(ros_node, lambda: False, timeout=2 * SILENCE_S)
    assert bridge.output().count('waiting for DDS topic') == 1  # logged once

    typename, topic, raw, _ = vendor_state(load_profile(profile))
    Probe(ros_node, namespace, typename, topic, raw)  # the robot is heard at last
    assert spin_until(ros_node, lambda: 'vendor state arrived' in bridge.output()), \
        bridge.output()
    assert spin_until(ros_node, lambda: status(False)), bridge.output()
    assert bridge.stop(signal.SIGINT) == 0
    assert bridge.output().count('waiting for DDS topic') == 1
