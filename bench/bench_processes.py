"""Child processes of the bridge benchmark: start, wait for output, read CPU time, always stop."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import signal
import subprocess
import sys
import time
from pathlib import Path

from interop_bridge.errors import InteropError

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / 'bench'
CLOCK_TICKS = os.sysconf('SC_CLK_TCK')
STOP_SEQUENCE = ((signal.SIGINT, 10.0), (signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0))


class BenchError(InteropError):
    """The benchmark could not run a configuration (a process failed or never got ready)."""


def machine_busy_seconds() -> float:
    """CPU time all cores spent busy since boot (every process, kernel work included)."""
    fields = [int(value) for value in Path('/proc/stat').read_text().split('\n', 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / CLOCK_TICKS


def machine_description() -> str:
    """CPU, kernel, Python, rclpy and RMW of this machine, in one line."""
    model = next((line.split(':', 1)[1].strip() for line in
                  Path('/proc/cpuinfo').read_text().splitlines()
                  if line.startswith('model name')), 'unknown CPU')
    try:
        rclpy_version = importlib.metadata.version('rclpy')
    except importlib.metadata.PackageNotFoundError:
        rclpy_version = 'unknown'
    rmw = os.environ.get('RMW_IMPLEMENTATION', 'rmw_fastrtps_cpp (default)')
    return (f'{os.cpu_count()} CPUs ({model}), Linux {platform.release()}, '
            f'Python {platform.python_version()}, rclpy {rclpy_version}, {rmw}')


def child_env(domain_id: int) -> dict[str, str]:
    """This environment with its own ROS domain and the source tree first on sys.path."""
    env = dict(os.environ)
    env['ROS_DOMAIN_ID'] = str(domain_id)
    env['PYTHONPATH'] = os.pathsep.join(filter(None, [str(REPO), env.get('PYTHONPATH')]))
    env['PYTHONUNBUFFERED'] = '1'
    return env


def bench_script(name: str, *args: str) -> list[str]:
    """argv running one of the bench/ helper scripts with this interpreter."""
    return [sys.executable, str(BENCH / name), *args]


class Child:
    """One started process with its output in a log file."""

    def __init__(self, name: str, argv: list[str], log_path: Path,
                 env: dict[str, str]) -> None:
        self.name = name
        self.argv = argv
        self.log_path = log_path
        self.stopped_by: str | None = None
        self._log = open(log_path, 'w')  # noqa: SIM115 - closed in stop()
        self.popen = subprocess.Popen(argv, cwd=REPO, env=env, stdout=self._log,
                                      stderr=subprocess.STDOUT, start_new_session=True)

    @property
    def pid(self) -> int:
        """Process id."""
        return self.popen.pid

    def output(self) -> str:
        """Everything the process printed so far."""
        self._log.flush()
        return self.log_path.read_text(errors='replace')

    def wait_for(self, text: str, timeout: float, poll_s: float = 0.01) -> None:
        """Block until `text` is in the output; BenchError with the output's tail otherwise."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.output():
                return
            if self.popen.poll() is not None:
                if text in self.output():
                    return
                break
            time.sleep(poll_s)
        tail = '\n'.join(self.output().splitlines()[-15:])
        state = f'did not print {text!r} within {timeout:g} s' if self.popen.poll() is None \
            else f'exited with status {self.popen.returncode} before printing {text!r}'
        msg = f'{self.name} {state}; last output:\n{tail}'
        raise BenchError(msg)

    def cpu_seconds(self) -> float:
        """User + system CPU time of the process so far, from /proc/<pid>/stat."""
        stat = Path(f'/proc/{self.pid}/stat').read_text()
        fields = stat[stat.rindex(')') + 2:].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

    def stop(self) -> None:
        """SIGINT, then SIGTERM, then SIGKILL until it is gone; note what it took."""
        for sig, grace in STOP_SEQUENCE:
            if self.popen.poll() is not None:
                break
            self.popen.send_signal(sig)
            try:
                self.popen.wait(grace)
            except subprocess.TimeoutExpired:
                continue
            if sig != signal.SIGINT:
                self.stopped_by = sig.name
            break
        self.popen.wait()
        self._log.close()
