"""Graded datasets for the certify HTML report tests (unit and browser).

`defect_episodes` builds three G1 episodes with known truth and fed the rubric's checks and a
ReportCollector as the runner does (checks first, then the observer): episode 0 clean; episode
1 drives left_knee KNEE_EXCESS rad beyond its upper limit for KNEE_FRAMES frames; episode 2
loses its state for DROPPED frames (mask 0, the resampling record saying one gap of GAP_S s)
and its camera shows BLACK black frames. Joints follow physics_fixtures' sines inside the
limits with their exact derivative as velocity; the command is the state + COMMAND_OFFSET.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

import unit.certify.episode_fixtures as ef
import unit.certify.physics_fixtures as pf
from interop_bridge.certify.certificate import build_certificate
from interop_bridge.certify.html_report import write_html_report
from interop_bridge.certify.model import DatasetInput, EpisodeData
from interop_bridge.certify.report_data import ReportCollector
from interop_bridge.certify.rubric import all_checks
from interop_bridge.certify.runner import load_dataset_input, run_checks

FRAMES = 90
KNEE = 3                        # left_knee, canonical index
KNEE_EXCESS, KNEE_FRAMES = 0.3, 10
DROPPED = range(30, 60)         # episode 2's frames without state
GAP_S = 1.0
BLACK = 20                      # episode 2's first frames, black
STATE_STREAM = '/lowstate:position'
EPISODE_OFFSET = 0.01           # rad added to every joint per episode index
COMMAND_OFFSET = 0.004          # rad: the command is the state plus this (tracking error)


def _columns(index: int, frames: int) -> dict[str, np.ndarray]:
    position, velocity = pf.joint_motion(frames)
    position = position + EPISODE_OFFSET * index  # episodes differ (no duplicates)
    mask = np.tile(pf.PRESENT, (frames, 1)).astype(float)
    t = np.arange(frames) / ef.FPS
    return {'timestamp': t.astype(np.float32).astype(np.float64),
            'frame_index': np.arange(frames), 'episode_index': np.full(frames, index),
            'index': np.arange(frames) + 1000 * index, 'task_index': np.zeros(frames),
            'observation.state': position, 'observation.velocity': velocity,
            'observation.effort': 0.1 * position, 'action': position + COMMAND_OFFSET,
            'valid.observation.state': mask, 'valid.action': mask.copy()}


def g1_episode(index: int, task: str = 'wave both arms', frames: int = FRAMES,
               camera: list[np.ndarray] | None = None) -> EpisodeData:
    """A clean G1 episode: joints inside their limits, a clean record, a textured camera."""
    columns = _columns(index, frames)
    valid = {key: columns['valid.observation.state'] >= 0.5
             for key in ('observation.state', 'observation.velocity', 'observation.effort')}
    valid['action'] = columns['valid.action'] >= 0.5
    images = camera if camera is not None else ef.textured_frames(frames, seed=index)
    return EpisodeData(index=index, length=frames, task=task, robot_type=pf.G1.name,
                       profile=pf.G1, columns=columns, valid=valid,
                       record=ef.clean_record(frames), frames=ef.Frames({ef.CAMERA: images}))


def knee_beyond_limit(data: EpisodeData) -> EpisodeData:
    """left_knee above its upper limit by KNEE_EXCESS rad for KNEE_FRAMES frames."""
    high = pf.G1.joints[[j.index for j in pf.G1.joints].index(KNEE)].canonical_position[1]
    for key in ('observation.state', 'action'):
        data.columns[key][20:20 + KNEE_FRAMES, KNEE] = high + KNEE_EXCESS
    return data


def state_dropout(data: EpisodeData) -> EpisodeData:
    """No state for the DROPPED frames: masks 0 and the record's stream saying one gap."""
    for key in ('observation.state', 'observation.velocity', 'observation.effort'):
        data.valid[key][list(DROPPED)] = False
    data.columns['valid.observation.state'][list(DROPPED)] = 0.0
    report = ef.stream(data, STATE_STREAM)
    report.update(gap_count=1, largest_gap_s=GAP_S, frames_valid=data.length - len(DROPPED),
                  frames_stale=len(DROPPED))
    return data


def defect_episodes() -> list[EpisodeData]:
    """Episode 0 clean, 1 with the knee beyond its limit, 2 with a dropout and black frames."""
    black = [np.zeros((48, 64, 3), np.uint8)] * BLACK + ef.textured_frames(FRAMES - BLACK, 2)
    return [g1_episode(0), knee_beyond_limit(g1_episode(1)),
            state_dropout(g1_episode(2, camera=black))]


def synthetic_dataset(root: Path) -> DatasetInput:
    """The dataset input of synthetic episodes (no files: the format checks fail)."""
    return replace(ef.dataset(), root=root)


def graded(dataset: DatasetInput, episodes: Sequence[EpisodeData]
           ) -> tuple[dict[str, Any], ReportCollector, list[Any]]:
    """(certificate, collector, results) of episodes fed to every check, then the collector."""
    checks, collector = all_checks(), ReportCollector()
    for data in episodes:
        for check in checks:
            check.episode(data, dataset)
        collector.episode(data, dataset)
    results = [check.result(dataset) for check in checks]
    collector.add_results(checks, results)
    certificate = build_certificate(dataset.root, results, [check.spec for check in checks])
    return certificate, collector, results


def defect_report(tmp_path: Path) -> tuple[Path, dict[str, Any], ReportCollector, list[Any]]:
    """The report of the defect episodes: (report.html, certificate, collector, results)."""
    root = tmp_path / 'synthetic'
    root.mkdir()
    dataset = synthetic_dataset(root)
    certificate, collector, results = graded(dataset, defect_episodes())
    path = write_html_report(tmp_path / 'report' / 'report.html', dataset, certificate,
                             collector)
    return path, certificate, collector, results


def dataset_report(root: Path, out: Path) -> tuple[Path, dict[str, Any], ReportCollector]:
    """A real dataset graded as the CLI does (one runner pass, the collector observing)."""
    dataset, checks, collector = load_dataset_input(root), all_checks(), ReportCollector()
    results = run_checks(dataset, checks, observers=(collector,))
    certificate = build_certificate(root, results, [check.spec for check in checks])
    collector.add_results(checks, results)
    return write_html_report(out, dataset, certificate, collector), certificate, collector
