"""The notebooks' exercises: the checkers (``mc.exercises.check_...``), how feedback reads any
answer (``feedback``), and the capstone (``capstone``)."""

from . import checkers
from .checkers import *  # noqa: F403 (the checkers, as listed in checkers.__all__)

__all__ = checkers.__all__
