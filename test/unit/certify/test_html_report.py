"""The certify HTML report: one self-contained file showing the grade, every result, and the
plots, for a clean real export and for synthetic episodes with known defects."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import physical_bags
import pytest

import unit.certify.report_fixtures as rf
from interop_bridge.certify.html_report import render_report, write_html_report
from interop_bridge.certify.report_data import ReportCollector
from interop_bridge.certify.rubric import all_checks
from interop_bridge.errors import CertifyError

CLEAN_PLOTS = ['timing', *(f'limits-unitree_g1_29dof-{key}' for key in (
    'observation-state', 'observation-velocity', 'observation-effort', 'action')),
    'tracking-0', 'validity-episodes', 'validity-0', 'frames-0-observation-images-camera',
    'scores']


class Page(HTMLParser):
    """What a reader sees: tables as rows of cell text, plots by id, scripts, references."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self.plots: list[str] = []
        self.scripts = 0
        self.references: list[str] = []
        self._cell: list[str] | None = None
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.references += [str(value) for name, value in attrs
                            if name in ('src', 'href', 'xlink:href', 'action', 'poster')]
        if tag == 'table':
            self.tables.append([])
        elif tag == 'tr':
            self.tables[-1].append([])
        elif tag in ('td', 'th'):
            self._cell = []
        elif tag == 'script':
            self.scripts += 1
        if 'data-plot' in values:
            self.plots.append(str(values['data-plot']))

    def handle_endtag(self, tag: str) -> None:
        if tag in ('td', 'th') and self._cell is not None:
            self.tables[-1][-1].append(' '.join(''.join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def table(self, first_header: str) -> list[list[str]]:
        """The rows (header first) of the table whose first column is `first_header`."""
        return next(rows for rows in self.tables if rows and rows[0][0] == first_header)

    def row(self, first_header: str, key: str, column: int = 0) -> list[str]:
        """The row of that table whose `column` is `key`."""
        return next(row for row in self.table(first_header)[1:] if row[column] == key)


@pytest.fixture(scope='module')
def clean(exported: Path, tmp_path_factory: pytest.TempPathFactory
          ) -> tuple[str, dict, ReportCollector]:
    out = tmp_path_factory.mktemp('report') / 'report.html'
    path, certificate, collector = rf.dataset_report(exported, out)
    return path.read_text(), certificate, collector


@pytest.fixture(scope='module')
def defects(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict, ReportCollector]:
    path, certificate, collector, _ = rf.defect_report(tmp_path_factory.mktemp('defects'))
    return path.read_text(), certificate, collector


def test_a_clean_export_reads_training_ready_with_every_check_passing(clean: tuple) -> None:
    text, certificate, _ = clean
    page = Page(text)
    assert '<p class="level">level: training-ready</p>' in text
    assert 'Nothing blocks: the highest level holds.' in text
    assert page.row('rubric', '0.2.0')[0] == certificate['rubric_version'] == '0.2.0'
    checks = page.table('status')
    assert len(checks) - 1 == len(certificate['results'])
    assert [row[1] for row in checks[1:]] == [entry['id'] for entry in certificate['results']]
    assert {row[0] for row in checks[1:]} <= {'PASS', 'SKIP'}
    assert all(row[-1] == '0' for row in checks[1:])  # no finding anywhere


def test_a_clean_export_shows_every_plot_and_its_physics(clean: tuple) -> None:
    text, _, collector = clean
    page = Page(text)
    assert page.plots == CLEAN_PLOTS
    assert text.count('<svg') == len(CLEAN_PLOTS)
    # the bag's rates (physical_bags: state 500 Hz, commands 50 Hz), no gap, nothing invalid
    frames = round((2.8 - 0.2) * 30) + 1
    state = page.row('stream', '/lowstate:position')
    assert state[2] == f'{physical_bags.STATE_HZ} .. {physical_bags.STATE_HZ}'
    assert state[3] == '0' and state[6] == f'0 of {frames}'
    assert page.row('stream', '/lowcmd:action')[2] == (
        f'{physical_bags.COMMAND_HZ} .. {physical_bags.COMMAND_HZ}')
    assert 'No valid entry beyond a limit by more than the tolerance.' in text
    # the command leads the state by COMMAND_LEAD_S and is held up to 1/COMMAND_HZ: the error
    # is at most the fastest joint speed over that time
    fastest = max(np.abs(physical_bags.joint_motion(t)[1]).max() for t in np.arange(0, 3, 0.01))
    bound = fastest * (physical_bags.COMMAND_LEAD_S + 1 / physical_bags.COMMAND_HZ)
    ranking = page.table('rank')
    assert len(ranking) == 2
    rank, episode, score, findings = ranking[1][:4]
    assert (rank, episode, score, findings) == ('1', '0', '100.0', '0')
    assert 0 < float(ranking[1][8]) <= bound
    assert ranking[1][9] == '1' and ranking[1][10] == '0'  # all valid, no bad video frame
    assert f'{frames} decoded frames for {frames} rows, 0 frozen, 0 black' in text
    assert collector.episodes[0].bad_frames == 0


def test_defects_appear_as_findings_out_of_limit_joints_and_ranking(defects: tuple) -> None:
    text, certificate, _ = defects
    page = Page(text)
    assert '<p class="level">level: none</p>' in text  # no files: the format checks fail
    assert [row[0] for row in page.table('check')[1:]] == certificate['blocking']
    positions = page.row('status', 'physics.position_limits', column=1)
    assert positions[0] == 'FAIL' and positions[4] == f'{rf.KNEE_EXCESS:g}'
    assert (f'episode 1: left_knee: {rf.KNEE_FRAMES} frame(s) beyond [-0.08727, 2.88] rad '
            f'by up to {rf.KNEE_EXCESS:g}') in positions[-1]
    knee = page.row('robot', 'left_knee', column=2)
    assert knee[1] == 'observation.state' and knee[5:] == [str(rf.KNEE_FRAMES), '1']
    high = next(j for j in rf.pf.G1.joints if j.index == rf.KNEE).canonical_position[1]
    assert knee[4].endswith(f'{high + rf.KNEE_EXCESS:.4g}]')
    assert page.row('robot', 'action', column=1)[2] == 'left_knee'  # the command too
    # in the state's limits plot the knee's name is red and a red bar passes the limit
    state_plot = text[text.index('data-plot="limits-unitree_g1_29dof-observation-state"'):]
    state_plot = state_plot[:state_plot.index('</figure>')]
    assert re.search(r'fill: #c62828"[^>]*>left_knee</text>', state_plot)
    assert len(re.findall(r'>[a-z_]+</text>', state_plot)) == 29  # G1's joints, no other
    dropout = page.row('stream', rf.STATE_STREAM)
    assert dropout[3] == '1' and dropout[4] == f'{rf.GAP_S:g}'
    assert dropout[6] == f'{len(rf.DROPPED)} of {3 * rf.FRAMES}' and dropout[8] == '2'
    black = page.row('status', 'video.black_or_saturated', column=1)
    assert black[0] == 'WARN' and black[4] == f'{100 * rf.BLACK / rf.FRAMES:g}'


def test_episodes_are_ranked_worst_first_by_their_score(defects: tuple) -> None:
    text, certificate, collector = defects
    per_episode = {check.spec.id for check in all_checks()
                   if getattr(check, 'reads_episodes', True)}
    graded = [entry for entry in certificate['results']
              if not entry['skipped'] and entry['id'] in per_episode]
    assert 'time.grid' in per_episode and 'format.info' not in per_episode
    rows = Page(text).table('rank')[1:]
    against = {index: {entry['id'] for entry in graded
                       if any(f['episode'] == index for f in entry['findings'])}
               for index in range(3)}
    expected = {index: 100 * (1 - len(ids) / len(graded)) for index, ids in against.items()}
    assert expected[0] == 100 and expected[1] < 100 and expected[2] < 100
    assert [int(row[1]) for row in rows] == sorted(expected, key=lambda i: (expected[i], -i))
    assert {int(row[1]): float(row[2]) for row in rows} == {
        index: round(score, 1) for index, score in expected.items()}
    assert rows[0][4].split(', ') == sorted(against[int(rows[0][1])], key=[
        e['id'] for e in certificate['results']].index)
    lowest = {int(row[1]): float(row[9]) for row in rows}
    assert lowest == {0: 1.0, 1: 1.0, 2: float(f'{1 - len(rf.DROPPED) / rf.FRAMES:.3g}')}
    assert {int(row[1]): float(row[8]) for row in rows} == {i: rf.COMMAND_OFFSET for i in range(3)}
    assert int(next(row for row in rows if row[1] == '2')[10]) >= rf.BLACK


def test_every_text_from_the_data_is_escaped(tmp_path: Path) -> None:
    evil = '<script>alert("x")</script> & $x$'
    episodes = rf.defect_episodes()
    episodes[0].task = evil
    report = episodes[1].record['resampling'].pop(rf.STATE_STREAM)
    episodes[1].record['resampling']['/evil<b>&"$:position'] = report
    dataset = rf.synthetic_dataset(tmp_path)
    certificate, collector, _ = rf.graded(dataset, episodes)
    text = render_report(dataset, certificate, collector)
    assert evil not in text and '<b>' not in text
    assert html.escape(evil) in text
    assert Page(text).scripts == 1 and text.count('<script') == 1
    assert '/evil&lt;b&gt;&amp;' in text  # in the stream table and the timing plot's SVG
    assert Page(text).row('stream', '/evil<b>&"$:position')[1] == '1'


def test_the_file_references_nothing_outside_itself(defects: tuple) -> None:
    text = defects[0]
    page = Page(text)
    assert page.references and all(ref.startswith('#') for ref in page.references)
    assert all(url.startswith('#') for url in re.findall(r'url\(\s*([^)]*)\)', text))
    assert not re.search(r'<(link|img|iframe|object|embed)\b|@import', text)
    namespaces = re.findall(r'xmlns(?::\w+)?="(http[^"]*)"', text)
    assert len(re.findall(r'https?:', text)) == len(namespaces)  # only XML namespace names
    ids = re.findall(r' id="([^"]+)"', text)
    assert len(ids) == len(set(ids))
    assert {ref[1:] for ref in page.references} <= set(ids)


def test_a_report_needs_the_check_results(tmp_path: Path) -> None:
    dataset = rf.synthetic_dataset(tmp_path)
    collector = ReportCollector()
    collector.episode(rf.g1_episode(0), dataset)
    with pytest.raises(CertifyError, match='add_results'):
        write_html_report(tmp_path / 'r.html', dataset, {}, collector)
    with pytest.raises(CertifyError, match='2 checks but 1 results'):
        collector.add_results([object(), object()], [object()])  # type: ignore[list-item]
    assert not (tmp_path / 'r.html').exists()


def test_an_unwritable_report_path_is_a_certify_error(tmp_path: Path) -> None:
    dataset = rf.synthetic_dataset(tmp_path)
    certificate, collector, _ = rf.graded(dataset, [rf.g1_episode(0)])
    (tmp_path / 'file').write_text('')
    with pytest.raises(CertifyError, match='cannot write the HTML report'):
        write_html_report(tmp_path / 'file' / 'r.html', dataset, certificate, collector)


def test_an_episode_without_profile_record_camera_or_masks_still_reports(tmp_path: Path) -> None:
    data = rf.g1_episode(0, camera=[])
    data.profile, data.record, data.valid = None, {}, {}
    dataset = replace(rf.synthetic_dataset(tmp_path), camera_keys=())
    certificate, collector, _ = rf.graded(dataset, [data])
    page = Page(render_report(dataset, certificate, collector))
    assert page.plots == ['tracking-0', 'scores']  # the command is still tracked
    text = render_report(dataset, certificate, collector)
    for note in ('No resampling record in meta/interop.json', 'no limits to compare with',
                 'No masked feature', 'No decoded camera frames.'):
        assert note in text
