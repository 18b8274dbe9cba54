"""MNIST as arrays: loading it (a path, ``MNIST_COURSE_DATA``, or Keras's download), the IDX
format, what an MNIST array is (the one place that checks images and labels), and a
learner's own picture turned into a 28x28 digit.

Modules, lowest first: ``arrays`` (NumPy only), ``idx``, ``image_files``, ``download``,
``loading``, ``images``.
"""
