"""Checks of a recording itself, run when a bag is certified (not part of a dataset's rubric).

A bag is graded through a scratch export (certify/recording.py): the rubric's checks see the
dataset the exporter makes of it. What a dataset cannot show is how much of the recording
could be read: a recorder killed mid-write leaves a storage file cut short, which the exporter
salvages up to its last complete record (export/salvage.py). `provenance.recording_complete`
says so, with the share of the storage bytes read and the messages recovered.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from interop_bridge.certify.model import (Check, CheckResult, CheckSpec, DatasetInput,
                                          EpisodeData, Finding)

COMPLETE = CheckSpec(
    id='provenance.recording_complete', group='provenance',
    measures='the share of the bytes of the recording\'s storage files that could be read '
             '(a file cut short or damaged is salvaged up to its last complete record)',
    threshold='100% of every storage file read, and no SQLite -journal/-wal left beside one '
              '(the recorder did not close it)',
    severity='fail', level='training-ready',
    answers='issue 9: certify truncated recordings (certifies what is readable and says so); '
            'ISO/WD 26264-1 traceability')


@dataclass(frozen=True)
class StorageReadout:
    """How much of one storage file was read."""

    name: str
    file_bytes: int
    readable_bytes: int
    problem: str = ''  # '' when read whole; else the reader's warning about it


@dataclass(frozen=True)
class RecordingReadout:
    """How much of one bag was read, file by file."""

    bag: str
    storage: str
    files: tuple[StorageReadout, ...]
    messages: int                # the messages that could be read
    listed_messages: int | None  # metadata.yaml message_count (None: no metadata.yaml)

    @property
    def complete(self) -> bool:
        """Every storage file read whole, none left unclosed (and there is one)."""
        return bool(self.files) and not any(file.problem for file in self.files)

    @property
    def percent_read(self) -> float:
        """Readable bytes of all storage files, in percent rounded down (only all is 100)."""
        return _percent(sum(file.readable_bytes for file in self.files),
                        sum(file.file_bytes for file in self.files))


def _percent(part: int, whole: int) -> float:
    """`part` of `whole` in percent, rounded down to 0.1 (only the whole is 100)."""
    return math.floor(1000 * part / whole) / 10 if whole else 0.0


@dataclass
class RecordingComplete:
    """PASS when every storage file of the bag was read whole."""

    readout: RecordingReadout
    spec: CheckSpec = COMPLETE
    reads_episodes: bool = False

    def episode(self, data: EpisodeData, dataset: DatasetInput) -> None:
        """Recording-level: the episodes do not matter."""

    def result(self, dataset: DatasetInput) -> CheckResult:
        """The share read, and one finding per storage file that was not read whole."""
        readout = self.readout
        findings = tuple(Finding(None, file.problem) for file in readout.files if file.problem)
        listed = readout.listed_messages
        read = (f'{readout.messages} messages read' if listed is None else
                f'{readout.messages} of {listed} messages listed in metadata.yaml '
                f'({_percent(readout.messages, listed):.1f}%) read')
        read += (f', from {readout.percent_read:.1f}% of the '
                 f'{sum(f.file_bytes for f in readout.files)} storage bytes')
        if readout.complete:
            return CheckResult(COMPLETE.id, True, readout.percent_read, '%',
                               f'complete: {read}')
        cut = sum(1 for file in readout.files if file.problem)
        word = 'truncated' if readout.percent_read < 100 else 'incomplete'
        return CheckResult(COMPLETE.id, False, readout.percent_read, '%',
                           f'{word}: {cut} of {len(readout.files)} storage file(s) not read '
                           f'whole; graded what is readable: {read}', findings)


def specs() -> list[CheckSpec]:
    """The recording checks' declarations."""
    return [COMPLETE]


def checks(readout: RecordingReadout) -> list[Check]:
    """Fresh recording checks of one bag."""
    return [RecordingComplete(readout)]
