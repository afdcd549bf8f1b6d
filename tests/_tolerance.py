"""Float comparisons with tolerances that float32 rounding justifies.

Two float32 results of the same network computed along different paths
(another batching, backend, or a CPU with AVX-512 instead of AVX2) sum the
same products in another order. Each sum of n terms can then differ by up to
about n * eps * max|term| (eps = 2**-23, about 1.2e-7), and typically by
sqrt(n) * eps * max|term|. So the tolerance is relative to the largest value
compared, not to each element: a value near 0 inside a map whose maximum is 1
carries the rounding of 1, not of itself. ``rel=1e-5`` is about 84 eps: room
for the layers of our test models (sums of at most a few hundred terms);
deeper zoo networks pass ``rel=1e-4``. Exact equality stays where the
arithmetic is exact (small integers through +-1 kernels, max pooling, copies).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["assert_close"]


def assert_close(actual: ArrayLike, expected: ArrayLike, *, rel: float = 1e-5) -> None:
    """Assert ``|actual - expected| <= rel * (|expected| + max|expected|)`` elementwise."""
    expected = np.asarray(expected, dtype=np.float64)
    actual = np.asarray(actual, dtype=np.float64)
    scale = float(np.abs(expected).max(initial=0.0)) or float(np.finfo(np.float32).tiny)
    np.testing.assert_allclose(actual, expected, rtol=rel, atol=rel * scale)
