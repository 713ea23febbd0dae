"""Defects planted in an exported LeRobot v3.0 dataset (a copy), where that is how they arise:
a converter that re-stamps frames, a NaN written through, a video cut short, provenance lost.

Each function edits the dataset in place with pyarrow / PyAV / json, never with the project's
writer, so the defect is exactly what was planted.
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

DATA = Path('data/chunk-000/file-000.parquet')
VIDEO = Path('videos/observation.images.camera/chunk-000/file-000.mp4')


def _rewrite(dataset: Path, column: str, values: np.ndarray) -> None:
    """Replace one column of the (single) data file, keeping schema and one row group."""
    path = dataset / DATA
    table = pq.read_table(path)
    position = table.schema.get_field_index(column)
    kind = table.schema.field(position).type
    if pa.types.is_fixed_size_list(kind):
        flat = pa.array(values.reshape(-1).astype(np.float32), type=kind.value_type)
        array: pa.Array = pa.FixedSizeListArray.from_arrays(flat, kind.list_size)
    else:
        array = pa.array(values, type=kind)
    table = table.set_column(position, table.schema.field(position), array)
    pq.write_table(table, path, row_group_size=max(table.num_rows, 1),
                   write_page_checksum=True)


def _column(dataset: Path, column: str) -> np.ndarray:
    values = pq.read_table(dataset / DATA, columns=[column]).column(column).to_pylist()
    return np.asarray(values, dtype=np.float64)


def shift_timestamps(dataset: Path) -> None:
    """Frames 40 on re-stamped half a frame late (a converter that re-timed a dropped frame)."""
    fps = json.loads((dataset / 'meta/info.json').read_text())['fps']
    stamps = _column(dataset, 'timestamp')
    stamps[40:] += 0.5 / fps
    _rewrite(dataset, 'timestamp', stamps.astype(np.float32))


def nan_in_action(dataset: Path) -> None:
    """NaN in action[0] at frames 20-22, the mask left valid."""
    action = _column(dataset, 'action')
    action[20:23, 0] = np.nan
    _rewrite(dataset, 'action', action)


def drop_last_frames(dataset: Path, count: int = 5) -> None:
    """The camera's MP4 re-encoded (H.264, same size and rate) without its last `count`
    frames."""
    path = dataset / VIDEO
    with av.open(str(path)) as source:
        stream = source.streams.video[0]
        rate = stream.average_rate or Fraction(30)
        frames = [frame.to_ndarray(format='rgb24') for frame in source.decode(stream)]
    with av.open(str(path), 'w') as target:
        out = target.add_stream('libx264', rate=rate)
        out.height, out.width = frames[0].shape[:2]
        out.pix_fmt = 'yuv420p'
        for pixels in frames[:-count]:
            target.mux(out.encode(av.VideoFrame.from_ndarray(pixels, format='rgb24')))
        target.mux(out.encode(None))


def strip_provenance(dataset: Path) -> None:
    """meta/interop.json without the exporter's version and the bags' SHA-256."""
    path = dataset / 'meta/interop.json'
    record = json.loads(path.read_text())
    for export in record.get('exports', []):
        export.pop('exporter', None)
        for bag in export.get('bags', []):
            for source in bag.get('sources', []):
                for file in source.get('files', []):
                    file.pop('sha256', None)
    path.write_text(json.dumps(record, indent=1) + '\n')


def hours_of(dataset: Path) -> float:
    """Hours of recorded data in a dataset (frames / fps)."""
    info = json.loads((dataset / 'meta/info.json').read_text())
    return float(info['total_frames']) / float(info['fps']) / 3600.0
