"""Training on several devices or several worker processes with TensorFlow's distribution
strategies: ``multiworker`` is one worker, ``cluster`` starts and watches them."""
