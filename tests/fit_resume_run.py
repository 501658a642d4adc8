"""One training run for the resume tests, run in a process of its own:

    python fit_resume_run.py OPTIMIZER STEPS OUT [--checkpoint-every N --checkpoint PATH]
                             [--resume PATH]

An MLP with dropout is trained by `stir.fit` with shuffling on a fixed data set, from seed 0;
the per-step losses and the final parameters are written to OUT (safetensors).
"""

import argparse

import numpy as np
from safetensors.numpy import save_file

import stir
import stir.nn.functional as F
from stir import nn, optim
from stir.training import Callback, LRSchedulerCallback, ModelCheckpoint


class LossRecorder(Callback):
    def __init__(self):
        self.losses = []

    def on_batch_end(self, step, logs):
        self.losses.append(logs["loss"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("optimizer", choices=["sgd", "adam"])
    parser.add_argument("steps", type=int)
    parser.add_argument("out")
    parser.add_argument("--checkpoint-every", type=int)
    parser.add_argument("--checkpoint")
    parser.add_argument("--resume")
    arguments = parser.parse_args()

    stir.manual_seed(0)
    data = np.random.default_rng(0)
    x = data.normal(size=(50, 4)).astype(np.float32)
    y = (x[:, 0] * x[:, 1] > 0).astype(np.int64)
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 8),
                          nn.RReLU(), nn.Linear(8, 2))
    if arguments.optimizer == "sgd":
        optimizer = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    else:
        optimizer = optim.Adam(model.parameters(), lr=0.01)
    recorder = LossRecorder()
    callbacks = [recorder, LRSchedulerCallback(optim.StepLR(optimizer, step_size=1,
                                                            gamma=0.9))]
    if arguments.checkpoint_every:
        callbacks.append(ModelCheckpoint(arguments.checkpoint, every=None,
                                         every_steps=arguments.checkpoint_every))
    history = stir.fit(model, F.cross_entropy, optimizer, x, y, steps=arguments.steps,
                       batch_size=8, validation_data=(x[:10], y[:10]), metrics=["accuracy"],
                       callbacks=callbacks, verbose=0, resume_from=arguments.resume)
    arrays = {f"param.{name}": tensor.array for name, tensor in model.state_dict().items()}
    arrays["losses"] = np.array(recorder.losses, dtype=np.float64)
    arrays["history_loss"] = np.array(history["loss"], dtype=np.float64)
    arrays["history_val_accuracy"] = np.array(history["val_accuracy"], dtype=np.float64)
    save_file(arrays, arguments.out)


if __name__ == "__main__":
    main()
