"""Recording switches (`no_grad`, `enable_grad`, `set_grad_enabled`) and `detect_anomaly`."""

import runpy

import numpy as np
import pytest

import stir


@pytest.fixture(autouse=True)
def restore_switches():
    """Leave recording on and anomaly mode off even when a test fails half-way."""
    yield
    stir.set_grad_enabled(True)
    stir.anomaly.state.enabled = False


def leaf():
    return stir.tensor([1.0, 2.0], requires_grad=True)


class Boom(Exception):
    pass


# ----------------------------------------------------------------------------- no_grad
def test_recording_is_on_by_default():
    assert stir.is_grad_enabled()
    assert (leaf() * 2).grad_fn is not None


def test_no_grad_context_stops_recording_and_restores():
    x = leaf()
    with stir.no_grad():
        assert not stir.is_grad_enabled()
        y = x * 2
    assert stir.is_grad_enabled()
    assert y.grad_fn is None and not y.requires_grad
    assert (x * 2).requires_grad


def test_no_grad_restores_after_an_exception():
    with pytest.raises(Boom):
        with stir.no_grad():
            raise Boom
    assert stir.is_grad_enabled()


def test_no_grad_decorator():
    @stir.no_grad()
    def double(t):
        assert not stir.is_grad_enabled()
        return t * 2

    y = double(leaf())
    assert not y.requires_grad
    assert stir.is_grad_enabled()


def test_no_grad_decorator_keeps_the_function_name():
    @stir.no_grad()
    def double(t):
        return t * 2

    assert double.__name__ == "double"


def test_no_grad_decorator_restores_after_an_exception():
    @stir.no_grad()
    def fail():
        raise Boom

    with pytest.raises(Boom):
        fail()
    assert stir.is_grad_enabled()


def test_no_grad_decorator_without_parentheses():
    @stir.no_grad
    def double(t):
        return t * 2

    assert not double(leaf()).requires_grad


# ----------------------------------------------------------------------------- enable_grad
def test_enable_grad_inside_no_grad_records():
    x = leaf()
    with stir.no_grad():
        with stir.enable_grad():
            assert stir.is_grad_enabled()
            y = x * 2
        assert not stir.is_grad_enabled()
        z = x * 2
    assert y.grad_fn is not None
    assert z.grad_fn is None


def test_enable_grad_decorator_inside_no_grad():
    @stir.enable_grad()
    def double(t):
        return t * 2

    with stir.no_grad():
        y = double(leaf())
        assert not stir.is_grad_enabled()
    assert y.requires_grad


def test_deep_nesting_restores_each_level():
    seen = []
    with stir.no_grad():
        seen.append(stir.is_grad_enabled())
        with stir.enable_grad():
            seen.append(stir.is_grad_enabled())
            with stir.no_grad():
                seen.append(stir.is_grad_enabled())
            seen.append(stir.is_grad_enabled())
        seen.append(stir.is_grad_enabled())
    seen.append(stir.is_grad_enabled())
    assert seen == [False, True, False, True, False, True]


def test_enable_grad_restores_no_grad_after_an_exception():
    with stir.no_grad():
        with pytest.raises(Boom):
            with stir.enable_grad():
                raise Boom
        assert not stir.is_grad_enabled()
    assert stir.is_grad_enabled()


# ----------------------------------------------------------------------------- set_grad_enabled
@pytest.mark.parametrize("mode", [False, True])
def test_set_grad_enabled_context(mode):
    x = leaf()
    with stir.no_grad():
        with stir.set_grad_enabled(mode):
            assert stir.is_grad_enabled() is mode
            y = x * 2
        assert not stir.is_grad_enabled()
    assert y.requires_grad is mode


def test_set_grad_enabled_as_a_plain_call_switches_until_switched_back():
    stir.set_grad_enabled(False)
    assert not stir.is_grad_enabled()
    assert not (leaf() * 2).requires_grad
    stir.set_grad_enabled(True)
    assert stir.is_grad_enabled()


def test_set_grad_enabled_decorator_does_not_switch_at_decoration():
    @stir.set_grad_enabled(False)
    def double(t):
        assert not stir.is_grad_enabled()
        return t * 2

    assert stir.is_grad_enabled()
    assert not double(leaf()).requires_grad
    assert stir.is_grad_enabled()


def test_set_grad_enabled_restores_after_an_exception():
    with pytest.raises(Boom):
        with stir.set_grad_enabled(False):
            raise Boom
    assert stir.is_grad_enabled()


def test_backward_of_a_graph_built_before_no_grad_still_works_inside_it():
    x = leaf()
    y = (x * x).sum()
    with stir.no_grad():
        y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])
    assert stir.is_grad_enabled()


# ----------------------------------------------------------------------------- anomaly
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_anomaly_names_the_forward_op_that_made_nan():
    x = stir.tensor([-1.0, 2.0], requires_grad=True)
    with pytest.raises(FloatingPointError, match=r"Log.*nan"):
        with stir.detect_anomaly():
            x.log()


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_anomaly_blames_the_first_op_not_later_ones():
    x = stir.tensor([-1.0, 2.0])  # no grad needed for forward checks
    with stir.detect_anomaly():
        with pytest.raises(FloatingPointError) as info:
            (x.sqrt() * 2).exp()
    assert str(info.value).startswith("Sqrt")


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_anomaly_names_the_backward_op_and_its_creation_line():
    x = stir.tensor([0.0, 4.0], requires_grad=True)
    with stir.detect_anomaly():
        y = x.sqrt()  # ANOMALY-ORIGIN-LINE
        with pytest.raises(FloatingPointError) as info:
            y.sum().backward()
    message = str(info.value)
    assert "Sqrt" in message
    assert "inf" in message
    assert "ANOMALY-ORIGIN-LINE" in message
    assert "test_grad_mode.py" in message


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_anomaly_is_off_after_the_block():
    x = stir.tensor([-1.0, 2.0])
    with stir.detect_anomaly():
        assert np.isfinite(x.exp().numpy()).all()
    y = x.log()  # no error any more: nan is simply produced
    assert np.isnan(y.numpy()[0])


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_anomaly_is_off_after_it_raised():
    x = stir.tensor([-1.0, 2.0])
    with pytest.raises(FloatingPointError):
        with stir.detect_anomaly():
            x.log()
    assert np.isnan(x.log().numpy()[0])


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_anomaly_decorator():
    @stir.detect_anomaly()
    def logs(t):
        return t.log()

    with pytest.raises(FloatingPointError, match="Log"):
        logs(stir.tensor([-1.0]))
    assert np.isnan(stir.tensor([-1.0]).log().numpy()[0])


def test_anomaly_mode_leaves_finite_computations_alone():
    x = stir.tensor([0.5, 4.0], requires_grad=True)
    with stir.detect_anomaly():
        (x.sqrt() * x.log()).sum().backward()
    expected = np.log([0.5, 4.0]) / (2 * np.sqrt([0.5, 4.0])) + np.sqrt([0.5, 4.0]) / [0.5, 4.0]
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-6)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_anomaly_creation_line_for_user_code_in_a_folder_named_stir(tmp_path):
    folder = tmp_path / "stir"
    folder.mkdir()
    script = folder / "user_model.py"
    script.write_text("def build(x):\n    return x.sqrt()  # USER-MODEL-LINE\n")
    build = runpy.run_path(str(script))["build"]
    x = stir.tensor([0.0, 4.0], requires_grad=True)
    with stir.detect_anomaly():
        y = build(x)
        with pytest.raises(FloatingPointError) as info:
            y.sum().backward()
    assert "USER-MODEL-LINE" in str(info.value)
