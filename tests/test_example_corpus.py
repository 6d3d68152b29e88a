"""The example of "your own data" (notebook 08): a seeded three-class review CSV that load_corpus reads as it is,
with neutral reviews that really overlap both sides, written without ever replacing someone's file."""
from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from nlpbook_helpers.corpus import load_corpus
from nlpbook_helpers.example_corpus import (EXAMPLE_LABELS, LABEL_COLUMN, TEXT_COLUMN, _topic, example_csv_content,
                                            generate_example_reviews, write_example_corpus)
from nlpbook_helpers.settings import make_arguments

VOCAB = Path(__file__).resolve().parent.parent / "nlpbook_helpers" / "assets" / "offline_vocab.txt"


@pytest.fixture(scope="module")
def rows():
    return generate_example_reviews()


def test_seeded_balanced_and_clean(rows):
    assert rows == generate_example_reviews() and rows != generate_example_reviews(seed=8)
    assert len(rows) == 3000
    counts = Counter(label for _, label in rows)
    assert set(counts) == set(EXAMPLE_LABELS) and all(980 <= count <= 1020 for count in counts.values())
    for text, _ in rows:        # one line, one CSV field each, NSMC-sized
        assert text.strip() == text and text and len(text) <= 140 and not set(text) & set("\t\n\r\"")
    assert len({text for text, _ in rows}) > 2000        # varied, not a handful of templates


def test_neutral_reviews_are_neutral_or_mixed_and_overlap_both_sides(rows):
    neutral = [text for text, label in rows if label == "중립"]
    for phrase in ("평범했다", "그냥 그랬다", "호불호가 갈린다", "장단점이 반반", "지만 "):
        assert any(phrase in text for text in neutral), phrase
    labels_of: dict[str, set[str]] = {}
    for text, label in rows:
        labels_of.setdefault(text, set()).add(label)
    both = Counter(frozenset(labels) for labels in labels_of.values() if len(labels) > 1)
    # the very same review is rated 중립 by some and 긍정 (or 부정) by others; 긍정 vs 부정 only by the label noise
    assert both[frozenset({"중립", "긍정"})] >= 10 and both[frozenset({"중립", "부정"})] >= 10
    assert both[frozenset({"긍정", "부정"})] < both[frozenset({"중립", "긍정"})] / 3


def test_korean_topic_particle():
    assert [_topic(word) for word in ("연기", "결말", "배우들 연기", "OST", "CG", "영상미")] == [
        "연기는", "결말은", "배우들 연기는", "OST는", "CG는", "영상미는"]


def test_words_are_in_the_offline_vocabulary(rows):
    if not VOCAB.is_file():
        pytest.skip(f"{VOCAB} is not there")
    from transformers import BertTokenizer

    tokenizer = BertTokenizer(str(VOCAB), do_lower_case=False)
    tokens = [token for text, _ in rows[:1000] for token in tokenizer.tokenize(text)]
    assert tokens.count("[UNK]") / len(tokens) < 0.02


def test_written_file_is_what_load_corpus_reads(tmp_path, monkeypatch):
    monkeypatch.setenv("NLPBOOK_HOME", str(tmp_path / "home"))
    path = write_example_corpus(tmp_path / "data" / "my_reviews.csv")
    assert path == tmp_path / "data" / "my_reviews.csv" and path.read_bytes() == example_csv_content()
    with open(path, encoding="utf-8", newline="") as stream:
        lines = list(csv.reader(stream))
    assert lines[0] == ["id", TEXT_COLUMN, LABEL_COLUMN] and len(lines) == 3001
    assert [(text, label) for _, text, label in lines[1:]] == generate_example_reviews()

    args = make_arguments("offline", corpus_source="files", corpus_path=str(path), text_column=TEXT_COLUMN,
                          label_column=LABEL_COLUMN)
    corpus = load_corpus(args)
    assert corpus.label_names == ("긍정", "부정", "중립")
    assert (len(corpus.train), len(corpus.val), len(corpus.test)) == (2400, 300, 300)
    assert Counter(example.label for example in corpus.test) == {0: 100, 1: 100, 2: 100}   # notebook 08's shares
    assert Path(args.downstream_model_dir).name == "offline-my_reviews"


def test_never_replaces_a_file_that_differs(tmp_path):
    path = tmp_path / "reviews.csv"
    write_example_corpus(path)
    before = path.stat().st_mtime_ns
    assert write_example_corpus(path) == path and path.stat().st_mtime_ns == before      # the same: kept as it is
    mine = "id,review,sentiment\n1,내가 쓴 리뷰,긍정\n"
    path.write_text(mine, encoding="utf-8")
    with pytest.raises(FileExistsError, match="not the example corpus.*left as it is"):
        write_example_corpus(path)
    assert path.read_text(encoding="utf-8") == mine
    write_example_corpus(tmp_path / "other.csv")
    with pytest.raises(FileExistsError):                                  # another seed is another file too
        write_example_corpus(tmp_path / "other.csv", seed=8)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.csv", "reviews.csv"]   # no temporary leftovers
    with pytest.raises(ValueError, match=r"\.csv"):
        write_example_corpus(tmp_path / "reviews.tsv")
