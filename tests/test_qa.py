"""질의응답 (qa): KorQuAD 1.0 files read and checked (an answer at character 0 kept, an answer that does not match its
answer_start a clear error), the embedded corpus (one paragraph per film, every question answered by one paragraph)."""
import json

import pytest
import pytorch_lightning as pl
from transformers import BertTokenizer

from nlpbook_helpers.corpus import CorpusError
from nlpbook_helpers.data import make_collate
from nlpbook_helpers.qa_answers import best_answer, best_span, char_f1, exact_match, qa_scores
from nlpbook_helpers.qa_data import QaDataset, answer_tokens, encode_windows
from nlpbook_helpers.qa_corpus import QA_FILES, QaExample, korquad_content, read_korquad_file
from nlpbook_helpers.qa_paragraphs import generate_qa_examples, write_embedded_qa
from nlpbook_helpers.qa_task import predict_answer
from nlpbook_helpers.settings import make_arguments
from nlpbook_helpers.tasks import get_task

CONTEXT = "김환희 감독이 마지막 바다를 연출했다. 이 영화는 서울에서 촬영했다."


def korquad(tmp_path, qas, context=CONTEXT, name="KorQuAD_v1.0_dev.json"):
    path = tmp_path / name
    path.write_text(json.dumps({"version": "KorQuAD_v1.0_dev", "data": [
        {"title": "마지막 바다", "paragraphs": [{"context": context, "qas": qas}]}]}, ensure_ascii=False),
        encoding="utf-8")
    return path


def qa(id, question, *answers):
    return {"id": id, "question": question, "answers": [{"text": t, "answer_start": s} for t, s in answers]}


def test_the_reader_keeps_an_answer_at_character_0_and_every_gold_answer(tmp_path):
    path = korquad(tmp_path, [qa("q1", "마지막 바다의 감독은?", ("김환희", 0), ("김환희 감독", 0)),
                              qa("q2", "어디에서 촬영했나?", ("서울", 28))])
    examples, stats = read_korquad_file(path)
    assert [e.id for e in examples] == ["q1", "q2"]
    assert examples[0].answers == (("김환희", 0), ("김환희 감독", 0)) and examples[0].span == (0, 3)
    assert examples[1].answer == "서울" and CONTEXT[slice(*examples[1].span)] == "서울"
    assert examples[0].title == "마지막 바다" and examples[0].context == CONTEXT
    assert stats == {"path": str(path), "titles": 1, "paragraphs": 1, "questions": 2, "answers_at_0": 1, "kept": 2}


@pytest.mark.parametrize("qas, what, fix", [
    ([qa("q1", "감독은?", ("김환희", 3))], "the answer '김환희' does not match the context at answer_start 3",
     "occurs at character 0: set answer_start to 0"),
    ([qa("q1", "감독은?", ("박지우", 0))], "does not match", "does not occur in the context at all"),
    ([qa("q1", "감독은?", ("김환희", -1))], "answer_start is -1", "whole number >= 0"),
    ([qa("q1", "감독은?", ("김환희", "0"))], "answer_start is '0'", "whole number"),
    ([qa("q1", "  ", ("김환희", 0))], "'question' is '  '", "non-empty string 'question'"),
    ([qa("q1", "감독은?")], "'answers' is []", "list of answers"),
    ([qa("q1", "감독은?", ("김환희", 0)), qa("q1", "어디?", ("서울", 28))], "also the id of data[0].paragraphs[0].qas[0]",
     "its own id"),
])
def test_a_bad_question_names_the_file_its_path_in_the_json_and_the_fix(tmp_path, qas, what, fix):
    path = korquad(tmp_path, qas)
    with pytest.raises(CorpusError) as error:
        read_korquad_file(path)
    message = str(error.value)
    assert str(path) in message and "data[0].paragraphs[0].qas[" in message and "'마지막 바다'" in message
    assert what in message and f"Fix: " in message and fix in message.split("Fix: ")[1]


def test_an_empty_context_and_broken_json_are_clear_errors(tmp_path):
    with pytest.raises(CorpusError, match=r"data\[0\]\.paragraphs\[0\] \(title '마지막 바다'\): 'context' is ''"):
        read_korquad_file(korquad(tmp_path, [qa("q1", "감독은?", ("김환희", 0))], context=""))
    broken = tmp_path / "broken.json"
    broken.write_text('{"data": [\n{"title": "x",}]}', encoding="utf-8")
    with pytest.raises(CorpusError, match="broken.json, line 2, column .*not JSON"):
        read_korquad_file(broken)
    with pytest.raises(CorpusError, match="does not exist"):
        read_korquad_file(tmp_path / "missing.json")


def test_korquad_content_reads_back_to_the_same_examples(tmp_path):
    examples = [QaExample("a", "제목", "가나다 라마", "질문?", (("가나다", 0),)),
                QaExample("b", "제목", "가나다 라마", "또?", (("라마", 4),)),
                QaExample("c", "다른 제목", "바사", "뭐?", (("사", 1), ("바사", 0)))]
    path = tmp_path / "f.json"
    path.write_bytes(korquad_content(examples))
    assert read_korquad_file(path)[0] == examples
    assert len(json.loads(path.read_text())["data"][0]["paragraphs"]) == 1     # one paragraph, two questions


def test_the_embedded_corpus_is_korquad_deterministic_and_one_paragraph_answers_each_question(tmp_path):
    paths = write_embedded_qa(tmp_path)
    assert [p.name for p in paths.values()] == list(QA_FILES.values())
    train, stats = read_korquad_file(paths["train"])
    test, _ = read_korquad_file(paths["test"])
    assert train == generate_qa_examples("train") and test == generate_qa_examples("test")
    assert write_embedded_qa(tmp_path) == paths                         # the same bytes again: kept, no error
    assert stats["answers_at_0"] > 0.05 * len(train)
    titles = {e.title for e in train}
    assert not titles & {e.title for e in test}                        # other films in the dev file
    contexts = {}
    for example in train + test:
        assert contexts.setdefault(example.title, example.context) == example.context   # one paragraph a film
    for example in train[:200] + test[:50]:   # the question names its film: no other paragraph is about it
        named = [title for title in contexts if title in example.question]
        assert named == [example.title] or (named == [] and example.answer == example.title)
    assert max(map(len, contexts.values())) > 2.5 * min(map(len, contexts.values()))  # some much longer
    assert generate_qa_examples("train", seed=8) != train


def test_the_embedded_corpus_never_overwrites_a_file_of_yours(tmp_path):
    (tmp_path / QA_FILES["test"]).write_text("{}", encoding="utf-8")
    with pytest.raises(FileExistsError):
        write_embedded_qa(tmp_path)
    assert (tmp_path / QA_FILES["test"]).read_text() == "{}" and not (tmp_path / QA_FILES["train"]).exists()


# ---- stage 5: windows, offsets and labels, checked by hand on a tokenizer built here ----------------------------

PIECES = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "누구", "?", "서울", "김", "##환", "##희"]
LONG = "서울 서울 김환희 서울 서울"          # 김환희 = characters 6..9


def tokenizer_of(pieces=PIECES) -> BertTokenizer:
    """A fast WordPiece tokenizer over exactly these pieces (its splits can be checked by hand)."""
    return BertTokenizer(vocab={piece: i for i, piece in enumerate(pieces)}, do_lower_case=False)


def test_a_long_context_becomes_overlapping_windows_labelled_where_the_whole_answer_is():
    tokenizer = tokenizer_of()
    example = QaExample("a", "", LONG, "누구?", (("김환희", 6),))
    encoded = encode_windows([example], tokenizer, max_seq_length=9, doc_stride=2)   # room for 4 context tokens
    tokens = [tokenizer.convert_ids_to_tokens(ids) for ids in encoded["input_ids"]]
    assert tokens == [["[CLS]", "누구", "?", "[SEP]", "서울", "서울", "김", "##환", "[SEP]"],
                      ["[CLS]", "누구", "?", "[SEP]", "김", "##환", "##희", "서울", "[SEP]"],   # 2 tokens shared
                      ["[CLS]", "누구", "?", "[SEP]", "##희", "서울", "서울", "[SEP]"]]
    assert encoded["offsets"][1] == [None] * 4 + [(6, 7), (7, 8), (8, 9), (10, 12), None]   # context tokens only
    # only the middle window holds all of 김환희; the others point at [CLS]
    assert list(zip(encoded["start_positions"], encoded["end_positions"])) == [(0, 0), (4, 6), (0, 0)]
    assert encoded["example_index"] == [0, 0, 0] and encoded["token_type_ids"][1][4:] == [1] * 5


def test_an_answer_at_character_0_is_labelled_not_dropped():
    example = QaExample("a", "", LONG, "누구?", (("서울", 0),))
    encoded = encode_windows([example], tokenizer_of(), max_seq_length=9, doc_stride=2)
    assert (encoded["start_positions"][0], encoded["end_positions"][0]) == (4, 4)
    assert answer_tokens([None, (0, 2), (3, 5)], (3, 5)) == (2, 2) and answer_tokens([None, (0, 2)], (3, 5)) == (0, 0)


def test_the_dataset_collates_windows_with_their_feature_index():
    examples = [QaExample("a", "", LONG, "누구?", (("김환희", 6),)), QaExample("b", "", "김환희", "누구?", (("김환희", 0),))]
    tokenizer = tokenizer_of()
    dataset = QaDataset(examples, tokenizer, max_seq_length=9, doc_stride=2)
    assert len(dataset) == 4 and dataset.windows_of(0) == [0, 1, 2] and dataset.windows_of(1) == [3]
    batch = make_collate(tokenizer)([dataset[i] for i in range(4)])
    assert batch["input_ids"].shape == (4, 9) and batch["feature_index"].tolist() == [0, 1, 2, 3]
    assert batch["start_positions"].tolist() == [0, 4, 0, 4] and batch["end_positions"].tolist() == [0, 6, 0, 6]
    with pytest.raises(TypeError, match="slow tokenizer"):
        encode_windows(examples, type("SlowTokenizer", (), {"is_fast": False})(), 9, 2)


# ---- stage 6: post-processing and the two figures -----------------------------------------------------------------

OFFSETS = [None, None, (0, 2), (3, 5), (6, 7), (7, 8), (8, 9), None]     # [CLS] question tokens... then context


def test_post_processing_never_picks_an_end_before_the_start():
    start = [0, 0, 0, 0, 0, 9, 0, 0]            # separate argmaxes: start 5, end 3 → an empty answer (the book's bug)
    end = [0, 0, 0, 8, 0, 0, 7, 0]
    assert max(range(8), key=start.__getitem__) > max(range(8), key=end.__getitem__)
    found = best_answer(LONG, [(start, end, OFFSETS)])
    assert (found.tokens, found.text, found.score) == ((5, 6), "환희", 16.0)     # end >= start: (5, 6), not (5, 3)


def test_post_processing_keeps_to_context_tokens_and_the_maximum_length():
    start = [50, 0, 9, 0, 0, 0, 0, 0]            # [CLS] is not context: never an answer
    end = [50, 0, 0, 1, 0, 0, 8, 30]             # position 7 is [SEP]
    assert best_span(start, end, OFFSETS)[:2] == (2, 6)
    assert best_span(start, end, OFFSETS, max_answer_length=3)[:2] == (2, 3)   # (2, 6) would be 5 tokens
    assert best_span(start, end, [None] * 8) is None and best_answer(LONG, [(start, end, [None] * 8)]).text == ""


def test_the_answer_comes_from_the_best_of_all_windows():
    weak = ([0, 0, 1, 0, 0, 0, 0, 0], [0, 0, 1, 0, 0, 0, 0, 0], OFFSETS)
    strong = ([0, 0, 0, 0, 5, 0, 0, 0], [0, 0, 0, 0, 0, 0, 5, 0], OFFSETS)
    found = best_answer(LONG, [weak, strong])
    assert (found.window, found.text, found.start, found.end) == (1, "김환희", 6, 9)


@pytest.mark.parametrize("prediction, answers, em, f1", [
    ("김환희", ["김환희"], 1.0, 1.0),
    ("김환희 감독", ["김환희"], 0.0, 0.75),                 # 3 of 5 characters right, all 3 found: 2·0.6·1/1.6
    ("2015.3.14.", ["2015.3.14"], 1.0, 1.0),               # punctuation does not count
    ("  서울  ", ["부산", "서울에서"], 0.0, 2 / 3),           # best gold: 서울에서, P 1, R 0.5
    ("", ["서울"], 0.0, 0.0),
    ("Seoul", ["seoul"], 1.0, 1.0),
])
def test_exact_match_and_character_f1_on_worked_examples(prediction, answers, em, f1):
    assert exact_match(prediction, answers) == em and char_f1(prediction, answers) == pytest.approx(f1)


def test_qa_scores_are_means_over_questions():
    scores = qa_scores(["김환희 감독", "서울"], [["김환희"], ["서울"]])
    assert scores == pytest.approx({"exact_match": 0.5, "f1": (0.75 + 1) / 2})
    with pytest.raises(ValueError, match="1 predictions for 2 questions"):
        qa_scores(["x"], [["x"], ["y"]])


# ---- the task: KorQuAD's own files, the embedded corpus, a short training, the views -----------------------------

def test_korquad_itself_is_read_from_its_files_and_a_missing_file_says_where_to_put_it(tmp_path, monkeypatch):
    monkeypatch.setenv("NLPBOOK_HOME", str(tmp_path / "home"))
    args = make_arguments("kcbert-korquad", downstream_corpus_root_dir=str(tmp_path / "data"))
    assert (args.downstream_task_name, args.pretrained_model_name) == ("qa", "beomi/kcbert-base")
    task = get_task(args)
    with pytest.raises(CorpusError, match="Korpora does not carry KorQuAD: put KorQuAD 1.0's KorQuAD_v1.0_train.json "
                                          "and KorQuAD_v1.0_dev.json .* into .*korquad"):
        task.prepare_corpus(args)
    folder = tmp_path / "data" / "korquad"
    folder.mkdir(parents=True)
    korquad(folder, [qa("t1", "감독은?", ("김환희", 0))], name="KorQuAD_v1.0_train.json")
    korquad(folder, [qa("d1", "어디?", ("서울", 28), ("서울에서", 28))])
    assert task.prepare_corpus(args) == folder
    corpus = task.load_corpus(args)
    assert [e.id for e in corpus.train] == ["t1"] and corpus.test[0].answers == (("서울", 28), ("서울에서", 28))
    assert task.result_lines({"test_loss": 1.5, "test_exact_match": 0.25, "test_f1": 0.5})[-2:] == [
        "test exact match: 0.2500", "test F1: 0.5000"]


@pytest.fixture
def qa_args(offline_home, monkeypatch, tmp_path):
    monkeypatch.setenv("NLPBOOK_HOME", str(offline_home))
    return make_arguments("offline", downstream_task_name="qa", downstream_model_dir=str(tmp_path / "run"),
                          max_train_examples=160, max_test_examples=40, epochs=3, progress_bar=False)


@pytest.mark.slow
def test_a_short_qa_training_learns_and_reports_exact_match_and_f1(qa_args, no_network):
    from nlpbook_helpers.pipeline import restore, train

    stages = restore(qa_args, upto=6)
    untrained = pl.Trainer(logger=False, enable_progress_bar=False, enable_checkpointing=False).test(
        stages.task, dataloaders=stages.test_loader, verbose=False)[0]
    result = train(qa_args)
    metrics = result.metrics
    assert metrics["test_loss"] < untrained["test_loss"] - 1.0          # it learned where answers start and end
    assert metrics["test_f1"] > untrained["test_f1"] and 0 <= metrics["test_exact_match"] <= metrics["test_f1"] <= 1
    assert get_task(qa_args).result_lines(metrics)[-1] == f"test F1: {metrics['test_f1']:.4f}"
    example = stages.corpus.test[0]
    answer = predict_answer(result.task.model, result.tokenizer, example.question, example.context,
                            qa_args.max_seq_length)
    assert example.context[answer.start:answer.end] == answer.text


def test_qa_batches_are_shuffled_because_grouping_by_length_gathers_the_answerless_windows(qa_args):
    import dataclasses

    from nlpbook_helpers.data import make_dataloader
    from nlpbook_helpers.pipeline import restore

    assert qa_args.group_by_length is False and make_arguments("kcbert-korquad").group_by_length is False
    args = dataclasses.replace(qa_args, max_train_examples=None)
    stages = restore(args, upto=5)

    def answerless_share_per_batch(grouped: bool) -> list[float]:
        loader = make_dataloader(stages.train_dataset, dataclasses.replace(args, group_by_length=grouped),
                                 stages.tokenizer, train=True)
        return [float((batch["start_positions"] == 0).float().mean()) for batch in loader]

    grouped, shuffled = answerless_share_per_batch(True), answerless_share_per_batch(False)
    # grouped: the long contexts' windows ([CLS] mostly) fill batches of their own, the short contexts' others
    assert min(grouped) <= 0.05 and max(grouped) >= 0.75
    assert max(shuffled) - min(shuffled) < (max(grouped) - min(grouped)) / 1.5


def test_the_views_draw_each_window_and_keep_a_text_twin():
    from nlpbook_helpers.views.qa import show_answer, show_windows, window_explorer

    example = QaExample("a", "", LONG, "누구?", (("김환희", 6),))
    view = show_windows(tokenizer_of(), example, 9, 2)
    assert view.data.count('class="nlpbook-qa-window"') == 3 and 'data-label="4-6"' in view.data
    assert '<span class="nlpbook-qa-answer" style="background:#fde4a0;font-weight:bold">김환희</span>' in view.data
    assert repr(view).splitlines()[3:5] == ["윈도 2 (글자 6–12, 토큰 9개) 레이블 (4, 6) = 정답 '김환희'", "  김환희 서울"]
    explorer = window_explorer(tokenizer_of(), example, 9, 2)
    assert explorer._repr_mimebundle_()["text/plain"] == repr(view)
    explorer.stride.value = 40                                        # too large: a message, not a crash
    assert "doc_stride=40" in explorer.view.value
    assert repr(show_answer(LONG, 6, 9)) == "답: '김환희' (글자 6–9)" and "찾지 못함" in repr(show_answer(LONG, 0, 0))
