"""``gdlab playground``: TensorFlow Playground in the browser, every picture a real gdlab run.

``create_app()`` is the ASGI app (Starlette); ``serve()`` runs it with uvicorn (``pip install -e
".[playground]"``). ``widget(**settings)`` is the same playground in a Jupyter notebook (anywidget;
``pip install -e ".[notebook]"``). Each is imported when first asked for, so either works without the
other's packages.
"""

_EXPORTS = {"create_app": "gdlab.playground.app", "serve": "gdlab.playground.app",
            "widget": "gdlab.playground.notebook", "PlaygroundWidget": "gdlab.playground.notebook"}

__all__ = list(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'gdlab.playground' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_EXPORTS[name]), name)
