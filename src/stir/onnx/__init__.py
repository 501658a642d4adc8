"""ONNX export: `stir.onnx.export(model, path)` writes a network, or a `stir train` model
with its preprocessing, as an ONNX file (opset 21) that onnxruntime runs without stir. It
needs the `onnx` package (`pip install stir[onnx]`), imported only when a file is written;
importing `stir.onnx` does not import it.

    export.py          export(): the model read, the graph made, checked and written
    graph.py           Graph, Value, Node: the graph as plain Python;  ExportError
    network.py         a network's graph: each module's converter, found by its class
    activations.py     the activation modules (Relu, Softplus composed exactly, ...)
    layers.py          Linear, Maxout, dropouts, Flatten, Unflatten, Upsample, Embedding
    normalization.py   BatchNorm1d/2d, LayerNorm, GroupNorm
    conv.py            Conv1d/2d, ConvTranspose1d/2d, max, average and adaptive pooling
    recurrent.py       RNN, LSTM, GRU and their cells
    preprocessing.py   a stir train model: raw columns imputed, one-hot encoded, standardized

>>> import stir.onnx
>>> stir.onnx.export(stir.nn.Sequential(stir.nn.ReLU()), "relu.onnx")
Traceback (most recent call last):
...
stir.onnx.graph.ExportError: export cannot tell the input's shape from the first layer, ...
"""

from .export import export
from .graph import OPSET, ExportError
from .network import supported

__all__ = ["ExportError", "OPSET", "export", "supported"]
