"""report.html: its sections, inline images, numbers and errors, read back from the HTML."""

import base64
import re
import struct
import subprocess
import sys
from html import escape as html_escape
from html.parser import HTMLParser

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, confusion_matrix, r2_score

from glassnet import nn
from glassnet.data import Standardizer, load_dataset, train_val_test_split
from glassnet.errors import DataError, SettingError, ShapeError, TrainingDiverged
from glassnet.nn import predict_logits
from glassnet.report.html import SECTIONS, render_report, write_report
from glassnet.report.recorder import ADVICE, ReportRecorder
from glassnet.train import History, Trainer

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class Page(HTMLParser):
    """The parts of a page the tests look at: tags, sections, images and table cells."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags, self.sections, self.images, self.tables = [], [], [], []
        self._h2 = self._cell = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "section":
            self.sections.append([attrs.get("id"), ""])
        elif tag == "h2":
            self._h2 = ""
        elif tag == "img":
            self.images.append(attrs)
        elif tag == "table":
            self.tables.append({"class": attrs.get("class"), "rows": []})
        elif tag == "tr":
            self.tables[-1]["rows"].append([])
        elif tag in ("td", "th"):
            self._cell = ""

    def handle_endtag(self, tag):
        if tag == "h2":
            self.sections[-1][1], self._h2 = self._h2, None
        elif tag in ("td", "th"):
            self.tables[-1]["rows"][-1].append(self._cell.strip())
            self._cell = None

    def handle_data(self, data):
        if self._h2 is not None:
            self._h2 += data
        if self._cell is not None:
            self._cell += data

    def table(self, first_header: str) -> list[list[str]]:
        return next(t["rows"] for t in self.tables if t["rows"][0][0] == first_header)


def _png_size(uri: str) -> tuple[int, int]:
    head, _, payload = uri.partition(",")
    assert head == "data:image/png;base64"
    data = base64.b64decode(payload, validate=True)
    assert data[:8] == PNG_MAGIC and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def _train(model, X, y, **kw):
    rec = ReportRecorder()
    history = Trainer(model, callbacks=[rec], progress="none", **kw).fit(X, y)
    return rec, history


@pytest.fixture(scope="module")
def moons_run():
    ds = load_dataset("moons", n_samples=300, seed=0)
    s = train_val_test_split(ds.X, ds.y, val_size=0.2, test_size=0.2, seed=0, stratify=True)
    scaler = Standardizer().fit(s.X_train)
    model = nn.MLP([2, 12, 6, 2], seed=0)
    rec = ReportRecorder()
    history = Trainer(model, epochs=6, callbacks=[rec], progress="none").fit(
        scaler.transform(s.X_train), s.y_train, validation_data=(scaler.transform(s.X_val), s.y_val)
    )

    def predict(X):
        return predict_logits(model, scaler.transform(X)).argmax(axis=1)

    settings = {
        "data": "moons",
        "hidden": [12, 6],
        "lr": 0.01,
        "early_stopping": None,
        "note": "<b>bold</b> & co",
    }
    names = ["lower <moon>", "upper & moon"]
    html = render_report(
        rec,
        history,
        settings,
        model,
        label_names=names,
        feature_names=["x1", "x2"],
        X_test=s.X_test,
        y_test=s.y_test,
        X_2d=ds.X,
        y_2d=ds.y,
        predict=predict,
        title="Moons run",
    )
    return {
        "html": html,
        "page": Page(html),
        "model": model,
        "split": s,
        "predict": predict,
        "names": names,
        "rec": rec,
    }


def test_every_section_is_there_in_order_with_its_heading(moons_run):
    assert [tuple(s) for s in moons_run["page"].sections] == SECTIONS
    assert "<title>Moons run</title>" in moons_run["html"]


def test_every_image_is_an_inline_png_with_a_description(moons_run):
    images = moons_run["page"].images
    n_layers = 3
    assert len(images) == 1 + 1 + 1 + 1 + 1 + n_layers  # net, curves, confusion, boundary, norms
    for img in images:
        width, height = _png_size(img["src"])
        assert width > 50 and height > 50
        assert img["alt"]


def test_nothing_is_fetched_from_anywhere_else(moons_run):
    html, page = moons_run["html"], moons_run["page"]
    assert "http://" not in html and "https://" not in html
    banned = {"script", "link", "iframe", "object", "embed", "audio", "video", "source", "base"}
    assert not [t for t, _ in page.tags if t in banned]
    for tag, attrs in page.tags:
        for key in ("src", "href", "srcset", "action", "data"):
            value = attrs.get(key)
            assert value is None or value.startswith(("data:image/png;base64,", "#")), (tag, key)
    style = html.split("<style>")[1].split("</style>")[0]
    assert "url(" not in style and "@import" not in style and "@font-face" not in style
    csp = [a["content"] for t, a in page.tags if a.get("http-equiv") == "Content-Security-Policy"]
    assert csp == ["default-src 'none'; img-src data:; style-src 'unsafe-inline'"]


def test_settings_are_listed_as_given_and_escaped(moons_run):
    rows = moons_run["page"].table("setting")
    assert rows[1:] == [
        ["data", "moons"],
        ["hidden", "12, 6"],
        ["lr", "0.01"],
        ["early_stopping", "(default)"],
        ["note", "<b>bold</b> & co"],
    ]
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; co" in moons_run["html"]
    assert "<b>bold</b>" not in moons_run["html"]


def test_the_confusion_matrix_is_scikit_learns_with_the_label_names(moons_run):
    s, predict = moons_run["split"], moons_run["predict"]
    expected = confusion_matrix(s.y_test, predict(s.X_test), labels=[0, 1])
    rows = moons_run["page"].table("true \u2193 / predicted \u2192")
    assert rows[0][1:3] == moons_run["names"]
    assert [r[0] for r in rows[1:]] == moons_run["names"]
    assert [[int(c) for c in r[1:3]] for r in rows[1:]] == expected.tolist()
    right = [f"{expected[i, i] / expected[i].sum():.0%} of {expected[i].sum()}" for i in (0, 1)]
    assert [r[3] for r in rows[1:]] == right


def test_the_summary_holds_the_last_epoch_and_the_test_accuracy(moons_run):
    s, predict, rec = moons_run["split"], moons_run["predict"], moons_run["rec"]
    rows = dict((r[0], r[1]) for r in moons_run["page"].table("")[1:])
    acc = accuracy_score(s.y_test, predict(s.X_test))
    shown, low, high = re.fullmatch(
        r"(\S+) \(95% interval (\S+) to (\S+)\)", rows["test accuracy"]
    ).groups()
    assert float(shown) == pytest.approx(acc, abs=5e-4)
    from scipy.stats import binomtest  # the Wilson interval, computed independently

    n = len(s.y_test)
    ci = binomtest(round(acc * n), n).proportion_ci(0.95, method="wilson")
    assert (float(low), float(high)) == pytest.approx((ci.low, ci.high), abs=5e-4)
    assert rows["epochs trained"] == "6" and "val_loss (last epoch)" in rows
    assert rows["gradients"] == "no vanishing or exploding gradients"
    assert rec.gradient_flags() == []


def test_the_kept_epoch_is_named_in_the_summary_and_marked_on_the_curves(moons_run):
    rec, model = moons_run["rec"], moons_run["model"]
    history = History(
        [
            {
                "epoch": e,
                "loss": 1 / e,
                "accuracy": 0.5,
                "val_loss": abs(e - 3) + 0.25,
                "val_accuracy": 0.5,
            }
            for e in range(1, 7)
        ]
    )
    page = Page(render_report(rec, history, {}, model, kept_epoch=3))
    rows = dict((r[0], r[1]) for r in page.table("")[1:])
    assert rows["weights kept"].startswith("epoch 3, the lowest val_loss (0.25): the saved model")
    plain = [Page(render_report(rec, history, {}, model, kept_epoch=k)) for k in (6, None)]
    for other in plain:  # the last epoch kept, or nothing said: no row, no dashed line
        assert "weights kept" not in dict((r[0], r[1]) for r in other.table("")[1:])
    curves = render_report(rec, history, {}, model, kept_epoch=3).split('id="curves"')[1]
    assert "The dashed line marks epoch 3, whose weights were kept" in curves
    assert all(
        "dashed line" not in render_report(rec, history, {}, model, kept_epoch=k) for k in (6, None)
    )


def test_the_network_table_has_every_linear_layer_with_its_shapes(moons_run):
    rows = moons_run["page"].table("layer")
    params = dict(moons_run["model"].named_parameters())
    assert [r[0] for r in rows[1:]] == ["layers.0", "layers.2", "layers.4"]
    for name, _, shape, count in rows[1:]:
        w, b = params[f"{name}.weight"], params[f"{name}.bias"]
        assert shape == str(w.shape) and int(count) == w.size + b.size
    assert f"{moons_run['model'].num_parameters()} learned numbers in all" in moons_run["html"]
    assert "then ReLU" in rows[1][1] and "(the output)" in rows[3][1]


def test_the_gradient_table_shows_each_layers_first_and_last_norm(moons_run):
    rec = moons_run["rec"]
    (rows,) = [t["rows"] for t in moons_run["page"].tables if t["rows"][0][1] == "norm, epoch 1"]
    for name, first, last, status in rows[1:]:
        assert float(first) == pytest.approx(rec.grad_norms[name][0], rel=2e-3)
        assert float(last) == pytest.approx(rec.grad_norms[name][-1], rel=2e-3)
        assert status == "healthy"


def test_predict_is_used_for_the_test_set_and_over_the_plane():
    ds = load_dataset("xor", n_samples=120, seed=0)
    model = nn.MLP([2, 4, 2], seed=0)
    rec, history = _train(model, ds.X, ds.y, epochs=1)
    calls = []

    def always_first_class(X):
        calls.append(np.array(X))
        return np.zeros(len(X), dtype=np.int64)

    html = render_report(
        rec,
        history,
        {},
        model,
        X_test=ds.X[:40],
        y_test=ds.y[:40],
        X_2d=ds.X,
        y_2d=ds.y,
        predict=always_first_class,
    )
    rows = Page(html).table("true \u2193 / predicted \u2192")
    counts = np.bincount(ds.y[:40], minlength=2)
    assert [[int(c) for c in r[1:3]] for r in rows[1:]] == [[counts[0], 0], [counts[1], 0]]
    grid = calls[-1]
    assert grid.shape == (200 * 200, 2)
    lo, hi = ds.X.min(axis=0), ds.X.max(axis=0)
    assert (grid.min(axis=0) < lo).all() and (grid.max(axis=0) > hi).all()  # a margin around


def test_without_predict_the_models_own_arg_max_is_used():
    ds = load_dataset("xor", n_samples=120, seed=0)
    model = nn.MLP([2, 4, 2], seed=0)
    rec, history = _train(model, ds.X, ds.y, epochs=1)
    html = render_report(rec, history, {}, model, X_test=ds.X, y_test=ds.y)
    rows = Page(html).table("true \u2193 / predicted \u2192")
    ours = predict_logits(model, ds.X).argmax(axis=1)
    assert [[int(c) for c in r[1:3]] for r in rows[1:]] == confusion_matrix(ds.y, ours).tolist()
    assert [r[0] for r in rows[1:]] == ["0", "1"]  # default label names


def test_a_regression_report_has_no_boundary_and_scores_its_predictions():
    ds = load_dataset("sine", n_samples=150, seed=0)
    y = ds.y.astype(np.float32)
    model = nn.MLP([1, 8, 1], activation="tanh", seed=0)
    rec, history = _train(model, ds.X, y, task="regress", epochs=4)
    html = render_report(
        rec, history, {"data": "sine"}, model, task="regress", X_test=ds.X[:50], y_test=y[:50]
    )
    page = Page(html)
    ids = [sid for sid, _ in page.sections]
    assert ids == ["summary", "settings", "network", "curves", "test", "gradients", "layers"]
    r2 = r2_score(y[:50], predict_logits(model, ds.X[:50]).reshape(-1))
    rows = dict((r[0], r[1]) for r in page.table("")[1:])
    assert float(rows["test r2"]) == pytest.approx(r2, abs=5e-4)
    assert [t["class"] for t in page.tables if t["class"]] == []  # no confusion matrix
    assert len(page.images) == 1 + 1 + 1 + 1 + 2  # net, curves, scatter, norms, 2 layers


def test_vanishing_gradients_are_flagged_with_the_rule_and_the_advice():
    ds = load_dataset("moons", n_samples=100, seed=0)
    model = nn.MLP([2] + [6] * 10 + [2], activation="sigmoid", seed=0)
    rec, history = _train(model, ds.X, ds.y, epochs=1, optimizer="sgd", lr=0.1)
    html = render_report(rec, history, {}, model)
    page = Page(html)
    (rows,) = [t["rows"] for t in page.tables if t["rows"][0][1] == "norm, epoch 1"]
    assert rows[0] == ["layer", "norm, epoch 1", "status"]  # one epoch: one norm column
    status = {r[0]: r[-1] for r in rows[1:]}
    flagged = {f.layer for f in rec.gradient_flags()}
    assert "layers.0" in flagged and status["layers.0"] == "vanishing"
    assert all(status[n] == "healthy" for n in rec.layer_names if n not in flagged)
    assert html_escape(ADVICE["vanishing"]) in html
    assert "warning(s): see Gradient flow" in html
    assert "more than 1000 times smaller than the output layer" in html  # the rule, shown


def test_a_diverged_run_still_gets_a_report_with_its_explosion():
    ds = load_dataset("moons", n_samples=200, seed=0)
    model, rec = nn.MLP([2, 16, 16, 2], seed=0), ReportRecorder()
    trainer = Trainer(model, epochs=3, optimizer="sgd", lr=100.0, callbacks=[rec], progress="none")
    with pytest.raises(TrainingDiverged):
        trainer.fit(ds.X * 1e4, ds.y)
    html = render_report(rec, trainer.history, {"lr": 100.0}, model)
    assert rec.weights_end and rec.grads_end  # taken when the report was written
    assert "Exploding gradients" in html and "not a finite number" in html
    assert "No epoch was trained" in html
    for img in Page(html).images:
        _png_size(img["src"])


def test_a_recorder_that_never_ran_gives_a_page_that_says_so():
    model = nn.MLP([3, 4, 2], seed=0)
    empty = np.zeros((0, 3))  # an empty test split counts as none
    html = render_report(ReportRecorder(), History(), {}, model, X_test=empty, y_test=[])
    assert "No gradients were recorded" in html and "No snapshots were recorded" in html
    assert [sid for sid, _ in Page(html).sections] == [
        "summary",
        "settings",
        "network",
        "curves",
        "gradients",
        "layers",
    ]


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"task": "cluster"}, SettingError, "task must be one of 'classify', 'regress'"),
        ({"X_test": np.zeros((4, 2))}, DataError, "give both X_test and y_test"),
        ({"X_test": np.zeros((4, 2)), "y_test": np.zeros(3)}, DataError, "4 rows vs 3"),
        ({"X_2d": np.zeros((4, 3)), "y_2d": np.zeros(4)}, ShapeError, r"\(n_samples, 2\)"),
        ({"y_2d": np.zeros(4)}, DataError, "give both X_2d and y_2d"),
        (
            {"X_2d": np.zeros((4, 2)), "y_2d": np.zeros(4), "task": "regress"},
            DataError,
            "needs task='classify'",
        ),
    ],
)
def test_inconsistent_inputs_are_refused(kwargs, error, match):
    with pytest.raises(error, match=match):
        render_report(ReportRecorder(), History(), {}, nn.MLP([2, 2], seed=0), **kwargs)


def test_write_report_writes_report_html_in_a_folder_and_replaces_it(tmp_path):
    model = nn.MLP([2, 3, 2], seed=0)
    ds = load_dataset("xor", n_samples=60, seed=0)
    rec, history = _train(model, ds.X, ds.y, epochs=1)
    first = write_report(tmp_path, rec, history, {"run": 1}, model)
    assert first == tmp_path / "report.html"
    second = write_report(tmp_path / "report.html", rec, history, {"run": 2}, model)
    assert second == first and "<code>run</code></td><td>2</td>" in first.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]  # no temporary left


def test_importing_glassnet_and_the_report_modules_does_not_import_matplotlib():
    code = "import sys, glassnet, glassnet.report; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
