"""Whether two datasets share one schema (so they can be merged or appended to)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from interop_bridge.errors import ExportError
from interop_bridge.dataset.records import DatasetInfo, FeatureEntry

# Encoder names as the writer takes them -> codec names as an MP4 reports them.
CODEC_NAMES = {'libsvtav1': 'av1', 'libx264': 'h264'}
VIDEO_INFO_KEYS: tuple[Literal['video.codec', 'video.pix_fmt', 'video.height', 'video.width'],
                       ...] = ('video.codec', 'video.pix_fmt', 'video.height', 'video.width')


def _cameras(features: Mapping[str, FeatureEntry]) -> list[str]:
    return sorted(key for key, entry in features.items() if entry['dtype'] == 'video')


def schema_differences(first: DatasetInfo, second: DatasetInfo) -> list[str]:
    """What differs between two info.json dicts, as short phrases ([] when compatible).

    Compared: fps, the camera set, the feature keys, each feature's dtype, shape and names,
    and each camera's codec, pixel format and frame size (when both carry video `info`).
    """
    differences = []
    if first['fps'] != second['fps']:
        differences.append(f'fps {first["fps"]} vs {second["fps"]}')
    a_features, b_features = first['features'], second['features']
    if _cameras(a_features) != _cameras(b_features):
        differences.append(f'cameras {_cameras(a_features)} vs {_cameras(b_features)}')
    only_a = [key for key in a_features if key not in b_features]
    only_b = [key for key in b_features if key not in a_features]
    if only_a or only_b:
        differences.append(f'features only in the first: {only_a}, only in the second: {only_b}')
    for key in (key for key in a_features if key in b_features):
        differences += _feature_differences(key, a_features[key], b_features[key])
    return differences


def _feature_differences(key: str, first: FeatureEntry, second: FeatureEntry) -> list[str]:
    differences = []
    parts: tuple[tuple[str, object, object], ...] = (
        ('dtype', first.get('dtype'), second.get('dtype')),
        ('shape', list(first.get('shape') or []), list(second.get('shape') or [])),
        ('names', first.get('names'), second.get('names')))
    for part, a_value, b_value in parts:
        if a_value != b_value:
            differences.append(f'{key} {part} {_short(a_value)} vs {_short(b_value)}')
    a_info, b_info = first.get('info'), second.get('info')
    if first.get('dtype') == 'video' == second.get('dtype') and a_info is not None \
            and b_info is not None:
        for info_key in VIDEO_INFO_KEYS:
            a_value, b_value = a_info.get(info_key), b_info.get(info_key)
            if a_value != b_value:
                differences.append(f'{key} {info_key} {a_value!r} vs {b_value!r}')
    return differences


def _short(value: object) -> str:
    if isinstance(value, list) and len(value) > 4:
        return f'[{", ".join(map(repr, value[:3]))}, ... ({len(value)} items)]'
    return repr(value)


def require_same_schema(first: DatasetInfo, second: DatasetInfo, what: str) -> None:
    """Raise ExportError with a one-line message naming every difference.

    Args:
        first, second: info.json dicts.
        what: names the two sides, e.g. "cannot merge a/ into b/".
    """
    differences = schema_differences(first, second)
    if differences:
        message = f'{what}: schemas differ: {"; ".join(differences)}'
        raise ExportError(message)


def require_codec(info: DatasetInfo, vcodec: str, what: str) -> None:
    """Raise ExportError unless every camera of `info` was encoded with `vcodec`."""
    wanted = CODEC_NAMES.get(vcodec, vcodec)
    for key, entry in info['features'].items():
        video = entry.get('info') if entry['dtype'] == 'video' else None
        have = video.get('video.codec') if video is not None else None
        if have is not None and have != wanted:
            message = (f'{what}: {key} video.codec is {have!r}, but this export encodes '
                       f'{wanted!r} ({vcodec}); episodes of one camera must share a codec')
            raise ExportError(message)
