"""BLAS for compiled code: scipy's ``cython_blas`` routines called through their function pointers.

numba's ``np.dot`` allocates its result and cannot accumulate into an existing
array, so an update such as W ← W − η·xᵀ·δ would need a gradient buffer and a
second pass over W. The Fortran BLAS interface can: ``gemm`` computes
C ← α·op(A)·op(B) + β·C, ``ger`` A ← α·x·yᵀ + A, ``gemv`` y ← α·op(A)·x + β·y.
scipy exports these routines as C function pointers (the BLAS scipy itself
uses); compiled code calls them directly, without Python in between.

Fortran is column-major and takes every argument by address. A row-major
(r × c) matrix is the column-major (c × r) matrix of the same memory, so the
row-major product C = A·B (A: m × k, B: k × n) is the column-major call
Cᵀ = Bᵀ·Aᵀ: ``gemm('N', 'N', n, m, k, α, B, n, A, k, β, C, n)``. The scalar
arguments go through a small argument block (``ArgBlock``) whose addresses are
passed; matrices are passed as addresses (``array.ctypes.data`` plus an
offset), so a view into the flat parameter vector costs nothing.

Caching: numba refuses to cache a function that holds a ctypes function
pointer ("it uses dynamic globals"), and the addresses change from process to
process. So the addresses are not baked in: ``pointers(dtype)`` looks them up
at run time and the compiled code receives them as an argument and calls them
through ``call_address``. Everything compiled here is then cached on disk
(``cache=True``) like ``gdlab.kernels``: the first process compiles, later ones load.
"""

from __future__ import annotations

import ctypes

import numba
import numpy as np
from llvmlite import ir
from numba.core import cgutils, types
from numba.extending import intrinsic
from scipy.linalg import cython_blas

#: Fortran transposition flags, by index into ``ArgBlock.chars``
N, T = 0, 1
#: positions in the array ``pointers`` returns
GEMM, GEMV, GER = 0, 1, 2

_pointers: dict = {}


def _pointer(name: str) -> int:
    capsule = cython_blas.__pyx_capi__[name]
    get_name, get_pointer = ctypes.pythonapi.PyCapsule_GetName, ctypes.pythonapi.PyCapsule_GetPointer
    get_name.restype, get_name.argtypes = ctypes.c_char_p, [ctypes.py_object]
    get_pointer.restype, get_pointer.argtypes = ctypes.c_void_p, [ctypes.py_object, ctypes.c_char_p]
    return get_pointer(capsule, get_name(capsule))


def pointers(dtype) -> np.ndarray:
    """The addresses of gemm, gemv and ger for ``dtype`` (float32: s…, float64: d…) in this process."""
    dtype = np.dtype(dtype)
    if dtype not in _pointers:
        prefix = {np.dtype(np.float32): "s", np.dtype(np.float64): "d"}[dtype]
        _pointers[dtype] = np.array([_pointer(prefix + r) for r in ("gemm", "gemv", "ger")], dtype=np.int64)
    return _pointers[dtype]


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
    """The memory the scalar arguments are passed through: 6 ints, 2 floats (α, β), 'N' and 'T'."""

    def __init__(self, dtype):
        self.ints = np.zeros(8, dtype=np.int32)
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
    ip, fp, cp, size = address(ints), address(floats), address(chars), floats.itemsize
    call_address(fns[GEMM], (cp + ta, cp + tb, ip, ip + 4, ip + 8, fp, a, ip + 12, b, ip + 16, fp + size, c, ip + 20))


@jit
def gemv(fns, ta, m, n, alpha, a, lda, x, beta, y, ints, floats, chars):
    """y ← α·op(A)·x + β·y (A column-major m × n, unit strides; A, x, y addresses)."""
    ints[0], ints[1], ints[2], ints[3] = m, n, lda, 1
    floats[0], floats[1] = alpha, beta
    ip, fp, cp, size = address(ints), address(floats), address(chars), floats.itemsize
    call_address(fns[GEMV], (cp + ta, ip, ip + 4, fp, a, ip + 8, x, ip + 12, fp + size, y, ip + 12))


@jit
def ger(fns, m, n, alpha, x, y, a, lda, ints, floats, chars):
    """A ← α·x·yᵀ + A (A column-major m × n, unit strides; x, y, A addresses)."""
    ints[0], ints[1], ints[2], ints[3] = m, n, 1, lda
    floats[0] = alpha
    ip, fp = address(ints), address(floats)
    call_address(fns[GER], (ip, ip + 4, fp, x, ip + 8, y, ip + 8, a, ip + 12))
