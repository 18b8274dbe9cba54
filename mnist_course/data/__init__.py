"""MNIST as arrays: ``arrays`` (what one is; NumPy only), ``idx``, ``image_files``,
``download``, ``loading`` (load_mnist) and ``images`` (a learner's picture as a digit)."""
