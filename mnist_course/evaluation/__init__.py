"""How good is a model, and where is it wrong: predictions with checked inputs, accuracy,
confusion, mistakes and ensembles (``metrics``), and a look inside a trained model: feature
maps, filters, weights (``inspection``)."""
