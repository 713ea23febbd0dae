"""A simulated robot: joints that sway gently until commanded, then follow a PD-like law.

Everything is in the vendor's slot order (see `styles.py`). Without a command a joint sways on
a slow sinusoid inside its limits, like a robot balancing. A command takes effect on the slots
it enables and stays in force until the next one (a real motor driver keeps its last PD
targets). The motor law tau = kp*(q_des - q) + kd*(dq_des - dq) + tau_ff is followed loosely:
- kp > 0: critically damped second-order approach to q_des (natural period
  1/omega = `TIME_CONSTANT_S`): velocity stays continuous when the target steps, as a motor
  with inertia under PD control, so the recorded velocity is the derivative of the position;
- kp == 0, kd > 0: damping, the velocity relaxes to dq_des + tau_ff/kd;
- kp == 0, kd == 0: torque only, tau_ff accelerates a damped unit inertia.
The pelvis IMU reports a slight deterministic sway (ZYX roll/pitch/yaw), with the quaternion in
Unitree order (w, x, y, z).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from interop_bridge.errors import MappingError
from interop_bridge.sim.styles import StyleSpec, style_spec

TIME_CONSTANT_S = 0.05
GRAVITY = 9.81
SWAY_AMPLITUDE = 0.05  # rad, at most
TORQUE_DAMPING = 2.0  # 1/s, torque-only slots
HOLD_GAIN = 20.0  # N*m/rad, the stand-in effort of swaying slots
# IMU sway: (amplitude rad, frequency Hz, phase rad) for roll, pitch, yaw.
BODY_SWAY = ((0.02, 0.25, 0.0), (0.015, 0.17, 1.0), (0.01, 0.05, 2.0))


@dataclass(frozen=True)
class ImuSample:
    """One IMU reading in the body frame."""

    quaternion_wxyz: np.ndarray  # (4,)
    gyroscope: np.ndarray  # rad/s, (3,)
    accelerometer: np.ndarray  # m/s^2 (specific force: +g on z when level), (3,)
    rpy: np.ndarray  # roll, pitch, yaw [rad], (3,)


class SimRobot:
    """Joint positions, velocities, accelerations and efforts of one simulated robot."""

    def __init__(self, style: StyleSpec | str) -> None:
        self.spec = style if isinstance(style, StyleSpec) else style_spec(style)
        count = self.spec.slot_count
        self.valid = np.array([joint is not None for joint in self.spec.slots])
        lower = np.array([joint.lower if joint else 0.0 for joint in self.spec.slots])
        upper = np.array([joint.upper if joint else 0.0 for joint in self.spec.slots])
        home = np.array([joint.home if joint else 0.0 for joint in self.spec.slots])
        self.lower, self.upper = lower, upper
        margin = np.minimum(0.1, (upper - lower) / 4)
        self._center = np.clip(home, lower + margin, upper - margin)
        self._amplitude = np.where(self.valid, np.minimum(SWAY_AMPLITUDE, (upper - lower) / 8),
                                   0.0)
        index = np.arange(count)
        self._omega = 2 * math.pi * (0.2 + 0.03 * (index % 11))
        self._phase = 0.7 * index
        self.time = 0.0
        self.q, self.dq = self._sway(0.0)
        self.ddq = np.zeros(count)
        self.tau = np.zeros(count)
        self.q_des = self.q.copy()
        self.dq_des = np.zeros(count)
        self.tau_ff = np.zeros(count)
        self.kp = np.zeros(count)
        self.kd = np.zeros(count)
        self.held = np.zeros(count, dtype=bool)  # slots under a command
        self.blend = np.ones(count)  # command weight against the own sway (arm_sdk)
        self._invalid_slots = np.flatnonzero(~self.valid)
        self._regroup()

    @property
    def slot_count(self) -> int:
        """Number of vendor slots."""
        return self.spec.slot_count

    def apply_command(self, *, q: Any = 0.0, dq: Any = 0.0, tau: Any = 0.0, kp: Any = 0.0,
                      kd: Any = 0.0, enabled: Any = True, blend: float = 1.0) -> int:
        """Take a command for the enabled slots (vendor order); other slots keep theirs.

        Args:
            q: Target positions [rad]; clipped to the joint limits.
            dq: Target velocities [rad/s].
            tau: Feed-forward torques [N*m].
            kp: Position gains; 0 selects damping or torque-only behaviour.
            kd: Velocity gains.
            enabled: Which slots the command drives (Unitree: mode != 0).
            blend: Weight of the command against the robot's own motion, 0..1 (arm_sdk).

        Returns:
            How many joints the command now drives.

        Raises:
            MappingError: An array has neither 1 nor `slot_count` values.
        """
        values = {name: self._per_slot(name, value) for name, value in
                  (('q', q), ('dq', dq), ('tau', tau), ('kp', kp), ('kd', kd))}
        mask = self._per_slot('enabled', enabled).astype(bool) & self.valid
        self.q_des[mask] = np.clip(values['q'], self.lower, self.upper)[mask]
        self.dq_des[mask] = values['dq'][mask]
        self.tau_ff[mask] = values['tau'][mask]
        self.kp[mask] = np.maximum(values['kp'][mask], 0.0)
        self.kd[mask] = np.maximum(values['kd'][mask], 0.0)
        self.blend[mask] = min(max(float(blend), 0.0), 1.0)
        self.held |= mask
        self._regroup()
        return int(mask.sum())

    def _regroup(self) -> None:
        """Index the held slots by the behaviour their gains select."""
        self._held_slots = np.flatnonzero(self.held)
        self._groups = (np.flatnonzero(self.held & (self.kp > 0.0)),
                        np.flatnonzero(self.held & (self.kp == 0.0) & (self.kd > 0.0)),
                        np.flatnonzero(self.held & (self.kp == 0.0) & (self.kd == 0.0)))

    def step(self, dt: float) -> None:
        """Advance the simulation by `dt` seconds."""
        if dt <= 0.0:
            return
        self.time += dt
        q, dq = self._sway(self.time)
        q_old, dq_old = self.q, self.dq
        tau = HOLD_GAIN * (self._center - q) - dq
        position, damping, torque = self._groups
        position_velocity = np.zeros(len(position))
        if len(position):
            blend = self.blend[position]
            target = blend * self.q_des[position] + (1.0 - blend) * q[position]
            q[position], position_velocity = critically_damped(
                q_old[position] - target, dq_old[position], dt)
            q[position] += target
        if len(damping):
            gain = 1.0 - math.exp(-dt / TIME_CONSTANT_S)
            settled = self.dq_des[damping] + self.tau_ff[damping] / self.kd[damping]
            velocity = dq_old[damping] + (settled - dq_old[damping]) * gain
            q[damping] = q_old[damping] + velocity * dt
        if len(torque):
            drag = TORQUE_DAMPING * dq_old[torque]
            velocity = dq_old[torque] + (self.tau_ff[torque] - drag) * dt
            q[torque] = q_old[torque] + velocity * dt
        held = self._held_slots
        if len(held):
            q[held] = np.clip(q[held], self.lower[held], self.upper[held])
            dq[held] = (q[held] - q_old[held]) / dt
            if len(position):
                # the exact velocity of the second-order law; 0 where a limit stopped the joint
                at_limit = ((q[position] <= self.lower[position])
                            | (q[position] >= self.upper[position]))
                dq[position] = np.where(at_limit, 0.0, position_velocity)
            driven = held[self.kp[held] + self.kd[held] > 0.0]
            tau[driven] = (self.kp[driven] * (self.q_des[driven] - q[driven])
                           + self.kd[driven] * (self.dq_des[driven] - dq[driven])
                           + self.tau_ff[driven])
            tau[torque] = self.tau_ff[torque]
        tau[self._invalid_slots] = 0.0
        self.ddq = (dq - dq_old) / dt
        self.q, self.dq, self.tau = q, dq, tau

    def imu(self) -> ImuSample:
        """The IMU reading at the current time."""
        angles, rates = [], []
        for amplitude, frequency, phase in BODY_SWAY:
            omega = 2 * math.pi * frequency
            angles.append(amplitude * math.sin(omega * self.time + phase))
            rates.append(amplitude * omega * math.cos(omega * self.time + phase))
        roll, pitch, yaw = angles
        return ImuSample(quaternion_from_rpy(roll, pitch, yaw), np.array(rates),
                         GRAVITY * np.array([-math.sin(pitch), math.sin(roll) * math.cos(pitch),
                                             math.cos(roll) * math.cos(pitch)]),
                         np.array(angles))

    def _sway(self, time: float) -> tuple[np.ndarray, np.ndarray]:
        angle = self._omega * time + self._phase
        return (self._center + self._amplitude * np.sin(angle),
                self._amplitude * self._omega * np.cos(angle))

    def _per_slot(self, name: str, value: Any) -> np.ndarray:
        array = np.asarray(value, dtype=float)
        if array.ndim == 0:
            return np.full(self.slot_count, float(array))
        if array.shape != (self.slot_count,):
            msg = (f'{self.spec.name}: command field {name!r} has shape {array.shape}, '
                   f'expected one value or {self.slot_count} (one per vendor slot)')
            raise MappingError(msg)
        return array


def critically_damped(error: np.ndarray, velocity: np.ndarray,
                      dt: float) -> tuple[np.ndarray, np.ndarray]:
    """Position error and velocity after `dt` of e'' = -w^2 e - 2 w e' (w = 1/TIME_CONSTANT_S).

    The exact solution over the step (the target is constant within it), so any `dt` is stable:
    e(t) = (e0 + (v0 + w e0) t) exp(-w t), v(t) = (v0 - w t (v0 + w e0)) exp(-w t).
    """
    omega = 1.0 / TIME_CONSTANT_S
    decay = math.exp(-omega * dt)
    rate = velocity + omega * error
    return (error + rate * dt) * decay, (velocity - omega * dt * rate) * decay


def quaternion_from_rpy(roll: float, pitch: float, yaw: float) -> np.ndarray:
    """Quaternion (w, x, y, z) of the ZYX Euler angles: yaw, then pitch, then roll."""
    cr, sr = math.cos(roll / 2), math.sin(roll / 2)
    cp, sp = math.cos(pitch / 2), math.sin(pitch / 2)
    cy, sy = math.cos(yaw / 2), math.sin(yaw / 2)
    return np.array([cr * cp * cy + sr * sp * sy, sr * cp * cy - cr * sp * sy,
                     cr * sp * cy + sr * cp * sy, cr * cp * sy - sr * sp * cy])
