"""Hangul in matplotlib plots: find a Korean font, or say how to get one (shared by notebooks 05-07)."""
from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path

__all__ = ["KOREAN_FONT_NAMES", "use_korean_font"]

KOREAN_FONT_NAMES = ("NanumGothic", "NanumBarunGothic", "Noto Sans CJK KR", "Noto Sans KR", "Malgun Gothic",
                     "AppleGothic", "UnDotum")
_warned = False


def _packaged_font_files() -> list[Path]:
    """NanumGothic shipped inside the koreanize-matplotlib wheel (pip alone: Colab, Binder, CI), if installed.
    Only its font files are used: importing that package would change matplotlib's settings by itself."""
    spec = importlib.util.find_spec("koreanize_matplotlib")
    if spec is None or not spec.submodule_search_locations:
        return []
    return sorted(Path(next(iter(spec.submodule_search_locations)), "fonts").glob("*.ttf"))


def use_korean_font() -> str | None:
    """Point matplotlib at a Korean font and return its name; warn once (with the fix) when there is none."""
    global _warned
    from matplotlib import font_manager, rcParams

    for path in _packaged_font_files():
        if path.name not in {Path(font.fname).name for font in font_manager.fontManager.ttflist}:
            font_manager.fontManager.addfont(str(path))
    available = {font.name for font in font_manager.fontManager.ttflist}
    for name in KOREAN_FONT_NAMES:
        if name in available:
            rcParams["font.family"] = name
            rcParams["axes.unicode_minus"] = False   # Korean fonts lack the Unicode minus glyph
            return name
    if not _warned:
        _warned = True
        warnings.warn("No Korean font found: Hangul in plots will show as boxes. Fix: `pip install "
                      "koreanize-matplotlib` (or `apt-get install fonts-nanum`), then restart the kernel.",
                      stacklevel=2)
    return None
