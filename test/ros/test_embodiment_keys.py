"""Profile keys whose effect is the latched Embodiment: which robot stands behind a namespace.

(The other keys are checked in test/unit/test_profile_key_effects.py.)
"""

from __future__ import annotations

import pytest
from builtin_interfaces.msg import Time
from profile_variants import EMBODIMENT_KEYS, set_key, variant

from interop_bridge.canonical import load_canonical
from interop_bridge.nodes.canonical_messages import embodiment

SPEC = load_canonical()
EDITS = {
    'name': (set_key('name', 'g1_lab_7'), lambda message: message.profile_name == 'g1_lab_7'),
    'vendor': (set_key('vendor', 'unitree_robotics'),
               lambda message: message.vendor == 'unitree_robotics'),
    'model': (set_key('model', 'g1_edu'), lambda message: message.model == 'g1_edu'),
    'imu.frame': (set_key('imu.frame', 'pelvis_imu'),
                  lambda message: list(message.imu_frames) == ['pelvis_imu']),
    'joints.native_name': (set_key('joints.3.native_name', 'knee_l'),
                           lambda message: message.joints[3].native_name == 'knee_l'),
    'state_rate_hz': (set_key('state_rate_hz', 250.0),
                      lambda message: message.state_rate_hz == 250.0),
}


def test_every_key_left_to_this_module_is_checked_here():
    assert set(EDITS) == EMBODIMENT_KEYS


@pytest.mark.parametrize('key', sorted(EDITS))
def test_the_embodiment_says_what_the_key_says(key, tmp_path):
    edit, holds = EDITS[key]
    profile = variant(tmp_path, 'unitree_g1_29dof', edit)
    message = embodiment(profile, SPEC, Time())
    assert holds(message)
    assert not holds(embodiment(variant(tmp_path / 'base', 'unitree_g1_29dof', lambda _: None),
                                SPEC, Time()))
