"""Run lerobot-lint's `lelint check` on several datasets in one process (torch loads once).

Run with .venv-lerobot/bin/python: lelint_many.py OUT_DIR DATASET... For each dataset D it
runs the real CLI command (`lelint check D --json OUT_DIR/<name>.lint.json`, the typer app
lerobot-lint installs as `lelint`) and records its exit code, and it reads D/README.md with
huggingface_hub's DatasetCard (the Hub's own card parser): OUT_DIR/<name>.card.json holds the
card data it parsed. OUT_DIR/exit_codes.json maps each name to lelint's exit code.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from huggingface_hub import DatasetCard
from lerobot_lint.cli import app


def lint(dataset: Path, out: Path) -> int:
    """lelint's exit code on one dataset (0 clean, 1 findings below error, 2 an error)."""
    code = app(['check', str(dataset), '--json', str(out / f'{dataset.name}.lint.json')],
               standalone_mode=False)
    return int(code or 0)


def card_data(dataset: Path) -> dict:
    return DatasetCard.load(dataset / 'README.md').data.to_dict()


def main(out: Path, datasets: list[Path]) -> None:
    codes = {}
    for dataset in datasets:
        codes[dataset.name] = lint(dataset, out)
        (out / f'{dataset.name}.card.json').write_text(json.dumps(card_data(dataset)))
    (out / 'exit_codes.json').write_text(json.dumps(codes))


if __name__ == '__main__':
    main(Path(sys.argv[1]), [Path(arg) for arg in sys.argv[2:]])
