"""Creation and sampling as PyTorch's: the same calls give the same dtypes, shapes and values
(or, for random functions, the same distributions and reproducible draws), and the same
errors; `device=` on every constructor, `set_default_device`, and `Generator`."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import stir


@pytest.fixture
def torch():
    return pytest.importorskip("torch", reason="PyTorch is the oracle and is not installed")


def _both(torch, make):
    """`make(lib)` with lib = stir, then with lib = torch."""
    return make(stir), make(torch)


def _source(make) -> str:
    return inspect.getsource(make).strip()


def _dtype_name(dtype) -> str:
    return str(dtype).removeprefix("torch.")


DETERMINISTIC = [
    lambda lib: lib.zeros(size=(2, 3)),
    lambda lib: lib.zeros((2, 3)),
    lambda lib: lib.zeros([2, 3]),
    lambda lib: lib.zeros(2, 3),
    lambda lib: lib.zeros(()),
    lambda lib: lib.zeros(np.int64(3)),
    lambda lib: lib.zeros(lib.tensor(3)),
    lambda lib: lib.ones(size=[2]),
    lambda lib: lib.ones(2, dtype=lib.int64),
    lambda lib: lib.empty(size=(2, 0)).shape,
    lambda lib: lib.zeros(lib.zeros(2, 5).shape),
    lambda lib: lib.arange(end=5),
    lambda lib: lib.arange(5),
    lambda lib: lib.arange(5.0),
    lambda lib: lib.arange(start=1, end=4),
    lambda lib: lib.arange(0, 1, 0.1),
    lambda lib: lib.arange(1, 2.5, 0.5),
    lambda lib: lib.arange(5, 0, -1),
    lambda lib: lib.arange(0, 0),
    lambda lib: lib.arange(lib.tensor(3)),
    lambda lib: lib.arange(lib.tensor(3.0)),
    lambda lib: lib.arange(np.float32(3)),
    lambda lib: lib.arange(1, 4, dtype=lib.float64),
    lambda lib: lib.arange(-3, 3, 2),
    lambda lib: lib.full((2,), 3),
    lambda lib: lib.full((2,), 3.0),
    lambda lib: lib.full((2,), True),
    lambda lib: lib.full((2,), 3, dtype=lib.float32),
    lambda lib: lib.full([2, 2], 1.5),
    lambda lib: lib.full((), 2),
    lambda lib: lib.full((2,), lib.tensor(3.0)),
    lambda lib: lib.full(size=(2,), fill_value=1),
    lambda lib: lib.full_like(lib.zeros(2, dtype=lib.int64), 2.7),
    lambda lib: lib.full_like(lib.zeros(2), 3),
    lambda lib: lib.full_like(lib.zeros(2), 3, dtype=lib.int32),
    lambda lib: lib.zeros_like(lib.zeros(2), dtype=lib.int64),
    lambda lib: lib.ones_like(lib.zeros(2, dtype=lib.int32)),
    lambda lib: lib.empty_like(lib.ones(3, dtype=lib.float64)).shape,
    lambda lib: lib.tensor(3.0),
    lambda lib: lib.tensor(3),
    lambda lib: lib.tensor(True),
    lambda lib: lib.tensor([]),
    lambda lib: lib.tensor(np.float64(3)),
    lambda lib: lib.tensor(np.arange(3)),
    lambda lib: lib.tensor([[1, 2], [3, 4]]),
    lambda lib: lib.as_tensor([1, 2]),
    lambda lib: lib.as_tensor([1.0, 2.0]),
    lambda lib: lib.as_tensor(np.arange(3.0)),
    lambda lib: lib.as_tensor(np.arange(3.0), dtype=lib.float32),
    lambda lib: lib.as_tensor(lib.ones(2), dtype=lib.int64),
    lambda lib: lib.eye(3, dtype=lib.int64),
    lambda lib: lib.eye(2, 3),
    lambda lib: lib.linspace(0, 1, 5, dtype=lib.float64),
    lambda lib: lib.logspace(0, 2, 3, base=2),
]


@pytest.mark.parametrize("make", DETERMINISTIC)
def test_a_constructor_matches_pytorch(torch, make) -> None:
    ours, theirs = _both(torch, make)
    if isinstance(theirs, torch.Size):
        assert tuple(ours) == tuple(theirs)
        return
    assert _dtype_name(ours.dtype) == _dtype_name(theirs.dtype), _source(make)
    assert tuple(ours.shape) == tuple(theirs.shape), _source(make)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, atol=1e-7)


RANDOM_SHAPES = [
    lambda lib: lib.normal(lib.zeros(3), lib.ones(3)),
    lambda lib: lib.normal(lib.zeros(3), 1.0),
    lambda lib: lib.normal(0.0, lib.ones(2, 2)),
    lambda lib: lib.normal(0, 1, size=(2, 3)),
    lambda lib: lib.normal(0, 1, (2, 3)),
    lambda lib: lib.normal(lib.zeros(3)),
    lambda lib: lib.normal(lib.zeros(3, dtype=lib.float64), 1.0),
    lambda lib: lib.normal(2, lib.ones(3, dtype=lib.float64)),
    lambda lib: lib.normal(lib.zeros(2), lib.ones(2, 1)),
    lambda lib: lib.normal(0, 1, size=(2,), dtype=lib.float64),
    lambda lib: lib.randint(5, (3,)),
    lambda lib: lib.randint(2, 5, (3,)),
    lambda lib: lib.randint(5, size=(3,)),
    lambda lib: lib.randint(low=2, high=5, size=(3,)),
    lambda lib: lib.randint(high=5, size=(3,)),
    lambda lib: lib.randint(5, (3,), dtype=lib.float32),
    lambda lib: lib.randint(0, 2**40, (3,)),
    lambda lib: lib.randint(3, ()),
    lambda lib: lib.randint(3, [2, 2]),
    lambda lib: lib.randint(-5, -2, (4,)),
    lambda lib: lib.randperm(5),
    lambda lib: lib.randperm(0),
    lambda lib: lib.randperm(5, dtype=lib.float32),
    lambda lib: lib.multinomial(lib.tensor([1.0, 2.0, 3.0]), 2),
    lambda lib: lib.multinomial(lib.tensor([1.0, 2.0, 3.0]), 4, True),
    lambda lib: lib.multinomial(lib.tensor([[1.0, 2.0, 3.0], [1, 1, 1]]), 2),
    lambda lib: lib.multinomial(lib.tensor([1.0, 2.0], dtype=lib.float64), 1),
    lambda lib: lib.bernoulli(lib.full((3,), 0.5)),
    lambda lib: lib.bernoulli(lib.tensor([0.5], dtype=lib.float64)),
    lambda lib: lib.bernoulli(lib.zeros(3), 0.3),
    lambda lib: lib.randint_like(lib.zeros(3), 5),
    lambda lib: lib.randint_like(lib.zeros(3), 2, 5),
    lambda lib: lib.randint_like(lib.zeros(3, dtype=lib.int32), 5),
    lambda lib: lib.randint_like(lib.zeros(3), high=5),
    lambda lib: lib.rand(size=(2,)),
    lambda lib: lib.randn(size=(2,)),
    lambda lib: lib.rand(2, 3),
    lambda lib: lib.randn((2, 3)),
    lambda lib: lib.rand_like(lib.zeros(2, dtype=lib.float64)),
    lambda lib: lib.randn_like(lib.zeros(2, 2)),
]


@pytest.mark.parametrize("make", RANDOM_SHAPES)
def test_a_sampler_has_pytorchs_dtype_and_shape(torch, make) -> None:
    ours, theirs = _both(torch, make)
    assert _dtype_name(ours.dtype) == _dtype_name(theirs.dtype), _source(make)
    assert tuple(ours.shape) == tuple(theirs.shape), _source(make)


ERRORS = [  # (expression, the part of stir's message that says what is wrong)
    (lambda lib: lib.normal(0.0, 1.0), "needs a size"),
    (lambda lib: lib.normal(lib.zeros(2, 3), lib.ones(5)), "broadcast"),
    (lambda lib: lib.normal(lib.zeros(3, dtype=lib.int64), 1.0), "floating"),
    (lambda lib: lib.normal(0, -1.0, size=(2,)), "std >= 0.0"),
    (lambda lib: lib.normal(lib.zeros(3), -1.0), "std >= 0.0"),
    (lambda lib: lib.normal(lib.zeros(3), lib.tensor([1.0, -1.0, 1.0])), "std >= 0.0"),
    (lambda lib: lib.randint(3), "randint"),
    (lambda lib: lib.randint(5, 3), "'size' must be tuple of ints"),
    (lambda lib: lib.randint(5, 5, (3,)), "from=5 >= to=5"),
    (lambda lib: lib.randint(5, 2, (3,)), "from=5 >= to=2"),
    (lambda lib: lib.randint(5.5, (3,)), "'high' must be int"),
    (lambda lib: lib.randint(0, 300, (3,), dtype=lib.uint8), "does not fit in uint8"),
    (lambda lib: lib.randperm(-1), "negative"),
    (lambda lib: lib.randperm(5.0), "'n' must be int"),
    (lambda lib: lib.multinomial(lib.tensor([1.0, 2.0, 3.0]), 4), "without replacement"),
    (lambda lib: lib.multinomial(lib.tensor([1.0, -2.0, 3.0]), 1), "element < 0"),
    (lambda lib: lib.multinomial(lib.tensor([1.0, float('inf')]), 1), "`inf`"),
    (lambda lib: lib.multinomial(lib.tensor([1.0, float('nan')]), 1), "`nan`"),
    (lambda lib: lib.multinomial(lib.tensor([0.0, 0.0]), 1), "sum of probabilities <= 0"),
    (lambda lib: lib.multinomial(lib.tensor([1, 2]), 1), "floating-point"),
    (lambda lib: lib.multinomial(lib.zeros(2, 2, 2), 1), "1 or 2 dim"),
    (lambda lib: lib.multinomial(lib.tensor(1.0), 1), "1 or 2 dim"),
    (lambda lib: lib.multinomial(lib.tensor([1.0, 2.0]), 0), "n_sample <= 0"),
    (lambda lib: lib.bernoulli(lib.tensor([2.0])), "[0, 1]"),
    (lambda lib: lib.bernoulli(lib.tensor([1])), "floating-point"),
    (lambda lib: lib.rand(2, 3, dtype=lib.int64), "floating-point"),
    (lambda lib: lib.randn(2, dtype=lib.int64), "floating-point"),
    (lambda lib: lib.arange(0, 5, 0), "step must be nonzero"),
    (lambda lib: lib.arange(5, 0), "inconsistent with the sign of step"),
    (lambda lib: lib.full(2, 3), "tuple or list of ints"),
    (lambda lib: lib.zeros(), "needs a size"),
    (lambda lib: lib.zeros(2, 3, size=(2, 3)), "both"),
]


@pytest.mark.parametrize("make, fragment", ERRORS)
def test_an_error_is_pytorchs_and_says_what_is_wrong(torch, make, fragment) -> None:
    with pytest.raises(Exception) as theirs:
        make(torch)
    with pytest.raises(type(theirs.value)) as ours:
        make(stir)
    assert fragment in str(ours.value)


@pytest.mark.parametrize("make", [lambda lib: lib.zeros(-1), lambda lib: lib.zeros(2.0),
                                  lambda lib: lib.eye(2.5)])
def test_a_bad_size_is_named_as_stir_always_has(make) -> None:
    """stir's one message for a bad size, a ValueError (PyTorch raises RuntimeError for a
    negative size and TypeError for a float one)."""
    with pytest.raises(ValueError, match="a size must be non-negative integers"):
        make(stir)


# ----------------------------------------------------------------------------- distributions
def _seeded(seed: int = 0) -> stir.Generator:
    return stir.Generator().manual_seed(seed)


def test_normal_moments_in_every_form() -> None:
    scalar = stir.normal(2.0, 0.5, size=(20_000,), generator=_seeded()).numpy()
    assert abs(scalar.mean() - 2.0) < 0.02 and abs(scalar.std() - 0.5) < 0.02
    means = stir.tensor(np.repeat([[-3.0], [0.0], [5.0]], 5000, axis=1))
    stds = stir.tensor([[0.1], [1.0], [2.0]])
    drawn = stir.normal(means, stds, generator=_seeded(1)).numpy()
    np.testing.assert_allclose(drawn.mean(axis=1), [-3.0, 0.0, 5.0], atol=0.1)
    np.testing.assert_allclose(drawn.std(axis=1), [0.1, 1.0, 2.0], rtol=0.05)
    unit = stir.normal(stir.zeros(10_000), generator=_seeded(2)).numpy()
    assert abs(unit.std() - 1.0) < 0.03


def test_normal_records_pytorchs_zero_gradient(torch) -> None:
    mean = stir.zeros(3, requires_grad=True)
    drawn = stir.normal(mean, 2.0)
    assert drawn.requires_grad == torch.normal(torch.zeros(3, requires_grad=True),
                                               2.0).requires_grad
    drawn.sum().backward()
    assert mean.grad.tolist() == [0.0, 0.0, 0.0]


def test_randint_is_uniform_over_its_range() -> None:
    drawn = stir.randint(3, 7, (40_000,), generator=_seeded()).numpy()
    counts = np.bincount(drawn, minlength=7)[3:]
    assert drawn.min() == 3 and drawn.max() == 6
    np.testing.assert_allclose(counts / len(drawn), 0.25, atol=0.01)
    whole = stir.randint_like(stir.zeros(1000), 10, generator=_seeded()).numpy()
    assert whole.dtype == np.float32 and (whole == np.round(whole)).all() and whole.max() <= 9


def test_randperm_is_a_permutation() -> None:
    order = stir.randperm(1000, generator=_seeded()).tolist()
    assert sorted(order) == list(range(1000)) and order != list(range(1000))


def test_multinomial_frequencies_and_rules() -> None:
    weights = stir.tensor([0.0, 1.0, 3.0, 6.0])  # unnormalized
    drawn = stir.multinomial(weights, 20_000, replacement=True, generator=_seeded()).numpy()
    np.testing.assert_allclose(np.bincount(drawn, minlength=4) / 20_000, [0, 0.1, 0.3, 0.6],
                               atol=0.015)
    rows = stir.multinomial(stir.tensor([[1.0, 1.0, 1.0, 1.0], [0.0, 0.0, 5.0, 1.0]]), 4,
                            generator=_seeded())
    assert [sorted(r) for r in rows.tolist()] == [[0, 1, 2, 3], [0, 1, 2, 3]]
    assert rows.tolist()[1][:2] in ([2, 3], [3, 2])  # positive weights first
    firsts = [stir.multinomial(stir.tensor([1.0, 9.0]), 1, generator=_seeded(s)).item()
              for s in range(400)]
    assert 0.85 < sum(firsts) / 400 < 0.95


def test_bernoulli_moments_and_dtype() -> None:
    p = stir.tensor([0.1, 0.5, 0.9], dtype=stir.float64).reshape(3, 1) * stir.ones(3, 5000,
                                                                                 dtype=stir.float64)
    drawn = stir.bernoulli(p, generator=_seeded()).numpy()
    assert drawn.dtype == np.float64 and set(np.unique(drawn)) <= {0.0, 1.0}
    np.testing.assert_allclose(drawn.mean(axis=1), [0.1, 0.5, 0.9], atol=0.02)
    fixed = stir.bernoulli(stir.zeros(10_000), 0.3, generator=_seeded()).numpy()
    assert abs(fixed.mean() - 0.3) < 0.02


SAMPLERS = [
    lambda g: stir.rand(5, generator=g), lambda g: stir.randn(5, generator=g),
    lambda g: stir.normal(0.0, 1.0, (5,), generator=g),
    lambda g: stir.normal(stir.zeros(5), stir.ones(5), generator=g),
    lambda g: stir.randint(0, 100, (5,), generator=g), lambda g: stir.randperm(5, generator=g),
    lambda g: stir.multinomial(stir.ones(5), 3, generator=g),
    lambda g: stir.bernoulli(stir.full((5,), 0.5), generator=g),
    lambda g: stir.randint_like(stir.zeros(5), 9, generator=g),
    lambda g: stir.rand_like(stir.zeros(5), generator=g),
    lambda g: stir.randn_like(stir.zeros(5), generator=g),
]


@pytest.mark.parametrize("draw", SAMPLERS)
def test_the_same_seed_gives_the_same_numbers(draw) -> None:
    assert draw(_seeded(5)).tolist() == draw(_seeded(5)).tolist()
    assert any(draw(_seeded(5)).tolist() != draw(_seeded(s)).tolist() for s in (6, 7, 8))
    stir.manual_seed(11)
    first = draw(None).tolist()
    stir.manual_seed(11)
    assert draw(None).tolist() == first


# ----------------------------------------------------------------------------- generators
def test_generators_seed_as_pytorchs(torch) -> None:
    g = stir.Generator()
    assert g.initial_seed() == torch.Generator().initial_seed()  # PyTorch's fixed start
    assert g.manual_seed(42) is g and g.initial_seed() == 42
    assert stir.Generator("cpu").initial_seed() == stir.Generator(device="cpu").initial_seed()
    assert stir.Generator().manual_seed(-1).initial_seed() == \
        torch.Generator().manual_seed(-1).initial_seed()
    assert stir.manual_seed(3) is stir.default_generator and stir.initial_seed() == 3
    fresh = stir.seed()
    assert stir.initial_seed() == fresh and isinstance(fresh, int)
    assert g.seed() == g.initial_seed() and g.device == "cpu"
    a = stir.randn(3, generator=stir.Generator()).tolist()
    assert stir.randn(3, generator=stir.Generator()).tolist() == a  # a fixed start
    with pytest.raises(TypeError, match="seed must be an int"):
        stir.Generator().manual_seed(1.5)
    with pytest.raises(ValueError, match="64-bit"):
        stir.manual_seed(2**64)
    with pytest.raises(TypeError, match="stir.Generator"):
        stir.rand(2, generator=np.random.default_rng(0))


# ----------------------------------------------------------------------------- devices
CONSTRUCTORS = [
    lambda **d: stir.zeros(2, **d), lambda **d: stir.ones(2, **d), lambda **d: stir.empty(2, **d),
    lambda **d: stir.full((2,), 1.0, **d), lambda **d: stir.arange(3, **d),
    lambda **d: stir.linspace(0, 1, 3, **d), lambda **d: stir.logspace(0, 1, 3, **d),
    lambda **d: stir.eye(2, **d), lambda **d: stir.rand(2, **d), lambda **d: stir.randn(2, **d),
    lambda **d: stir.randint(3, (2,), **d), lambda **d: stir.randperm(3, **d),
    lambda **d: stir.normal(0.0, 1.0, (2,), **d), lambda **d: stir.tensor([1.0], **d),
    lambda **d: stir.as_tensor([1.0], **d), lambda **d: stir.zeros_like(stir.ones(2), **d),
    lambda **d: stir.ones_like(stir.ones(2), **d), lambda **d: stir.empty_like(stir.ones(2), **d),
    lambda **d: stir.full_like(stir.ones(2), 3, **d),
    lambda **d: stir.rand_like(stir.ones(2), **d), lambda **d: stir.randn_like(stir.ones(2), **d),
    lambda **d: stir.randint_like(stir.ones(2), 3, **d),
]


@pytest.mark.parametrize("make", CONSTRUCTORS)
def test_every_constructor_takes_a_device(make) -> None:
    for where in ("cpu", stir.device("cpu"), None):
        assert make(device=where).device == "cpu"
    with pytest.raises(ValueError, match="unknown device 'tpu'"):
        make(device="tpu")
    if not stir.cuda.is_available():
        with pytest.raises(RuntimeError, match="device 'cuda' needs CuPy"):
            make(device="cuda")
    else:
        assert make(device="cuda").device.type == "cuda"


def test_the_default_device_governs_constructors_but_not_like_functions() -> None:
    assert stir.get_default_device() == stir.device("cpu")
    host = stir.ones(2)
    try:
        stir.set_default_device(stir.device("cpu"))
        assert stir.zeros(2).device == "cpu"
        stir.set_default_device("cuda")  # as in PyTorch: accepted now, checked when used
        assert stir.get_default_device() == "cuda"
        if not stir.cuda.is_available():
            for make in (lambda: stir.zeros(2), lambda: stir.tensor([1.0]),
                         lambda: stir.randn(2), lambda: stir.arange(3)):
                with pytest.raises(RuntimeError, match="needs CuPy and a CUDA GPU"):
                    make()
            assert stir.zeros_like(host).device == "cpu"  # *_like follow their input
            assert stir.zeros(2, device="cpu").device == "cpu"
        with pytest.raises(ValueError, match="unknown device"):
            stir.set_default_device("tpu")
    finally:
        stir.set_default_device(None)
    assert stir.get_default_device() == "cpu"


def test_as_tensor_shares_memory_when_it_can() -> None:
    values = np.zeros(3, dtype=np.float32)
    shared = stir.as_tensor(values)
    values[0] = 7.0
    assert shared.tolist() == [7.0, 0.0, 0.0] and shared.dtype == np.float32
    copied = stir.as_tensor(values, dtype=stir.float64)
    values[1] = 1.0
    assert copied.tolist() == [7.0, 0.0, 0.0]
    existing = stir.ones(2)
    assert stir.as_tensor(existing) is existing
    assert stir.as_tensor(existing, device="cpu") is existing
    assert stir.as_tensor(existing, dtype=stir.float64).dtype == np.float64


@pytest.mark.parametrize("call", [
    lambda t, w: w.new_zeros(2, 3), lambda t, w: w.new_zeros((2, 3)),
    lambda t, w: w.new_ones(4), lambda t, w: w.new_full((2,), 7),
    lambda t, w: w.new_tensor([1, 2]), lambda t, w: w.new_empty(3).zero_(),
    lambda t, w: w.new_zeros(2, dtype=t.int64),
    lambda t, w: t.LongTensor([1, 2]), lambda t, w: t.FloatTensor([[1, 2]]),
    lambda t, w: t.FloatTensor(2, 3).zero_(), lambda t, w: t.DoubleTensor([0.5]),
    lambda t, w: t.IntTensor([3]), lambda t, w: t.BoolTensor([True, False]),
])
def test_new_methods_and_legacy_constructors_are_pytorch_s(call) -> None:
    torch = pytest.importorskip("torch")
    ours = call(stir, stir.nn.Parameter(stir.ones(2, dtype=stir.float64)))
    theirs = call(torch, torch.nn.Parameter(torch.ones(2, dtype=torch.float64)))
    assert ours.shape == tuple(theirs.shape) and str(ours.dtype) == str(theirs.dtype)[6:]
    assert ours.tolist() == theirs.tolist()
    assert ours.requires_grad is theirs.requires_grad is False
