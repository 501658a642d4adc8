"""scikit-learn estimators: stir's MLP, trained with `stir train`'s defaults, as a classifier
and a regressor that pass scikit-learn's `check_estimator` and work in its `Pipeline`,
`GridSearchCV` and `cross_val_score`.

    base.py        MLPEstimator: the shared hyperparameters, and training as `stir train`
                   does (split, standardize, early stopping, refit on all the rows)
    classifier.py  MLPClassifier: labels of any sortable type, predict_proba
    regressor.py   MLPRegressor: a standardized target, one output or several

scikit-learn is optional: `import stir` never imports it, `import stir.sklearn` does (and
says `pip install "stir[sklearn]"` when it is missing). The package is named `sklearn` inside
`stir`; its modules' `from sklearn... import` are absolute, so they reach scikit-learn itself.

>>> from stir.sklearn import MLPClassifier
>>> from sklearn.pipeline import make_pipeline
>>> from sklearn.preprocessing import StandardScaler
>>> X = [[0.0, 0.1], [0.2, 0.0], [1.0, 0.9], [0.9, 1.1]] * 5
>>> y = ["no", "no", "yes", "yes"] * 5
>>> model = make_pipeline(StandardScaler(), MLPClassifier(learning_rate=0.01, random_state=0))
>>> model.fit(X, y).predict([[0.1, 0.0], [1.0, 1.0]]).tolist()
['no', 'yes']
"""

from __future__ import annotations

INSTALL_HINT = 'pip install "stir[sklearn]" (or scikit-learn>=1.3)'

try:
    import sklearn  # noqa: F401  (absolute: scikit-learn itself, not this package)
except ImportError as error:
    raise ImportError(f"stir.sklearn needs scikit-learn, which is not installed: "
                      f"{INSTALL_HINT}") from error

from .base import MLPEstimator
from .classifier import MLPClassifier
from .regressor import MLPRegressor

__all__ = ["INSTALL_HINT", "MLPClassifier", "MLPEstimator", "MLPRegressor"]
