"""High-precision references (60 significant digits, Python's decimal) for the numerics tests."""
import math
from decimal import Decimal, localcontext

PREC = 60


def log1p(s: Decimal) -> Decimal:
    """log(1 + s) for s >= 0 to ~50 significant digits, also when s is far below 1e-60."""
    if s < Decimal("1e-10"):
        return s - s * s / 2 + s * s * s / 3 - s**4 / 4
    return (1 + s).ln()


def _lse_parts(z):
    """(m, log1p(sum of the other exponentials)) in Decimal; terms below e^-3000 dropped."""
    zd = [Decimal(float(v)) for v in z]
    top = max(range(len(zd)), key=lambda j: zd[j])
    m = zd[top]
    rest = sum(((v - m).exp() for j, v in enumerate(zd) if j != top and v - m > -3000), Decimal(0))
    return zd, m, log1p(rest)


def log_softmax(z):
    """60-digit log-softmax of a 1-D sequence of floats, as Decimals."""
    with localcontext() as ctx:
        ctx.prec = PREC
        zd, m, l = _lse_parts(z)
        return [(v - m) - l for v in zd]


def logsumexp(z):
    """:math:`\\log\\sum e^{z_j}` to 60 digits, as a Decimal."""
    with localcontext() as ctx:
        ctx.prec = PREC
        _, m, l = _lse_parts(z)
        return m + l


def to_float(x) -> float:
    """A Decimal rounded to float; beyond the float range, +-inf."""
    return float(x)


def rel_err(value, exact) -> float:
    """|value - exact| / max(|exact|, smallest normal float) in high precision; inf when only one is infinite."""
    exact_f = to_float(exact)
    if math.isinf(value) or math.isinf(exact_f):
        return 0.0 if value == exact_f else math.inf
    with localcontext() as ctx:
        ctx.prec = PREC
        diff = abs(Decimal(value) - exact)
        return float(diff / max(abs(exact), Decimal(2.2250738585072014e-308)))
