"""The interop command prints the canonical interface and turns errors into one line."""

from __future__ import annotations

from pathlib import Path

from interop_bridge.cli import main


def test_canonical_prints_the_version_groups_and_latched_embodiment(capsys):
    assert main(['canonical']) == 0
    out = capsys.readouterr().out
    assert out.startswith('canonical humanoid interface 1.2.0')
    assert '  head       29 head_yaw, 30 head_pitch, 31 head_roll' in out
    assert 'interop/embodiment' in out and 'reliable/transient_local/depth 1' in out


def test_canonical_markdown_prints_the_three_tables(capsys):
    assert main(['canonical', '--markdown']) == 0
    out = capsys.readouterr().out
    assert sum(line.startswith('|---|') for line in out.splitlines()) == 3
    assert '| 18 | `left_elbow` | left_arm | +y |' in out


def test_a_malformed_spec_gives_one_error_line_per_problem_and_exit_1(tmp_path: Path, capsys):
    bad = tmp_path / 'canonical.yaml'
    bad.write_text('interface_version: 2\n')
    assert main(['canonical', '--spec', str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.startswith('error: ')
    assert f'{bad}: interface_version: got 2, expected string' in err
    assert f'{bad}: joints: got nothing (key missing)' in err
