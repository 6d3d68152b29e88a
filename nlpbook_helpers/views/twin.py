"""Static twins: what a notebook stores for readers without a kernel (GitHub, nbviewer, a terminal).

`TextHTML` is an HTML view with a readable plain-text twin (instead of `<IPython.core.display.HTML object>`);
`StaticTwin` gives a widget's stored output an HTML and a text copy of the state it opens with, next to the widget
view (ipywidgets 8 builds the bundle in `_repr_mimebundle_`, ipywidgets 7 (Colab) displays it in
`_ipython_display_`). A front end with a kernel draws the widget; one without falls back to the copy.
"""
from __future__ import annotations

import ipywidgets as widgets
from IPython.display import HTML

__all__ = ["TextHTML", "StaticTwin"]

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


class TextHTML(HTML):
    """An IPython HTML object whose text/plain is `text` (`.data` is the HTML, as for HTML)."""

    def __init__(self, markup: str, text: str):
        super().__init__(markup)
        self.text = text

    def __repr__(self) -> str:
        return self.text


class StaticTwin:
    """Mixin for a widget class: call `keep_twin(html, text)` once the first state is drawn; displaying the widget
    then stores that HTML and text beside the widget view."""

    _twin: tuple[str, str] | None = None

    def keep_twin(self, markup: str, text: str) -> None:
        """Remember the first state's HTML and text (later calls keep the first)."""
        if self._twin is None:
            self._twin = (markup, text)

    def _with_twin(self, data: dict) -> dict:
        markup, text = self._twin or ("", repr(self))
        return {**data, "text/plain": text, "text/html": markup}

    if hasattr(widgets.Widget, "_ipython_display_"):          # ipywidgets 7 (Colab): IPython asks this one first
        def _ipython_display_(self, **kwargs):
            from IPython.display import display

            view = {"version_major": 2, "version_minor": 0, "model_id": self._model_id}
            display(self._with_twin({WIDGET_VIEW: view}), raw=True)
            self._handle_displayed(**kwargs)
    else:                                                      # ipywidgets 8
        def _repr_mimebundle_(self, **kwargs):
            return self._with_twin(super()._repr_mimebundle_(**kwargs) or {})
