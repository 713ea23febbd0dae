"""A sharded export on a real local Ray cluster (a head and two worker nodes, loopback only):
the same dataset as one process makes, a worker node killed mid-run loses and duplicates
nothing, a rerun submits no task, a corrupt bag fails alone; bags certified on the cluster get
the certificates they get alone; every socket of the cluster is on loopback.

The cluster is ray.cluster_utils.Cluster (Ray's own multi-node testing tool): a head without
CPUs, so every task runs on a worker node, and two 1-CPU workers. Settings from
../shared/reference/scale-out.md: every socket on 127.0.0.1 (RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0),
usage stats off, a private RAY_TMPDIR, token authentication off (it would write
~/.ray/auth_token), a fast node health check; torn down with
Cluster.shutdown(), never `ray stop` (it kills every Ray process on the machine).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

import bag_factory as bf
import embodied_bags as eb
import numpy as np
import pytest
from dataset_rows import read_rows

from interop_bridge.cli import main
from interop_bridge.export.episode_assembly import ExportPolicy
from interop_bridge.export.exporter import ExportRequest, export_recordings
from interop_bridge.scale.certify_tasks import CertifyRequest, certify_bag, run_certify
from interop_bridge.scale.driver import ShardedExport, ShardedSummary, run_sharded
from interop_bridge.scale.manifest import read_manifest
from interop_bridge.scale.ray_engine import ray_engine
from interop_bridge.scale.shards import SUCCESS, TEMPORARY

# Ray reads this when it is imported (ray_constants.ENABLE_RAY_CLUSTER): set before the import,
# or every node listens on every interface (test_every_socket_..._is_on_loopback catches it).
os.environ['RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER'] = '0'
ray = pytest.importorskip('ray', reason='the bootstrap installs requirements-ray.txt')
REPO = Path(__file__).resolve().parents[3]
PROFILES = ('unitree_g1_29dof', 'booster_t1', 'unitree_h1')
BAGS = 8
HEALTH_CHECK = {'health_check_initial_delay_ms': 1000, 'health_check_period_ms': 500,
                'health_check_timeout_ms': 500, 'health_check_failure_threshold': 3}
pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope='module')
def corpus(tmp_path_factory) -> Path:
    """BAGS bags of three robots, 2 s each with one episode and a camera."""
    base = tmp_path_factory.mktemp('ray-corpus')
    for number in range(BAGS):
        name = f'bag{number:02d}'
        eb.embodied_vendor_bag(base / 'bags' / name, PROFILES[number % 3],
                               events=(bf.EventSpec(0.2, 1.6, f'task {number % 2}'),))
        shutil.rmtree(base / 'bags' / f'{name}-vendor-only')
    return base / 'bags'


@pytest.fixture(scope='module')
def cluster():
    """A head (0 CPUs) and two 1-CPU worker nodes on loopback; shut down afterwards."""
    from ray.cluster_utils import Cluster

    saved = dict(os.environ)
    temp = tempfile.mkdtemp(prefix='ray', dir='/tmp')  # short: socket paths <= 107 chars
    os.environ.update({'RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER': '0', 'RAY_USAGE_STATS_ENABLED': '0',
                       'RAY_TMPDIR': temp, 'RAY_AUTH_MODE': 'disabled',  # no ~/.ray token
                       'PYTHONPATH': f'{REPO}:{saved.get("PYTHONPATH", "")}'})
    nodes = Cluster(initialize_head=True, head_node_args={
        'num_cpus': 0, 'include_dashboard': False, 'object_store_memory': 75 * 2**20,
        '_system_config': HEALTH_CHECK})
    workers = [nodes.add_node(num_cpus=1, object_store_memory=75 * 2**20, memory=2**30)
               for _ in range(2)]
    ray.init(address=nodes.address, include_dashboard=False, log_to_driver=False)
    try:
        yield nodes, workers
    finally:
        ray.shutdown()
        nodes.shutdown()
        os.environ.clear()
        os.environ.update(saved)
        shutil.rmtree(temp, ignore_errors=True)


def request(bags: Path, out: Path) -> ExportRequest:
    return ExportRequest(bags=(bags,), out=out, vcodec='libx264',
                         policy=ExportPolicy(action='next-state'))


def sharded(bags: Path, out: Path, manifest: Path, lines: list[str]) -> ShardedSummary:
    engine = ray_engine(memory_mb=256, task_timeout_s=120)
    return run_sharded(ShardedExport(request(bags, out), manifest), engine, lines.append)


def test_a_killed_worker_node_loses_nothing_and_duplicates_nothing(cluster, corpus, tmp_path):
    nodes, workers = cluster
    manifest, lines = tmp_path / 'run.jsonl', []
    result: dict[str, object] = {}

    def drive() -> None:
        try:
            result['summary'] = sharded(corpus, tmp_path / 'ds', manifest, lines)
        except BaseException as error:  # noqa: BLE001 - handed to the test thread below
            result['error'] = error
    driver = threading.Thread(target=drive)
    driver.start()
    deadline = time.monotonic() + 120
    while not read_manifest(manifest) and time.monotonic() < deadline:
        time.sleep(0.05)  # tasks are flowing once the first record is in
    nodes.remove_node(workers[0], allow_graceful=False)
    workers[0] = nodes.add_node(num_cpus=1, object_store_memory=75 * 2**20, memory=2**30)
    driver.join(timeout=240)
    assert not driver.is_alive() and 'error' not in result, result.get('error')
    records = read_manifest(manifest)
    assert len(records) == BAGS and {r.status for r in records.values()} == {'done'}
    shards = [path for path in (tmp_path / 'run.shards').iterdir() if TEMPORARY not in path.name]
    assert sorted(path.name for path in shards) == sorted(records)  # one shard per bag
    assert all((path / SUCCESS).is_file() for path in shards)
    single = tmp_path / 'single'
    export_recordings(request(corpus, single), [].append)
    one, many = read_rows(single), read_rows(tmp_path / 'ds')
    for key in one:
        np.testing.assert_array_equal(many[key], one[key], err_msg=key)
    again: list[str] = []
    rerun = sharded(corpus, tmp_path / 'ds', manifest, again)
    assert rerun.submitted == 0 and not rerun.merged


def test_a_corrupt_bag_ends_failed_while_the_others_finish(cluster, corpus, tmp_path):
    bags = Path(shutil.copytree(corpus, tmp_path / 'bags'))
    (bags / 'zz_broken.mcap').write_bytes(b'\x89MCAP0\r\n' + bytes(range(256)) * 8)
    lines: list[str] = []
    summary = sharded(bags, tmp_path / 'ds', tmp_path / 'run.jsonl', lines)
    assert [Path(record.bag).name for record in summary.failed] == ['zz_broken.mcap']
    assert summary.failed[0].error and summary.merged
    assert len(summary.records) == BAGS + 1
    assert any(line.startswith('failed: ') for line in lines)


def test_bags_are_certified_on_the_cluster_as_each_is_certified_alone(cluster, corpus, tmp_path):
    many = Path(shutil.copytree(corpus, tmp_path / 'many'))
    alone = Path(shutil.copytree(corpus, tmp_path / 'alone'))
    manifest, lines = tmp_path / 'cert.jsonl', []
    engine = ray_engine(memory_mb=256, task_timeout_s=120, task=certify_bag)
    summary = run_certify([many], CertifyRequest(), manifest, engine, lines.append)
    assert summary.submitted == BAGS and not summary.failed
    for name in sorted(path.name for path in many.iterdir() if path.is_dir())[:3]:
        assert main(['certify', str(alone / name)]) in (0, 1)
        on_ray, by_itself = (json.loads((root / f'{name}.certificate.json').read_text())
                             for root in (many, alone))
        assert on_ray['level'] == by_itself['level']
        assert [(e['id'], e['passed'], e['figure']) for e in on_ray['results']] == \
            [(e['id'], e['passed'], e['figure']) for e in by_itself['results']]
    again = run_certify([many], CertifyRequest(), manifest, engine, lines.append)
    assert again.submitted == 0


LOOPBACK = {'0100007F', '00000000000000000000000001000000',  # 127.0.0.1, ::1 (kernel order)
            '0000000000000000FFFF00000100007F'}  # ::ffff:127.0.0.1


def descendants(pid: int) -> set[int]:
    """`pid`'s children, their children, and so on (from /proc)."""
    found, frontier = set(), [pid]
    while frontier:
        parent = frontier.pop()
        for task in Path(f'/proc/{parent}/task').glob('*'):
            try:
                children = (task / 'children').read_text().split()
            except OSError:
                continue
            for child in map(int, children):
                if child not in found:
                    found.add(child)
                    frontier.append(child)
    return found


def socket_inodes(pids: set[int]) -> set[str]:
    inodes = set()
    for pid in pids:
        for fd in Path(f'/proc/{pid}/fd').glob('*'):
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith('socket:['):
                inodes.add(target[len('socket:['):-1])
    return inodes


def bound_addresses(inodes: set[str]) -> list[tuple[str, str, int]]:
    """(protocol, hex address, port) of every listening TCP and every bound UDP socket among
    `inodes`, from /proc/net (the kernel's own table)."""
    bound = []
    for protocol in ('tcp', 'tcp6', 'udp', 'udp6'):
        for line in Path(f'/proc/net/{protocol}').read_text().splitlines()[1:]:
            fields = line.split()
            address, port = fields[1].split(':')
            listening = fields[3] == '0A' if protocol.startswith('tcp') else int(port, 16) > 0
            if listening and fields[9] in inodes:
                bound.append((protocol, address, int(port, 16)))
    return bound


def test_every_socket_the_ray_cluster_listens_on_is_on_loopback(cluster):
    ray_processes = descendants(os.getpid())
    bound = bound_addresses(socket_inodes(ray_processes))
    assert len(ray_processes) >= 3 and len(bound) >= 3, (ray_processes, bound)  # GCS, raylets
    exposed = [entry for entry in bound if entry[1] not in LOOPBACK]
    assert not exposed, f'Ray listens beyond loopback: {exposed}'
