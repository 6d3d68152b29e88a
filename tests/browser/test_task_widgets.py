"""The widgets of the task notebooks (09 문장 쌍 분류, 10 개체명 인식, 11 문장 생성, 12 질의응답, 13 문서 검색), without
training: one small notebook of its own, written into the served folder, builds each widget from the shipped offline
assets (the offline tokenizer, the pretrained tiny BERT with a new token-classification / question-answering head or
as the search encoder, the pretrained tiny GPT), as the lesson notebooks call them. A student types into each one; what it shows must be what `nlpbook_helpers` gives for the same
input here, in the test process, from models built the same way in a home of their own:

- 09 pair explorer: premise and hypothesis typed → token cells = `tokenizer(premise, hypothesis)`: tokens, ids,
  token_type_ids (segment classes), [CLS]/[SEP] special; the length line.
- 10 NER explorer: a sentence in the book's `<surface:TAG>` markup → each subword's BIO label (`ner_rows`), the
  entities highlighted; a mark with an unknown tag → the error `strip_marks` gives, not a traceback.
- 10 "try your sentence": a sentence + Enter → the entities `predict_entities` finds (an untrained head: many).
- 11 decoding explorer: a prompt + Enter under greedy decoding → the next-token bars and the text `decoding_rows`
  gives; a click on "sampling" → the sampled (seeded) text and the bars after top-k.
- 12 window explorer: the doc_stride slider moved with arrow keys → the windows (characters, labels) `window_rows`
  gives; "try your question": a question + Enter → the span `predict_answer` finds (an untrained head).
- 13 search: a query + Enter → the ranks and cosine scores `search` gives with the untrained encoder.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from notebook_driver import nlpbook_home, write_notebook

pytestmark = pytest.mark.browser

NOTEBOOK = "task_widgets.ipynb"
SETUP = '''import pytorch_lightning as pl
import transformers

from nlpbook_helpers.model import load_pretrained_model, prepare_pretrained
from nlpbook_helpers.settings import make_arguments
from nlpbook_helpers.tasks import get_task
from nlpbook_helpers.tasks.ner import ner_label_names
from nlpbook_helpers.tokenizer import load_tokenizer

transformers.utils.logging.disable_progress_bar()'''
PAIR = '''from nlpbook_helpers.views.pairs import pair_explorer

pair_args = make_arguments("offline", downstream_task_name="pair-classification")
prepare_pretrained(pair_args)
tokenizer = load_tokenizer(pair_args)
pair_explorer(tokenizer, pair_args.max_seq_length, "이 영화는 부산에서 촬영했다.", "이 영화의 촬영지는 부산이다.")'''
NER_EXPLORER = '''from nlpbook_helpers.views.ner import ner_explorer, try_ner

ner_args = make_arguments("offline", downstream_task_name="ner")
label_names = ner_label_names(ner_args)
ner_explorer(tokenizer, label_names, "<김민준:PER> 감독의 <마지막 바다:POH>", ner_args.max_seq_length)'''
TRY_NER = '''pl.seed_everything(ner_args.seed, workers=True, verbose=False)
ner_model = load_pretrained_model(ner_args, num_labels=len(label_names), model_class=get_task(ner_args).model_class)
ner_model.config.id2label = dict(enumerate(label_names))
ner_model.config.label2id = {name: label for label, name in ner_model.config.id2label.items()}
try_ner(ner_model, tokenizer, "바람 영화사는 제작비 50억 원을 들였다.")'''
DECODING = '''from nlpbook_helpers.decoding import Decoding
from nlpbook_helpers.views.generation import decoding_explorer

gen_args = make_arguments("offline", downstream_task_name="generation")
prepare_pretrained(gen_args)
gpt = load_pretrained_model(gen_args, model_class=get_task(gen_args).model_class)
gpt_tokenizer = load_tokenizer(gen_args)
decoding_explorer(gpt, gpt_tokenizer, "긍정", Decoding(strategy="greedy"))'''

QA_CONTEXT = ("바람 영화사가 만든 영화 마지막 바다는 김민준 감독이 연출했다. 촬영은 부산과 제주에서 석 달 동안 했고, "
              "주연은 이서아와 박지호가 맡았다. 개봉 첫 주에 관객 50만 명이 들었으며, 음악은 정하윤이 만들었다. "
              "감독은 다음 작품도 바다를 배경으로 찍겠다고 말했다.")
QA_QUESTION, QA_ANSWER = "마지막 바다의 음악은 누가 만들었나?", "정하윤"
DOCUMENTS = ["마지막 바다는 김민준 감독이 부산에서 찍은 영화다.", "남은 물고기는 바람 영화사가 만들었다.",
             "이서아는 부산에서 팬 500명을 만났다.", "이 영화의 음악은 정하윤이 만들었다.", "개봉 첫 주에 관객 50만 명이 들었다."]
QA = f'''from nlpbook_helpers.qa_corpus import QaExample
from nlpbook_helpers.views.qa import try_qa, window_explorer

qa_args = make_arguments("offline", downstream_task_name="qa")
QA_CONTEXT = {QA_CONTEXT!r}
qa_example = QaExample("q1", "마지막 바다", QA_CONTEXT, {QA_QUESTION!r}, (({QA_ANSWER!r}, QA_CONTEXT.index({QA_ANSWER!r})),))
window_explorer(tokenizer, qa_example, max_seq_length=64, doc_stride=16)'''
TRY_QA = '''pl.seed_everything(qa_args.seed, workers=True, verbose=False)
qa_model = load_pretrained_model(qa_args, num_labels=2, model_class=get_task(qa_args).model_class)
try_qa(qa_model, tokenizer, QA_CONTEXT, "", qa_args.max_seq_length)'''
SEARCH = f'''from nlpbook_helpers.views.search import search_widget

search_args = make_arguments("offline", downstream_task_name="search")
pl.seed_everything(search_args.seed, workers=True, verbose=False)
encoder = load_pretrained_model(search_args, model_class=get_task(search_args).model_class)
search_widget(encoder, tokenizer, {DOCUMENTS!r}, "", k=3, max_seq_length=search_args.max_seq_length)'''

PREMISE, HYPOTHESIS = "감독은 서울에서 태어났다.", "그 감독의 고향은 부산이다."
MARKED = "<이서아:PER>는 <부산:LOC>에서 팬 <500명:NOH>을 만났다"
BAD_MARK = "<이서아:가수>는 노래했다"
NER_SENTENCE = "김민준 감독의 신작이 2024.5.3에 개봉한다."
PROMPT = "부정 배우들 연기가"
STRIDE = 24                 # the QA window explorer opens at 16 (2 windows of this context); 24 gives 3
QUESTION = "감독은 누구인가?"
QUERY = "부산에서 찍은 영화"


class TaskReference:
    """The notebook's objects, built here by the same calls in a home of their own (the shipped assets are fixed)."""

    def __init__(self, home: Path):
        import pytorch_lightning as pl
        from pytorch_lightning.utilities.seed import isolate_rng

        from nlpbook_helpers.model import load_pretrained_model, prepare_pretrained
        from nlpbook_helpers.qa_corpus import QaExample
        from nlpbook_helpers.settings import make_arguments
        from nlpbook_helpers.tasks import get_task
        from nlpbook_helpers.tasks.ner import ner_label_names
        from nlpbook_helpers.tokenizer import load_tokenizer

        with nlpbook_home(home):
            self.pair_args = make_arguments("offline", downstream_task_name="pair-classification")
            prepare_pretrained(self.pair_args)
            self.tokenizer = load_tokenizer(self.pair_args)
            self.ner_args = make_arguments("offline", downstream_task_name="ner")
            self.label_names = ner_label_names(self.ner_args)
            with isolate_rng():
                pl.seed_everything(self.ner_args.seed, workers=True, verbose=False)
                self.ner_model = load_pretrained_model(self.ner_args, num_labels=len(self.label_names),
                                                       model_class=get_task(self.ner_args).model_class)
            self.ner_model.config.id2label = dict(enumerate(self.label_names))
            self.ner_model.config.label2id = {name: label for label, name in enumerate(self.label_names)}
            self.gen_args = make_arguments("offline", downstream_task_name="generation")
            prepare_pretrained(self.gen_args)
            self.gpt = load_pretrained_model(self.gen_args, model_class=get_task(self.gen_args).model_class)
            self.gpt_tokenizer = load_tokenizer(self.gen_args)
            self.qa_args = make_arguments("offline", downstream_task_name="qa")
            self.search_args = make_arguments("offline", downstream_task_name="search")
            with isolate_rng():
                pl.seed_everything(self.qa_args.seed, workers=True, verbose=False)
                self.qa_model = load_pretrained_model(self.qa_args, num_labels=2,
                                                      model_class=get_task(self.qa_args).model_class)
                pl.seed_everything(self.search_args.seed, workers=True, verbose=False)
                self.encoder = load_pretrained_model(self.search_args,
                                                     model_class=get_task(self.search_args).model_class)
        self.qa_example = QaExample("q1", "마지막 바다", QA_CONTEXT, QA_QUESTION,
                                    ((QA_ANSWER, QA_CONTEXT.index(QA_ANSWER)),))


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> TaskReference:
    return TaskReference(tmp_path_factory.mktemp("task-reference-home"))


def cells_of(area, selector: str, fields: str) -> list:
    """`[fields]` of every element matching `selector` in `area`, in page order (fields: a JS array expression
    over the element `c`)."""
    return area.locator(selector).evaluate_all(f"cells => cells.map(c => {fields})")


def check_pair_explorer(notebook, reference, readme_images) -> None:
    from nlpbook_helpers.views.pairs import pair_rows

    premise_box = notebook.widget(".nlpbook-pair-premise input", "pair explorer (premise)", repr_name="PairExplorer")
    hypothesis_box = notebook.widget(".nlpbook-pair-hypothesis input", "pair explorer (hypothesis)",
                                     repr_name="PairExplorer")
    area = notebook.output_area(".nlpbook-pair-explorer")
    notebook.type_into(premise_box, PREMISE)
    notebook.type_into(hypothesis_box, HYPOTHESIS)
    rows = pair_rows(reference.tokenizer, PREMISE, HYPOTHESIS, reference.pair_args.max_seq_length)
    want = [(token, str(token_id), str(segment)) for token, token_id, segment in
            zip(rows["tokens"], rows["ids"], rows["segments"])]

    def problem() -> str:
        shown = cells_of(area, ".nlpbook-pair-view td.nlpbook-token",
                         "[c.textContent, c.dataset.id, c.dataset.segment, [...c.classList]]")
        got = [tuple(cell[:3]) for cell in shown]
        if got != want:
            return f"token cells (token, data-id, data-segment) {got}\n  expected {want}"
        for (token, _, segment, classes) in shown:
            if f"nlpbook-segment-{segment}" not in classes:
                return f"cell {token!r} of segment {segment} lacks nlpbook-segment-{segment}: {classes}"
            if token in ("[CLS]", "[SEP]") and "nlpbook-token-special" not in classes:
                return f"{token} cell not marked nlpbook-token-special: {classes}"
        length = area.locator(".nlpbook-pair-length").first.get_attribute("data-length")
        return "" if length == str(rows["length"]) else f"length line data-length={length}, expected {rows['length']}"

    notebook.wait_until(f"typing the premise {PREMISE!r} and the hypothesis {HYPOTHESIS!r} shows the pair's tokens, "
                        "ids and segments", problem, focus=area)
    notebook.capture(area, "09_pair_explorer", readme_images)


def check_ner_explorer(notebook, reference, readme_images) -> None:
    from nlpbook_helpers.ner_corpus import strip_marks
    from nlpbook_helpers.views.ner import ner_rows

    box = notebook.widget(".nlpbook-ner-input input", "NER explorer", repr_name="NerExplorer")
    area = notebook.output_area(".nlpbook-ner-input")
    notebook.type_into(box, MARKED)
    example = strip_marks(MARKED)
    rows = ner_rows(reference.tokenizer, example, reference.label_names, reference.ner_args.max_seq_length)
    want = [(row["token"], row["label"], f"{row['start']}-{row['end']}") for row in rows]
    want_entities = [[tag, str(start), str(end)] for start, end, tag in example.entities]
    assert any(label.startswith("B-") for _, label, _ in want) and len(want_entities) == 3

    def problem() -> str:
        got = [tuple(cell) for cell in cells_of(area, ".nlpbook-ner-view td.nlpbook-token",
                                                "[c.textContent, c.dataset.label, c.dataset.span]")]
        if got != want:
            return f"token cells (token, data-label, data-span) {got}\n  expected {want}"
        entities = cells_of(area, ".nlpbook-ner-view .nlpbook-entity",
                            "[c.dataset.tag, c.dataset.start, c.dataset.end]")
        return "" if entities == want_entities else f"entities {entities}, expected {want_entities}"

    notebook.wait_until(f"typing {MARKED!r} shows each subword's BIO label and the three entities", problem, focus=area)
    notebook.capture(area, "10_ner_explorer", readme_images)

    with pytest.raises(ValueError) as wrong:
        strip_marks(BAD_MARK)
    notebook.type_into(box, BAD_MARK)

    def error_problem() -> str:
        errors = area.locator(".nlpbook-ner-view .nlpbook-ner-error")
        if errors.count() == 0:
            return "no div.nlpbook-ner-error"
        shown = " ".join(errors.first.inner_text().split())
        return "" if shown == " ".join(str(wrong.value).split()) else f"the error says {shown!r}"

    notebook.wait_until(f"a mark with an unknown tag ({BAD_MARK!r}) shows what strip_marks says: {wrong.value}",
                        error_problem, focus=area)


def check_try_ner(notebook, reference, readme_images) -> None:
    from nlpbook_helpers.ner_task import predict_entities

    box = notebook.widget(".nlpbook-ner-try-input input", "try your sentence (NER)", repr_name="TryNer")
    area = notebook.output_area(".nlpbook-ner-try-input")
    notebook.type_into(box, NER_SENTENCE, press_enter=True)
    found = predict_entities(reference.ner_model, reference.tokenizer, NER_SENTENCE)
    want = [[e.tag, str(e.start), str(e.end)] for e in found]
    assert want, "the untrained head finds no entity in this sentence: pick another, the check would show nothing"

    def problem() -> str:
        shown = cells_of(area, ".nlpbook-entity", "[c.dataset.tag, c.dataset.start, c.dataset.end]")
        return "" if shown == want else f"entities (tag, start, end) {shown}\n  expected {want}"

    notebook.wait_until(f"typing {NER_SENTENCE!r} + Enter shows the entities predict_entities finds", problem,
                        focus=area)
    notebook.capture(area, "10_try_ner", readme_images)


def check_decoding_explorer(notebook, reference, readme_images) -> None:
    from nlpbook_helpers.decoding import Decoding
    from nlpbook_helpers.views.generation import decoding_rows

    box = notebook.widget(".nlpbook-decoding-prompt input", "decoding explorer", repr_name="DecodingExplorer")
    area = notebook.output_area(".nlpbook-decoding-explorer")

    def expect_rows(decoding: Decoding, what: str) -> None:
        rows = decoding_rows(reference.gpt, reference.gpt_tokenizer, PROMPT, decoding)
        want_text = " ".join(rows["text"].split())
        assert rows["next"] and want_text.startswith(PROMPT) and len(want_text) > len(PROMPT)

        def problem() -> str:
            bars = cells_of(area, ".nlpbook-decoding-view .nlpbook-decoding-bar", "[c.dataset.token, c.dataset.p]")
            tokens = [token for token, _ in bars]
            if tokens != [token for token, _ in rows["next"]]:
                return f"bars {bars}\n  expected {[(token, f'{p:.4f}') for token, p in rows['next']]}"
            if any(abs(float(p) - q) > 2e-3 for (_, p), (_, q) in zip(bars, rows["next"])):
                return f"bar probabilities {bars}, expected {[(t, f'{q:.4f}') for t, q in rows['next']]}"
            text = " ".join(area.locator(".nlpbook-decoding-view .nlpbook-decoding-text").first.inner_text().split())
            return "" if text == want_text else f"generated text {text!r}, expected {want_text!r}"

        notebook.wait_until(what, problem, timeout=90, focus=area)

    notebook.type_into(box, PROMPT, press_enter=True)
    expect_rows(Decoding(strategy="greedy"), f"typing {PROMPT!r} + Enter (greedy) shows the next-token "
                                             "probabilities and the text greedy decoding writes")
    notebook.capture(area, "11_decoding_greedy", readme_images)
    with notebook.step("click the 'sampling' button of the decoding explorer", area):
        area.locator(".widget-toggle-button", has_text="sampling").first.click()
    expect_rows(Decoding(strategy="sampling"), f"after a click on 'sampling', {PROMPT!r} shows the probabilities "
                                               "after top-k and the text sampling writes with seed 7")
    notebook.capture(area, "11_decoding_sampling", readme_images)


def check_window_explorer(notebook, reference, readme_images) -> None:
    from nlpbook_helpers.views.qa import window_rows

    stride = notebook.widget(".nlpbook-qa-stride", "QA window explorer (doc_stride)", repr_name="WindowExplorer")
    area = notebook.output_area(".nlpbook-qa-stride")
    notebook.set_slider(stride, STRIDE, "doc_stride", step=4)
    rows = window_rows(reference.tokenizer, reference.qa_example, 64, STRIDE)
    want = [[str(row["window"]), str(row["start"]), str(row["end"]), f"{row['label'][0]}-{row['label'][1]}"]
            for row in rows]
    assert len(want) == 3 and any(label != "0-0" for *_, label in want)

    def problem() -> str:
        shown = cells_of(area, ".nlpbook-qa-view .nlpbook-qa-window",
                         "[c.dataset.window, c.dataset.start, c.dataset.end, c.dataset.label]")
        return "" if shown == want else f"windows (number, start, end, label) {shown}\n  expected {want}"

    notebook.wait_until(f"doc_stride moved to {STRIDE} shows the windows window_rows gives", problem, focus=area)
    notebook.capture(area, "12_window_explorer", readme_images)


def check_try_qa(notebook, reference, readme_images) -> None:
    from nlpbook_helpers.qa_task import predict_answer

    box = notebook.widget(".nlpbook-qa-try-input input", "try your question (QA)", repr_name="TryQa")
    area = notebook.output_area(".nlpbook-qa-try-input")
    notebook.type_into(box, QUESTION, press_enter=True)
    found = predict_answer(reference.qa_model, reference.tokenizer, QUESTION, QA_CONTEXT,
                           reference.qa_args.max_seq_length)
    want = [str(found.start), str(found.end), found.text]
    assert found.end > found.start, "the untrained head finds an empty answer: pick another question"

    def problem() -> str:
        shown = cells_of(area, ".nlpbook-qa-answer", "[c.dataset.start, c.dataset.end, c.textContent]")
        return "" if shown == [want] else f"answer spans (start, end, text) {shown}\n  expected {[want]}"

    notebook.wait_until(f"typing {QUESTION!r} + Enter highlights the answer predict_answer finds", problem,
                        focus=area)
    notebook.capture(area, "12_try_qa", readme_images)


def check_search(notebook, reference, readme_images) -> None:
    from nlpbook_helpers.search_task import search

    box = notebook.widget(".nlpbook-search-input input", "search", repr_name="SearchWidget")
    area = notebook.output_area(".nlpbook-search-input")
    notebook.type_into(box, QUERY, press_enter=True)
    hits = search(reference.encoder, reference.tokenizer, QUERY, DOCUMENTS, 3,
                  reference.search_args.max_seq_length)
    want = [(str(hit.rank), hit.score, hit.document) for hit in hits]

    def problem() -> str:
        shown = cells_of(area, ".nlpbook-hit", "[c.dataset.rank, c.dataset.score, c.textContent]")
        got = [(rank, float(score), text) for rank, score, text in shown]
        if [rank for rank, *_ in got] != [rank for rank, *_ in want] or any(
                document not in text for (*_, text), (*_, document) in zip(got, want)):
            return f"hits (rank, score, text) {got}\n  expected {want}"
        if any(abs(a - b) > 2e-3 for (_, a, _), (_, b, _) in zip(got, want)):
            return f"scores {[s for _, s, _ in got]}, expected {[s for _, s, _ in want]}"
        return ""

    notebook.wait_until(f"typing {QUERY!r} + Enter shows the documents and cosine scores search gives", problem,
                        focus=area)
    notebook.capture(area, "13_search", readme_images)


def test_task_widgets_show_what_the_helpers_give(open_notebook, lab_server, reference, readme_images):
    path = write_notebook(lab_server.root_dir, NOTEBOOK, SETUP, PAIR, NER_EXPLORER, TRY_NER, DECODING, QA, TRY_QA,
                          SEARCH, title="# 태스크 노트북(09~13)의 위젯")
    notebook = open_notebook(path).run_all(stall_timeout=300)
    notebook.check_widgets_rendered()
    check_pair_explorer(notebook, reference, readme_images)
    check_ner_explorer(notebook, reference, readme_images)
    check_try_ner(notebook, reference, readme_images)
    check_decoding_explorer(notebook, reference, readme_images)
    check_window_explorer(notebook, reference, readme_images)
    check_try_qa(notebook, reference, readme_images)
    check_search(notebook, reference, readme_images)
    notebook.check_widgets_rendered()
