"""Find, in one recording, the robot and the topics that feed each dataset feature.

A recording from the project's recorder holds canonical topics (`<ns>/interop/state` ...) and
the latched embodiment, which names the robot profile. A plain `ros2 bag record` of a vendor's
own topics holds only vendor topics: the profile must then be given, and the exporter decodes
them with the same codec and mapping as the live bridge. A vendor topic is looked up where the
profile names it (`/lowstate`: where a real G1 publishes) and, failing that, inside the robot's
namespace (`/g1/lowstate`: a driver or simulation started in a namespace); a vendor recording
without canonical topics takes the namespace it holds the state topic in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from interop_bridge import topics as names
from interop_bridge.canonical import CanonicalSpec
from interop_bridge.errors import ExportError
from interop_bridge.export import hand_decoders, topic_decoders
from interop_bridge.hands.hand_profile import HandProfile
from interop_bridge.export.images import IMAGE_TYPES
from interop_bridge.profile import Profile, load_profile
from interop_bridge.robot_codec import RobotCodec

CAMERA_SUFFIXES = ('image_raw', 'compressed', 'image', 'image_color', 'image_rect_color')


@dataclass
class RobotStreams:
    """The topics of one robot in one recording, each with its decoder."""

    namespace: str
    profile: Profile
    profile_from: str  # 'embodiment' or 'option'
    embodiment_sha256: str
    decoders: dict[str, Any] = field(default_factory=dict)  # topic -> decoder
    state_topic: str = ''
    cameras: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> topic, type
    episode_topic: str | None = None
    hands: HandProfile | None = None  # the hand profile whose vendor topics are recorded
    _codec: RobotCodec | None = field(default=None, repr=False)

    def vendor_codec(self, spec: CanonicalSpec, fielddefs: Mapping[str, Any]) -> RobotCodec:
        """The robot's codec (one per recording, shared by its vendor topics)."""
        if self._codec is None:
            self._codec = RobotCodec(self.profile, spec, fielddefs)
        return self._codec

    @property
    def canonical(self) -> bool:
        """Whether the state comes from canonical messages (recorded from a bridge)."""
        decoder = self.decoders.get(self.state_topic)
        return isinstance(decoder, topic_decoders.CanonicalStateDecoder)


def _namespaces_with(topics: Mapping[str, Any], suffix: str) -> list[str]:
    return sorted(name[:-len(suffix)].rstrip('/') for name in topics
                  if name == f'/{suffix}' or name.endswith(f'/{suffix}'))


def _join(namespace: str, topic: str) -> str:
    return topic if topic.startswith('/') else f'{namespace}/{topic}'


def vendor_topic(topics: Mapping[str, Any], namespace: str, topic: str) -> str:
    """Where a profile's vendor topic is recorded: as the profile names it (absolute, or
    relative to the namespace), else the same name inside the namespace; the first name when
    neither is recorded."""
    named = _join(namespace, topic)
    inside = f'{namespace}/{topic.lstrip("/")}'
    return inside if named not in topics and inside in topics else named


def vendor_namespace(topics: Mapping[str, Any], state_topic: str, source: str) -> str:
    """The namespace of a vendor recording without canonical topics: '' when it holds the
    profile's state topic at the root (`/lowstate`), else the one namespace it holds it in."""
    name = f'/{state_topic.lstrip("/")}'
    if name in topics:
        return ''
    found = sorted(topic[:-len(name)] for topic in topics if topic.endswith(name))
    if len(found) > 1:
        msg = f'{source}: holds {name} in several namespaces {found}; choose one with --namespace'
        raise ExportError(msg)
    return found[0] if found else ''


def choose_namespace(topics: Mapping[str, Any], wanted: str | None, profile: str | None,
                     source: str) -> str:
    """The robot namespace of a recording (the only one, or the one asked for)."""
    found = _namespaces_with(topics, names.STATE) or _namespaces_with(topics, names.EMBODIMENT)
    if wanted is not None:
        return '/' + wanted.strip('/') if wanted.strip('/') else ''
    if len(found) > 1:
        msg = f'{source}: holds several robots {found}; choose one with --namespace'
        raise ExportError(msg)
    if found:
        return found[0]
    if profile is None:
        msg = (f'{source}: no canonical topics (interop/state) and no --profile: give '
               'the robot profile to export vendor topics')
        raise ExportError(msg)
    return ''


def read_embodiment(recording: Any, topic: str) -> Any:
    """The first (latched) embodiment message of the recording."""
    for record in recording.messages([topic]):
        return recording.deserialize(record)
    msg = f'{topic}: recorded but holds no message'
    raise ExportError(msg)


def discover_robot(recording: Any, spec: CanonicalSpec, *, profile: str | None,
                   namespace: str | None, cameras: Mapping[str, str], source: str) -> RobotStreams:
    """The robot of one recording and a decoder for every topic the dataset uses."""
    topics = recording.topics
    ns = choose_namespace(topics, namespace, profile, source)
    embodiment_topic = _join(ns, names.EMBODIMENT)
    sha = ''
    if embodiment_topic in topics:
        embodiment = read_embodiment(recording, embodiment_topic)
        name, sha = embodiment.profile_name, embodiment.profile_sha256
        robot = RobotStreams(ns, load_profile(profile or name), 'option' if profile else
                             'embodiment', sha)
        check_embodiment(robot.profile, embodiment, source)
    elif profile is not None:
        chosen = load_profile(profile)
        if namespace is None and not ns:
            ns = vendor_namespace(topics, chosen.topics.state, source)
        robot = RobotStreams(ns, chosen, 'option', sha)
    else:
        msg = f'{source}: no {embodiment_topic} recorded and no --profile given'
        raise ExportError(msg)
    fielddefs = recording.typestore.fielddefs
    _add_state(robot, topics, fielddefs, spec, source)
    _add_commands(robot, topics, fielddefs, spec)
    _add_hands(robot, topics, fielddefs, spec)
    if not any(isinstance(decoder, topic_decoders.HandDecoder)
               for decoder in robot.decoders.values()):
        _add_vendor_hands(robot, topics, spec)
    robot.cameras = _cameras(topics, ns, cameras, source)
    episode_topic = _join(ns, names.EPISODE)
    robot.episode_topic = episode_topic if episode_topic in topics else None
    return robot


def check_embodiment(profile: Profile, recorded: Any, source: str) -> None:
    """Refuse a --profile of another robot (vendor and model) than the recorded embodiment."""
    if profile.name == recorded.profile_name:
        return
    if (profile.vendor, profile.model) != (recorded.vendor, recorded.model):
        robot = f'{recorded.vendor} {recorded.model}'.strip() or 'no vendor and model'
        msg = (f'{source}: the recorded embodiment names profile {recorded.profile_name} '
               f'({robot}), but --profile {profile.name} is {profile.vendor} '
               f'{profile.model}: the profile does not fit the recording (drop --profile to '
               'use the recorded one)')
        raise ExportError(msg)


def _add_state(robot: RobotStreams, topics: Mapping[str, Any], fielddefs: Mapping[str, Any],
               spec: CanonicalSpec, source: str) -> None:
    canonical = _join(robot.namespace, names.STATE)
    profile = robot.profile
    if canonical in topics:
        robot.state_topic = canonical
        robot.decoders[canonical] = topic_decoders.CanonicalStateDecoder(fielddefs, spec)
        return
    vendor = vendor_topic(topics, robot.namespace, profile.topics.state)
    if vendor not in topics:
        msg = (f'{source}: missing required topic: neither {canonical} nor the '
               f'vendor state {vendor} ({profile.name}) is recorded')
        raise ExportError(msg)
    robot.state_topic = vendor
    codec = robot.vendor_codec(spec, fielddefs)
    decoder = topic_decoders.VendorStateDecoder(codec)
    if topics[vendor].msgtype != decoder.typename:
        msg = (f'{source}: {vendor} holds {topics[vendor].msgtype}, but profile '
               f'{profile.name} reads {decoder.typename}: wrong --profile?')
        raise ExportError(msg)
    robot.decoders[vendor] = decoder
    imu = vendor_topic(topics, robot.namespace, profile.topics.imu) if profile.topics.imu else ''
    if imu in topics:
        robot.decoders[imu] = topic_decoders.ImuDecoder(codec)
    for sensor in profile.wrenches:
        topic = vendor_topic(topics, robot.namespace, sensor.topic)
        if topic in topics:
            robot.decoders[topic] = topic_decoders.WrenchDecoder(codec, spec, sensor)


def _add_commands(robot: RobotStreams, topics: Mapping[str, Any], fielddefs: Mapping[str, Any],
                  spec: CanonicalSpec) -> None:
    canonical = _join(robot.namespace, names.COMMAND)
    if canonical in topics:
        robot.decoders[canonical] = topic_decoders.CanonicalCommandDecoder(fielddefs)
        return
    vendor = vendor_topic(topics, robot.namespace, robot.profile.topics.command)
    if vendor in topics:
        robot.decoders[vendor] = topic_decoders.VendorCommandDecoder(
            robot.vendor_codec(spec, fielddefs))


def _add_hands(robot: RobotStreams, topics: Mapping[str, Any], fielddefs: Mapping[str, Any],
               spec: CanonicalSpec) -> None:
    channels = len(spec.hand_channels)
    for side_index, side in enumerate(spec.hand_sides):
        for name, typename, valid_field, key in (
                (names.hand_state(side), 'interop_msgs/msg/HandState', 'valid', 'hand'),
                (names.hand_command(side), 'interop_msgs/msg/HandCommand', 'commanded',
                 'action.hand')):
            topic = _join(robot.namespace, name)
            if topic in topics:
                robot.decoders[topic] = topic_decoders.HandDecoder(
                    fielddefs, typename, side_index, channels, valid_field, key)


def _add_vendor_hands(robot: RobotStreams, topics: Mapping[str, Any],
                      spec: CanonicalSpec) -> None:
    """The vendor hand topics of the shipped hand profile the recording holds, if any."""
    def where(topic: str) -> str:
        return vendor_topic(topics, robot.namespace, topic)
    hands = hand_decoders.find_hand_profile(topics, where)
    if hands is None:
        return
    robot.hands = hands
    state_sides: dict[str, list[Any]] = {}
    command_sides: dict[str, list[Any]] = {}
    for side in hands.sides:
        state_sides.setdefault(where(side.state_topic), []).append(side)
        command_sides.setdefault(where(side.command_topic), []).append(side)
    for topic, sides in state_sides.items():
        robot.decoders[topic] = hand_decoders.VendorHandStateDecoder(hands, sides, spec)
    for topic, sides in command_sides.items():
        if topic in topics:
            robot.decoders[topic] = hand_decoders.VendorHandCommandDecoder(hands, sides, spec)


def _cameras(topics: Mapping[str, Any], namespace: str, chosen: Mapping[str, str],
             source: str) -> dict[str, tuple[str, str]]:
    if chosen:
        missing = sorted(topic for topic in chosen.values() if topic not in topics)
        if missing:
            msg = f'{source}: camera topics not recorded: {missing}'
            raise ExportError(msg)
        return {name: (topic, topics[topic].msgtype) for name, topic in chosen.items()}
    found = {}
    for topic, info in topics.items():
        if info.msgtype in IMAGE_TYPES and (not namespace or topic.startswith(namespace + '/')):
            found[camera_name(topic, namespace)] = (topic, info.msgtype)
    return found


def camera_name(topic: str, namespace: str) -> str:
    """'/g1/head_camera/image_raw' in namespace '/g1' -> 'head_camera'."""
    parts = [part for part in topic[len(namespace):].split('/') if part]
    while len(parts) > 1 and parts[-1] in CAMERA_SUFFIXES:
        parts.pop()
    return '_'.join(parts) or 'camera'
