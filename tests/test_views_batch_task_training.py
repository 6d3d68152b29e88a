"""Views of notebooks 05-07: padded batch tables and the padding explorer, the LR schedule plot, the live loss
curve, and "try your model". Widgets are driven from Python by setting `.value`, as a student's slider would."""
import dataclasses
import re
from types import SimpleNamespace

import pytest
import torch

from nlpbook_helpers.corpus import load_corpus
from nlpbook_helpers.data import NsmcDataset, make_collate, padding_stats
from nlpbook_helpers.model import load_pretrained_model
from nlpbook_helpers.task import make_optimizer, make_scheduler
from nlpbook_helpers.tokenizer import load_tokenizer
from nlpbook_helpers.training import predict
from nlpbook_helpers.views import live as live_module
from nlpbook_helpers.views.batch import batch_html, padding_explorer, show_batch
from nlpbook_helpers.views.live import LiveLossPlot
from nlpbook_helpers.views.predict import show_predictions, try_your_model
from nlpbook_helpers.views.schedule import (
    lr_schedule,
    plot_lr_schedule,
    show_lr_schedule,
)


@pytest.fixture
def tokenizer(offline_args):
    return load_tokenizer(offline_args)


@pytest.fixture
def dataset(offline_args, tokenizer):
    return NsmcDataset(load_corpus(offline_args).train[:200], tokenizer, offline_args.max_seq_length)


def feature(ids: list[int], label: int = 1) -> dict:
    return {"input_ids": ids, "token_type_ids": [0] * len(ids), "attention_mask": [1] * len(ids), "labels": label}


def table(markup: str, css_class: str) -> str:
    """The <table> element whose class attribute contains `css_class`."""
    match = re.search(rf'<table class="[^"]*\b{css_class}\b[^"]*".*?</table>', markup)
    assert match, f"no table with class {css_class}"
    return match.group(0)


def ratios(markup: str) -> dict[str, str]:
    """{"dynamic": "0.2000", "max_length": "0.9375"}: the data-ratio of each padding-ratio element."""
    found = re.findall(r'class="nlpbook-padding-ratio" data-ratio="([0-9.]+)" data-padding="(\w+)"', markup)
    return {padding: ratio for ratio, padding in found}


# ---- stage 5: padded batches ---------------------------------------------------------------------------------

def test_show_batch_marks_pad_cells_and_reports_the_padding_ratio(tokenizer):
    cls, sep, pad = tokenizer.cls_token_id, tokenizer.sep_token_id, tokenizer.pad_token_id
    items = [feature([cls, 10, 11, 12, sep]), feature([cls, 13, sep], 0), feature([cls, 14, 15, sep])]   # 5, 3, 4
    batch = make_collate(tokenizer, "dynamic")(items)
    markup = show_batch(batch, tokenizer, "5-3-4", "nlpbook-dynamic").data

    ids = table(markup, "nlpbook-batch-matrix")
    assert "nlpbook-dynamic" in ids
    assert ids.count('class="nlpbook-pad"') == 2 + 1                  # the 3-token row gets 2 pads, the 4-token row 1
    assert ids.count('class="nlpbook-special"') == 6                  # [CLS] and [SEP] of every row
    assert ids.count("<tr>") == 1 + 3                                 # header row + one row per instance
    assert re.findall(r'class="nlpbook-pad"[^>]*>(\d+)<', ids) == [str(pad)] * 3
    mask = table(markup, "nlpbook-mask-matrix")
    assert mask.count('class="nlpbook-pad"') == 3
    stats = padding_stats(batch)
    assert f'data-ratio="{stats["padding_ratio"]:.4f}"' in markup and stats["padding_ratio"] == pytest.approx(3 / 15)
    assert "#0 (5)" in markup and "#1 (3)" in markup and "#2 (4)" in markup


def test_wide_batches_are_drawn_as_blocks_with_ids_in_tooltips(tokenizer):
    items = [feature([tokenizer.cls_token_id, 10, tokenizer.sep_token_id])]
    batch = make_collate(tokenizer, "max_length", 64)(items)
    ids = table(batch_html(batch, tokenizer, css_class="nlpbook-max-length", indices=[7]), "nlpbook-max-length")
    assert ids.count("<td") == 64 and ids.count('class="nlpbook-pad"') == 61
    assert '<td class="nlpbook-pad"' in ids and 'title="0"></td>' in ids          # no number in the cell itself
    assert "#7 (3)" in ids


def test_padding_explorer_shows_both_paddings_and_follows_its_sliders(dataset, tokenizer, offline_args):
    explorer = padding_explorer(dataset, tokenizer, offline_args.max_seq_length)
    assert "nlpbook-batch-size" in explorer.size._dom_classes
    assert "nlpbook-batch-start" in explorer.start._dom_classes
    assert repr(explorer) == f"PaddingExplorer(batch_size=3, start=0, max_seq_length={offline_args.max_seq_length})"

    def expected(start: int, size: int) -> dict[str, str]:
        items = [dataset[i] for i in range(start, start + size)]
        return {"dynamic": f'{padding_stats(make_collate(tokenizer, "dynamic")(items))["padding_ratio"]:.4f}',
                "max_length": f'{padding_stats(make_collate(tokenizer, "max_length", offline_args.max_seq_length)(items))["padding_ratio"]:.4f}'}

    assert ratios(explorer.view.value) == expected(0, 3)
    table(explorer.view.value, "nlpbook-dynamic")
    assert table(explorer.view.value, "nlpbook-max-length").count("<td") == 3 * offline_args.max_seq_length

    explorer.size.value = 8                                   # what moving the slider does
    explorer.start.value = 40
    assert ratios(explorer.view.value) == expected(40, 8)
    assert "#40 (" in explorer.view.value and "#47 (" in explorer.view.value and "#48 (" not in explorer.view.value
    longest = max(dataset.lengths[40:48])
    assert table(explorer.view.value, "nlpbook-dynamic").count("<td") == 8 * longest

    explorer.start.value = len(dataset) - 1                   # clamped: the batch never runs past the end
    assert explorer.start.value == len(dataset) - 8
    explorer.size.value = 32
    assert explorer.start.value == len(dataset) - 32 and ratios(explorer.view.value) == expected(len(dataset) - 32, 32)


# ---- stage 6: the LR schedule ----------------------------------------------------------------------------------

def test_lr_schedule_is_what_the_scheduler_gives_the_optimizer(offline_args):
    total = 120
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.LayerNorm(4))
    optimizer = make_optimizer(model, offline_args.learning_rate, offline_args.weight_decay)
    scheduler = make_scheduler(optimizer, total, offline_args.warmup_ratio)
    used = []
    for _ in range(total):
        used.append([group["lr"] for group in optimizer.param_groups])
        model(torch.ones(1, 3)).sum().backward()
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad()
    rates = lr_schedule(offline_args, total)
    assert rates == [pair[0] for pair in used] == [pair[1] for pair in used]    # both groups follow one schedule
    warmup = int(total * offline_args.warmup_ratio)
    assert rates[0] == 0.0 and rates[warmup] == pytest.approx(offline_args.learning_rate)
    assert max(rates) == rates[warmup] and rates[-1] < rates[total // 2]


def test_plot_lr_schedule_draws_exactly_those_rates(offline_args):
    figure = plot_lr_schedule(offline_args, 376, steps_per_epoch=188)
    line = figure.axes[0].lines[0]
    assert list(line.get_xdata()) == list(range(376))
    assert list(line.get_ydata()) == lr_schedule(offline_args, 376)
    width, height = figure.get_size_inches() * figure.dpi
    assert (round(width), round(height)) == (700, 300)


def test_show_lr_schedule_wraps_a_png_for_the_browser(offline_args):
    markup = show_lr_schedule(offline_args, 100).data
    assert markup.startswith('<div class="nlpbook-lr-plot"><img src="data:image/png;base64,iVBOR')   # PNG magic
    assert "then linearly down to 0 at step 100" in markup
    assert show_lr_schedule(offline_args, 100).data == markup                   # the same bytes every time


# ---- stage 7: the live loss curve --------------------------------------------------------------------------

class FakeHandle:
    def __init__(self):
        self.updates = []

    def update(self, obj):
        self.updates.append(obj)


@pytest.fixture
def displayed(monkeypatch):
    """Replace IPython's display in live.py: records what was shown, returns one handle for display_id=True."""
    shown, handle = [], FakeHandle()

    def fake_display(obj, display_id=None):
        shown.append((obj, display_id))
        return handle if display_id else None

    monkeypatch.setattr(live_module, "display", fake_display)
    return SimpleNamespace(shown=shown, handle=handle)


def fake_trainer(**values):
    defaults = dict(estimated_stepping_batches=12, max_epochs=2, current_epoch=0, global_step=0,
                    sanity_checking=False, callback_metrics={})
    return SimpleNamespace(**{**defaults, **values})


def test_live_loss_plot_records_losses_and_updates_one_handle(displayed):
    plot = LiveLossPlot(every_n_steps=4)
    trainer = fake_trainer()
    plot.on_fit_start(trainer, None)
    (header, header_id), (image, image_id) = displayed.shown
    assert 'class="nlpbook-live-loss"' in header.data and header_id is None
    assert image_id is True and image.format == "png" and image.data.startswith(b"\x89PNG")

    trainer.sanity_checking = True                          # Lightning's sanity check: not an epoch
    trainer.callback_metrics = {"val_loss": torch.tensor(9.0), "val_acc": torch.tensor(0.0)}
    plot.on_validation_end(trainer, None)
    trainer.sanity_checking = False
    assert plot.val_losses == [] and displayed.handle.updates == []

    losses = [0.7 - 0.05 * i for i in range(12)]
    for epoch in range(2):
        trainer.current_epoch = epoch
        plot.on_train_epoch_start(trainer, None)
        for batch_idx in range(6):
            trainer.global_step += 1
            plot.on_train_batch_end(trainer, None, {"loss": torch.tensor(losses[trainer.global_step - 1])}, None,
                                    batch_idx)
        trainer.callback_metrics = {"val_loss": torch.tensor(0.5 - 0.1 * epoch), "val_acc": torch.tensor(0.8 + 0.1 * epoch)}
        plot.on_validation_end(trainer, None)
    plot.on_fit_end(trainer, None)

    assert plot.steps == list(range(1, 13))
    assert plot.train_losses == pytest.approx(losses)
    assert plot.val_steps == [6, 12] and plot.val_losses == pytest.approx([0.5, 0.4])
    assert plot.val_accs == pytest.approx([0.8, 0.9])
    assert plot.progress() == "epoch 2/2 · step 12/12"
    # redrawn at steps 4, 8, 12, after each validation and at the end, always through the one handle
    assert len(displayed.handle.updates) == plot.updates == 3 + 2 + 1
    assert len(displayed.shown) == 2
    assert all(update.data.startswith(b"\x89PNG") for update in displayed.handle.updates)
    figure = plot.figure()
    assert figure._suptitle.get_text() == "epoch 2/2 · step 12/12"
    assert list(figure.axes[0].lines[0].get_ydata()) == pytest.approx(losses)


def test_the_chance_line_is_one_over_the_labels(displayed):
    for labels, chance in ((2, 0.5), (3, 1 / 3)):
        plot = LiveLossPlot()
        plot.on_fit_start(fake_trainer(), SimpleNamespace(model=SimpleNamespace(config=SimpleNamespace(num_labels=labels)),
                                                           val_acc=None))    # a classification logs accuracy
        accuracy = plot.figure().axes[1]
        assert plot.chance == pytest.approx(chance)
        assert list(accuracy.lines[-1].get_ydata()) == pytest.approx([chance, chance])
        assert accuracy.get_ylim()[0] < chance
    plot.on_fit_start(fake_trainer(), None)                 # no model to ask: two labels
    assert plot.chance == 0.5


def test_smoothed_loss_is_a_running_mean():
    plot = LiveLossPlot(every_n_steps=3)
    plot.train_losses = [3.0, 6.0, 9.0, 0.0]
    assert plot.smoothed() == pytest.approx([3.0, 4.5, 6.0, 5.0])


def test_live_loss_plot_without_a_notebook_does_nothing():
    plot = LiveLossPlot()
    plot.update()                                           # no handle: no error, no drawing
    assert plot.updates == 0


def test_live_loss_plot_inside_a_real_fit(offline_args, displayed, tokenizer):
    import pytorch_lightning as pl

    from nlpbook_helpers.data import make_dataloader
    from nlpbook_helpers.task import ClassificationTask

    args = dataclasses.replace(offline_args, batch_size=16, epochs=2, progress_bar=False)
    corpus = load_corpus(args)
    train_loader = make_dataloader(NsmcDataset(corpus.train[:64], tokenizer, 64), args, tokenizer, train=True)
    val_loader = make_dataloader(NsmcDataset(corpus.test[:32], tokenizer, 64), args, tokenizer, train=False)
    plot = LiveLossPlot(every_n_steps=2)
    trainer = pl.Trainer(max_epochs=2, accelerator="cpu", devices=1, callbacks=[plot], logger=False,
                         enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False)
    trainer.fit(ClassificationTask(load_pretrained_model(args), args), train_loader, val_loader)
    assert plot.steps == list(range(1, 9)) and len(plot.val_losses) == 2      # 64 / 16 = 4 steps per epoch
    assert plot.val_losses[-1] == pytest.approx(float(trainer.callback_metrics["val_loss"]))
    assert len(displayed.shown) == 2 and displayed.handle.updates
    assert plot.progress() == "epoch 2/2 · step 8/8"


# ---- stage 7: predictions ----------------------------------------------------------------------------------

@pytest.fixture
def model(offline_args):
    torch.manual_seed(0)
    return load_pretrained_model(offline_args)


def test_try_your_model_judges_what_is_typed(model, tokenizer):
    texts = ["배우들 연기가 최고 정말 재밌다", "시간 아깝다 최악의 영화"]
    expected = predict(model, tokenizer, texts, 64)
    widget = try_your_model(model, tokenizer, 64)
    assert "nlpbook-try-input" in widget.text._dom_classes and widget.button.description == "판정"
    assert 'data-label=""' in widget.result.value and widget.prediction is None

    for text, prediction in zip(texts, expected):
        widget.text.value = text                            # what pressing Enter after typing does
        assert widget.prediction.label == prediction.label
        assert (f'class="nlpbook-try-result" data-label="{prediction.label_name}" '
                f'data-probability="{prediction.probability:.4f}"') in widget.result.value
    widget.result.value = ""
    widget.button.click()                                   # the 판정 button judges the same text again
    assert f'data-label="{expected[1].label_name}"' in widget.result.value
    assert repr(widget) == "TryYourModel(max_seq_length=64)"


def test_try_your_model_judges_one_at_a_time_when_events_arrive_on_two_threads(model, tokenizer):
    """ipykernel can deliver the Enter (value) and the 판정 click of one submission on two threads at once; a model
    at rest in train mode (as after trainer.fit) must still be judged with dropout off, every time."""
    import threading

    text = "스토리가 지루하고 돈이 아까운 최악의 영화"
    expected = predict(model, tokenizer, [text], 64)[0]
    model.train()
    widget = try_your_model(model, tokenizer, 64, text=text)
    seen, start = [], threading.Barrier(2)

    def press(times: int = 25) -> None:
        start.wait()
        for _ in range(times):
            widget.redraw()
            seen.append(widget.prediction.probability)

    threads = [threading.Thread(target=press) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == [expected.probability] * 50
    assert model.training                                   # predict() gave the model back as it found it


def test_try_your_model_starts_with_a_verdict_for_its_initial_text(model, tokenizer):
    widget = try_your_model(model, tokenizer, 64, text="재밌다")
    assert widget.prediction == predict(model, tokenizer, ["재밌다"], 64)[0]
    assert widget.prediction.label_name in ("긍정", "부정")


def test_show_predictions_is_a_table_of_labels_and_probabilities(model, tokenizer):
    texts = ["재밌다", "별로 <b>임</b>"]
    markup = show_predictions(model, tokenizer, texts, 64).data
    rows = re.findall(r'<tr data-label="(긍정|부정)" data-probability="([0-9.]+)">', markup)
    assert rows == [(p.label_name, f"{p.probability:.4f}") for p in predict(model, tokenizer, texts, 64)]
    assert "&lt;b&gt;임&lt;/b&gt;" in markup                   # review text is escaped, never rendered as HTML
    assert markup.startswith('<table class="nlpbook-predictions">')
