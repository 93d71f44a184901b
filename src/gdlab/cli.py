"""The ``gdlab`` command line: ``gdlab demo``, ``gdlab lab …``, ``gdlab train …``."""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path


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


def _lab_section(args) -> int:
    from dataclasses import fields

    from gdlab.lab import settings as lab_settings
    from gdlab.lab.report import write_json
    from gdlab.lab.sections import SECTIONS

    key = args.lab_command
    cfg = lab_settings.make(key, **{f.name: getattr(args, f.name) for f in fields(lab_settings.SETTINGS[key])})
    section = SECTIONS[key](Path(args.out), cfg)
    for name, content in section.data.items():
        write_json(Path(args.out) / name, content)
    print(section.to_text())
    return 0


def _lab_report(args) -> int:
    from gdlab.lab.report import build_report

    t0 = time.perf_counter()
    overrides = {"batch-size": {"memory_mib": args.memory_mib}} if args.memory_mib else None
    index = build_report(args.out, only=args.only, overrides=overrides, thorough=args.thorough,
                         blas_threads=args.blas_threads or None, echo=lambda line: print(line, file=sys.stderr))
    print(f"wrote {index} in {time.perf_counter() - t0:.1f} s")
    return 0


def _train(args) -> int:
    import json

    from gdlab import runconfig

    cfg = runconfig.load_config(args.config)
    if args.out:
        cfg.output_dir = Path(args.out)
    (x_train, y_train), (x_test, y_test) = runconfig.load_data(cfg)
    model = runconfig.build_model(cfg, x_train)
    callbacks = runconfig.build_callbacks(cfg)
    backup = callbacks[-1].path
    print(f"{cfg.path}: {len(x_train)} training and {len(x_test)} test samples; "
          + (f"resuming from {backup}" if backup.exists() else f"writing to {cfg.output_dir}"), file=sys.stderr)
    model.summary(print_fn=lambda text: print(text, file=sys.stderr))
    try:
        history = model.fit(x_train, y_train, callbacks=callbacks, seed=cfg.seed, **runconfig.fit_arguments(cfg))
    except TypeError as err:
        raise runconfig.ConfigError(f"{cfg.path} [fit]: {err}") from None
    out = cfg.output_dir
    model.save(out / "model.safetensors")
    _write_history(history, out)
    results = model.evaluate(x_test, y_test, return_dict=True)
    (out / "metrics.json").write_text(json.dumps({"test": results, "epochs": len(history.epoch)}, indent=2) + "\n")
    print(f"wrote {out / 'model.safetensors'}, history.csv, history.json, metrics.json")
    print("test " + "  ".join(f"{k}: {v:.4f}" for k, v in results.items()))
    return 0


def _write_history(history, out) -> None:
    import csv
    import json

    keys = list(history.history)
    with open(out / "history.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["epoch", "iterations", *keys])
        for i, e in enumerate(history.epoch):
            w.writerow([e, history.iterations_per_epoch[i], *(history.history[k][i] for k in keys)])
    (out / "history.json").write_text(json.dumps(history.to_state()) + "\n", encoding="utf-8")


def _evaluate(args) -> int:
    import gdlab
    from gdlab import runconfig

    cfg = runconfig.load_config(args.config)
    model = gdlab.load_model(args.model or cfg.output_dir / "model.safetensors")
    _, (x_test, y_test) = runconfig.load_data(cfg)
    results = model.evaluate(x_test, y_test, return_dict=True)
    print("test " + "  ".join(f"{k}: {v:.4f}" for k, v in results.items()))
    return 0


def _predict(args) -> int:
    import numpy as np

    import gdlab
    from gdlab import datasets

    model = gdlab.load_model(args.model)
    header, x = datasets.read_csv(args.input)
    drop = [h for h in header if h in (args.drop or [])]
    x = x[:, [i for i, h in enumerate(header) if h not in drop]]
    pred = model.predict(x)
    lines = []
    if pred.shape[1] > 1:
        lines.append("class," + ",".join(f"p{k}" for k in range(pred.shape[1])))
        lines += [f"{int(np.argmax(p))}," + ",".join(f"{v:.6g}" for v in p) for p in pred]
    else:
        lines.append("prediction")
        lines += [f"{float(p[0]):.6g}" for p in pred]
    text = "\n".join(lines) + "\n"
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"wrote {len(pred)} predictions to {args.output}")
    else:
        sys.stdout.write(text)
    return 0


def _positive_int(text):
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive integer")
    return value


def _non_negative_int(text):
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be an integer >= 0")
    return value


def _non_negative_float(text):
    value = float(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a number >= 0")
    return value


def _list_of(default: tuple):
    """A comma-separated list parsed like ``default``'s items ('full' allowed where the default has it)."""
    kinds = {type(v) for v in default if v != "full"}
    allow_full = "full" in default

    def parse(text):
        out = []
        for part in (p.strip() for p in text.split(",")):
            if allow_full and part == "full":
                out.append("full")
            elif kinds == {str}:
                out.append(part)
            elif kinds == {int}:
                out.append(_positive_int(part))
            else:
                value = float(part)
                if not value > 0:
                    raise argparse.ArgumentTypeError(f"{part!r} must be a positive number")
                out.append(value)
        return tuple(out)

    return parse


def _option_type(f):
    """The argparse type for a settings field, from its default."""
    if isinstance(f.default, tuple):
        return _list_of(f.default)
    if isinstance(f.default, int):
        return _non_negative_int if f.name == "seed" or f.default == 0 else _positive_int
    return _non_negative_float if f.default >= 0 else float


LAB_HELP = {
    "basics": "one iteration checked by hand: forward pass, loss, chain rule, update",
    "linear": "the house-price line y = w·x: the loss parabola and learning rates too small to diverging",
    "regimes": "batch gradient descent vs SGD vs mini-batch on the same data and initial weights",
    "momentum": "momentum at the same η, per-parameter steps, RMSprop's forgetting, Adam by hand",
    "surfaces": "every optimizer's path on Rosenbrock, Beale, an ill-conditioned bowl and a saddle",
    "compare": "every optimizer on the bundled digits, same network and initial weights",
    "batch-size": "η tuned per batch size: steps to target, S(B) and E(B) fits, B_noise vs B_simple; recommend B",
    "lr-find": "the learning-rate range test on y = w·x, against the theory's 1/λ and 2/λ",
    "activations": "each activation and its derivative",
}


def _add_lab(sub) -> None:
    from dataclasses import fields

    from gdlab.lab.settings import SETTINGS

    lab = sub.add_parser("lab", help="experiments that show how gradient descent behaves (plots + tables)")
    labsub = lab.add_subparsers(dest="lab_command", required=True)
    for key, cls in SETTINGS.items():
        p = labsub.add_parser(key, help=LAB_HELP[key], description=LAB_HELP[key])
        p.add_argument("--out", default="lab-out", help="folder for the PNG files (default: lab-out)")
        for f in fields(cls):
            shown = ",".join(map(str, f.default)) if isinstance(f.default, tuple) else f.default
            p.add_argument("--" + f.name.replace("_", "-"), dest=f.name, type=_option_type(f), default=f.default,
                           help=f"{f.metadata['help']} (default: {shown})")
        p.set_defaults(func=_lab_section)
    p = labsub.add_parser("report", help="run every section and write one HTML page",
                          description="run every section and write OUT/index.html with all figures embedded, "
                                      "OUT/claims.json and OUT/batch_size.json")
    p.add_argument("--out", default="gdlab-report", help="output folder (default: gdlab-report)")
    p.add_argument("--only", nargs="+", choices=list(SETTINGS), default=None, help="run only these sections")
    p.add_argument("--thorough", action="store_true", help="bigger grids and more timed repeats (slower)")
    p.add_argument("--memory-mib", dest="memory_mib", type=_non_negative_float, default=0.0,
                   help="memory budget of one training step for the batch-size recommendation (default: none)")
    p.add_argument("--blas-threads", dest="blas_threads", type=_non_negative_int, default=1,
                   help="BLAS threads while the report runs (0: leave as is; default: 1)")
    p.set_defaults(func=_lab_report)


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
    _add_lab(sub)
    train = sub.add_parser("train", help="train from a TOML config; resumes after an interruption",
                           description="train from a TOML config (see examples/); killed and restarted, it "
                                       "resumes from its backup and ends with the same weights")
    train.add_argument("config", help="the run's TOML file")
    train.add_argument("--out", default=None, help="override [output] dir")
    train.set_defaults(func=_train)
    ev = sub.add_parser("evaluate", help="evaluate a trained model on its config's test split")
    ev.add_argument("config")
    ev.add_argument("--model", default=None, help="model file (default: OUTPUT_DIR/model.safetensors)")
    ev.set_defaults(func=_evaluate)
    pr = sub.add_parser("predict", help="predict for the rows of a CSV file")
    pr.add_argument("model", help="a .safetensors model saved by gdlab")
    pr.add_argument("input", help="CSV with a header; its columns are the model's inputs")
    pr.add_argument("--drop", nargs="*", help="columns to ignore (e.g. the target)")
    pr.add_argument("--output", default=None, help="write the predictions here instead of stdout")
    pr.set_defaults(func=_predict)
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
