"""exercises.py: each checker says "not yet" (None) without leaking the answer, False for a wrong answer, True for the right one."""
import dataclasses
import math
import re

import pytest
import torch

from nlpbook_helpers import exercises as ex


@pytest.fixture(scope="module")
def stage(offline_home):
    """Arguments, corpus, tokenizer, dataset, loader and the pretrained tiny model of the offline preset."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NLPBOOK_HOME", str(offline_home))
        from nlpbook_helpers.corpus import load_corpus
        from nlpbook_helpers.data import NsmcDataset, make_dataloader
        from nlpbook_helpers.model import load_pretrained_model
        from nlpbook_helpers.settings import make_arguments
        from nlpbook_helpers.tokenizer import load_tokenizer

        args = make_arguments("offline")
        corpus = load_corpus(args)
        tokenizer = load_tokenizer(args)
        dataset = NsmcDataset(corpus.train[:500], tokenizer, args.max_seq_length)
        loader = make_dataloader(dataset, args, tokenizer, train=True)
        torch.manual_seed(args.seed)
        model = load_pretrained_model(args).eval()
        return dict(args=args, corpus=corpus, tokenizer=tokenizer, dataset=dataset, loader=loader, model=model)


def run(capsys, check, answer, *rest, **options):
    result = check(answer, *rest, **options)
    return result, capsys.readouterr().out


def three_ways(capsys, check, right, wrong, *rest, **options):
    """The placeholder, a wrong and the right answer: None without the answer in the text, False, True."""
    result, text = run(capsys, check, None, *rest, **options)
    assert result is None and "아직 답을 적지 않았습니다" in text and "힌트" in text
    if isinstance(right, int) and right > 1:        # small numbers (0, 1) also occur in the hint's wording
        assert not any(str(right) == number for number in re.findall(r"\d+", text)), text
    result, text = run(capsys, check, wrong, *rest, **options)
    assert result is False and "아직 아닙니다" in text and "힌트" in text, text
    result, text = run(capsys, check, right, *rest, **options)
    assert result is True and text.startswith("정답입니다"), text
    return text


def test_placeholder_ellipsis_and_wrong_types(capsys, stage):
    assert ex.check_longest_max_seq_length(..., stage["args"]) is None
    result, text = run(capsys, ex.check_longest_max_seq_length, "300", stage["args"])
    assert result is False and "정수로" in text
    result, text = run(capsys, ex.check_longest_max_seq_length, True, stage["args"])
    assert result is False


def test_a_wrong_number_gets_no_direction_to_bisect_by(capsys, stage):
    for wrong in (1, 299, 301, 10_000):
        result, text = run(capsys, ex.check_longest_max_seq_length, wrong, stage["args"])
        assert result is False and "큽니다" not in text and "작습니다" not in text, text


def test_01_quick_args(capsys, stage):
    goals = {"epochs": 3, "max_test_examples": 500}
    three_ways(capsys, ex.check_quick_args, goals, {"epochs": 3}, stage["args"], **goals)
    result, text = run(capsys, ex.check_quick_args, {**goals, "seed": 3}, stage["args"], **goals)
    assert result is False and "seed" in text
    result, text = run(capsys, ex.check_quick_args, {"epochs": 3}, stage["args"], **goals)
    assert "max_test_examples" in text and "epochs" not in text.split("힌트")[0]
    result, text = run(capsys, ex.check_quick_args, {"test_examples": 500}, stage["args"], **goals)
    assert result is False and "make_arguments가 이 값을 받지 않습니다" in text
    assert ex.check_quick_args([("epochs", 3)], stage["args"], **goals) is False


def test_01_longest_max_seq_length(capsys, stage):
    text = three_ways(capsys, ex.check_longest_max_seq_length, 300, 512, stage["args"])
    assert "위치 임베딩" in text
    assert ex.check_longest_max_seq_length(100, stage["args"], max_position_embeddings=100) is True


def test_02_word_label_count(capsys, stage):
    corpus = stage["corpus"]
    expected = sum("최악" in e.text and e.label == 1 for e in corpus.train)
    assert expected > 1
    three_ways(capsys, ex.check_word_label_count, expected, expected + 5, corpus)


def test_02_csv_rows(capsys):
    text = 'id\tdocument\tlabel\n1\t"최고\t1\n2\t재밌다\t1\n3\t별로"\t0\n4\t지루함\t0\n'
    _, said = run(capsys, ex.check_csv_rows, 4, text)
    assert "줄 수와 같게" in said
    three_ways(capsys, ex.check_csv_rows, 2, 4, text)


def test_03_classifier_parameters(capsys, stage):
    hidden = stage["model"].config.hidden_size
    _, text = run(capsys, ex.check_classifier_parameters, hidden * 3, stage["model"])
    assert "weight만" in text
    three_ways(capsys, ex.check_classifier_parameters, hidden * 3 + 3, hidden * 2 + 2, stage["model"])
    assert ex.check_classifier_parameters(hidden * 2 + 2, stage["model"], num_labels=2) is True


def test_03_new_parameters(capsys, stage):
    model = stage["model"]
    missing = ["bert.pooler.dense.bias", "bert.pooler.dense.weight", "classifier.bias", "classifier.weight"]
    pooler = sum(p.numel() for p in model.bert.pooler.parameters())
    head = sum(p.numel() for p in model.classifier.parameters())
    _, text = run(capsys, ex.check_new_parameters, head, model, missing)
    assert "분류기 헤드만" in text
    three_ways(capsys, ex.check_new_parameters, pooler + head, head, model, missing)
    assert ex.check_new_parameters(head, model, missing[2:]) is True      # a checkpoint that had its pooler


def test_04_truncated_tokens(capsys, stage):
    tokenizer, review = stage["tokenizer"], "처음부터 끝까지 정말 재밌다 " * 20
    _, text = run(capsys, ex.check_truncated_tokens, 16, tokenizer, review, max_seq_length=16)
    assert "[CLS]와 [SEP]까지" in text
    three_ways(capsys, ex.check_truncated_tokens, 14, 16, tokenizer, review, max_seq_length=16)
    assert ex.check_truncated_tokens(2, tokenizer, "재밌다 최고", max_seq_length=16) is True   # short: nothing cut


def test_04_token_count(capsys, stage):
    tokenizer, text = stage["tokenizer"], "재밌다😀 최고"
    three_ways(capsys, ex.check_token_count, len(tokenizer(text)["input_ids"]), 6, tokenizer, text)


def test_05_padded_length_and_pad_tokens(capsys, stage):
    dataset, tokenizer = stage["dataset"], stage["tokenizer"]
    indices = [0, 1, 2]
    lengths = [dataset.lengths[i] for i in indices]
    three_ways(capsys, ex.check_padded_length, max(lengths), min(lengths), dataset, tokenizer, indices)
    pads = 3 * 64 - sum(lengths)
    three_ways(capsys, ex.check_pad_tokens, pads, 3 * 64, dataset, tokenizer, indices, 64)


def test_06_warmup_and_total_steps(capsys, stage):
    args, loader = stage["args"], stage["loader"]
    total = len(loader) * 3
    _, text = run(capsys, ex.check_warmup_steps, total, args, loader, epochs=3)
    assert "전체 스텝을 적었습니다" in text
    three_ways(capsys, ex.check_warmup_steps, int(total * args.warmup_ratio), total, args, loader, epochs=3)
    dataset = stage["dataset"]                      # 500 instances
    right = math.ceil(len(dataset) / 16) * args.epochs
    _, text = run(capsys, ex.check_total_steps, len(dataset) // 16 * args.epochs, dataset, args, stage["tokenizer"], 16)
    assert "버림" in text
    three_ways(capsys, ex.check_total_steps, right, right + 1, dataset, args, stage["tokenizer"], 16)


def test_07_fooling_review(capsys, stage):
    from nlpbook_helpers.training import predict

    model, tokenizer, examples = stage["model"], stage["tokenizer"], stage["corpus"].test[:200]
    verdicts = predict(model, tokenizer, [example.text for example in examples], 64)
    wrong = next(e.text for e, p in zip(examples, verdicts) if p.label != e.label)   # the head is untrained yet
    right = next(e.text for e, p in zip(examples, verdicts) if p.label == e.label)
    text = three_ways(capsys, ex.check_fooling_review, wrong, right, model, tokenizer, 64, examples)
    assert "데이터의 레이블은" in text and "레이블 잡음" in text
    # the student cannot choose the label: an obviously positive review of their own, "labelled 0", is no answer
    result, text = run(capsys, ex.check_fooling_review, "최고의 영화 강추합니다 또 보고 싶어요", model, tokenizer, 64, examples)
    assert result is False and "테스트 데이터에 없습니다" in text
    result, text = run(capsys, ex.check_fooling_review, (wrong, 0), model, tokenizer, 64, examples)
    assert result is False and "문자열로" in text


def test_07_curve_epochs(capsys, stage):
    args = stage["args"]                              # batch_size 32: 300 labels → 10 batches an epoch
    curve = [{"model": m, "labels": n, "seed": 1, "steps": steps, "test_acc": 0.8}
             for m in ("a", "b") for n, steps in [(100, 60), (300, 60), (1000, 64)]]
    _, text = run(capsys, ex.check_curve_epochs, args.epochs, curve, args)
    assert "인자의 에포크 수" in text
    _, text = run(capsys, ex.check_curve_epochs, 7, curve, args)
    assert "버림" in text
    three_ways(capsys, ex.check_curve_epochs, 6, 5, curve, args)
    assert ex.check_curve_epochs(15, curve, args, labels=100) is True
    with pytest.raises(ValueError):
        ex.check_curve_epochs(6, curve, args, labels=6000)


def test_07_best_epoch(capsys):
    path = "$NLPBOOK_HOME/checkpoints/offline-nsmc/run_0/checkpoints/best-epoch1-0.1657.ckpt"
    _, text = run(capsys, ex.check_best_epoch, 1, path)
    assert "그대로" in text
    three_ways(capsys, ex.check_best_epoch, 2, 1, path)
    assert ex.check_best_epoch(3, "epoch=2-val_loss=0.17.ckpt") is True
    for path in ("last.ckpt", ""):             # no best checkpoint (fast_dev_run, checkpoints off): said, not raised
        result, text = run(capsys, ex.check_best_epoch, 1, path)
        assert result is None and "에포크 번호가 없어" in text and "best_model_path" in text


def test_08_label_id_and_correct_count(capsys):
    @dataclasses.dataclass
    class Corpus:
        label_names: tuple
    corpus = Corpus(("긍정", "부정", "중립"))
    three_ways(capsys, ex.check_label_id, 2, 0, corpus)
    _, text = run(capsys, ex.check_label_id, 2, corpus, added=("매우 긍정",))
    assert "지금 말뭉치의 아이디" in text        # 긍정, 매우 긍정, 부정, 중립: 중립 moves from 2 to 3
    three_ways(capsys, ex.check_label_id, 3, 1, corpus, added=("매우 긍정",))
    matrix = torch.tensor([[83, 1, 16], [1, 92, 7], [22, 12, 66]])
    _, text = run(capsys, ex.check_correct_count, 100, matrix, corpus.label_names)
    assert "행 전체" in text
    three_ways(capsys, ex.check_correct_count, 66, 22, matrix, corpus.label_names)
    assert ex.check_correct_count(92, matrix, corpus.label_names, name="부정") is True


def test_09_segment_tokens(capsys, stage):
    tokenizer = stage["tokenizer"]
    premise, hypothesis = "이 영화는 감독이 연출했다.", "배우들 연기가 최고였고 스토리도 재밌어요"
    right = len(tokenizer.tokenize(hypothesis)) + 1             # the hypothesis' tokens and the last [SEP]
    assert right == sum(tokenizer(premise, hypothesis)["token_type_ids"])
    _, text = run(capsys, ex.check_segment_tokens, right - 1, tokenizer, premise, hypothesis)
    assert "맨 끝의 [SEP]" in text
    _, text = run(capsys, ex.check_segment_tokens, right + 1, tokenizer, premise, hypothesis)
    assert "가운데 [SEP]" in text
    three_ways(capsys, ex.check_segment_tokens, right, right + 3, tokenizer, premise, hypothesis)


def test_09_pair_label(capsys):
    from nlpbook_helpers.corpus import Example

    names = ("함의", "중립", "모순")
    example = Example("1", "전제", 2)           # anything with a label: the checker reads only example.label
    three_ways(capsys, ex.check_pair_label, "모순", "함의", example, names)
    assert ex.check_pair_label(2, example, names) is True
    result, text = run(capsys, ex.check_pair_label, "contradiction", example, names)
    assert result is False and "레이블 이름" in text
    assert ex.check_pair_label(True, example, names) is False


def test_09_truncated_premise(capsys, stage):
    tokenizer = stage["tokenizer"]
    premise, hypothesis = "영화 " * 30, "배우들 연기가 최고였다"
    short = len(tokenizer.tokenize(hypothesis))
    right = 20 - 3 - short                      # the short hypothesis stays whole, the long premise is cut
    _, text = run(capsys, ex.check_truncated_premise, right + 1, tokenizer, premise, hypothesis, 20)
    assert "[SEP]가 두 번" in text
    three_ways(capsys, ex.check_truncated_premise, right, right + 3, tokenizer, premise, hypothesis, 20)


def test_10_bio_labels_and_ignored_count(capsys):
    from transformers import BertTokenizer

    from nlpbook_helpers.ner_corpus import BOOK_TAGS, bio_names, strip_marks
    from nlpbook_helpers.ner_data import make_ner_collate, NerDataset

    pieces = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "이", "##서", "##아", "##가", "부산", "##에", "왔다"]
    tokenizer = BertTokenizer(vocab={piece: i for i, piece in enumerate(pieces)}, do_lower_case=False)
    names, example = bio_names(BOOK_TAGS), strip_marks("<이서아:PER>가 <부산:LOC>에 왔다")
    right = ["B-PER", "I-PER", "I-PER", "O", "B-LOC", "O", "O"]      # 이 ##서 ##아 ##가 부산 ##에 왔다
    three_ways(capsys, ex.check_bio_labels, right, ["B-PER"] * 7, tokenizer, example, names)
    result, text = run(capsys, ex.check_bio_labels, ["O", *right, "O"], tokenizer, example, names)
    assert result is False and "[CLS]와 [SEP]까지" in text
    result, text = run(capsys, ex.check_bio_labels, right[:3] + ["I-PER"] + right[4:], tokenizer, example, names)
    assert result is False and "1곳이 다릅니다(처음은 4번째" in text
    dataset = NerDataset([example, strip_marks("왔다")], tokenizer, 16, names)
    batch = make_ner_collate(tokenizer)([dataset[0], dataset[1]])     # 9 and 3 tokens: 6 pads
    _, text = run(capsys, ex.check_ignored_count, 6, batch)
    assert "패딩 자리만 셌습니다" in text
    three_ways(capsys, ex.check_ignored_count, 10, 7, batch)
