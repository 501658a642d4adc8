"""stir.utils.data as PyTorch's torch.utils.data: datasets, random_split, samplers,
default_collate and the DataLoader (one class for datasets and for stir's arrays), each
compared with PyTorch where it is installed."""

from __future__ import annotations

import collections
import time
import warnings

import numpy as np
import pytest

import stir
import stir.data
from stir.utils import data


@pytest.fixture
def torch():
    return pytest.importorskip("torch", reason="PyTorch is the oracle and is not installed")


def _same(ours, theirs) -> None:
    """A batch of stir's equals one of PyTorch's: structure, dtypes, shapes and values."""
    if hasattr(theirs, "numpy"):
        assert isinstance(ours, stir.Tensor), type(ours)
        assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
        assert tuple(ours.shape) == tuple(theirs.shape)
        np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())
    elif isinstance(theirs, dict):
        assert type(ours) is type(theirs) and ours.keys() == theirs.keys()
        for key in theirs:
            _same(ours[key], theirs[key])
    elif isinstance(theirs, (list, tuple)):
        assert type(ours).__name__ == type(theirs).__name__ and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _same(a, b)
    else:
        assert ours == theirs


def _table(lib, rows: int = 1000):
    features = lib.arange(rows * 3, dtype=lib.float32).reshape(rows, 3)
    return lib.utils.data.TensorDataset(features, lib.arange(rows) % 7)


def _torch_utils(torch):
    import torch.utils.data  # noqa: F401  (makes torch.utils.data an attribute)
    return torch


# ----------------------------------------------------------------------------- loading
@pytest.mark.parametrize("batch_size, drop_last", [(1, False), (7, False), (7, True),
                                                   (32, False), (1000, True), (1001, False),
                                                   (1001, True)])
def test_in_order_batches_of_a_tensor_dataset_are_pytorchs(torch, batch_size, drop_last):
    ours = data.DataLoader(_table(stir), batch_size=batch_size, drop_last=drop_last)
    theirs = torch.utils.data.DataLoader(_table(_torch_utils(torch)), batch_size=batch_size,
                                         drop_last=drop_last)
    assert len(ours) == len(theirs)
    batches = list(ours)
    assert len(batches) == len(list(theirs))
    for a, b in zip(batches, theirs):
        _same(a, b)
    assert [len(b[0]) for b in batches] == [len(b[0]) for b in ours]  # re-iterable


def test_shuffled_epochs_are_seeded_permutations_with_rows_kept_together():
    def epoch(loader):
        labels = [yb for _, yb in loader]
        rows = np.concatenate([xb.numpy()[:, 0] // 3 for xb, _ in loader])
        return np.concatenate([y.numpy() for y in labels]), rows

    loader = data.DataLoader(_table(stir), batch_size=64, shuffle=True,
                             generator=stir.Generator().manual_seed(7))
    first = [xb.numpy()[:, 0] // 3 for xb, _ in loader]
    second = [xb.numpy()[:, 0] // 3 for xb, _ in loader]
    assert sorted(np.concatenate(first).tolist()) == list(range(1000))
    assert not np.array_equal(np.concatenate(first), np.concatenate(second))
    for xb, yb in data.DataLoader(_table(stir), batch_size=100, shuffle=True):
        assert ((xb.numpy()[:, 0] // 3) % 7 == yb.numpy()).all()
    again = data.DataLoader(_table(stir), batch_size=64, shuffle=True,
                            generator=stir.Generator().manual_seed(7))
    np.testing.assert_array_equal(np.concatenate([xb.numpy()[:, 0] // 3 for xb, _ in again]),
                                  np.concatenate(first))
    stir.manual_seed(3)
    one = epoch(data.DataLoader(_table(stir), batch_size=50, shuffle=True))
    stir.manual_seed(3)
    np.testing.assert_array_equal(epoch(data.DataLoader(_table(stir), batch_size=50,
                                                        shuffle=True))[0], one[0])


class Squares:
    """A dataset by protocol alone (no base class): dict samples with mixed types."""

    def __init__(self, lib):
        self.lib = lib

    def __len__(self):
        return 10

    def __getitem__(self, i):
        return {"x": self.lib.full((2,), float(i)), "i": i, "half": i / 2, "name": f"n{i}",
                "pair": (np.float32(i), [i, -i])}


def test_any_dataset_is_collated_as_pytorchs(torch):
    ours = list(data.DataLoader(Squares(stir), batch_size=4))
    theirs = list(torch.utils.data.DataLoader(Squares(_torch_utils(torch)), batch_size=4))
    assert len(ours) == len(theirs) == 3
    for a, b in zip(ours, theirs):
        _same(a, b)


class Images(data.Dataset):
    def __init__(self, lib):
        self.x = lib.arange(40.0).reshape(10, 2, 2)
        self.y = lib.arange(10)

    def __len__(self):
        return 10

    def __getitem__(self, i):
        return self.x[i], self.y[i]


def test_a_dataset_subclass_a_subset_and_a_concatenation(torch):
    _torch_utils(torch)
    for make in (lambda lib, m: m.DataLoader(Images(lib), batch_size=3),
                 lambda lib, m: m.DataLoader(m.Subset(Images(lib), [9, 0, 4, 4]), batch_size=3),
                 lambda lib, m: m.DataLoader(Images(lib) + Images(lib), batch_size=6),
                 lambda lib, m: m.DataLoader(m.Subset(_table(lib, 20), [3, 1, 19]), 2),
                 lambda lib, m: m.DataLoader(lib.arange(10.0).reshape(5, 2), batch_size=2),
                 lambda lib, m: m.DataLoader([(1, 2.0), (3, 4.0), (5, 6.0)], batch_size=2)):
        ours, theirs = list(make(stir, data)), list(make(torch, torch.utils.data))
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _same(a, b)


def test_datasets_index_and_measure_as_pytorchs(torch):
    concatenated = data.ConcatDataset([range(3), range(10, 15)])
    assert len(concatenated) == 8 and concatenated.cumulative_sizes == [3, 8]
    assert [concatenated[i] for i in (0, 2, 3, 7, -1, -8)] == [0, 2, 10, 14, 14, 0]
    with pytest.raises(ValueError, match="should not exceed dataset length"):
        concatenated[-9]
    with pytest.raises(AssertionError, match="empty"):  # PyTorch asserts; stir's is both
        data.ConcatDataset([])
    subset = data.Subset(_table(stir, 10), [4, 2])
    assert len(subset) == 2 and subset[0][0].tolist() == [12.0, 13.0, 14.0]
    rows, labels = _table(stir, 10)[1]
    assert rows.tolist() == [3.0, 4.0, 5.0] and labels.item() == 1
    with pytest.raises(NotImplementedError, match="__getitem__"):
        data.Dataset()[0]
    with pytest.raises(TypeError):
        len(data.Dataset())  # no __len__, as in PyTorch


def test_tensor_dataset_checks_its_tensors(torch):
    with pytest.raises(AssertionError) as theirs:
        torch.utils.data.TensorDataset(torch.zeros(3), torch.zeros(4))
    with pytest.raises(type(theirs.value)) as ours:
        data.TensorDataset(stir.zeros(3), stir.zeros(4))
    assert isinstance(ours.value, ValueError)
    assert "Size mismatch between tensors" in str(ours.value) and "[3, 4]" in str(ours.value)
    with pytest.raises(TypeError, match="not a tensor"):
        data.TensorDataset(np.zeros(3))
    with pytest.raises(ValueError, match="at least one tensor"):
        data.TensorDataset()


def test_gradients_reach_a_dataset_tensor_through_its_batches():
    weights = stir.ones(6, 2, requires_grad=True)
    total = sum(xb.sum() * 1.0 for xb, in data.DataLoader(data.TensorDataset(weights * 2.0),
                                                            batch_size=4, shuffle=True))
    total.backward()
    assert weights.grad.tolist() == [[2.0, 2.0]] * 6


# ----------------------------------------------------------------------------- options
def test_samplers_batch_samplers_and_no_batching_as_pytorchs(torch):
    _torch_utils(torch)
    cases = [
        lambda lib, m: m.DataLoader(_table(lib, 10), sampler=[9, 2, 2, 5], batch_size=3),
        lambda lib, m: m.DataLoader(_table(lib, 10), batch_sampler=[[1, 2], [8], [0, 0, 3]]),
        lambda lib, m: m.DataLoader(_table(lib, 10), batch_size=None),
        lambda lib, m: m.DataLoader(_table(lib, 10), 4, False, None, None, 0, None, False, True),
        lambda lib, m: m.DataLoader(_table(lib, 10), batch_size=4, collate_fn=lambda b: len(b)),
        lambda lib, m: m.DataLoader(_table(lib, 10), batch_sampler=m.BatchSampler(
            m.SequentialSampler(range(10)), 4, drop_last=True)),
        lambda lib, m: m.DataLoader(lib.arange(6.0).reshape(3, 2), batch_size=None),
    ]
    for make in cases:
        ours, theirs = make(stir, data), make(torch, torch.utils.data)
        assert len(ours) == len(theirs)
        for a, b in zip(list(ours), list(theirs), strict=True):
            _same(a, b)


@pytest.mark.parametrize("kwargs", [
    {"sampler": [0, 1], "shuffle": True},
    {"batch_sampler": [[0]], "batch_size": 2},
    {"batch_sampler": [[0]], "drop_last": True},
    {"batch_size": None, "drop_last": True},
    {"batch_size": 0},
    {"num_workers": -1},
    {"prefetch_factor": 2},
    {"persistent_workers": True},
    {"timeout": -1},
])
def test_option_errors_are_pytorchs(torch, kwargs):
    with pytest.raises(ValueError) as theirs:
        torch.utils.data.DataLoader(_table(_torch_utils(torch), 4), **kwargs)
    with pytest.raises(ValueError) as ours:
        data.DataLoader(_table(stir, 4), **kwargs)
    wanted = str(theirs.value).split(",")[0].split(";")[0].removeprefix("batch_size ")
    assert wanted.split()[0] in str(ours.value)


def test_workers_are_accepted_and_said_to_run_in_the_main_process(monkeypatch):
    from stir.data import loader as loader_module
    monkeypatch.setattr(loader_module, "_warned_about_workers", [False])
    loader = data.DataLoader(_table(stir, 10), batch_size=4, num_workers=2,
                             persistent_workers=True, prefetch_factor=2, pin_memory=True)
    with pytest.warns(UserWarning, match="main process"):
        first = [xb.tolist() for xb, _ in loader]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # once only
        assert [xb.tolist() for xb, _ in loader] == first
    assert first == [xb.tolist() for xb, _ in data.DataLoader(_table(stir, 10), batch_size=4)]


class Stream(data.IterableDataset):
    def __init__(self, lib, length: bool = True):
        self.lib, self.length = lib, length

    def __iter__(self):
        return iter([self.lib.tensor([float(i)]) for i in range(7)])

    def __len__(self):
        if not self.length:
            raise TypeError("no length")
        return 7


def test_iterable_datasets_as_pytorchs(torch):
    _torch_utils(torch)

    class TorchStream(torch.utils.data.IterableDataset):
        __iter__, __len__ = Stream.__iter__, Stream.__len__
        __init__ = Stream.__init__

    for kwargs in ({"batch_size": 3}, {"batch_size": 3, "drop_last": True},
                   {"batch_size": None}):
        ours = data.DataLoader(Stream(stir), **kwargs)
        theirs = torch.utils.data.DataLoader(TorchStream(torch), **kwargs)
        assert len(ours) == len(theirs)
        for a, b in zip(list(ours), list(theirs), strict=True):
            _same(a, b)
    with pytest.raises(ValueError, match="expected unspecified shuffle option"):
        data.DataLoader(Stream(stir), shuffle=True)
    with pytest.raises(TypeError):
        len(data.DataLoader(Stream(stir, length=False)))
    chained = Stream(stir) + Stream(stir)
    assert len(list(data.DataLoader(chained, batch_size=5))) == 3


# ----------------------------------------------------------------------------- collation
CollatedPoint = collections.namedtuple("CollatedPoint", "x y")


@pytest.mark.parametrize("make", [
    lambda lib: [1, 2, 3],
    lambda lib: [1.5, 2.0],
    lambda lib: [True, False],
    lambda lib: [np.float32(1), np.float32(2)],
    lambda lib: [np.int32(1), np.int32(2)],
    lambda lib: [np.zeros(2, dtype=np.float32), np.ones(2, dtype=np.float32)],
    lambda lib: ["a", "b"],
    lambda lib: [{"a": 1, "b": lib.ones(2)}, {"a": 2, "b": lib.zeros(2)}],
    lambda lib: [(1, 2.0), (3, 4.0)],
    lambda lib: [[1, 2], [3, 4]],
    lambda lib: [CollatedPoint(lib.ones(1), 0), CollatedPoint(lib.zeros(1), 1)],
    lambda lib: [lib.tensor([1, 2]), lib.tensor([3, 4])],
])
def test_default_collate_is_pytorchs(torch, make):
    _same(data.default_collate(make(stir)), _torch_utils(torch).utils.data.default_collate(
        make(torch)))


def test_default_collate_refuses_what_pytorch_refuses(torch):
    _torch_utils(torch)
    for make in (lambda lib: [[1, 2], [3]], lambda lib: [object(), object()],
                 lambda lib: [lib.ones(2), lib.ones(3)],
                 lambda lib: [np.array([object()]), np.array([object()])]):
        with pytest.raises(Exception) as theirs:
            torch.utils.data.default_collate(make(torch))
        with pytest.raises(type(theirs.value)):
            data.default_collate(make(stir))


def test_default_convert_is_pytorchs(torch):
    _torch_utils(torch)
    for make in (lambda lib: np.arange(3), lambda lib: (np.float64(2.0), 3),
                 lambda lib: {"a": np.ones(2)}, lambda lib: "text"):
        _same(data.default_convert(make(stir)), torch.utils.data.default_convert(make(torch)))


# ----------------------------------------------------------------------------- random_split
@pytest.mark.parametrize("n, lengths", [(10, [3, 7]), (10, [0.33, 0.33, 0.34]),
                                        (11, [0.1, 0.2, 0.7]), (150, [100, 50]),
                                        (7, [0.5, 0.5]), (5, [1.0])])
def test_random_split_sizes_are_pytorchs_and_cover_the_dataset(torch, n, lengths):
    _torch_utils(torch)
    ours = data.random_split(range(n), lengths, generator=stir.Generator().manual_seed(42))
    theirs = torch.utils.data.random_split(range(n), lengths,
                                           generator=torch.Generator().manual_seed(42))
    assert [len(p) for p in ours] == [len(p) for p in theirs]
    assert all(isinstance(p.indices, list) for p in ours)
    assert sorted(i for p in ours for i in p.indices) == list(range(n))
    again = data.random_split(range(n), lengths, generator=stir.Generator().manual_seed(42))
    assert [p.indices for p in again] == [p.indices for p in ours]


def test_random_split_errors_and_warnings_are_pytorchs():
    with pytest.raises(ValueError, match="Sum of input lengths does not equal"):
        data.random_split(range(10), [3, 3])
    with pytest.raises(ValueError, match="Sum of input lengths does not equal"):
        data.random_split(range(10), [0.5, 0.2])
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        data.random_split(range(2), [0.9, 0.1])


# ----------------------------------------------------------------------------- samplers
def test_samplers_as_pytorchs(torch):
    _torch_utils(torch)
    for make in (lambda m: m.SequentialSampler(range(5)),
                 lambda m: m.BatchSampler(range(10), 3, False),
                 lambda m: m.BatchSampler(range(10), 3, True)):
        assert list(make(data)) == list(make(torch.utils.data))
        assert len(make(data)) == len(make(torch.utils.data))
    shuffled = data.RandomSampler(range(100), generator=stir.Generator().manual_seed(0))
    assert sorted(shuffled) == list(range(100)) and len(shuffled) == 100
    longer = list(data.RandomSampler(range(10), num_samples=25))
    assert len(longer) == 25 and sorted(longer[:10]) == list(range(10))
    drawn = list(data.RandomSampler(range(3), replacement=True, num_samples=300))
    assert set(drawn) == {0, 1, 2}
    picked = list(data.SubsetRandomSampler([5, 7, 9]))
    assert sorted(picked) == [5, 7, 9]
    weighted = list(data.WeightedRandomSampler([0.0, 1.0, 3.0], 4000,
                                               generator=stir.Generator().manual_seed(0)))
    assert 0 not in weighted and 0.7 < weighted.count(2) / 4000 < 0.8
    for make, error in ((lambda m: m.RandomSampler(range(0)), ValueError),
                        (lambda m: m.RandomSampler(range(3), replacement=1), TypeError),
                        (lambda m: m.BatchSampler(range(3), 0, False), ValueError),
                        (lambda m: m.BatchSampler(range(3), 2, 1), ValueError),
                        (lambda m: m.WeightedRandomSampler([[1.0]], 1), ValueError)):
        with pytest.raises(error):
            make(torch.utils.data)
        with pytest.raises(error):
            make(data)


# ----------------------------------------------------------------------------- one class
def test_one_dataloader_for_datasets_and_for_arrays():
    assert data.DataLoader is stir.data.DataLoader and stir.utils.data is data
    X, y = np.arange(12, dtype=np.float32).reshape(6, 2), np.arange(6)
    arrays = list(stir.data.DataLoader(X, y, batch_size=4))
    as_dataset = list(data.DataLoader(data.TensorDataset(stir.tensor(X), stir.tensor(y)),
                                      batch_size=4))
    assert [type(b) for b in arrays] == [tuple, tuple] and type(as_dataset[0]) is list
    for a, b in zip(arrays, as_dataset):
        assert [t.tolist() for t in a] == [t.tolist() for t in b]
    with pytest.warns(UserWarning, match="PyTorch would yield xb itself"):
        lone = list(data.DataLoader(X, batch_size=4))
    assert type(lone[0]) is tuple and len(lone[0]) == 1
    rows = list(data.DataLoader(stir.tensor(X), batch_size=4))  # a tensor: PyTorch's way
    assert isinstance(rows[0], stir.Tensor) and rows[0].shape == (4, 2)
    with pytest.raises(TypeError, match="by keyword"):
        data.DataLoader(X, y, 3)
    with pytest.raises(TypeError, match="multiple values for argument 'batch_size'"):
        data.DataLoader(data.TensorDataset(stir.tensor(X)), 2, batch_size=3)


def test_a_thousand_row_epoch_is_sliced_not_collated_sample_by_sample():
    """Batches of a TensorDataset (and of a Subset of one) index the tensors at once."""
    table = _table(stir, 20_000)
    start = time.perf_counter()
    seen = sum(len(yb) for _, yb in data.DataLoader(table, batch_size=1, shuffle=True))
    one_row_batches = time.perf_counter() - start
    train, _ = data.random_split(table, [0.9, 0.1])
    start = time.perf_counter()
    rows = [xb for xb, _ in data.DataLoader(train, batch_size=64, shuffle=True)]
    subset_epoch = time.perf_counter() - start
    assert seen == 20_000 and sum(len(r) for r in rows) == 18_000
    assert sorted(np.concatenate([r.numpy()[:, 0] // 3 for r in rows]).astype(int).tolist()) \
        == sorted(train.indices)
    assert one_row_batches < 2.0 and subset_epoch < 0.5  # ~0.1 s and ~3 ms here
