"""The course's models, built from Keras's own layers: the tutorial's tiny MLP, its MLP with
L1 and Dropout, its LeNet, and a stronger CNN (``builders``)."""
