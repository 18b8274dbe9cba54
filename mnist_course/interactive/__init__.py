"""Widgets for JupyterLab (loaded on first use): the dataset browser and prediction explorer
(``widgets``), the drawing pad (``drawing``) and the training playground (``playground``)."""
