"""Classic models of the seeds, in NumPy with explicit gradients: least squares, the
perceptron, linear softmax and SVM classifiers, k-nearest neighbours.

They share one shape: `model.fit(X, y)` returns the model, `model.predict(X)` the
predictions and `model.score(X, y)` the accuracy (classifiers) or R² (least squares). X has
one sample per row, shape (n_samples, n_features); y one target per sample. Class labels may
be any sortable values; they are kept, sorted, in `model.classes_`.

    base.py                the input checks, label encoding, and the Model/Classifier bases
    least_squares.py       least squares by the normal equation (and ridge)
    perceptron.py          Rosenblatt's perceptron
    linear_classifiers.py  linear softmax and multiclass SVM classifiers
    knn.py                 k-nearest neighbours

>>> import numpy as np
>>> from stir.classic import KNeighborsClassifier
>>> X = np.array([[0.0, 0.0], [0.1, 0.2], [1.0, 1.0], [0.9, 1.1]])
>>> y = np.array(["cat", "cat", "dog", "dog"])
>>> KNeighborsClassifier(k=1).fit(X, y).predict([[0.95, 1.0], [0.0, 0.1]])
array(['dog', 'cat'], dtype='<U3')
"""

from .base import (
    Classifier, Model, NotFittedError, check_features, check_targets, encode_labels,
)
from .knn import KNeighborsClassifier
from .least_squares import IllConditionedWarning, LeastSquares
from .linear_classifiers import SVMClassifier, SoftmaxClassifier, softmax_loss, svm_loss
from .perceptron import Perceptron

__all__ = [
    "Classifier", "IllConditionedWarning", "KNeighborsClassifier", "LeastSquares", "Model",
    "NotFittedError", "Perceptron", "SVMClassifier", "SoftmaxClassifier", "check_features",
    "check_targets", "encode_labels", "softmax_loss", "svm_loss",
]
