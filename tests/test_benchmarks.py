"""The benchmark times the length-grouped path over whole megabatches: its idea of a megabatch must be the
sampler's own, or a "whole megabatch" would cut one in the middle (benchmarks/worker.py)."""
from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest
import torch
from transformers.trainer_pt_utils import LengthGroupedSampler

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from worker import megabatch_batches, timing_plan  # noqa: E402


@pytest.mark.parametrize("n_examples, batch_size", [(6000, 32), (150_000, 32), (1000, 8), (100, 32)])
def test_megabatches_are_the_samplers(n_examples, batch_size):
    rng = random.Random(n_examples)
    lengths = rng.sample(range(10 * n_examples), n_examples)     # distinct, so that any order is strict
    order = list(LengthGroupedSampler(batch_size, lengths=lengths, generator=torch.Generator().manual_seed(7)))
    size = megabatch_batches(n_examples, batch_size) * batch_size
    megabatches = [order[i:i + size] for i in range(0, n_examples, size)]
    for number, megabatch in enumerate(megabatches):
        run = [lengths[i] for i in megabatch[1:]]     # [0] may be the longest review, swapped in
        assert run == sorted(run, reverse=True), f"megabatch {number} is not one sorted run"
    # where one megabatch ends the next starts again from a long review: a smaller size would cut inside a run
    for boundary in range(size, n_examples, size):
        assert lengths[order[boundary]] > lengths[order[boundary - 1]]


def test_timing_plan_covers_whole_megabatches_or_says_it_cannot():
    warm, timed, mega = timing_plan(dict(batch_size=32, warmup=2, megabatches=2), n_batches=188, n_examples=6000)
    assert mega == 46 and warm == [0, 1] and timed == list(range(46, 138))
    with pytest.raises(SystemExit, match="do not fit"):
        timing_plan(dict(batch_size=32, warmup=2, megabatches=4), n_batches=188, n_examples=6000)
    _, timed, _ = timing_plan(dict(batch_size=32, warmup=1, steps=6), n_batches=188, n_examples=6000)
    assert timed == list(range(46, 52))
    _, timed, _ = timing_plan(dict(batch_size=32, warmup=10, epoch=True), n_batches=188, n_examples=6000)
    assert timed == list(range(188))
