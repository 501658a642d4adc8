"""Files: models (`stir.save`, `stir.load`, `stir.io.read`) in the safetensors format, with
the architecture, metadata and a checksum in the header; every bad file raises
`ModelFormatError`. Checkpoints for resuming training are in `stir.checkpoint`.

    model_files.py         stir.save, stir.load and stir.io.read
    stir_files.py          stir's fields and checksum in a safetensors header
    safetensors_format.py  reading a safetensors file, every field checked first
    architecture.py        a model's layers as JSON, and the model rebuilt from it
    bounded_json.py        JSON with limits on depth and size;  errors.py: ModelFormatError
    plain_data.py          nested data with arrays split into JSON and arrays
    atomic.py              writing a file so that a crash never leaves half of it
"""

from .errors import ModelFormatError
from .model_files import ModelFile, load, read, save

__all__ = ["ModelFile", "ModelFormatError", "load", "read", "save"]
