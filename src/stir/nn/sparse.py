"""`Embedding`: a table of learned vectors, one row per index (a word, a character, ...)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import random as _random
from ..tensor import Tensor
from . import functional as F
from .functional.sparse import padding_row
from .module import Module
from .parameter import Parameter


class Embedding(Module):
    """A lookup table: wraps `F.embedding` with its own `weight` of shape
    (num_embeddings, embedding_dim), drawn from N(0, 1) as PyTorch does; the `padding_idx`
    row starts at zero and gets no gradient.

    >>> import stir
    >>> table = stir.nn.Embedding(10, 3, padding_idx=0)
    >>> table
    Embedding(10, 3, padding_idx=0)  # 30 parameters
    >>> table(stir.tensor([[1, 2, 0]])).shape, table.weight[0].tolist()
    (stir.Size([1, 3, 3]), [0.0, 0.0, 0.0])
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 max_norm: float | None = None, norm_type: float = 2.0,
                 scale_grad_by_freq: bool = False, sparse: bool = False,
                 dtype: Any = np.float32, generator: _random.Generator | None = None) -> None:
        super().__init__()
        for name, value in (("num_embeddings", num_embeddings), ("embedding_dim", embedding_dim)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"Embedding: {name} must be a positive integer, got {value!r}")
        self.num_embeddings, self.embedding_dim = int(num_embeddings), int(embedding_dim)
        self.padding_idx = padding_row(padding_idx, self.num_embeddings)
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse
        values = _random.resolve(generator).standard_normal(
            (self.num_embeddings, self.embedding_dim)).astype(dtype)
        if self.padding_idx is not None:
            values[self.padding_idx] = 0
        self.weight = Parameter(values)

    @classmethod
    def from_pretrained(cls, embeddings: Tensor, freeze: bool = True,
                        padding_idx: int | None = None, max_norm: float | None = None,
                        norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                        sparse: bool = False) -> Embedding:
        """An Embedding holding `embeddings` (2-D, shared, not copied), not trained when
        `freeze`."""
        if embeddings.ndim != 2:
            raise ValueError("Embeddings parameter is expected to be 2-dimensional")
        rows, columns = embeddings.shape
        layer = cls(rows, columns, padding_idx, max_norm, norm_type, scale_grad_by_freq,
                    sparse, dtype=embeddings.dtype)
        layer.weight = Parameter(embeddings, requires_grad=not freeze)
        return layer

    def forward(self, input: Any) -> Tensor:
        try:
            return F.embedding(input, self.weight, self.padding_idx, self.max_norm,
                               self.norm_type, self.scale_grad_by_freq, self.sparse)
        except (IndexError, TypeError) as error:  # a bad index: name the layer, not F's
            message = str(error)
            if not message.startswith("embedding:"):
                raise
            raise type(error)(f"{type(self).__name__}({self.extra_repr()})"
                              f"{message[len('embedding'):]}") from None

    def extra_repr(self) -> str:
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        for name, default in (("padding_idx", None), ("max_norm", None), ("norm_type", 2.0),
                              ("scale_grad_by_freq", False), ("sparse", False)):
            if getattr(self, name) != default:
                text += f", {name}={getattr(self, name)}"
        return text
