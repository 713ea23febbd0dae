"""Salvaging sqlite3 bags cut short: what survives is counted by SQLite itself (dbstat).

The expected messages come from the complete file, read with the sqlite3 module: its rows, and
from SQLite's dbstat table which leaf page (and overflow pages) holds each row; a row survives
a cut at byte B exactly when all its pages end at or before B.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import bag_factory as bf
import pytest
from rosbags.rosbag2.errors import ReaderError

from interop_bridge.cli import main
from interop_bridge.export.bag_reader import BagError, open_bags
from interop_bridge.export.sqlite_salvage import SalvagedSqlite

PROFILE = 'unitree_g1_29dof'


@pytest.fixture(scope='module')
def db3(tmp_path_factory) -> Path:
    """A 2 s sqlite3 bag of G1 LowState messages (one per page, no overflow) and images."""
    bag = bf.write_vendor_bag(tmp_path_factory.mktemp('bags') / 'g1', PROFILE,
                              storage='sqlite3', duration_s=2.0, camera=True)
    return bag / 'g1.db3'


def full_rows(path: Path) -> dict[int, tuple[int, int, bytes]]:
    """rowid -> (topic id, timestamp, data), as SQLite reads the complete file."""
    with sqlite3.connect(f'file:{path}?immutable=1', uri=True) as connection:
        return {rowid: (topic, stamp, bytes(data)) for rowid, topic, stamp, data in
                connection.execute('SELECT id, topic_id, timestamp, data FROM messages')}


def surviving_rowids(path: Path, cut: int) -> set[int]:
    """Rows whose leaf page and overflow pages all lie within the first `cut` bytes (dbstat)."""
    with sqlite3.connect(f'file:{path}?immutable=1', uri=True) as connection:
        (page_size,) = connection.execute('PRAGMA page_size').fetchone()
        pages = connection.execute("SELECT pageno, pagetype, ncell, path FROM dbstat "
                                   "WHERE name = 'messages' ORDER BY path").fetchall()
        rowids = [rowid for (rowid,) in connection.execute(
            'SELECT id FROM messages ORDER BY id')]
    leaves: dict[str, tuple[int, int]] = {}  # tree path -> (page, cells)
    overflow_end: dict[tuple[str, int], int] = {}  # (leaf, cell) -> last overflow page
    for number, kind, count, tree_path in pages:
        if kind == 'leaf':
            leaves[tree_path] = (number, count)
        elif kind == 'overflow':  # '<leaf path><cell index>+<overflow index>'
            owner, cell = tree_path.split('+')[0].rsplit('/', 1)
            key = (f'{owner}/', int(cell))
            overflow_end[key] = max(overflow_end.get(key, 0), number)
    survivors, position = set(), 0
    for leaf in sorted(leaves):  # tree order = rowid order
        number, count = leaves[leaf]
        for cell in range(count):
            last = max(number, overflow_end.get((leaf, cell), 0))
            if last * page_size <= cut:
                survivors.add(rowids[position + cell])
        position += count
    return survivors


def cut_copy(source: Path, target_dir: Path, share: float) -> Path:
    data = source.read_bytes()
    target_dir.mkdir(exist_ok=True)
    target = target_dir / source.name
    target.write_bytes(data[:int(len(data) * share)])
    return target


@pytest.mark.parametrize('share', [0.1, 0.3, 0.5, 0.9, 0.999])
def test_a_cut_db3_gives_back_every_message_whose_pages_remain_byte_for_byte(
        db3, tmp_path, share):
    cut = cut_copy(db3, tmp_path / 'cut', share)
    rows, survivors = full_rows(db3), surviving_rowids(db3, cut.stat().st_size)
    with open_bags(cut) as recording:  # salvaged, not read by rosbags (SQLite)
        assert not recording.sources[0].complete
        assert recording.message_count == len(survivors)
    salvaged = SalvagedSqlite(cut)
    try:
        by_id = {connection.id: connection for connection in salvaged.connections}
        messages = list(salvaged.messages(salvaged.connections))
    finally:
        salvaged.close()
    expected = sorted(rows[rowid][1:] for rowid in survivors)
    assert salvaged.message_count == len(survivors) > 0
    assert sorted((stamp, data) for _, stamp, data in messages) == expected
    assert [stamp for _, stamp, _ in messages] == sorted(stamp for _, stamp, _ in messages)
    for topic_id, connection in by_id.items():
        assert connection.msgcount == sum(rows[rowid][0] == topic_id for rowid in survivors)


def test_a_cut_db3_exports_with_one_warning_naming_what_was_read(db3, tmp_path, capsys):
    cut = cut_copy(db3, tmp_path / 'cut', 0.5)
    survivors = surviving_rowids(db3, cut.stat().st_size)
    status = main(['export', str(cut), '--profile', PROFILE, '--task', 'wave', '--out',
                   str(tmp_path / 'ds'), '--vcodec', 'libx264'])
    err = capsys.readouterr().err
    assert status == 0, err
    warnings = [line for line in err.splitlines() if 'sqlite3 file' in line]
    assert len(warnings) == 1, err
    assert f'read {len(survivors)} whole messages' in warnings[0]
    assert 'truncated or damaged sqlite3 file' in warnings[0]
    assert 'Traceback' not in err


def test_a_db3_with_a_journal_beside_it_warns_once_that_it_was_not_closed(db3, tmp_path):
    bag = tmp_path / 'g1'
    bag.mkdir()
    (bag / 'g1.db3').write_bytes(db3.read_bytes())
    (bag / 'metadata.yaml').write_bytes((db3.parent / 'metadata.yaml').read_bytes())
    (bag / 'g1.db3-journal').write_bytes(b'\0' * 512)
    with open_bags(bag) as recording:
        warnings = [w for w in recording.warnings if 'journal' in w]
        assert recording.message_count == len(full_rows(db3))
    assert warnings == [f'{bag / "g1.db3"}: g1.db3-journal beside it: the recorder did not '
                        'close the bag (killed mid-transaction?); the messages of its last, '
                        'uncommitted transaction (about one flush period) are missing or '
                        'partly readable']


def test_a_db3_cut_inside_its_table_list_is_refused_with_one_line(db3, tmp_path):
    cut = cut_copy(db3, tmp_path / 'cut', 0.0005)  # inside the first page: no table list
    with pytest.raises(BagError, match='damaged sqlite3 file that cannot be salvaged: .*no '
                       'readable `topics` and `messages` tables'):
        open_bags(cut)
    (tmp_path / 'header.db3').write_bytes(db3.read_bytes()[:60])
    with pytest.raises(ReaderError, match='not a SQLite database'):
        SalvagedSqlite(tmp_path / 'header.db3')
