"""A small builder of ONNX graphs: nodes, constants, inputs and outputs with readable names.

It wraps ``onnx.helper`` so that the stages of an export (:mod:`._stages`) read as a list
of operations; ``onnx`` is passed in, imported by the caller only when an export runs.
"""

from __future__ import annotations

import numpy as np

# ONNX element types by NumPy dtype name; "str" is ONNX's STRING.
_ELEMENT = {"float32": 1, "int64": 7, "str": 8, "float64": 11}
ELEMENT_NAMES = {1: "float32", 7: "int64", 8: "string", 11: "float64"}

BATCH = "N"  # the name of the dynamic first dimension of every input and output


class GraphBuilder:
    """Collects the pieces of one ONNX graph, in the order they are added.

    Parameters
    ----------
    onnx : module
        The ``onnx`` package.
    """

    def __init__(self, onnx):
        self.onnx = onnx
        self.nodes: list = []
        self.constants: list = []
        self.inputs: list = []
        self.outputs: list = []
        self._names: set[str] = set()

    def _fresh(self, name: str) -> str:
        """``name``, or ``name_2``, ``name_3``... if a tensor of that name exists already."""
        base, k = name, 1
        while name in self._names:
            k += 1
            name = f"{base}_{k}"
        self._names.add(name)
        return name

    def constant(self, name: str, value) -> str:
        """A constant tensor (an initializer) holding ``value``; returns its name."""
        array = np.asarray(value)
        if array.dtype.kind == "U":  # ONNX strings: an object array of str
            array = array.astype(object)
        name = self._fresh(name)
        self.constants.append(self.onnx.numpy_helper.from_array(array, name))
        return name

    def node(self, op: str, inputs: list[str], output: str, name: str, **attrs) -> str:
        """One operation ``op(inputs) -> output``, named ``name``; returns the output's name."""
        output = self._fresh(output)
        self.nodes.append(
            self.onnx.helper.make_node(op, inputs, [output], name=name, **attrs),
        )
        return output

    def input(self, name: str, dtype: str, width: int | None, doc: str = "") -> str:
        """A graph input of shape (N, width), or (N,) when ``width`` is None."""
        name = self._fresh(name)
        self.inputs.append(self._info(name, dtype, width, doc))
        return name

    def output(self, source: str, name: str, dtype: str, width: int | None, doc: str = ""):
        """Expose tensor ``source`` as the graph output ``name`` (through an Identity node
        when the names differ)."""
        if source != name:
            source = self.node("Identity", [source], name, name=f"{name}/out")
        self.outputs.append(self._info(source, dtype, width, doc))

    def _info(self, name: str, dtype: str, width: int | None, doc: str):
        shape = [BATCH] if width is None else [BATCH, width]
        info = self.onnx.helper.make_tensor_value_info(name, _ELEMENT[dtype], shape)
        info.doc_string = doc
        return info

    def model(self, graph_name: str, opset: int, metadata: dict[str, str], doc: str):
        """The ModelProto, with the lowest IR version that carries ``opset``."""
        helper = self.onnx.helper
        graph = helper.make_graph(
            self.nodes, graph_name, self.inputs, self.outputs, initializer=self.constants
        )
        opsets = [helper.make_opsetid("", opset)]
        proto = helper.make_model(graph, opset_imports=opsets, producer_name="glassnet")
        # make_model stamps the newest IR version the onnx package knows; a runtime that
        # is older than the package may refuse it, so use the oldest that fits the opset.
        proto.ir_version = helper.find_min_ir_version_for(opsets)
        proto.doc_string = doc
        helper.set_model_props(proto, metadata)
        return proto
