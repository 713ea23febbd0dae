"""The checked robot profile as immutable records (built by interop_bridge.profile)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from interop_bridge.vendors.registry import ADAPTERS


@dataclass(frozen=True)
class JointProfile:
    """One canonical joint on this robot."""

    canonical: str
    index: int
    source: int | str
    native_name: str
    sign: int
    scale: float
    offset: float
    position: tuple[float, float]
    velocity: float
    effort: float
    stiffness: float
    damping: float
    stiffness_max: float
    damping_max: float

    @property
    def gain(self) -> float:
        """Factor from native to canonical values (sign times scale)."""
        return self.sign * self.scale

    @property
    def canonical_position(self) -> tuple[float, float]:
        """Position limits in canonical values, low first."""
        low, high = (self.gain * limit + self.offset for limit in self.position)
        return (min(low, high), max(low, high))


@dataclass(frozen=True)
class ExtraJoint:
    """A vendor-only joint published as an extra."""

    name: str
    source: int | str


@dataclass(frozen=True)
class WrenchSensor:
    """A force/torque sensor read from its own topic."""

    frame: str
    topic: str
    force_axes: tuple[int, int, int]
    torque_axes: tuple[int, int, int]


@dataclass(frozen=True)
class GripperProfile:
    """A gripper read from the joint state and normalized to a closure."""

    side: str
    source: int | str
    open: float
    closed: float


@dataclass(frozen=True)
class ImuProfile:
    """Base IMU conventions of the vendor."""

    present: bool
    frame: str
    orientation: str
    euler_order: str


@dataclass(frozen=True)
class CommandProfile:
    """Command conversion and safety behaviour."""

    limit_policy: str
    timeout_s: float
    state_timeout_s: float
    on_timeout: str
    timeout_damping: float
    uncommanded: str


@dataclass(frozen=True)
class TopicProfile:
    """Vendor topic names: absolute ('/lowstate') or relative to the bridge namespace."""

    state: str
    command: str
    imu: str


@dataclass(frozen=True)
class FrameLink:
    """Where a canonical frame sits on the robot's kinematic model."""

    name: str                            # canonical frame (l_wrist, l_sole, gaze ...)
    link: str                            # model link or frame
    xyz: tuple[float, float, float]      # fixed offset in the link frame [m]


@dataclass(frozen=True)
class KinematicsProfile:
    """The robot's kinematic model, when the profile attaches one."""

    model: str = ''                      # absolute path; '' = none attached
    base: str = ''                       # link of the canonical pelvis frame; '' = model root
    frames: tuple[FrameLink, ...] = ()

    def frame(self, name: str) -> FrameLink | None:
        """The model link of canonical frame `name`, None when not declared."""
        return next((frame for frame in self.frames if frame.name == name), None)


@dataclass(frozen=True)
class Profile:
    """A checked robot profile."""

    name: str
    vendor: str
    model: str
    description: str
    adapter: str
    state_rate_hz: float
    stamp_source: str
    topics: TopicProfile
    imu: ImuProfile
    joints: tuple[JointProfile, ...]
    extra: tuple[ExtraJoint, ...]
    wrenches: tuple[WrenchSensor, ...]
    grippers: tuple[GripperProfile, ...]
    command: CommandProfile
    options: Mapping[str, Any]
    source_file: str
    sha256: str
    kinematics: KinematicsProfile = KinematicsProfile()

    @property
    def by_name(self) -> bool:
        """Whether joints are addressed by native name (JointState) rather than slot index."""
        return ADAPTERS[self.adapter].by_name

    def joint(self, canonical: str) -> JointProfile | None:
        """The profile entry of a canonical joint, or None when the robot lacks it."""
        return next((joint for joint in self.joints if joint.canonical == canonical), None)
