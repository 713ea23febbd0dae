"""ros2_control codec: joint_state_broadcaster in, forward command controller out.

State: sensor_msgs/JointState addressed by joint name (the order may differ between robots and
even between controller restarts, so slots are resolved per name list). The IMU and the
force/torque sensors arrive on their own standard topics (interop_bridge.vendors.ros_sensors).
Command: std_msgs/Float64MultiArray in the controller's `joints` order with one value per joint
of the configured interface (position, velocity or effort); joints of the controller that are
not mapped (extras, grippers) keep their measured position, or get 0 for velocity and effort.
Decoding a command gives the controller's joints back with the interface's field filled and
every other field NaN (a velocity command has no position target).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from interop_bridge.cdr import FieldGather, Layout, MessageEncoder, layout_from_sample
from interop_bridge.errors import MappingError
from interop_bridge.schema import Key, list_of, one_of
from interop_bridge.vendors.codec import (
    COMMAND_FIELDS, CachedGather, FieldDefs, command_encoder, require_finite)
from interop_bridge.vendors.native import NativeCommand, NativeState

if TYPE_CHECKING:
    from interop_bridge.profile import Profile

STATE_TYPE = 'sensor_msgs/msg/JointState'
COMMAND_TYPE = 'std_msgs/msg/Float64MultiArray'
COMMAND_INTERFACES = ('position', 'velocity', 'effort')
OPTION_KEYS = (
    Key('command_interface', str, 'interface the forward controller commands',
        default='position', check=one_of(*COMMAND_INTERFACES)),
    Key('controller_joints', list, "native joint names in the controller's 'joints' order",
        check=list_of(str, allow_empty=False)),
)


def check_options(options: dict[str, Any],
                  sources: set[int | str]) -> list[tuple[str, Any, str]]:
    """Problems (key path, value, expected) of the controller joints against the profile: each
    the native name of a mapped joint, extra or gripper, and each once."""
    names = options.get('controller_joints', [])
    problems = [(f'ros2_control.controller_joints[{position}]', name,
                 'the native name of a mapped joint, extra or gripper')
                for position, name in enumerate(names) if name not in sources]
    problems += [(f'ros2_control.controller_joints[{position}]', name,
                  f'a name not given before (it is controller_joints[{names.index(name)}])')
                 for position, name in enumerate(names) if names.index(name) < position]
    return problems


class Ros2ControlCodec:
    """Decodes JointState and encodes / decodes forward-controller commands."""

    state_type = STATE_TYPE
    command_type = COMMAND_TYPE

    def __init__(self, profile: Profile, fielddefs: FieldDefs) -> None:
        self.fielddefs = fielddefs
        self.interface = str(profile.options['command_interface'])
        self.controller_joints = tuple(profile.options['controller_joints'])
        self._mapped = {str(joint.source): position
                        for position, joint in enumerate(profile.joints)}
        self._state: tuple[FieldGather, tuple[str, ...]] | None = None

    @functools.cached_property
    def _encoder(self) -> MessageEncoder:
        # Built on first use: a recording may hold states without the command definition.
        return command_encoder(self.fielddefs, COMMAND_TYPE, {'data': 'data'},
                               {'data': len(self.controller_joints)})

    @functools.cached_property
    def _commands(self) -> CachedGather:
        return CachedGather(self.fielddefs, COMMAND_TYPE, {'data': 'data'})

    def _state_gather(self, raw: bytes | memoryview) -> tuple[FieldGather, tuple[str, ...]]:
        if self._state is None or not self._state[0].layout.matches(raw):
            layout = layout_from_sample(self.fielddefs, STATE_TYPE, raw)
            names = tuple(layout.string(raw, f'name.{index}')
                          for index in range(_name_count(layout)))
            count = len(names)
            patterns = {'sec': 'header.stamp.sec', 'nanosec': 'header.stamp.nanosec'}
            for name in ('position', 'velocity', 'effort'):
                if layout.leaves[name].count == count and count:
                    patterns[name] = name
            self._state = (FieldGather(layout, patterns), names)
        return self._state

    def decode_state(self, raw: bytes | memoryview) -> NativeState:
        """One JointState -> NativeState in the message's name order."""
        gather, names = self._state_gather(raw)
        return self._native(gather.one(raw), names, batch=False)

    def decode_states(self, raws: Sequence[bytes]) -> NativeState:
        """Many JointState messages with one name list -> batched NativeState."""
        gather, names = self._state_gather(raws[0])
        if not all(gather.layout.matches(raw) for raw in raws):
            msg = f'{STATE_TYPE}: joint names or array lengths change within the batch'
            raise MappingError(msg)
        return self._native(gather.many(raws), names, batch=True)

    @staticmethod
    def _native(values: dict[str, np.ndarray], names: tuple[str, ...], *,
                batch: bool) -> NativeState:
        if 'position' not in values:
            msg = f'{STATE_TYPE}: position must have one value per name ({len(names)} names)'
            raise MappingError(msg)
        stamp = values['sec'].astype(np.int64) * 1_000_000_000 + values['nanosec']
        width = values['position'].shape[-1]

        def optional(name: str) -> np.ndarray:
            return values[name] if name in values else np.full(values['position'].shape, np.nan)
        return NativeState(
            position=values['position'], velocity=optional('velocity'),
            effort=optional('effort'), names=names[:width],
            stamp_ns=stamp[..., 0] if batch else stamp[:1].reshape(()))

    def encode_command(self, command: NativeCommand, slots: np.ndarray,
                       state: NativeState) -> bytes:
        """A Float64MultiArray in controller order; unmapped joints hold their measured value."""
        del slots  # the controller order replaces vendor slots
        targets = np.asarray(getattr(command, self.interface), dtype=np.float64)
        measured = dict(zip(state.names or (), np.asarray(state.position, dtype=np.float64)))
        data = np.empty(len(self.controller_joints))
        for index, name in enumerate(self.controller_joints):
            mapped = self._mapped.get(name)
            if mapped is not None and (self.interface == 'position' or command.enabled[mapped]):
                data[index] = targets[mapped]
            elif self.interface == 'position':
                data[index] = measured.get(name, np.nan)
            else:
                data[index] = 0.0
        require_finite(data, 'data', COMMAND_TYPE)
        buffer = self._encoder.new_buffer()
        self._encoder.write(buffer, 'data', data)
        return self._encoder.serialize(buffer)

    def decode_commands(self, raws: Sequence[bytes]) -> NativeCommand:
        """Forward-controller commands -> NativeCommand in controller order."""
        data = self._commands.many(raws)['data'].astype(np.float64)
        if data.shape[-1] != len(self.controller_joints):
            msg = (f'{COMMAND_TYPE}: {data.shape[-1]} values per command, the controller has '
                   f'{len(self.controller_joints)} joints')
            raise MappingError(msg)
        return _as_command(data, self.interface, self.controller_joints)


def _name_count(layout: Layout) -> int:
    """How many names a JointState layout holds (a string sequence has one leaf per name)."""
    count = 0
    while f'name.{count}' in layout.leaves:
        count += 1
    return count


def _as_command(data: np.ndarray, interface: str,
                names: tuple[str, ...] | None = None) -> NativeCommand:
    """A NativeCommand with `data` as the interface's field and NaN elsewhere."""
    fields = {name: data if name == interface else np.full(data.shape, np.nan)
              for name in COMMAND_FIELDS}
    return NativeCommand(enabled=np.ones(data.shape, dtype=bool), names=names, **fields)
