"""The widget pattern of views that take a sentence: a text box, a button and an HTML result (notebooks 03, 07, 08)."""
from __future__ import annotations

import html
import threading

import ipywidgets as widgets

from .twin import StaticTwin

__all__ = ["SubmitWidget"]


class SubmitWidget(StaticTwin, widgets.VBox):
    """A text box (Enter or the button) and an HTML result; `redraw` runs the subclass' `draw` one at a time;
    the stored output carries the first result as HTML and text (`text_view`) for readers without a kernel.

    ipykernel may deliver the Enter (value) and the click of one submission on two threads at once; the lock
    keeps a second redraw from running while the first one uses the model (in eval mode, say)."""

    def __init__(self, text: str, placeholder: str, button: str, input_class: str):
        self.text = widgets.Text(value=text, placeholder=placeholder, continuous_update=False,
                                 layout=widgets.Layout(width="32em"))
        self.text.add_class(input_class)
        self.button = widgets.Button(description=button, button_style="primary")
        self.result = widgets.HTML()
        self._lock = threading.RLock()
        self.text.observe(self.redraw, "value")        # continuous_update=False: after Enter (or leaving the box)
        self.button.on_click(self.redraw)
        self.redraw()
        super().__init__([widgets.HBox([self.text, self.button]), self.result])
        self.keep_twin(f'<div class="nlpbook-twin"><div>입력: {html.escape(text)}</div>{self.result.value}</div>',
                       f"입력: {text}\n{self.text_view()}")

    def redraw(self, _event=None) -> None:
        """Show the result for the text in the box now (an event handled late still shows the latest text)."""
        with self._lock:
            self.draw()

    def draw(self) -> None:
        raise NotImplementedError

    def text_view(self) -> str:
        """The result shown now, as plain text (the stored twin of the widget's first state)."""
        raise NotImplementedError
