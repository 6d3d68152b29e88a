"""What the project's data path buys: the book's way (pad to 128, random batches) and random batches with
dynamic padding against the default (dynamic padding, length-grouped batches), as ratios measured in one run
on one machine.

    python benchmarks/run.py [--corpus-root DIR] [--model-dir DIR] [--quick] [--json FILE] [--plot FILE]
                             [--gpu [--gpu-only] [--gpu-budget S]]

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
         "dynamic": dict(padding="dynamic", group_by_length=False, label="dynamic padding, random batches"),
         "default": dict(padding="dynamic", group_by_length=True, label="default: dynamic, length-grouped")}
# How each CPU job is timed (worker.timing_plan): the length-grouped path over whole megabatches (the sampler
# serves each one longest-first), random-batch paths over consecutive batches, tiny dims over a whole epoch.
# BERT-base on 2 CPU cores: a book step (32 × 128 tokens) takes about a minute, a default one a few seconds.
FULL = {"base": {"book": dict(batch_size=32, warmup=1, steps=2), "dynamic": dict(batch_size=32, warmup=1, steps=6),
                 "default": dict(batch_size=32, warmup=2, megabatches=1)},
        "tiny": {path: dict(batch_size=32, warmup=10, epoch=True) for path in PATHS},
        "feature_reviews": 150_000, "offline": {}}
QUICK = {"base": {"book": dict(batch_size=8, warmup=1, steps=2), "dynamic": dict(batch_size=8, warmup=1, steps=3),
                  "default": dict(batch_size=8, warmup=1, steps=6)},
         "tiny": {path: dict(batch_size=32, warmup=4, steps=20) for path in PATHS},
         "feature_reviews": 15_000, "offline": dict(epochs=1, max_train_examples=1000, max_test_examples=300)}
# On a GPU: one epoch of an NSMC-sized training set (150,000 reviews) at BERT-base dims, each job stopped after
# --gpu-budget seconds of steps (at a megabatch's end) and its epoch time then extrapolated, and said so.
GPU_JOBS = (("32-true", "book"), ("32-true", "default"), ("bf16-mixed", "book"), ("bf16-mixed", "default"),
            ("bf16-mixed", "dynamic"))
NSMC_TRAIN = 150_000
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


def plan(options, prepared: dict) -> list[tuple[str, dict]]:
    sizes, models = (QUICK if options.quick else FULL), prepared["models"]
    common = dict(corpus_root=prepared["corpus_root"], corpus_name=prepared["corpus_name"], max_seq_length=128)
    jobs = []
    if not options.gpu_only:
        jobs.append(("features", dict(common, kind="features", model_dir=models["base"]["dir"],
                                      file=prepared["feature_file"])))
        for model in ("tiny", "base"):
            for path, settings in PATHS.items():
                timing = dict(sizes[model][path])
                if model == "base" and options.batch_size:
                    timing["batch_size"] = options.batch_size
                jobs.append((f"{model}-{path}-cpu", dict(
                    common, **timing, kind="throughput", model=model, path=path, device="cpu", precision="32-true",
                    model_dir=models[model]["dir"], preset="offline" if model == "tiny" else "kcbert-nsmc",
                    padding=settings["padding"], group_by_length=settings["group_by_length"])))
    if options.gpu:
        gpu_corpus = dict(common, corpus_root=prepared["gpu_corpus_root"], corpus_name=prepared["gpu_corpus_name"])
        for precision, path in GPU_JOBS:
            settings = PATHS[path]
            jobs.append((f"base-{path}-cuda-{precision}", dict(
                gpu_corpus, kind="throughput", model="base", path=path, device="cuda", precision=precision,
                model_dir=models["base"]["dir"], preset="kcbert-nsmc", padding=settings["padding"],
                group_by_length=settings["group_by_length"], batch_size=32, warmup=10, epoch=True,
                time_budget_s=options.gpu_budget)))
    if not options.gpu_only:
        jobs.append(("offline", dict(kind="offline", overrides=sizes["offline"])))
    return jobs


def evaluate(results: dict, quick: bool) -> list[dict]:
    """One line per target of issue 5: the figure, the threshold and PASS or MISS (CPU runs only)."""
    if "base-book-cpu" not in results:
        return []
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


def how_timed(r: dict) -> str:
    """'whole epoch', '2 megabatches' or '6 steps': what the figure of one job is the mean of."""
    if r["whole_epoch"]:
        return f"epoch ({r['steps']})"
    whole = r["steps"] // r["megabatch_batches"]
    if r["group_by_length"] and whole and r["steps"] == whole * r["megabatch_batches"]:
        return f"{whole} megabatch" + ("es" if whole > 1 else "") + f" ({r['steps']})"
    return f"{r['steps']} steps"


def report(results: dict, targets: list[dict], machine: dict) -> None:
    print(f"\nmachine: {machine['cpu']}, {machine['cores']} cores, torch {machine['torch']} "
          f"({machine['torch_threads']} threads), {machine.get('gpu') or 'no GPU'}, {machine['date']}, "
          f"load average {machine['load_average_at_start']:.2f} at start, {machine['load_average_at_end']:.2f} at end")
    header = (f"{'model':5} {'path':34} {'dev':16} {'batch':>5} {'timed over':>16} {'ex/s':>8} {'real tok/s':>10} "
              f"{'pad eff':>7} {'len':>5} {'tokens':>6} {'epoch s':>8} {'RSS MB':>7} {'GPU MB':>7} {'CPU share':>9}")
    print(header + "\n" + "-" * len(header))
    for name, r in results.items():
        if not name.startswith(("base-", "tiny-")):
            continue
        model, path, device = name.split("-", 2)
        epoch = f"{r['epoch_seconds_estimate']:.0f}" + ("" if r["whole_epoch"] else "*")
        print(f"{model:5} {PATHS[path]['label']:34} {device:16} {r['batch_size']:>5} {how_timed(r):>16} "
              f"{r['examples_per_s']:>8.2f} {r['real_tokens_per_s']:>10.0f} {r['padding_efficiency']:>7.3f} "
              f"{r['mean_padded_length']:>5.1f} {r['mean_tokens']:>6.1f} {epoch:>8} {r['peak_rss_mb']:>7.0f} "
              f"{r.get('peak_gpu_mb', 0):>7.0f} {r['cpu_share']:>9.2f}")
    print("epoch s: seconds for one epoch of the job's training set; * = extrapolated from the timed steps")
    busy = [name for name, r in results.items() if r.get("device") == "cpu" and r["cpu_share"] < 0.8]
    if busy:
        print(f"warning: {', '.join(busy)} got less than 80% of {machine['torch_threads']} cores (CPU share): "
              "another process was running; rerun on an idle machine before publishing these figures")
    for name, r in results.items():
        if name.startswith(("base-", "tiny-")) and "-book-" not in name:
            book = results.get(name.replace("-dynamic-", "-book-").replace("-default-", "-book-"))
            if book:
                print(f"{name}: {r['examples_per_s'] / book['examples_per_s']:.1f}× the book's way in examples/s")
    if "features" in results:
        f = results["features"]
        print(f"features, {f['reviews']:,} reviews ({f['mean_tokens']:.1f} tokens on average): read "
              f"{f['read_s']:.2f} s, read + tokenize {f['prepare_s']:.2f} s; tokenize with the feature cache cold "
              f"{f['cache_cold_s']:.2f} s, warm {f['cache_warm_s']:.2f} s; peak RSS {f['peak_rss_mb']:.0f} MB")
    if "offline" in results:
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
    parser.add_argument("--gpu", action="store_true", help="also measure one epoch of 150,000 reviews at BERT-base "
                        "dims on CUDA, fp32 and bf16-mixed (refused without a CUDA GPU)")
    parser.add_argument("--gpu-only", action="store_true", help="with --gpu: only the GPU jobs")
    parser.add_argument("--gpu-budget", type=float, default=120.0, help="seconds of steps per GPU job; an epoch "
                        "not done by then is extrapolated from whole megabatches (default 120)")
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
    if options.gpu_only and not options.gpu:
        parser.error("--gpu-only goes with --gpu")
    if options.model_dir and not (Path(options.model_dir).expanduser() / "config.json").is_file():
        print(f"error: --model-dir {options.model_dir}: no config.json there; give a directory laid out like "
              "kcbert-base (config.json, vocab.txt, weights)", file=sys.stderr)
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
                                   model_dir=options.model_dir, feature_reviews=sizes["feature_reviews"],
                                   gpu_train_reviews=NSMC_TRAIN if options.gpu else 0),
                              work, "prepare", options.threads)
        if prepared["gpu"]:
            machine["gpu"] = prepared["gpu"]
        print(f"prepared corpus and models in {time.perf_counter() - started:.0f} s", flush=True)
        results, failed = {}, []
        jobs = plan(options, prepared)
        for number, (name, spec) in enumerate(jobs, start=1):
            print(f"[{number}/{len(jobs)}] {name} ({time.perf_counter() - started:.0f} s)", flush=True)
            try:
                results[name] = run_worker(spec, work, name, options.threads)
            except SystemExit as failure:          # one failed job must not lose the others' figures
                print(failure, flush=True)
                failed.append(name)
                continue
            for key in ("batch_size", "model", "path", "device", "precision", "group_by_length"):
                if key in spec:
                    results[name][key] = spec[key]
            if results[name].get("torch_threads") != options.threads:
                print(f"  note: the worker ran with {results[name].get('torch_threads')} torch threads")
            if "examples_per_s" in results[name]:
                r = results[name]
                print(f"  {r['examples_per_s']:.2f} examples/s over {how_timed(r)}, epoch "
                      f"{r['epoch_seconds_estimate']:.0f} s{'' if r['whole_epoch'] else ' (extrapolated)'}", flush=True)
    machine["load_average_at_end"] = round(os.getloadavg()[0], 2)
    machine["total_seconds"] = round(time.perf_counter() - started)
    targets = evaluate(results, options.quick) if not failed else []
    if failed:
        print(f"failed: {', '.join(failed)} (their logs are in --work-dir); no targets evaluated")
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
