"""The ``gdlab`` command line: ``gdlab demo``, ``gdlab lab …``, ``gdlab train …``."""

from __future__ import annotations

import argparse
import math
import sys
import time


def _demo(args) -> int:
    import gdlab
    from gdlab import datasets
    from gdlab.batching import resolve_batch_size
    from gdlab.layers import Dense
    from gdlab.optimizers import SGD

    (x_train, y_train), (x_test, y_test) = datasets.load_digits(seed=args.seed)
    gdlab.utils.set_random_seed(args.seed)
    model = gdlab.Sequential([gdlab.Input((x_train.shape[1],)), Dense(args.hidden, activation="relu"),
                              Dense(10, activation="softmax")])
    model.compile(SGD(lr=args.lr, momentum=0.9), "sparse_categorical_crossentropy", ["accuracy"])
    model.summary()
    n_train = int(math.floor(len(x_train) * (1 - 0.1)))
    batch = resolve_batch_size(args.batch_size, n_train)
    print(f"\n{len(x_train)} training samples, {n_train} used for training, {len(x_train) - n_train} for "
          f"validation; batch size {batch} → ⌈{n_train}/{batch}⌉ = "
          f"{math.ceil(n_train / batch)} iterations per epoch\n")
    t0 = time.perf_counter()
    history = model.fit(x_train, y_train, epochs=args.epochs, batch_size=args.batch_size,
                        validation_split=0.1, verbose=0)
    seconds = time.perf_counter() - t0
    h = history.history
    print(f"{'epoch':>5} {'iterations':>10} {'total it.':>9} {'loss':>8} {'accuracy':>8} "
          f"{'val_loss':>8} {'val_acc':>8}")
    total = 0
    for e, iters in zip(history.epoch, history.iterations_per_epoch):
        total += iters
        print(f"{e + 1:>5} {iters:>10} {total:>9} {h['loss'][e]:>8.4f} {h['accuracy'][e]:>8.4f} "
              f"{h['val_loss'][e]:>8.4f} {h['val_accuracy'][e]:>8.4f}")
    loss, acc = model.evaluate(x_test, y_test)
    print(f"\ntrained in {seconds:.2f} s; test loss {loss:.4f}, test accuracy {acc:.4f} "
          f"on {len(x_test)} held-out digits")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gdlab", description="A NumPy neural-network library and gradient-descent lab.")
    parser.add_argument("--version", action="version", version=f"gdlab {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="train a network on the built-in digits and print the epoch table")
    demo.add_argument("--epochs", type=int, default=20)
    demo.add_argument("--batch-size", type=int, default=32)
    demo.add_argument("--lr", type=float, default=0.05)
    demo.add_argument("--hidden", type=int, default=64)
    demo.add_argument("--seed", type=int, default=0)
    demo.set_defaults(func=_demo)
    return parser


def _version() -> str:
    from gdlab import __version__

    return __version__


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, TypeError, FileNotFoundError) as err:
        print(f"gdlab: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
