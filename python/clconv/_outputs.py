"""Result arrays. A large array the library writes for the first time costs
its page faults inside the call: for a 4096² float32 image they took as long
as the 3x3 convolution itself (35 ms against 36 here). So the memory of large
results is kept in a small pool once their arrays are gone, and a later result
of the same size reuses it, already mapped, as a C caller reuses its output
buffer. An entry is idle when nothing but the pool refers to it (a result or
any view of it keeps it busy), so a result is never shared or overwritten
while the caller can still reach it. Pooled results start on a 64-byte cache
line, where the library's streaming stores of large outputs take every full
line (malloc's 16-byte alignment leaves the first part of each row to cached
stores)."""
from __future__ import annotations

import math
import sys
import threading
from typing import List, Sequence, Tuple

import numpy as np

# Results below 4 MiB fault in fast enough; the pool holds at most 4 blocks.
POOL_MIN_BYTES = 4 << 20
POOL_ENTRIES = 4
LINE = 64

# Pooled blocks, most recently used first: each a uint8 array LINE bytes
# longer than the results it holds, with the offset of its first line
# boundary, where they start.
_pool: List[Tuple[np.ndarray, int]] = []
_lock = threading.Lock()
# References an idle block has while the pool looks at it: its entry, the
# local variable and getrefcount's own argument.
_IDLE_REFS = 3


def empty(shape: Sequence[int], dtype: np.dtype) -> np.ndarray:
    """A new C-ordered array of shape and dtype, its memory possibly reused
    from a result that no longer exists.

    It runs right after a large convolution has swept the caches, where every
    line of Python it touches comes from memory: math.prod rather than
    np.prod (a chain of Python wrappers), and each block's line offset worked
    out once."""
    dtype = np.dtype(dtype)
    nbytes = math.prod(shape) * dtype.itemsize
    if nbytes < POOL_MIN_BYTES:
        return np.empty(shape, dtype)
    with _lock:
        for i in range(len(_pool)):
            block, start = _pool[i]
            if block.nbytes == nbytes + LINE and sys.getrefcount(block) == _IDLE_REFS:
                if i:
                    _pool.insert(0, _pool.pop(i))
                # The array's base is the block, which keeps the block busy
                # while the result lives.
                return np.ndarray(shape, dtype, block, start)
        block = np.empty(nbytes + LINE, np.uint8)
        start = -block.ctypes.data % LINE
        _pool.insert(0, (block, start))
        if len(_pool) > POOL_ENTRIES:
            # Forget the least recently used block; its memory goes when the
            # result using it (if any) goes.
            del _pool[-1]
        return np.ndarray(shape, dtype, block, start)


def clear() -> None:
    """Forgets every pooled block (their memory is freed once unused).

    Example:
        >>> clconv.release_memory()
    """
    with _lock:
        _pool.clear()
