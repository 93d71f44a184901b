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
    from pathlib import Path

    from gdlab.lab.sections import SECTIONS

    kwargs = {k: v for k, v in vars(args).items() if k not in ("command", "lab_command", "func", "out")}
    section = SECTIONS[args.lab_command](Path(args.out), **kwargs)
    print(section.to_text())
    return 0


def _lab_report(args) -> int:
    from gdlab.lab.report import build_report

    t0 = time.perf_counter()
    index = build_report(args.out, only=args.only, echo=lambda line: print(line, file=sys.stderr))
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


def _batch_sizes(text):
    out = []
    for part in text.split(","):
        part = part.strip()
        out.append("full" if part == "full" else _positive_int(part))
    return tuple(out)


def _add_lab(sub) -> None:
    from gdlab.lab.sections import SECTIONS

    lab = sub.add_parser("lab", help="experiments that show how gradient descent behaves (plots + tables)")
    labsub = lab.add_subparsers(dest="lab_command", required=True)

    def command(name, help_text):
        p = labsub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--out", default="lab-out", help="folder for the PNG files (default: lab-out)")
        p.set_defaults(func=_lab_section)
        return p

    p = command("linear", "the house-price line y = w·x: the loss parabola and learning rates too small to diverging")
    p.add_argument("--n", type=_positive_int, default=50, help="number of houses")
    p.add_argument("--noise", type=float, default=0.1, help="price noise, relative to true_w")
    p.add_argument("--true-w", dest="true_w", type=float, default=3.0, help="the true slope")
    p.add_argument("--steps", type=_positive_int, default=25, help="gradient-descent iterations per run")
    p.add_argument("--seed", type=int, default=0)
    p = command("regimes", "batch gradient descent vs SGD vs mini-batch on the same data and initial weights")
    p.add_argument("--n", type=_positive_int, default=1000)
    p.add_argument("--minibatch", type=_positive_int, default=32)
    p.add_argument("--epochs", type=_positive_int, default=30)
    p.add_argument("--learning-rate", dest="learning_rate", type=float, default=0.02)
    p.add_argument("--seed", type=int, default=0)
    p = command("surfaces", "every optimizer's path on Rosenbrock, Beale, an ill-conditioned bowl and a saddle")
    p.add_argument("--names", type=lambda t: tuple(t.split(",")), default=("rosenbrock", "beale", "bowl", "saddle"),
                   help="comma-separated surfaces")
    p.add_argument("--steps", type=_positive_int, default=None, help="steps per race (default: per surface)")
    p = command("compare", "every optimizer on the bundled digits, same network and initial weights")
    p.add_argument("--epochs", type=_positive_int, default=20)
    p.add_argument("--batch-size", dest="batch_size", type=_positive_int, default=32)
    p.add_argument("--seed", type=int, default=0)
    p = command("batch-size", "sweep batch sizes: memory, speed, convergence, noise scale; recommend one")
    p.add_argument("--batch-sizes", dest="batch_sizes", type=_batch_sizes, default=(1, 8, 32, 128, 512, "full"),
                   help="comma-separated, 'full' for all samples (default: 1,8,32,128,512,full)")
    p.add_argument("--epochs", type=_positive_int, default=25)
    p.add_argument("--learning-rate", dest="learning_rate", type=float, default=0.02)
    p.add_argument("--seed", type=int, default=0)
    p = command("lr-find", "the learning-rate range test on y = w·x, against the theory's 1/λ")
    p.add_argument("--n", type=_positive_int, default=200)
    p.add_argument("--batch-size", dest="batch_size", type=_positive_int, default=32)
    p.add_argument("--seed", type=int, default=0)
    command("activations", "each activation and its derivative")
    p = labsub.add_parser("report", help="run every section and write one HTML page",
                          description="run every section and write OUT/index.html with all figures embedded")
    p.add_argument("--out", default="gdlab-report", help="output folder (default: gdlab-report)")
    p.add_argument("--only", nargs="+", choices=list(SECTIONS), default=None, help="run only these sections")
    p.set_defaults(func=_lab_report)


# -- gdlab sweep ------------------------------------------------------------------------------------
def _sweep(args) -> int:
    from gdlab.sweep.status import open_folder, summary

    if args.target in ("status", "report"):
        if args.dir is None:
            raise ValueError(f"gdlab sweep {args.target} needs the sweep folder: gdlab sweep {args.target} DIR")
        if args.target == "status":
            print(summary(open_folder(args.dir)))
            return 0
        from gdlab.sweep.report import write_report

        print(f"wrote {write_report(args.dir, x=args.x, y=args.y)}")
        return 0
    if args.dir is not None:
        raise ValueError(f"unexpected argument {args.dir!r}: use gdlab sweep SWEEP.toml [options], "
                         "gdlab sweep status DIR or gdlab sweep report DIR")
    from gdlab.sweep import run_sweep
    from gdlab.sweep.runner import default_out

    out = Path(args.out) if args.out else default_out(args.target)
    try:
        rows = run_sweep(args.target, engine=args.engine, workers=args.workers, address=args.address, out=out,
                         retry_failed=args.retry_failed, resume=not args.no_resume)
    except KeyboardInterrupt:
        print(f"interrupted; the finished trials are in {out / 'results.csv'}; run the same command again to "
              "finish the rest", file=sys.stderr)
        return 130
    except (RuntimeError, ConnectionError, ImportError) as err:
        print(f"gdlab: error: {err}", file=sys.stderr)
        return 2
    print(summary(open_folder(out)))
    return 0 if all(r["status"] == "ok" for r in rows) else 1


def _add_sweep(sub) -> None:
    p = sub.add_parser("sweep", help="run many `gdlab train` configs (a grid or random search) locally or on Ray",
                       description="gdlab sweep SWEEP.toml [options] runs a sweep (resumable: run it again to "
                                   "finish); gdlab sweep status DIR summarises one; gdlab sweep report DIR writes "
                                   "DIR/report.html")
    p.add_argument("target", help="the sweep file, or `status` / `report`")
    p.add_argument("dir", nargs="?", default=None, help="the sweep folder (for status and report)")
    p.add_argument("--engine", choices=("local", "ray"), default="local", help="local processes (default) or Ray")
    p.add_argument("--workers", type=_positive_int, default=None,
                   help="parallel trials (default: the CPU count; with --address, the cluster decides)")
    p.add_argument("--address", default=None, help="attach to a Ray cluster: auto or HOST:PORT (with --engine ray)")
    p.add_argument("--out", default=None, help="the sweep folder (default: sweeps/<sweep file name>)")
    p.add_argument("--retry-failed", dest="retry_failed", action="store_true", help="run trials that failed again")
    p.add_argument("--no-resume", dest="no_resume", action="store_true",
                   help="forget earlier results in the folder and run every trial")
    p.add_argument("--x", default=None, help="report: the heatmap's x key (default: the first swept key)")
    p.add_argument("--y", default=None, help="report: the heatmap's y key (default: the second swept key)")
    p.set_defaults(func=_sweep)


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
    _add_sweep(sub)
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
