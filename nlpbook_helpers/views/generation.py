"""Views of 문장 생성 (notebook 11): what the model is asked to predict at each position (the shift, -100), and the
decoding widget — a prompt, greedy / beam / sampling, temperature, top-k and top-p sliders, the next-token
probabilities as bars and the text `generate` writes.
CSS classes: the widget `nlpbook-decoding-explorer`, its prompt box `nlpbook-decoding-prompt`, the drawn view
`nlpbook-decoding-view` (bars `nlpbook-decoding-bar`, text `nlpbook-decoding-text`).
"""
from __future__ import annotations

import html
import threading

import ipywidgets as widgets

from ..decoding import STRATEGIES, Decoding, generate_text, next_token_probabilities
from .twin import StaticTwin, TextHTML

__all__ = ["token_text", "shift_rows", "show_shift", "decoding_rows", "decoding_html", "decoding_text", "show_decoding",
           "DecodingExplorer", "decoding_explorer"]

BAR_WIDTH = 30          # characters of the longest bar in the text twin


def _byte_of_char() -> dict[str, int]:
    """Byte-level BPE writes each byte as a printable character (GPT-2's table): character → byte."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    others = [byte for byte in range(256) if byte not in printable]
    return {**{chr(byte): byte for byte in printable}, **{chr(256 + i): byte for i, byte in enumerate(others)}}


BYTE_OF_CHAR = _byte_of_char()


def token_text(tokenizer, token_id: int) -> str:
    """A token as text; a piece of a syllable (a Hangul syllable is 3 bytes in UTF-8) as its bytes, e.g. '<ea b8>'."""
    text = tokenizer.decode([token_id])
    piece = tokenizer.convert_ids_to_tokens(token_id)
    if "\ufffd" in text and all(char in BYTE_OF_CHAR for char in piece):
        return "<" + " ".join(f"{BYTE_OF_CHAR[char]:02x}" for char in piece) + ">"
    return text


def _token(tokenizer, token_id: int) -> str:
    return "-100" if token_id == -100 else repr(token_text(tokenizer, token_id))


def shift_rows(tokenizer, input_ids: list[int], labels: list[int]) -> list[tuple[str, str, bool]]:
    """(input token at t, label at t+1 — what position t learns to predict —, whether it counts in the loss).
    The model does this shift itself: labels are passed unshifted, equal to the inputs."""
    return [(_token(tokenizer, token), _token(tokenizer, target), target != -100)
            for token, target in zip(input_ids[:-1], labels[1:])]


def show_shift(tokenizer, input_ids: list[int], labels: list[int]) -> TextHTML:
    """A table: each input token and the token it must predict (notebook 11, 5. 레이블은 입력 그 자체)."""
    rows = shift_rows(tokenizer, input_ids, labels)
    cell = "padding:1px 8px;border-bottom:1px solid #eee"
    body = "".join(f'<tr style="{"" if counts else "color:#aaa"}"><td style="{cell}">{t}</td>'
                   f'<td style="{cell}">{html.escape(token)}</td><td style="{cell}">→ {html.escape(target)}</td>'
                   f'<td style="{cell}">{"손실에 들어감" if counts else "무시 (-100)"}</td></tr>'
                   for t, (token, target, counts) in enumerate(rows))
    markup = f'<table style="border-collapse:collapse">{body}</table>'
    text = "\n".join(f"{t:>2}  {token:<10} → {target:<10} {'loss' if counts else 'ignored (-100)'}"
                     for t, (token, target, counts) in enumerate(rows))
    return TextHTML(markup, text)


def decoding_rows(model, tokenizer, prompt: str, decoding: Decoding, k: int = 8) -> dict:
    """What the widget draws for these slider values: the k most probable next tokens (after temperature, top-k,
    top-p) and the text `generate` writes from the prompt."""
    return {"prompt": prompt, "decoding": decoding,
            "next": [(token_text(tokenizer, token), p)
                     for token, p in next_token_probabilities(model, tokenizer, prompt, decoding, k)],
            "text": generate_text(model, tokenizer, prompt, decoding)}


def _settings(decoding: Decoding) -> str:
    if decoding.strategy == "greedy":
        return "greedy (그리디: 가장 확률 높은 토큰)"
    if decoding.strategy == "beam":
        return f"beam search (빔 서치, 빔 {decoding.num_beams}개)"
    return (f"sampling (샘플링): temperature {decoding.temperature:.2f}, top-k {decoding.top_k}, "
            f"top-p {decoding.top_p:.2f}, seed {decoding.seed}")


def decoding_html(rows: dict) -> str:
    """Bars of the next-token probabilities and the generated text, as HTML."""
    top = max((p for _, p in rows["next"]), default=0) or 1
    bars = "".join(f'<div class="nlpbook-decoding-bar" data-token="{html.escape(token)}" data-p="{p:.4f}" '
                   'style="display:flex;align-items:center;margin:1px 0">'
                   f'<code style="width:8em;text-align:right;padding-right:6px">{html.escape(repr(token))}</code>'
                   f'<span style="display:inline-block;height:12px;width:{240 * p / top:.0f}px;background:#4c78a8">'
                   f'</span><span style="padding-left:6px">{p:.3f}</span></div>' for token, p in rows["next"])
    return (f'<div class="nlpbook-decoding"><div style="color:#666">{html.escape(_settings(rows["decoding"]))}</div>'
            f'<div style="margin:4px 0">다음 토큰 확률 (next-token probabilities) after '
            f'<code>{html.escape(repr(rows["prompt"]))}</code></div>{bars}'
            f'<div class="nlpbook-decoding-text" style="margin-top:6px;font-size:1.1em">'
            f'{html.escape(rows["text"])}</div></div>')


def decoding_text(rows: dict) -> str:
    """The same as plain text: one bar of █ per token, then the generated text."""
    top = max((p for _, p in rows["next"]), default=0) or 1
    lines = [_settings(rows["decoding"]), f"다음 토큰 확률 after {rows['prompt']!r}:"]
    lines += [f"{token!r:>10} {'█' * round(BAR_WIDTH * p / top):<{BAR_WIDTH}} {p:.3f}" for token, p in rows["next"]]
    return "\n".join(lines + [f"생성: {rows['text']}"])


def show_decoding(model, tokenizer, prompt: str, decoding: Decoding = Decoding(), k: int = 8) -> TextHTML:
    """The static twin of the widget: one prompt, one setting (notebook 11, 8. 디코딩)."""
    rows = decoding_rows(model, tokenizer, prompt, decoding, k)
    return TextHTML(decoding_html(rows), decoding_text(rows))


class DecodingExplorer(StaticTwin, widgets.VBox):
    """A prompt box, the strategy, temperature / top-k / top-p / beams / seed; bars and text redrawn on each change."""

    def __init__(self, model, tokenizer, prompt: str, decoding: Decoding):
        self.model, self.tokenizer = model, tokenizer
        self.prompt = widgets.Text(value=prompt, description="프롬프트", continuous_update=False,
                                   layout=widgets.Layout(width="95%"))
        self.prompt.add_class("nlpbook-decoding-prompt")
        self.strategy = widgets.ToggleButtons(options=STRATEGIES, value=decoding.strategy, description="디코딩")
        self.temperature = widgets.FloatSlider(value=decoding.temperature, min=0.1, max=2.0, step=0.05,
                                               description="temperature", continuous_update=False)
        self.top_k = widgets.IntSlider(value=decoding.top_k, min=0, max=100, description="top-k",
                                       continuous_update=False)
        self.top_p = widgets.FloatSlider(value=decoding.top_p, min=0.05, max=1.0, step=0.05, description="top-p",
                                         continuous_update=False)
        self.num_beams = widgets.IntSlider(value=decoding.num_beams, min=2, max=8, description="빔 개수",
                                           continuous_update=False)
        self.seed = widgets.IntText(value=decoding.seed, description="seed")
        self.view = widgets.HTML()
        self.view.add_class("nlpbook-decoding-view")
        self._lock = threading.RLock()
        controls = [self.prompt, self.strategy, self.temperature, self.top_k, self.top_p, self.num_beams, self.seed]
        for control in controls:
            control.observe(self.redraw, "value")
        rows = self.redraw()
        super().__init__(controls + [self.view])
        self.add_class("nlpbook-decoding-explorer")
        self.keep_twin(self.view.value, decoding_text(rows))

    def decoding(self) -> Decoding:
        """The Decoding the controls show now."""
        return Decoding(strategy=self.strategy.value, temperature=self.temperature.value, top_k=self.top_k.value,
                        top_p=self.top_p.value, num_beams=self.num_beams.value, seed=self.seed.value)

    def redraw(self, _change=None) -> dict:
        """Generate with the values the controls show now and draw them."""
        with self._lock:
            if not self.prompt.value.strip():
                self.view.value = "<i>프롬프트를 입력해 보세요 (예: 긍정)</i>"
                return {}
            rows = decoding_rows(self.model, self.tokenizer, self.prompt.value, self.decoding())
            self.view.value = decoding_html(rows)
            return rows

    def __repr__(self) -> str:
        return f"DecodingExplorer(prompt={self.prompt.value!r}, {self.decoding()})"


def decoding_explorer(model, tokenizer, prompt: str = "긍정", decoding: Decoding = Decoding()) -> DecodingExplorer:
    """A widget to play with decoding (needs a running kernel; notebook 11, 8. 디코딩)."""
    return DecodingExplorer(model, tokenizer, prompt, decoding)
