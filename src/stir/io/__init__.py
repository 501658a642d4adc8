"""Files: models (`stir.save`, `stir.load`, `stir.io.read`) in the safetensors format, with
the architecture, metadata and a checksum in the header; every bad file raises
`ModelFormatError`. Checkpoints for resuming training are in `stir.checkpoint`.
"""

from .errors import ModelFormatError
from .model_files import ModelFile, load, read, save

__all__ = ["ModelFile", "ModelFormatError", "load", "read", "save"]
