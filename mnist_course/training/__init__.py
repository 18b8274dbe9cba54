"""Training: ``fitting`` (compile, train), ``callbacks``, ``recipes`` and ``saving``."""
