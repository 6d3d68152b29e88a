"""The checkers of the "직접 해 보기" sections: one `check_…(answer, …)` per task, grouped by notebook.

Each computes the expected value from the real objects it is given (arguments, corpus, tokenizer, model, loader),
prints Korean feedback and returns None (no answer yet), False (wrong) or True (right). Feedback never shows the answer.
"""
from __future__ import annotations

import csv
import dataclasses
import io
import re

__all__ = ["check_quick_args", "check_longest_max_seq_length", "check_word_label_count", "check_csv_rows",
           "check_classifier_parameters", "check_new_parameters", "check_truncated_tokens", "check_token_count",
           "check_padded_length", "check_pad_tokens", "check_warmup_steps", "check_total_steps",
           "check_fooling_review", "check_best_epoch", "check_curve_epochs", "check_label_id", "check_correct_count",
           "check_segment_tokens", "check_pair_label", "check_truncated_premise",
           "check_bio_labels", "check_ignored_count", "check_loss_positions", "check_greedy_token",
           "check_nucleus_size", "check_window_count", "check_char_f1", "check_masked_cells", "check_search_rank"]


def _scalar(value):
    """A numpy scalar or a 0-d tensor as the Python number it holds (np.int64(3) → 3); anything else as it is."""
    return value.item() if getattr(value, "ndim", None) == 0 and callable(getattr(value, "item", None)) else value


def _judge(answer, expected, hint: str, why: str, kind=int, near: dict | None = None) -> bool | None:
    """Print the feedback for `answer` against `expected`; `near` maps a typical wrong answer to its own hint."""
    answer = _scalar(answer)
    if answer is None or answer is ...:
        print(f"아직 답을 적지 않았습니다. 힌트: {hint}")
        return None
    if kind is int and (isinstance(answer, bool) or not isinstance(answer, int)):
        print(f"정수로 적어 주세요 (지금은 {type(answer).__name__}). 힌트: {hint}")
        return False
    if answer == expected:
        print(f"정답입니다. {why}")
        return True
    print(f"아직 아닙니다. {(near or {}).get(answer, '')}힌트: {hint}")     # no "too big / too small": no bisecting
    return False


# --- 01_settings: "필드 바꾸기", "검증: 잘못된 값은 시작하기 전에 잡습니다" ------------------------------------------

def check_quick_args(answer, args, **goals) -> bool | None:
    """answer: the keyword arguments (a dict) for make_arguments that set the fields of `goals` (field=value) and
    leave every other field at the preset's value."""
    from .settings import ArgumentsError, make_arguments

    hint = ("make_arguments(PRESET, 필드=값, ...)에 넘길 키워드를 사전으로 적습니다: {'필드': 값, ...}. 필드 이름은 "
            "'두 프리셋 나란히 보기'의 두 셀(값이 다른 필드, 같은 필드)에 모두 있습니다.")
    if answer is None or answer is ...:
        return _judge(None, None, hint, "")
    if not isinstance(answer, dict):
        print(f"사전(dict)으로 적어 주세요 (지금은 {type(answer).__name__}). 힌트: {hint}")
        return False
    try:
        changed = make_arguments(args.preset, **answer)
    except ArgumentsError as error:
        print(f"make_arguments가 이 값을 받지 않습니다: {error}\n힌트: {hint}")
        return False
    base = make_arguments(args.preset)
    wrong = [f"{name}이(가) 아직 {getattr(changed, name)!r}입니다" for name, goal in goals.items()
             if getattr(changed, name) != goal]
    wrong = wrong if len(wrong) < len(goals) else ["바꿔야 할 필드가 하나도 바뀌지 않았습니다"]
    extra = [field.name for field in dataclasses.fields(base) if field.name not in goals
             and getattr(changed, field.name) != getattr(base, field.name)]
    if wrong or extra:
        problems = wrong + [f"바꾸지 않아도 되는 필드도 바꿨습니다: {', '.join(extra)}"] * bool(extra)
        print(f"아직 아닙니다. {'; '.join(problems)}. 힌트: {hint}")
        return False
    print("정답입니다. 프리셋의 다른 값은 그대로 두고 필요한 필드만 바꿨고, make_arguments가 검증까지 마쳤습니다.")
    return True


def check_longest_max_seq_length(answer, args, max_position_embeddings: int = 300) -> bool | None:
    """answer: the largest max_seq_length that passes validate(max_position_embeddings=...)."""
    from .settings import ArgumentsError

    def passes(n):
        try:
            dataclasses.replace(args, max_seq_length=n).validate(max_position_embeddings=max_position_embeddings)
            return True
        except ArgumentsError:
            return False

    expected = next(n for n in range(max_position_embeddings * 2, 0, -1) if passes(n))
    return _judge(answer, expected, "위치 임베딩 하나가 토큰의 자리 하나입니다. 모델의 위치 임베딩 수는 프리셋의 tiny_model에 있습니다.",
                  "토큰의 자리마다 위치 임베딩이 하나씩 필요하므로, 위치 임베딩의 개수까지가 모델이 받을 수 있는 길이입니다.")


# --- 02_corpus: "레이블 균형", "따옴표 하나가 리뷰를 삼키는 문제" ------------------------------------------------------

def check_word_label_count(answer, corpus, word: str = "최악", label: int = 1) -> bool | None:
    """answer: how many training reviews contain `word` and have `label`."""
    expected = sum(word in example.text and example.label == label for example in corpus.train)
    return _judge(answer, expected,
                  f"corpus.train에서 '{word}' in example.text이고 example.label == {label}인 인스턴스를 세어 보세요.",
                  "단어 하나로 레이블이 정해지지 않습니다. 반어법이나 앞뒤가 엇갈리는 리뷰가 있어서, 모델은 문장 전체를 보아야 합니다.")


def check_csv_rows(answer, text: str) -> bool | None:
    """answer: how many reviews (rows after the header) the book's csv.reader reads from `text`."""
    expected = len(list(csv.reader(io.StringIO(text), delimiter="\t", quotechar='"'))) - 1
    lines = text.count("\n") - 1
    return _judge(answer, expected, "칸이 \"로 시작하면 csv.reader는 다음 \"가 나올 때까지를 줄바꿈까지 포함해 한 칸으로 읽습니다.",
                  "따옴표로 시작한 칸이 다음 따옴표까지 줄 여러 개를 삼켰습니다. 오류도 경고도 없이 리뷰가 줄어듭니다.",
                  near={lines: "파일의 줄 수와 같게 적었습니다. 따옴표로 시작하는 칸을 다시 보세요. "})


# --- 03_pretrained_model: "블록별 파라미터 수", "가짜 배치 넣어 보기" -------------------------------------------------

def check_classifier_parameters(answer, model, num_labels: int = 3) -> bool | None:
    """answer: the number of parameters of a classifier head with `num_labels` outputs on this model."""
    import torch

    expected = sum(p.numel() for p in torch.nn.Linear(model.classifier.in_features, num_labels).parameters())
    weight_only = model.classifier.in_features * num_labels
    return _judge(answer, expected, "분류기 헤드는 Linear 층입니다: weight의 모양은 (레이블 수, 히든 크기), bias는 레이블마다 하나.",
                  "weight는 히든 크기 × 레이블 수, bias는 레이블 수만큼이라 레이블이 늘면 헤드도 그만큼 커집니다.",
                  near={weight_only: "weight만 셌습니다. "})


def check_new_parameters(answer, model, missing_keys) -> bool | None:
    """answer: how many parameters of `model` fine-tuning learns from scratch (those in `missing_keys`)."""
    new = {name for name in missing_keys}
    expected = sum(p.numel() for name, p in model.named_parameters() if name in new)
    classifier = sum(p.numel() for p in model.classifier.parameters())
    near = {classifier: "분류기 헤드만 셌습니다. missing_keys에 무엇이 더 있는지 보세요. ",
            sum(p.numel() for p in model.parameters()): "모델 전체의 파라미터 수입니다. "}
    return _judge(answer, expected, "missing_keys에 나온 가중치가 어느 블록에 속하는지 보고, '블록별 파라미터 수' 표에서 그 블록들의 수를 더하세요.",
                  "체크포인트에 없던 가중치(missing_keys)만 무작위로 시작하고, 나머지는 프리트레인한 값에서 출발합니다.",
                  near=near if classifier != expected else None)


# --- 04_tokenizer: "리뷰는 몇 토큰일까, 그리고 자르기", "어휘 집합에 없으면 [UNK]" -------------------------------------

def check_truncated_tokens(answer, tokenizer, text: str, max_seq_length: int = 16) -> bool | None:
    """answer: how many tokens of the review itself (without [CLS]/[SEP]) survive truncation to `max_seq_length`."""
    ids = tokenizer(text, truncation=True, max_length=max_seq_length)["input_ids"]
    expected = len([i for i in ids if i not in tokenizer.all_special_ids])
    return _judge(answer, expected, "잘라도 맨 앞의 [CLS]와 맨 뒤의 [SEP]는 남습니다. 그 둘도 max_seq_length의 자리를 차지합니다.",
                  "max_seq_length에서 [CLS]와 [SEP]의 두 자리를 빼면 리뷰의 토큰이 남을 자리입니다.",
                  near={max_seq_length: "[CLS]와 [SEP]까지 센 수입니다. "})


def check_token_count(answer, tokenizer, text: str) -> bool | None:
    """answer: how many tokens tokenizer(text) gives, [CLS] and [SEP] included."""
    expected = len(tokenizer(text)["input_ids"])
    return _judge(answer, expected, "워드피스는 어절 단위로 일합니다. 어휘 집합에 없는 글자가 붙은 어절은 통째로 [UNK] 하나가 됩니다.",
                  "이모지가 붙은 어절 전체가 [UNK] 하나가 되었고, 앞뒤에 [CLS]와 [SEP]가 붙습니다.")


# --- 05_data_loader: "컬레이트(collate): 피처 여러 개 → 배치 텐서" -----------------------------------------------------

def check_padded_length(answer, dataset, tokenizer, indices) -> bool | None:
    """answer: the length (columns) of the batch of dataset[indices] after dynamic padding."""
    from .data import make_collate

    batch = make_collate(tokenizer, "dynamic")([dataset[i] for i in indices])
    return _judge(answer, batch["input_ids"].shape[1],
                  "동적 패딩은 배치에서 가장 긴 인스턴스의 길이까지 채웁니다. dataset.lengths에서 그 인스턴스들의 길이를 보세요.",
                  "동적 패딩의 배치 길이는 배치에서 가장 긴 인스턴스의 토큰 수([CLS], [SEP] 포함)입니다.")


def check_pad_tokens(answer, dataset, tokenizer, indices, max_seq_length: int) -> bool | None:
    """answer: how many [PAD] tokens the batch of dataset[indices] holds when padded to max_seq_length."""
    from .data import make_collate

    batch = make_collate(tokenizer, "max_length", max_seq_length)([dataset[i] for i in indices])
    expected = int((batch["attention_mask"] == 0).sum())
    return _judge(answer, expected, "계산 토큰 = 인스턴스 수 × max_seq_length, 그 가운데 실제 토큰을 뺀 나머지가 패딩입니다.",
                  "max_seq_length까지 채우면 짧은 인스턴스일수록 패딩이 많아지고, 모델은 그 자리도 똑같이 계산합니다.")


# --- 06_task: "학습률 스케줄러: 워밍업 뒤 선형 감소" -------------------------------------------------------------------

def check_warmup_steps(answer, args, loader, epochs: int) -> bool | None:
    """answer: the warmup steps of the schedule for `epochs` epochs over `loader` (the step where the rate peaks)."""
    from .views.schedule import lr_schedule

    rates = lr_schedule(dataclasses.replace(args, epochs=epochs), len(loader) * epochs)
    expected = rates.index(max(rates))
    return _judge(answer, expected, "전체 스텝 = 에포크당 배치 수 × 에포크 수, 워밍업은 그 가운데 warmup_ratio만큼입니다 (소수점 아래는 버림).",
                  "에포크를 늘리면 전체 스텝이 늘고, 워밍업은 전체의 warmup_ratio라서 함께 늘어납니다.",
                  near={len(loader) * epochs: "전체 스텝을 적었습니다. "})


def check_total_steps(answer, dataset, args, tokenizer, batch_size: int) -> bool | None:
    """answer: the total training steps with `batch_size` (and args.epochs), as the trainer counts them."""
    from .data import make_dataloader

    loader = make_dataloader(dataset, dataclasses.replace(args, batch_size=batch_size), tokenizer, train=True)
    expected = len(loader) * args.epochs
    rounded_down = len(dataset) // batch_size * args.epochs
    return _judge(answer, expected, "스텝 하나가 배치 하나입니다. 인스턴스 수를 배치 크기로 나누고(마지막 작은 배치도 씁니다) 에포크 수를 곱하세요.",
                  "drop_last=False라서 마지막의 작은 배치도 스텝 하나이므로, 에포크당 배치 수는 나눗셈을 올림한 값입니다.",
                  near={rounded_down: "나눗셈을 버림했습니다. 마지막 작은 배치도 씁니다. "} if rounded_down != expected else None)


# --- 07_training: "직접 쓴 리뷰로 예측하기", "학습: fit" --------------------------------------------------------------

def check_fooling_review(answer, model, tokenizer, max_seq_length: int, examples) -> bool | None:
    """answer: the text of a review in `examples` (the test split) whose label the model gets wrong.

    The label comes from the data, never from the student: a label the student chose could call any review
    "misjudged" (an obviously positive review said to be 부정). Right when the review is one of `examples` and the
    model predicts another label than the one it has there."""
    from .training import label_names, predict

    names = label_names(model)
    hint = ("answer = \"리뷰 본문\"처럼 테스트 데이터(corpus.test)에 있는 리뷰 하나를 그대로 적습니다. "
            "predict로 테스트 리뷰를 여러 개 판정해 example.label과 다른 것을 찾으세요.")
    if answer is None or answer is ...:
        return _judge(None, None, hint, "")
    if not isinstance(answer, str):
        print(f"리뷰 본문 하나를 문자열로 적어 주세요 (지금은 {type(answer).__name__}; 레이블은 데이터에 있으니 적지 않습니다). "
              f"힌트: {hint}")
        return False
    labels = {example.text: example.label for example in examples}
    if answer not in labels:
        print(f"아직 아닙니다. 이 리뷰는 테스트 데이터에 없습니다 (띄어쓰기까지 같아야 합니다). 힌트: {hint}")
        return False
    label, predicted = labels[answer], predict(model, tokenizer, [answer], max_seq_length)[0].label  # eval, and back
    if predicted == label:
        print(f"아직 아닙니다. 모델도 이 리뷰를 레이블대로 {names[predicted]}(으)로 맞혔습니다. 힌트: {hint}")
        return False
    print(f"정답입니다. 데이터의 레이블은 {names[label]}, 모델의 판정은 {names[predicted]}입니다. 리뷰를 읽어 보세요: "
          "모델이 반어법이나 엇갈린 문장에 속았을 수도 있고, 레이블이 틀렸을 수도 있습니다(레이블 잡음).")
    return True


def check_best_epoch(answer, checkpoint_path) -> bool | None:
    """answer: in which epoch, counted from 1, the best checkpoint `checkpoint_path` (best-epoch<N>-…) was saved."""
    found = re.search(r"epoch=?(\d+)", str(checkpoint_path).replace("\\", "/").rsplit("/", 1)[-1])
    if found is None:
        print(f"체크포인트 파일 이름에 에포크 번호가 없어 확인할 수 없습니다 ({str(checkpoint_path)!r}). 학습(fit)을 마친 "
              "트레이너의 trainer.checkpoint_callback.best_model_path를 넘기세요. fast_dev_run=True이거나 체크포인트를 "
              "끄면 최고 체크포인트가 없습니다.")
        return None
    lightning = int(found.group(1))
    return _judge(answer, lightning + 1, "파일 이름의 숫자는 Lightning이 센 에포크이고, Lightning은 에포크를 0부터 셉니다.",
                  "Lightning의 epoch 번호에 1을 더하면 1부터 센 에포크가 됩니다.",
                  near={lightning: "파일 이름의 숫자를 그대로 적었습니다. "})


def check_curve_epochs(answer, curve, args, labels: int = 300) -> bool | None:
    """answer: how many epochs label_curve trained on `labels` labeled reviews (the steps it took over the batches
    of `args.batch_size` such a subset makes)."""
    import math

    steps = {row["steps"] for row in curve if row["labels"] == labels}
    if len(steps) != 1:
        raise ValueError(f"the curve has {len(steps)} step counts for {labels} labels: give label_curve's rows "
                         f"with that size (sizes=[..., {labels}, ...])")
    expected = steps.pop() // math.ceil(labels / args.batch_size)
    near = {args.epochs: "인자의 에포크 수 그대로입니다. 적어도 몇 스텝이어야 했나요? ",
            math.ceil(expected * math.ceil(labels / args.batch_size) / (labels // args.batch_size)):
                "배치 수를 버림했습니다. 마지막 작은 배치도 스텝 하나입니다. "}
    return _judge(answer, expected, "에포크당 스텝 = 배치 수(마지막 작은 배치 포함), 에포크는 args.epochs와, 10절의 글이 말하는 최소 스텝 수를 채우는 에포크 수 가운데 큰 쪽입니다.",
                  "레이블이 적으면 에포크 하나가 몇 스텝 되지 않아서, 같은 리뷰를 여러 번 보게 해 스텝 수를 채웁니다.",
                  near={key: value for key, value in near.items() if key != expected})


# --- 08_own_data: "인자: corpus_source='files'", "혼동 행렬: 무엇을 무엇과 헷갈리나" ----------------------------------

def check_label_id(answer, corpus, name: str = "중립", added=()) -> bool | None:
    """answer: the label id that `name` gets in this corpus once labels `added` appear in its file too."""
    from .corpus import label_order

    expected = label_order([*corpus.label_names, *added]).index(name)
    near = {corpus.label_names.index(name): "지금 말뭉치의 아이디입니다. 레이블이 하나 늘면 정렬 순서가 어떻게 되나요? "}
    return _judge(answer, expected, "레이블이 정수가 아니면 아이디는 레이블 이름을 정렬한 순서입니다. 파일의 줄 순서와는 상관없습니다.",
                  "이름을 정렬한 순서로 0부터 번호를 매기므로, 레이블이 하나 늘면 그 뒤에 오는 이름의 아이디가 모두 밀립니다.",
                  near=near if near.keys() != {expected} else None)


def check_correct_count(answer, matrix, label_names, name: str = "중립") -> bool | None:
    """answer: how many test instances of label `name` the model predicted as `name` (a diagonal cell)."""
    i = list(label_names).index(name)
    expected = int(matrix[i, i])
    row = int(matrix[i].sum())
    return _judge(answer, expected,
                  f"행은 정답, 열은 예측입니다. '{name}' 행에서 '{name}' 열의 칸을 보세요 (normalize=True 표라면 비율 × 그 행의 개수).",
                  f"대각선의 칸이 맞힌 것입니다. 행의 나머지 칸은 '{name}' 리뷰를 다른 레이블로 읽은 것입니다.",
                  near={row: "행 전체의 개수입니다. "} if row != expected else None)


# --- 09_pair_classification: "4. 토크나이저: 두 문장을 한 줄로", "2. 말뭉치: KLUE-NLI 형식" ---------------------------

def check_segment_tokens(answer, tokenizer, premise: str, hypothesis: str) -> bool | None:
    """answer: how many tokens of tokenizer(premise, hypothesis) have token_type_id 1 (the second segment)."""
    encoded = tokenizer(premise, hypothesis)
    expected = sum(encoded["token_type_ids"])
    return _judge(answer, expected, "세그먼트 1은 가설의 토큰과 맨 끝의 [SEP]입니다. 가설만 토큰화해 보세요: "
                  "tokenizer.tokenize(가설).",
                  "token_type_ids가 1인 자리는 가설의 토큰들과 그 뒤의 [SEP] 하나입니다. [CLS]와 가운데 [SEP]는 전제 쪽(0)입니다.",
                  near={expected - 1: "가설의 토큰만 셌습니다. 맨 끝의 [SEP]는 어느 세그먼트일까요? ",
                        expected + 1: "가운데 [SEP]까지 셌습니다. 그 [SEP]는 전제 쪽(0)입니다. "})


def check_pair_label(answer, example, label_names) -> bool | None:
    """answer: the label (name or id) of the pair `example` (a PairExample), read from its premise and hypothesis."""
    names = list(label_names)
    hint = (f"레이블은 {', '.join(f'{i}({n})' for i, n in enumerate(names))} 가운데 하나입니다. 가설이 말하는 사실을 전제가 "
            "말하고 있는지부터 보세요: 말하고 그대로면 함의, 말하는데 다르면 모순, 말하지 않으면 중립입니다.")
    if answer is None or answer is ...:
        return _judge(None, None, hint, "")
    label = names.index(answer) if answer in names else answer
    if isinstance(label, bool) or label not in range(len(names)):
        print(f"레이블 이름({', '.join(names)})이나 아이디(0~{len(names) - 1})로 적어 주세요. 힌트: {hint}")
        return False
    if label == example.label:
        print("정답입니다. 레이블은 가설 혼자가 아니라 전제와 가설의 관계로 정해집니다. 같은 가설도 전제에 따라 함의, 중립, "
              "모순이 모두 될 수 있습니다.")
        return True
    print(f"아직 아닙니다. 힌트: {hint}")
    return False


def check_truncated_premise(answer, tokenizer, premise: str, hypothesis: str, max_seq_length: int) -> bool | None:
    """answer: how many premise tokens survive tokenizer(premise, hypothesis, truncation=True, max_length=...)."""
    ids = tokenizer(premise, hypothesis, truncation=True, max_length=max_seq_length)
    marks = {tokenizer.cls_token_id, tokenizer.sep_token_id}
    expected = sum(t == 0 and i not in marks for i, t in zip(ids["input_ids"], ids["token_type_ids"]))
    two_marks = max_seq_length - 2 - len(tokenizer.tokenize(hypothesis))     # [SEP] counted once
    return _judge(answer, expected, "특수 토큰 세 개([CLS], [SEP], [SEP])의 자리를 먼저 빼세요. 남은 자리에 맞을 때까지 "
                  "토크나이저는 두 문장 가운데 그때 더 긴 쪽에서 한 토큰씩 버립니다(truncation='longest_first').",
                  "두 문장을 합쳐 자를 때는 긴 쪽부터 한 토큰씩 버리므로, 짧은 가설은 그대로 남고 긴 전제가 잘립니다.",
                  near={two_marks: "특수 토큰을 두 개만 뺐습니다. 문장 쌍에는 [SEP]가 두 번 들어갑니다. "}
                  if two_marks != expected else None)


# --- 10_ner: "5. 데이터: 서브워드마다 BIO 레이블", "패딩 자리의 레이블" ----------------------------------------------

def check_bio_labels(answer, tokenizer, example, label_names, max_seq_length: int = 64) -> bool | None:
    """answer: the label names ("O", "B-PER", …) of the subwords of `example` (a NerExample), [CLS]/[SEP] left out."""
    from .ner_data import IGNORED, encode_sentences

    labels = encode_sentences([example], tokenizer, max_seq_length, label_names)["labels"][0]
    expected = [label_names[label] for label in labels if label != IGNORED]
    hint = ("tokenizer.tokenize(문장)으로 서브워드를 먼저 보세요. 개체와 글자가 겹치는 서브워드 가운데 첫째가 B-태그, 나머지가 "
            "I-태그이고, 개체와 겹치지 않으면 O입니다. 개체 뒤에 붙은 조사만 담은 서브워드는 O입니다.")
    if answer is None or answer is ...:
        return _judge(None, None, hint, "")
    if not isinstance(answer, (list, tuple)) or not all(isinstance(name, str) for name in answer):
        print(f"레이블 이름의 목록으로 적어 주세요. 예: [\"B-PER\", \"I-PER\", \"O\"]. 힌트: {hint}")
        return False
    if len(answer) != len(expected):
        near = "[CLS]와 [SEP]까지 적었나요? 그 자리는 -100이라 빼고 적습니다. " if len(answer) == len(expected) + 2 else ""
        print(f"아직 아닙니다. 서브워드는 {len(expected)}개인데 레이블이 {len(answer)}개입니다. {near}힌트: {hint}")
        return False
    wrong = [i for i, (a, e) in enumerate(zip(answer, expected)) if a != e]
    if not wrong:
        print("정답입니다. 레이블은 단어가 아니라 서브워드마다 붙고, 어느 서브워드가 개체인지는 offset_mapping(글자 위치)이 "
              "정합니다.")
        return True
    print(f"아직 아닙니다. {len(wrong)}곳이 다릅니다(처음은 {wrong[0] + 1}번째 서브워드). 힌트: {hint}")
    return False


def check_ignored_count(answer, batch) -> bool | None:
    """answer: how many positions of a collated NER batch have the label -100 (ignored by the loss)."""
    labels, mask = batch["labels"], batch["attention_mask"]
    expected = int((labels == -100).sum())
    padding = int((mask == 0).sum())
    return _judge(answer, expected, "-100은 손실과 지표가 건너뛰는 자리입니다. 인스턴스마다 [CLS]와 [SEP], 그리고 "
                  "컬레이트가 채운 패딩 자리를 세어 보세요(batch['attention_mask']가 0인 자리).",
                  "-100은 [CLS], [SEP], 패딩 자리에만 붙습니다. 책의 패키지처럼 이 자리에 진짜 레이블 아이디를 주면 모델이 패딩을 "
                  "맞히는 것까지 배우고 정확도가 부풀려집니다.",
                  near={padding: "패딩 자리만 셌습니다. [CLS]와 [SEP]의 레이블은 무엇이었나요? "})


# --- 11_generation: "5. 레이블은 입력 그 자체", "8. 디코딩" -----------------------------------------------------------

def check_loss_positions(answer, batch: dict, row: int) -> bool | None:
    """answer: at how many positions of row `row` of a causal-LM batch the loss is computed (labels shifted, -100 out)."""
    labels = batch["labels"][row]
    expected = int((labels[1:] != -100).sum())
    real = int((labels != -100).sum())
    return _judge(answer, expected, "위치 t는 t+1번째 토큰(labels[t+1])을 맞힙니다. 첫 토큰을 맞히는 위치는 없고, 레이블이 -100인 "
                  "자리(패딩)는 손실에서 빠집니다.",
                  "실제 토큰(</s> 포함)이 n개면 다음 토큰을 맞히는 자리는 n-1개입니다. 첫 토큰은 앞에 아무것도 없으니 맞힐 수 없습니다.",
                  near={real: "실제 토큰 수를 셌습니다. 모델이 레이블을 한 칸 밀면(shift) 몇 개가 남을까요? ",
                        int(labels.numel()): "패딩까지 셌습니다. -100인 자리는 손실에 들어가지 않습니다. "}
                  if real != expected else None)


def check_greedy_token(answer, model, tokenizer, prompt: str) -> bool | None:
    """answer: the text of the token greedy decoding writes right after `prompt`."""
    from .decoding import Decoding, generate_text

    expected = generate_text(model, tokenizer, prompt, Decoding(strategy="greedy", max_new_tokens=1))[len(prompt):]
    hint = "그리디(greedy)는 늘 확률이 가장 높은 토큰을 고릅니다. 막대그래프의 맨 위 토큰을 보세요 (공백도 토큰의 일부입니다)."
    if answer is None or answer is ...:
        return _judge(None, None, hint, "")
    if not isinstance(answer, str):
        print(f"토큰의 글자를 문자열로 적어 주세요 (예: ' 영화'). 힌트: {hint}")
        return False
    if answer == expected or (answer.strip() == expected.strip() and answer.strip()):
        print("정답입니다. 그리디 디코딩은 시드도 temperature도 상관없이 늘 같은 토큰을 고릅니다.")
        return True
    print(f"아직 아닙니다. 힌트: {hint}")
    return False


def check_nucleus_size(answer, model, tokenizer, prompt: str, top_p: float) -> bool | None:
    """answer: how many next tokens sampling may still pick after `prompt` with top_k=0 and this top_p."""
    from .decoding import Decoding, next_token_probabilities

    left = next_token_probabilities(model, tokenizer, prompt, Decoding(top_k=0, top_p=top_p), k=len(tokenizer))
    return _judge(answer, len(left), f"확률이 높은 토큰부터 더해 가다가 합이 top_p={top_p}에 이르면 멈춥니다. "
                  "next_token_probabilities(model, tokenizer, prompt, Decoding(top_k=0, top_p=...), k=50)을 보세요.",
                  "top-p(뉴클리어스) 샘플링은 확률 합이 top_p가 되는 가장 작은 토큰 집합에서만 뽑습니다. 모델이 확신할수록 "
                  "그 집합이 작아집니다.")


# --- 12_question_answering: "5. 데이터: 윈도와 스트라이드", "6. 태스크: EM과 F1" ------------------------------------------

def check_window_count(answer, tokenizer, example, max_seq_length: int, doc_stride: int) -> bool | None:
    """answer: into how many windows the question and context of `example` are cut at this max_seq_length/doc_stride."""
    from .qa_data import encode_windows

    expected = len(encode_windows([example], tokenizer, max_seq_length, doc_stride)["input_ids"])
    single = len(encode_windows([example], tokenizer, max_seq_length, 0)["input_ids"])
    return _judge(answer, expected, "윈도 하나에는 [CLS] 질문 [SEP] 지문 조각 [SEP]이 들어갑니다. 지문 토큰이 윈도마다 몇 개 "
                  "들어가는지 세고, 이웃한 윈도가 doc_stride개를 겹쳐 쓴다는 것을 잊지 마세요. show_windows로 확인할 수 있습니다.",
                  "겹치는 토큰 때문에 윈도가 겹치지 않을 때보다 많아질 수 있습니다. 겹침 덕분에 경계에 걸린 정답도 어느 한 윈도에는 "
                  "통째로 들어갑니다.",
                  near={single: "겹침(doc_stride) 없이 센 수입니다. 다음 윈도는 앞 윈도의 끝 토큰 몇 개부터 다시 시작하나요? "}
                  if single != expected else None)


def check_char_f1(answer, prediction: str, gold: str) -> bool | None:
    """answer: the character-level F1 (KorQuAD's) of `prediction` against `gold`, within 0.01."""
    from .qa_answers import char_f1

    expected = char_f1(prediction, [gold])
    hint = ("공백과 문장 부호를 뺀 글자로 셉니다. 겹치는 글자 수 / 예측의 글자 수가 정밀도, 겹치는 글자 수 / 정답의 글자 수가 "
            "재현율이고, F1 = 2 × 정밀도 × 재현율 / (정밀도 + 재현율)입니다.")
    answer = _scalar(answer)
    if answer is None or answer is ...:
        return _judge(None, None, hint, "")
    if isinstance(answer, bool) or not isinstance(answer, (int, float)):
        print(f"수로 적어 주세요 (지금은 {type(answer).__name__}). 힌트: {hint}")
        return False
    if abs(answer - expected) <= 0.01:
        print("정답입니다. 글자 단위 F1은 정답의 일부만 맞힌 답에도 점수를 줍니다. EM은 이 답에 0점입니다.")
        return True
    print(f"아직 아닙니다. 힌트: {hint}")
    return False
# ---- notebook 13: 문서 검색 -------------------------------------------------------------------------------------

def check_masked_cells(answer, batch: dict) -> bool | None:
    """answer: how many cells of the batch's in-batch similarity matrix the loss masks (the same document in
    another column)."""
    from .search_data import false_negatives

    expected = int(false_negatives(batch["doc_index"]).sum())
    return _judge(answer, expected, "batch['doc_index']에서 같은 번호가 몇 번 나오는지 세어 보세요. 같은 문서를 가진 두 "
                  "질문 i, j는 (i, j)와 (j, i) 두 칸을 가립니다. 대각선(자기 문서)은 가리지 않습니다.",
                  "같은 문서가 배치에 두 번 들면 그 칸은 정답인데 네거티브로 세어질 뻔했습니다(거짓 네거티브).")


def check_search_rank(answer, scores, right, row: int) -> bool | None:
    """answer: the rank (1 = first) of query `row`'s right document (`right[row]`) in the score matrix `scores`."""
    from .search_task import ranks_of

    expected = int(ranks_of(scores, right)[row])
    return _judge(answer, expected, f"scores[{row}]에서 정답 문서(열 {int(right[row])})의 점수보다 높은 점수가 몇 개인지 "
                  "세고 1을 더하세요.", f"그 질문의 역순위(reciprocal rank)는 1/{expected}이고, 그 평균이 MRR입니다.",
                  near={int(right[row]): "열 번호가 아니라 순위를 적습니다. "})
