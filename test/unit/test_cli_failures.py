"""Every failure of `interop` is one `error: ...` line and a non-zero exit, never a traceback.

Process-level cases run the CLI as a real process (test/process_groups.py: its own group, always
reaped): a reader that closed its end of the pipe, SIGINT while the command is still importing,
SIGINT in the middle of an export. In-process cases use main() with a real file-system error.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import bag_factory as bf
import process_groups
import pytest
from ros_process import REPO

from interop_bridge.cli import EXIT_BROKEN_PIPE, EXIT_INTERRUPTED, main
from interop_bridge.dataset.validate import validate_dataset

INTERRUPTED = (EXIT_INTERRUPTED, -signal.SIGINT)  # -SIGINT: see cli.py (Python's exit path)
# Prints 'ready' once Python and site are up and the hook is in place, as the first statement of
# cli.py puts it (a signal before that is Python's own start-up, or this starter's own code).
STARTER = ('from interop_bridge.interrupts import quiet_interrupts; '
           'quiet_interrupts("error: interrupted"); '
           'import sys; sys.stderr.write("ready\\n"); sys.stderr.flush(); '
           'from interop_bridge.cli import main; sys.exit(main(sys.argv[1:]))')


def cli(*args: str, **options) -> subprocess.Popen:
    return process_groups.spawn([sys.executable, '-c', STARTER, *args], cwd=REPO,
                                stderr=subprocess.PIPE, text=True, **options)


def wait_for_line(process: subprocess.Popen, start: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if line.startswith(start) or not line:
            return
    pytest.fail(f'no line starting with {start!r} in {timeout} s')


def finish(process: subprocess.Popen, timeout: float = 30.0) -> tuple[int, str]:
    try:
        rest = process.communicate(timeout=timeout)[1]
    finally:
        process_groups.end(process, sig=None, timeout=0.0)
    return process.returncode, rest


def test_a_reader_that_went_away_ends_the_output_silently_with_141(tmp_path):
    read_end, write_end = os.pipe()
    os.close(read_end)  # `| head` that has already exited
    try:
        process = cli('canonical', '--markdown', stdout=write_end)
    finally:
        os.close(write_end)
    wait_for_line(process, 'ready')
    status, err = finish(process)
    assert (status, err) == (EXIT_BROKEN_PIPE, '')


@pytest.mark.parametrize('delay', [0.0, 0.02, 0.05, 0.1, 0.2, 0.4])
def test_sigint_while_the_command_starts_gives_one_line(tmp_path, delay):
    process = cli('export', str(tmp_path / 'no-bag'), '--out', str(tmp_path / 'ds'))
    wait_for_line(process, 'ready')
    time.sleep(delay)
    process_groups.signal_group(process, signal.SIGINT)
    status, err = finish(process)
    assert 'Traceback' not in err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith('error: '), err
    # Either the interrupt came first, or the command finished (no such bag) before it.
    assert (status in INTERRUPTED and lines == ['error: interrupted']) or status == 1, err


@pytest.mark.timeout(120)
def test_sigint_in_the_middle_of_an_export_writes_nothing(tmp_path):
    bag = bf.write_vendor_bag(tmp_path / 'g1', 'unitree_g1_29dof', duration_s=8.0)
    out = tmp_path / 'ds'
    process = cli('export', str(bag), '--profile', 'unitree_g1_29dof', '--task', 'wave',
                  '--out', str(out), '--vcodec', 'libx264')
    wait_for_line(process, 'planning')
    time.sleep(0.1)
    process_groups.signal_group(process, signal.SIGINT)
    status, err = finish(process)
    assert 'Traceback' not in err
    assert status in INTERRUPTED, err
    assert sorted(path.name for path in tmp_path.iterdir()) in (['g1'], ['ds', 'g1']), err
    if out.exists():  # the signal came after the export had finished (during the exit)
        assert 'exported 1 episode(s)' in err and validate_dataset(out).ok
    else:
        assert err.splitlines()[-1] in ('error: interrupted',
                                        'error: export interrupted: nothing was written'), err


def test_a_file_system_error_in_a_command_is_one_line(tmp_path, capsys):
    (tmp_path / 'taken').write_text('a file where the report directory should go')
    dataset = tmp_path / 'ds'
    (dataset / 'meta').mkdir(parents=True)
    (dataset / 'meta' / 'info.json').mkdir()  # a directory where a file should be
    status = main(['report', str(dataset), '--out', str(tmp_path / 'taken')])
    err = capsys.readouterr().err
    assert status == 1 and len(err.splitlines()) == 1 and err.startswith('error: '), err


def test_an_export_into_a_read_only_place_is_one_line(tmp_path, capsys, monkeypatch):
    bag = bf.write_vendor_bag(tmp_path / 'g1', 'unitree_g1_29dof', storage='sqlite3',
                              duration_s=0.5, camera=False)
    real_mkdir = os.mkdir

    def mkdir(path, *args, **kwargs):  # the output's parent as on a read-only mount
        if Path(path).parent == tmp_path / 'ro':
            raise OSError(30, 'Read-only file system', str(path))
        return real_mkdir(path, *args, **kwargs)
    (tmp_path / 'ro').mkdir()
    monkeypatch.setattr(os, 'mkdir', mkdir)
    status = main(['export', str(bag), '--profile', 'unitree_g1_29dof', '--task', 'wave',
                   '--out', str(tmp_path / 'ro' / 'ds')])
    err = capsys.readouterr().err
    assert status == 1
    assert err.splitlines()[-1] == (f'error: {tmp_path / "ro" / "ds"}: cannot write beside it '
                                    f'in {tmp_path / "ro"}: Read-only file system')
    assert list((tmp_path / 'ro').iterdir()) == []


# An extension module interrupted in its start-up code raises ImportError('initialization
# failed') in place of the KeyboardInterrupt (seen with SIGINT 0.3 s into an export).
INTERRUPTED_INIT = ('from interop_bridge import cli; import os, signal, sys, time\n'
                    'try:\n'
                    '    os.kill(os.getpid(), signal.SIGINT); time.sleep(5)\n'
                    'except KeyboardInterrupt:\n'
                    '    raise ImportError("initialization failed")\n')


def test_an_import_error_that_a_ctrl_c_caused_is_the_interrupt_line_alone():
    run = process_groups.run([sys.executable, '-c', INTERRUPTED_INIT], timeout=30, cwd=REPO)
    assert (run.returncode, run.stderr) == (1, 'error: interrupted\n')


def test_main_says_interrupted_for_an_error_after_a_ctrl_c_and_reraises_it_otherwise(
        monkeypatch, capsys):
    import interop_bridge.cli as cli_module
    import interop_bridge.interrupts as interrupts

    def broken_start(argv):
        msg = 'initialization failed'
        raise ImportError(msg)
    monkeypatch.setattr(cli_module, '_run', broken_start)
    with pytest.raises(ImportError):  # no SIGINT came: a real error keeps its traceback
        main(['canonical'])
    monkeypatch.setattr(interrupts, '_SIGNALLED', [signal.SIGINT])
    assert main(['canonical']) == EXIT_INTERRUPTED
    assert capsys.readouterr().err == 'error: interrupted\n'
