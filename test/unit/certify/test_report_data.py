"""The report collector: bounded series, the worst episodes kept, findings per episode."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import unit.certify.episode_fixtures as ef
import unit.certify.report_fixtures as rf
from interop_bridge.certify.model import CheckResult, CheckSpec, Finding
from interop_bridge.certify.report_data import ReportCollector
from interop_bridge.certify.report_series import MAX_POINTS

SPEC = CheckSpec('time.probe', 'time', 'm', 't', 'fail', 'timing', 'a')


def test_long_episodes_keep_bounded_series_of_the_worst_episodes(tmp_path: Path) -> None:
    dataset = replace(ef.dataset(cameras=()), root=tmp_path)
    collector = ReportCollector(kept=2)
    for index in range(5):
        data = rf.g1_episode(index, frames=6000, camera=[])
        data.columns['action'] = data.columns['action'] + 0.01 * index  # 4 tracks worst
        collector.episode(data, dataset)
    assert [trace.episode for trace in collector.tracking()] == [4, 3]
    lines = [line for trace in collector.tracking()
             for line in (trace.error, trace.action, trace.state)]
    lines += [line for trace in collector.validity() for line in trace.lines]
    assert lines and all(len(line.x) == len(line.y) == MAX_POINTS for line in lines)
    assert len(collector.validity()) == 2 and collector.cameras() == []
    assert [round(s.tracking_median or 0, 6) for s in collector.episodes] == [
        round(rf.COMMAND_OFFSET + 0.01 * index, 6) for index in range(5)]


def test_findings_count_against_the_episodes_they_name(tmp_path: Path) -> None:
    dataset = rf.synthetic_dataset(tmp_path)
    collector = ReportCollector()
    for index in range(3):
        collector.episode(rf.g1_episode(index, frames=30, camera=[]), dataset)

    class Probe:
        spec = SPEC

    class Dataset(Probe):
        reads_episodes = False

    results = [CheckResult('a', False, 1.0, '', '', (Finding(1, 'x'), Finding(1, 'y'))),
               CheckResult('b', False, 1.0, '', '', (Finding(1, 'z'), Finding(None, 'w'))),
               CheckResult('c', True, None, '', '', skipped=True),
               CheckResult('d', True, 0.0, '', ''),
               CheckResult('e', False, 1.0, '', '', (Finding(2, 'dataset level'),))]
    collector.add_results([Probe(), Probe(), Probe(), Probe(), Dataset()], results)
    assert collector.graded_checks == ('a', 'b', 'd')  # c skipped, e grades the dataset
    by_index = {summary.index: summary for summary in collector.episodes}
    assert by_index[1].findings == 3 and by_index[1].checks_with_findings == ('a', 'b')
    assert by_index[1].score == 100 * (1 - 2 / 3)
    assert by_index[2].findings == 1 and by_index[2].score == 100.0  # e is not graded
    assert [s.index for s in collector.ranking()] == [1, 2, 0]  # 2 has a finding, 0 none
