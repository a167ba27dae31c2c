"""Tables: column choice, identifiers, one-hot categories, imputation, DataFrames."""

import numpy as np
import pandas as pd
import pytest

from glassnet import Trainer, nn
from glassnet.data import load_dataset, prepare, read_csv
from glassnet.data.columns import check_columns, encode, encoded_names, fit_columns
from glassnet.data.table import Table
from glassnet.errors import DataError, GlassnetError, GlassnetWarning


def write(tmp_path, text, name="t.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def people(n=40, seed=0):
    """A table with a text id, a category, numbers with holes and text labels."""
    rng = np.random.default_rng(seed)
    rows = ["pid,sex,age,bmi,visits,label"]
    for i in range(n):
        sex = "MF"[rng.integers(0, 2)]
        age = "" if i % 9 == 4 else str(int(rng.integers(20, 80)))
        bmi = "NA" if i % 11 == 6 else f"{rng.uniform(18, 35):.1f}"
        label = "high" if rng.random() < 0.5 else "low"
        rows.append(f"P{i:04d},{sex},{age},{bmi},{int(rng.integers(0, 9))},{label}")
    return "\n".join(rows) + "\n"


def test_an_id_column_is_left_out_and_a_text_column_one_hot_encoded(tmp_path):
    ds = read_csv(write(tmp_path, people()))
    assert ds.feature_names == ["sex=F", "sex=M", "age", "bmi", "visits"]
    assert "column 'pid' looks like a row identifier (unique text in every row)" in ds.notes[0]
    onehot = ds.X[:, :2]
    assert set(onehot.sum(axis=1).tolist()) == {1.0}  # exactly one category per row
    assert ds.label_names == ["high", "low"]


def test_rising_whole_numbers_are_an_identifier_unless_named(tmp_path):
    lines = ["row,x,y"] + [f"{i + 100},{(i * 7) % 5},{i % 2}" for i in range(30)]
    path = write(tmp_path, "\n".join(lines) + "\n")
    ds = read_csv(path)
    assert ds.feature_names == ["x"] and "unique whole numbers rising" in ds.notes[0]
    assert read_csv(path, features=["row", "x"]).feature_names == ["row", "x"]


def test_missing_cells_are_filled_with_the_training_median_and_mode(tmp_path):
    text = "a,c,y\n1,u,0\n,v,1\n3,v,0\nNA,?,1\n10,null,0\n5,u,1\n"
    ds = read_csv(write(tmp_path, text))
    spec = {c["name"]: c for c in ds.preprocessing["columns"]}
    assert spec["a"]["fill"] == 4.0  # median of 1, 3, 10, 5
    assert spec["c"] == {"name": "c", "kind": "category", "categories": ["u", "v"], "fill": "u"}
    assert ds.X[:, 0].tolist() == [1, 4, 3, 4, 10, 5]
    assert any("column 'a': 2 missing cells filled with 4.0" in n for n in ds.notes)


def test_statistics_come_from_the_training_rows_only():
    table = Table(["a", "c"], [["1", "2", "100", ""], ["x", "x", "z", ""]], "demo")
    spec, _ = fit_columns(table, ["a", "c"], np.array([0, 1]))
    assert spec["columns"][0]["fill"] == 1.5  # 100 is not a training row
    assert spec["columns"][1]["categories"] == ["x"]  # nor is 'z'
    with pytest.warns(GlassnetWarning, match=r"column 'c': 1 rows hold categories not seen"):
        X = encode(spec, table)
    assert X.tolist() == [[1, 1], [2, 1], [100, 0], [1.5, 1]]  # 'z' is all zeros
    with pytest.raises(DataError, match=r"demo, row 2, column 'c': the category 'z' was not"):
        encode(spec, table, strict=True)


def test_none_is_a_category_in_text_and_missing_in_numbers(tmp_path):
    text = "smoked,n,y\nnone,1,0\ndaily,none,1\nnone,3,0\n?,5,1\n"
    ds = read_csv(write(tmp_path, text))
    assert ds.feature_names == ["smoked=daily", "smoked=none", "n"]
    assert ds.X.tolist() == [[0, 1, 1], [1, 0, 3], [0, 1, 3], [0, 1, 5]]  # '?' -> 'none'


def test_missing_drop_and_error(tmp_path):
    path = write(tmp_path, "a,b,y\n1,2,0\n,3,1\n4,5,0\n6,7,1\n")
    ds = read_csv(path, missing="drop")
    assert ds.X.tolist() == [[1, 2], [4, 5], [6, 7]] and "dropped 1 rows" in ds.notes[0]
    with pytest.raises(DataError, match="line 3, column 'a': missing value"):
        read_csv(path, missing="error")
    every = write(tmp_path, "a,b,y\n,2,0\n1,,1\n", "every.csv")
    with pytest.raises(DataError, match="every row has a missing cell"):
        read_csv(every, missing="drop")


def test_a_declared_categorical_number_column(tmp_path):
    path = write(tmp_path, "zip,x,y\n10,1,0\n2,2,1\n10.0,3,0\n2,4,1\n")
    ds = read_csv(path, categorical=["zip"])
    assert ds.feature_names == ["zip=2", "zip=10", "x"]  # numbers sort by value
    assert ds.X[:, :2].tolist() == [[0, 1], [1, 0], [0, 1], [1, 0]]


@pytest.mark.parametrize(
    "options, message",
    [
        ({"features": ["agee"]}, r"--features: no column 'agee' .*did you mean 'age'\?"),
        ({"drop": ["label"]}, r"--drop: 'label' is the target column"),
        ({"categorical": ["zzz"]}, r"--categorical: no column 'zzz'"),
        ({"target": "lable"}, r"no target column 'lable'; .*did you mean 'label'\?"),
        ({"missing": "guess"}, r"missing must be one of 'impute', 'drop', 'error'"),
    ],
)
def test_bad_column_options_name_the_column(tmp_path, options, message):
    with pytest.raises(GlassnetError, match=message):
        read_csv(write(tmp_path, people()), **options)


def test_a_category_column_of_more_than_1000_values_is_refused(tmp_path):
    lines = ["code,x,y"] + [f"c{i % 1001},{i},{i % 2}" for i in range(1100)]
    with pytest.raises(DataError, match=r"'code' has 1001 distinct values.*--drop code"):
        read_csv(write(tmp_path, "\n".join(lines) + "\n"))


def test_too_many_classes_are_refused_without_force(tmp_path):
    lines = ["x,price"] + [f"{i % 7},{100 + i}" for i in range(40)]
    path = write(tmp_path, "\n".join(lines) + "\n")
    assert prepare(path).dataset.task == "regress"  # 40 distinct whole numbers in 40 rows
    with pytest.raises(DataError, match=r"40 classes in 40 rows.*--force"):
        prepare(path, task="classify")
    assert prepare(path, task="classify", force=True).dataset.n_classes == 40


def test_dataframes_are_read_by_column_name(tmp_path):
    path = write(tmp_path, people())
    df = pd.read_csv(path, keep_default_na=False)
    a, b = read_csv(path), read_csv(df)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    assert a.feature_names == b.feature_names
    c = load_dataset(df[["visits", "label", "sex", "age", "bmi", "pid"]], target="label")
    assert c.feature_names == ["visits", "sex=F", "sex=M", "age", "bmi"]
    twice = pd.DataFrame([[1, 2, 0]], columns=["a", "a", "y"])
    with pytest.raises(DataError, match="DataFrame: the column name 'a' appears twice"):
        read_csv(twice)


def test_a_dataframe_with_nan_and_none_imputes(tmp_path):
    df = pd.DataFrame(
        {"a": [1.0, np.nan, 3.0, 5.0], "c": ["x", None, "x", "y"], "y": [0.5, 1.5, 2.5, 3.5]}
    )
    ds = read_csv(df)
    assert ds.X.tolist() == [[1, 1, 0], [3, 1, 0], [3, 1, 0], [5, 0, 1]]
    assert ds.y.dtype == np.float64 and ds.task == "regress"


def test_trainer_fit_takes_a_numeric_dataframe():
    iris = load_dataset("iris")
    df = pd.DataFrame(iris.X, columns=iris.feature_names)
    a = Trainer(nn.MLP([4, 3], seed=0), epochs=2, progress="none").fit(df, iris.y)
    b = Trainer(nn.MLP([4, 3], seed=0), epochs=2, progress="none").fit(iris.X, iris.y)
    assert a.rows[-1]["loss"] == b.rows[-1]["loss"]
    with pytest.raises(DataError, match="column 's' is not numeric"):
        Trainer(nn.MLP([1, 2], seed=0), progress="none").fit(pd.DataFrame({"s": ["a"]}), [0])


@pytest.mark.parametrize(
    "spec, message",
    [
        ([], "expected an object with a list 'columns'"),
        ({"columns": [{"kind": "number"}]}, r"columns\[0\] has no 'name'"),
        ({"columns": [{"name": "a", "kind": "text"}]}, r"columns\[0\]\.kind is 'text'"),
        ({"columns": [{"name": "a", "kind": "number", "fill": "x"}]}, r"columns\[0\]\.fill"),
        (
            {"columns": [{"name": "a", "kind": "category", "categories": [1]}]},
            r"columns\[0\]\.categories must be a non-empty list of strings",
        ),
        (
            {"columns": [{"name": "a", "kind": "category", "categories": ["u"], "fill": "v"}]},
            r"columns\[0\]\.fill 'v' is not one of its categories",
        ),
        ({"columns": [{"name": "a", "kind": "number"}] * 2}, "'a' appears twice"),
    ],
)
def test_a_bad_preprocessing_entry_is_named(spec, message):
    with pytest.raises(DataError, match=message):
        check_columns(spec, 1)


def test_encoded_names_follow_the_stored_order():
    spec = {
        "columns": [
            {"name": "b", "kind": "category", "categories": ["z", "a"], "fill": None},
            {"name": "a", "kind": "number", "fill": None},
        ]
    }
    assert encoded_names(spec) == ["b=z", "b=a", "a"]
    check_columns(spec, 3)
