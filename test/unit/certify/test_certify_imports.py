"""`interop certify DATASET` imports only what grading a dataset needs (its start-up counts in
every certification): no pandas (tasks.parquet is read with pyarrow: dataset/view.py), no
pyarrow.compute or pyarrow.dataset (rows sliced, files read through pq.ParquetFile), no bag
readers (rosbags: only a bag is exported), no plotting (only --html).

Checked on module names in a fresh interpreter, as test/unit/test_cli_imports.py does.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import process_groups
from ros_process import REPO

NOT_NEEDED = ('pandas', 'pyarrow.compute', 'pyarrow.dataset', 'pyarrow.pandas_compat',
              'rosbags', 'matplotlib', 'scipy', 'rclpy', 'torch', 'cryptography', 'numpy.ma')

CERTIFY = """import json
import sys
from interop_bridge.cli import main
assert main(['certify', sys.argv[-1]]) == 0
print(json.dumps(sorted(name for name in sys.argv[1:-1] if name in sys.modules)))
"""


def test_certifying_a_dataset_imports_no_pandas_compute_bag_reader_or_plotting(dataset: Path):
    result = process_groups.run([sys.executable, '-c', CERTIFY, *NOT_NEEDED, str(dataset)],
                                timeout=120, cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
