"""Your own corpus (corpus_source="files"): CSV/TSV with named or integer labels, any number of classes, a seeded
stratified validation split, file/line/fix errors, and the command line end to end."""
from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nlpbook_helpers.corpus import CorpusError, Example, label_order, load_corpus, stratified_split
from nlpbook_helpers.settings import ArgumentsError, make_arguments

ROOT = Path(__file__).resolve().parent.parent
# a tiny template: each label has its own words, so even one epoch of the tiny model learns something
WORDS = {"부정": ["지루했다", "별로였다", "실망이다", "최악이다"],
         "중립": ["그냥 그렇다", "보통이다", "무난했다", "평범했다"],
         "긍정": ["재밌었다", "최고였다", "감동이다", "훌륭했다"]}
SUBJECTS = ["영화가", "배우 연기가", "이야기가", "음악이", "결말이"]


def reviews(per_label: int = 100) -> list[tuple[str, str]]:
    """(review, label) pairs made from the template, labels interleaved: 부정, 중립, 긍정, 부정, ..."""
    rows = []
    for index in range(per_label):
        for label, words in WORDS.items():
            rows.append((f"{SUBJECTS[index % len(SUBJECTS)]} 정말 {words[index % len(words)]}", label))
    return rows


def write_csv(path: Path, rows, header=("id", "review", "stars")) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        writer.writerows((number, text, label) for number, (text, label) in enumerate(rows))
    return path


def files_args(path: Path, **overrides):
    values = dict(corpus_source="files", corpus_path=str(path), text_column="review", label_column="stars",
                  downstream_model_dir=str(path.parent / "run"))
    values.update(overrides)
    return make_arguments("offline", **values)


def test_label_order_is_numeric_for_integers_and_sorted_for_names():
    assert label_order(["10", "2", "-1", "2"]) == ("-1", "2", "10")
    assert label_order(["부정", "중립", "긍정", "sports"]) == ("sports", "긍정", "부정", "중립")


def test_three_named_labels_with_a_seeded_stratified_split(tmp_path):
    args = files_args(write_csv(tmp_path / "reviews.csv", reviews(50)))
    corpus = load_corpus(args)
    assert corpus.label_names == ("긍정", "부정", "중립")
    parts = [corpus.train, corpus.val, corpus.test]
    assert [len(part) for part in parts] == [120, 15, 15]
    for part in parts:      # stratified: each label in the same share everywhere
        assert sorted(sum(example.label == label for example in part) for label in range(3)) == [len(part) // 3] * 3
    ids = [{example.id for example in part} for part in parts]
    assert not (ids[0] & ids[1] or ids[0] & ids[2] or ids[1] & ids[2]) and len(set().union(*ids)) == 150
    assert load_corpus(args).val == corpus.val                                  # seeded: the same again
    assert load_corpus(files_args(Path(args.corpus_path), seed=8)).val != corpus.val
    first = next(example for part in parts for example in part if example.id == "2")   # ids are line numbers
    assert (first.text, corpus.label_names[first.label]) == ("영화가 정말 지루했다", "부정")


def test_stratified_split_keeps_each_label_and_file_order():
    examples = [Example(str(i), f"t{i}", i % 2) for i in range(20)] + [Example("x", "rare", 2)]
    kept, held = stratified_split(examples, 0.3, seed=1)
    assert len(held) == 6 and {e.label for e in held} == {0, 1} and examples[-1] in kept
    assert kept == sorted(kept, key=examples.index) and held == sorted(held, key=examples.index)


def test_tsv_folder_with_integer_labels_and_quotes(tmp_path):
    folder = tmp_path / "stars"
    folder.mkdir()
    lines = ["text\tstars"] + [f'"{text}" 별점\t{1 + i % 3 * 9}' for i, (text, _) in enumerate(reviews(10))]
    (folder / "train.tsv").write_text("\n".join(lines[:25]) + "\n", encoding="utf-8")
    (folder / "test.tsv").write_text("\n".join([lines[0]] + lines[25:]) + "\n", encoding="utf-8")
    corpus = load_corpus(files_args(folder, text_column="text"))
    assert corpus.label_names == ("1", "10", "19")
    assert corpus.train[0].text.startswith('"영화가') and len(corpus.test) == 6 and len(corpus.val) == 3


def problem(tmp_path, content: str, name: str = "bad.csv", **overrides) -> str:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CorpusError) as error:
        load_corpus(files_args(path, **overrides))
    return str(error.value)


def test_bad_rows_name_the_file_the_line_and_the_fix(tmp_path):
    good = "".join(f"{i},좋은 영화 {i},{'긍정' if i % 2 else '부정'}\n" for i in range(10))
    header = "id,review,stars\n"
    message = problem(tmp_path, "id,text,label\n" + good)
    assert "bad.csv, line 1: no column 'review'" in message and "['id', 'text', 'label']" in message
    assert "text_column" in message
    message = problem(tmp_path, header + good + "11,좋은, 영화,긍정\n")
    assert "line 12: 4 comma-separated fields instead of 3 (id, review, stars)" in message
    assert "double quotes" in message
    message = problem(tmp_path, header + good + "11, ,긍정\n", empty_documents="error")
    assert "line 12: the text (review) is empty" in message and "empty_documents='skip'" in message
    message = problem(tmp_path, header + good + "11,좋다,\n")
    assert "line 12: the label (stars) is empty" in message
    folder = tmp_path / "split"
    folder.mkdir()
    (folder / "train.csv").write_text(header + good, encoding="utf-8")
    (folder / "test.csv").write_text(header + "1,그저 그렇다,중립\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"test\.csv, line 2: label '중립', which the training file train\.csv "
                                          r"never has \(its labels: 긍정, 부정\)\. Fix: "):
        load_corpus(files_args(folder))
    (tmp_path / "cp949.csv").write_bytes((header + "1,재밌다,긍정\n").encode("cp949"))
    with pytest.raises(CorpusError, match=r"cp949\.csv, line 2: bytes that are not UTF-8.*iconv"):
        load_corpus(files_args(tmp_path / "cp949.csv"))
    with pytest.raises(CorpusError, match="does not exist"):
        load_corpus(files_args(tmp_path / "nowhere.csv"))


def test_arguments_defaults_keep_the_presets_and_check_the_new_fields(tmp_path):
    for preset in ("offline", "kcbert-nsmc"):
        args = make_arguments(preset)
        assert (args.corpus_source, args.corpus_path) in (("embedded", ""), ("korpora", ""))
    with pytest.raises(ArgumentsError, match="needs corpus_path"):
        make_arguments("offline", corpus_source="files")
    with pytest.raises(ArgumentsError, match="val_ratio"):
        make_arguments("offline", val_ratio=0.6, test_ratio=0.5)
    args = make_arguments("offline", corpus_source="files", corpus_path=str(tmp_path / "my_reviews.csv"))
    assert Path(args.downstream_model_dir).name == "offline-my_reviews"


def test_fingerprint_hashes_the_files_read(tmp_path):
    from nlpbook_helpers.runs import run_fingerprint

    path = write_csv(tmp_path / "reviews.csv", reviews(5))
    before = run_fingerprint(files_args(path))
    assert before["corpus/reviews.csv"].startswith("sha256:") and before["args.text_column"] == "review"
    assert not any(key.startswith("corpus/ratings") for key in before)
    write_csv(path, reviews(6))
    assert run_fingerprint(files_args(path))["corpus/reviews.csv"] != before["corpus/reviews.csv"]


def test_three_classes_from_the_command_line_end_to_end(offline_home, tmp_path):
    corpus = write_csv(tmp_path / "my_reviews.csv", reviews(100))
    env = dict(os.environ, NLPBOOK_HOME=str(offline_home), HF_HUB_OFFLINE="1")
    done = subprocess.run(
        [sys.executable, "-m", "nlpbook_helpers", "train", "--corpus", str(corpus), "--set", "text_column=review",
         "--set", "label_column=stars", "--set", "epochs=1", "--set", "max_seq_length=16",
         "--set", "progress_bar=False", "--set", f"downstream_model_dir={tmp_path / 'run'}"],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "[2/7] 말뭉치: 학습 240개 / 검증 30개 / 테스트 30개 인스턴스, 레이블 3개: 긍정, 부정, 중립" in done.stdout
    result = next(line for line in done.stdout.splitlines() if line.startswith("test accuracy:"))
    accuracy = float(result.split()[2])
    assert 0 <= accuracy <= 1 and "macro-F1" in result
    assert done.stdout.rstrip().endswith("labels: 긍정, 부정, 중립")

    from transformers import BertForSequenceClassification, BertTokenizer

    from nlpbook_helpers.training import predict

    finetuned = next((tmp_path / "run").glob("run_*/finetuned"))
    model = BertForSequenceClassification.from_pretrained(finetuned)
    assert model.config.num_labels == 3 and model.config.id2label == {0: "긍정", 1: "부정", 2: "중립"}
    tokenizer = BertTokenizer.from_pretrained(finetuned)
    predictions = predict(model, tokenizer, ["음악이 정말 최고였다", "결말이 정말 최악이다"])
    assert {prediction.label_name for prediction in predictions} <= {"긍정", "부정", "중립"}
    record = json.loads((finetuned.parent / "run.json").read_text(encoding="utf-8"))
    assert record["fingerprint"]["corpus/my_reviews.csv"].startswith("sha256:") and "test_f1" in record["result"]


def test_command_line_names_the_missing_column(offline_home, tmp_path):
    corpus = write_csv(tmp_path / "my_reviews.csv", reviews(3))
    env = dict(os.environ, NLPBOOK_HOME=str(offline_home), HF_HUB_OFFLINE="1")
    done = subprocess.run([sys.executable, "-m", "nlpbook_helpers", "prepare", "--corpus", str(corpus),
                           "--set", "text_column=text"], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert done.returncode == 1
    assert ("my_reviews.csv, line 1: no column 'text' in the header; its columns are ['id', 'review', 'stars']"
            in done.stderr)


def test_the_widget_colours_only_positive_and_negative():
    from nlpbook_helpers.training import Prediction
    from nlpbook_helpers.views.predict import prediction_html

    assert "#1a7f37" in prediction_html(Prediction("a", 0, "긍정", 0.9))
    assert "#cf222e" in prediction_html(Prediction("a", 1, "부정", 0.9))
    neutral = prediction_html(Prediction("a", 2, "중립", 0.9))
    assert 'data-label="중립"' in neutral and "#333" in neutral
