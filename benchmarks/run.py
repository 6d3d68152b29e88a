"""What the project's data path buys: the book's way (pad to 128, random batches) against the default
(dynamic padding, length-grouped batches), as ratios measured in one run on one machine.

    python benchmarks/run.py [--corpus-root DIR] [--model-dir DIR] [--quick] [--json FILE] [--plot FILE] [--gpu]

Each measurement runs in a subprocess of its own (benchmarks/worker.py) so that each peak RSS is its own.
Results: docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]      # workers import nlpbook_helpers from this checkout

PATHS = {"book": dict(padding="max_length", group_by_length=False, label="book: pad to 128, random batches"),
         "default": dict(padding="dynamic", group_by_length=True, label="default: dynamic, length-grouped")}
# (batch size, warmup steps, timed steps) per model and path; BERT-base on 2 CPU cores is ~1-2 examples/s padded.
# (batch size, warmup steps, timed steps) per model and path; BERT-base on 2 CPU cores: ~1-2 examples/s padded.
# cache_reviews: the feature cache is timed on the first N reviews only (see docs/benchmarks.md).
FULL = {"base": {"book": (32, 2, 3), "default": (32, 4, 16)}, "tiny": {"book": (32, 10, 40), "default": (32, 20, 60)},
        "feature_reviews": 150_000, "cache_reviews": 15_000, "offline": {}}
QUICK = {"base": {"book": (8, 1, 2), "default": (8, 2, 6)}, "tiny": {"book": (32, 4, 10), "default": (32, 10, 20)},
         "feature_reviews": 15_000, "cache_reviews": 3_000,
         "offline": dict(epochs=1, max_train_examples=1000, max_test_examples=300)}
GPU_PRECISIONS = ("32-true", "bf16-mixed", "16-mixed")
TARGETS = dict(speedup=4.0, efficiency=0.90, feature_s=30.0, offline_rss_mb=1536.0)


def machine_info(threads: int) -> dict:
    """CPU, cores, memory, versions and date; read without importing torch (the parent stays small)."""
    from importlib.metadata import version

    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    models = [line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")]
    meminfo = Path("/proc/meminfo").read_text().split() if Path("/proc/meminfo").exists() else []
    return {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "cpu": models[0] if models else platform.processor(), "cores": len(os.sched_getaffinity(0)),
            "memory_gb": round(int(meminfo[1]) / 2**20, 1) if meminfo[:1] == ["MemTotal:"] else None,
            "python": platform.python_version(), "torch": version("torch"), "torch_threads": threads,
            "transformers": version("transformers"), "tokenizers": version("tokenizers"),
            "load_average_at_start": round(os.getloadavg()[0], 2)}


def cuda_available() -> bool:
    check = "import sys, torch; sys.exit(0 if torch.cuda.is_available() else 3)"
    return subprocess.run([sys.executable, "-c", check], capture_output=True).returncode == 0


def run_worker(spec: dict, work: Path, name: str, threads: int) -> dict:
    """Run worker.py on the spec in a fresh process; its peak RSS is the larger of its own VmHWM and what the
    kernel reports for it (wait4), which are the same while this parent stays small."""
    spec = dict(spec, threads=threads, out=str(work / f"{name}.result.json"))
    spec_file, log_file = work / f"{name}.spec.json", work / f"{name}.log"
    spec_file.write_text(json.dumps(spec), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
               NLPBOOK_HOME=str(work / f"home-{name}"), HF_HUB_OFFLINE="1")
    with open(log_file, "w") as log:
        process = subprocess.Popen([sys.executable, str(Path(__file__).with_name("worker.py")), str(spec_file)],
                                   stdout=log, stderr=subprocess.STDOUT, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        tail = log_file.read_text(errors="replace").splitlines()[-25:]
        raise SystemExit(f"{name} failed (exit {process.returncode}); last lines of {log_file}:\n" + "\n".join(tail))
    result = json.loads(Path(spec["out"]).read_text(encoding="utf-8"))
    if "peak_rss_mb" in result:
        result["peak_rss_mb"] = max(result["peak_rss_mb"], usage.ru_maxrss / 1024)   # KiB on Linux
    return result


def plan(options, models: dict, corpus_root: Path, corpus_name: str, feature_file: Path) -> list[tuple[str, dict]]:
    sizes = QUICK if options.quick else FULL
    common = dict(corpus_root=str(corpus_root), corpus_name=corpus_name, max_seq_length=128)
    jobs = [("features", dict(common, kind="features", model_dir=models["base"]["dir"], file=str(feature_file),
                              cache_reviews=sizes["cache_reviews"]))]
    for model in ("tiny", "base"):
        for path, settings in PATHS.items():
            batch, warmup, steps = sizes[model][path]
            if model == "base" and options.batch_size:
                batch = options.batch_size
            jobs.append((f"{model}-{path}-cpu", dict(
                common, kind="throughput", model=model, path=path, device="cpu", precision="32-true",
                model_dir=models[model]["dir"], preset="offline" if model == "tiny" else "kcbert-nsmc",
                padding=settings["padding"], group_by_length=settings["group_by_length"],
                batch_size=batch, warmup=warmup, steps=steps)))
    if options.gpu:
        for precision in GPU_PRECISIONS:
            for path, settings in PATHS.items():
                jobs.append((f"base-{path}-cuda-{precision}", dict(
                    common, kind="throughput", model="base", path=path, device="cuda", precision=precision,
                    model_dir=models["base"]["dir"], preset="kcbert-nsmc", padding=settings["padding"],
                    group_by_length=settings["group_by_length"], batch_size=32, warmup=5, steps=40)))
    jobs.append(("offline", dict(kind="offline", overrides=sizes["offline"])))
    return jobs


def evaluate(results: dict, quick: bool) -> list[dict]:
    """One line per target of issue 5: the figure, the threshold and PASS or MISS."""
    base_book, base_default = results["base-book-cpu"], results["base-default-cpu"]
    speedup = base_default["examples_per_s"] / base_book["examples_per_s"]
    efficiency = min(results[f"{m}-default-cpu"]["padding_efficiency"] for m in ("tiny", "base"))
    features = results["features"]
    feature_s = features["prepare_s"] * 150_000 / features["reviews"]
    note = " (--quick: indicative only)" if quick else ""
    rows = [("default path examples/s ÷ book's way, BERT-base dims, CPU", speedup, TARGETS["speedup"], ">=", "×"),
            ("padding efficiency of the default path (lowest of both models)", efficiency, TARGETS["efficiency"],
             ">=", ""),
            ("feature preparation of 150,000 reviews (read + tokenize, no cache)"
             + (f", extrapolated from {features['reviews']:,}" if features["reviews"] != 150_000 else ""),
             feature_s, TARGETS["feature_s"], "<=", " s"),
            ("offline preset end to end, peak RSS", results["offline"]["peak_rss_mb"], TARGETS["offline_rss_mb"],
             "<=", " MB")]
    return [{"target": name + note, "value": value, "threshold": limit, "op": op, "unit": unit,
             "pass": value >= limit if op == ">=" else value <= limit} for name, value, limit, op, unit in rows]


def report(results: dict, targets: list[dict], machine: dict) -> None:
    print(f"\nmachine: {machine['cpu']}, {machine['cores']} cores, torch {machine['torch']} "
          f"({machine['torch_threads']} threads), {machine['date']}, load average {machine['load_average_at_start']:.2f} "
          f"at start, {machine['load_average_at_end']:.2f} at end")
    header = (f"{'model':5} {'path':34} {'dev':16} {'batch':>5} {'steps':>5} {'ex/s':>8} {'real tok/s':>10} "
              f"{'comp tok/s':>10} {'pad eff':>7} {'len':>5} {'RSS MB':>7}")
    print(header + "\n" + "-" * len(header))
    for name, r in results.items():
        if not name.startswith(("base-", "tiny-")):
            continue
        model, path, device = name.split("-", 2)
        print(f"{model:5} {PATHS[path]['label']:34} {device:16} {r['batch_size']:>5} {r['steps']:>5} "
              f"{r['examples_per_s']:>8.2f} {r['real_tokens_per_s']:>10.0f} {r['computed_tokens_per_s']:>10.0f} "
              f"{r['padding_efficiency']:>7.3f} {r['mean_padded_length']:>5.1f} {r['peak_rss_mb']:>7.0f}")
    for model in ("tiny", "base"):
        ratio = results[f"{model}-default-cpu"]["examples_per_s"] / results[f"{model}-book-cpu"]["examples_per_s"]
        print(f"{model}: default ÷ book = {ratio:.1f}× examples/s on CPU")
    f = results["features"]
    print(f"features, {f['reviews']:,} reviews ({f['mean_tokens']:.1f} tokens on average): read {f['read_s']:.2f} s, "
          f"read + tokenize {f['prepare_s']:.2f} s; feature cache on {f['cache_reviews']:,} reviews: cold "
          f"{f['cache_cold_s']:.2f} s, warm {f['cache_warm_s']:.2f} s; peak RSS {f['peak_rss_mb']:.0f} MB")
    o = results["offline"]
    print(f"offline preset end to end: {o['seconds']:.0f} s, test accuracy {o['test_acc']:.3f}, "
          f"peak RSS {o['peak_rss_mb']:.0f} MB\n")
    for t in targets:
        print(f"{'PASS' if t['pass'] else 'MISS'}  {t['target']}: {t['value']:.2f}{t['unit']} "
              f"(target {t['op']} {t['threshold']:g}{t['unit']})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus-root", help="NSMC-format corpus: DIR/nsmc/ratings_*.txt or DIR/ratings_*.txt "
                        "(default: the embedded corpus, written fresh)")
    parser.add_argument("--model-dir", help="a checkpoint directory like kcbert-base's (default: random BERT-base "
                        "dims with a 30,000-token vocabulary, built locally)")
    parser.add_argument("--quick", action="store_true", help="a smoke run in about two minutes (figures indicative)")
    parser.add_argument("--gpu", action="store_true", help="also measure BERT-base on CUDA in fp32, bf16-mixed "
                        "and 16-mixed (refused without a CUDA GPU)")
    parser.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)), help="torch threads")
    parser.add_argument("--batch-size", type=int, help="batch size of the BERT-base CPU runs")
    parser.add_argument("--json", help="write all results to this JSON file")
    parser.add_argument("--plot", help="write the plot (PNG) to this file")
    parser.add_argument("--work-dir", help="keep models, logs and spec files here (default: a temporary folder)")
    options = parser.parse_args(argv)

    if options.gpu and not cuda_available():
        print("error: --gpu needs a CUDA GPU and torch.cuda.is_available() is False here; run without --gpu for "
              "the CPU figures, or on a machine with a CUDA build of torch and a GPU", file=sys.stderr)
        return 2
    machine = machine_info(options.threads)
    print(f"torch threads: {options.threads} (cores: {machine['cores']}); {machine['cpu']}; "
          f"load average {machine['load_average_at_start']:.2f}", flush=True)
    if machine["load_average_at_start"] > 0.5:
        print("warning: other processes are using the CPU (load average above); absolute figures will be low and "
              "noisy. Run on an idle machine for figures to publish.", flush=True)
    sizes = QUICK if options.quick else FULL
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="nlpbook-bench-") as temporary:
        work = Path(options.work_dir or temporary).resolve()
        work.mkdir(parents=True, exist_ok=True)
        prepared = run_worker(dict(kind="prepare", work=str(work), seed=7, corpus_root=options.corpus_root,
                                   model_dir=options.model_dir, feature_reviews=sizes["feature_reviews"]),
                              work, "prepare", options.threads)
        if prepared["gpu"]:
            machine["gpu"] = prepared["gpu"]
        print(f"prepared corpus and models in {time.perf_counter() - started:.0f} s", flush=True)
        results = {}
        jobs = plan(options, prepared["models"], Path(prepared["corpus_root"]), prepared["corpus_name"],
                    Path(prepared["feature_file"]))
        for number, (name, spec) in enumerate(jobs, start=1):
            print(f"[{number}/{len(jobs)}] {name} ({time.perf_counter() - started:.0f} s)", flush=True)
            results[name] = run_worker(spec, work, name, options.threads)
            for key in ("batch_size", "model", "path", "device", "precision"):
                if key in spec:
                    results[name][key] = spec[key]
            if results[name].get("torch_threads") != options.threads:
                print(f"  note: the worker ran with {results[name].get('torch_threads')} torch threads")
    machine["load_average_at_end"] = round(os.getloadavg()[0], 2)
    machine["total_seconds"] = round(time.perf_counter() - started)
    targets = evaluate(results, options.quick)
    report(results, targets, machine)
    print(f"total {machine['total_seconds']} s")
    command = "python benchmarks/run.py " + " ".join(argv if argv is not None else sys.argv[1:])
    document = {"command": command.strip(), "quick": options.quick, "machine": machine,
                "corpus": str(options.corpus_root or "embedded"), "models": prepared["models"], "results": results,
                "targets": targets}
    if options.json:
        Path(options.json).write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if options.plot:
        from plot import plot_results
        plot_results(document, options.plot)
    return 0                     # a MISS is a finding, not an error: the lines above say which


if __name__ == "__main__":
    sys.exit(main())
