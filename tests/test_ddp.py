"""Beyond one machine: Lightning's DDP on the CPU (2 processes, gloo) through the command line, against one process.

What must match the single-process run, and what must not:
- steps: each rank trains on its own half of the reviews, so optimizer steps per epoch halve (ceil(N/2/batch)
  instead of ceil(N/batch)); the examples seen per epoch (2 ranks × steps × batch) stay N, each exactly once.
- the LR schedule is counted in global steps (`trainer.estimated_stepping_batches` after the sampler is sharded):
  warmup reaches `learning_rate`, the decay reaches its end on the last step (not halfway, as a schedule
  counted over the single-process steps would).
- one run: rank 0 and rank 1 share one `run_<N>` folder; one best + one last checkpoint, one log, one run.json
  and one fine-tuned model, written by rank 0 alone.
- it learns: test accuracy well above chance (0.5). Not the same floats: the batches and their order differ.
"""
from __future__ import annotations

import csv
import json
import math
import os
import subprocess
import sys

import pytest

TRAIN, TEST, EPOCHS, DEVICES = 1000, 400, 2, 2


def _single_process_loader(offline_home, monkeypatch, tmp_path, group_by_length: bool):
    monkeypatch.setenv("NLPBOOK_HOME", str(offline_home))
    from nlpbook_helpers.corpus import load_corpus
    from nlpbook_helpers.data import NsmcDataset, make_dataloader
    from nlpbook_helpers.settings import make_arguments
    from nlpbook_helpers.tokenizer import load_tokenizer

    args = make_arguments("offline", max_train_examples=TRAIN, group_by_length=group_by_length,
                          downstream_model_dir=str(tmp_path / "single"))
    tokenizer = load_tokenizer(args)
    dataset = NsmcDataset(load_corpus(args).train, tokenizer, args.max_seq_length)
    return args, dataset, make_dataloader(dataset, args, tokenizer, train=True)


@pytest.mark.parametrize("group_by_length", [True, False])
def test_each_rank_gets_its_own_shard(offline_home, monkeypatch, tmp_path, group_by_length):
    """What Lightning does to our training loader under DDP (use_distributed_sampler): disjoint halves, all reviews
    once; length-grouped batches stay grouped (the wrapper shards the grouped order, it does not reshuffle it)."""
    from pytorch_lightning.trainer.connectors.data_connector import _get_distributed_sampler
    from pytorch_lightning.utilities.data import _is_dataloader_shuffled

    shards = []
    for rank in range(DEVICES):     # each process builds its own loader (same seed, so the same grouped order)
        args, dataset, loader = _single_process_loader(offline_home, monkeypatch, tmp_path, group_by_length)
        shards.append(list(_get_distributed_sampler(loader, shuffle=_is_dataloader_shuffled(loader), overfit_batches=0,
                                                    num_replicas=DEVICES, rank=rank, seed=args.seed)))
    assert [len(shard) for shard in shards] == [TRAIN // DEVICES] * DEVICES
    assert set(shards[0]).isdisjoint(shards[1]) and set(shards[0]) | set(shards[1]) == set(range(TRAIN))
    if group_by_length:
        def efficiency(order):      # real tokens / computed tokens over batches padded to their longest review
            batches = [[dataset.lengths[i] for i in order[start:start + args.batch_size]]
                       for start in range(0, len(order), args.batch_size)]
            return sum(map(sum, batches)) / sum(max(batch) * len(batch) for batch in batches)
        # measured on these 1000 reviews: 0.80 in one process, 0.64/0.68 per rank (a rank's batch comes from 2 × 32
        # neighbours in the length order), 0.47 for random batches
        assert efficiency(shards[0]) > 0.6 and efficiency(shards[1]) > 0.6


@pytest.mark.slow
def test_two_cpu_processes_train_one_run(offline_home, monkeypatch, tmp_path):
    args, _, single_loader = _single_process_loader(offline_home, monkeypatch, tmp_path, True)
    model_dir = tmp_path / "ddp"
    env = dict(os.environ, NLPBOOK_HOME=str(offline_home), HF_HUB_OFFLINE="1", OMP_NUM_THREADS="1")
    env.pop("NLPBOOK_RUN_DIR", None)
    done = subprocess.run(
        [sys.executable, "-m", "nlpbook_helpers", "train", "--set", f"devices={DEVICES}", "--set", "strategy=ddp",
         "--set", f"max_train_examples={TRAIN}", "--set", f"max_test_examples={TEST}", "--set", f"epochs={EPOCHS}",
         "--set", "log_every_n_steps=1", "--set", "progress_bar=False", "--set", f"downstream_model_dir='{model_dir}'"],
        capture_output=True, text=True, env=env, timeout=400)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "distributed_backend=gloo" in done.stderr and "Starting with 2 processes" in done.stderr

    # one run folder for both ranks: rank 1 did not reserve a run_1 of its own
    assert sorted(path.name for path in model_dir.glob("run_*")) == ["run_0"], done.stdout
    run = model_dir / "run_0"
    assert sorted(path.name for path in (run / "checkpoints").iterdir())[-1] == "last.ckpt"
    assert len(list((run / "checkpoints").glob("best-*.ckpt"))) == 1
    assert [path.name for path in (run / "logs").iterdir()] == ["version_0"]
    assert (run / "finetuned" / "config.json").is_file()
    assert not list(run.glob(".run.json.*.tmp"))
    result = json.loads((run / "run.json").read_text(encoding="utf-8"))["result"]

    # steps: each rank takes half of the batches of the single-process loader (rounded up)
    steps_per_epoch = math.ceil(math.ceil(TRAIN / DEVICES) / args.batch_size)
    assert len(single_loader) == math.ceil(TRAIN / args.batch_size) == 32 and steps_per_epoch == 16
    assert result["global_step"] == EPOCHS * steps_per_epoch
    assert DEVICES * steps_per_epoch * args.batch_size >= TRAIN > DEVICES * (steps_per_epoch - 1) * args.batch_size

    # the LR schedule over global steps: peaks at learning_rate after warmup, ends on the last step
    total = EPOCHS * steps_per_epoch
    warmup = int(total * args.warmup_ratio)
    with open(run / "logs" / "version_0" / "metrics.csv", encoding="utf-8") as stream:
        lrs = {int(row["step"]): float(row["lr-AdamW/pg1"]) for row in csv.DictReader(stream) if row["lr-AdamW/pg1"]}
    assert sorted(lrs) == list(range(total))
    assert lrs[warmup] == pytest.approx(args.learning_rate)
    assert lrs[total - 1] == pytest.approx(args.learning_rate / (total - warmup))   # one step from zero

    # it learned (test_acc is gathered from both ranks by torchmetrics)
    assert result["test_acc"] > 0.65, result
    assert f"test accuracy: {result['test_acc']:.4f}" in done.stdout


@pytest.mark.slow
@pytest.mark.parametrize("task, train_n, test_n, epochs, figures", [
    ("ner", 1000, 100, 3, ("test_f1", "test_recall")),             # 100 sentences: two even shards, nothing repeated
    ("qa", 300, 60, 2, ("test_f1", "test_exact_match")),           # windows: a repeated one overwrites its own logits
], ids=["ner_entity_f1", "qa_exact_match_and_f1"])
def test_task_figures_count_the_examples_of_every_rank(offline_home, monkeypatch, tmp_path, task, train_n, test_n,
                                                       epochs, figures):
    """Entity F1 (NER) and exact match / F1 (QA, answered over all windows of a question) are no torchmetrics
    metrics: each rank collects what it saw of its own half of the test split, and the figures must come from all of
    it (task.gather_lists), not from rank 0's half. The run's test figures under DDP equal those of its fine-tuned
    model evaluated over the same test examples in one process."""
    import pytorch_lightning as pl

    from nlpbook_helpers.settings import make_arguments
    from nlpbook_helpers.stages import restore

    model_dir = tmp_path / f"ddp-{task}"
    env = dict(os.environ, NLPBOOK_HOME=str(offline_home), HF_HUB_OFFLINE="1", OMP_NUM_THREADS="1")
    env.pop("NLPBOOK_RUN_DIR", None)
    done = subprocess.run(
        [sys.executable, "-m", "nlpbook_helpers", "train", "--task", task, "--set", f"devices={DEVICES}",
         "--set", "strategy=ddp", "--set", f"max_train_examples={train_n}", "--set", f"max_test_examples={test_n}",
         "--set", f"epochs={epochs}", "--set", "progress_bar=False", "--set", f"downstream_model_dir='{model_dir}'"],
        capture_output=True, text=True, env=env, timeout=400)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads((model_dir / "run_0" / "run.json").read_text(encoding="utf-8"))["result"]

    monkeypatch.setenv("NLPBOOK_HOME", str(offline_home))
    args = make_arguments("offline", downstream_task_name=task, pretrained_model_name=str(model_dir / "run_0" / "finetuned"),
                          tiny_weights="", max_train_examples=train_n, max_test_examples=test_n, progress_bar=False,
                          downstream_model_dir=str(tmp_path / "single"))
    stages = restore(args, upto=6)
    trainer = pl.Trainer(accelerator="cpu", devices=1, logger=False, enable_progress_bar=False,
                         enable_model_summary=False)
    single = trainer.test(stages.task, stages.test_loader, verbose=False)[0]
    assert 0 < single[figures[0]] < 1, single       # a figure the halves could get wrong
    for name in figures:
        assert result[name] == pytest.approx(single[name], abs=1e-6), name
