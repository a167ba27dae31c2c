"""Module: registration, names, modes, state dicts and the printed summary."""

import numpy as np
import pytest

from glassnet.errors import GlassnetError, ShapeError
from glassnet.nn import Linear, Module, Parameter, ReLU, Sequential


class Block(Module):
    """Parameters and sub-modules assigned in a deliberately non-alphabetical order."""

    def __init__(self):
        super().__init__()
        self.zeta = Parameter(np.zeros(2))
        self.inner = Linear(3, 2, seed=0)
        self.alpha = Parameter(np.ones((2, 2)))

    def forward(self, x):
        return self.inner(x) * self.zeta + self.alpha.sum()


class Outer(Module):
    def __init__(self):
        super().__init__()
        self.first = Block()
        self.act = ReLU()
        self.second = Linear(2, 1, seed=1)

    def forward(self, x):
        return self.second(self.act(self.first(x)))


def test_parameters_are_registered_in_assignment_order_with_dotted_names():
    # As in PyTorch: a module's own parameters (in assignment order), then each
    # sub-module's, depth-first.
    model = Outer()
    names = [n for n, _ in model.named_parameters()]
    assert names == [
        "first.zeta",
        "first.alpha",
        "first.inner.weight",
        "first.inner.bias",
        "second.weight",
        "second.bias",
    ]
    assert model.parameters()[0] is model.first.zeta
    assert model.parameters()[-1] is model.second.bias


def test_children_and_modules_follow_assignment_order():
    model = Outer()
    assert [type(m).__name__ for m in model.children()] == ["Block", "ReLU", "Linear"]
    assert [n for n, _ in model.named_modules()] == [
        "",
        "first",
        "first.inner",
        "act",
        "second",
    ]
    assert model.modules()[2] is model.first.inner


def test_reassigning_or_deleting_an_attribute_unregisters_it():
    block = Block()
    block.zeta = np.zeros(2)  # a plain array is no longer a parameter
    del block.alpha
    assert [n for n, _ in block.named_parameters()] == ["inner.weight", "inner.bias"]
    block.inner = None
    assert block.parameters() == []


def test_a_shared_parameter_is_listed_once_under_its_first_name():
    a = Linear(2, 2, seed=0)
    b = Linear(2, 2, seed=1)
    b.weight = a.weight
    net = Sequential(a, b)
    assert [n for n, _ in net.named_parameters()] == ["0.weight", "0.bias", "1.bias"]
    assert net.num_parameters() == 4 + 2 + 2


def test_assigning_a_parameter_before_init_is_a_clear_error():
    class Forgetful(Module):
        def __init__(self):
            self.w = Parameter(np.zeros(1))

    with pytest.raises(GlassnetError, match="super\\(\\).__init__\\(\\)"):
        Forgetful()


def test_forward_must_be_defined():
    with pytest.raises(NotImplementedError, match="Module does not define forward"):
        Module()(1.0)


def test_train_and_eval_reach_every_submodule():
    model = Outer()
    assert model.eval() is model
    assert [m.training for m in model.modules()] == [False] * 5
    model.train()
    assert all(m.training for m in model.modules())
    model.first.train(False)
    assert [m.training for m in model.modules()] == [True, False, False, True, True]


def test_zero_grad_resets_every_parameter_gradient(rng):
    model = Outer()
    model(rng.standard_normal((4, 3))).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert [p.grad for p in model.parameters()] == [None] * 6


def test_num_parameters_counts_entries_and_trainable_ones():
    model = Outer()
    expected = 2 + (3 * 2 + 2) + 4 + (2 * 1 + 1)
    assert model.num_parameters() == expected
    model.first.alpha.requires_grad = False
    assert model.num_parameters(trainable_only=True) == expected - 4
    assert model.num_parameters() == expected


# --- state dicts ---------------------------------------------------------------------------


def test_state_dict_is_an_ordered_copy():
    model = Outer()
    state = model.state_dict()
    assert list(state) == [n for n, _ in model.named_parameters()]
    for p, arr in zip(model.parameters(), state.values()):
        assert isinstance(arr, np.ndarray) and arr is not p.data
        np.testing.assert_array_equal(arr, p.data)
    state["second.weight"][...] = 123.0
    assert not np.any(model.second.weight.data == 123.0)


def test_load_state_dict_round_trip_in_place_and_in_the_parameter_dtype():
    src, dst = Sequential(Linear(3, 4, seed=0)), Sequential(Linear(3, 4, seed=1))
    weight_array = dst[0].weight.data
    state = {k: v.astype(np.float64) + 0.5 for k, v in src.state_dict().items()}
    result = dst.load_state_dict(state)
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert dst[0].weight.data is weight_array  # copied into the existing array
    assert dst[0].weight.dtype == np.float32
    np.testing.assert_array_equal(dst[0].weight.data, (src[0].weight.data + 0.5))
    np.testing.assert_array_equal(dst[0].bias.data, np.full(4, 0.5, np.float32))


def test_load_state_dict_names_every_missing_unexpected_and_misshaped_entry():
    model = Sequential(Linear(3, 4, seed=0), Linear(4, 2, seed=0))
    before = model.state_dict()
    state = dict(before)
    del state["0.bias"]
    state["2.weight"] = np.zeros((2, 4))
    state["1.weight"] = np.zeros((5, 4))
    with pytest.raises(ShapeError) as info:
        model.load_state_dict(state)
    msg = str(info.value)
    assert "missing (in the model, not in the state): 0.bias" in msg
    assert "unexpected (in the state, not in the model): 2.weight" in msg
    assert "1.weight: the model has shape (2, 4), the state (5, 4)" in msg
    for name, arr in model.state_dict().items():  # nothing was loaded
        np.testing.assert_array_equal(arr, before[name])


@pytest.mark.parametrize("edit", ["drop", "extra"])
def test_non_strict_loading_skips_and_reports_names(edit):
    model = Linear(2, 3, seed=0)
    state = {k: v + 1 for k, v in model.state_dict().items()}
    if edit == "drop":
        del state["bias"]
    else:
        state["scale"] = np.ones(1)
    with pytest.raises(ShapeError, match="bias" if edit == "drop" else "scale"):
        model.load_state_dict(state)
    result = model.load_state_dict(state, strict=False)
    expected = (["bias"], []) if edit == "drop" else ([], ["scale"])
    assert result == expected
    np.testing.assert_array_equal(model.weight.data, state["weight"])


def test_a_misshaped_entry_fails_even_when_not_strict():
    model = Linear(2, 3, seed=0)
    with pytest.raises(ShapeError, match=r"bias: the model has shape \(3,\), the state \(4,\)"):
        model.load_state_dict({"bias": np.zeros(4)}, strict=False)


def test_an_unconvertible_dtype_is_reported_before_anything_is_copied():
    model = Linear(2, 3, seed=0)
    w = model.weight.data.copy()
    state = {"weight": np.ones((3, 2)), "bias": np.ones(3, dtype=complex)}
    with pytest.raises(GlassnetError, match="bias \\(complex128 into float32\\)"):
        model.load_state_dict(state)
    np.testing.assert_array_equal(model.weight.data, w)


# --- repr ------------------------------------------------------------------------------------


def test_repr_lists_layers_shapes_counts_and_the_total():
    model = Sequential(Linear(5, 7, seed=0), ReLU(), Linear(7, 3, bias=False, seed=0))
    text = repr(model)
    lines = text.splitlines()
    assert lines[0] == "Sequential("
    assert "(0): Linear(in_features=5, out_features=7, bias=True)" in lines[1]
    assert "weight (7, 5), bias (7,): 42 parameters" in lines[1]
    assert lines[2].strip() == "(1): ReLU()"
    assert "weight (3, 7): 21 parameters" in lines[3]
    assert lines[-1] == f"Total parameters: {5 * 7 + 7 + 7 * 3}"


def test_repr_of_a_nested_model_indents_and_reports_frozen_parameters():
    model = Outer()
    model.second.bias.requires_grad = False
    text = repr(model)
    assert "  (first): Block(  # zeta (2,), alpha (2, 2): 6 parameters" in text
    assert "    (inner): Linear(in_features=3, out_features=2, bias=True)" in text
    assert text.endswith("Total parameters: 17 (16 trainable)")


def test_parameter_is_a_trainable_tensor():
    p = Parameter(np.arange(3.0))
    assert p.requires_grad and p.dtype == np.float64
    assert repr(p).startswith("Parameter containing:")
    (p * p).sum().backward()
    np.testing.assert_array_equal(p.grad, [0.0, 2.0, 4.0])
