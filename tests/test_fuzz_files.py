"""Hostile files: seeded mutations of valid model files fed to `stir.load`. Each must load
or raise stir.ModelFormatError; no other exception, no hang. 20 000 mutants by default;
`-m slow` runs 200 000."""

import io
import json
import time

import numpy as np
import pytest

import stir
from stir import nn
from stir.io import ModelFormatError


def valid_files(tmp_path):
    """Valid model files to mutate: an MLP, a model of many layer kinds, a custom module's
    weights-only file, and one with nested metadata."""
    stir.manual_seed(0)
    models = {
        "mlp": (nn.MLP([3, 4, 2]), None),
        "layers": (nn.Sequential(nn.Linear(3, 4), nn.PReLU(4), nn.Maxout(4, 2, pieces=2),
                                 nn.Dropout(0.1), nn.Softmax()), None),
        "metadata": (nn.MLP([2, 2], dtype=np.float64),
                     {"stir_train": {"features": ["a", "b"], "classes": [0, 1]}}),
    }
    return [stir.save(model, tmp_path / f"{name}.safetensors", metadata=metadata).read_bytes()
            for name, (model, metadata) in models.items()]


def header_edit(data, rng):
    """Change the JSON header's text (a digit, a quote, a bracket, a deleted or repeated
    span) and keep the length prefix consistent, so that parsing gets past the first check."""
    length = int.from_bytes(data[:8], "little")
    header, rest = bytearray(data[8:8 + length]), data[8 + length:]
    choice = rng.integers(4)
    position = int(rng.integers(len(header)))
    if choice == 0:
        header[position] = rng.choice(list(b'0123456789-[]{}",:eE.'))
    elif choice == 1:
        end = min(len(header), position + int(rng.integers(1, 20)))
        del header[position:end]
    elif choice == 2:
        end = min(len(header), position + int(rng.integers(1, 20)))
        header[position:position] = header[position:end]
    else:  # a number anywhere in the header made huge, negative or fractional
        digits = [i for i, c in enumerate(header) if chr(c).isdigit()]
        if digits:
            at = digits[int(rng.integers(len(digits)))]
            header[at:at + 1] = rng.choice([b"99999999999999999999", b"-1", b"1.5", b"0"])
    return len(header).to_bytes(8, "little") + bytes(header) + rest


def mutate(valid, others, rng):
    """One mutant: bit flips, a truncation, a header edit, or a splice of another file."""
    data = bytearray(valid)
    kind = int(rng.integers(4))
    if kind == 0:
        for _ in range(int(rng.integers(1, 5))):
            position = int(rng.integers(len(data)))
            data[position] ^= 1 << int(rng.integers(8))
    elif kind == 1:
        data = data[:int(rng.integers(len(data)))]
    elif kind == 2:
        data = bytearray(header_edit(bytes(data), rng))
    else:
        donor = others[int(rng.integers(len(others)))]
        start, end = sorted(int(i) for i in rng.integers(len(data), size=2))
        offset = int(rng.integers(len(donor)))
        data[start:end] = donor[offset:offset + int(rng.integers(0, 64))]
    return kind, bytes(data)


def fuzz(valid_list, count, seed):
    rng = np.random.default_rng(seed)
    outcomes = np.zeros((4, 2), dtype=np.int64)  # kind × (refused, loaded)
    for trial in range(count):
        valid = valid_list[trial % len(valid_list)]
        kind, data = mutate(valid, valid_list, rng)
        try:
            stir.load(io.BytesIO(data))
            outcomes[kind, 1] += 1
        except ModelFormatError:
            outcomes[kind, 0] += 1
        except Exception as error:  # noqa: BLE001 - the point of the test
            pytest.fail(f"trial {trial} (seed {seed}, mutation kind {kind}) raised "
                        f"{type(error).__name__}: {error}; bytes: {data[:200]!r}...")
    return outcomes


def test_20_000_mutants_load_or_raise_model_format_error(tmp_path):
    started = time.perf_counter()
    outcomes = fuzz(valid_files(tmp_path), 20_000, seed=0)
    elapsed = time.perf_counter() - started
    assert outcomes.sum() == 20_000
    assert (outcomes[:, 0] > 1000).all(), outcomes  # every kind of damage was caught often
    print(f"20 000 mutants in {elapsed:.1f} s; refused/loaded by kind:\n{outcomes}")


@pytest.mark.slow
def test_200_000_mutants(tmp_path):
    outcomes = fuzz(valid_files(tmp_path), 200_000, seed=1)
    assert outcomes.sum() == 200_000


def test_checkpoint_mutants_raise_model_format_error(tmp_path):
    model = nn.MLP([3, 4, 2])
    opt = stir.optim.Adam(model.parameters())
    (model(stir.ones(1, 3)).sum()).backward()
    opt.step()
    valid = stir.checkpoint.save(tmp_path / "c.ckpt", model=model, optimizer=opt, epoch=2,
                                 history={"loss": [1.0]}).read_bytes()
    rng = np.random.default_rng(2)
    path = tmp_path / "mutant.ckpt"
    refused = 0
    for trial in range(1000):
        _, data = mutate(valid, [valid], rng)
        path.write_bytes(data)
        try:
            stir.checkpoint.read(path)
        except ModelFormatError:
            refused += 1
    assert refused > 900


def test_loading_a_file_costs_at_most_twice_its_size(tmp_path):
    """Memory while loading stays within 2x the file size plus 16 MiB (tracemalloc sees
    NumPy's and Python's allocations)."""
    import tracemalloc

    path = stir.save(nn.MLP([1000, 2000, 2000, 10]), tmp_path / "big.safetensors")
    size = path.stat().st_size
    assert size > 20 * 2**20
    tracemalloc.start()
    try:
        model = stir.load(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert model.parameter_count() * 4 < size
    assert peak <= 2 * size + 16 * 2**20, (peak / 2**20, size / 2**20)
