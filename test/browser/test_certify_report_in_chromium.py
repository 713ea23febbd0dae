"""The certify HTML report in a real headless browser (Debian's Chromium, installed by
scripts/bootstrap_chromium.sh): it loads without a console message or a page error, every plot
renders, and a screenshot shows it.

Chromium runs in its own process group with a throwaway profile under tmp_path and a timeout;
test/process_groups.run kills and reaps the group however the run ends. Three runs per report:
  * --dump-dom of the report itself: the report's own load script marks each [data-plot]
    figure rendered when its SVG has a non-empty box and drawn content and writes the counts
    into #plots-rendered; --enable-logging=stderr shows every console message and uncaught
    error as a 'CONSOLE' line (console.log and console.error alike), and there must be none;
  * --dump-dom of a copy with PROBE first in <head>: it records what the stderr log does not
    show (a resource that failed to load, console.error/warn) into #browser-probe;
  * --screenshot at WINDOW: a PNG of that size that is not one flat colour.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Sequence
from pathlib import Path

import process_groups
import pytest
from PIL import Image

import unit.certify.report_fixtures as rf
from unit.certify.conftest import exported as exported  # noqa: F401 - the real export fixture

CHROMIUM = 'chromium'
RUN_TIMEOUT_S = 60.0  # one page load is about 1 s here
WINDOW = (1280, 2400)
PROBE = """<script>
(function () {
  var seen = [];
  window.addEventListener('error', function (event) {
    var target = event.target && event.target !== window ? event.target : null;
    seen.push(target ? 'resource failed: ' + (target.src || target.href || target.tagName)
                     : 'page error: ' + event.message);
  }, true);
  ['error', 'warn'].forEach(function (level) {
    var original = console[level];
    console[level] = function () {
      seen.push('console.' + level + ': ' + Array.prototype.join.call(arguments, ' '));
      return original.apply(console, arguments);
    };
  });
  window.addEventListener('load', function () {
    var out = document.createElement('pre');
    out.id = 'browser-probe';
    out.setAttribute('data-count', seen.length);
    out.textContent = seen.join('\\n');
    document.body.appendChild(out);
  });
})();
</script>"""


def chromium(tmp_path: Path, url: str, *arguments: str) -> tuple[str, str]:
    """(stdout, stderr) of one headless Chromium run on `url` (exit status 0 required)."""
    executable = shutil.which(CHROMIUM)
    if executable is None:
        pytest.fail('chromium is not installed: run scripts/bootstrap_chromium.sh (as root)')
    profile = tmp_path / f'profile-{len(list(tmp_path.glob("profile-*")))}'
    argv = [executable, '--headless=new', '--no-sandbox', '--disable-gpu',
            f'--user-data-dir={profile}', '--no-first-run', '--disable-extensions',
            '--enable-logging=stderr', '--v=0', *arguments, url]
    done = process_groups.run(argv, timeout=RUN_TIMEOUT_S)
    assert done.returncode == 0, f'chromium exited {done.returncode}:\n{done.stderr[-3000:]}'
    return done.stdout, done.stderr


def console_lines(stderr: str) -> list[str]:
    """Chromium's log lines of console messages and uncaught errors of the page."""
    return [line for line in stderr.splitlines() if ':CONSOLE' in line or 'Uncaught' in line]


def dumped_dom(tmp_path: Path, page: Path) -> tuple[str, list[str]]:
    """The DOM after load (scripts run), and the page's console lines."""
    stdout, stderr = chromium(tmp_path, page.as_uri(), '--virtual-time-budget=10000',
                              '--dump-dom')
    assert '</html>' in stdout, f'no DOM dumped:\n{stderr[-3000:]}'
    return stdout, console_lines(stderr)


def probed(tmp_path: Path, page: Path) -> str:
    """What PROBE recorded on a copy of the page ('' when nothing went wrong)."""
    copy = tmp_path / f'probed-{page.name}'
    copy.write_text(page.read_text().replace('<head>', '<head>' + PROBE, 1))
    dom, _ = dumped_dom(tmp_path, copy)
    found = re.search(r'<pre id="browser-probe" data-count="(\d+)">(.*?)</pre>', dom, re.S)
    assert found is not None, 'the probe did not run (no load event?)'
    return found.group(2)


def rendered(dom: str) -> tuple[int, int, Sequence[str]]:
    """(plots rendered, plots counted) as the page's script wrote them, and the unrendered."""
    output = re.search(r'<output id="plots-rendered" data-total="(\d+)" '
                       r'data-rendered="(\d*)">', dom)
    assert output is not None, 'no #plots-rendered in the DOM'
    missing = re.findall(r'data-plot="([^"]+)" data-rendered="no"', dom)
    return int(output.group(2) or -1), int(output.group(1)), missing


@pytest.fixture(params=['defects', 'export'])
def report(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """A written report: of the synthetic defect episodes, or of the real clean export."""
    if request.param == 'defects':
        return rf.defect_report(tmp_path)[0]
    root = request.getfixturevalue('exported')
    return rf.dataset_report(root, tmp_path / 'export-report' / 'report.html')[0]


@pytest.mark.timeout(240)
def test_the_report_loads_cleanly_renders_every_plot_and_screenshots(
        report: Path, tmp_path: Path) -> None:
    plots = report.read_text().count('data-plot="')
    assert plots > 0
    dom, console = dumped_dom(tmp_path, report)
    assert console == []
    drawn, counted, missing = rendered(dom)
    assert missing == [] and drawn == counted == plots
    assert dom.count('data-rendered="yes"') == plots
    assert probed(tmp_path, report) == ''
    shot = tmp_path / 'report.png'
    _, stderr = chromium(tmp_path, report.as_uri(), f'--screenshot={shot}',
                         f'--window-size={WINDOW[0]},{WINDOW[1]}', '--hide-scrollbars')
    assert console_lines(stderr) == []
    with Image.open(shot) as image:
        assert image.format == 'PNG' and image.size == WINDOW
        colours = image.convert('RGB').getcolors(maxcolors=1 << 16)
    assert colours is None or len(colours) > 16  # text, tables, plots: far from flat
