"""A small HTML page builder for the certify report: every text escaped, plots as figures.

Only `Markup` (markup this package built from escaped parts) goes in unescaped; the SVG of a
plot comes from matplotlib (report_plots.svg_of), which escapes the text it draws.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence

from matplotlib.figure import Figure

from interop_bridge.certify.report_plots import svg_of

STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em auto;max-width:1100px;color:#1b1f24}
h1{font-size:1.5em}h2{font-size:1.2em;border-bottom:1px solid #ccd;margin-top:2em}
table{border-collapse:collapse;margin:.6em 0;font-size:13px}
td,th{border:1px solid #d4d8de;padding:2px 6px;text-align:left;vertical-align:top}
th{background:#eef1f5}.PASS{color:#2e7d32}.FAIL{color:#c62828;font-weight:bold}
.WARN{color:#b26a00}.SKIP{color:#6b7280}tr.bad td{background:#fdecea}
figure.plot{margin:1em 0}figure.plot svg{max-width:100%;height:auto}
figcaption{font-size:12px;color:#4b5563}.level{font-size:1.3em;font-weight:bold}
details summary{cursor:pointer}code{font-size:12px}
"""
# On load: each [data-plot] figure is rendered when its <svg> has a box and drawn content.
SCRIPT = """
window.addEventListener('load', function () {
  var plots = document.querySelectorAll('[data-plot]'), drawn = 0;
  plots.forEach(function (plot) {
    var svg = plot.querySelector('svg'), box = svg && svg.getBoundingClientRect();
    var content = svg && svg.getBBox();
    var ok = !!(box && box.width > 0 && box.height > 0 && content.width > 0 &&
                content.height > 0 && svg.querySelectorAll('path,text').length > 0);
    plot.setAttribute('data-rendered', ok ? 'yes' : 'no');
    drawn += ok ? 1 : 0;
  });
  var out = document.getElementById('plots-rendered');
  out.setAttribute('data-total', plots.length);
  out.setAttribute('data-rendered', drawn);
  out.textContent = drawn + ' of ' + plots.length + ' plots rendered';
});
"""


class Markup(str):
    """HTML built here from escaped parts: inserted as is."""


def escape(value: object) -> str:
    """Text as HTML (Markup as is)."""
    return value if isinstance(value, Markup) else html.escape(str(value), quote=True)


def details(summary: str, lines: Sequence[str]) -> Markup:
    """A collapsed list: `summary`, then one escaped item per line."""
    items = ''.join(f'<li>{escape(line)}</li>' for line in lines)
    return Markup(f'<details><summary>{escape(summary)}</summary><ul>{items}</ul></details>')


def status_cell(status: str) -> Markup:
    """PASS / WARN / FAIL / SKIP, coloured."""
    return Markup(f'<span class="{escape(status)}">{escape(status)}</span>')


class Page:
    """The report being built, section by section."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.parts: list[str] = []
        self.plot_ids: list[str] = []

    def section(self, anchor: str, heading: str) -> None:
        """Start a section."""
        self.parts.append(f'<h2 id="{escape(anchor)}">{escape(heading)}</h2>')

    def note(self, text: str) -> None:
        """A paragraph of text."""
        self.parts.append(f'<p>{escape(text)}</p>')

    def markup(self, markup: Markup) -> None:
        """Markup built from escaped parts."""
        self.parts.append(markup)

    def table(self, header: Sequence[str], rows: Iterable[Sequence[object]], css: str = '',
              bad: Iterable[bool] | None = None) -> None:
        """A table; `css` classes every row, or only the rows `bad` marks."""
        marks = list(bad) if bad is not None else None
        lines = ['<table><thead><tr>' + ''.join(f'<th>{escape(h)}</th>' for h in header)
                 + '</tr></thead><tbody>']
        for number, row in enumerate(rows):
            marked = css and (marks is None or (number < len(marks) and marks[number]))
            opening = f'<tr class="{escape(css)}">' if marked else '<tr>'
            lines.append(opening + ''.join(f'<td>{escape(cell)}</td>' for cell in row)
                         + '</tr>')
        self.parts.append('\n'.join(lines) + '</tbody></table>')

    def plot(self, plot_id: str, figure: Figure, caption: str) -> str:
        """A <figure> holding the plot as inline <svg>; its id (made unique, [A-Za-z0-9_-])."""
        plot_id = re.sub(r'[^A-Za-z0-9_-]+', '-', plot_id).strip('-') or 'plot'
        if plot_id in self.plot_ids:
            plot_id = f'{plot_id}-{len(self.plot_ids)}'
        self.plot_ids.append(plot_id)
        svg = svg_of(figure, plot_id)
        self.parts.append(f'<figure class="plot" id="plot-{plot_id}" data-plot="{plot_id}">'
                          f'{svg}<figcaption>{escape(caption)}</figcaption></figure>')
        return plot_id

    def html(self) -> str:
        """The whole page."""
        body = '\n'.join(self.parts)
        return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
                f'<meta name="viewport" content="width=device-width, initial-scale=1">'
                f'<title>{escape(self.title)}</title><style>{STYLE}</style></head>\n<body>'
                f'<h1>{escape(self.title)}</h1>\n{body}\n'
                f'<p><output id="plots-rendered" data-total="{len(self.plot_ids)}" '
                f'data-rendered="">plots not checked (JavaScript off)</output></p>'
                f'<script>{SCRIPT}</script></body></html>\n')
