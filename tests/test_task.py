import dataclasses

import pytorch_lightning as pl
import torch

from nlpbook_helpers.corpus import load_corpus
from nlpbook_helpers.data import NsmcDataset, make_dataloader
from nlpbook_helpers.model import load_pretrained_model
from nlpbook_helpers.task import ClassificationTask, make_optimizer, make_scheduler
from nlpbook_helpers.tokenizer import load_tokenizer


class RecordLR(pl.Callback):
    def __init__(self):
        self.rates = []

    def on_train_batch_end(self, trainer, module, outputs, batch, batch_idx):
        self.rates.append(trainer.optimizers[0].param_groups[0]["lr"])


def test_schedule_warms_up_then_decays():
    model = torch.nn.Linear(4, 2)
    optimizer = make_optimizer(model, 1e-3, 0.01)
    assert [g["weight_decay"] for g in optimizer.param_groups] == [0.01, 0.0]       # no decay on the bias
    scheduler = make_scheduler(optimizer, total_steps=10, warmup_ratio=0.2)
    rates = []
    for _ in range(10):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    assert rates[0] == 0 and rates[2] == max(rates) == 1e-3
    assert all(a > b for a, b in zip(rates[2:], rates[3:]))


def test_lightning_steps_the_schedule_every_batch(offline_args):
    args = dataclasses.replace(offline_args, max_train_examples=160, batch_size=16, epochs=1, warmup_ratio=0.3)
    tokenizer = load_tokenizer(args)
    train = NsmcDataset(load_corpus(args).train, tokenizer, args.max_seq_length)
    task = ClassificationTask(load_pretrained_model(args), args)
    assert task.model.training                       # from_pretrained gave eval mode; the task switched it
    recorder = RecordLR()
    trainer = pl.Trainer(max_epochs=1, callbacks=[recorder], logger=False, enable_checkpointing=False,
                         enable_progress_bar=False, enable_model_summary=False, accelerator="cpu")
    trainer.fit(task, make_dataloader(train, args, tokenizer, train=True))
    assert len(recorder.rates) == 10                 # 160 / 16 batches, one LR per batch
    assert len(set(recorder.rates)) == 10            # a new learning rate after every step
    peak = recorder.rates.index(max(recorder.rates))
    assert 0 < peak < 9 and max(recorder.rates) <= args.learning_rate


def test_one_step_lowers_the_loss_on_that_batch(offline_args):
    torch.manual_seed(0)
    tokenizer = load_tokenizer(offline_args)
    dataset = NsmcDataset(load_corpus(offline_args).train[:32], tokenizer, offline_args.max_seq_length)
    batch = next(iter(make_dataloader(dataset, offline_args, tokenizer, train=False)))
    model = load_pretrained_model(offline_args).eval()     # no dropout: the two losses are comparable
    optimizer = make_optimizer(model, 1e-3, 0.0)
    before = model(**batch).loss
    before.backward()
    optimizer.step()
    after = model(**batch).loss
    assert after.item() < before.item()
