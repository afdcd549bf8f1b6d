"""The Fashion-MNIST CNN: training curve, test accuracy, layers (docs/reference_workflows.md, A).

By default this loads the trained model and its training history shipped with
the package (no training): it draws the train/validation loss curve, evaluates
the model on the 10,000 test images and prints the layer table (the model's
``analyzeNetwork``). ``--train`` trains it from scratch instead, as the
tutorials do (Adam, 20% of the training set held out for validation, the best
epoch by validation loss kept, early stopping with patience 2): a few minutes
on a CPU.

Run it::

    python examples/fashion_train.py --out figures/            # load, no training
    python examples/fashion_train.py --out figures/ --train    # train from scratch
"""

from __future__ import annotations

import importlib.resources
import json
from pathlib import Path

import numpy as np
from _common import example_parser, save  # examples/ is on sys.path when run

from activations import analyze_network
from activations.datasets import fashion_mnist
from activations.plot import plot_history, plot_network
from activations.training import train_fashion_cnn
from activations.zoo import fashion_cnn


def shipped_history() -> dict:
    """The history of the run that produced the shipped weights."""
    resource = importlib.resources.files("activations.zoo") / "weights"
    return json.loads((resource / "fashion_cnn_history.json").read_text())


def main(out_dir: str | Path, *, small: bool = False, train: bool = False) -> dict:
    """Save the loss curve and the layer table in ``out_dir``; return the key numbers.

    ``train=True`` trains from scratch instead of loading the shipped model.
    ``small=True`` trains on 600 images for 1 epoch (it implies training, so
    that every step runs) and evaluates on 1,000 test images.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    dpi = 60 if small else 90

    if train or small:
        options = {"limit": 600, "epochs": 1, "verbose": 0} if small else {"verbose": 2}
        print(f"Training from scratch ({options}) into {out / 'fashion_cnn_run'}")
        result = train_fashion_cnn(out / "fashion_cnn_run", force=True, **options)
        model, history = result.model, result.history
    else:
        model, history = fashion_cnn(), shipped_history()  # the shipped, trained model

    best = history["best_epoch"]
    print(
        f"Best epoch {best} of {history['epochs_run']}: validation loss "
        f"{history['best_val_loss']:.4f}, validation accuracy {history['best_val_accuracy']:.4f}"
    )
    fig = plot_history(history)
    fig.suptitle(f"Fashion-MNIST CNN: best epoch {best} (dashed), weights kept from it")
    save(fig, out / "fashion_loss_curve.png", dpi)

    # Evaluate on the test set, as the tutorials do: images (N, 28, 28, 1) in 0..1.
    _, (x_test, y_test) = fashion_mnist()
    if small:
        x_test, y_test = x_test[:1000], y_test[:1000]
    x_test = x_test.reshape(-1, 28, 28, 1).astype(np.float32) / 255.0
    model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    test_loss, test_accuracy = model.evaluate(x_test, y_test, batch_size=256, verbose=0)
    print(f"Test accuracy {test_accuracy:.4f} (loss {test_loss:.4f}) on {len(y_test)} images")

    table = analyze_network(model)
    print(table)
    save(plot_network(table), out / "fashion_network.png", dpi)

    return {
        "best_epoch": int(best),
        "epochs_run": int(history["epochs_run"]),
        "best_val_loss": float(history["best_val_loss"]),
        "best_val_accuracy": float(history["best_val_accuracy"]),
        "test_loss": float(test_loss),
        "test_accuracy": float(test_accuracy),
        "n_test": len(y_test),
        "total_learnables": table.total_learnables,
    }


if __name__ == "__main__":
    parser = example_parser(__doc__, small_help="quick run: 600 images, 1 epoch")
    parser.add_argument("--train", action="store_true", help="train from scratch (minutes)")
    args = parser.parse_args()
    main(args.out, small=args.small, train=args.train)
