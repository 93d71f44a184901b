"""BLAS for compiled code: scipy's ``cython_blas`` routines called through their function pointers.

numba's ``np.dot`` allocates its result and cannot accumulate into an existing
array, so an update such as W ← W − η·xᵀ·δ would need a gradient buffer and a
second pass over W. The Fortran BLAS interface can: ``gemm`` computes
C ← α·op(A)·op(B) + β·C, ``ger`` A ← α·x·yᵀ + A, ``gemv`` y ← α·op(A)·x + β·y.
scipy exports these routines as C function pointers; numba calls a ctypes
function pointer directly, without Python in between.

Fortran is column-major and takes every argument by address. A row-major
(r × c) matrix is the column-major (c × r) matrix of the same memory, so the
row-major product C = A·B (A: m × k, B: k × n) is the column-major call
Cᵀ = Bᵀ·Aᵀ: ``gemm('N', 'N', n, m, k, α, B, n, A, k, β, C, n)``. The scalar
arguments go through a small argument block (``ArgBlock``) whose addresses are
passed; matrices are passed as addresses (``array.ctypes.data`` plus an
offset), so a view into the flat parameter vector costs nothing.

Function pointers are process-specific, so numba cannot cache functions that
call them (``cache=True`` is refused): they are compiled once per process.
"""

from __future__ import annotations

import ctypes
from types import SimpleNamespace

import numba
import numpy as np
from scipy.linalg import cython_blas

_ADDR = ctypes.c_int64  # an address or a pointer-sized value: the x86-64 / aarch64 calling convention

#: Fortran transposition flags, by index into ``ArgBlock.chars``
N, T = 0, 1


def _pointer(name: str) -> int:
    capsule = cython_blas.__pyx_capi__[name]
    get_name, get_pointer = ctypes.pythonapi.PyCapsule_GetName, ctypes.pythonapi.PyCapsule_GetPointer
    get_name.restype, get_name.argtypes = ctypes.c_char_p, [ctypes.py_object]
    get_pointer.restype, get_pointer.argtypes = ctypes.c_void_p, [ctypes.py_object, ctypes.c_char_p]
    return get_pointer(capsule, get_name(capsule))


def _routine(name: str, n_args: int):
    return ctypes.CFUNCTYPE(None, *[_ADDR] * n_args)(_pointer(name))


class ArgBlock:
    """The memory the scalar arguments are passed through: 6 ints, 2 floats (α, β), 'N' and 'T'."""

    def __init__(self, dtype):
        self.ints = np.zeros(8, dtype=np.int32)
        self.floats = np.zeros(2, dtype=dtype)
        self.chars = np.frombuffer(b"NT", dtype=np.uint8).copy()


def routines(dtype) -> SimpleNamespace:
    """``gemm``, ``gemv`` and ``ger`` for ``dtype`` (float32: s…, float64: d…) as numba functions.

    Each takes matrices as addresses and ends with the three arrays of an ``ArgBlock``
    (ints, floats, chars), which must stay alive during the call (the caller owns them).
    """
    prefix = {np.dtype(np.float32): "s", np.dtype(np.float64): "d"}[np.dtype(dtype)]
    gemm_ = _routine(prefix + "gemm", 13)
    gemv_ = _routine(prefix + "gemv", 11)
    ger_ = _routine(prefix + "ger", 9)
    jit = numba.njit(nogil=True, cache=False)

    @jit
    def gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, ints, floats, chars):
        """C ← α·op(A)·op(B) + β·C (column-major; op(A) is m × k, op(B) k × n)."""
        ints[0], ints[1], ints[2], ints[3], ints[4], ints[5] = m, n, k, lda, ldb, ldc
        floats[0], floats[1] = alpha, beta
        ip, fp, cp = ints.ctypes.data, floats.ctypes.data, chars.ctypes.data
        gemm_(cp + ta, cp + tb, ip, ip + 4, ip + 8, fp, a, ip + 12, b, ip + 16, fp + floats.itemsize, c, ip + 20)

    @jit
    def gemv(ta, m, n, alpha, a, lda, x, beta, y, ints, floats, chars):
        """y ← α·op(A)·x + β·y (A column-major m × n, unit strides)."""
        ints[0], ints[1], ints[2], ints[3] = m, n, lda, 1
        floats[0], floats[1] = alpha, beta
        ip, fp, cp = ints.ctypes.data, floats.ctypes.data, chars.ctypes.data
        gemv_(cp + ta, ip, ip + 4, fp, a, ip + 8, x, ip + 12, fp + floats.itemsize, y, ip + 12)

    @jit
    def ger(m, n, alpha, x, y, a, lda, ints, floats, chars):
        """A ← α·x·yᵀ + A (A column-major m × n, unit strides)."""
        ints[0], ints[1], ints[2], ints[3] = m, n, 1, lda
        floats[0] = alpha
        ip, fp = ints.ctypes.data, floats.ctypes.data
        ger_(ip, ip + 4, fp, x, ip + 8, y, ip + 8, a, ip + 12)

    return SimpleNamespace(gemm=gemm, gemv=gemv, ger=ger)
