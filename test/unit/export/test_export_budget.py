"""--fps above the recorded state rate needs --allow-upsample; memory is checked first.

The bags of test/bag_factory.py log their state at bag_factory.STATE_HZ = 300 Hz.
"""

from __future__ import annotations

import bag_factory as bf
import pytest

from interop_bridge.canonical import load_canonical
from interop_bridge.cli import main
from interop_bridge.dataset.features import canonical_features
from interop_bridge.errors import ExportError
from interop_bridge.export.budget import check_memory, episode_bytes
from interop_bridge.export.episode_split import EpisodeSpan
from interop_bridge.export.exporter import ExportRequest, export_recordings
from interop_bridge.export.episode_assembly import ExportPolicy

WAVE = (bf.EventSpec(0.2, 1.2, 'wave'),)


def export_lines(argv: list[str], capsys) -> tuple[int, list[str]]:
    code = main(argv)
    return code, [line for line in capsys.readouterr().err.splitlines()
                  if line.startswith('error')]


@pytest.fixture(scope='module')
def t1_bag(tmp_path_factory):
    return bf.write_vendor_bag(tmp_path_factory.mktemp('t1') / 'bag', 'booster_t1', events=WAVE,
                               camera=False)


def test_fps_above_the_300_hz_state_stream_is_one_error_with_the_source_rate(
        t1_bag, tmp_path, capsys):
    out = tmp_path / 'ds'
    code, errors = export_lines(['export', str(t1_bag), '--profile', 'booster_t1',
                                 '--out', str(out), '--fps', '1000'], capsys)
    assert code == 1 and not out.exists()
    assert len(errors) == 1
    assert '--fps 1000 is above the rate of the state stream /low_state (300.0 Hz)' in errors[0]
    assert '--allow-upsample' in errors[0]


def test_fps_at_the_state_rate_needs_no_flag_and_above_it_exports_when_allowed(
        t1_bag, tmp_path):
    at_rate = export_recordings(ExportRequest(
        bags=(t1_bag,), out=tmp_path / 'at', profile='booster_t1',
        policy=ExportPolicy(fps=300)), lambda line: None)
    assert at_rate.total_frames == 301  # 1.0 s at 300 fps, both ends
    above = export_recordings(ExportRequest(
        bags=(t1_bag,), out=tmp_path / 'up', profile='booster_t1',
        policy=ExportPolicy(fps=600), allow_upsample=True), lambda line: None)
    assert above.total_frames == 601


def test_an_absurd_fps_is_refused_for_memory_before_allocating(t1_bag, tmp_path, capsys):
    out = tmp_path / 'ds'
    code, errors = export_lines(['export', str(t1_bag), '--profile', 'booster_t1',
                                 '--out', str(out), '--allow-upsample', '--fps', '100000000'],
                                capsys)
    assert code == 1 and not out.exists()
    assert len(errors) == 1
    # The episode is 1.0 s (0.2 .. 1.2 s): 1e8 frames and its last.
    assert "episode 'episode-0' (1.0 s) is 100000001 frames at --fps 100000000" in errors[0]
    assert 'of memory;' in errors[0] and 'available: lower --fps' in errors[0]


def test_the_memory_estimate_grows_with_frames_and_is_compared_with_what_is_available():
    features = canonical_features(load_canonical(), {})
    span = EpisodeSpan(episode_id='e', task='t', start_ns=0, end_ns=10 * bf.NS)
    needed = episode_bytes(301, features)
    assert episode_bytes(602, features) == 2 * needed
    check_memory([('bag', span)], features, 30, available=episode_bytes(301, features))
    with pytest.raises(ExportError, match=r"episode 'e' \(10.0 s\) is 301 frames at --fps 30"):
        check_memory([('bag', span)], features, 30, available=needed - 1)
