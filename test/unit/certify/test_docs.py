"""docs/certify.md is the rendering of the rubric's declarations."""

from __future__ import annotations

from interop_bridge.certify.docs import DOC_PATH, render
from interop_bridge.certify.rubric import all_specs


def test_docs_certify_md_is_the_current_rendering() -> None:
    assert DOC_PATH.read_text() == render(), 'regenerate: python -m interop_bridge.certify.docs'


def test_every_check_has_a_row() -> None:
    text = render()
    for spec in all_specs():
        assert f'| `{spec.id}` | {spec.group} |' in text
