"""The CNN-locality chapter's experiments (lib/figures/cnn_locality.py): models, permutation, shifts, receptive fields."""
import numpy as np
import pytest

import lib.figures.cnn_locality as cl
from lib import claims
from lib.gradcheck import check_gradient
from lib.nn import conv
from lib.nn.network import NetworkObjective, Sequential


def test_models_have_the_stated_parameter_counts():
    dims = {name: cl.network(name).dim for name in cl.MODELS}
    assert dims == {"logistic": 64 * 6 + 6, "mlp": 64 * 7 + 7 + 7 * 6 + 6, "mlp_wide": 64 * 64 + 64 + 64 * 6 + 6,
                    "local": 8 * 36 * 10 + 72 * 6 + 6, "cnn": 8 * 10 + 72 * 6 + 6}
    assert abs(dims["mlp"] - dims["cnn"]) / dims["cnn"] < 0.05          # "about as many parameters"


@pytest.mark.parametrize("name", cl.MODELS)
def test_every_model_has_a_correct_gradient_on_glyphs(name):
    X, y = cl.train_set(2, 0)
    model = cl.network(name)
    objective = NetworkObjective(model, cl.inputs(name, X[::2]), y[::2])
    assert check_gradient(objective.loss, objective.grad, model.init(3)) < 1e-7


def test_parameter_counts_formulas_agree_with_the_layers():
    p = cl.parameter_counts()
    assert p["conv"] == p["measured"] == 80 and p["dense"] == p["dense_measured"] == 65 * 288
    assert p["local"] == Sequential([conv.LocallyConnected2D(1, 8, 3, 8, 8)]).dim
    q = cl.parameter_counts(channels=3, side=32, filters=16, k=5)
    assert q["conv"] == 16 * (3 * 25 + 1) == q["measured"]


def test_permutation_is_fixed_and_invertible():
    X, _ = cl.train_set(2, 0)
    P = cl.permute(X, True)
    assert sorted(cl.PERMUTATION) == list(range(64)) and not np.array_equal(P, X)
    back = np.empty_like(P.reshape(len(P), -1))
    back[:, cl.PERMUTATION] = P.reshape(len(P), -1)
    np.testing.assert_array_equal(back.reshape(X.shape), X)
    np.testing.assert_array_equal(cl.permute(X, False), X)


def test_shift_moves_and_fills_with_zeros():
    X = np.arange(16.0).reshape(1, 4, 4)
    np.testing.assert_array_equal(cl.shift(X, 1)[0, :, 0], 0)
    np.testing.assert_array_equal(cl.shift(X, 1)[0, :, 1:], X[0, :, :-1])
    np.testing.assert_array_equal(cl.shift(X, -2)[0, :, :2], X[0, :, 2:])
    assert not cl.shift(X, 4).any() and np.array_equal(cl.shift(X, 0), X)


def test_matched_mlp_runs_are_the_same_run():
    r = cl.permutation_check("logistic", n_per_class=4)
    assert r["max_param_diff"] < 1e-12 * max(1.0, r["max_param"]) and r["changed"] == 0
    assert r["test"] == r["test_permuted"]


def test_receptive_field_measured_equals_formula_in_the_interior():
    for row in cl.receptive_field_table():
        assert row["measured"] == (row["r"], row["r"])
    corner = cl.measured_receptive_field(1, "corner")
    assert corner.sum() == 4                                        # 'same' padding: a 2x2 field at the corner
    with pytest.raises(ValueError, match=r"^depth must be in 1\.\.5"):
        cl.measured_receptive_field(0)
    with pytest.raises(ValueError, match=r"^position must be"):
        cl.measured_receptive_field(1, "edge")


def test_network_names_are_checked():
    with pytest.raises(ValueError, match=r"^name must be one of"):
        cl.network("resnet")


def test_claims_file_is_valid():
    data = claims.load("cnn_locality")
    assert len(data.question_zh) == 2 and {c.evidence for c in data.claims} <= {f"cnn-claim-{k}" for k in range(1, 9)}
