import numpy as np
import pytest

from glassnet.data import Standardizer, read_csv, read_features_csv
from glassnet.errors import DataError, GlassnetError, SettingError


def write(tmp_path, text, name="data.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


# (file content, read_csv options, fragments the message must contain)
BAD_FILES = [
    ("a,b,y\n1,2,x\n3,,y\n", {"missing": "error"}, ["line 3", "column 'b'", "missing value"]),
    ("a,b,y\n1,2,x\n3,NA,y\n", {"missing": "error"}, ["line 3", "column 'b'", "missing value"]),
    ("a,b,y\n1,2,x\nnan,4,y\n", {"missing": "error"}, ["line 3", "column 'a'", "missing value"]),
    ("a,b,y\n1,2,x\n1,abc,x\n1,3,y\n", {}, ["line 3", "column 'b'", "'abc' is not a number"]),
    ("a,b,y\n1,2,x\n1,inf,x\n", {}, ["line 3", "column 'b'", "'inf' is not a finite number"]),
    ("", {}, ["empty"]),
    ("\n\n  \n", {}, ["empty"]),
    ("a,b,y\n", {}, ["header", "no data rows"]),
    ("a,b,y\n1,2,x\n3,4\n", {}, ["line 3", "2 cells", "3 columns", "no value for column 'y'"]),
    ("a,b,y\n1,2,x,9\n", {}, ["line 2", "4 cells", "extra cells", "'y'"]),
    ("a,b,y\n1,2,x\n", {"target": "z"}, ["no target column 'z'", "a, b, y"]),
    ("a,b,y\n1,2,x\n", {"feature_names": ["a", "q"]}, ["no column 'q'", "a, b, y"]),
    ("a,y\n1,x\n2,\n", {}, ["line 3", "column 'y'", "missing value", "target"]),
    ("a,y\n1,2.5\n2,abc\n", {"task": "regress"}, ["line 3", "column 'y'", "'abc'", "regression"]),
    ("a,a,y\n1,2,x\n", {}, ["line 1", "'a' appears twice"]),
    ("a,,y\n1,2,x\n", {}, ["line 1", "column 2", "no name"]),
    ("y\nx\n", {}, ["no feature columns", "'y'"]),
    (
        "a,y\n1,cat\n2,bird\n",
        {"label_names": ["cat", "dog"]},
        ["line 3", "column 'y'", "unknown class 'bird'", "cat, dog"],
    ),
    # a blank line and a quoted cell spanning two lines still count as lines of the file
    ('a,b,y\n\n1,2,x\n3,"",y\n', {"missing": "error"}, ["line 4", "column 'b'", "missing value"]),
    ('a,b,y\n1,2,"two\nlines"\n3,oops,y\n5,6,x\n', {}, ["line 4", "column 'b'", "'oops'"]),
    # a row of empty cells is a row (as in pandas), not a blank line to skip
    ("a,b,y\n1,2,x\n,,\n3,4,y\n", {"missing": "error"}, ["line 3", "column 'a'", "missing value"]),
    ("a,b,y\n1,2,x\n , ,\n", {"missing": "error"}, ["line 3", "column 'a'", "missing value"]),
    # text after a closing quote; the row starts on line 2, the bad quote is on line 3
    ('a,b,y\n1,"2\n"x,y\n', {}, ["line 2", "on line 3", "quoted field"]),
    # finite in float64 but inf in float32, the network's dtype
    ("a,b,y\n1,2,x\n3,1e39,y\n", {}, ["line 3", "column 'b'", "'1e39' is too large"]),
    ("a,b,y\n1,-3.5e38,x\n", {}, ["line 2", "column 'b'", "'-3.5e38' is too large"]),
    ("a,y\n1,2\n2,1e39\n", {"task": "regress"}, ["line 3", "column 'y'", "too large"]),
    ("a,y\n1,2.5\n2,1e39\n", {}, ["line 3", "column 'y'", "'1e39' is too large"]),
    # in a numeric target the missing markers are missing values
    ("a,y\n1,0\n2,NA\n3,1\n", {}, ["line 3", "column 'y'", "missing value", "target"]),
    ("a,y\n1,0\n2,none\n", {"task": "classify"}, ["line 3", "column 'y'", "missing value"]),
    ("a,y\n1,0\n2,inf\n", {}, ["line 3", "column 'y'", "'inf' is not a finite number"]),
    ("a;b;y\n1;2;x\n", {}, ["line 1", "semicolon-separated", "comma-separated"]),
    ("a\tb\ty\n1\t2\tx\n", {}, ["line 1", "tab-separated", "comma-separated"]),
]


@pytest.mark.parametrize("text, options, fragments", BAD_FILES)
def test_bad_csv_names_line_and_column(tmp_path, text, options, fragments):
    path = write(tmp_path, text)
    with pytest.raises(DataError) as info:
        read_csv(path, **options)
    message = str(info.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message


def test_the_earliest_bad_cell_is_reported(tmp_path):
    path = write(tmp_path, "a,b,y\n1,2,x\n1,bad,x\nbad,2,y\n")
    with pytest.raises(DataError, match="line 3, column 'b'"):
        read_csv(path)
    # b is mostly text now, so a category column; a's stray text is the error
    path = write(tmp_path, "a,b,y\n1,2,x\n1,bad,x\nbad,bad,y\n", name="two.csv")
    with pytest.raises(DataError, match="line 4, column 'a'"):
        read_csv(path)


def test_missing_file_and_folder_are_data_errors(tmp_path):
    with pytest.raises(DataError, match="does not exist") as info:
        read_csv(tmp_path / "nope.csv")
    assert not isinstance(info.value, FileNotFoundError)
    assert isinstance(info.value, GlassnetError)
    with pytest.raises(DataError, match="is a folder"):
        read_csv(tmp_path)


def test_binary_file_is_a_data_error(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes(b"a,b\n\xff\xfe\x00\x81,1\n")
    with pytest.raises(DataError, match="UTF-8"):
        read_csv(path)


def test_text_that_is_not_utf8_names_its_line(tmp_path):
    rows = "".join(f"{i},{i}\n" for i in range(5000))  # past the first chunk the decoder reads
    path = tmp_path / "data.csv"
    path.write_bytes(("a,y\n" + rows).encode() + "7,caf\u00e9\n".encode("latin-1"))
    with pytest.raises(DataError, match=r"data.csv, line 5002: not a text file in UTF-8"):
        read_csv(path)


def test_an_unclosed_quote_names_the_line_where_it_opens(tmp_path):
    lines = ["x,note,y"] + [f"{i},ok,{i % 2}" for i in range(150)]
    lines[20] = '19,"hello,1'  # line 21 of the file
    path = write(tmp_path, "\n".join(lines) + "\n")
    for read in (read_csv, read_features_csv):
        with pytest.raises(DataError) as info:
            read(path)
        message = str(info.value)
        assert f"{path}, line 21:" in message and "never closed" in message


def test_blank_lines_are_skipped_but_rows_of_empty_cells_are_not(tmp_path):
    X, _ = read_features_csv(write(tmp_path, "a,b\n1,2\n\n  \n3,4\n\n"))
    assert X.tolist() == [[1, 2], [3, 4]]
    with pytest.raises(DataError, match=r"line 3, column 'a': missing value"):
        read_features_csv(write(tmp_path, "a,b\n1,2\n,\n3,4\n", "gap.csv"))


def test_a_wide_file_gives_the_columns_asked_for_in_their_order(tmp_path):
    names = [f"c{i}" for i in range(5000)]
    path = write(tmp_path, ",".join(names) + "\n" + ",".join(map(str, range(5000))) + "\n")
    X, got = read_features_csv(path, names[::-1])
    assert got == names[::-1] and X.tolist() == [list(range(4999, -1, -1))]


def test_string_labels_sorted_and_encoded(tmp_path):
    path = write(tmp_path, "f1,f2,kind\n1,2,zebra\n3,4,ant\n5,6,moth\n7,8,ant\n")
    ds = read_csv(path)
    assert ds.task == "classify"
    assert ds.label_names == ["ant", "moth", "zebra"]
    assert ds.y.tolist() == [2, 0, 1, 0]
    assert ds.y.dtype == np.int64
    assert ds.X.dtype == np.float64
    assert ds.X.tolist() == [[1, 2], [3, 4], [5, 6], [7, 8]]
    assert ds.feature_names == ["f1", "f2"]
    assert (ds.name, ds.target_name) == ("data", "kind")


def test_integer_labels_become_strings_sorted_by_value(tmp_path):
    path = write(tmp_path, "f,label\n1,10\n2,2\n3,1.0\n4,2\n5,10\n6,1\n")
    ds = read_csv(path)
    assert ds.task == "classify"
    assert ds.label_names == ["1", "2", "10"]
    assert ds.y.tolist() == [2, 1, 0, 1, 2, 0]


def test_target_chosen_by_name_keeps_other_columns_in_order(tmp_path):
    path = write(tmp_path, "a,species,b,c\n1,x,2,3\n4,y,5,6\n")
    ds = read_csv(path, target="species")
    assert ds.feature_names == ["a", "b", "c"]
    assert ds.target_name == "species"
    assert ds.X.tolist() == [[1, 2, 3], [4, 5, 6]]
    assert ds.label_names == ["x", "y"]


@pytest.mark.parametrize(
    "values, expected",
    [
        (list(range(20)) * 2, "classify"),  # 20 distinct whole numbers: classes
        (list(range(21)) * 2, "regress"),  # 21: a quantity
        (list(range(15)), "regress"),  # 15 in 15 rows: a quantity, not 15 classes of one row
        ([1, 2, 2, 1, 3, 3], "classify"),  # 3 in 6 rows: two rows a class
        ([0.5, 1.0, 0.5], "regress"),  # not whole numbers
        (["a", "1", "2"], "classify"),  # any text: classes
    ],
)
def test_task_is_inferred_from_the_target(tmp_path, values, expected):
    lines = ["x,t"] + [f"{i},{v}" for i, v in enumerate(values)]
    ds = read_csv(write(tmp_path, "\n".join(lines) + "\n"))
    assert ds.task == expected


def test_a_stray_text_cell_in_a_numeric_target_is_an_error(tmp_path):
    prices = [f"{10 + 0.25 * i}" for i in range(40)]
    prices[6] = "#N/A"  # line 8 of the file
    lines = ["x,price"] + [f"{i},{p}" for i, p in enumerate(prices)]
    path = write(tmp_path, "\n".join(lines) + "\n")
    with pytest.raises(DataError) as info:
        read_csv(path)
    message = str(info.value)
    assert f"{path}, line 8, column 'price': '#N/A' is not a number" in message
    assert "regression" in message and "task='classify'" in message
    forced = read_csv(path, task="classify")
    assert len(forced.label_names) == 40 and "#N/A" in forced.label_names


def test_the_first_cell_that_is_not_a_number_is_named(tmp_path):
    path = write(tmp_path, "x,price\n1,2.5\n2,NA\n3,#N/A\n4,3.25\n")
    with pytest.raises(DataError, match="line 3, column 'price': 'NA' is not a number; the other"):
        read_csv(path)


def test_a_stray_text_cell_among_many_whole_numbers_is_an_error(tmp_path):
    lines = ["x,count"] + [f"{i},{i * 3}" for i in range(30)] + ["30,unknown"]
    with pytest.raises(DataError, match="line 32, column 'count': 'unknown' is not a number"):
        read_csv(write(tmp_path, "\n".join(lines) + "\n"))


@pytest.mark.parametrize("labels", [["none", "NA", "-", "?", "null"], ["n/a", "nan", "ok"]])
def test_missing_markers_are_labels_in_a_text_target(tmp_path, labels):
    lines = ["x,answer"] + [f"{i},{label}" for i, label in enumerate(labels * 2)]
    ds = read_csv(write(tmp_path, "\n".join(lines) + "\n"))
    assert ds.task == "classify"
    assert ds.label_names == sorted(labels)
    assert [ds.label_names[k] for k in ds.y] == labels * 2


def test_large_integer_labels_are_kept_exactly(tmp_path):
    labels = ["9007199254740993", "9007199254740992", "12345678901234567890", "7", "7.0"]
    lines = ["x,id"] + [f"{i},{label}" for i, label in enumerate(labels)]
    ds = read_csv(write(tmp_path, "\n".join(lines) + "\n"), task="classify")
    assert ds.task == "classify"
    assert ds.label_names == ["7", "9007199254740992", "9007199254740993", "12345678901234567890"]
    assert ds.y.tolist() == [2, 1, 3, 0, 0]


def test_numeric_labels_sort_by_value_with_fractions(tmp_path):
    path = write(tmp_path, "x,t\n1,10\n2,2.5\n3,-1\n4,2.50\n5,3e0\n")
    ds = read_csv(path, task="classify")
    assert ds.label_names == ["-1", "2.5", "3", "10"]
    assert ds.y.tolist() == [3, 1, 0, 1, 2]


def test_regression_target_is_float64_exactly(tmp_path):
    values = [0.1, -2.5, 3.75, 1e-3, 12345.678]
    lines = ["x,t"] + [f"{i},{v!r}" for i, v in enumerate(values)]
    ds = read_csv(write(tmp_path, "\n".join(lines) + "\n"))
    assert ds.task == "regress"
    assert ds.label_names is None
    assert ds.y.dtype == np.float64  # standardisation, not reading, rounds to float32
    np.testing.assert_array_equal(ds.y, np.array(values))


def test_task_can_be_forced(tmp_path):
    path = write(tmp_path, "x,t\n1,0\n2,1\n3,1\n")
    assert read_csv(path).task == "classify"
    ds = read_csv(path, task="regress")
    assert ds.task == "regress"
    assert ds.y.tolist() == [0.0, 1.0, 1.0]
    forced = read_csv(write(tmp_path, "x,t\n1,0.50\n2,0.5\n3,1.5\n", "f.csv"), task="classify")
    assert forced.label_names == ["0.5", "1.5"]
    assert forced.y.tolist() == [0, 0, 1]


def test_features_match_numpy_reader(tmp_path, rng):
    X = rng.normal(size=(50, 6)) * 10.0 ** rng.integers(-3, 4, size=(1, 6))
    y = rng.integers(0, 3, size=50)
    lines = [",".join([f"c{j}" for j in range(6)] + ["label"])]
    lines += [",".join([repr(float(v)) for v in row] + [str(t)]) for row, t in zip(X, y)]
    path = write(tmp_path, "\n".join(lines) + "\n")
    ds = read_csv(path)
    expected = np.loadtxt(path, delimiter=",", skiprows=1, usecols=range(6), dtype=np.float64)
    assert ds.X.dtype == np.float64
    np.testing.assert_array_equal(ds.X, expected)
    assert ds.y.tolist() == y.tolist()


def test_large_features_keep_their_precision_until_standardised(tmp_path):
    stamps = list(range(1_700_000_000, 1_700_000_100))  # float32 keeps 2 distinct values
    lines = ["t,y"] + [f"{t},{i % 2}" for i, t in enumerate(stamps)]
    ds = read_csv(write(tmp_path, "\n".join(lines) + "\n"))
    assert ds.X[:, 0].tolist() == stamps
    z = Standardizer().fit_transform(ds.X).astype(np.float32)
    assert len(np.unique(z)) == 100
    X, _ = read_features_csv(write(tmp_path, "\n".join(lines) + "\n", "new.csv"), ["t"])
    assert X[:, 0].tolist() == stamps


def test_the_float32_range_is_allowed_up_to_where_it_rounds_to_inf(tmp_path):
    biggest = float(np.finfo(np.float32).max)
    text = f"a,y\n{biggest!r},1.5\n{-biggest!r},2.5\n3.4028235e38,{biggest!r}\n"
    ds = read_csv(write(tmp_path, text))
    assert np.isfinite(ds.X.astype(np.float32)).all() and np.isfinite(ds.y).all()
    with pytest.raises(DataError, match="line 2, column 'a': '3.403e38' is too large"):
        read_features_csv(write(tmp_path, "a\n3.403e38\n", "big.csv"))


def test_bom_crlf_spaces_and_quotes(tmp_path):
    text = '\ufeff a , b ,label\r\n 1.5 , 2 ,"big, red"\r\n3,4, small \r\n\r\n'
    ds = read_csv(write(tmp_path, text))
    assert ds.feature_names == ["a", "b"]
    assert ds.X.tolist() == [[1.5, 2.0], [3.0, 4.0]]
    assert ds.label_names == ["big, red", "small"]


def test_label_names_from_a_model_fix_the_encoding(tmp_path):
    path = write(tmp_path, "a,y\n1,virginica\n2,setosa\n")
    ds = read_csv(path, label_names=["setosa", "versicolor", "virginica"])
    assert ds.label_names == ["setosa", "versicolor", "virginica"]
    assert ds.y.tolist() == [2, 0]


def test_feature_names_select_and_order_columns(tmp_path):
    path = write(tmp_path, "id,b,a,y\n7,1,2,x\n8,3,4,y\n")
    ds = read_csv(path, target="y", feature_names=["a", "b"])
    assert ds.X.tolist() == [[2, 1], [4, 3]]
    assert ds.feature_names == ["a", "b"]


def test_read_features_without_a_target(tmp_path):
    path = write(tmp_path, "b,a,species\n1,2,setosa\n3,4,virginica\n")
    X, names = read_features_csv(path, ["a", "b"])
    assert X.tolist() == [[2, 1], [4, 3]] and X.dtype == np.float64
    assert names == ["a", "b"]
    with pytest.raises(DataError, match="no feature column 'c'; the columns are b, a, species"):
        read_features_csv(path, ["a", "c"])
    with pytest.raises(DataError, match="line 2, column 'species': 'setosa' is not a number"):
        read_features_csv(path)
    X, names = read_features_csv(write(tmp_path, "p,q\n1,2\n", "n.csv"))
    assert names == ["p", "q"] and X.tolist() == [[1, 2]]


def test_an_unknown_task_is_a_setting_error_naming_the_file(tmp_path):
    path = write(tmp_path, "a,y\n1,2\n")
    with pytest.raises(SettingError, match=r"data.csv: task must be one of .*, got 'cluster'"):
        read_csv(path, task="cluster")
