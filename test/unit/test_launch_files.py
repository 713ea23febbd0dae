"""Every launch file names nodes, executables, parameters and remappings that exist and fit.

`ros2 launch` cannot be installed here, so these checks stand in for it: a launch file that
passes them starts exactly the processes `interop launch` starts from the same file.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from ros_process import REPO

from interop_bridge.launch_file import LaunchError, NodeSpec, executable_path, read_launch
from interop_bridge.profile import load_profile
from interop_bridge.sim import booster, ros2_control, unitree
from interop_bridge.sim.settings import SETTINGS_KEYS as FAKE_ROBOT_KEYS
from interop_bridge.sim.styles import STYLES

LAUNCH_FILES = sorted((REPO / 'launch').glob('*.launch.yaml'))
# Launch files that start simulated robots (the others drive a real robot's own topics).
SIMULATION_LAUNCH_FILES = [path for path in LAUNCH_FILES if 'exec: fake_robot' in path.read_text()]
NODE_MODULES = {'bridge': 'bridge', 'canonical_controller': 'canonical_controller',
                'fake_robot': 'fake_robot', 'recorder': 'recorder'}
CAMERA = 'camera/image_raw'
FAMILY_TOPICS = {
    'unitree_hg': ({unitree.STATE_TOPIC, CAMERA}, {unitree.COMMAND_TOPIC, unitree.ARM_SDK_TOPIC}),
    'unitree_go': ({unitree.STATE_TOPIC, CAMERA}, {unitree.COMMAND_TOPIC, unitree.ARM_SDK_TOPIC}),
    'booster': ({booster.STATE_TOPIC, CAMERA}, {booster.COMMAND_TOPIC}),
    'ros2_control': ({ros2_control.JOINT_STATES_TOPIC, ros2_control.IMU_TOPIC,
                      *ros2_control.WRENCH_TOPICS, CAMERA}, {ros2_control.COMMAND_TOPIC}),
}


def resolve(namespace: str, topic: str) -> str:
    return topic if topic.startswith('/') else f'{namespace.rstrip("/")}/{topic}'


def declared_parameters(executable: str) -> set[str]:
    if executable == 'fake_robot':
        return {key.name for key in FAKE_ROBOT_KEYS}
    source = (REPO / 'interop_bridge' / 'nodes' / f'{NODE_MODULES[executable]}.py').read_text()
    names = set(re.findall(r"(?:declare_parameter|_parameter)\(\s*'(\w+)'", source))
    names |= set(re.findall(r"^\s+'(\w+)': \(", source, re.MULTILINE))  # declared in a loop
    return names


def node_section(content: dict, node: NodeSpec) -> dict | None:
    """The parameter file section that applies to a node, as rcl matches node names."""
    full = f'{node.namespace.rstrip("/")}/{node.name}'
    for key in (full, full.lstrip('/'), f'/**/{node.name}', '/**'):
        if key in content:
            return content[key]
    return None


def console_scripts() -> set[str]:
    text = (REPO / 'setup.py').read_text()
    return set(re.findall(r"'(\w+) = interop_bridge\.[\w.]+:main'", text))


def fake_robot_topics(node: NodeSpec) -> tuple[set[str], set[str]]:
    style = dict(node.parameters)['style']
    published, subscribed = FAMILY_TOPICS[STYLES[style].family]
    return ({resolve(node.namespace, topic) for topic in published},
            {resolve(node.namespace, topic) for topic in subscribed})


def bridge_topics(node: NodeSpec) -> tuple[str, str]:
    """The vendor state and command topics a bridge uses, after its remappings."""
    profile = load_profile(dict(node.parameters)['profile'])
    remap = dict(node.remappings)
    state = resolve(node.namespace, profile.topics.state)
    command = resolve(node.namespace, profile.topics.command)
    return remap.get(state, state), remap.get(command, command)


@pytest.fixture(params=LAUNCH_FILES, ids=lambda path: path.name)
def nodes(request) -> list[NodeSpec]:
    return read_launch(request.param)


def test_there_are_launch_files_for_one_bridge_and_the_two_robot_demo():
    assert {path.name for path in LAUNCH_FILES} >= {'bridge.launch.yaml',
                                                    'two_robot_demo.launch.yaml'}


def test_every_executable_is_a_console_script_and_installed(nodes):
    for node in nodes:
        assert node.package == 'interop_bridge'
        assert node.executable in console_scripts(), node.executable
        assert executable_path(node).is_file()


def test_every_parameter_file_exists_and_sets_only_declared_parameters(nodes):
    for node in nodes:
        for path in node.parameter_files:
            section = node_section(yaml.safe_load(Path(path).read_text()), node)
            assert section is not None, f'{path} has no section for node {node.name!r}'
            names = set(section['ros__parameters'])
            assert names <= declared_parameters(node.executable), names
        for name, _ in node.parameters:
            assert name in declared_parameters(node.executable), (node.executable, name)


def test_every_profile_and_robot_style_named_exists(nodes):
    for node in nodes:
        parameters = dict(node.parameters)
        if 'profile' in parameters:
            load_profile(parameters['profile'])
        if node.executable == 'fake_robot':
            assert parameters['style'] in STYLES


@pytest.mark.parametrize('path', SIMULATION_LAUNCH_FILES, ids=lambda path: path.name)
def test_every_bridge_is_wired_to_a_simulated_robot_of_its_family(path):
    nodes = read_launch(path)
    robots = [node for node in nodes if node.executable == 'fake_robot']
    for bridge in (node for node in nodes if node.executable == 'bridge'):
        state, command = bridge_topics(bridge)
        adapter = load_profile(dict(bridge.parameters)['profile']).adapter
        wired = [robot for robot in robots if state in fake_robot_topics(robot)[0]]
        assert wired, f'no simulated robot publishes {state} for {bridge.namespace}'
        assert command in fake_robot_topics(wired[0])[1]
        assert STYLES[dict(wired[0].parameters)['style']].family == adapter


def test_every_remapping_joins_a_topic_the_node_uses_to_one_another_node_uses(nodes):
    used_by_others = set()
    for node in nodes:
        if node.executable == 'fake_robot':
            published, subscribed = fake_robot_topics(node)
            used_by_others |= published | subscribed
    for node in nodes:
        for source, target in node.remappings:
            assert node.executable == 'bridge'
            profile = load_profile(dict(node.parameters)['profile'])
            own = {profile.topics.state, profile.topics.command, profile.topics.imu,
                   *(sensor.topic for sensor in profile.wrenches)}
            assert source in {resolve(node.namespace, topic) for topic in own if topic}
            assert target in used_by_others, target


def test_the_controller_drives_robots_that_have_bridges(nodes):
    bridges = {node.namespace for node in nodes if node.executable == 'bridge'}
    for node in nodes:
        if node.executable == 'canonical_controller':
            for path in node.parameter_files:
                section = node_section(yaml.safe_load(Path(path).read_text()), node)
                robots = section['ros__parameters']['robots']
                assert set(robots) <= bridges, (robots, bridges)


def test_an_unknown_launch_argument_or_entry_is_an_error(tmp_path):
    bad = tmp_path / 'bad.launch.yaml'
    bad.write_text('launch:\n  - timer: {period: 1}\n')
    with pytest.raises(LaunchError, match="unsupported launch entry 'timer'"):
        read_launch(bad)
    with pytest.raises(LaunchError, match=r"no argument\(s\) \['colour'\]"):
        read_launch(REPO / 'launch' / 'bridge.launch.yaml', {'colour': 'red'})


def test_an_argument_declared_in_a_group_is_an_argument_of_the_file(tmp_path):
    grouped = tmp_path / 'grouped.launch.yaml'
    group = 'launch:\n  - group:\n      children:\n        - arg: {name: robot, default: g1}\n'
    grouped.write_text(group)
    with pytest.raises(LaunchError, match=r"no argument\(s\) \['colour'\]"):
        read_launch(grouped, {'colour': 'red'})
    grouped.write_text(group + '  - arg: {name: rate, default: "1"}\n')
    assert read_launch(grouped, {'robot': 't1'}) == []
