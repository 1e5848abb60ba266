"""Chapter-specific checks of lib/figures/kl_divergence.py: the Huffman code, bases, mode separation."""
import math

import numpy as np
import pytest

import lib.figures.kl_divergence as kl
from lib.information import entropy, expected_code_length


@pytest.mark.parametrize("p, lengths", [
    ((0.7, 0.2, 0.1), (1, 2, 2)),
    ((0.5, 0.25, 0.125, 0.125), (1, 2, 3, 3)),
    ((0.25, 0.25, 0.25, 0.25), (2, 2, 2, 2)),
    ((1.0, 0.0, 0.0), (1, 0, 0)),
])
def test_huffman_known_codes(p, lengths):
    assert tuple(kl.huffman_code_lengths(p)) == lengths


def test_huffman_is_optimal_and_within_one_bit_of_entropy():
    rng = np.random.default_rng(0)
    for p in rng.dirichlet(np.ones(6), 200):
        lengths = kl.huffman_code_lengths(p)
        assert sum(2.0 ** -lengths) <= 1 + 1e-12                      # Kraft: a prefix code exists
        mean = expected_code_length(p, lengths)
        h = float(entropy(p, 2))
        assert h - 1e-12 <= mean < h + 1
        shannon = np.ceil(-np.log2(p))
        assert mean <= expected_code_length(p, shannon) + 1e-12       # never worse than the Shannon code


def test_huffman_rejects_non_distributions():
    with pytest.raises(ValueError, match="^p must"):
        kl.huffman_code_lengths([0.5, 0.6])


def test_entropy_bases():
    h = kl.entropy_in_bases((0.7, 0.2, 0.1))
    assert h[2.0] == pytest.approx(1.1567796494470395)
    assert h[0.5] == pytest.approx(-h[2.0])
    assert h[math.e] == pytest.approx(h[2.0] * math.log(2))
    assert isinstance(h[1.0], str) and isinstance(h[-2.0], str)


def test_mode_separation_transition():
    rows = {r[0]: r for r in kl.separation_summary()}
    assert max(r[-1] for r in rows.values()) < 1e-5                   # every fit is a stationary point
    close, far = rows[1.0], rows[3.0]
    assert close[1] == pytest.approx(close[4], abs=1e-3)              # one covering optimum for close modes
    assert close[2] > 1.0
    assert far[1] == pytest.approx(-3.0, abs=0.05) and far[4] == pytest.approx(3.0, abs=0.05)
    assert far[3] < far[6]                                            # the heavier mode is the better one


def test_code_lengths_keys():
    out = kl.code_lengths([0.7, 0.2, 0.1], [0.1, 0.2, 0.7])
    assert out["Huffman code for P"] == pytest.approx(1.3)
    assert out["Shannon code for P"] == pytest.approx(1.7)
    assert out["H(P)"] <= out["Huffman code for P"] <= out["Shannon code for P"]
