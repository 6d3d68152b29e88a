"""The confusion matrix view (notebook 08): torchmetrics' counts, the text table, the plot."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch

from nlpbook_helpers.corpus import Example
from nlpbook_helpers.views.confusion import (DPI, FIGSIZE, confusion_matrix, confusion_table, plot_confusion,
                                             predict_confusion, show_confusion)
from nlpbook_helpers.views.schedule import figure_png

NAMES = ("긍정", "부정", "중립")
MATRIX = torch.tensor([[84, 1, 15], [1, 92, 7], [20, 9, 71]])
VOCAB = Path(__file__).resolve().parent.parent / "nlpbook_helpers" / "assets" / "offline_vocab.txt"


def test_rows_are_the_true_labels_and_columns_the_predictions():
    actual = [0, 0, 1, 2, 2, 2]
    predicted = [0, 2, 1, 2, 0, 1]
    matrix = confusion_matrix(predicted, actual, 3)
    assert matrix.tolist() == [[1, 0, 1], [0, 1, 0], [1, 1, 1]]
    assert matrix.sum(dim=1).tolist() == [2, 1, 3]               # each row: that label's examples
    assert confusion_matrix(torch.tensor(predicted), torch.tensor(actual), 4).shape == (4, 4)
    with pytest.raises(ValueError, match="one prediction per example"):
        confusion_matrix([0, 1], [0, 1, 2], 3)


def test_the_text_table_lines_up_hangul_and_shows_counts_or_shares():
    assert confusion_table(MATRIX, NAMES).splitlines() == [
        "정답 \\ 예측  긍정  부정  중립  개수",
        "긍정           84     1    15   100",
        "부정            1    92     7   100",
        "중립           20     9    71   100"]
    assert confusion_table(MATRIX, NAMES, normalize=True).splitlines()[1:] == [
        "긍정         0.84  0.01  0.15   100",
        "부정         0.01  0.92  0.07   100",
        "중립         0.20  0.09  0.71   100"]
    wide = confusion_table(torch.tensor([[3, 0], [1, 1996]]), ["sports", "정치"])
    assert wide.splitlines() == ["정답 \\ 예측  sports  정치  개수",
                                 "sports            3     0     3",
                                 "정치              1  1996  1997"]
    with pytest.raises(ValueError, match="one name per label"):
        confusion_table(MATRIX, NAMES[:2])


def test_the_plot_has_label_names_counts_and_a_fixed_size():
    figure = plot_confusion(MATRIX, NAMES)
    axes = figure.axes[0]
    assert [label.get_text() for label in axes.get_xticklabels()] == list(NAMES)
    assert [label.get_text() for label in axes.get_yticklabels()] == list(NAMES)
    assert "혼동 행렬" in axes.get_title() and "300" in axes.get_title()
    cell_texts = [text.get_text() for text in axes.texts]
    assert cell_texts[0] == "84\n(84%)" and cell_texts[5] == "7\n(7%)" and len(cell_texts) == 9
    assert tuple(figure.get_size_inches()) == FIGSIZE and figure.dpi == DPI
    png = figure_png(figure)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(png[16:20], "big") == int(FIGSIZE[0] * DPI)
    html = show_confusion(MATRIX, NAMES).data
    assert html.startswith('<div class="nlpbook-confusion"><img src="data:image/png;base64,')
    assert "긍정, 부정, 중립" in html and f'width="{int(FIGSIZE[0] * DPI)}"' in html


def test_predict_confusion_counts_what_predict_says():
    if not VOCAB.is_file():
        pytest.skip(f"{VOCAB} is not there")
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

    from nlpbook_helpers.training import predict

    tokenizer = BertTokenizer(str(VOCAB), do_lower_case=False)
    torch.manual_seed(0)
    model = BertForSequenceClassification(BertConfig(vocab_size=len(tokenizer), hidden_size=16, num_hidden_layers=1,
                                                     num_attention_heads=2, intermediate_size=32, num_labels=3))
    examples = [Example(str(i), text, i % 3) for i, text in enumerate(
        ["재밌다", "지루했다", "그냥 그랬다", "연기는 좋았지만 결말은 뻔했다", "최고의 영화", "시간 아깝다", "평범했다"])]
    matrix = predict_confusion(model, tokenizer, examples, max_seq_length=32)
    labels = [p.label for p in predict(model, tokenizer, [example.text for example in examples], 32)]
    assert matrix.tolist() == confusion_matrix(labels, [example.label for example in examples], 3).tolist()
    assert matrix.sum(dim=1).tolist() == [3, 2, 2]
