"""How fast the playground is, measured in Debian's headless Chromium with Playwright.

On spirals (500 points, the page's default 70/30 split) with the default 2-8-8-3 network
(tanh, Adam, batches of 32), it reports:

- training epochs per second while the page plays and redraws everything it shows;
- redraws of the page per second (each one draws the 100 x 100 boundary, the points, the
  network with its heat maps and the curves), counted in the page as the frames arrive;
- milliseconds from a click on a point to its sample view on the page (the server's
  forward and backward pass, the answer, the drawing), the median of 15 clicks.

Targets: at least 30 epochs per second with at least 10 redraws per second, and a sample
view in under 200 ms. Run it alone, from the repository's root::

    python benchmarks/playground.py [--seconds 5] [--screenshots docs/images]

``--screenshots DIR`` also saves the pictures of the README: the page after a short
training run, and the sample view of one followed point.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
COUNT_REDRAWS = """seconds => new Promise(done => {
  let n = 0;
  const epoch = document.querySelector('[data-testid=epoch]');
  const seen = new MutationObserver(records => { n += records.length; });
  seen.observe(epoch, {childList: true, characterData: true, subtree: true});
  const first = Number(epoch.textContent);
  setTimeout(() => { seen.disconnect(); done([n, Number(epoch.textContent) - first]); },
             seconds * 1000);
})"""
CLICK_TO_VIEW = """([x, y]) => new Promise(done => {
  const view = document.querySelector('[data-testid=sample-view]');
  const canvas = document.querySelector('[data-testid=boundary]');
  const box = canvas.getBoundingClientRect();
  const start = performance.now();
  new MutationObserver((_, o) => { o.disconnect(); done(performance.now() - start); })
    .observe(view, {childList: true});
  canvas.dispatchEvent(new MouseEvent('click',
    {clientX: box.left + x, clientY: box.top + y, bubbles: true}));
})"""


def _points(url: str, n: int) -> list[list[float]]:
    """Canvas positions (the boundary is 400 x 400) of ``n`` points, read from the stream."""
    with urllib.request.urlopen(url + "events", timeout=10) as stream:
        for line in stream:
            if line.startswith(b"data: "):
                data = json.loads(line[6:])
                break
    x0, x1, y0, y1 = data["extent"]
    step = len(data["x"]) // n
    return [
        [(data["x"][i] - x0) / (x1 - x0) * 400, (y1 - data["y"][i]) / (y1 - y0) * 400]
        for i in range(0, step * n, step)
    ]


def _screenshots(page, folder: str) -> None:
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    page.mouse.move(10, 10)
    page.locator("main").screenshot(path=out / "playground.png")
    page.get_by_test_id("sample-view").screenshot(path=out / "playground-sample.png")


def measure(seconds: float, shots: str | None = None) -> dict:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder:
        proc = subprocess.Popen(
            [sys.executable, "-m", "glassnet", "playground", "--no-browser", "--port", "0"],
            stdout=subprocess.PIPE,
            text=True,
            cwd=folder,
        )
        try:
            url = re.search(r"http://\S+/", proc.stdout.readline()).group(0)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
                page = browser.new_page(viewport={"width": 1300, "height": 1000})
                page.goto(url)
                page.wait_for_function(
                    "document.querySelector('[data-testid=param-count]').textContent !== '-'"
                )
                page.get_by_test_id("play").click()
                page.wait_for_timeout(500)
                redraws, epochs = page.evaluate(COUNT_REDRAWS, seconds)
                page.get_by_test_id("pause").click()
                page.wait_for_timeout(300)
                spots = _points(url, 15)
                clicks = [page.evaluate(CLICK_TO_VIEW, xy) for xy in spots]
                if shots:
                    _screenshots(page, shots)
                browser.close()
        finally:
            proc.terminate()
            proc.communicate(timeout=10)
    return {
        "epochs_per_s": epochs / seconds,
        "redraws_per_s": redraws / seconds,
        "sample_view_ms": statistics.median(clicks),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="how long to play")
    parser.add_argument("--screenshots", metavar="DIR", help="also save the README's pictures")
    args = parser.parse_args()
    r = measure(args.seconds, args.screenshots)
    print(f"epochs per second while redrawing: {r['epochs_per_s']:.1f} (target >= 30)")
    print(f"page redraws per second:           {r['redraws_per_s']:.1f} (target >= 10)")
    print(f"click to sample view, median:      {r['sample_view_ms']:.0f} ms (target < 200)")


if __name__ == "__main__":
    main()
