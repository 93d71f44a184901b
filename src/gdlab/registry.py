"""One registry per kind (activations, losses, initializers, optimizers, ...).

``Registry.get`` accepts a name, an instance (returned as is) or a config dict
``{"class_name": ..., "config": {...}}``; an unknown name raises a ``ValueError``
that lists the known ones.
"""

from __future__ import annotations


def _normalise(name: str) -> str:
    return name.lower().replace("_", "").replace(" ", "")


class Registry:
    def __init__(self, kind: str, base: type, plural: str | None = None):
        self.kind = kind
        self.plural = plural or kind + "s"
        self.base = base
        self._by_name: dict[str, type] = {}
        self._aliases: dict[str, str] = {}

    def register(self, *names: str):
        """Class decorator: register under its class name and the given aliases."""

        def deco(cls):
            canonical = names[0] if names else cls.__name__
            self._by_name[canonical] = cls
            for n in (cls.__name__, *names):
                self._aliases[_normalise(n)] = canonical
            return cls

        return deco

    def names(self) -> list[str]:
        return sorted(self._by_name)

    def classes(self) -> list[type]:
        """The registered classes, by name."""
        return [self._by_name[n] for n in self.names()]

    def lookup(self, name: str) -> type:
        key = self._aliases.get(_normalise(name)) if isinstance(name, str) else None
        if key is None:
            raise ValueError(
                f"unknown {self.kind} {name!r}; known {self.plural}: {', '.join(self.names())}"
            )
        return self._by_name[key]

    def get(self, identifier, **kwargs):
        if isinstance(identifier, self.base):
            return identifier
        if isinstance(identifier, dict):
            if set(identifier) - {"class_name", "config"} or "class_name" not in identifier:
                raise ValueError(
                    f"a {self.kind} config must be {{'class_name': ..., 'config': {{...}}}}, "
                    f"got keys {sorted(identifier)}"
                )
            cls = self.lookup(identifier["class_name"])
            return cls.from_config(dict(identifier.get("config", {})))
        if isinstance(identifier, str):
            return self.lookup(identifier)(**kwargs)
        raise TypeError(
            f"{self.kind} must be a name (one of {', '.join(self.names())}), "
            f"a {self.base.__name__} instance or a config dict; got {identifier!r}"
        )


def serialize(obj) -> dict:
    """``{"class_name": ..., "config": ...}`` for any object with ``get_config``."""
    return {"class_name": type(obj).__name__, "config": obj.get_config()}
