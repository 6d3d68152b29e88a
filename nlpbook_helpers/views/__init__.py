"""What the notebooks show: token tables, padded batches, LR and loss plots, widgets.

Views import the stages, never the reverse: the stages (and `python -m nlpbook_helpers`) run without
ipywidgets, IPython or a display.
"""
