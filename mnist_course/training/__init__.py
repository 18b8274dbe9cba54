"""Training: compile and fit with the tutorial's settings (``fitting``), callbacks for
``model.fit`` (``callbacks``: live curves, epoch log, stopwatch), named recipes and schedules
(``recipes``), and plain-Keras saving, safe loading and the trained-model cache (``saving``).
"""
