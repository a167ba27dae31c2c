"""The playground without a browser: settings and commands checked before anything changes,
the gate of the server, the sample view against the engine, a saved run against the CLI."""

import http.client
import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest

from glassnet import nn, saved
from glassnet.errors import DataError, ModelFileError, SettingError
from glassnet.playground import actions, glass, runs
from glassnet.playground.server import PlaygroundServer
from glassnet.playground.session import Session

SMALL = {"n_samples": 120, "hidden": [5, 4]}


@pytest.fixture
def server():
    srv = PlaygroundServer(Session(settings=SMALL), port=0)
    import threading

    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield srv
    srv.close()
    thread.join(5)


def _weights(session):
    return [p.data.copy() for p in session.model.parameters()]


@pytest.mark.parametrize(
    "message, words",
    [
        ({"op": "settings", "changes": {"hidden": [10000]}}, "10000 neurons"),
        ({"op": "settings", "changes": {"lr": -0.1}}, "lr must be a finite number > 0"),
        ({"op": "settings", "changes": {"lr": "fast"}}, "lr must be a finite number > 0"),
        ({"op": "settings", "changes": {"depth": 3}}, "unknown setting 'depth'"),
        ({"op": "settings", "changes": {"data": "/etc/passwd"}}, "data must be one of"),
        ({"op": "settings", "changes": {"activations": ["swish", "tanh"]}}, "'swish'"),
        ({"op": "settings", "changes": {"batch_size": 0}}, "batch_size must be a positive"),
        ({"op": "settings", "changes": {"dropout": 1.0}}, "dropout must be a number in [0, 1)"),
        ({"op": "step", "unit": "batch", "extra": 1}, "unknown field 'extra'"),
        ({"op": "launch"}, "op must be one of"),
        ({"op": "sample", "index": 10**6}, "index must be a row number"),
        ({"op": "edit", "layer": 9, "neuron": 0, "input": 0, "value": 1.0}, "layer must be below"),
        ({"op": "edit", "layer": 0, "neuron": 0, "input": 0, "value": "x"}, "finite number"),
        ({"op": "edit", "layer": 0, "neuron": 0, "input": 0, "value": 1e300}, "at most 3.4e+38"),
        ({"op": "load", "folder": "/no/such/run"}, "/no/such/run"),
        ([1, 2], "JSON object"),
    ],
)
def test_a_bad_command_is_one_line_and_changes_nothing(server, message, words):
    before, settings = _weights(server.session), dict(server.session.settings)
    status, reply = actions.handle(server, message)
    assert status == 200 and reply["ok"] is False
    assert words in reply["error"] and "\n" not in reply["error"]
    assert server.session.settings == settings
    assert all(np.array_equal(a, b) for a, b in zip(before, _weights(server.session)))


def test_settings_follow_the_cli_rules():
    with pytest.raises(SettingError, match="hidden layer of 33 neurons"):
        Session(settings={"hidden": [33]})
    s = Session(settings={**SMALL, "hidden": [3], "activations": ["relu"]})
    s.update({"hidden": [3, 2]})  # a new layer takes the last layer's activation
    assert s.settings["activations"] == ["relu", "relu"] and s.model.sizes == [2, 3, 2, 3]
    assert [type(m).__name__ for m in s.model.layers][1::2] == ["ReLU", "ReLU"]


def _request(srv, method="GET", path=None, headers=None, body=None):
    host, port = srv.server_address[:2]
    conn = http.client.HTTPConnection(host, port, timeout=5)
    conn.request(method, path or urlsplit(srv.url).path, body=body, headers=headers or {})
    response = conn.getresponse()
    status = response.status
    response.read()
    conn.close()
    return status


def test_the_gate_refuses_a_missing_token_a_wrong_one_and_foreign_hosts(server):
    port = server.server_address[1]
    assert _request(server) == 200
    assert _request(server, path="/") == 403
    assert _request(server, path="/" + "x" * len(server.token) + "/") == 403
    assert _request(server, headers={"Origin": "http://evil.example"}) == 403
    assert _request(server, headers={"Origin": f"http://localhost:{port}"}) == 200
    assert _request(server, headers={"Host": f"evil.example:{port}"}) == 403  # DNS rebinding
    body = json.dumps({"op": "step", "unit": "batch"})
    command = urlsplit(server.url).path + "command"
    evil = {"Origin": "http://evil.example", "Content-Type": "application/json"}
    assert _request(server, "POST", command, evil, body) == 403
    assert server.session.steps == 0  # the refused command did nothing
    assert _request(server, "POST", command, {"Content-Type": "application/json"}, body) == 200
    assert server.session.steps == 1
    assert _request(server, path=urlsplit(server.url).path + "../../etc/passwd") in (403, 404)


def test_step_reset_and_new_seed():
    s = Session(settings=SMALL)
    first = s.losses()
    s.step_batch()
    after_one = s.losses()
    assert s.steps == 1 and s.batch == 1 and after_one != first
    s.reset()
    assert s.steps == 0 and s.losses() == first
    s.step_batch()
    assert s.losses() == after_one  # the same first weights and the same first batch
    s.reset(new_seed=True)
    assert s.settings["seed"] == 1 and s.losses() != first


def test_the_sample_backward_pass_matches_finite_differences():
    s = Session(settings={**SMALL, "activations": ["tanh", "sigmoid"]})
    s.step_epoch()
    view = glass.sample_view(s, 7)
    for L in view["layers"]:  # each gradient is its chain-rule factors multiplied
        np.testing.assert_allclose(L["dz"], np.multiply(L["da"], L["local"]), rtol=1e-5, atol=1e-7)
    lin = s.linears()[1]
    j, i, eps = 2, 1, 1e-2
    losses = []
    for sign in (1, -1):
        lin.weight.data[j, i] += sign * eps
        losses.append(glass.sample_view(s, 7)["loss"])
        lin.weight.data[j, i] -= sign * eps
    numeric = (losses[0] - losses[1]) / (2 * eps)
    assert view["layers"][1]["dW"][j][i] == pytest.approx(numeric, rel=2e-2, abs=1e-5)
    assert all(p.grad is None or not np.any(p.grad) for p in s.model.parameters())


def test_a_saved_run_is_read_by_evaluate_and_explain(tmp_path, capsys, monkeypatch):
    from glassnet.cli import main

    monkeypatch.setenv("COLUMNS", "400")  # explain's lines unwrapped
    s = Session(settings={**SMALL, "features": ["x1", "x2", "x1*x2"], "hidden": [6]})
    for _ in range(3):
        s.step_epoch()
    out = runs.save_run(s, tmp_path / "run")
    assert {"model.safetensors", "run.json", "report.html", "data.csv"} <= {
        p.name for p in out.iterdir()
    }
    assert saved.load(out).feature_names == ["x1", "x2", "x1*x2"]
    plane = s.plane
    logits = nn.predict_logits(s.model, plane.X[plane.test])
    accuracy = float((logits.argmax(axis=1) == plane.y[plane.test]).mean())
    assert main(["evaluate", "--model", str(out)]) == 0
    assert capsys.readouterr().out.startswith(f"accuracy {accuracy:.3f} on {len(plane.test)} rows")
    n = int(plane.test[0])
    assert main(["explain", "--model", str(out), "--sample", str(n)]) == 0
    lines = capsys.readouterr().out.split("neuron by neuron\n", 1)[1].splitlines()
    page = glass.sample_view(s, n)
    assert lines[1] == page["standardised"]
    assert lines[2 : 2 + len(page["forward"])] == page["forward"]


def test_load_puts_back_the_settings_and_weights(tmp_path):
    s = Session(settings={**SMALL, "seed": 3})
    s.step_epoch()
    out = runs.save_run(s, tmp_path / "run")
    other = Session(settings=SMALL)
    runs.load_run(other, out)
    assert other.settings == s.settings and other.losses() == s.losses()
    with pytest.raises(ModelFileError, match="already holds a run"):
        runs.save_run(s, out)


def test_the_command_line_prints_one_address_and_stops_on_ctrl_c(tmp_path):
    import signal

    proc = subprocess.Popen(
        [sys.executable, "-m", "glassnet", "playground", "--no-browser", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    line = proc.stdout.readline()
    assert line.startswith("glassnet playground at http://127.0.0.1:")
    proc.send_signal(signal.SIGINT)  # at once: before or while it serves, it must stop
    try:
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
        proc.communicate()
    assert proc.returncode == 0 and "stopped" in out and err == ""


def test_close_before_serving_does_not_wait_forever():
    srv = PlaygroundServer(Session(settings=SMALL), port=0)
    srv.close()  # as after a Ctrl-C that came before serve_forever
    srv.serve_forever()  # returns at once: the server is closed
    assert srv.closing and not srv.serving


def test_the_page_files_are_in_the_package():
    static = Path(glass.__file__).parent / "static"
    names = {p.name for p in static.iterdir()}
    assert {"index.html", "app.js", "network.js", "boundary.js", "curves.js", "sample.js"} <= names


def test_a_table_is_drawn_in_two_columns_and_a_regression_takes_squared_error(tmp_path):
    s = Session(settings={"data": "iris", "x_column": "petal_length", "y_column": "petal_width"})
    assert s.plane.axes == ["petal_length", "petal_width"] and s.model.sizes == [2, 8, 8, 3]
    s.update({"data": "diabetes", "x_column": None, "y_column": None})
    assert s.settings["loss"] == "mse" and s.plane.task == "regress" and s.model.sizes[-1] == 1
    with pytest.raises(SettingError, match="'cross_entropy' takes classes"):
        s.update({"loss": "cross_entropy", "seed": 2})
    assert s.settings["seed"] == 0  # refused: nothing changed


def test_a_csv_from_the_command_line_is_read_by_the_same_loader(tmp_path):
    good, bad = tmp_path / "points.csv", tmp_path / "ragged.csv"
    good.write_text("a,b,label\n" + "".join(f"{i % 7},{i % 5},{i % 2}\n" for i in range(40)))
    bad.write_text("a,b,label\n1,2,0\n3,4\n")
    s = Session(csv_paths=[str(good), str(bad)])
    s.start({"data": "points.csv"})
    assert s.plane.axes == ["a", "b"] and len(s.plane.y) == 40
    with pytest.raises(DataError, match="ragged.csv, line 3") as e:
        s.update({"data": "ragged.csv"})
    assert "\n" not in str(e.value) and s.settings["data"] == "points.csv"


def test_the_principal_plane_is_scikit_learns_pca_of_the_training_rows():
    from sklearn.decomposition import PCA
    from sklearn.preprocessing import StandardScaler

    from glassnet.data import load_dataset

    s = Session(settings={"data": "wine", "plane": "pca"})
    X = np.asarray(load_dataset("wine").X, dtype=np.float64)
    scaler = StandardScaler().fit(X[s.plane.train])
    pca = PCA(n_components=2).fit(scaler.transform(X[s.plane.train]))
    expected = pca.transform(scaler.transform(X))
    signs = np.sign(np.sum(expected * s.plane.P, axis=0))  # a component's sign is arbitrary
    np.testing.assert_allclose(s.plane.P, expected * signs, atol=1e-8)
    assert s.plane.axes == ["PC1", "PC2"] and s.plane.feature_names == ["PC1", "PC2"]


def test_a_new_batch_size_mid_epoch_and_a_diverging_loss_shown_as_null(server):
    s = server.session
    s.step_batch()
    s.step_batch()  # 64 of the 84 training rows done
    s.update({"batch_size": 50})
    s.step_epoch()  # the 20 rows left, then a new epoch
    assert (s.epoch, s.batch, s.steps) == (1, 0, 3)
    s.update({"lr": 1e30, "optimizer": "sgd", "activations": ["relu", "relu"]})
    for _ in range(30):
        status, reply = actions.handle(server, {"op": "step", "unit": "batch"})
        if not reply["ok"]:
            break
    assert "infinite or NaN" in reply["error"] and "lower the learning rate" in reply["error"]

    def refuse(word):
        raise AssertionError(f"{word} in a frame: JavaScript's JSON.parse refuses it")

    frame = json.loads(server.frame_json, parse_constant=refuse)
    assert frame["train_loss"] is None and frame["steps"] >= 1  # diverged: sent as null


def test_squared_error_on_classes_is_that_of_the_probabilities_to_one_hot():
    s = Session(settings={**SMALL, "loss": "mse"})
    out = nn.predict_logits(s.model, s.plane.X).astype(np.float64)
    p = np.exp(out - out.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    onehot = np.eye(3)[s.plane.y]
    rows = s.plane.train
    assert s.losses()[0] == pytest.approx(np.mean((p[rows] - onehot[rows]) ** 2), rel=1e-5)
