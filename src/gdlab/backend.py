"""Array policy: which dtypes and which array library gdlab computes in, and where random numbers come from.

Every model computes in one floating dtype, float32 by default and float64 on
request (gradient checks always use float64), with one array backend chosen
when the model is made (``Sequential(..., backend="numpy" | "cupy")``, or
``model.to("cupy")``): a ``Backend`` object (below) that holds the array
namespace, the moves between host and device, and the fused operations.

Randomness flows from one root ``numpy.random.SeedSequence``. ``set_random_seed``
replaces the root; every object that needs randomness and was given no seed of
its own (a model's initial weights, a fit's shuffling and dropout masks) takes
the next child of the root. So one call of ``set_random_seed(n)`` at the top of a
script makes the whole script reproducible, bit for bit, as in Keras. Random
numbers are drawn on the host for every backend and then moved.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools

import numpy as np

from gdlab import kernels

FLOAT_DTYPES = {"float32": np.float32, "float64": np.float64}

_root = np.random.SeedSequence()


def resolve_dtype(dtype) -> np.dtype:
    """Return the NumPy dtype for ``"float32"``/``"float64"`` (or the types themselves)."""
    name = np.dtype(dtype).name if _is_dtype_like(dtype) else None
    if name not in FLOAT_DTYPES:
        raise ValueError(
            f"dtype={dtype!r} is not supported; valid: {sorted(FLOAT_DTYPES)}"
        )
    return np.dtype(FLOAT_DTYPES[name])


def _is_dtype_like(dtype) -> bool:
    try:
        np.dtype(dtype)
    except TypeError:
        return False
    return True


def set_random_seed(seed: int) -> None:
    """Seed every generator gdlab creates from now on (as ``keras.utils.set_random_seed``)."""
    global _root
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed={seed!r} must be a non-negative integer")
    _root = np.random.SeedSequence(int(seed))


def seed_sequence(seed=None) -> np.random.SeedSequence:
    """``SeedSequence(seed)``, or the next child of the global root when ``seed`` is None."""
    if seed is None:
        return _root.spawn(1)[0]
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed={seed!r} must be a non-negative integer, a SeedSequence or None")
    return np.random.SeedSequence(int(seed))


# -- array backends -------------------------------------------------------------------------------------------
class Backend:
    """One array library, chosen once per model: its namespace ``xp``, the moves to and from the host, and the
    operations a layer may want faster than the array-API form below.

    Layers, activations, losses and the optimizers' reference updates are written in the array-API subset
    (``@``, operators, in-place ``-=``, ``xp.maximum``, ``xp.exp``, ``xp.sum``, ``xp.where``, ``xp.astype``);
    everything NumPy-only lives in ``NumpyBackend``. Random numbers are always drawn on the host with NumPy
    and moved with ``asarray``, so one seed gives the same numbers on every backend.
    """

    #: whether a scalar result (the batch loss) stays on the device until the fit loop reads a whole epoch's at once
    defers_sync = False

    def __init__(self, name: str, xp):
        self.name, self.xp = name, xp
        #: ``kernel(op, **flags)``: the fused kernel of ``gdlab.kernels`` for ``op`` on this backend, or None
        #: (a partial of ``kernels.lookup``: layers ask on every call, so that ``kernels.fused(False)`` holds)
        self.kernel = functools.partial(kernels.lookup, backend=name)

    def __repr__(self):
        return f"<gdlab backend {self.name!r}>"

    # -- moving arrays ---------------------------------------------------------------------------------------
    def asarray(self, x):
        """x (a NumPy array, a scalar, or an array of this backend) as an array of this backend."""
        return self.xp.asarray(x)

    def to_numpy(self, x) -> np.ndarray:
        """x as a NumPy array on the host (a copy unless x is one already)."""
        return np.from_dlpack(x)

    def sync(self) -> None:
        """Wait until queued work is done (for timing; host backends have nothing queued)."""

    def zeros(self, shape, dtype):
        """Zeros of a NumPy ``dtype`` (float32, float64), as the namespace's dtype of that name."""
        return self.xp.zeros(shape, dtype=getattr(self.xp, np.dtype(dtype).name))

    def scalar(self, value):
        """A 0-d result (a loss) as the caller gets it: a float, or the device array itself with ``defers_sync``."""
        return value if self.defers_sync else float(value)

    # -- fused operations (array-API forms; a backend overrides those it does faster) ---------------------------
    def weight_gradient(self, x, dz, out) -> None:
        """out ← xᵀ·dz."""
        out[...] = x.T @ dz

    def bias_gradient(self, dz, out) -> None:
        """out ← Σ_batch dz."""
        out[...] = self.xp.sum(dz, axis=0)

    def row_max(self, z):
        """max over the last axis, kept as an axis."""
        return self.xp.max(z, axis=-1, keepdims=True)

    def row_sum(self, z):
        """Σ over the last axis, kept as an axis."""
        return self.xp.sum(z, axis=-1, keepdims=True)

    def sum(self, z, axis=None):
        """Σ over ``axis`` (all entries when None)."""
        return self.xp.sum(z, axis=axis)

    def dot(self, v, w):
        """vᵀw of two vectors, a 0-d array in their dtype."""
        return self.xp.vecdot(v, w)

    def pick(self, p, labels):
        """p[b, labels[b]] for every row b (integer labels)."""
        return self.xp.take_along_axis(p, labels[:, None], axis=-1)[:, 0]

    def minus_one_hot(self, p, labels):
        """A new array p − one_hot(labels): 1 subtracted at each row's label."""
        columns = self.asarray(np.arange(p.shape[-1]))  # made on the host: on the backend's device after asarray
        return p - self.xp.astype(labels[:, None] == columns, p.dtype)

    def erfc(self, x):
        """The complementary error function (not in the array API: a backend that has one overrides this)."""
        raise TypeError(f"backend {self.name!r} has no erfc (the array API lacks it): exact GELU cannot run on it; "
                        "use GELU(approximate=True)")


class NumpyBackend(Backend):
    """NumPy on the CPU, with the operations that pay there: BLAS ``np.dot(…, out=)`` (also for the batch-1
    product and for the bias sum as 1ᵀ·dz), the numba outer product, and ``np.maximum.reduce`` /
    ``np.add.reduce`` without the Python wrappers of ``np.max`` / ``np.sum``."""

    def __init__(self):
        super().__init__("numpy", np)
        self._ones, self._row_index = np.ones(0), np.arange(0)

    def asarray(self, x):
        return np.asarray(x)

    def to_numpy(self, x) -> np.ndarray:
        return np.asarray(x)

    def weight_gradient(self, x, dz, out) -> None:
        outer = self.kernel("outer") if dz.shape[0] == 1 else None
        if outer is not None and x.flags.c_contiguous and dz.flags.c_contiguous:
            outer(x[0], dz[0], out)  # batch 1: xᵀ·dz is an outer product
        else:
            # np.dot goes to BLAS gemm even for the k = 1 product of batch 1 (np.matmul does not)
            np.dot(x.T, dz, out=out)

    def bias_gradient(self, dz, out) -> None:
        """Σ_batch dz as 1ᵀ·dz (a BLAS gemv, faster than a reduction) from 64 rows up."""
        if dz.shape[0] == 1:
            out[...] = dz[0]  # the sum of one row is the row
        elif dz.shape[0] < 64:
            np.sum(dz, axis=0, out=out)
        else:
            if self._ones.shape[0] != dz.shape[0] or self._ones.dtype != dz.dtype:
                self._ones = np.ones(dz.shape[0], dtype=dz.dtype)
            np.dot(self._ones, dz, out=out)

    def row_max(self, z):
        return np.maximum.reduce(z, axis=-1, keepdims=True)

    def row_sum(self, z):
        return np.add.reduce(z, axis=-1, keepdims=True)

    def sum(self, z, axis=None):
        return np.add.reduce(z, axis=axis)

    def dot(self, v, w):
        return np.dot(v, w)

    def pick(self, p, labels):
        return p[self._rows(p.shape[0]), labels]

    def minus_one_hot(self, p, labels):
        """Without building the one-hot matrix: p − 0 = p exactly, so the result is bitwise the same."""
        g = p.copy()
        g[self._rows(g.shape[0]), labels] -= 1
        return g

    def _rows(self, b: int) -> np.ndarray:
        """0, 1, …, b − 1 (cached: the fit loop asks for the same b every iteration)."""
        if self._row_index.shape[0] < b:
            self._row_index = np.arange(max(b, 2 * self._row_index.shape[0]))
        return self._row_index[:b]

    def erfc(self, x):
        from scipy.special import erfc

        return erfc(x)


class CupyBackend(Backend):
    """CuPy on an NVIDIA GPU (``pip install gdlab[cuda]``); its fused optimizer kernels are in
    ``gdlab.kernels.cupy_gpu``. Batch losses stay on the GPU: the fit loop reads an epoch's in one transfer.

    ``xp`` is ``array_api_compat.cupy``: CuPy's functions with the array API's signatures (``astype``,
    ``isdtype``, ``vecdot``, ``asarray(copy=)``), returning plain CuPy arrays; ``cupy`` is the module itself."""

    defers_sync = True

    def __init__(self):
        self.cupy = _usable_cupy()
        try:
            import array_api_compat.cupy as xp
        except ImportError as e:
            raise RuntimeError(f"backend='cupy' needs array-api-compat ({e}); install it with "
                               "pip install 'gdlab[cuda]'") from None
        super().__init__("cupy", xp)
        from gdlab.kernels import cupy_gpu  # noqa: F401  (registers the CuPy kernels)

    def to_numpy(self, x) -> np.ndarray:
        return self.cupy.asnumpy(x)

    def sync(self) -> None:
        self.cupy.cuda.get_current_stream().synchronize()

    def erfc(self, x):
        from cupyx.scipy.special import erfc

        return erfc(x)


def _usable_cupy():
    """The ``cupy`` module, or a RuntimeError saying why it cannot be used."""
    try:
        import cupy
    except ImportError as e:
        raise RuntimeError(f"backend='cupy' needs CuPy, which does not import here ({e}); "
                           "install it with pip install 'gdlab[cuda]'") from None
    try:
        available = cupy.cuda.is_available()
    except Exception as e:  # the CUDA driver itself fails
        available, why = False, f"{type(e).__name__}: {e}"
    else:
        why = "cupy.cuda.is_available() is False: no CUDA driver or no visible GPU"
    if available:
        try:
            (cupy.arange(4, dtype=cupy.float32) * 2).sum().item()  # a tiny allocation and launch
        except Exception as e:
            available, why = False, f"a tiny GPU allocation failed ({type(e).__name__}: {e})"
    if not available:
        raise RuntimeError(f"backend='cupy' cannot run here: {why}")
    return cupy


_FACTORIES = {"numpy": NumpyBackend, "cupy": CupyBackend}
_made: dict[str, Backend] = {}
NUMPY = _made["numpy"] = NumpyBackend()


#: the backend of models made with ``backend=None``: NumPy, or what the innermost ``use`` set
_default: contextvars.ContextVar = contextvars.ContextVar("gdlab_default_backend", default=NUMPY)


@contextlib.contextmanager
def use(backend):
    """Inside ``with gdlab.backend.use("cupy"):`` every model made without a ``backend`` argument computes on
    ``backend`` (a name or a ``Backend``), as ``jax.default_device`` does for arrays; ``gdlab lab --backend``
    runs its experiments this way. The backend is checked when the block is entered. Only inside ``with``:
    a bare call changes nothing. The setting is a context variable, so it holds for this thread (a new
    thread starts with NumPy) and for asyncio tasks started inside the block."""
    token = _default.set(get_backend(backend))
    try:
        yield _default.get()
    finally:
        _default.reset(token)


def default_backend() -> Backend:
    """The backend of a model made without a ``backend`` argument here (see ``use``)."""
    return _default.get()


def get_backend(name) -> Backend:
    """The backend called ``name`` (``"numpy"``, ``"cupy"``), made once; a ``Backend`` is returned as it is;
    None is the default backend (``use``)."""
    if name is None:
        return _default.get()
    if isinstance(name, Backend):
        return name
    if not isinstance(name, str) or name not in _FACTORIES:
        raise ValueError(f"backend={name!r} is not known; valid: {sorted(_FACTORIES)}, a gdlab.backend.Backend "
                         "or None (the default)")
    if name not in _made:
        _made[name] = _FACTORIES[name]()
    return _made[name]


def backend_for(array) -> Backend:
    """The backend of an array made outside a model (an optimizer built on a bare vector)."""
    name = kernels.backend_of(array)
    return get_backend(name) if name in _FACTORIES else Backend(name, array.__array_namespace__())
