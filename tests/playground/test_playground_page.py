"""The playground page in a real headless Chromium (Debian's), driven by Playwright.

Each server is a real ``glassnet playground --no-browser --port 0`` process; its address is
read from the one line it prints. One browser serves the whole module.
"""

import json
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest

sync_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")


def _serve(cwd):
    proc = subprocess.Popen(
        [sys.executable, "-m", "glassnet", "playground", "--no-browser", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
    )
    line = proc.stdout.readline()
    match = re.search(r"http://127\.0\.0\.1:\d+/[\w-]+/", line)
    assert match, f"no address in {line!r}: {proc.stderr.read() if proc.poll() else ''}"
    return proc, match.group(0)


def _stop(proc):
    proc.terminate()
    proc.communicate(timeout=10)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    folder = tmp_path_factory.mktemp("playground")
    proc, url = _serve(folder)
    yield folder, url
    _stop(proc)


class Page:
    """A page of the playground, with the console's errors collected."""

    def __init__(self, browser, url):
        self.page = browser.new_page(viewport={"width": 1300, "height": 1000})
        self.errors = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else 0)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(url)
        self.wait(lambda: self.text("param-count") != "-")

    def text(self, testid):
        return self.page.get_by_test_id(testid).first.text_content()

    def click(self, testid):
        self.page.get_by_test_id(testid).first.click()

    def number(self, testid):
        return float(self.text(testid))

    def wait(self, ok, timeout=30.0):  # generous: a loaded machine draws slowly
        end = time.monotonic() + timeout
        while not ok():
            assert time.monotonic() < end, "the page did not update in time"
            self.page.wait_for_timeout(40)

    def boundary_pixels(self):
        return self.page.evaluate(
            "() => { const c = document.querySelector('[data-testid=boundary]');"
            " return Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data"
            ".filter((_, i) => i % 97 === 0)); }"
        )


def _command(url, message):
    request = urllib.request.Request(
        url + "command", data=json.dumps(message).encode(), headers={"Content-Type": "json"}
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())


@pytest.fixture
def page(browser, served):
    start = {"data": "spirals", "plane": "columns", "x_column": None, "y_column": None}
    start |= {"hidden": [8, 8], "activations": ["tanh", "tanh"], "lr": 0.03}
    assert _command(served[1], {"op": "settings", "changes": start})["ok"]
    p = Page(browser, served[1])
    p.click("reset")  # every test starts from the first weights, paused
    p.wait(lambda: p.text("epoch") == "0" and p.text("batch").startswith("0 "))
    yield p
    assert p.errors == []  # the console stayed free of errors
    p.page.close()


def test_play_trains_and_the_loss_falls(page):
    assert page.text("dataset") and "spirals" in page.page.get_by_test_id("dataset").input_value()
    first = page.number("train-loss")
    page.click("play")
    page.wait(lambda: int(page.text("epoch")) >= 15)
    page.click("pause")
    page.wait(lambda: page.page.get_by_test_id("play").is_enabled())
    assert page.number("train-loss") < first - 0.1


def test_step_is_one_batch_and_reset_gives_the_same_first_loss(page):
    first = page.text("train-loss")
    page.click("step")
    page.wait(lambda: page.text("batch").startswith("1 "))
    after_one = page.text("train-loss")
    assert page.text("epoch") == "0" and after_one != first
    page.click("step")
    page.wait(lambda: page.text("batch").startswith("2 "))
    page.click("reset")
    page.wait(lambda: page.text("batch").startswith("0 "))
    assert page.text("train-loss") == first
    page.click("step")
    page.wait(lambda: page.text("batch").startswith("1 "))
    assert page.text("train-loss") == after_one


def test_adding_a_neuron_or_a_layer_changes_the_parameter_count(page):
    before = int(page.text("param-count"))  # 2-8-8-3: 24 + 72 + 27 = 123
    assert before == 123
    page.click("add-neuron")
    page.wait(lambda: page.text("param-count") != str(before))
    assert int(page.text("param-count")) == 123 + 2 + 1 + 8  # a 9th neuron in layer 1
    page.click("add-layer")
    page.wait(lambda: len(page.page.get_by_test_id("activation").all()) == 3)
    page.page.get_by_test_id("activation").nth(2).select_option("relu")
    page.wait(lambda: "relu" in page.page.evaluate("decodeURIComponent(location.hash)"))
    page.page.get_by_test_id("learning-rate").fill("-1")
    page.page.get_by_test_id("learning-rate").press("Enter")
    page.wait(lambda: page.page.get_by_test_id("error").is_visible())
    assert "lr must be a finite number > 0" in page.text("error")
    page.page.get_by_test_id("remove-layer").click()
    page.wait(lambda: len(page.page.get_by_test_id("activation").all()) == 2)
    page.page.get_by_test_id("remove-neuron").first.click()
    page.wait(lambda: page.text("param-count") == "123")


def _explained(run, n):
    done = subprocess.run(
        [sys.executable, "-m", "glassnet", "explain", "--model", str(run), "--sample", str(n)],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.split("neuron by neuron\n", 1)[1].splitlines()[1:]


def _numbers(lines):
    return [float(v) for line in lines for v in re.findall(r"-?\d+\.\d+", line)]


def test_sample_view_equals_explain_and_a_saved_run_reloads(page, served, browser):
    folder, _ = served
    for _ in range(3):
        page.click("step-epoch")
    page.wait(lambda: page.text("epoch") == "3")
    boundary = page.boundary_pixels()  # before a followed sample is ringed on it
    page.page.get_by_test_id("boundary").click(position={"x": 200, "y": 120})
    page.wait(lambda: page.page.get_by_test_id("sample-forward").count() == 1)
    n = int(page.page.get_by_test_id("sample-view").get_attribute("data-index"))
    shown = page.text("sample-forward").splitlines()
    values = page.page.get_by_test_id("sample-values").locator("tr[data-layer]").all()
    page.page.get_by_test_id("save-folder").fill(str(folder / "run"))
    page.click("save")
    page.wait(lambda: "saved to" in page.text("saved-to"))

    expected = _explained(folder / "run", n)
    assert _numbers(shown) == pytest.approx(_numbers(expected[: len(shown)]), abs=1e-6)
    from glassnet import saved  # the full-precision values, against the saved model itself

    model = saved.load(folder / "run")
    data = np.genfromtxt(folder / "run" / "data.csv", delimiter=",", skip_header=1)
    a = model.network_inputs(data[n : n + 1, :-1])
    zs = []
    for m in model.model.layers:
        a = m(a)
        if type(m).__name__ == "Linear":
            zs.append(a.data[0])
    page_z = [float(row.locator("td").nth(2).text_content()) for row in values]
    assert page_z == pytest.approx(np.concatenate(zs).tolist(), abs=1e-6)

    proc, url = _serve(folder)  # a second server, loading the run
    try:
        second = Page(browser, url)
        second.page.get_by_test_id("load-folder").fill(str(folder / "run"))
        second.click("load")
        second.wait(lambda: second.text("epoch") == "3")
        second.wait(lambda: second.boundary_pixels() == boundary)
        assert second.errors == []
        second.page.close()
    finally:
        _stop(proc)


def test_a_request_without_the_token_or_from_another_origin_is_refused(served):
    url = served[1]
    root = url.rsplit("/", 2)[0] + "/"
    wrong = root + "0" * 32 + "/"
    for target, headers in [
        (root, {}),
        (wrong, {}),
        (url, {"Origin": "http://evil.example"}),
        (url + "events", {"Origin": "http://evil.example"}),
    ]:
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(urllib.request.Request(target, headers=headers), timeout=5)
        e.value.close()
        assert e.value.code == 403
    request = urllib.request.Request(
        url + "command",
        data=json.dumps({"op": "play"}).encode(),
        headers={"Origin": "http://evil.example", "Content-Type": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(request, timeout=5)
    e.value.close()
    assert e.value.code == 403


def test_hover_shows_a_formula_and_an_edited_bias_changes_the_boundary(page):
    network = page.page.get_by_test_id("network")
    # 2-8-8-3 on a 560 x 420 canvas: the first hidden neuron sits at (193, 49)
    network.hover(position={"x": 193, "y": 49})
    page.wait(lambda: page.page.get_by_test_id("tip").is_visible())
    assert "z1[0] = W1[0, :] . x + b1[0]" in page.text("tip")
    assert "a1[0] = tanh(z1[0])" in page.text("tip")
    before, loss = page.boundary_pixels(), page.text("train-loss")
    network.click(position={"x": 193, "y": 49})
    page.page.get_by_test_id("edit-value").fill("4")
    page.click("edit-apply")
    page.wait(lambda: page.text("train-loss") != loss)
    assert page.boundary_pixels() != before
    network.hover(position={"x": 193, "y": 49})
    page.wait(lambda: "b1[0] = 4" in page.text("tip"))


def test_an_uploaded_csv_is_read_by_the_same_loader(page):
    upload = page.page.get_by_test_id("upload")
    ragged = b"a,b,label\n1,2,0\n3,4\n"
    upload.set_input_files(files=[{"name": "ragged.csv", "mimeType": "text/csv", "buffer": ragged}])
    page.wait(lambda: page.page.get_by_test_id("error").is_visible())
    assert "ragged.csv, line 3: 2 cells, but the header has 3 columns" in page.text("error")
    assert page.page.get_by_test_id("dataset").input_value() == "spirals"  # nothing changed
    rows = "".join(f"{i % 7},{(i * 3) % 5},{i % 2}\n" for i in range(60))
    good = ("p,q,kind\n" + rows).encode()
    upload.set_input_files(files=[{"name": "mine.csv", "mimeType": "text/csv", "buffer": good}])
    page.wait(lambda: page.page.get_by_test_id("dataset").input_value() == "mine.csv")
    assert page.page.get_by_test_id("x-column").input_value() == "p"
    assert page.text("param-count") == str(2 * 8 + 8 + 8 * 8 + 8 + 8 * 2 + 2)
    page.page.get_by_test_id("dataset").select_option("spirals")
    page.wait(lambda: page.text("param-count") == "123")


def test_play_stops_by_itself_at_the_epoch_asked_for(page, served):
    assert _command(served[1], {"op": "settings", "changes": {"stop_at": 4}})["ok"]
    try:
        page.click("play")
        page.wait(
            lambda: page.page.get_by_test_id("play").is_enabled() and page.text("epoch") == "4"
        )
        page.page.wait_for_timeout(300)
        assert page.text("epoch") == "4"
    finally:
        _command(served[1], {"op": "settings", "changes": {"stop_at": 0}})


def test_the_address_holds_the_settings_and_reproduces_a_setup(browser, served):
    from urllib.parse import quote

    setup = {"hidden": [3], "activations": ["relu"], "seed": 5, "features": ["x1", "x2", "x1*x2"]}
    p = Page(browser, served[1] + "#" + quote(json.dumps(setup)))
    try:
        p.wait(lambda: p.text("param-count") == str(3 * 3 + 3 + 3 * 3 + 3))
        assert p.page.get_by_test_id("seed").input_value() == "5"
        assert p.page.get_by_test_id("feature-x1*x2").is_checked()
        assert p.page.get_by_test_id("activation").first.input_value() == "relu"
        assert p.errors == []
    finally:
        p.page.close()
