"""Linear, Dropout and Sequential against NumPy formulas and finite differences."""

import numpy as np
import pytest

from glassnet import gradcheck
from glassnet.errors import DomainError, GlassnetError, SettingError, ShapeError
from glassnet.nn import Dropout, Linear, ReLU, Sequential, Tanh
from glassnet.tensor import Tensor

# --- Linear ----------------------------------------------------------------------------------


@pytest.mark.parametrize("bias", [True, False])
def test_linear_forward_is_x_at_W_transposed_plus_b(rng, bias):
    layer = Linear(5, 3, bias=bias, seed=0)
    if bias:
        layer.bias.data[...] = rng.standard_normal(3)
    x = rng.standard_normal((7, 5)).astype(np.float32)
    expected = x @ layer.weight.data.T + (layer.bias.data if bias else 0)
    out = layer(x)
    assert out.dtype == np.float32 and out.shape == (7, 3)
    np.testing.assert_allclose(out.data, expected, rtol=1e-6, atol=1e-6)
    assert [n for n, _ in layer.named_parameters()] == (["weight", "bias"] if bias else ["weight"])


def test_linear_keeps_its_dtype_for_float64_numpy_input(rng):
    out = Linear(2, 2, seed=0)(rng.standard_normal((3, 2)))
    assert out.dtype == np.float32
    layer64 = Linear(2, 2, seed=0, dtype=np.float64)
    assert layer64.weight.dtype == np.float64 and layer64(np.ones((1, 2))).dtype == np.float64


@pytest.mark.parametrize("bias", [True, False])
def test_linear_gradients_pass_gradcheck_in_float64(rng, bias):
    layer = Linear(4, 3, bias=bias, seed=0, dtype="float64")
    if bias:
        layer.bias.data[...] = rng.standard_normal(3)
    x = Tensor(rng.standard_normal((6, 4)), requires_grad=True)
    params = layer.parameters()
    gradcheck(lambda x, *_: layer(x), [x, *params])
    gradcheck(lambda x, *_: layer(x).tanh().sum(), [x, *params])


def test_linear_shape_error_names_the_layer_and_both_sizes():
    with pytest.raises(ShapeError) as info:
        Linear(4, 16, seed=0)(np.ones((32, 3)))
    assert str(info.value) == (
        "Linear(4 -> 16) got input of shape (32, 3): expected 4 features, got 3"
    )
    with pytest.raises(ShapeError, match=r"shape \(\): expected 4 features, got a scalar"):
        Linear(4, 16, seed=0)(Tensor(1.0))


def test_he_initialisation_has_the_he_standard_deviation():
    W = Linear(2000, 400, seed=3).weight.data.astype(np.float64)
    std = np.sqrt(2 / 2000)
    # 800,000 draws: the sample std is within ~0.1% of the true one, the mean near 0.
    assert abs(W.std() / std - 1) < 0.01
    assert abs(W.mean()) < 5 * std / np.sqrt(W.size)


def test_glorot_initialisation_is_uniform_within_its_bound():
    W = Linear(300, 500, init="glorot", seed=3).weight.data.astype(np.float64)
    a = np.sqrt(6 / (300 + 500))
    assert np.abs(W).max() <= a * (1 + 1e-6)
    assert np.abs(W).max() > 0.999 * a  # it fills the interval
    assert abs(W.std() / (a / np.sqrt(3)) - 1) < 0.01  # the std of U(-a, a)
    # a uniform: a quarter of the entries in each quarter of [-a, a]
    counts = np.histogram(W, bins=4, range=(-a, a))[0] / W.size
    np.testing.assert_allclose(counts, 0.25, atol=0.005)


def test_biases_start_at_zero():
    assert not np.any(Linear(10, 20, seed=0).bias.data)


def test_same_seed_same_weights_different_seed_different_weights():
    a, b, c = Linear(8, 4, seed=7), Linear(8, 4, seed=7), Linear(8, 4, seed=8)
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    assert not np.array_equal(a.weight.data, c.weight.data)


def test_an_explicit_generator_draws_the_documented_formula():
    gen = np.random.default_rng(11)
    first, second = Linear(3, 2, rng=gen), Linear(2, 5, init="glorot", rng=gen)
    ref = np.random.default_rng(11)
    W1 = ref.standard_normal((2, 3)) * np.sqrt(2 / 3)
    a = np.sqrt(6 / 7)
    W2 = ref.uniform(-a, a, (5, 2))
    np.testing.assert_array_equal(first.weight.data, W1.astype(np.float32))
    np.testing.assert_array_equal(second.weight.data, W2.astype(np.float32))


@pytest.mark.parametrize(
    "kwargs, error, text",
    [
        ({"init": "orthogonal"}, SettingError, "init must be one of 'he', 'kaiming'"),
        ({"dtype": np.int32}, SettingError, "dtype must be one of 'float32', 'float64'"),
        ({"seed": 1, "rng": np.random.default_rng(1)}, DomainError, "seed or rng"),
        ({"rng": 5}, DomainError, "Generator"),
    ],
)
def test_linear_rejects_bad_settings(kwargs, error, text):
    with pytest.raises(error, match=text):
        Linear(2, 3, **kwargs)


@pytest.mark.parametrize("n_in, n_out", [(0, 3), (2, -1), (2.5, 3), (True, 3)])
def test_linear_rejects_bad_widths(n_in, n_out):
    with pytest.raises(SettingError, match="must be a positive integer"):
        Linear(n_in, n_out)


# --- Dropout ---------------------------------------------------------------------------------


def test_dropout_in_training_zeroes_about_p_and_scales_the_rest():
    p = 0.3
    y = Dropout(p, seed=0)(np.ones((400, 500), dtype=np.float32)).data
    kept = y != 0
    np.testing.assert_allclose(y[kept], 1 / (1 - p), rtol=1e-6)
    # 200,000 Bernoulli(0.7) draws: std of the fraction ~0.001
    assert abs(kept.mean() - (1 - p)) < 0.005
    assert abs(y.mean() - 1) < 0.01  # inverted dropout keeps the expectation


def test_dropout_gradient_is_the_mask(rng):
    x = Tensor(rng.standard_normal((20, 30)), requires_grad=True)
    y = Dropout(0.5, seed=1)(x)
    y.sum().backward()
    mask = y.data / x.data
    np.testing.assert_allclose(x.grad, mask)
    assert set(np.unique(np.round(mask, 12)).tolist()) == {0.0, 2.0}


def test_dropout_in_eval_mode_or_with_p_zero_is_the_identity(rng):
    x = Tensor(rng.standard_normal((3, 4)))
    assert Dropout(0.5, seed=0).eval()(x) is x
    assert Dropout(0.0, seed=0)(x) is x


def test_dropout_with_p_one_drops_everything():
    assert not np.any(Dropout(1.0, seed=0)(np.ones((5, 5))).data)


def test_dropout_masks_are_reproducible_from_seed_and_saved_rng_state():
    a, b = Dropout(0.5, seed=4), Dropout(0.5, seed=4)
    x = np.ones((10, 10))
    np.testing.assert_array_equal(a(x).data, b(x).data)
    saved = a.rng.bit_generator.state
    first = a(x).data
    a.rng.bit_generator.state = saved
    np.testing.assert_array_equal(a(x).data, first)
    assert not np.array_equal(a(x).data, first)


@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_dropout_rejects_a_probability_outside_0_1(p):
    with pytest.raises(SettingError, match=r"Dropout: p must be a number in \[0, 1\]"):
        Dropout(p)


# --- Sequential ------------------------------------------------------------------------------


def test_sequential_applies_modules_in_order(rng):
    net = Sequential(Linear(3, 4, seed=0), Tanh(), Linear(4, 2, seed=1))
    x = rng.standard_normal((5, 3)).astype(np.float32)
    W1, b1, W2, b2 = (p.data for p in net.parameters())
    expected = np.tanh(x @ W1.T + b1) @ W2.T + b2
    np.testing.assert_allclose(net(x).data, expected, rtol=1e-5, atol=1e-6)


def test_sequential_indexing_len_iteration_and_names():
    mods = [Linear(2, 2, seed=0), ReLU(), Linear(2, 1, seed=0)]
    net = Sequential(*mods)
    assert len(net) == 3 and list(net) == mods
    assert net[0] is mods[0] and net[-1] is mods[2]
    sub = net[1:]
    assert isinstance(sub, Sequential) and list(sub) == mods[1:]
    assert [n for n, _ in sub.named_parameters()] == ["2.weight", "2.bias"]
    with pytest.raises(IndexError):
        net[3]
    net.append(ReLU())
    assert len(net) == 4 and [n for n, _ in net.named_children()][-1] == "3"


def test_sequential_from_a_dict_uses_its_names():
    net = Sequential({"hidden": Linear(2, 3, seed=0), "act": ReLU()})
    assert [n for n, _ in net.named_parameters()] == ["hidden.weight", "hidden.bias"]


def test_sequential_rejects_a_non_module():
    with pytest.raises(GlassnetError, match="entry 1 is a function, not a Module"):
        Sequential(ReLU(), lambda x: x)
