"""stir.classic: least squares, perceptron, linear softmax/SVM classifiers, k-NN."""

import warnings

import numpy as np
import pytest

import stir
import stir.classic.knn as knn_module
from stir.classic import (
    IllConditionedWarning, KNeighborsClassifier, LeastSquares, NotFittedError, Perceptron,
    SVMClassifier, SoftmaxClassifier, softmax_loss, svm_loss,
)


def blobs(n_per_class=60, centres=((-3, 0), (3, 0), (0, 4)), seed=0):
    rng = np.random.default_rng(seed)
    X = np.concatenate([rng.normal(c, 1.0, (n_per_class, 2)) for c in centres])
    return X, np.repeat(np.arange(len(centres)), n_per_class)


# --- least squares -----------------------------------------------------------------------

def curious_data(n=256, seed=0):
    """Seed 000's task: y = cos(2x + 20x²) + 0.1·noise, x uniform on [0, 1]."""
    rng = np.random.default_rng(seed)
    xs = rng.random(n)
    return xs, np.cos(2 * xs + 20 * xs ** 2) + 0.1 * rng.standard_normal(n)


@pytest.mark.parametrize("method", ["normal", "lstsq"])
def test_least_squares_matches_the_seeds_normal_equations(method):
    xs, ys = curious_data()
    homogeneous = np.vstack([xs, np.ones_like(xs)])  # seed 000's Xs_homogeneous, 2 × n
    a, b = np.linalg.inv(homogeneous @ homogeneous.T) @ homogeneous @ ys
    model = LeastSquares(method=method).fit(xs.reshape(-1, 1), ys)
    np.testing.assert_allclose(model.coef_, [a], rtol=1e-10)
    np.testing.assert_allclose(model.intercept_, b, rtol=1e-10)
    training_loss = np.mean((a * xs + b - ys) ** 2)
    assert np.mean((model.predict(xs.reshape(-1, 1)) - ys) ** 2) == pytest.approx(training_loss)
    assert 0.3 < training_loss < 0.7  # the seed's linear fit is poor: ≈ 0.497 there


@pytest.mark.parametrize("method", ["normal", "lstsq"])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("targets", [1, 3])
def test_least_squares_recovers_exact_coefficients(method, fit_intercept, targets):
    rng = np.random.default_rng(targets)
    X = rng.standard_normal((40, 4))
    coef = rng.standard_normal((4, targets))
    intercept = rng.standard_normal(targets) if fit_intercept else np.zeros(targets)
    y = X @ coef + intercept
    y = y[:, 0] if targets == 1 else y
    model = LeastSquares(fit_intercept=fit_intercept, method=method).fit(X, y)
    assert model.coef_.shape == ((4,) if targets == 1 else (4, targets))
    np.testing.assert_allclose(model.coef_, coef[:, 0] if targets == 1 else coef, atol=1e-10)
    np.testing.assert_allclose(model.intercept_, intercept[0] if targets == 1 else intercept,
                               atol=1e-10)
    assert model.score(X, y) == pytest.approx(1.0)
    assert model.rank_ == 4


def test_least_squares_agrees_with_lstsq_on_noisy_data():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((100, 5)) * [1, 10, 100, 0.1, 3]
    y = X @ rng.standard_normal(5) + 2 + rng.standard_normal(100)
    reference, *_ = np.linalg.lstsq(np.c_[X, np.ones(100)], y, rcond=None)
    model = LeastSquares().fit(X, y)
    np.testing.assert_allclose(np.r_[model.coef_, model.intercept_], reference, rtol=1e-9)
    residual = ((y - model.predict(X)) ** 2).sum()
    assert model.score(X, y) == pytest.approx(1 - residual / ((y - y.mean()) ** 2).sum())


def test_ill_conditioned_normal_equations_warn_and_lstsq_is_the_way_out():
    rng = np.random.default_rng(2)
    x = rng.random(200)
    X = np.c_[x, x + 1e-7 * rng.standard_normal(200)]  # nearly collinear columns
    y = 3 * x + 1
    with pytest.warns(IllConditionedWarning, match="method='lstsq'") as record:
        LeastSquares().fit(X, y)
    assert record[0].filename == __file__  # the warning points at the caller's line
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = LeastSquares(method="lstsq").fit(X, y)
    np.testing.assert_allclose(model.predict(X), y, atol=1e-8)
    assert model.condition_number_ > 1e10


def test_exactly_collinear_features_are_refused_by_the_normal_equations():
    x = np.linspace(0, 1, 20)
    X = np.c_[x, 2 * x]
    with pytest.warns(IllConditionedWarning), pytest.raises(ValueError, match="singular"):
        LeastSquares().fit(X, 3 * x)
    model = LeastSquares(method="lstsq").fit(X, 3 * x)  # the minimum-norm solution
    np.testing.assert_allclose(model.coef_, [0.6, 1.2], atol=1e-10)
    assert model.rank_ == 1


def test_r2_is_zero_for_the_mean_and_one_for_a_perfect_fit():
    x = np.array([[-1.0], [0.0], [1.0]] * 2)
    y = 3 * x[:, 0] ** 2 - 2  # symmetric in x: the best line is flat, at the mean
    model = LeastSquares().fit(x, y)
    assert model.coef_[0] == pytest.approx(0.0, abs=1e-12)
    assert model.score(x, y) == pytest.approx(0.0, abs=1e-12)
    assert model.score(x, model.predict(x)) == 1.0
    assert model.score(x, np.ones(6)) == 0.0  # a constant y, not predicted exactly


# --- perceptron ----------------------------------------------------------------------------

def reference_perceptron(X, s, lr, c, max_epochs, order_for_epoch):
    """The seed-002 loop, one sample at a time; s holds ±1 labels."""
    w, b, mistakes, steps = np.zeros(X.shape[1]), 0.0, [], []
    for epoch in range(max_epochs):
        count = 0
        for t, i in enumerate(order_for_epoch(epoch)):
            if np.sign(X[i] @ w + b) != s[i]:  # sign(0) = 0 is a mistake, as in the seed
                w = w + lr * s[i] * X[i]
                b = b + lr * c * s[i]
                count += 1
                steps.append(epoch * len(X) + t)
        mistakes.append(count)
        if count == 0:
            break
    return w, b, mistakes, steps


def income_debt(n=100, seed=0, margin=0.0):
    """Seed 002's data: income and debt up to 100 000, labelled sign(2·income - debt - 30000)."""
    rng = np.random.default_rng(seed)
    X = rng.random((4 * n, 2)) * 100000
    score = X @ [2, -1] - 30000
    keep = np.abs(score) > margin
    return X[keep][:n], np.sign(score[keep][:n])


def test_perceptron_reproduces_the_seed_loop_on_income_and_debt():
    X, y = income_debt()
    model = Perceptron(max_epochs=1, lr=1e-5, intercept_scaling=1e5).fit(X, y)
    w, b, mistakes, steps = reference_perceptron(X, y, 1e-5, 1e5, 1, lambda e: range(len(X)))
    np.testing.assert_allclose(model.coef_, w, rtol=1e-12)
    assert model.intercept_ == pytest.approx(b)
    assert model.mistakes_per_epoch == mistakes and model.update_steps == steps
    # Accuracy after each update, recomputed from scratch by replaying the updates.
    expected, w_t, b_t = [np.mean(y < 0)], np.zeros(2), 0.0
    for step in steps:
        w_t, b_t = w_t + 1e-5 * y[step] * X[step], b_t + y[step]
        expected.append(np.mean(np.where(X @ w_t + b_t > 0, 1, -1) == y))
    np.testing.assert_allclose(model.accuracy_per_update, expected)
    curve = model.accuracy_per_step()
    assert len(curve) == len(X) and curve[0] == expected[0] and curve[-1] == expected[-1]
    assert model.score(X, y) > 0.8


@pytest.mark.parametrize("shuffle, seed", [(False, None), (True, 0), (True, 1), (True, 2)])
def test_perceptron_block_skipping_equals_the_one_by_one_loop(shuffle, seed):
    rng = np.random.default_rng(5)
    X = rng.standard_normal((300, 3))
    y = np.where(X @ [1.0, -2.0, 0.5] + 0.3 * rng.standard_normal(300) > 0, 1, -1)
    model = Perceptron(max_epochs=6, lr=0.5, shuffle=shuffle, seed=seed).fit(X, y)
    permutations = np.random.default_rng(seed)
    orders = [permutations.permutation(300) if shuffle else np.arange(300) for _ in range(6)]
    w, b, mistakes, steps = reference_perceptron(X, y, 0.5, 1.0, 6, lambda e: orders[e])
    np.testing.assert_allclose(model.coef_, w, rtol=1e-12, atol=1e-12)
    assert model.intercept_ == pytest.approx(b)
    assert model.mistakes_per_epoch == mistakes and model.update_steps == steps
    assert not model.converged_ and model.n_epochs_ == 6  # noisy labels: not separable


def test_perceptron_converges_on_separable_data_with_a_margin():
    X, y = income_debt(n=200, margin=20000)
    X = X / 100000
    labels = np.where(y > 0, "approve", "deny")
    model = Perceptron(max_epochs=1000).fit(X, labels)
    assert model.converged_ and model.mistakes_per_epoch[-1] == 0
    assert model.accuracy_per_epoch[-1] == 1.0 and model.accuracy_per_update[-1] == 1.0
    assert list(model.classes_) == ["approve", "deny"]  # "approve" plays -1, "deny" +1
    np.testing.assert_array_equal(model.predict(X), labels)


def test_perceptron_accepts_zero_one_labels():
    X, y = income_debt(n=80, margin=20000)
    model = Perceptron(max_epochs=500).fit(X / 1e5, (y > 0).astype(int))
    np.testing.assert_array_equal(model.predict(X / 1e5), (y > 0).astype(int))
    np.testing.assert_array_equal(model.classes_, [0, 1])


def test_perceptron_without_tracking_trains_the_same():
    X, y = income_debt(n=80)
    tracked = Perceptron(max_epochs=3).fit(X / 1e5, y)
    untracked = Perceptron(max_epochs=3, track_updates=False).fit(X / 1e5, y)
    np.testing.assert_array_equal(tracked.coef_, untracked.coef_)
    assert untracked.accuracy_per_update == [] and untracked.update_steps == []
    with pytest.raises(ValueError, match="track_updates"):
        untracked.accuracy_per_step()


# --- linear classifiers --------------------------------------------------------------------

def autograd_loss_gradients(kind, W, b, X, y, reg):
    W_t = stir.tensor(W, requires_grad=True)
    b_t = stir.tensor(b, requires_grad=True)
    onehot = stir.tensor(np.eye(len(W))[y])
    scores = stir.tensor(X) @ W_t.T + b_t
    correct = (scores * onehot).sum(axis=1, keepdims=True)
    if kind == "softmax":
        data_loss = (scores.logsumexp(axis=1, keepdims=True) - correct).mean()
    else:
        data_loss = ((scores - correct + 1.0).relu() * (1.0 - onehot)).sum() / len(X)
    loss = data_loss + reg * (W_t ** 2).sum()
    loss.backward()
    return loss.item(), W_t.grad.numpy(), b_t.grad.numpy()


LOSSES = {"softmax": softmax_loss, "svm": svm_loss}


@pytest.mark.parametrize("kind", LOSSES)
@pytest.mark.parametrize("n, d, classes, reg", [(1, 1, 2, 0.0), (8, 3, 4, 0.1), (30, 5, 10, 1e-3)])
def test_analytic_loss_gradients_equal_autograd(kind, n, d, classes, reg):
    rng = np.random.default_rng(n + d + classes)
    W, b = rng.standard_normal((classes, d)), rng.standard_normal(classes)
    X, y = rng.standard_normal((n, d)) * 2, rng.integers(0, classes, n)
    loss, grad_W, grad_b = LOSSES[kind](W, b, X, y, reg)
    expected_loss, expected_W, expected_b = autograd_loss_gradients(kind, W, b, X, y, reg)
    assert loss == pytest.approx(expected_loss, rel=1e-12)
    np.testing.assert_allclose(grad_W, expected_W, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(grad_b, expected_b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("kind", LOSSES)
def test_analytic_loss_gradients_equal_central_differences(kind):
    rng = np.random.default_rng(9)
    W, b = rng.standard_normal((3, 4)), rng.standard_normal(3)
    X, y = rng.standard_normal((10, 4)), rng.integers(0, 3, 10)
    _, grad_W, grad_b = LOSSES[kind](W, b, X, y, 0.05)
    eps = 1e-6
    for parameter, analytic in ((W, grad_W), (b, grad_b)):
        for index in np.ndindex(parameter.shape):
            original = parameter[index]
            parameter[index] = original + eps
            plus = LOSSES[kind](W, b, X, y, 0.05)[0]
            parameter[index] = original - eps
            minus = LOSSES[kind](W, b, X, y, 0.05)[0]
            parameter[index] = original
            assert analytic[index] == pytest.approx((plus - minus) / (2 * eps), abs=1e-6)


def test_losses_at_zero_weights():
    X, y = np.ones((5, 2)), np.array([0, 1, 2, 3, 0])
    W, b = np.zeros((4, 2)), np.zeros(4)
    assert softmax_loss(W, b, X, y, 1.0)[0] == pytest.approx(np.log(4))
    assert svm_loss(W, b, X, y, 1.0)[0] == pytest.approx(3.0)  # C - 1 margins of 1 each
    assert softmax_loss(W + 1e4, b, X * 1e3, y, 0.0)[0] == pytest.approx(np.log(4))  # stable


@pytest.mark.parametrize("model_class", [SoftmaxClassifier, SVMClassifier])
@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_linear_classifiers_learn_blobs(model_class, momentum):
    X, y = blobs()
    model = model_class(lr=0.05, epochs=30, batch_size=32, momentum=momentum, seed=0).fit(X, y)
    assert model.score(X, y) > 0.95
    assert model.loss_per_epoch[-1] < 0.5 * model.loss_per_epoch[0]
    assert model.coef_.shape == (3, 2) and model.intercept_.shape == (3,)
    assert model.loss(X, y) < model.loss_per_epoch[0]
    again = model_class(lr=0.05, epochs=30, batch_size=32, momentum=momentum, seed=0).fit(X, y)
    np.testing.assert_array_equal(model.coef_, again.coef_)


def test_softmax_probabilities_and_float32():
    X, y = blobs()
    model = SoftmaxClassifier(epochs=10, seed=1).fit(X.astype(np.float32), np.array(list("abc"))[y])
    assert model.coef_.dtype == np.float32
    probabilities = model.predict_proba(X[:20].astype(np.float32))
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, rtol=1e-6)
    np.testing.assert_array_equal(model.classes_[probabilities.argmax(axis=1)],
                                  model.predict(X[:20].astype(np.float32)))


def test_divergence_is_reported():
    X, y = blobs()
    with pytest.raises(ValueError, match="lower lr"):
        SVMClassifier(lr=1e300, epochs=3, seed=0).fit(X * 1e10, y)


def test_loss_refuses_unknown_labels():
    X, y = blobs()
    model = SoftmaxClassifier(epochs=1).fit(X, y)
    with pytest.raises(ValueError, match="not one of the fitted classes"):
        model.loss(X, np.where(y == 2, 7, y))


# --- k-nearest neighbours ------------------------------------------------------------------

def brute_force_neighbours(X_train, queries, k, metric):
    difference = queries[:, None, :] - X_train[None, :, :]
    distances = (np.sqrt((difference ** 2).sum(-1)) if metric == "l2"
                 else np.abs(difference).sum(-1))
    order = np.argsort(distances, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(distances, order, 1), order


@pytest.mark.parametrize("metric", ["l2", "l1"])
@pytest.mark.parametrize("k", [1, 3, 6])
@pytest.mark.parametrize("chunk_size", [None, 7])
def test_knn_matches_brute_force(metric, k, chunk_size, monkeypatch):
    monkeypatch.setattr(knn_module, "BLOCK_ELEMENTS", 500)  # force several blocks
    rng = np.random.default_rng(k)
    X, y = rng.standard_normal((60, 4)), rng.integers(0, 3, 60)
    queries = rng.standard_normal((25, 4))
    model = KNeighborsClassifier(k=k, metric=metric, chunk_size=chunk_size).fit(X, y)
    distances, indices = model.kneighbors(queries)
    want_distances, want_indices = brute_force_neighbours(X, queries, k, metric)
    np.testing.assert_array_equal(indices, want_indices)
    np.testing.assert_allclose(distances, want_distances, rtol=1e-9, atol=1e-9)
    votes = np.array([np.bincount(y[row], minlength=3) for row in want_indices])
    clear = (votes == votes.max(axis=1, keepdims=True)).sum(axis=1) == 1
    np.testing.assert_array_equal(model.predict(queries)[clear], votes.argmax(axis=1)[clear])


def test_knn_ties_are_deterministic():
    # Equal distances: the lower training index comes first.
    X = np.array([[0.0], [2.0], [2.0], [0.0]])
    model = KNeighborsClassifier(k=1).fit(X, [5, 0, 1, 6])
    assert model.predict([[1.0]])[0] == 5
    assert model.kneighbors([[1.0]])[1].tolist() == [[0]]
    # Equal votes: the class of the nearest neighbour wins, not the smallest label.
    model = KNeighborsClassifier(k=2).fit(np.array([[0.0], [3.0]]), [9, 1])
    assert model.predict([[1.0]])[0] == 9
    assert model.predict([[2.0]])[0] == 1
    # A tie straddling the k-th place: lower indices win among the equal distances.
    X = np.array([[1.0], [-1.0], [1.0], [-1.0], [5.0]])
    model = KNeighborsClassifier(k=3).fit(X, [0, 1, 1, 1, 0])
    assert model.kneighbors([[0.0]])[1].tolist() == [[0, 1, 2]]


def test_knn_with_k_equal_to_the_training_size_and_training_accuracy():
    X, y = blobs(n_per_class=10)
    assert KNeighborsClassifier(k=1).fit(X, y).score(X, y) == 1.0
    model = KNeighborsClassifier(k=30).fit(X, y)
    assert model.kneighbors(X[:2])[1].shape == (2, 30)


# --- shared input checks -------------------------------------------------------------------

MODELS = [
    lambda: LeastSquares(), lambda: Perceptron(max_epochs=2), lambda: SoftmaxClassifier(epochs=1),
    lambda: SVMClassifier(epochs=1), lambda: KNeighborsClassifier(k=1),
]
X_GOOD, Y_GOOD = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 2.0], [3.0, 1.0]]), np.array([0, 1, 0, 1])
BAD_FITS = [
    (np.arange(4.0), Y_GOOD, ValueError, "2-D.*reshape"),
    (X_GOOD, Y_GOOD[:3], ValueError, "4 samples but y has 3"),
    (np.where(X_GOOD == 0, np.nan, X_GOOD), Y_GOOD, ValueError, "NaN"),
    (X_GOOD.astype(str), Y_GOOD, TypeError, "numbers"),
    (np.zeros((0, 2)), Y_GOOD[:0], ValueError, "no samples"),
]


@pytest.mark.parametrize("make", MODELS, ids=lambda m: type(m()).__name__)
@pytest.mark.parametrize("X, y, error, message", BAD_FITS)
def test_bad_fit_input_gets_a_clear_error(make, X, y, error, message):
    with pytest.raises(error, match=message):
        make().fit(X, y)


@pytest.mark.parametrize("make", MODELS, ids=lambda m: type(m()).__name__)
def test_predict_before_fit_and_wrong_feature_count(make):
    model = make()
    with pytest.raises(NotFittedError, match="call fit"):
        model.predict(X_GOOD)
    assert model.fit(X_GOOD, Y_GOOD) is model
    with pytest.raises(ValueError, match="3 features but the model was fitted on 2"):
        model.predict(np.ones((2, 3)))
    assert 0.0 <= model.score(X_GOOD, Y_GOOD) <= 1.0


BAD_SETTINGS = [
    (lambda: LeastSquares(method="inverse"), "method"),
    (lambda: Perceptron(max_epochs=0), "max_epochs"),
    (lambda: Perceptron().fit(X_GOOD, [0, 1, 2, 0]), "exactly 2 classes"),
    (lambda: SoftmaxClassifier().fit(X_GOOD, [1, 1, 1, 1]), "single class"),
    (lambda: SVMClassifier(momentum=1.0), "momentum"),
    (lambda: KNeighborsClassifier(k=0), "k must be"),
    (lambda: KNeighborsClassifier(metric="cosine"), "metric"),
    (lambda: KNeighborsClassifier(k=5).fit(X_GOOD, Y_GOOD), "exceeds the 4"),
    (lambda: KNeighborsClassifier().fit(X_GOOD, Y_GOOD.reshape(2, 2)), "1-D"),
]


@pytest.mark.parametrize("call, message", BAD_SETTINGS)
def test_bad_settings_get_a_clear_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()
