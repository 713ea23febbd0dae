"""Simulated vendor robots (pure Python): joint motion, IMU, and the vendors' wire formats.

`SimRobot` moves joints in a vendor's slot order; `STYLES`/`VENDOR_JOINT_ORDERS` list the
vendor joint orders; the wires (`make_wire`) turn a SimRobot into the vendor's messages and
apply the vendor's commands, for the `fake_robot` node.
"""

from interop_bridge.sim.robot import ImuSample, SimRobot
from interop_bridge.sim.styles import (
    STYLES, TALOS_CONTROLLER_JOINTS, VENDOR_JOINT_ORDERS, JointSpec, StyleSpec, style_spec)

__all__ = ['STYLES', 'TALOS_CONTROLLER_JOINTS', 'VENDOR_JOINT_ORDERS', 'ImuSample',
           'JointSpec', 'SimRobot', 'StyleSpec', 'style_spec']
