"""What the notebooks show: token tables, padded batches, LR and loss plots, widgets.

Views import the stages, never the reverse: the stages (and `python -m nlpbook_helpers`) run without
ipywidgets, IPython or a display.

One pattern for every view: a static twin (`show_…`, an object with `_repr_html_` and a plain-text `__repr__`,
stored by nbval) and, for playing with it, a widget class (`widgets.VBox` subclass: inputs, an HTML output, one
`redraw` under a lock, a short stable `__repr__`; `submit.SubmitWidget` for a text box + button) made by a
lower-case factory (`token_explorer`, `padding_explorer`, `pair_explorer`, `fill_mask_widget`, `try_your_model`).
Both stay readable without a kernel: `twin.TextHTML` gives an HTML view a plain-text twin, `twin.StaticTwin` stores
a widget's first state (HTML and text) beside the widget view.
"""
