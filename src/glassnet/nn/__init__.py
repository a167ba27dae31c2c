"""Neural-network building blocks on the tensor engine: modules, layers, activations.

``Module`` registers the Parameters and sub-modules assigned to its attributes;
``Linear``, the activation modules, ``Dropout``, ``Sequential`` and ``MLP`` are built on it.
Their derivatives come from the engine (``glassnet.tensor``); nothing here computes one.
"""

from . import init
from .activations import ACTIVATIONS, Identity, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from .layers import MLP, Dropout, Linear, Sequential
from .module import IncompatibleKeys, Module, Parameter, predict_logits

__all__ = [
    "Module",
    "Parameter",
    "IncompatibleKeys",
    "Linear",
    "Dropout",
    "Sequential",
    "MLP",
    "ReLU",
    "LeakyReLU",
    "Tanh",
    "Sigmoid",
    "Softmax",
    "Identity",
    "ACTIVATIONS",
    "init",
    "predict_logits",
]
