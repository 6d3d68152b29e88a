"""The widgets of the task notebooks (09 문장 쌍 분류, 10 개체명 인식, 11 문장 생성), without training: one small notebook
of its own, written into the served folder, builds each widget from the shipped offline assets (the offline
tokenizer, the pretrained tiny BERT with a new token-classification head, the pretrained tiny GPT), as the lesson
notebooks call them. A student types into each one; what it shows must be what `nlpbook_helpers` gives for the same
input here, in the test process, from models built the same way in a home of their own:

- 09 pair explorer: premise and hypothesis typed → token cells = `tokenizer(premise, hypothesis)`: tokens, ids,
  token_type_ids (segment classes), [CLS]/[SEP] special; the length line.
- 10 NER explorer: a sentence in the book's `<surface:TAG>` markup → each subword's BIO label (`ner_rows`), the
  entities highlighted; a mark with an unknown tag → the error `strip_marks` gives, not a traceback.
- 10 "try your sentence": a sentence + Enter → the entities `predict_entities` finds (an untrained head: many).
- 11 decoding explorer: a prompt + Enter under greedy decoding → the next-token bars and the text `decoding_rows`
  gives; a click on "sampling" → the sampled (seeded) text and the bars after top-k.
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

PREMISE, HYPOTHESIS = "감독은 서울에서 태어났다.", "그 감독의 고향은 부산이다."
MARKED = "<이서아:PER>는 <부산:LOC>에서 팬 <500명:NOH>을 만났다"
BAD_MARK = "<이서아:가수>는 노래했다"
NER_SENTENCE = "김민준 감독의 신작이 2024.5.3에 개봉한다."
PROMPT = "부정 배우들 연기가"


class TaskReference:
    """The notebook's objects, built here by the same calls in a home of their own (the shipped assets are fixed)."""

    def __init__(self, home: Path):
        import pytorch_lightning as pl
        from pytorch_lightning.utilities.seed import isolate_rng

        from nlpbook_helpers.model import load_pretrained_model, prepare_pretrained
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


def test_task_widgets_show_what_the_helpers_give(open_notebook, lab_server, reference, readme_images):
    path = write_notebook(lab_server.root_dir, NOTEBOOK, SETUP, PAIR, NER_EXPLORER, TRY_NER, DECODING,
                          title="# 태스크 노트북(09~11)의 위젯")
    notebook = open_notebook(path).run_all(stall_timeout=300)
    notebook.check_widgets_rendered()
    check_pair_explorer(notebook, reference, readme_images)
    check_ner_explorer(notebook, reference, readme_images)
    check_try_ner(notebook, reference, readme_images)
    check_decoding_explorer(notebook, reference, readme_images)
    notebook.check_widgets_rendered()
