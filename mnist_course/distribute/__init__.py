"""Training on several worker processes: ``multiworker`` is one worker, ``cluster`` runs them."""
