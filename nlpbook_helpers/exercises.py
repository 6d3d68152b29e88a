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
           "check_classifier_parameters", "check_mask_token_id", "check_truncated_tokens", "check_token_count",
           "check_padded_length", "check_pad_tokens", "check_warmup_steps", "check_total_steps",
           "check_fooling_review", "check_best_epoch", "check_label_id", "check_correct_count"]


def _judge(answer, expected, hint: str, why: str, kind=int, near: dict | None = None) -> bool | None:
    """Print the feedback for `answer` against `expected`; `near` maps a typical wrong answer to its own hint."""
    if answer is None or answer is ...:
        print(f"아직 답을 적지 않았습니다. 힌트: {hint}")
        return None
    if kind is int and (isinstance(answer, bool) or not isinstance(answer, int)):
        print(f"정수로 적어 주세요 (지금은 {type(answer).__name__}). 힌트: {hint}")
        return False
    if answer == expected:
        print(f"정답입니다. {why}")
        return True
    off = ""
    if kind is int:
        off = "답이 너무 큽니다. " if answer > expected else "답이 너무 작습니다. "
    print(f"아직 아닙니다. {off}{(near or {}).get(answer, '')}힌트: {hint}")
    return False


# --- 01_settings: "필드 바꾸기", "검증: 잘못된 값은 시작하기 전에 잡습니다" ------------------------------------------

def check_quick_args(answer, args, epochs: int = 1, batch_size: int = 16) -> bool | None:
    """answer: the keyword arguments (a dict) for make_arguments giving `epochs` epochs of batches of `batch_size`."""
    from .settings import ArgumentsError, make_arguments

    hint = "make_arguments(PRESET, 필드=값, ...)에 넘길 키워드를 사전으로 적습니다: {'필드': 값, ...}. 필드 이름은 '필드 바꾸기'의 셀에 있습니다."
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
    wrong = [f"{what}가 아직 {value}입니다" for what, value, goal in
             [("에포크 수", changed.epochs, epochs), ("배치 크기", changed.batch_size, batch_size)] if value != goal]
    extra = [field.name for field in dataclasses.fields(base) if field.name not in ("epochs", "batch_size")
             and getattr(changed, field.name) != getattr(base, field.name)]
    if wrong or extra:
        problems = wrong + [f"바꾸지 않아도 되는 필드도 바꿨습니다: {', '.join(extra)}"] * bool(extra)
        print(f"아직 아닙니다. {'; '.join(problems)}. 힌트: {hint}")
        return False
    print("정답입니다. 프리셋의 다른 값은 그대로 두고 두 필드만 바꿨고, make_arguments가 검증까지 마쳤습니다.")
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
    return _judge(answer, expected, "위치 임베딩 하나가 토큰의 자리 하나입니다. max_seq_length=512의 오류 메시지를 읽어 보세요.",
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


def check_mask_token_id(answer, tokenizer) -> bool | None:
    """answer: the id of [MASK] in this vocabulary."""
    return _judge(answer, tokenizer.mask_token_id, "가짜 배치를 만들 때 무작위로 뽑지 않은 특수 토큰 다섯 개의 순서를 보세요.",
                  "[MASK]는 특수 토큰이라 어휘 집합의 맨 앞쪽에 있습니다. 마스크 언어 모델은 가린 자리에 이 아이디를 넣고 원래 토큰을 맞힙니다.")


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

def check_fooling_review(answer, model, tokenizer, max_seq_length: int) -> bool | None:
    """answer: (review, true label); right when the model predicts another label than the student says is true."""
    from .training import label_names, predict

    names = label_names(model)
    hint = (f"answer = (\"리뷰\", 정답 레이블)처럼 적습니다. 레이블은 {', '.join(f'{i}({n})' for i, n in names.items())} 가운데 "
            "하나입니다. 반어법, 감정 단어 없는 평가, 앞뒤가 엇갈리는 리뷰가 모델을 헷갈리게 하기 쉽습니다.")
    if answer is None or answer is ...:
        return _judge(None, None, hint, "")
    text, label = answer if isinstance(answer, tuple) and len(answer) == 2 else (None, None)
    label = {name: i for i, name in names.items()}.get(label, label)
    if not isinstance(text, str) or not text.strip() or label not in names:
        print(f"(리뷰, 레이블) 두 개로 적어 주세요. 힌트: {hint}")
        return False
    predicted = predict(model, tokenizer, [text], max_seq_length)[0].label   # in eval mode, and back
    if predicted == label:
        print(f"아직 아닙니다. 모델도 이 리뷰를 {names[predicted]}(으)로 맞혔습니다. 힌트: {hint}")
        return False
    print(f"정답입니다. 여러분은 {names[label]}, 모델은 {names[predicted]}(이)라고 했습니다. "
          "모델은 학습 데이터에서 본 표현의 짝을 배웠을 뿐이라, 그 짝을 벗어난 리뷰에서 틀립니다.")
    return True


def check_best_epoch(answer, checkpoint_path) -> bool | None:
    """answer: in which epoch, counted from 1, the best checkpoint `checkpoint_path` (best-epoch<N>-…) was saved."""
    found = re.search(r"epoch=?(\d+)", str(checkpoint_path).replace("\\", "/").rsplit("/", 1)[-1])
    if found is None:
        raise ValueError(f"no epoch number in the checkpoint name {checkpoint_path!r}")
    lightning = int(found.group(1))
    return _judge(answer, lightning + 1, "파일 이름의 숫자는 Lightning이 센 에포크이고, Lightning은 에포크를 0부터 셉니다.",
                  "Lightning의 epoch 번호에 1을 더하면 1부터 센 에포크가 됩니다.",
                  near={lightning: "파일 이름의 숫자를 그대로 적었습니다. "})


# --- 08_own_data: "인자: corpus_source='files'", "혼동 행렬: 무엇을 무엇과 헷갈리나" ----------------------------------

def check_label_id(answer, corpus, name: str = "중립") -> bool | None:
    """answer: the label id that `name` gets in this corpus."""
    return _judge(answer, corpus.label_names.index(name), "레이블이 정수가 아니면 아이디는 레이블 이름의 정렬 순서입니다. 파일의 줄 순서와는 상관없습니다.",
                  "이름을 정렬한 순서로 0부터 번호를 매기므로, 파일을 섞어도 같은 아이디가 나옵니다.")


def check_correct_count(answer, matrix, label_names, name: str = "중립") -> bool | None:
    """answer: how many test instances of label `name` the model predicted as `name` (a diagonal cell)."""
    i = list(label_names).index(name)
    expected = int(matrix[i, i])
    row = int(matrix[i].sum())
    return _judge(answer, expected,
                  f"행은 정답, 열은 예측입니다. '{name}' 행에서 '{name}' 열의 칸을 보세요 (normalize=True 표라면 비율 × 그 행의 개수).",
                  f"대각선의 칸이 맞힌 것입니다. 행의 나머지 칸은 '{name}' 리뷰를 다른 레이블로 읽은 것입니다.",
                  near={row: "행 전체의 개수입니다. "} if row != expected else None)
