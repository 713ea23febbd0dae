"""All-or-nothing dataset output: stage next to the target, move into place when complete.

`staged_dataset(root)` yields a staging directory `.<name>.staging-<owner>-<pid>-XXXX` beside
`root` (same file system, so the final move is a rename). For an existing dataset the staging
directory starts as a copy of it: data, video and episodes files are hard links (the writer only
ever creates new files there, never opens an existing one), the small meta files real copies (they
are rewritten). On success the staging directory replaces `root` with one atomic exchange
(renameat2 RENAME_EXCHANGE; two renames where unavailable). On any exception, including
KeyboardInterrupt, the staging directory is deleted and `root` is left exactly as it was.
A process killed outright (SIGKILL, power loss) can leave a `.<name>.staging-*` directory
behind, never a half-written `root`; the next run writing `root` removes it once its process is
gone (dataset/orphans.py). A file-system error (read-only, disk full, a missing file) becomes an
ExportError that names the file and says that `root` is unchanged.

`write_dataset(...)` wraps a whole export or append this way.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import dataclasses
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from interop_bridge.errors import ExportError
from interop_bridge.dataset.card import write_card
from interop_bridge.dataset.episode import Episode
from interop_bridge.dataset.episode_stream import StreamedEpisode
from interop_bridge.dataset.features import Feature
from interop_bridge.dataset.orphans import clear_orphans, prefix
from interop_bridge.dataset.layout import (DATA_DIR, DEFAULT_DATA_FILE_MB, DEFAULT_VIDEO_FILE_MB,
                                           EPISODES_DIR, INFO_PATH, MAX_EPISODE_S, VIDEO_DIR)
from interop_bridge.dataset.records import ExportMeta, ModalityFile
from interop_bridge.dataset.summary import WriteSummary
from interop_bridge.dataset.writer import DatasetWriter

LINKED_DIRS = (DATA_DIR, VIDEO_DIR, EPISODES_DIR)
RENAME_EXCHANGE = 2
AT_FDCWD = -100


def is_dataset(root: Path) -> bool:
    """Whether `root` holds a dataset (has meta/info.json)."""
    return (root / INFO_PATH).is_file()


def require_writable(root: Path) -> None:
    """Refuse a `root` that exists and is neither a dataset nor an empty directory."""
    if not is_dataset(root) and root.exists() and (not root.is_dir() or any(root.iterdir())):
        message = (f'{root}: exists and is not a LeRobot dataset (no {INFO_PATH}); '
                   'refusing to write into it')
        raise ExportError(message)


@contextmanager
def staged_dataset(root: str | Path) -> Iterator[Path]:
    """Yield a staging directory that becomes `root` only if the block completes.

    Raises:
        ExportError: `root` exists, is not empty and is not a dataset.
    """
    root = Path(root).absolute()
    existing = is_dataset(root)
    require_writable(root)
    try:
        root.parent.mkdir(parents=True, exist_ok=True)
        clear_orphans(root)
        staging = Path(tempfile.mkdtemp(prefix=prefix(root, 'staging'), dir=root.parent))
    except OSError as error:
        message = (f'{root}: cannot write beside it in {root.parent}: '
                   f'{error.strerror or error}')
        raise ExportError(message) from error
    try:
        if existing:
            _copy_dataset(root, staging)
            shutil.copymode(root, staging)
        else:
            os.chmod(staging, 0o777 & ~_umask())
        yield staging
        _commit(staging, root, existing)
    except BaseException as error:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(error, OSError):
            state = 'left unchanged' if existing else 'not created'
            message = f'{root}: writing failed: {_reason(error)}; the dataset was {state}'
            raise ExportError(message) from error
        raise


def _reason(error: OSError) -> str:
    names = [str(name) for name in (error.filename, error.filename2) if name is not None]
    reason = error.strerror or str(error) or type(error).__name__
    return f'{" -> ".join(names)}: {reason}' if names else reason


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _copy_dataset(root: Path, staging: Path) -> None:
    for source in sorted(root.rglob('*')):
        target = staging / source.relative_to(root)
        if source.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        relative = source.relative_to(root).as_posix()
        if any(relative.startswith(f'{directory}/') for directory in LINKED_DIRS):
            try:
                os.link(source, target)
                continue
            except OSError:
                pass
        shutil.copy2(source, target)


def _commit(staging: Path, root: Path, existing: bool) -> None:
    if not existing:
        if root.exists():
            root.rmdir()
        os.rename(staging, root)
        return
    if not _exchange(staging, root):
        retired = Path(tempfile.mkdtemp(prefix=prefix(root, 'old'), dir=root.parent))
        retired.rmdir()
        os.rename(root, retired)
        os.rename(staging, root)
        staging = retired
    shutil.rmtree(staging, ignore_errors=True)  # now holds the previous dataset


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths atomically with renameat2(RENAME_EXCHANGE); False if unsupported."""
    libc = ctypes.CDLL(ctypes.util.find_library('c'), use_errno=True)
    renameat2 = getattr(libc, 'renameat2', None)
    if renameat2 is None:
        return False
    result = renameat2(AT_FDCWD, os.fsencode(first), AT_FDCWD, os.fsencode(second),
                       RENAME_EXCHANGE)
    return bool(result == 0)


def write_dataset(root: str | Path, features: Sequence[Feature], fps: int,
                  episodes: Iterable[Episode | StreamedEpisode], export_meta: ExportMeta, *,
                  vcodec: str = 'libsvtav1', data_file_mb: float = DEFAULT_DATA_FILE_MB,
                  video_file_mb: float = DEFAULT_VIDEO_FILE_MB,
                  modality: ModalityFile | None = None,
                  on_episode: Callable[[int, Episode | StreamedEpisode], None] | None = None,
                  max_episode_s: float = MAX_EPISODE_S) -> WriteSummary:
    """Export `episodes` into `root` atomically: a new dataset, or appended to an existing one.

    This is the one way a dataset is written (`interop export` goes through it): one
    DatasetWriter for every episode, whatever robot each comes from (Episode.robot_type),
    finalized once.

    Args:
        root: the dataset directory; appended to when it already holds a dataset.
        features: the schema (must equal the existing dataset's when appending).
        fps: integer frames per second.
        episodes: the episodes, pulled one at a time.
        export_meta: dataset-level provenance of this export, for meta/interop.json.
        vcodec: 'libsvtav1' or 'libx264'.
        data_file_mb: data file size limit (new datasets; an append keeps the dataset's).
        video_file_mb: MP4 file size limit (new datasets; an append keeps the dataset's).
        modality: GR00T modality.json content to write, or None.
        on_episode: called with (episode_index, episode) after each episode (progress).
        max_episode_s: longer episodes are written as parts of this length (at most 512).

    Returns:
        The summary of the writer (totals, new episodes, encoder throughput), rooted at root.
    """
    with staged_dataset(root) as staging:
        if is_dataset(staging):
            writer = DatasetWriter.append_to(staging, features, fps, vcodec, label=str(root),
                                             max_episode_s=max_episode_s)
        else:
            writer = DatasetWriter(staging, features, fps, vcodec, data_file_mb, video_file_mb,
                                   max_episode_s=max_episode_s)
        try:
            for episode in episodes:
                index = writer.write_episode(episode)
                if on_episode is not None:
                    on_episode(index, episode)
            summary = writer.finalize(export_meta, modality)
            write_card(staging)
        except BaseException:
            writer.abort()
            raise
    return dataclasses.replace(summary, root=Path(root))
