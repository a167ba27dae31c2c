"""MLP: structure, initialisation from one seed, configuration round trip."""

import json

import numpy as np
import pytest

from glassnet.errors import GlassnetError, SettingError, ShapeError
from glassnet.nn import MLP, Dropout, LeakyReLU, Linear, ReLU, Sigmoid, Tanh


@pytest.mark.parametrize(
    "activation, cls",
    [("relu", ReLU), ("leaky_relu", LeakyReLU), ("tanh", Tanh), ("sigmoid", Sigmoid)],
)
def test_mlp_structure_alternates_linear_and_activation_with_a_linear_output(activation, cls):
    model = MLP([3, 8, 5, 2], activation=activation, seed=0)
    kinds = [type(m) for m in model.layers]
    assert kinds == [Linear, cls, Linear, cls, Linear]
    widths = [(m.in_features, m.out_features) for m in model.layers if isinstance(m, Linear)]
    assert widths == [(3, 8), (8, 5), (5, 2)]
    assert [n for n, _ in model.named_parameters()] == [
        "layers.0.weight",
        "layers.0.bias",
        "layers.2.weight",
        "layers.2.bias",
        "layers.4.weight",
        "layers.4.bias",
    ]
    assert model.num_parameters() == (3 * 8 + 8) + (8 * 5 + 5) + (5 * 2 + 2)


@pytest.mark.parametrize(
    "activation, rule",
    [("relu", "he"), ("leaky_relu", "he"), ("tanh", "glorot"), ("sigmoid", "glorot")],
)
def test_mlp_draws_every_layer_from_one_generator_with_the_rule_of_its_activation(activation, rule):
    sizes = [4, 6, 3]
    model = MLP(sizes, activation=activation, seed=42)
    ref = np.random.default_rng(42)
    for layer, (n_in, n_out) in zip(model.layers[::2], zip(sizes[:-1], sizes[1:])):
        if rule == "he":
            W = ref.standard_normal((n_out, n_in)) * np.sqrt(2 / n_in)
        else:
            a = np.sqrt(6 / (n_in + n_out))
            W = ref.uniform(-a, a, (n_out, n_in))
        np.testing.assert_array_equal(layer.weight.data, W.astype(np.float32))
        assert not np.any(layer.bias.data)


def test_mlp_takes_one_activation_per_hidden_layer_each_with_its_own_initialisation():
    model = MLP([4, 6, 5, 2], activation=["relu", "tanh"], seed=3)
    assert [type(m) for m in model.layers] == [Linear, ReLU, Linear, Tanh, Linear]
    ref = np.random.default_rng(3)
    he = ref.standard_normal((6, 4)) * np.sqrt(2 / 4)  # before ReLU: He normal
    a = np.sqrt(6 / (6 + 5))
    glorot = ref.uniform(-a, a, (5, 6))  # before tanh: Glorot uniform
    np.testing.assert_array_equal(model.layers[0].weight.data, he.astype(np.float32))
    np.testing.assert_array_equal(model.layers[2].weight.data, glorot.astype(np.float32))
    again = MLP.from_config(json.loads(json.dumps(model.config())))
    assert again.activation == ["relu", "tanh"]
    np.testing.assert_array_equal(again.layers[2].weight.data, model.layers[2].weight.data)


def test_mlp_forward_matches_numpy(rng):
    model = MLP([4, 6, 4, 2], activation="tanh", seed=0, dtype=np.float64)
    x = rng.standard_normal((9, 4))
    a = x
    params = [p.data for p in model.parameters()]
    for i in range(0, len(params), 2):
        a = a @ params[i].T + params[i + 1]
        if i < len(params) - 2:
            a = np.tanh(a)
    np.testing.assert_allclose(model(x).data, a, rtol=1e-12)


def test_mlp_dropout_sits_after_each_hidden_activation_and_leaves_weights_unchanged():
    plain = MLP([4, 6, 4, 2], seed=5)
    model = MLP([4, 6, 4, 2], dropout=0.25, seed=5)
    kinds = [type(m).__name__ for m in model.layers]
    assert kinds == ["Linear", "ReLU", "Dropout", "Linear", "ReLU", "Dropout", "Linear"]
    assert [n for n, _ in model.named_parameters()][::2] == [
        "layers.0.weight",
        "layers.3.weight",
        "layers.6.weight",
    ]
    for a, b in zip(plain.parameters(), model.parameters()):
        np.testing.assert_array_equal(a.data, b.data)
    drops = [m for m in model.layers if isinstance(m, Dropout)]
    x = np.ones((3, 50))
    assert not np.array_equal(drops[0](x).data, drops[1](x).data)  # independent masks


def test_mlp_dropout_is_reproducible_and_off_in_eval():
    x = np.ones((16, 4), dtype=np.float32)
    a, b = MLP([4, 8, 2], dropout=0.5, seed=1), MLP([4, 8, 2], dropout=0.5, seed=1)
    np.testing.assert_array_equal(a(x).data, b(x).data)
    a.eval()
    plain = MLP([4, 8, 2], seed=1)
    np.testing.assert_array_equal(a(x).data, plain(x).data)


def test_mlp_config_is_json_and_rebuilds_the_same_model():
    model = MLP([5, 7, 3], activation="sigmoid", dropout=0.1, seed=9, dtype="float64")
    config = json.loads(json.dumps(model.config()))
    assert config == {
        "sizes": [5, 7, 3],
        "activation": "sigmoid",
        "dropout": 0.1,
        "seed": 9,
        "dtype": "float64",
    }
    twin = MLP.from_config(config)
    assert repr(twin) == repr(model)
    for a, b in zip(model.parameters(), twin.parameters()):
        assert b.dtype == np.float64
        np.testing.assert_array_equal(a.data, b.data)


def test_mlp_from_config_names_unknown_keys():
    with pytest.raises(GlassnetError, match="got sizes, hidden"):
        MLP.from_config({"sizes": [2, 1], "hidden": 3})
    with pytest.raises(GlassnetError, match="sizes required"):
        MLP.from_config({"activation": "relu"})


@pytest.mark.parametrize(
    "kwargs, error, text",
    [
        ({"sizes": [3]}, ShapeError, "input and an output width"),
        ({"sizes": [3, 0, 1]}, SettingError, "positive integer"),
        ({"sizes": [3, 1], "activation": "gelu"}, SettingError, "activation must be one of"),
        ({"sizes": [3, 1], "dropout": 1.0}, SettingError, r"dropout must be a number in \[0, 1\)"),
        ({"sizes": [3, 1], "seed": "a"}, SettingError, "seed must be an integer >= 0"),
        ({"sizes": [3, 1], "seed": -1}, SettingError, "seed must be an integer >= 0"),
        ({"sizes": [3, 4, 1], "activation": ["tanh", "relu"]}, SettingError, "one name per"),
        ({"sizes": [3, 1], "activation": ["tanh"]}, SettingError, "one name per hidden layer, 0"),
        ({"sizes": [3, 4, 1], "activation": ["gelu"]}, SettingError, "activation must be one of"),
    ],
)
def test_mlp_rejects_bad_settings(kwargs, error, text):
    with pytest.raises(error, match=text):
        MLP(**kwargs)


def test_mlp_repr_shows_settings_layers_and_the_independent_total():
    text = repr(MLP([4, 6, 4, 2], seed=0))
    assert text.splitlines()[1] == "  sizes=[4, 6, 4, 2], activation='relu'"
    assert "weight (6, 4), bias (6,): 30 parameters" in text
    assert "weight (2, 4), bias (2,): 10 parameters" in text
    assert text.endswith(f"Total parameters: {4 * 6 + 6 + 6 * 4 + 4 + 4 * 2 + 2}")
