"""Keep large arrays in the heap: a process setting for the solver's many big temporaries.

By default glibc maps every array above a threshold straight from the system and gives it
back when freed, so each pass of the solver over its pairs faults its memory in anew: the
first 2-second solve of a 2,000 x 500 problem in a fresh process priced its mentors in
1.3 s instead of 0.6 s. Raising the mapping and trimming thresholds lets freed arrays be
reused. Where the C library has no `mallopt` (not glibc) nothing changes.
"""

import ctypes
import ctypes.util

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 256 * 2 ** 20  # arrays up to this many bytes come from the heap
TRIM_THRESHOLD = 512 * 2 ** 20  # free heap beyond this many bytes goes back to the system


def keep_large_arrays_in_the_heap() -> bool:
    """Set the allocator's thresholds; whether the C library took them."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return False
    mallopt = getattr(libc, "mallopt", None)
    if mallopt is None:
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
