"""Per-episode and dataset statistics as LeRobot stores them, skipping invalid entries.

Every statistic is a float64 array: per dimension (d,) for vectors and scalars ((1,)), per
channel (3, 1, 1) in [0, 1] for camera frames; `count` is (1,), the number of frames (sampled
frames for cameras), as LeRobot requires.

Validity: a value feature with a `valid_key` is reduced per dimension over its valid entries
only. A dimension with no valid entry in an episode gets neutral statistics: mean = q50 = 0,
std = 1, min = q01 = q10 = -1, max = q90 = q99 = 1, so statistics are always finite and every
LeRobot normalization mode (mean/std, min/max, q01-q99, q10-q90) maps that dimension's stored
0.0 to exactly 0 (as cross-embodiment policies pad absent dimensions). When episodes are
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

# The neutral value of each statistic for a dimension without any valid entry.
NEUTRAL = {'min': -1.0, 'q01': -1.0, 'q10': -1.0, 'q50': 0.0, 'mean': 0.0, 'std': 1.0,
           'q90': 1.0, 'q99': 1.0, 'max': 1.0}

FeatureStats = dict[str, np.ndarray]  # statistic -> array (one episode, or a dataset)
StackedStats = dict[str, np.ndarray]  # statistic -> (episodes, *shape) array


def _neutral(width: int) -> FeatureStats:
    return {key: np.full(width, value) for key, value in NEUTRAL.items()}


def _neutral_pixels() -> FeatureStats:
    """A camera without sampled frames: 0 in [0, 1] pixel units, std 1."""
    stats = {key: np.zeros(IMAGE_STAT_SHAPE) for key in NEUTRAL}
    stats['std'] = np.ones(IMAGE_STAT_SHAPE)
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
            stats = _neutral_pixels()
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


def stack(episodes: Sequence[FeatureStats]) -> StackedStats:
    """One feature's per-episode statistics stacked: each statistic (episodes, *shape)."""
    return {key: np.stack([stats[key] for stats in episodes]) for key in episodes[0]}


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
    stacked_weights = None if weights is None else np.stack(
        [np.asarray(weight, dtype=np.float64) for weight in weights])
    return aggregate_stacked(stack(episodes), stacked_weights)


def aggregate_stacked(stacked: StackedStats, weights: np.ndarray | None = None) -> FeatureStats:
    """`aggregate` over statistics already stacked (episodes first), in one pass.

    Args:
        stacked: each statistic (episodes, *shape), `count` (episodes, 1).
        weights: (episodes, *shape) valid entries per dimension; None: every frame counts.
    """
    if weights is None:
        weights = count_weights(stacked)
    used = weights > 0
    total = weights.sum(axis=0)
    safe_total = np.where(total > 0, total, 1.0)
    means = stacked['mean']
    mean = (means * weights).sum(axis=0) / safe_total
    variance = (weights * (stacked['std'] ** 2 + (means - mean) ** 2)).sum(axis=0) / safe_total
    result = {'mean': mean, 'std': np.where(total > 0, np.sqrt(variance), 1.0),
              'min': _masked_reduce(stacked['min'], used, np.min, NEUTRAL['min']),
              'max': _masked_reduce(stacked['max'], used, np.max, NEUTRAL['max'])}
    for key, q in QUANTILES.items():
        result[key] = _masked_reduce(stacked[key], used, np.min if q <= 0.5 else np.max,
                                     NEUTRAL[key])
    result['count'] = np.array([int(stacked['count'][:, 0].sum())], dtype=np.int64)
    return result


def _masked_reduce(values: np.ndarray, used: np.ndarray,
                   reduce: Callable[..., np.ndarray], neutral: float) -> np.ndarray:
    """min or max over the episodes that have valid entries; `neutral` where none has."""
    fill = np.inf if reduce is np.min else -np.inf
    reduced = reduce(np.where(used, values, fill), axis=0)
    return np.where(used.any(axis=0), reduced, neutral)


def count_weights(stacked: StackedStats) -> np.ndarray:
    """Every entry of an episode weighs its frame count: (episodes, *shape)."""
    means = stacked['mean']
    counts = stacked['count'][:, 0].astype(np.float64)
    return np.broadcast_to(counts.reshape((-1,) + (1,) * (means.ndim - 1)), means.shape)


def valid_weights(valid: StackedStats, width: int) -> np.ndarray:
    """Valid entries per episode and dimension of a feature `width` wide, (episodes, width),
    from its validity feature's statistics (the mean of a 0/1 flag times the frame count)."""
    flags = np.rint(valid['mean'] * valid['count'][:, :1].astype(np.float64))
    return np.repeat(flags, width // flags.shape[1], axis=1)


def feature_stats(stacked: StackedStats, valid: StackedStats | None = None) -> FeatureStats:
    """One feature's dataset statistics from its stacked per-episode statistics.

    Args:
        stacked: the feature's statistics over every episode (`stack`).
        valid: its validity feature's, when it has one: each dimension is then weighted by
            its number of valid entries; None weights every frame.
    """
    if valid is None:
        return aggregate_stacked(stacked)
    return aggregate_stacked(stacked, valid_weights(valid, stacked['mean'].shape[1]))


def dataset_stats(episodes: Mapping[str, StackedStats],
                  valid_keys: Mapping[str, str | None]) -> dict[str, FeatureStats]:
    """Dataset statistics of every feature from its stacked per-episode statistics.

    Args:
        episodes: feature key -> its statistics over every episode (`stack`).
        valid_keys: feature key -> key of its validity feature (or None), which must then be
            in `episodes` too.
    """
    result = {}
    for key, stacked in episodes.items():
        valid_key = valid_keys.get(key)
        result[key] = feature_stats(stacked, None if valid_key is None else episodes[valid_key])
    return result
