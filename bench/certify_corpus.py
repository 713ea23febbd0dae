"""Build the seeded-defect corpus for the certify benchmark (issue 9, item 6).

    python bench/certify_corpus.py                    # every item, into out/certify_corpus
    python bench/certify_corpus.py --out DIR --only clean_g1 state_gap

Two clean recordings (a Unitree G1 and a PAL TALOS through ros2_control, test/physical_bags.py)
and one item per seeded defect (test/seeded_corpus.py ITEMS: name, family, what was seeded and
where, the certify checks expected to catch it). A recording defect is planted in the bag,
which is then exported by `interop export`; a dataset defect is planted in a copy of the clean
export (test/dataset_defects.py). Each item is a directory with dataset/, bag/ when the defect
is in the recording, and item.json; DIR/corpus.json lists them all. About 2 minutes on one core
(the G1 LowState CRC, computed bitwise, dominates).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / 'test'), str(REPO)]

import seeded_corpus  # noqa: E402  (test/ on the path first)

DEFAULT_OUT = REPO / 'out' / 'certify_corpus'


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', type=Path, default=DEFAULT_OUT, help='corpus directory')
    parser.add_argument('--only', nargs='*', default=None, metavar='NAME',
                        help='build only these items (and the clean ones they need)')
    args = parser.parse_args(argv)
    items = seeded_corpus.ITEMS
    if args.only:
        unknown = set(args.only) - {item.name for item in items}
        if unknown:
            parser.error(f'no such corpus item: {", ".join(sorted(unknown))}')
        items = tuple(item for item in items if item.clean or item.name in args.only)
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    manifest = seeded_corpus.build_all(args.out, items)
    defects = sum(1 for entry in manifest if not entry['clean'])
    print(f'corpus: {len(manifest)} items ({defects} seeded defects, '
          f'{len(manifest) - defects} clean) in {time.monotonic() - started:.0f} s -> '
          f'{args.out / "corpus.json"}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
