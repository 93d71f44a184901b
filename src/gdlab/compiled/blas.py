"""BLAS for compiled code: the routines of the BLAS that NumPy itself uses, called through their addresses.

numba's ``np.dot`` allocates its result and cannot accumulate into an existing
array, so an update such as W ← W − η·xᵀ·δ would need a gradient buffer and a
second pass over W. The Fortran BLAS interface can: ``gemm`` computes
C ← α·op(A)·op(B) + β·C and ``gemv`` y ← α·op(A)·x + β·y.

Which BLAS (``source()``): NumPy's own when it is the OpenBLAS that NumPy's wheels
bundle (found through ``threadpoolctl``; its symbols are ``scipy_sgemm_64_`` … with
64-bit integers), so the compiled path and the NumPy reference loop multiply with
the same library; otherwise SciPy's, whose
``cython_blas`` exports every routine's address (32-bit integers). The two bundled
OpenBLAS builds need not be the same version: measured on this project's machine,
NumPy's (0.3.31) ran the skinny products of batches 8–32 up to twice as fast as
SciPy's (0.3.30).

Fortran is column-major and takes every argument by address. A row-major
(r × c) matrix is the column-major (c × r) matrix of the same memory, so the
row-major product C = A·B (A: m × k, B: k × n) is the column-major call
Cᵀ = Bᵀ·Aᵀ: ``gemm('N', 'N', n, m, k, α, B, n, A, k, β, C, n)``. The scalar
arguments go through a small argument block (``ArgBlock``, integers as wide as
the library's) whose addresses are passed; matrices are passed as addresses
(``array.ctypes.data`` plus an offset), so a view into the flat parameter vector
costs nothing.

Caching: numba refuses to cache a function that holds a ctypes function
pointer ("it uses dynamic globals"), and the addresses change from process to
process. So the addresses are not baked in: ``pointers(dtype)`` looks them up
at run time and the compiled code receives them as an argument and calls them
through ``call_address``. Everything compiled here is then cached on disk
(``cache=True``) like ``gdlab.kernels``: the first process compiles, later ones load.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass, field
from pathlib import Path

import numba
import numpy as np
from llvmlite import ir
from numba.core import cgutils, types
from numba.extending import intrinsic
from scipy.linalg import cython_blas

#: Fortran transposition flags, by index into ``ArgBlock.chars``
N, T = 0, 1
#: positions in the array ``pointers`` returns
GEMM, GEMV = 0, 1
ROUTINES = ("gemm", "gemv")
PREFIX = {np.dtype(np.float32): "s", np.dtype(np.float64): "d"}


@dataclass
class Source:
    """A BLAS library: what it is called in messages, its integer type and its routines' addresses."""

    name: str
    int_dtype: np.dtype
    lookup: object  # routine name ("sgemm") → address
    addresses: dict = field(default_factory=dict)


_source: Source | None = None


def source() -> Source:
    """NumPy's BLAS when its routines can be found (see the module's docstring), else SciPy's."""
    global _source
    if _source is None:
        _source = _numpy_openblas() or Source("scipy cython_blas (LP64)", np.dtype(np.int32), _cython_blas)
    return _source


def _numpy_openblas() -> Source | None:
    """NumPy's bundled ILP64 OpenBLAS (``numpy.libs/libscipy_openblas64_…``), if that is NumPy's BLAS."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    site = Path(np.__file__).resolve().parent.parent
    for lib in threadpool_info():
        path = Path(lib.get("filepath", "")).resolve()
        # numpy.libs/… (Linux and Windows wheels) or numpy/.dylibs/… (macOS wheels)
        if lib.get("internal_api") != "openblas" or not any(p.parent == site and p.name.split(".")[0] == "numpy"
                                                           for p in path.parents):
            continue
        try:
            dll = ctypes.CDLL(str(path))
            addresses = {PREFIX[d] + r: ctypes.cast(getattr(dll, f"scipy_{PREFIX[d]}{r}_64_"), ctypes.c_void_p).value
                         for d in PREFIX for r in ROUTINES}
        except (OSError, AttributeError):
            return None
        return Source(f"numpy's OpenBLAS {lib.get('version')} (ILP64)", np.dtype(np.int64), addresses.__getitem__)
    return None


def _cython_blas(name: str) -> int:
    capsule = cython_blas.__pyx_capi__[name]
    get_name, get_pointer = ctypes.pythonapi.PyCapsule_GetName, ctypes.pythonapi.PyCapsule_GetPointer
    get_name.restype, get_name.argtypes = ctypes.c_char_p, [ctypes.py_object]
    get_pointer.restype, get_pointer.argtypes = ctypes.c_void_p, [ctypes.py_object, ctypes.c_char_p]
    return get_pointer(capsule, get_name(capsule))


def pointers(dtype) -> np.ndarray:
    """The addresses of gemm and gemv for ``dtype`` (float32: s…, float64: d…) in this process."""
    src, dtype = source(), np.dtype(dtype)
    if dtype not in src.addresses:
        src.addresses[dtype] = np.array([src.lookup(PREFIX[dtype] + r) for r in ROUTINES], dtype=np.int64)
    return src.addresses[dtype]


@intrinsic
def call_address(typingctx, address, args):
    """Call the void function at ``address`` with a tuple of pointer-sized ints (addresses)."""
    if not (isinstance(args, types.UniTuple) and args.dtype == types.int64):
        return None
    sig = types.void(address, args)

    def codegen(context, builder, signature, llargs):
        values = cgutils.unpack_tuple(builder, llargs[1], args.count)
        fnty = ir.FunctionType(ir.VoidType(), [ir.IntType(64)] * args.count)
        builder.call(builder.inttoptr(llargs[0], fnty.as_pointer()), values)
        return context.get_dummy_value()
    return sig, codegen


class ArgBlock:
    """The memory the scalar arguments are passed through: up to 6 ints (the library's width; 8 allocated),
    2 floats (α, β), 'N' and 'T'."""

    def __init__(self, dtype):
        self.ints = np.zeros(8, dtype=source().int_dtype)
        self.floats = np.zeros(2, dtype=dtype)
        self.chars = np.frombuffer(b"NT", dtype=np.uint8).copy()


jit = numba.njit(nogil=True, cache=True)


@jit
def address(array):
    """The address of an array's first element, as an int64 (``ctypes.data`` is unsigned)."""
    return np.int64(array.ctypes.data)


@jit
def gemm(fns, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, ints, floats, chars):
    """C ← α·op(A)·op(B) + β·C (column-major; op(A) is m × k, op(B) k × n; A, B, C addresses)."""
    ints[0], ints[1], ints[2], ints[3], ints[4], ints[5] = m, n, k, lda, ldb, ldc
    floats[0], floats[1] = alpha, beta
    ip, fp, cp, size, w = address(ints), address(floats), address(chars), floats.itemsize, ints.itemsize
    call_address(fns[GEMM], (cp + ta, cp + tb, ip, ip + w, ip + 2 * w, fp, a, ip + 3 * w, b, ip + 4 * w, fp + size, c,
                             ip + 5 * w))


@jit
def gemv(fns, ta, m, n, alpha, a, lda, x, beta, y, ints, floats, chars):
    """y ← α·op(A)·x + β·y (A column-major m × n, unit strides; A, x, y addresses)."""
    ints[0], ints[1], ints[2], ints[3] = m, n, lda, 1
    floats[0], floats[1] = alpha, beta
    ip, fp, cp, size, w = address(ints), address(floats), address(chars), floats.itemsize, ints.itemsize
    call_address(fns[GEMV], (cp + ta, ip, ip + w, fp, a, ip + 2 * w, x, ip + 3 * w, fp + size, y, ip + 3 * w))
