"""Tables with category columns and missing cells: the graph takes the raw columns (numbers
with NaN, categories as strings), imputes and one-hot encodes them as the model's
preprocessing does, and answers as SavedModel does on the same raw rows."""

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx_helpers import assert_same_answers, run_onnx, session, train_saved

import glassnet as gn
from glassnet.data.table import Table

HOUSES = Path(__file__).resolve().parents[2] / "examples" / "data" / "houses.csv"

PETS_HEADER = "kind,colour,kg,age,legs,size"


def pets_csv(folder) -> Path:
    """A classification table: text categories, missing numbers and categories."""
    rng = np.random.default_rng(0)
    lines = [PETS_HEADER]
    kinds = {"cat": (4, "small"), "dog": (25, "large"), "bird": (0.4, "small")}
    for i in range(120):
        kind = ["cat", "dog", "bird"][i % 3]
        kg = "" if i % 11 == 0 else f"{kinds[kind][0] * rng.uniform(0.7, 1.3):.2f}"
        colour = ["", "NA", "black", "brown", "green"][i % 5] if i % 4 else "black"
        age = "" if i % 7 == 0 else str(int(rng.integers(1, 15)))
        size = kinds[kind][1] if i % 9 else ("large" if kinds[kind][1] == "small" else "small")
        lines.append(f"{kind},{colour},{kg},{age},{2 if kind == 'bird' else 4},{size}")
    path = Path(folder) / "pets.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_houses_regression_with_categories_and_missing_cells(tmp_path):
    saved, rows = train_saved(tmp_path / "run", HOUSES, target="price", hidden=(6,), epochs=5)
    kinds = {c["name"]: c["kind"] for c in saved.preprocessing["columns"]}
    assert kinds == {
        "neighbourhood": "category",
        "area": "number",
        "rooms": "number",
        "age": "number",
        "garden": "category",
    }
    out = gn.export_onnx(saved, tmp_path / "houses.onnx")
    names = [(i.name, i.type, i.shape) for i in session(out).get_inputs()]
    assert names == [
        ("features", "tensor(double)", ["N", 3]),
        ("neighbourhood", "tensor(string)", ["N"]),
        ("garden", "tensor(string)", ["N"]),
    ]
    assert_same_answers(saved, out, rows)
    whole = Table.from_csv(HOUSES)  # every row, the missing cells among them
    assert_same_answers(saved, out, whole)


def test_a_classifier_on_text_categories_with_missing_cells(tmp_path):
    saved, rows = train_saved(tmp_path / "run", pets_csv(tmp_path), hidden=(5,), epochs=5)
    assert saved.label_names == ["large", "small"]
    out = gn.export_onnx(saved, tmp_path / "pets.onnx")
    assert_same_answers(saved, out, rows)
    ops = {n.op_type for n in onnx.load(out).graph.node}
    assert {"IsNaN", "Where", "Equal", "Concat"} <= ops


@pytest.mark.filterwarnings("ignore::glassnet.errors.GlassnetWarning")  # the unseen category
def test_missing_spellings_and_an_unseen_category_encode_as_saved_model_encodes(tmp_path):
    saved, _ = train_saved(tmp_path / "run", pets_csv(tmp_path), hidden=(5,), epochs=5)
    out = gn.export_onnx(saved, tmp_path / "pets.onnx")
    header = ["kind", "colour", "kg", "age", "legs"]
    cells = [
        ["cat", "", "4.0", "3", "4"],
        ["dog", "NA", "", "", "4"],
        ["bird", "n/a", "0.5", "1", "2"],
        ["cat", "purple", "3.5", "2", "4"],  # a colour never seen in training
        ["dog", "Null", "30", "NaN", "4"],
    ]
    rows = Table(header, [list(col) for col in zip(*cells)], "new pets")
    encoded = saved.encode(rows)
    assert encoded.shape[0] == 5
    assert_same_answers(saved, out, rows)
    got = run_onnx(out, rows, saved)
    assert got["label"].tolist() == saved.predict(rows).tolist()
