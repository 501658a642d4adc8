"""`stir.onnx.export(model, path)`: a network, a `stir train` model, or a model file, written
as an ONNX file that onnxruntime (or any ONNX runtime) runs without stir.

The graph is built as plain Python (graph.py); only here is it turned into ONNX's protobuf,
checked with `onnx.checker`, and written atomically (`stir.io.atomic`: a crash leaves the
old file or the new one), after the destination has been checked and before anything is
replaced. The `onnx` package is an optional extra, imported on the first export.

>>> import stir, stir.onnx
>>> stir.onnx.export(stir.nn.Linear(2, 1), "model.safetensors")
Traceback (most recent call last):
...
ValueError: export: model.safetensors: an ONNX file's name ends in .onnx; name it model.onnx
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .._version import __version__
from ..commands.trained_model import KEY, TrainedModel
from ..io import read
from ..io.atomic import write_atomic
from ..io.model_files import model_from
from ..nn.module import Module
from ..nn.parallel import DistributedDataParallel
from .graph import IR_VERSION, OPSET, ExportError, Graph
from .network import network_graph
from .preprocessing import trained_graph

__all__ = ["export", "onnx_model"]

#: The largest file ONNX's protobuf holds in one piece.
LIMIT = 2**31 - 1


def _onnx() -> Any:
    try:
        import onnx
    except ImportError:
        raise ImportError("stir.onnx.export needs the onnx package: pip install "
                          "stir[onnx]") from None
    return onnx


def export(model: Module | TrainedModel | str | Path, path: str | Path,
           input_shape: Sequence[int | None] | None = None, dtype: Any = None) -> Path:
    """Write `model` to the ONNX file `path` (opset 21); returns the path.

    `model` is a network (a `stir.nn.Module` built from stir's layers), a `TrainedModel`
    or the path of a model file. A network's graph has one input, "input", of
    `input_shape` (None for a size chosen at run time; by default what the first layer
    implies, such as (None, in_features)) and `dtype` (by default the parameters', else
    float32; int64 indices before an Embedding), and the outputs "output" (and "h_n",
    "c_n" for a recurrent layer). A model saved by `stir train` takes the file's raw
    columns, one input each, and gives "probabilities" and "label", or "prediction" (see
    preprocessing.py).
    The graph computes what the model does in evaluation mode (dropout off, running
    statistics); the model's own mode is left as it was.

    An ExportError names a layer that cannot be expressed; `path` is checked first (a
    name ending in .onnx, in an existing folder, not the model file itself) and is only
    replaced, atomically, once the whole file is made."""
    destination = Path(path)
    source = Path(model) if isinstance(model, (str, os.PathLike)) else None
    _check_destination(destination, source)
    if source is not None:
        model = _read(source)
    if isinstance(model, TrainedModel):
        if input_shape is not None or dtype is not None:
            raise ValueError("export: input_shape and dtype are for a network; a stir train "
                             "model's inputs are its columns")
        graph = _in_evaluation(model.model, lambda: trained_graph(model))
    elif isinstance(model, DistributedDataParallel):
        raise ExportError("export: DistributedDataParallel is a wrapper for training on "
                          "several processes; export its .module")
    elif isinstance(model, Module):
        graph = _in_evaluation(model, lambda: network_graph(model, input_shape, dtype))
    else:
        raise TypeError(f"export: model must be a stir.nn.Module, a TrainedModel or a model "
                        f"file's path, got {type(model).__name__}")
    size = sum(array.nbytes for array in graph.initializers.values())
    if size > LIMIT:
        raise ExportError(f"export: the weights take {size} bytes, past the 2 GiB an ONNX "
                          f"file holds in one piece")
    onnx = _onnx()
    proto = onnx_model(graph, doc=repr(model.model if isinstance(model, TrainedModel)
                                       else model))
    onnx.checker.check_model(proto)
    return write_atomic(destination, proto.SerializeToString())


def _check_destination(destination: Path, source: Path | None) -> None:
    """Validate, then act: a bad destination is refused before any work."""
    if destination.suffix.lower() != ".onnx":
        raise ValueError(f"export: {destination}: an ONNX file's name ends in .onnx; name it "
                         f"{destination.with_suffix('.onnx').name}")
    if destination.is_dir():
        raise IsADirectoryError(f"export: {destination} is a folder; give a file name ending "
                                f"in .onnx")
    folder = destination.resolve().parent
    if not folder.is_dir():
        raise FileNotFoundError(f"export: cannot write {destination}: the folder {folder} "
                                f"does not exist")
    if source is not None and destination.exists() and source.exists() \
            and os.path.samefile(source, destination):
        raise ValueError(f"export: {destination} is the model file itself; write the ONNX "
                         f"file beside it, such as {source.with_suffix('.onnx').name}")


def _read(source: Path) -> Module | TrainedModel:
    """The model in a model file: a TrainedModel when `stir train` saved it."""
    contents = read(source)
    if KEY in contents.metadata:
        return TrainedModel.load(source)
    return model_from(contents, str(source))


def _in_evaluation(model: Module, build: Any) -> Graph:
    """build() with every module of `model` in evaluation mode, each put back after."""
    modes = [(module, module.training) for module in model.modules()]
    model.eval()
    try:
        return build()
    finally:
        for module, training in modes:  # parents first: each child then gets its own back
            module.train(training)


def _tensor_type(onnx: Any, dtype: np.dtype) -> int:
    if dtype.kind in "OUS":
        return onnx.TensorProto.STRING
    return onnx.helper.np_dtype_to_tensor_dtype(dtype)


def _initializer(onnx: Any, name: str, array: np.ndarray) -> Any:
    if array.dtype.kind in "OUS":
        texts = [str(text).encode("utf-8") for text in array.reshape(-1)]
        return onnx.helper.make_tensor(name, onnx.TensorProto.STRING, array.shape, texts)
    return onnx.numpy_helper.from_array(array, name)


def _dims(name: str, shape: tuple[Any, ...], free: bool) -> list[Any]:
    """ONNX dimensions: sizes, and a name for each free one (inputs name theirs)."""
    if not free:
        return [None if n is None else n for n in shape]
    return [(f"{name}_{axis}" if axis else "batch") if n is None else n
            for axis, n in enumerate(shape)]


def onnx_model(graph: Graph, doc: str = "") -> Any:
    """The ONNX ModelProto of `graph`, with stir as its producer."""
    onnx = _onnx()
    helper = onnx.helper
    nodes = []
    for number, node in enumerate(graph.nodes):
        attributes = {key: _tensor_type(onnx, value) if isinstance(value, np.dtype) else value
                      for key, value in node.attributes.items()}
        nodes.append(helper.make_node(node.op_type, list(node.inputs), list(node.outputs),
                                      name=f"{node.op_type}_{number}", **attributes))
    inputs = [helper.make_tensor_value_info(name, _tensor_type(onnx, dtype),
                                            _dims(name, shape, True))
              for name, dtype, shape in graph.inputs]
    outputs = [helper.make_tensor_value_info(name, _tensor_type(onnx, dtype),
                                             _dims(name, shape, False))
               for name, dtype, shape in graph.outputs]
    initializers = [_initializer(onnx, name, array)
                    for name, array in graph.initializers.items()]
    body = helper.make_graph(nodes, "stir", inputs, outputs, initializers, doc_string=doc)
    model = helper.make_model(body, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="stir", producer_version=__version__)
    model.ir_version = IR_VERSION
    return model
