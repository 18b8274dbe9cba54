"""The notebooks' exercises: checkers that give feedback (``checkers``, re-exported here as
``mc.exercises.check_...``), how feedback reads any answer (``feedback``), and the capstone
(``capstone``)."""

from .checkers import (
    Feedback,
    check_compiled,
    check_confident_accuracy,
    check_conv_parameters,
    check_dense_parameters,
    check_flatten_and_scale,
    check_mean_image,
    check_mlp,
    check_most_confused_pair,
    check_one_hot,
    check_optimizer_comparison,
)

__all__ = [
    "Feedback",
    "check_flatten_and_scale",
    "check_one_hot",
    "check_mean_image",
    "check_mlp",
    "check_dense_parameters",
    "check_conv_parameters",
    "check_compiled",
    "check_optimizer_comparison",
    "check_most_confused_pair",
    "check_confident_accuracy",
]
