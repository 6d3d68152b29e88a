"""One measurement in a process of its own, so that its peak RSS is its own: `python worker.py SPEC.json`.

run.py writes the spec (a JSON object with a "kind") and reads the result the worker writes to spec["out"].
Kinds: "prepare" (corpus, models, files: prepare.py), "features" (reading + tokenizing N reviews),
"throughput" (optimizer steps of one data path: timing_plan), "offline" (the offline preset end to end:
pipeline.train).
Everything goes through the package's own functions, so the figures are those of what students run.
"""
from __future__ import annotations

import contextlib
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MiB: VmHWM, which starts afresh at exec (ru_maxrss
    would include the RSS of the parent it was forked from); ru_maxrss where /proc is missing."""
    status = Path("/proc/self/status")
    if status.is_file():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024          # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def arguments(spec: dict, **overrides):
    """The package's Arguments for the spec's model and corpus (the preset only supplies defaults)."""
    from nlpbook_helpers.settings import make_arguments

    return make_arguments(spec.get("preset", "kcbert-nsmc"), pretrained_model_name=spec["model_dir"],
                          corpus_source="embedded", downstream_corpus_root_dir=spec["corpus_root"],
                          downstream_corpus_name=spec["corpus_name"], max_seq_length=spec["max_seq_length"],
                          accelerator="cpu", devices=1, **overrides)


def load_model_and_tokenizer(args, with_model: bool = True):
    """The same loading code as kcbert-base: from_pretrained on a local directory, vocabulary checked."""
    from nlpbook_helpers.model import load_pretrained_model
    from nlpbook_helpers.tokenizer import check_vocab_matches, load_tokenizer

    tokenizer = load_tokenizer(args)
    if not with_model:
        return None, tokenizer
    model = load_pretrained_model(args)
    check_vocab_matches(tokenizer, model)
    return model, tokenizer


def measure_features(spec: dict) -> dict:
    """Seconds to read an NSMC file of N reviews and tokenize it (no cache), then to build the same features
    with the feature cache cold (tokenized, hashed and written) and warm (hashed and loaded)."""
    from nlpbook_helpers.corpus import read_nsmc_file
    from nlpbook_helpers.data import NsmcDataset

    args = arguments(spec)
    _, tokenizer = load_model_and_tokenizer(args, with_model=False)
    started = time.perf_counter()
    examples, _ = read_nsmc_file(spec["file"])
    read_s = time.perf_counter() - started
    started = time.perf_counter()
    dataset = NsmcDataset(examples, tokenizer, args.max_seq_length)
    tokenize_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as cache:
        started = time.perf_counter()
        NsmcDataset(examples, tokenizer, args.max_seq_length, cache_dir=cache)
        cold_s = time.perf_counter() - started
        started = time.perf_counter()
        warm = NsmcDataset(examples, tokenizer, args.max_seq_length, cache_dir=cache)
        warm_s = time.perf_counter() - started
        assert warm.loaded_from_cache and warm.lengths == dataset.lengths, "the feature cache was not reused"
    return {"reviews": len(examples), "read_s": read_s, "tokenize_s": tokenize_s, "prepare_s": read_s + tokenize_s,
            "cache_cold_s": cold_s, "cache_warm_s": warm_s,
            "mean_tokens": float(np.mean(dataset.lengths)), "peak_rss_mb": peak_rss_mb()}


def precision_context(device: str, precision: str):
    """(autocast context, GradScaler or None) for '32-true', 'bf16-mixed' or '16-mixed' (as Lightning names them)."""
    if precision == "32-true":
        return contextlib.nullcontext(), None
    if precision == "bf16-mixed":
        return torch.autocast(device, dtype=torch.bfloat16), None
    if precision == "16-mixed":
        return torch.autocast(device, dtype=torch.float16), torch.amp.GradScaler(device)
    raise ValueError(f"precision={precision!r}: use 32-true, bf16-mixed or 16-mixed")


def megabatch_batches(n_examples: int, batch_size: int) -> int:
    """Batches per megabatch of transformers' LengthGroupedSampler (its own rule: 50, or fewer so that there are at
    least 4 megabatches). Each megabatch is served sorted longest-first, so only whole megabatches represent it."""
    return max(1, min(n_examples // (batch_size * 4), 50))


def timing_plan(spec: dict, n_batches: int, n_examples: int) -> tuple[list[int], list[int], int]:
    """(warmup batch indices, timed batch indices in order, batches per megabatch).

    "megabatches": k: the length-grouped path, timed over whole megabatches 1..k (megabatch 0, which holds the
    longest review, warms up). "steps": k: a random-batch path, k consecutive batches (any span of random
    batches is a fair sample; all book batches have the same shape). "epoch": every batch of the epoch in
    order, after `warmup` batches (a time budget may stop it early: measure_throughput).
    """
    mega = megabatch_batches(n_examples, spec["batch_size"])
    warm = list(range(min(spec["warmup"], n_batches)))
    if spec.get("epoch"):
        return warm, list(range(n_batches)), mega
    if "megabatches" in spec:
        first, last = mega, mega * (1 + spec["megabatches"])
        if last > n_batches:
            raise SystemExit(f"{spec['megabatches']} megabatches of {mega} batches after the first do not fit in "
                             f"an epoch of {n_batches} batches: ask for fewer")
        return warm, list(range(first, last)), mega
    first = min(mega, n_batches - spec["steps"])
    return warm, list(range(first, first + spec["steps"])), mega


def measure_throughput(spec: dict) -> dict:
    """Training examples/s and tokens/s over K optimizer steps (forward, backward, AdamW, LR schedule)."""
    from nlpbook_helpers.corpus import load_corpus
    from nlpbook_helpers.data import NsmcDataset, make_dataloader, padding_stats
    from nlpbook_helpers.task import make_optimizer, make_scheduler

    device = spec.get("device", "cpu")
    args = arguments(spec, padding=spec["padding"], group_by_length=spec["group_by_length"],
                     batch_size=spec["batch_size"])
    torch.manual_seed(args.seed)
    model, tokenizer = load_model_and_tokenizer(args)
    dataset = NsmcDataset(load_corpus(args).train, tokenizer, args.max_seq_length)
    loader = make_dataloader(dataset, args, tokenizer, train=True)

    batches, collate_s, iterator = [], [], iter(loader)     # one epoch, collated by the package's loader
    while True:
        started = time.perf_counter()
        batch = next(iterator, None)
        if batch is None:
            break
        collate_s.append(time.perf_counter() - started)
        batches.append(batch)
    epoch = [padding_stats(batch) for batch in batches]
    epoch_real = sum(s["real_tokens"] for s in epoch)
    epoch_computed = sum(s["computed_tokens"] for s in epoch)

    model.to(device).train()
    optimizer = make_optimizer(model, args.learning_rate, args.weight_decay)
    scheduler = make_scheduler(optimizer, total_steps=len(batches), warmup_ratio=args.warmup_ratio)
    autocast, scaler = precision_context(device, spec.get("precision", "32-true"))
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)

    def step(batch: dict) -> tuple[float, float]:
        """(wall seconds, CPU seconds of this process) of one optimizer step on `batch`."""
        sync()
        started, cpu_started = time.perf_counter(), time.process_time()
        batch = {name: tensor.to(device) for name, tensor in batch.items()}
        with autocast:
            loss = model(**batch).loss
        if scaler is None:
            loss.backward()
            optimizer.step()
        else:
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
        optimizer.zero_grad(set_to_none=True)
        scheduler.step()
        sync()
        return time.perf_counter() - started, time.process_time() - cpu_started

    warm, timed, mega = timing_plan(spec, len(batches), len(dataset))
    for index in warm:
        step(batches[index])
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    # CPU share = CPU time / (wall time × threads): well below 1, the machine was busy with something else and
    # the figures are low. A time budget (GPU epochs) stops the epoch early, at the end of a megabatch for the
    # length-grouped path, and says so.
    step_s, cpu_share, done, budget = [], [], [], spec.get("time_budget_s")
    seconds = 0.0
    for position, index in enumerate(timed):
        if budget and seconds > budget and (not spec["group_by_length"] or position % mega == 0):
            break
        wall, cpu = step(batches[index])
        step_s.append(wall + collate_s[index])
        seconds += step_s[-1]
        cpu_share.append(cpu / (wall * torch.get_num_threads()))
        done.append(index)
    timed = done
    stats = [epoch[index] for index in timed]
    examples = sum(s["batch_size"] for s in stats)
    real = sum(s["real_tokens"] for s in stats)
    computed = sum(s["computed_tokens"] for s in stats)
    result = {"steps": len(timed), "warmup_steps": len(warm), "megabatch_batches": mega,
              "whole_epoch": len(timed) == len(batches), "epoch_seconds_estimate": seconds / len(timed) * len(batches),
              "examples": examples, "seconds": seconds,
              "examples_per_s": examples / seconds, "real_tokens_per_s": real / seconds,
              "computed_tokens_per_s": computed / seconds, "timed_efficiency": real / computed,
              "padding_efficiency": epoch_real / epoch_computed, "epoch_batches": len(batches),
              "mean_padded_length": float(np.mean([s["padded_length"] for s in epoch])),
              "mean_tokens": float(np.mean(dataset.lengths)), "collate_ms_per_batch": 1000 * float(np.mean(collate_s)),
              "parameters": sum(p.numel() for p in model.parameters()), "peak_rss_mb": peak_rss_mb(),
              "step_seconds": [round(value, 4) for value in step_s],
              "cpu_share": float(np.median(cpu_share))}
    if device == "cuda":
        result["peak_gpu_mb"] = torch.cuda.max_memory_allocated() / 2**20
    return result


def measure_offline(spec: dict) -> dict:
    """The offline preset end to end (corpus, tiny model, tokenizer, features, fit, test, save) in this process.

    NLPBOOK_HOME is set by run.py to a fresh temporary folder, so nothing is reused from an earlier run."""
    from nlpbook_helpers.pipeline import train
    from nlpbook_helpers.settings import make_arguments

    args = make_arguments("offline", progress_bar=False, **spec.get("overrides", {}))
    started = time.perf_counter()
    result = train(args)
    return {"seconds": time.perf_counter() - started, "test_acc": result.test_acc, "epochs": args.epochs,
            "train_examples": args.max_train_examples, "peak_rss_mb": peak_rss_mb()}


def main(spec_file: str) -> None:
    spec = json.loads(Path(spec_file).read_text(encoding="utf-8"))
    torch.set_num_threads(spec["threads"])
    from prepare import prepare

    measure = {"prepare": prepare, "features": measure_features, "throughput": measure_throughput,
               "offline": measure_offline}
    result = measure[spec["kind"]](spec)
    result["torch_threads"] = torch.get_num_threads()
    Path(spec["out"]).write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1])
