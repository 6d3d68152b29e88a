"""The glossary docs/용어집.md gives each term one spelling and the notebook that introduces it.

Checked here: no retired spelling appears in the notebooks (markdown, code, stored outputs) or README.md, no term
appears in a notebook before the one that introduces it, and there the term's first cell writes it with its English
form in parentheses, e.g. "학습률(learning rate)". Spaces and line breaks count as one space, so a variant split over
two lines ("러닝\n레이트") is still found.
"""
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
GLOSSARY = ROOT / "docs" / "용어집.md"
README = ROOT / "README.md"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SHOWN_OUTPUTS = ("text/plain", "text/html", "text/markdown")


@dataclass
class Term:
    term: str
    english: str
    first: str            # "01" … "07"
    meaning: str
    retired: list


def flat(text):
    """All runs of spaces and line breaks as one space."""
    return " ".join(text.split())


def read_glossary(markdown):
    """The table rows of the glossary: term | English | first notebook | meaning | retired spellings."""
    terms = []
    for line in markdown.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if not line.startswith("|") or len(cells) != 5 or cells[0] in ("용어", "---"):
            continue
        term, english, first, meaning, retired = cells
        terms.append(Term(term=term.strip("`"), english=english, first=re.search(r"\d\d", first).group(),
                          meaning=meaning, retired=[] if retired == "—" else [r.strip() for r in retired.split(",")]))
    return terms


def cell_texts(notebook):
    """What a student reads in each cell: its source and its stored outputs, flattened."""
    texts = []
    for cell in notebook.cells:
        parts = [cell.source]
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            parts.extend(output.get("data", {}).get(kind, "") for kind in SHOWN_OUTPUTS)
        texts.append(flat("\n".join(parts)))
    return texts


def retired_found(documents, terms):
    """'document: variant → term' for every retired spelling found; documents maps a name to its texts."""
    return [f"{name}: {variant!r} → {term.term!r}"
            for name, texts in documents.items() for term in terms for variant in term.retired
            if any(variant in text for text in texts)]


def introduction_problems(notebooks, terms):
    """Terms used before their notebook, or not introduced with their English form there.

    notebooks maps "01" … "07" to the cell texts of that notebook."""
    problems = []
    for term in terms:
        early = [number for number, cells in notebooks.items()
                 if number < term.first and any(term.term in text for text in cells)]
        problems += [f"{term.term!r} appears in notebook {number}, before notebook {term.first} introduces it"
                     for number in early]
        cells = [text for text in notebooks.get(term.first, []) if term.term in text]
        if not cells:
            problems.append(f"{term.term!r} does not appear in notebook {term.first}, which should introduce it")
        elif term.english != term.term and not introduces(cells[0], term):
            problems.append(f"notebook {term.first}: the first cell with {term.term!r} should write it as "
                            f"'{term.term}({term.english})'")
    return problems


def introduces(text, term):
    """True when the text writes the term followed by parentheses that hold its English form."""
    def squeeze(s):
        return re.sub(r"[\s-]", "", s).lower()
    after = rf"{re.escape(term.term)}[`*]*\s*\(([^()]*)"
    return any(squeeze(term.english) in squeeze(match) for match in re.findall(after, text))


@pytest.fixture(scope="module")
def terms():
    return read_glossary(GLOSSARY.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def notebooks():
    return {path.name[:2]: cell_texts(nbformat.read(path, as_version=4)) for path in NOTEBOOKS}


def test_the_glossary_is_a_complete_table(terms):
    assert len(terms) >= 40
    assert len({term.term for term in terms}) == len(terms), "a term is listed twice"
    assert all(term.english and term.meaning for term in terms)
    assert {term.first for term in terms} <= {path.name[:2] for path in NOTEBOOKS}
    chosen = {term.term for term in terms}
    assert not [variant for term in terms for variant in term.retired if variant in chosen]


def test_the_issue_spellings_are_settled(terms):
    retired = {term.term: term.retired for term in terms}
    assert "러닝 레이트" in retired["학습률"]       # the book writes 학습률
    assert "콜레이트" in retired["컬레이트"]        # the book writes 컬레이트
    assert "에폭" in retired["에포크"]
    assert "도우미" in retired["헬퍼 함수"]


# The words a student's reading of the eight notebooks found used before they were explained (issue 26): each is
# in the glossary, so that test_each_term_is_introduced_in_its_notebook_and_not_before checks its first use.
EXPLAINED_TERMS = [
    "파라미터", "가중치", "벡터", "손실", "최적화", "파이프라인", "BERT", "데이터클래스", "허깅페이스 허브", "환경 변수", "로거",
    "파이토치 라이트닝", "정밀도", "정확도", "특수 토큰", "분류기 헤드", "레이블 잡음", "층", "히든 크기", "피드포워드", "편향",
    "Linear", "해시", "텐서", "교차 엔트로피", "검증 데이터", "weight decay", "규제", "이동 평균", "LambdaLR", "ExponentialLR",
    "torchmetrics", "TensorBoard", "혼합 정밀도", "로그 눈금", "id2label",
]


def test_the_words_students_met_unexplained_are_in_the_glossary(terms):
    listed = {term.term for term in terms}
    assert [word for word in EXPLAINED_TERMS if word not in listed] == []
    assert all(term.first == "01" for term in terms if term.term in ("파라미터", "손실", "최적화", "파이프라인"))


def test_a_meaning_uses_no_word_the_notebooks_never_use(terms, notebooks):
    """A glossary meaning explains with words the student meets: 과적합 (overfitting) is in no notebook."""
    unused = [word for word in ("과적합",) if not any(word in text for cells in notebooks.values() for text in cells)]
    assert [term.term for term in terms if any(word in term.meaning for word in unused)] == []


def test_no_retired_spelling_in_notebooks_or_readme(terms, notebooks):
    documents = {f"notebooks/{number}": cells for number, cells in notebooks.items()}
    documents["README.md"] = [flat(README.read_text(encoding="utf-8"))]
    assert retired_found(documents, terms) == []


def test_each_term_is_introduced_in_its_notebook_and_not_before(terms, notebooks):
    assert introduction_problems(notebooks, terms) == []


def test_a_reintroduced_variant_or_an_early_term_is_caught(terms):
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("스텝마다 러닝\n레이트를 바꿉니다."),
        nbformat.v4.new_code_cell("print('에폭', 1)", outputs=[nbformat.v4.new_output("stream", text="에폭 1\n")]),
    ])
    found = retired_found({"06_task.ipynb": cell_texts(notebook)}, terms)
    assert found == ["06_task.ipynb: '러닝 레이트' → '학습률'", "06_task.ipynb: '에폭' → '에포크'"]

    early = {"01": ["학습률(learning rate)은 얼마인지", "콜백을 넣습니다"], "06": ["콜백(callback)은 트레이너가 부르는 객체"]}
    callback = [term for term in terms if term.term in ("학습률", "콜백")]
    assert introduction_problems(early, callback) == [
        "'콜백' appears in notebook 01, before notebook 06 introduces it"]
    no_english = {"06": ["콜백을 넣습니다"]}
    assert introduction_problems(no_english, [term for term in callback if term.term == "콜백"]) == [
        "notebook 06: the first cell with '콜백' should write it as '콜백(callback)'"]
