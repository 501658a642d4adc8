"""stir.inference_mode and the grad-mode switches as decorators, against PyTorch."""

import pytest

import stir

torch = pytest.importorskip("torch")


@pytest.fixture(autouse=True)
def restore_switches():
    yield
    stir.set_grad_enabled(True)
    stir.grad_mode.state.inference = False


def modes(lib):
    return lib.is_grad_enabled(), lib.is_inference_mode_enabled()


@pytest.mark.parametrize("lib", [stir, torch], ids=["stir", "torch"])
def test_inference_mode_switches_as_pytorchs(lib):
    w = lib.ones(2, requires_grad=True)
    seen = []
    with lib.inference_mode():
        seen.append((modes(lib), (w * 2).requires_grad))
        with lib.enable_grad():  # grad mode on, but still nothing recorded
            seen.append((modes(lib), (w * 2).requires_grad))
        with lib.inference_mode(False):
            seen.append((modes(lib), (w * 2).requires_grad))
        with lib.set_grad_enabled(True):
            seen.append((modes(lib), (w * 2).requires_grad))
    with lib.no_grad():
        with lib.inference_mode(False):  # leaving inference mode turns grad mode on
            seen.append((modes(lib), (w * 2).requires_grad))
    seen.append((modes(lib), (w * 2).requires_grad))
    assert seen == [((False, True), False), ((True, True), False), ((True, False), True),
                    ((True, True), False), ((True, False), True), ((True, False), True)]


def test_the_same_answers_as_pytorch_in_every_case():
    def run(lib):
        w = lib.ones(2, requires_grad=True)
        out = []

        @lib.inference_mode
        def bare():
            return modes(lib), (w * 2).requires_grad

        @lib.inference_mode()
        def called():
            return modes(lib), (w * 2).requires_grad

        @lib.inference_mode(False)
        def off():
            return modes(lib), (w * 2).requires_grad

        @lib.no_grad()
        def no_grad_called():
            return modes(lib), (w * 2).requires_grad

        @lib.enable_grad()
        def enable_grad_called():
            return modes(lib), (w * 2).requires_grad

        @lib.set_grad_enabled(False)
        def set_off():
            return modes(lib), (w * 2).requires_grad

        for function in (bare, called, off, no_grad_called, enable_grad_called, set_off):
            out.append((function.__name__, function()))
        with lib.no_grad():
            out.append(("enable inside no_grad", enable_grad_called()))
        out.append(("after", (modes(lib), (w * 2).requires_grad)))
        return out

    assert run(stir) == run(torch)


def test_bare_no_grad_and_enable_grad_decorate_too():
    @stir.no_grad
    def off():
        return stir.is_grad_enabled()

    @stir.enable_grad
    def on():
        return stir.is_grad_enabled()

    assert off() is False and stir.is_grad_enabled()
    with stir.no_grad():
        assert on() is True
        assert not stir.is_grad_enabled()


@pytest.mark.parametrize("lib", [stir, torch], ids=["stir", "torch"])
def test_a_decorated_generator_is_switched_while_it_runs(lib):
    @lib.no_grad()
    def values():
        for _ in range(2):
            received = yield lib.is_grad_enabled()
            assert received == "ok"
        return "done"

    generator = values()
    assert next(generator) is False
    assert lib.is_grad_enabled()  # the caller's mode between the yields
    assert generator.send("ok") is False
    with pytest.raises(StopIteration) as stop:
        generator.send("ok")
    assert stop.value.value == "done"

    @lib.inference_mode()
    def inferring():
        yield lib.is_inference_mode_enabled()

    assert list(inferring()) == [True] and not lib.is_inference_mode_enabled()


def test_switches_restore_after_an_exception():
    with pytest.raises(KeyError):
        with stir.inference_mode():
            raise KeyError
    assert modes(stir) == (True, False)


def test_a_tensor_made_in_inference_mode_is_an_ordinary_tensor_in_stir():
    """The documented difference: PyTorch raises when such a tensor is saved for backward."""
    w = stir.ones(2, requires_grad=True)
    with stir.inference_mode():
        y = w * 2
    (y * w).sum().backward()  # PyTorch: "Inference tensors cannot be saved for backward"
    assert w.grad.tolist() == [2.0, 2.0]
    tw = torch.ones(2, requires_grad=True)
    with torch.inference_mode():
        ty = tw * 2
    with pytest.raises(RuntimeError, match="Inference tensors"):
        (ty * tw).sum().backward()
