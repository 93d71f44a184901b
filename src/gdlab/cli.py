"""The ``gdlab`` command line: ``gdlab demo``, ``gdlab lab …``, ``gdlab train …``."""

from __future__ import annotations

import argparse
import contextlib
import math
import sys
import time
from pathlib import Path

from gdlab.i18n import LANGUAGES, LanguageError, catalog, normalize, resolve, rjust, t, using, width


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
    print("\n" + t("cli.demo_split", samples=len(x_train), train=n_train, validation=len(x_train) - n_train,
                    batch=batch, iterations=math.ceil(n_train / batch)) + "\n")
    t0 = time.perf_counter()
    history = model.fit(x_train, y_train, epochs=args.epochs, batch_size=args.batch_size,
                        validation_split=0.1, verbose=0)
    seconds = time.perf_counter() - t0
    h = history.history
    columns = (t("cli.column_epoch"), t("cli.column_iterations"), t("cli.column_total"), t("cli.column_loss"),
               t("cli.column_accuracy"), "val_loss", "val_acc")
    print(" ".join(rjust(text, width) for text, width in zip(columns, (5, 10, 9, 8, 8, 8, 8))))
    total = 0
    for e, iters in zip(history.epoch, history.iterations_per_epoch):
        total += iters
        print(f"{e + 1:>5} {iters:>10} {total:>9} {h['loss'][e]:>8.4f} {h['accuracy'][e]:>8.4f} "
              f"{h['val_loss'][e]:>8.4f} {h['val_accuracy'][e]:>8.4f}")
    loss, acc = model.evaluate(x_test, y_test)
    print("\n" + t("cli.demo_done", seconds=f"{seconds:.2f}", loss=f"{loss:.4f}", accuracy=f"{acc:.4f}",
                    n=len(x_test)))
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
    print(t("cli.wrote_in", path=index, seconds=f"{time.perf_counter() - t0:.1f}"))
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
    print(t("cli.test_metrics", metrics="  ".join(f"{k}: {v:.4f}" for k, v in results.items())))
    return 0


def _predict(args) -> int:
    import numpy as np

    import gdlab
    from gdlab import datasets

    model = gdlab.load_model(args.model)
    header, x = datasets.read_csv(args.input)
    unknown = sorted(set(args.drop or []) - set(header))
    if unknown:
        raise ValueError(t("cli.drop_unknown", names=" ".join(unknown), input=args.input, columns=", ".join(header)))
    kept = [i for i, h in enumerate(header) if h not in (args.drop or [])]
    expected = model.input_shape[0] if len(model.input_shape) == 1 else None
    if expected is not None and len(kept) != expected:
        found = t("cli.columns_found", columns=", ".join(header[i] for i in kept)) if kept else ""
        dropped = t("cli.after_drop", names=" ".join(args.drop)) if args.drop else ""
        hint = t("cli.drop_hint") if len(kept) > expected else ""
        raise ValueError(t("cli.columns_mismatch", model=args.model, expected=expected, input=args.input,
                           found_n=len(kept), dropped=dropped, found=found, hint=hint))
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
        print(t("cli.wrote_predictions", n=len(pred), path=args.output))
    else:
        sys.stdout.write(text)
    return 0


def _positive_int(text):
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(t("cli.must_be_positive_int", value=repr(text)))
    return value


def _non_negative_int(text):
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(t("cli.must_be_non_negative_int", value=repr(text)))
    return value


def _non_negative_float(text):
    value = float(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError(t("cli.must_be_non_negative", value=repr(text)))
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
                    raise argparse.ArgumentTypeError(t("cli.must_be_positive", value=repr(part)))
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


def _add_lab(sub, common: dict) -> None:
    from dataclasses import fields

    from gdlab.lab.studies import STUDIES

    lab = sub.add_parser("lab", help=t("cli.lab_help"), **common)
    labsub = lab.add_subparsers(dest="lab_command", required=True)
    for key, study in STUDIES.items():
        p = labsub.add_parser(key, help=study.help, description=study.help, **common)
        p.add_argument("--out", default="lab-out", help=t("cli.lab_out_help"))
        for f in fields(study.settings):
            shown = ",".join(map(str, f.default)) if isinstance(f.default, tuple) else f.default
            p.add_argument("--" + f.name.replace("_", "-"), dest=f.name, type=_option_type(f), default=f.default,
                           help=t("cli.with_default", help=study.option_help(f.name), default=shown))
        _add_backend(p, t("cli.backend_networks"))
        p.set_defaults(func=_lab_section)
    p = labsub.add_parser("report", help=t("cli.report_help"), description=t("cli.report_description"), **common)
    p.add_argument("--out", default="gdlab-report", help=t("cli.report_out_help"))
    p.add_argument("--only", nargs="+", choices=list(STUDIES), default=None, help=t("cli.report_only_help"))
    p.add_argument("--thorough", action="store_true", help=t("cli.report_thorough_help"))
    p.add_argument("--memory-mib", dest="memory_mib", type=_non_negative_float, default=0.0,
                   help=t("cli.report_memory_help"))
    p.add_argument("--blas-threads", dest="blas_threads", type=_non_negative_int, default=1,
                   help=t("cli.report_blas_help"))
    _add_backend(p, t("cli.backend_networks"))
    p.set_defaults(func=_lab_report)


def _language(text):
    """``--lang``'s type: its value normalised, or argparse's error with ``normalize``'s message."""
    try:
        return normalize(text)
    except LanguageError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _lang_parent() -> argparse.ArgumentParser:
    """``--lang``, accepted by every command (``main`` reads it before parsing, so help speaks it)."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--lang", choices=LANGUAGES, type=_language, default=None, help=t("cli.lang_help"))
    return parent


@contextlib.contextmanager
def _argparse_words():
    """argparse's own words ("usage:", "options", its error messages) in the current language: argparse
    looks each one up through its module's ``_``, which this swaps for the catalogue's ``argparse`` domain."""
    english = catalog("en")
    keys = {text: key for key, text in english.items() if key.startswith("argparse.")}

    def translate(msgid):
        key = keys.get(msgid.strip()) if isinstance(msgid, str) else None
        if key is None:
            return msgid
        text = t(key)  # argparse's trailing space or newline, except after full-width punctuation ("用法：")
        return text + ("" if text[-1:] in "：；，。" else msgid[len(msgid.rstrip()):])

    saved = argparse._
    argparse._ = translate
    try:
        yield
    finally:
        argparse._ = saved


def _add_backend(parser, what: str | None = None) -> None:
    parser.add_argument("--backend", choices=["numpy", "cupy"], default="numpy",
                        help=t("cli.backend_help", what=what or t("cli.backend_array")))


def _playground(args) -> int:
    try:
        from gdlab.playground import serve
    except ImportError as err:
        raise ValueError(t("cli.playground_extra", error=err)) from None
    serve(host=args.host, port=args.port, open_browser=args.open, allow_hosts=args.allow_host, lang=args.lang)
    return 0


def _add_playground(sub, common: dict) -> None:
    p = sub.add_parser("playground", help=t("cli.playground_help"), description=t("cli.playground_description"),
                       **common)
    p.add_argument("--host", default="127.0.0.1", help=t("cli.playground_host_help"))
    p.add_argument("--port", type=int, default=8000, help=t("cli.playground_port_help"))
    p.add_argument("--open", action="store_true", help=t("cli.playground_open_help"))
    p.add_argument("--allow-host", action="append", default=[], metavar="NAME", help=t("cli.playground_allow_help"))
    p.set_defaults(func=_playground)


# -- gdlab sweep ------------------------------------------------------------------------------------
def _sweep(args) -> int:
    from gdlab.sweep.status import open_folder, summary

    if args.target in ("status", "report"):
        if args.dir is None:
            raise ValueError(t("cli.sweep_needs_dir", target=args.target))
        if args.target == "status":
            print(summary(open_folder(args.dir)))
            return 0
        from gdlab.sweep.report import write_report

        print(t("cli.wrote", path=write_report(args.dir, x=args.x, y=args.y)))
        return 0
    if args.dir is not None:
        raise ValueError(t("cli.sweep_unexpected", value=repr(args.dir)))
    from gdlab.sweep import run_sweep
    from gdlab.sweep.runner import default_out

    out = Path(args.out) if args.out else default_out(args.target)
    try:
        rows = run_sweep(args.target, engine=args.engine, workers=args.workers, address=args.address, out=out,
                         retry_failed=args.retry_failed, resume=not args.no_resume)
    except KeyboardInterrupt:
        print(t("cli.sweep_interrupted", path=out / "results.csv"), file=sys.stderr)
        return 130
    except (RuntimeError, ConnectionError, ImportError) as err:
        print(t("cli.error", message=err), file=sys.stderr)
        return 2
    print(summary(open_folder(out)))
    return 0 if all(r["status"] == "ok" for r in rows) else 1


def _add_sweep(sub, common: dict) -> None:
    p = sub.add_parser("sweep", help=t("cli.sweep_help"), description=t("cli.sweep_description"), **common)
    p.add_argument("target", help=t("cli.sweep_target_help"))
    p.add_argument("dir", nargs="?", default=None, help=t("cli.sweep_dir_help"))
    p.add_argument("--engine", choices=("local", "ray"), default="local", help=t("cli.sweep_engine_help"))
    p.add_argument("--workers", type=_positive_int, default=None, help=t("cli.sweep_workers_help"))
    p.add_argument("--address", default=None, help=t("cli.sweep_address_help"))
    p.add_argument("--out", default=None, help=t("cli.sweep_out_help"))
    p.add_argument("--retry-failed", dest="retry_failed", action="store_true", help=t("cli.sweep_retry_help"))
    p.add_argument("--no-resume", dest="no_resume", action="store_true", help=t("cli.sweep_no_resume_help"))
    p.add_argument("--x", default=None, help=t("cli.sweep_x_help"))
    p.add_argument("--y", default=None, help=t("cli.sweep_y_help"))
    p.set_defaults(func=_sweep)


def build_parser() -> argparse.ArgumentParser:
    common = {"parents": [_lang_parent()]}  # every command takes --lang
    parser = argparse.ArgumentParser(prog="gdlab", description=t("cli.description"), **common)
    parser.add_argument("--version", action="version", version=f"gdlab {_version()}", help=t("cli.version_help"))
    sub = parser.add_subparsers(dest="command", required=True, title=t("cli.commands"))
    demo = sub.add_parser("demo", help=t("cli.demo_help"), description=t("cli.demo_help"), **common)
    demo.add_argument("--epochs", type=int, default=20, help=t("cli.demo_epochs_help"))
    demo.add_argument("--batch-size", type=int, default=32, help=t("cli.demo_batch_size_help"))
    demo.add_argument("--lr", type=float, default=0.05, help=t("cli.demo_lr_help"))
    demo.add_argument("--hidden", type=int, default=64, help=t("cli.demo_hidden_help"))
    demo.add_argument("--seed", type=int, default=0, help=t("cli.demo_seed_help"))
    demo.set_defaults(func=_demo)
    _add_lab(sub, common)
    train = sub.add_parser("train", help=t("cli.train_help"), description=t("cli.train_description"), **common)
    train.add_argument("config", help=t("cli.train_config_help"))
    train.add_argument("--out", default=None, help=t("cli.train_out_help"))
    train.add_argument("--force", action="store_true", help=t("cli.train_force_help"))
    _add_backend(train)
    train.set_defaults(func=_train)
    ev = sub.add_parser("evaluate", help=t("cli.evaluate_help"), **common)
    ev.add_argument("config")
    ev.add_argument("--model", default=None, help=t("cli.evaluate_model_help"))
    ev.set_defaults(func=_evaluate)
    pr = sub.add_parser("predict", help=t("cli.predict_help"), **common)
    pr.add_argument("model", help=t("cli.predict_model_help"))
    pr.add_argument("input", help=t("cli.predict_input_help"))
    pr.add_argument("--drop", nargs="*", help=t("cli.predict_drop_help"))
    pr.add_argument("--output", default=None, help=t("cli.predict_output_help"))
    pr.set_defaults(func=_predict)
    _add_playground(sub, common)
    _add_sweep(sub, common)
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
        return t("cli.interrupted")
    if isinstance(err, MemoryError):
        return t("cli.out_of_memory_because", error=err) if str(err) else t("cli.out_of_memory")
    return " ".join(str(err).split("\n"))


def main(argv=None) -> int:
    """Run a command; every error is one line ``gdlab: error: …`` on stderr, without a traceback.

    The language (``--lang`` anywhere on the line, else LC_ALL / LC_MESSAGES / LANG) is read before the
    parser is built, so ``--help`` speaks it too."""
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        lang = resolve(_lang_argument(argv))
    except LanguageError as err:
        print(f"gdlab: error: {err}", file=sys.stderr)
        return 2
    lang = _writable(lang)
    with using(lang), _argparse_words():
        args = build_parser().parse_args(argv)
        args.lang = lang
        try:
            return args.func(args)
        except BaseException as err:
            code = next((c for kind, c in EXIT_CODES if isinstance(err, kind)), None)
            if code is None:
                raise
            print(t("cli.error", message=_message(err)), file=sys.stderr)
            return code


def _writable(lang: str) -> str:
    """``lang``, or English (with a warning) when stdout or stderr cannot encode the CJK characters of the command
    line's messages (an ASCII terminal, ``PYTHONIOENCODING=ascii``): help and errors would fail with a
    UnicodeEncodeError. An encoding that has them but not a symbol or two (GB2312 has no ⌈ ⌉) shows "?" there."""
    if lang == "en":
        return lang
    text = "".join({c for key, v in catalog(lang).items() if key.split(".")[0] in ("cli", "argparse") for c in v})
    wide = "".join(c for c in text if width(c) == 2)
    for stream in (sys.stdout, sys.stderr):
        encoding = getattr(stream, "encoding", None)
        if not encoding or getattr(stream, "errors", "strict") != "strict":
            continue
        try:
            wide.encode(encoding)
        except UnicodeEncodeError:
            print(f"gdlab: warning: {getattr(stream, 'name', 'output')} is {encoding}, which cannot show {lang}; "
                  "English instead (PYTHONIOENCODING=utf-8 shows it)", file=sys.stderr)
            return "en"
        except LookupError:
            continue
        try:
            text.encode(encoding)
        except UnicodeEncodeError:
            if hasattr(stream, "reconfigure"):
                stream.reconfigure(errors="replace")
    return lang


def _lang_argument(argv: list[str]) -> str | None:
    """The value of ``--lang X`` / ``--lang=X`` in ``argv`` (the last one wins), or None.

    argparse also takes an option's unambiguous abbreviation, so ``--la`` and ``--lan`` are read as ``--lang``
    (where a command has another option starting with them, argparse refuses them as ambiguous), and so is
    ``--l`` when its value is a language (``gdlab demo --l 0.1`` is left to argparse: ``--l`` is ``--lr`` or
    ``--lang`` there)."""
    found = None
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        name, eq, value = arg.partition("=")
        if len(name) < len("--l") or not "--lang".startswith(name):
            continue
        value = value if eq else argv[i + 1] if i + 1 < len(argv) else ""
        if name == "--l":
            try:
                normalize(value)
            except LanguageError:
                continue
        found = value
    return found


if __name__ == "__main__":
    sys.exit(main())
