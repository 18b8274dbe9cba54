"""The setup check, ``doctor``: is this machine ready for the course? Every "ok" comes from
importing or running the thing it names. ``report`` formats the checks; ``data`` and
``widgets`` check MNIST and JupyterLab's widgets; ``doctor`` runs them all."""
