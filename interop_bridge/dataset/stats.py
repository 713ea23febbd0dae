"""Per-episode and dataset statistics as LeRobot stores them, skipping invalid entries.

Every statistic is a float64 array: per dimension (d,) for vectors and scalars ((1,)), per
channel (3, 1, 1) in [0, 1] for camera frames; `count` is (1,), the number of frames (sampled
frames for cameras), as LeRobot requires.

Validity: a value feature with a `valid_key` is reduced per dimension over its valid entries
only. A dimension with no valid entry in an episode gets min = max = mean = every quantile = 0
and std = 1 (a neutral normalisation), so statistics are always finite. When episodes are
aggregated, each dimension is weighted by its number of valid entries, which is recovered
exactly from the validity feature's own statistics (mean * count); dimensions without valid
entries do not take part, and a dimension valid nowhere keeps the neutral values above.

Aggregation follows LeRobot (`aggregate_stats`): count-weighted mean, parallel variance
sum(n_i * (var_i + (mean_i - mean)^2)) / N, min of mins, max of maxes, and quantiles as a
conservative envelope (min over episodes for q <= 50, max for q > 50): bounds, not estimates.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

QUANTILES = {'q01': 0.01, 'q10': 0.10, 'q50': 0.50, 'q90': 0.90, 'q99': 0.99}
STAT_KEYS = ('min', 'max', 'mean', 'std', 'count', *QUANTILES)
PIXEL_LEVELS = 256
IMAGE_STAT_SHAPE = (3, 1, 1)

FeatureStats = dict[str, np.ndarray]


def _neutral(width: int) -> FeatureStats:
    zeros = np.zeros(width)
    stats = {key: zeros.copy() for key in ('min', 'max', 'mean', *QUANTILES)}
    stats['std'] = np.ones(width)
    return stats


def value_stats(values: np.ndarray, valid: np.ndarray | None = None) -> FeatureStats:
    """Statistics of one feature over one episode.

    Args:
        values: (frames,) or (frames, d) numbers.
        valid: boolean array of the same shape (True = use the entry), or None for all.

    Returns:
        The ten LeRobot statistics, each (d,) ((1,) for a scalar), count = (1,) frames.
    """
    frames = values.shape[0]
    table = np.asarray(values, dtype=np.float64).reshape(frames, -1)
    if valid is None:
        stats = _column_stats(table) if frames else _neutral(table.shape[1])
    else:
        mask = np.asarray(valid, dtype=bool).reshape(frames, -1)
        stats = _masked_stats(table, mask)
    stats['count'] = np.array([frames], dtype=np.int64)
    return stats


def _column_stats(table: np.ndarray) -> FeatureStats:
    stats = {'min': table.min(axis=0), 'max': table.max(axis=0),
             'mean': table.mean(axis=0), 'std': table.std(axis=0)}
    quantiles = np.quantile(table, list(QUANTILES.values()), axis=0)
    stats.update(zip(QUANTILES, quantiles, strict=True))
    return stats


def _masked_stats(table: np.ndarray, mask: np.ndarray) -> FeatureStats:
    if mask.all() and table.shape[0]:
        return _column_stats(table)
    stats = _neutral(table.shape[1])
    for column in range(table.shape[1]):
        entries = table[mask[:, column], column]
        if entries.size:
            for key, value in _column_stats(entries[:, None]).items():
                stats[key][column] = value[0]
    return stats


def sample_indices(length: int) -> list[int]:
    """The frames LeRobot samples for camera statistics: ~length**0.75, 100..10,000."""
    count = max(min(100, length), min(int(length ** 0.75), 10_000))
    return sorted(set(np.round(np.linspace(0, length - 1, count)).astype(int).tolist()))


def downsample(frame: np.ndarray, target: int = 150, threshold: int = 300) -> np.ndarray:
    """Stride a (H, W, 3) frame down to about `target` pixels when larger than `threshold`."""
    height, width = frame.shape[:2]
    if max(height, width) < threshold:
        return frame
    factor = int(max(height, width) / target)
    return frame[::factor, ::factor]


class ImageStats:
    """Per-channel statistics of a camera's sampled frames, from exact 256-level histograms.

    Holds three histograms, never frames: `add` every frame in order, then `result`.
    """

    def __init__(self, length: int) -> None:
        self._wanted = frozenset(sample_indices(length)) if length else frozenset()
        self._histograms = np.zeros((3, PIXEL_LEVELS), dtype=np.int64)
        self._samples = 0

    def add(self, index: int, frame: np.ndarray) -> None:
        """Count frame `index` (H, W, 3) uint8 if it is one of the sampled frames."""
        if index not in self._wanted:
            return
        small = downsample(frame)
        for channel in range(3):
            self._histograms[channel] += np.bincount(
                small[..., channel].ravel(), minlength=PIXEL_LEVELS)
        self._samples += 1

    def result(self) -> FeatureStats:
        """The ten statistics, (3, 1, 1) in [0, 1] per channel; count = sampled frames."""
        if not self._samples:
            stats = {key: value.reshape(IMAGE_STAT_SHAPE) for key, value in _neutral(3).items()}
        else:
            stats = _histogram_stats(self._histograms)
        stats['count'] = np.array([self._samples], dtype=np.int64)
        return stats


def _histogram_stats(histograms: np.ndarray) -> FeatureStats:
    levels = np.arange(PIXEL_LEVELS, dtype=np.float64)
    totals = histograms.sum(axis=1).astype(np.float64)
    mean = histograms @ levels / totals
    variance = (histograms * (levels[None, :] - mean[:, None]) ** 2).sum(axis=1) / totals
    present = histograms > 0
    stats = {'min': present.argmax(axis=1).astype(np.float64),
             'max': (PIXEL_LEVELS - 1 - present[:, ::-1].argmax(axis=1)).astype(np.float64),
             'mean': mean, 'std': np.sqrt(variance)}
    for key, q in QUANTILES.items():
        stats[key] = np.array([_histogram_quantile(row, q) for row in histograms])
    return {key: (value / (PIXEL_LEVELS - 1)).reshape(IMAGE_STAT_SHAPE)
            for key, value in stats.items()}


def _histogram_quantile(histogram: np.ndarray, q: float) -> float:
    """np.quantile's default (linear) over the values a histogram of integer levels counts."""
    cumulative = np.cumsum(histogram)
    position = q * (cumulative[-1] - 1)
    lower, upper = int(np.floor(position)), int(np.ceil(position))
    low_value = np.searchsorted(cumulative, lower, side='right')
    high_value = np.searchsorted(cumulative, upper, side='right')
    return float(low_value + (high_value - low_value) * (position - lower))


def aggregate(episodes: Sequence[FeatureStats],
              weights: Sequence[np.ndarray] | None = None) -> FeatureStats:
    """Combine one feature's per-episode statistics into dataset statistics.

    Args:
        episodes: the feature's statistics, one dict per episode.
        weights: per episode, the number of valid entries per dimension (shaped like `mean`);
            None weights every dimension by the episode's `count`.

    Returns:
        The aggregated statistics; `count` is the total number of frames.
    """
    shape = episodes[0]['mean'].shape
    if weights is None:
        weights = [np.broadcast_to(stats['count'].astype(np.float64), shape) for stats in episodes]
    counts = np.stack([np.asarray(weight, dtype=np.float64) for weight in weights])
    used = counts > 0
    total = counts.sum(axis=0)
    safe_total = np.where(total > 0, total, 1.0)
    means = np.stack([stats['mean'] for stats in episodes])
    mean = (means * counts).sum(axis=0) / safe_total
    variances = np.stack([stats['std'] for stats in episodes]) ** 2
    variance = (counts * (variances + (means - mean) ** 2)).sum(axis=0) / safe_total
    result = {'mean': mean, 'std': np.where(total > 0, np.sqrt(variance), 1.0),
              'min': _masked_reduce(episodes, 'min', used, np.min),
              'max': _masked_reduce(episodes, 'max', used, np.max)}
    for key, q in QUANTILES.items():
        result[key] = _masked_reduce(episodes, key, used, np.min if q <= 0.5 else np.max)
    result['count'] = np.array([sum(int(stats['count'][0]) for stats in episodes)],
                               dtype=np.int64)
    return result


def _masked_reduce(episodes: Sequence[FeatureStats], key: str, used: np.ndarray,
                   reduce: Callable[..., np.ndarray]) -> np.ndarray:
    """min or max over the episodes that have valid entries; 0.0 where none has."""
    values = np.stack([stats[key] for stats in episodes])
    fill = np.inf if reduce is np.min else -np.inf
    reduced = reduce(np.where(used, values, fill), axis=0)
    return np.where(used.any(axis=0), reduced, 0.0)


def valid_counts(valid_stats: FeatureStats, width: int) -> np.ndarray:
    """Number of valid entries per dimension of a feature `width` wide, from its validity
    feature's statistics (the mean of a 0/1 flag times the number of frames)."""
    flags = np.rint(valid_stats['mean'] * valid_stats['count'][0])
    return np.repeat(flags, width // flags.shape[0])


class StatsAccumulator:
    """Dataset statistics built up one episode at a time (holds one set of statistics).

    Aggregating pairwise is exact for every statistic (weighted mean, parallel variance,
    min/max and the quantile envelope are associative), so the result equals `aggregate` over
    all episodes at once.
    """

    def __init__(self, valid_keys: Mapping[str, str | None]) -> None:
        """Args: valid_keys: feature key -> key of its validity feature (or None)."""
        self._valid_keys = dict(valid_keys)
        self._totals: dict[str, tuple[FeatureStats, np.ndarray]] = {}

    def add(self, episode: Mapping[str, FeatureStats]) -> None:
        """Fold in one episode's statistics (feature key -> statistics)."""
        for key, stats in episode.items():
            weight = self._weight(key, stats, episode)
            if key in self._totals:
                total, total_weight = self._totals[key]
                self._totals[key] = (aggregate([total, stats], [total_weight, weight]),
                                     total_weight + weight)
            else:
                self._totals[key] = ({name: np.array(value) for name, value in stats.items()},
                                     weight)

    def _weight(self, key: str, stats: FeatureStats,
                episode: Mapping[str, FeatureStats]) -> np.ndarray:
        valid_key = self._valid_keys.get(key)
        if valid_key is None:
            return np.broadcast_to(stats['count'].astype(np.float64), stats['mean'].shape).copy()
        return valid_counts(episode[valid_key], stats['mean'].shape[0])

    def result(self) -> dict[str, FeatureStats]:
        """The dataset statistics so far, feature key -> statistics."""
        return {key: total for key, (total, _) in self._totals.items()}
