"""Whether two datasets share one schema (so they can be merged or appended to)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from interop_bridge.errors import ExportError

# Encoder names as the writer takes them -> codec names as an MP4 reports them.
CODEC_NAMES = {'libsvtav1': 'av1', 'libx264': 'h264'}
VIDEO_INFO_KEYS = ('video.codec', 'video.pix_fmt', 'video.height', 'video.width')


def _cameras(features: Mapping[str, Any]) -> list[str]:
    return sorted(key for key, entry in features.items() if entry['dtype'] == 'video')


def schema_differences(first: Mapping[str, Any], second: Mapping[str, Any]) -> list[str]:
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


def _feature_differences(key: str, first: Mapping[str, Any],
                         second: Mapping[str, Any]) -> list[str]:
    differences = []
    for part in ('dtype', 'shape', 'names'):
        a_value, b_value = first.get(part), second.get(part)
        if part == 'shape':
            a_value, b_value = list(a_value or []), list(b_value or [])
        if a_value != b_value:
            differences.append(f'{key} {part} {_short(a_value)} vs {_short(b_value)}')
    if first.get('dtype') == 'video' == second.get('dtype') and 'info' in first \
            and 'info' in second:
        a_info, b_info = first['info'], second['info']
        for info_key in VIDEO_INFO_KEYS:
            if a_info.get(info_key) != b_info.get(info_key):
                differences.append(f'{key} {info_key} {a_info.get(info_key)!r} vs '
                                   f'{b_info.get(info_key)!r}')
    return differences


def _short(value: Any) -> str:
    if isinstance(value, list) and len(value) > 4:
        return f'[{", ".join(map(repr, value[:3]))}, ... ({len(value)} items)]'
    return repr(value)


def require_same_schema(first: Mapping[str, Any], second: Mapping[str, Any],
                        what: str) -> None:
    """Raise ExportError with a one-line message naming every difference.

    Args:
        first, second: info.json dicts.
        what: names the two sides, e.g. "cannot merge a/ into b/".
    """
    differences = schema_differences(first, second)
    if differences:
        raise ExportError(f'{what}: schemas differ: {"; ".join(differences)}')


def require_codec(info: Mapping[str, Any], vcodec: str, what: str) -> None:
    """Raise ExportError unless every camera of `info` was encoded with `vcodec`."""
    wanted = CODEC_NAMES.get(vcodec, vcodec)
    for key, entry in info['features'].items():
        have = entry.get('info', {}).get('video.codec') if entry['dtype'] == 'video' else None
        if have is not None and have != wanted:
            raise ExportError(f'{what}: {key} video.codec is {have!r}, but this export encodes '
                              f'{wanted!r} ({vcodec}); episodes of one camera must share a codec')
