"""Pictures of what is inside a model: weight templates and filters."""

from __future__ import annotations

import numpy as np
import pytest

import mnist_course as mc
from mnist_course import InputError


def _panels(fig):
    return [ax for ax in fig.axes if ax.images and ax.get_title().startswith("unit")]


def test_weight_images_share_one_colour_scale() -> None:
    weights = np.zeros((784, 4), np.float32)
    weights[:, 0] = 0.5  # one strong unit...
    weights[100, 1] = 0.01  # ...and a nearly blank one, which must stay pale
    panels = _panels(mc.plot_weight_images(weights, count=4))
    assert len(panels) == 4
    assert {ax.images[0].get_clim() for ax in panels} == {(-0.5, 0.5)}


def test_weight_images_take_a_limit_to_compare_two_models() -> None:
    weights = np.random.default_rng(0).normal(0, 0.01, (784, 3)).astype(np.float32)
    panels = _panels(mc.plot_weight_images(weights, count=3, limit=0.2, title="no L1"))
    assert {ax.images[0].get_clim() for ax in panels} == {(-0.2, 0.2)}


@pytest.mark.parametrize("limit", [0, -1.0, float("nan"), "big", True])
def test_weight_images_refuse_a_bad_limit(limit) -> None:
    with pytest.raises(InputError, match="limit must be a positive number"):
        mc.plot_weight_images(np.ones((784, 2), np.float32), limit=limit)
