"""Devices: "cpu" is NumPy; "cuda" is CuPy on a GPU, through the same array seam.

On a machine without CuPy or without a GPU, asking for "cuda" fails with one sentence that
says what is missing. The GPU tests run only where CuPy sees a GPU.
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

import stir
import stir.nn as nn


def gpu_available() -> bool:
    if importlib.util.find_spec("cupy") is None:
        return False
    try:
        import cupy
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # CUDA's own errors without a driver
        return False


GPU = gpu_available()
needs_gpu = pytest.mark.skipif(not GPU, reason="needs CuPy and a CUDA GPU")


def test_a_tensor_is_on_the_cpu() -> None:
    x = stir.tensor([1.0, 2.0])
    assert x.device == "cpu"
    assert x.cpu() is x
    moved = x.to("cpu")
    assert moved is not x and np.array_equal(moved.numpy(), x.numpy())
    assert stir.tensor([1.0], device="cpu").device == "cpu"


def test_to_takes_a_device_and_a_dtype() -> None:
    x = stir.tensor([1.5, 2.5])
    both = x.to("cpu", stir.float64)
    assert both.dtype == np.float64 and both.device == "cpu"
    assert x.to(dtype=stir.float64).dtype == np.float64


def test_an_unknown_device_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown device 'tpu'"):
        stir.tensor([1.0], device="tpu")


@pytest.mark.skipif(GPU, reason="a GPU is present")
def test_cuda_without_a_gpu_says_why_in_one_sentence() -> None:
    for attempt in (lambda: stir.tensor([1.0], device="cuda"),
                    lambda: stir.tensor([1.0]).to("cuda"),
                    lambda: nn.Linear(2, 1).to("cuda")):
        with pytest.raises(RuntimeError) as caught:
            attempt()
        message = str(caught.value)
        assert message.startswith("device 'cuda' needs CuPy and a CUDA GPU")
        assert "\n" not in message and message.count(";") == 1


def test_numpy_of_a_tensor_elsewhere_copies_to_the_host() -> None:
    xp = pytest.importorskip("array_api_strict", reason="array-api-strict is not installed")
    elsewhere = xp.asarray([1.0, 2.0], device=xp.Device("device1"))
    x = stir.Tensor(elsewhere)
    assert "device1" in str(x.device)
    host = x.numpy()
    assert type(host) is np.ndarray and host.tolist() == [1.0, 2.0]
    assert x.tolist() == [1.0, 2.0] and "device=" in repr(x)
    back = x.to("cpu")
    assert back.device == "cpu" and back.tolist() == [1.0, 2.0]


def test_a_gradient_comes_back_across_a_move() -> None:
    xp = pytest.importorskip("array_api_strict", reason="array-api-strict is not installed")
    x = stir.Tensor(xp.asarray([1.0, 2.0], device=xp.Device("device1"))).requires_grad_()
    (x.to("cpu") * stir.tensor([3.0, 4.0], dtype=stir.float64)).sum().backward()
    assert type(x.grad.array) is type(x.array) and x.grad.tolist() == [3.0, 4.0]


def test_a_module_moves_in_place_with_its_gradients() -> None:
    """model.to(device) and model.to(dtype) change the arrays of the same Parameter objects
    (an optimizer made before keeps working), and the gradients follow."""
    xp = pytest.importorskip("array_api_strict", reason="array-api-strict is not installed")
    elsewhere = xp.Device("device1")
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    start = [p.detach().numpy().copy() for p in model.parameters()]
    for p in model.parameters():
        p.array = xp.asarray(p.detach().numpy(), device=elsewhere)
        p.grad = stir.Tensor(xp.ones(p.shape, dtype=p.array.dtype, device=elsewhere))
    held = list(model.parameters())
    optimizer = stir.optim.SGD(model.parameters(), lr=0.5)
    assert model.to("cpu", stir.float64) is model
    assert list(model.parameters()) == held
    for p, values in zip(model.parameters(), start):
        assert type(p.array) is np.ndarray and p.dtype == np.float64
        assert type(p.grad.array) is np.ndarray and p.grad.dtype == np.float64
        assert np.array_equal(p.detach().numpy(), values)
    optimizer.step()
    assert np.allclose(held[0].detach().numpy(), start[0] - 0.5)
    assert model.float().cpu() is model and held[0].dtype == np.float32


@needs_gpu
def test_cuda_round_trip_and_a_training_step_match_the_cpu() -> None:
    x = stir.tensor([[0.5, -1.0], [2.0, 0.25]])
    on_gpu = x.to("cuda")
    assert on_gpu.device.startswith("cuda") and np.array_equal(on_gpu.numpy(), x.numpy())
    stir.manual_seed(0)
    model = nn.Linear(2, 1)
    weight, bias = model.weight.array.copy(), model.bias.array.copy()
    loss = ((model(x) - 1.0) ** 2).mean()
    loss.backward()
    gpu_weight = stir.tensor(weight, device="cuda").requires_grad_()
    gpu_bias = stir.tensor(bias, device="cuda").requires_grad_()
    gpu_loss = ((stir.nn.functional.linear(on_gpu, gpu_weight, gpu_bias) - 1.0) ** 2).mean()
    gpu_loss.backward()
    np.testing.assert_allclose(gpu_weight.grad.numpy(), model.weight.grad.numpy(), rtol=1e-6)
    np.testing.assert_allclose(gpu_loss.item(), loss.item(), rtol=1e-6)


@pytest.mark.parametrize("args", [("cpu",), ("cuda",), ("cuda:1",), ("cuda", 2)])
def test_device_reads_and_compares_as_pytorchs(args) -> None:
    ours = stir.device(*args)
    torch = pytest.importorskip("torch", reason="PyTorch is the oracle and is not installed")
    theirs = torch.device(*args)
    assert repr(ours) == repr(theirs) and str(ours) == str(theirs)
    assert (ours.type, ours.index) == (theirs.type, theirs.index)
    assert ours == str(theirs) and stir.device(ours) == ours and len({ours, str(ours)}) == 1


@pytest.mark.parametrize("bad, error", [("tpu", ValueError), ("cuda:x", ValueError),
                                         (("cpu", 0), ValueError), (("cuda:1", 1), ValueError),
                                         (3, TypeError)])
def test_a_bad_device_is_named(bad, error) -> None:
    with pytest.raises(error, match="device"):
        stir.device(*(bad if isinstance(bad, tuple) else (bad,)))


def test_the_tutorial_device_line_runs_everywhere_a_device_is_taken() -> None:
    chosen = stir.device("cuda" if stir.cuda.is_available() else "cpu")
    assert stir.cuda.is_available() == GPU and (stir.cuda.device_count() > 0) == GPU
    x = stir.tensor([1.0, 2.0], device=chosen).to(chosen)
    model = nn.Linear(2, 1).to(chosen)
    assert x.device == chosen and model.weight.device == chosen
    assert model(x).shape == (1,)
