"""The benchmark's picture: examples/s, padding efficiency and peak RSS of both data paths (PNG, fixed size)."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

COLORS = {"book": "#b0b0b0", "dynamic": "#a6bddb", "default": "#2c7fb8"}
NAMES = {"book": "book: pad to 128, random batches", "dynamic": "dynamic padding, random batches",
         "default": "default: dynamic padding, length-grouped"}
MODELS = {"tiny": "tiny\n(offline dims)", "base": "BERT-base\ndims"}


def plot_results(document: dict, path: str) -> None:
    """Three panels, English labels (no Korean font needed), 12 × 4 inches at 100 dpi."""
    results, machine = document["results"], document["machine"]
    figure, (speed, efficiency, memory) = plt.subplots(1, 3, figsize=(12, 4.5), dpi=100)
    x = range(len(MODELS))
    width = 0.27
    for offset, path_name in ((-width, "book"), (0.0, "dynamic"), (width, "default")):
        rows = [results[f"{model}-{path_name}-cpu"] for model in MODELS]
        positions = [i + offset for i in x]
        bars = speed.bar(positions, [r["examples_per_s"] for r in rows], width, color=COLORS[path_name],
                         label=NAMES[path_name])
        speed.bar_label(bars, fmt="%.1f", fontsize=8)
        bars = efficiency.bar(positions, [r["padding_efficiency"] for r in rows], width, color=COLORS[path_name])
        efficiency.bar_label(bars, fmt="%.2f", fontsize=8)
        bars = memory.bar(positions, [r["peak_rss_mb"] / 1024 for r in rows], width, color=COLORS[path_name])
        memory.bar_label(bars, fmt="%.2f", fontsize=8)
    top = max(results[f"{model}-default-cpu"]["examples_per_s"] for model in MODELS)
    for model_index, model in enumerate(MODELS):
        ratio = results[f"{model}-default-cpu"]["examples_per_s"] / results[f"{model}-book-cpu"]["examples_per_s"]
        dynamic = results[f"{model}-dynamic-cpu"]["examples_per_s"] / results[f"{model}-book-cpu"]["examples_per_s"]
        speed.text(model_index, top * 4, f"{ratio:.1f}× (random: {dynamic:.1f}×)", ha="center", fontsize=9,
                   fontweight="bold")
    speed.set_yscale("log")
    speed.set_ylim(top=top * 12)
    speed.set_ylabel("training examples / s (log scale)")
    speed.set_title("Training throughput (CPU)")
    efficiency.axhline(0.90, color="black", linestyle="--", linewidth=1)
    efficiency.text(0.5, 0.915, "target 0.90", ha="center", fontsize=8)
    efficiency.set_ylim(0, 1.08)
    efficiency.set_ylabel("real tokens / computed tokens")
    efficiency.set_title("Padding efficiency")
    offline = results["offline"]["peak_rss_mb"] / 1024
    memory.bar([len(MODELS)], [offline], width, color="#41ab5d", label="offline preset, end to end (fit + test)")
    memory.text(len(MODELS), offline, f"{offline:.2f}", ha="center", va="bottom", fontsize=8)
    memory.axhline(1.5, color="black", linestyle="--", linewidth=1)
    memory.text(-0.4, 1.55, "target 1.5 GB (offline preset)", fontsize=8)
    memory.set_ylabel("peak RSS (GiB)")
    memory.set_title("Peak memory")
    for axis in (speed, efficiency):
        axis.set_xticks(list(x), list(MODELS.values()))
    memory.set_xticks([*x, len(MODELS)], [*MODELS.values(), "offline\npreset"])
    figure.suptitle(f"nlpbook data path — {machine['cpu']}, {machine['cores']} cores, torch {machine['torch']}, "
                    f"{machine['date'][:10]}" + (" (--quick)" if document.get("quick") else ""), fontsize=10)
    figure.legend(loc="lower center", ncol=4, fontsize=8, frameon=False)
    figure.tight_layout(rect=(0, 0.06, 1, 1))
    figure.savefig(path)
    plt.close(figure)
