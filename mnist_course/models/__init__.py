"""The course's models, built from Keras's own layers (``builders``)."""
