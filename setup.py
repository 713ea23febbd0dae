"""ament_python package interop_bridge: canonical humanoid bridges, recorder and exporter."""

from glob import glob

from setuptools import find_packages, setup

PACKAGE = 'interop_bridge'

setup(
    name=PACKAGE,
    version='0.1.0',
    packages=find_packages(exclude=['test', 'test.*', 'bench', 'scripts']),
    data_files=[
        ('share/ament_index/resource_index/packages', [f'resource/{PACKAGE}']),
        (f'share/{PACKAGE}', ['package.xml']),
        (f'share/{PACKAGE}/launch', glob('launch/*.launch.yaml')),
        (f'share/{PACKAGE}/config', glob('config/*.yaml') + glob('config/*.md')),
        (f'share/{PACKAGE}/config/robots', glob('config/robots/*.yaml')),
        (f'share/{PACKAGE}/config/hands', glob('config/hands/*.yaml')),
        (f'share/{PACKAGE}/docs', glob('docs/*.md')),
    ],
    install_requires=['setuptools'],
    zip_safe=True,
    maintainer='Humanoid Interop maintainers',
    maintainer_email='maintainers@humanoid-interop.dev',
    description='Canonical humanoid bridges, recorder and rosbag2 to LeRobot exporter.',
    license='Apache-2.0',
    entry_points={
        'console_scripts': [
            'interop = interop_bridge.cli:main',
            'bridge = interop_bridge.nodes.bridge:main',
            'fake_robot = interop_bridge.nodes.fake_robot:main',
            'fake_hand = interop_bridge.nodes.fake_hand:main',
            'recorder = interop_bridge.nodes.recorder:main',
            'canonical_controller = interop_bridge.nodes.canonical_controller:main',
        ],
    },
)
