"""The project's one family of errors: every error the library raises on purpose is here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class InteropError(Exception):
    """Base of every error the library raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a configuration file: where, what was found, what was expected."""

    source: str
    key_path: str
    value: Any
    expected: str

    def __str__(self) -> str:
        """Render as 'file: key.path: got <value>, expected <what>'."""
        got = 'nothing (key missing)' if self.value is _MISSING else repr(self.value)
        return f'{self.source}: {self.key_path}: got {got}, expected {self.expected}'


class _Missing:
    def __repr__(self) -> str:
        return '<missing>'


_MISSING: Any = _Missing()
MISSING: Any = _MISSING


class ConfigError(InteropError):
    """A configuration file has problems; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        if count == 1:  # one problem, one line
            super().__init__(str(self.problems[0]))
            return
        head = f'{count} problems found:'
        super().__init__('\n'.join([head, *(f'  {problem}' for problem in self.problems)]))


class SpecError(ConfigError):
    """The canonical specification file (config/canonical.yaml) is malformed."""


class ProfileError(ConfigError):
    """A robot profile is malformed or does not fit the canonical specification."""


class UnknownNameError(InteropError):
    """A name (joint, topic, profile) that is not declared where it was looked up."""


class MappingError(InteropError):
    """A vendor message cannot be mapped (wrong layout, wrong length)."""


class ExportError(InteropError):
    """A recording cannot be exported, or a dataset is not valid."""


class LaunchError(InteropError):
    """A launch file uses something this reader does not support, or names what is missing."""


class RecordingError(InteropError):
    """A bag cannot be created or written."""


class DefinitionError(InteropError):
    """A message type whose definition cannot be found or parsed."""


class BagError(ExportError):
    """A path is not a readable rosbag2 recording."""


class TypeDefinitionError(ExportError):
    """A stored or shipped message definition cannot be parsed or conflicts with another."""


class ResampleError(ExportError):
    """A stream cannot be resampled as asked (bad policy, bad shapes, missing stamps)."""


class CheckFailed(ExportError):
    """One dataset validation check found a defect; the message says what and where."""


class CertifyError(InteropError):
    """A dataset cannot be certified, or a certificate, key or signature cannot be used."""


class KinematicsError(InteropError):
    """A kinematic model (URDF, MJCF) cannot be read, or a name is not in it."""
