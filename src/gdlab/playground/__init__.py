"""``gdlab playground``: TensorFlow Playground in the browser, every picture a real gdlab run.

``create_app()`` is the ASGI app (Starlette); ``serve()`` runs it with uvicorn. Install the extra:
``pip install -e ".[playground]"``.
"""

from gdlab.playground.app import create_app, serve

__all__ = ["create_app", "serve"]
