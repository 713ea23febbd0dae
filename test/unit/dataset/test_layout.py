"""File slots name chunk/file pairs and roll over to the next chunk when one is full."""

from __future__ import annotations

from pathlib import Path

from interop_bridge.dataset.layout import (FileSlot, data_path, episodes_path, last_slot,
                                           slot_of, video_path)


def test_paths_follow_lerobots_templates():
    slot = FileSlot(2, 17)
    assert data_path(slot) == 'data/chunk-002/file-017.parquet'
    assert episodes_path(slot) == 'meta/episodes/chunk-002/file-017.parquet'
    assert video_path('observation.images.head', slot) == \
        'videos/observation.images.head/chunk-002/file-017.mp4'
    assert slot_of(Path('x/data/chunk-002/file-017.parquet')) == slot


def test_the_next_slot_moves_to_a_new_chunk_after_chunks_size_files():
    assert FileSlot(0, 998).next() == FileSlot(0, 999)
    assert FileSlot(0, 999).next() == FileSlot(1, 0)
    assert FileSlot(0, 1).next(chunks_size=2) == FileSlot(1, 0)


def test_last_slot_finds_the_highest_existing_file(tmp_path):
    assert last_slot(tmp_path, 'file-*.parquet') is None
    for name in ('chunk-000/file-000.parquet', 'chunk-000/file-003.parquet',
                 'chunk-001/file-001.parquet'):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).touch()
    assert last_slot(tmp_path, 'file-*.parquet') == FileSlot(1, 1)
