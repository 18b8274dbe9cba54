"""How good a model is and where it is wrong (``metrics``); a look inside it (``inspection``)."""
