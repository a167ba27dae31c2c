"""report.html in a real browser: headless Chromium loads it, every image decodes, nothing
is logged to the console.

A copy of the report gets a small script, placed before everything else in <head>, that
records page errors and, once the page has loaded, writes what it found (images, their
natural widths, the broken ones) into attributes of <body>; ``--dump-dom`` prints the DOM
after loading, and Chromium's log on stderr carries every console message."""

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser

import pytest

from glassnet import nn
from glassnet.data import load_dataset
from glassnet.report.html import write_report
from glassnet.report.recorder import ReportRecorder
from glassnet.train import Trainer

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="headless Chromium is not installed: apt-get install chromium",
)

PROBE = """<script>
window.__errors = [];
window.addEventListener("error", (e) => window.__errors.push(
  e.message || ("failed to load " + (e.target && (e.target.alt || e.target.tagName)))), true);
window.addEventListener("load", () => {
  const imgs = Array.from(document.images);
  const b = document.body;
  b.setAttribute("data-images", String(imgs.length));
  b.setAttribute("data-widths", JSON.stringify(imgs.map((i) => i.naturalWidth)));
  b.setAttribute("data-broken", JSON.stringify(
    imgs.filter((i) => !(i.complete && i.naturalWidth > 0)).map((i) => i.alt)));
  b.setAttribute("data-errors", JSON.stringify(window.__errors));
  b.setAttribute("data-overflow", String(document.documentElement.scrollWidth > innerWidth));
  b.setAttribute("data-sections", String(document.querySelectorAll("section h2").length));
});
</script>"""

_CONSOLE = re.compile(r"CONSOLE[:(]")  # Chromium's log line for a console message or error


class BodyAttrs(HTMLParser):
    def __init__(self, text):
        super().__init__()
        self.attrs = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        if tag == "body" and self.attrs is None:
            self.attrs = dict(attrs)


def open_in_chromium(html_text: str, folder) -> tuple[dict, list[str]]:
    """Load a probed copy of ``html_text``; return the probe's findings and console lines."""
    page = folder / "probed.html"
    page.write_text(html_text.replace("<head>", "<head>\n" + PROBE, 1), encoding="utf-8")
    cmd = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={folder / 'profile'}",
        "--enable-logging=stderr",
        "--v=0",
        "--window-size=1280,900",
        "--virtual-time-budget=5000",
        "--dump-dom",
        page.as_uri(),
    ]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    body = BodyAttrs(run.stdout).attrs
    if run.returncode != 0 or not body or "data-images" not in body:
        pytest.fail(
            f"Chromium did not render the page (exit {run.returncode}):\n{run.stderr[-3000:]}",
            pytrace=False,
        )
    found = {
        "images": int(body["data-images"]),
        "widths": json.loads(body["data-widths"]),
        "broken": json.loads(body["data-broken"]),
        "errors": json.loads(body["data-errors"]),
        "overflow": body["data-overflow"] == "true",
        "sections": int(body["data-sections"]),
    }
    return found, [line for line in run.stderr.splitlines() if _CONSOLE.search(line)]


@pytest.fixture(scope="module")
def report_html(tmp_path_factory):
    ds = load_dataset("spirals", n_samples=300, seed=0)
    model, rec = nn.MLP([2, 16, 8, 3], seed=0), ReportRecorder()
    history = Trainer(model, epochs=4, callbacks=[rec], progress="none").fit(
        ds.X, ds.y, validation_split=0.2
    )
    path = write_report(
        tmp_path_factory.mktemp("report"),
        rec,
        history,
        {"data": "spirals", "hidden": [16, 8]},
        model,
        label_names=ds.label_names,
        X_test=ds.X,
        y_test=ds.y,
        X_2d=ds.X,
        y_2d=ds.y,
    )
    return path.read_text(encoding="utf-8")


def test_the_report_renders_with_every_image_loaded_and_a_silent_console(report_html, tmp_path):
    found, console = open_in_chromium(report_html, tmp_path)
    assert found["images"] == report_html.count("<img ") == 5 + 3
    assert found["broken"] == [] and all(w > 0 for w in found["widths"])
    assert found["errors"] == [] and console == []
    assert found["sections"] == 8
    assert not found["overflow"]  # nothing sticks out sideways at 1280 px


def test_the_probe_sees_a_broken_image_and_a_blocked_fetch(report_html, tmp_path):
    """The check can fail: a corrupt picture and an outside address are both caught."""
    broken = report_html.replace("base64,iVBOR", "base64,AAAA", 1)
    broken = broken.replace("</main>", '<img src="https://example.com/x.png" alt="remote"></main>')
    found, console = open_in_chromium(broken, tmp_path)
    assert len(found["broken"]) == 2 and "remote" in found["broken"]
    assert sorted(found["errors"])[-1] == "failed to load remote" and len(found["errors"]) == 2
    assert any("example.com" in line for line in console)  # refused by the page's policy
