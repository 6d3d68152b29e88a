"""Notebook 01 view: the seven stages of the book's pipeline at a glance, which notebook and module do each, and
where the book's other tasks fit (a static HTML figure with a plain-text twin)."""
from __future__ import annotations

import html

from .twin import TextHTML

__all__ = ["STAGES", "TASKS", "show_pipeline"]

# (number, stage, English, what it does, notebook, module)
STAGES = [
    (1, "인자", "arguments", "모델, 말뭉치, 배치 크기와 학습률, 저장 위치를 데이터클래스 하나에 모으고 검사합니다", "01", "settings.py"),
    (2, "말뭉치", "corpus", "NSMC(또는 내장 말뭉치)를 준비하고 리뷰와 레이블을 읽습니다", "02", "corpus.py"),
    (3, "프리트레인 모델", "pretrained model", "프리트레인을 마친 BERT를 불러오고, 레이블마다 점수를 내는 출력을 새로 붙입니다",
     "03", "model.py"),
    (4, "토크나이저", "tokenizer", "리뷰를 토큰으로 나누고 토큰마다 번호를 붙입니다", "04", "tokenizer.py"),
    (5, "데이터 로더", "data loader", "리뷰를 숫자로 바꾸고 배치로 묶어 모델에 차례로 넣어 줍니다", "05", "data.py"),
    (6, "태스크", "task", "모델, 손실, 최적화 방법(학습률을 언제 얼마로 할지까지)을 하나로 묶습니다", "06", "task.py"),
    (7, "학습", "training", "학습 데이터를 여러 번 돌며 파라미터를 고치고, 체크포인트를 남기고, 처음 보는 리뷰로 평가합니다", "07", "training.py"),
]

# (task, English, where, what changes against document classification)
TASKS = [
    ("문서 분류", "document classification", "노트북 01–08 (지금 여기)",
     "리뷰 하나에 레이블 하나. 08은 2단계만 바꿔 내 CSV 파일로 같은 일곱 단계를 돌립니다"),
    ("문장 쌍 분류", "sentence pair classification", "노트북 09",
     "문장 두 개를 함께 넣습니다: 2단계의 말뭉치와 4~5단계의 입력이 바뀝니다"),
    ("개체명 인식", "named entity recognition", "노트북 10",
     "레이블이 토큰마다 하나씩 붙습니다: 5단계가 글자 위치의 개체를 서브워드마다 BIO 레이블로 바꿉니다"),
    ("문장 생성", "sentence generation", "노트북 11",
     "모델이 다음 토큰을 하나씩 이어 씁니다 (BERT 대신 GPT 계열): 3·4단계의 모델과 토크나이저가 바뀝니다"),
    ("질의응답", "question answering", "노트북 12",
     "답은 주어진 글 안의 한 구간(시작과 끝 자리)입니다: 긴 글을 여러 창으로 나눠 읽습니다"),
    ("문서 검색", "document search", "노트북 13",
     "질문과 문서를 같은 모델로 벡터로 바꿔, 질문에 가장 가까운 문서를 찾습니다"),
]

_BOX = ("display:inline-block;vertical-align:top;width:118px;margin:0 2px;padding:6px;border:1px solid #7a9cc6;"
        "border-radius:6px;background:#eef4fb;font-size:12px;text-align:center")
_ARROW = "display:inline-block;vertical-align:top;margin-top:22px;color:#7a9cc6;font-weight:bold"
_CELL = "padding:2px 8px;border:1px solid #ddd;text-align:left;font-size:12px"


def _stages_html() -> str:
    boxes = []
    for number, stage, english, what, notebook, module in STAGES:
        boxes.append(f'<div class="nlpbook-stage" data-stage="{number}" style="{_BOX}"><b>{number}. {stage}</b><br>'
                     f'<span style="color:#555">{english}</span><br>노트북 {notebook}<br><code>{module}</code>'
                     f'<div style="margin-top:4px;color:#333;text-align:left">{html.escape(what)}</div></div>')
    return f'<span style="{_ARROW}">→</span>'.join(boxes)


def _tasks_html() -> str:
    rows = "".join(f'<tr><td style="{_CELL}"><b>{task}</b> ({english})</td><td style="{_CELL}">{where}</td>'
                   f'<td style="{_CELL}">{html.escape(change)}</td></tr>' for task, english, where, change in TASKS)
    return (f'<table style="border-collapse:collapse;margin-top:10px"><tr><th style="{_CELL}">책의 태스크</th>'
            f'<th style="{_CELL}">이 시리즈에서</th><th style="{_CELL}">문서 분류와 다른 점</th></tr>{rows}</table>')


def _text() -> str:
    lines = ["파이프라인: " + " → ".join(f"{number}. {stage}" for number, stage, *_ in STAGES)]
    lines += [f"  {number}. {stage} ({english}, 노트북 {notebook}, {module}): {what}"
              for number, stage, english, what, notebook, module in STAGES]
    lines.append("같은 일곱 단계로 푸는 책의 태스크:")
    lines += [f"  {task} ({english}): {where}. {change}" for task, english, where, change in TASKS]
    return "\n".join(lines)


def show_pipeline() -> TextHTML:
    """The pipeline figure of notebook 01 ("한눈에 보기"): seven stage boxes in order, then the book's tasks."""
    markup = (f'<div class="nlpbook-pipeline" style="white-space:nowrap;overflow-x:auto">{_stages_html()}</div>'
              f'<div class="nlpbook-tasks">{_tasks_html()}</div>')
    return TextHTML(markup, _text())
