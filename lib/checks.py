"""Argument checks shared by every module: bad input raises ``ValueError`` naming the argument."""
import math
import numbers

import numpy as np


def _is_real(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def integer(name: str, value, low: int, high: int | None = None) -> int:
    """``value`` as an int in ``[low, high]`` (no upper bound when ``high`` is None)."""
    ok = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if not (ok and low <= value and (high is None or value <= high)):
        allowed = f">= {low}" if high is None else f"in [{low}, {high}]"
        raise ValueError(f"{name} must be an integer {allowed}, got {value!r}")
    return int(value)


def finite(name: str, value, low: float = -math.inf) -> float:
    """``value`` as a finite float ``>= low``."""
    if not (_is_real(value) and math.isfinite(value) and value >= low):
        bound = "" if low == -math.inf else f" >= {low}"
        raise ValueError(f"{name} must be a finite number{bound}, got {value!r}")
    return float(value)


def positive(name: str, value) -> float:
    """``value`` as a positive finite float."""
    if not (_is_real(value) and math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return float(value)


def unit_interval(name: str, value) -> float:
    """``value`` as a float in ``[0, 1)``."""
    if not (_is_real(value) and 0 <= value < 1):
        raise ValueError(f"{name} must be a number in [0, 1), got {value!r}")
    return float(value)


def array(name: str, a) -> np.ndarray:
    """``a`` as a float array without NaN (infinities allowed)."""
    a = np.asarray(a, dtype=float)
    if np.isnan(a).any():
        raise ValueError(f"{name} must not contain NaN")
    return a


def finite_array(name: str, a) -> np.ndarray:
    """``a`` as a float array of finite numbers."""
    a = array(name, a)
    if not np.isfinite(a).all():
        raise ValueError(f"{name} must contain only finite numbers")
    return a
