"""Tests of the allocator setting the entry points make."""

import platform

import pytest

from matcher.allocator import keep_large_arrays_in_the_heap


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc only")
def test_glibc_takes_the_thresholds():
    assert keep_large_arrays_in_the_heap() is True
