"""tasks/: the task switch (`downstream_task_name`, `--task`), pair classification's features and a short training,
its corpus read through the book's preset from local files in the real layouts, and document classification unmoved."""
import dataclasses
import hashlib
import json
from pathlib import Path

import pytest

from nlpbook_helpers.__main__ import main
from nlpbook_helpers.corpus import CorpusError, Example
from nlpbook_helpers.data import NsmcDataset, feature_cache_key, make_collate
from nlpbook_helpers.runs import run_fingerprint
from nlpbook_helpers.settings import ArgumentsError, make_arguments
from nlpbook_helpers.tasks import DEFAULT_TASK, TASKS, Task, UnknownTaskError, get_task

PAIR = "pair-classification"


def test_every_task_in_the_registry_loads_and_an_unknown_one_lists_them(monkeypatch, tmp_path):
    monkeypatch.setenv("NLPBOOK_HOME", str(tmp_path))
    assert DEFAULT_TASK == "document-classification" and set(TASKS) == {DEFAULT_TASK, PAIR, "ner", "generation", "qa",
                                                                         "search"}
    for name in TASKS:
        task = get_task(name)
        assert isinstance(task, Task) and task.name == name and task.description == TASKS[name].description
    assert get_task(make_arguments("offline")).name == DEFAULT_TASK
    for wrong in (lambda: get_task("summary"), lambda: make_arguments("offline", downstream_task_name="summary")):
        with pytest.raises((UnknownTaskError, ArgumentsError)) as error:
            wrong()
        assert "'summary': no such task" in str(error.value) and all(name in str(error.value) for name in TASKS)
    with pytest.raises(ArgumentsError, match="kcbert-nsmc' is document-classification's.*'kcbert-klue-nli'"):
        make_arguments("kcbert-nsmc", downstream_task_name=PAIR)


def test_the_command_line_lists_the_tasks_and_refuses_an_unknown_one(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    shown = capsys.readouterr().out
    assert all(f"  {name}  " in shown or f"  {name} " in shown for name in TASKS)
    assert all(info.description in " ".join(shown.split()) for info in TASKS.values())
    with pytest.raises(SystemExit):
        main(["train", "--task", "summary"])
    assert "invalid choice: 'summary'" in capsys.readouterr().err


def test_each_task_has_its_own_run_folder_and_fingerprint(monkeypatch, tmp_path):
    monkeypatch.setenv("NLPBOOK_HOME", str(tmp_path))
    document, pair = make_arguments("offline"), make_arguments("offline", downstream_task_name=PAIR)
    assert Path(document.downstream_model_dir).name == "offline-nsmc"
    assert Path(pair.downstream_model_dir).name == f"offline-{PAIR}"
    assert (pair.downstream_corpus_name, pair.max_seq_length, pair.learning_rate, pair.epochs) == \
        ("klue-nli", 96, 3e-4, 3)
    assert make_arguments("offline", downstream_task_name=PAIR, epochs=1).epochs == 1     # yours win over the task's
    book = make_arguments("kcbert-klue-nli")
    assert (book.downstream_task_name, book.downstream_corpus_name, book.max_seq_length, book.epochs) == \
        (PAIR, "klue-nli", 64, 5)
    same_folder = dataclasses.replace(pair, downstream_model_dir=document.downstream_model_dir)
    old, new = run_fingerprint(document), run_fingerprint(same_folder)
    assert old["args.downstream_task_name"] == DEFAULT_TASK and new["args.downstream_task_name"] == PAIR
    assert "corpus/ratings_train.txt" in old and "corpus/klue-nli-v1.1_train.json" in new


def test_review_features_and_their_cache_key_did_not_move(offline_args):
    """Notebook 05 prints the cache file's name: the key of one-text examples hashes the same bytes as before."""
    examples = [Example("1", "재밌다", 1), Example("2", "별로", 0)]
    tokenizer = _tokenizer(offline_args)
    digest = hashlib.sha256()
    backend = json.loads(tokenizer.backend_tokenizer.to_str())
    backend.pop("truncation", None), backend.pop("padding", None)
    digest.update(json.dumps(backend, sort_keys=True, ensure_ascii=False).encode("utf-8"))
    digest.update(json.dumps({"max_seq_length": 64, "class": type(tokenizer).__name__}).encode())
    for example in examples:
        digest.update(f"{example.id}\t{example.text}\t{example.label}\n".encode("utf-8"))
    assert feature_cache_key(examples, tokenizer, 64) == digest.hexdigest()
    assert NsmcDataset(examples, tokenizer, 64).features["input_ids"][0] == tokenizer("재밌다")["input_ids"]


def _tokenizer(args):
    from nlpbook_helpers.tokenizer import load_tokenizer

    return load_tokenizer(args)


def test_the_pair_collate_marks_the_second_sentence(offline_args):
    from nlpbook_helpers.pair_corpus import PairExample

    tokenizer = _tokenizer(offline_args)
    pairs = [PairExample("a", "영화가 길다", "영화가 짧다", 2), PairExample("b", "배우가 웃었다", "배우는 기뻤다 정말로 아주", 0)]
    dataset = NsmcDataset(pairs, tokenizer, 64, texts=get_task(PAIR).texts)
    batch = make_collate(tokenizer, "dynamic")([dataset[0], dataset[1]])
    for row, pair in enumerate(pairs):
        first = len(tokenizer.tokenize(pair.premise)) + 2         # [CLS] premise [SEP]
        second = len(tokenizer.tokenize(pair.hypothesis)) + 1     # hypothesis [SEP]
        ids = batch["input_ids"][row].tolist()
        types, mask = batch["token_type_ids"][row].tolist(), batch["attention_mask"][row].tolist()
        padding = len(ids) - first - second
        assert ids[0] == tokenizer.cls_token_id and ids[first - 1] == ids[first + second - 1] == tokenizer.sep_token_id
        assert types == [0] * first + [1] * second + [0] * padding
        assert mask == [1] * (first + second) + [0] * padding
        assert ids[first + second:] == [tokenizer.pad_token_id] * padding
    assert batch["labels"].tolist() == [2, 0]
    assert max(batch["attention_mask"].sum(1).tolist()) == batch["input_ids"].shape[1]   # padded to the longest


@pytest.fixture
def pair_args(offline_home, monkeypatch, tmp_path):
    monkeypatch.setenv("NLPBOOK_HOME", str(offline_home))
    return make_arguments("offline", downstream_task_name=PAIR, downstream_model_dir=str(tmp_path / "run"),
                          max_train_examples=300, max_test_examples=100, epochs=1, progress_bar=False)


@pytest.mark.slow
def test_a_short_pair_classification_training(pair_args, no_network):
    from nlpbook_helpers.pipeline import train
    from nlpbook_helpers.training import predict

    lines = []
    result = train(pair_args, report=lambda stage, text: lines.append((stage, text)), max_steps=6)
    assert not no_network
    assert [stage for stage, _ in lines] == [1, 2, 3, 4, 5, 6, 7]
    assert lines[0][1].startswith(f"설정: 프리셋 offline, 태스크 {PAIR}")
    assert lines[1][1] == "말뭉치: 학습 300개 / 테스트 100개 문장 쌍, 레이블 3개: 함의, 중립, 모순"
    assert result.status == "new" and 0 <= result.test_acc <= 1 and 0 <= result.test_f1 <= 1
    assert result.run_dir == Path(pair_args.downstream_model_dir) / "run_0"
    record = json.loads((result.run_dir / "run.json").read_text(encoding="utf-8"))
    assert record["fingerprint"]["args.downstream_task_name"] == PAIR
    assert record["result"]["global_step"] == 6 and record["result"]["test_f1"] == result.test_f1
    config = json.loads((result.finetuned_dir / "config.json").read_text(encoding="utf-8"))
    assert config["id2label"] == {"0": "함의", "1": "중립", "2": "모순"}
    model = result.task.model
    assert model.config.num_labels == 3 and model.config.type_vocab_size == 2
    [prediction] = predict(model, result.tokenizer, [("영화 바다는 코미디 영화이다.", "바다는 코미디 영화이다.")])
    assert prediction.label_name in ("함의", "중립", "모순") and 1 / 3 <= prediction.probability <= 1


def _klue_rows(count: int, start: int = 0) -> list[dict]:
    labels = ("entailment", "neutral", "contradiction")
    return [{"guid": f"klue-nli-v1_train_{start + i:05d}", "source": "NSMC", "premise": f"전제 문장 {i}입니다.",
             "hypothesis": f"가설 문장 {i}입니다.", "gold_label": labels[i % 3], "author": labels[i % 3],
             "label2": labels[i % 3], "label3": labels[i % 3], "label4": labels[i % 3], "label5": labels[i % 3]}
            for i in range(count)]


def test_the_book_preset_reads_klue_nli_and_kornli_files_offline(monkeypatch, tmp_path, no_network):
    monkeypatch.setenv("NLPBOOK_HOME", str(tmp_path))
    root = tmp_path / "corpora"
    args = make_arguments("kcbert-klue-nli", downstream_corpus_root_dir=str(root))
    task = get_task(args)
    with pytest.raises(CorpusError, match="Korpora does not carry KLUE-NLI.*klue-nli-v1.1_train.json.*kornli"):
        task.prepare_corpus(args)                 # nothing there, and no download to try: it says where to get it
    (root / "klue-nli").mkdir(parents=True)
    (root / "klue-nli" / "klue-nli-v1.1_train.json").write_text(json.dumps(_klue_rows(9), ensure_ascii=False),
                                                                  encoding="utf-8")
    (root / "klue-nli" / "klue-nli-v1.1_dev.json").write_text(json.dumps(_klue_rows(3, 100), ensure_ascii=False),
                                                                encoding="utf-8")
    assert task.prepare_corpus(args) == root / "klue-nli"
    corpus = task.load_corpus(args)
    assert (len(corpus.train), len(corpus.test), corpus.label_names) == (9, 3, ("함의", "중립", "모순"))
    assert task.texts(corpus.train[4]) == ("전제 문장 4입니다.", "가설 문장 4입니다.") and corpus.train[4].label == 1

    kornli = dataclasses.replace(args, downstream_corpus_name="kornli")
    (root / "kornli").mkdir()
    for name, count in (("multinli.train.ko.tsv", 6), ("xnli.dev.ko.tsv", 3)):
        rows = [f"문장 {i}\t다른 문장 {i}\t{('entailment', 'neutral', 'contradiction')[i % 3]}" for i in range(count)]
        (root / "kornli" / name).write_text("sentence1\tsentence2\tgold_label\n" + "\n".join(rows) + "\n",
                                            encoding="utf-8")
    assert task.prepare_corpus(kornli) == root / "kornli"     # both files there: Korpora is never asked
    corpus = task.load_corpus(kornli)
    assert (len(corpus.train), len(corpus.test)) == (6, 3) and corpus.test[2].label == 2
    assert "corpus/multinli.train.ko.tsv" in run_fingerprint(kornli)
    assert not no_network
