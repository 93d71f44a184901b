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

    from gdlab.backend import use as use_backend
    from gdlab.lab.report import write_json
    from gdlab.lab.studies import STUDIES

    study = STUDIES[args.lab_command]
    cfg = study.make(**{f.name: getattr(args, f.name) for f in fields(study.settings)})
    with use_backend(args.backend):
        section = study.section(Path(args.out), cfg)
    for name, content in section.data.items():
        write_json(Path(args.out) / name, content)
    print(section.to_text())
    return 0


def _lab_report(args) -> int:
    from gdlab.lab.report import build_report

    t0 = time.perf_counter()
    overrides = {"batch-size": {"memory_mib": args.memory_mib}} if args.memory_mib else None
    index = build_report(args.out, only=args.only, overrides=overrides, thorough=args.thorough,
                         blas_threads=args.blas_threads or None, echo=lambda line: print(line, file=sys.stderr),
                         backend=args.backend)
    print(f"wrote {index} in {time.perf_counter() - t0:.1f} s")
    return 0


def _train(args) -> int:
    from gdlab.runs import train_from_config

    result = train_from_config(args.config, args.out or None, args.force, backend=args.backend,
                               say=lambda text: print(text, file=sys.stderr))
    if result.status != "already finished":
        print(result.summary())
    return 0


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
    unknown = sorted(set(args.drop or []) - set(header))
    if unknown:
        raise ValueError(f"--drop {' '.join(unknown)}: no such column in {args.input} (its columns: "
                         f"{', '.join(header)})")
    kept = [i for i, h in enumerate(header) if h not in (args.drop or [])]
    expected = model.input_shape[0] if len(model.input_shape) == 1 else None
    if expected is not None and len(kept) != expected:
        found = ": " + ", ".join(header[i] for i in kept) if kept else ""
        dropped = f" after --drop {' '.join(args.drop)}" if args.drop else ""
        hint = "; ignore the extra ones with --drop NAME" if len(kept) > expected else ""
        raise ValueError(f"{args.model} expects {expected} input column(s); {args.input} has {len(kept)}{dropped}"
                         f"{found}{hint}")
    pred = model.predict(x[:, kept])
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


def _add_lab(sub) -> None:
    from dataclasses import fields

    from gdlab.lab.studies import STUDIES

    lab = sub.add_parser("lab", help="experiments that show how gradient descent behaves (plots + tables)")
    labsub = lab.add_subparsers(dest="lab_command", required=True)
    for key, study in STUDIES.items():
        p = labsub.add_parser(key, help=study.help, description=study.help)
        p.add_argument("--out", default="lab-out", help="folder for the PNG files (default: lab-out)")
        for f in fields(study.settings):
            shown = ",".join(map(str, f.default)) if isinstance(f.default, tuple) else f.default
            p.add_argument("--" + f.name.replace("_", "-"), dest=f.name, type=_option_type(f), default=f.default,
                           help=f"{study.option_help(f.name)} (default: {shown})")
        _add_backend(p, "the networks' array backend")
        p.set_defaults(func=_lab_section)
    p = labsub.add_parser("report", help="run every section and write one HTML page",
                          description="run every section and write OUT/index.html with all figures embedded, "
                                      "OUT/claims.json and OUT/batch_size.json")
    p.add_argument("--out", default="gdlab-report", help="output folder (default: gdlab-report)")
    p.add_argument("--only", nargs="+", choices=list(STUDIES), default=None, help="run only these sections")
    p.add_argument("--thorough", action="store_true", help="bigger grids and more timed repeats (slower)")
    p.add_argument("--memory-mib", dest="memory_mib", type=_non_negative_float, default=0.0,
                   help="memory budget of one training step for the batch-size recommendation (default: none)")
    p.add_argument("--blas-threads", dest="blas_threads", type=_non_negative_int, default=1,
                   help="BLAS threads while the report runs (0: leave as is; default: 1)")
    _add_backend(p, "the networks' array backend")
    p.set_defaults(func=_lab_report)


def _add_backend(parser, what: str = "array backend") -> None:
    parser.add_argument("--backend", choices=["numpy", "cupy"], default="numpy",
                        help=f"{what}: numpy (CPU, default) or cupy (NVIDIA GPU, pip install 'gdlab[cuda]')")


def _playground(args) -> int:
    try:
        from gdlab.playground import serve
    except ImportError as err:
        raise ValueError(f"the playground needs its extra: pip install \"gdlab[playground]\" ({err})") from None
    serve(host=args.host, port=args.port, open_browser=args.open, allow_hosts=args.allow_host)
    return 0


def _add_playground(sub) -> None:
    p = sub.add_parser("playground", help="TensorFlow Playground in the browser, powered by gdlab",
                       description="serve the interactive playground (loopback by default); every run it shows "
                                   "exports as a gdlab train TOML that reproduces it bit for bit")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    p.add_argument("--open", action="store_true", help="open the page in the default browser")
    p.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                   help="a further host name the server answers to when other machines reach it by that name "
                        "(requests for any other Host are refused: DNS-rebinding protection); repeatable")
    p.set_defaults(func=_playground)


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
    train.add_argument("--force", action="store_true",
                       help="start over: discard a backup or finished run of this folder and train from scratch")
    _add_backend(train)
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
    _add_playground(sub)


    _add_sweep(sub)
    return parser


def _version() -> str:
    from gdlab import __version__

    return __version__


#: what each kind of failure exits with: 2 for bad input (a config, an argument, a file), 1 for a
#: failure while running; the first matching class wins
EXIT_CODES = ((KeyboardInterrupt, 130), (FileNotFoundError, 2), (ValueError, 2), (TypeError, 2),
              (OSError, 1), (MemoryError, 1), (FloatingPointError, 1), (RuntimeError, 1))


def _message(err: BaseException) -> str:
    if isinstance(err, KeyboardInterrupt):
        return "interrupted; run the same command again to resume"
    if isinstance(err, MemoryError):
        return f"out of memory ({err})" if str(err) else "out of memory"
    return " ".join(str(err).split("\n"))


def main(argv=None) -> int:
    """Run a command; every error is one line ``gdlab: error: …`` on stderr, without a traceback."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except BaseException as err:
        code = next((c for kind, c in EXIT_CODES if isinstance(err, kind)), None)
        if code is None:
            raise
        print(f"gdlab: error: {_message(err)}", file=sys.stderr)
        return code


if __name__ == "__main__":
    sys.exit(main())
