"""The NLI corpus: generated pairs (deterministic, balanced, no hypothesis-only give-aways), the KLUE-NLI JSON
writer and reader, the KorNLI TSV reader, and their errors for malformed files."""
import collections
import json

import pytest
from transformers import BertTokenizer

from nlpbook_helpers.corpus import CorpusError
from nlpbook_helpers.model import SHIPPED_MODEL
from nlpbook_helpers.pair_corpus import (KLUE_NLI_FILES, KORNLI_HEADER, NLI_LABELS, PairExample, generate_nli_pairs,
                                         klue_nli_content, read_klue_nli, read_kornli, write_embedded_nli)


@pytest.fixture(scope="module")
def pairs():
    return generate_nli_pairs(1500, 7, "train")


def test_same_seed_same_pairs_balanced_labels(pairs):
    assert generate_nli_pairs(1500, 7, "train") == pairs
    assert generate_nli_pairs(300, 8, "train") != pairs[:300]
    test = generate_nli_pairs(300, 7, "test")
    seen = {(p.premise, p.hypothesis) for p in pairs}
    assert sum((p.premise, p.hypothesis) in seen for p in test) < 0.02 * len(test)   # drawn apart, few repeats
    assert collections.Counter(p.label for p in pairs) == {0: 500, 1: 500, 2: 500}
    assert len({p.id for p in pairs}) == len(pairs)
    assert all(p.premise.strip() and p.hypothesis.strip() for p in pairs)


def test_no_word_of_the_hypothesis_gives_the_label_away(pairs):
    """Annotation artefacts: every frequent hypothesis word (negation included) comes with all three labels."""
    by_word = collections.defaultdict(collections.Counter)
    for pair in pairs:
        for word in set(pair.hypothesis.split()):
            by_word[word][pair.label] += 1
    frequent = {word: counts for word, counts in by_word.items() if sum(counts.values()) >= 60}
    assert {"아니다.", "않았다.", "영화가"} <= set(frequent)
    for word, counts in frequent.items():
        assert max(counts.values()) / sum(counts.values()) < 0.5, (word, counts)


def test_pairs_tokenize_without_unk(pairs):
    tokenizer = BertTokenizer.from_pretrained(SHIPPED_MODEL, do_lower_case=False)
    for pair in pairs[:300]:
        assert tokenizer.unk_token not in tokenizer.tokenize(pair.premise + " " + pair.hypothesis), pair


def test_klue_nli_round_trip_and_keep_or_refuse(tmp_path):
    paths = write_embedded_nli(tmp_path, n_train=30, n_test=12)
    assert {split: path.name for split, path in paths.items()} == KLUE_NLI_FILES
    entry = json.loads(paths["train"].read_text(encoding="utf-8"))[0]
    assert set(entry) == {"guid", "source", "premise", "hypothesis", "gold_label", "author", "label2", "label3",
                          "label4", "label5"}
    read, stats = read_klue_nli(paths["train"])
    assert read == generate_nli_pairs(30, 7, "train")
    assert stats == {"path": str(paths["train"]), "entries": 30, "skipped": 0, "kept": 30}
    assert write_embedded_nli(tmp_path, n_train=30, n_test=12) == paths       # the same bytes: kept, no error
    with pytest.raises(FileExistsError):
        write_embedded_nli(tmp_path, n_train=31, n_test=12)


def test_a_users_file_is_never_overwritten(tmp_path):
    mine = tmp_path / KLUE_NLI_FILES["train"]
    mine.write_text("[]", encoding="utf-8")
    with pytest.raises(FileExistsError, match="not the embedded NLI corpus"):
        write_embedded_nli(tmp_path, n_train=30, n_test=12)
    assert mine.read_text(encoding="utf-8") == "[]"
    assert not (tmp_path / KLUE_NLI_FILES["test"]).exists()                 # nothing at all was written


def _klue(tmp_path, entries, name="klue.json"):
    path = tmp_path / name
    path.write_text(entries if isinstance(entries, str) else json.dumps(entries, ensure_ascii=False), encoding="utf-8")
    return path


def _entry(**changes):
    entry = {"guid": "g1", "source": "x", "premise": "전제 문장이다.", "hypothesis": "가설이다.", "gold_label": "neutral"}
    entry.update(changes)
    return {key: value for key, value in entry.items() if value is not None}


def test_klue_reader_skips_pairs_without_gold_label_and_counts_them(tmp_path):
    path = _klue(tmp_path, [_entry(), _entry(guid="g2", gold_label="-"), _entry(guid="g3", gold_label="entailment")])
    pairs, stats = read_klue_nli(path)
    assert pairs == [PairExample("g1", "전제 문장이다.", "가설이다.", 1), PairExample("g3", "전제 문장이다.", "가설이다.", 0)]
    assert stats["skipped"] == 1 and stats["entries"] == 3 and stats["kept"] == 2


@pytest.mark.parametrize("content, expected", [
    ('[{"premise": "a",\n "hypothesis": }]', r"klue\.json, line 2: not valid JSON .*Fix: "),
    ('{"premise": "a"}', r"klue\.json: a JSON dict, not a list of pairs\. Fix: "),
    ([_entry(), _entry(premise=None)], r"klue\.json, entry 1 \(counting from 0\), guid 'g1': has no 'premise'\. Fix: "),
    ([_entry(hypothesis=3)], r"entry 0 .*has a int as 'hypothesis'\. Fix: "),
    ([_entry(premise="  ")], r"entry 0 .*the premise is empty\. Fix: "),
    ([_entry(gold_label="contradicton")], r"gold_label 'contradicton'\. Fix: use one of entailment, neutral, "
                                          r"contradiction"),
    (["a pair"], r"entry 0 \(counting from 0\): a JSON str, not an object"),
])
def test_klue_reader_errors_name_the_file_the_entry_and_the_fix(tmp_path, content, expected):
    with pytest.raises(CorpusError, match=expected):
        read_klue_nli(_klue(tmp_path, content))


def test_reader_of_a_missing_file(tmp_path):
    with pytest.raises(CorpusError, match=r"nothing\.json does not exist\. Fix"):
        read_klue_nli(tmp_path / "nothing.json")
    with pytest.raises(CorpusError, match=r"is a directory\. Fix: give the file itself"):
        read_kornli(tmp_path)


def _kornli(tmp_path, lines, name="xnli.dev.ko.tsv"):
    path = tmp_path / name
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
    return path


def test_kornli_reader(tmp_path):
    path = _kornli(tmp_path, [KORNLI_HEADER, '그는 "좋다"고 말했다.\t그는 말했다.\tentailment', "a\tb\t-",
                              "비가 온다.\t해가 떴다.\tcontradiction\r", "한 사람이 걷는다.\t그는 학생이다.\tneutral"])
    pairs, stats = read_kornli(path)
    assert pairs == [PairExample("2", '그는 "좋다"고 말했다.', "그는 말했다.", 0), PairExample("4", "비가 온다.", "해가 떴다.", 2),
                     PairExample("5", "한 사람이 걷는다.", "그는 학생이다.", 1)]
    assert stats == {"path": str(path), "lines": 4, "skipped": 1, "kept": 3}
    assert [label for label in NLI_LABELS] == ["entailment", "neutral", "contradiction"]


@pytest.mark.parametrize("lines, expected", [
    (["premise\thypothesis\tlabel", "a\tb\tneutral"], r"xnli\.dev\.ko\.tsv, line 1: the header is .*Fix: the first"),
    ([KORNLI_HEADER, "a\tb\tneutral", "a\tb"], r"line 3: 2 tab-separated fields instead of 3 .*Fix: "),
    ([KORNLI_HEADER, "a\tb\tneutral", "", "a\tb\tneutral"], r"line 3: 1 tab-separated fields instead of 3"),
    ([KORNLI_HEADER, "a\tb\tc\tneutral"], r"line 2: 4 tab-separated fields"),
    ([KORNLI_HEADER, "a\tb\tNEUTRAL"], r"line 2: gold_label 'NEUTRAL'\. Fix: use one of entailment, neutral"),
    ([KORNLI_HEADER, " \tb\tneutral"], r"line 2: an empty sentence\. Fix: "),
])
def test_kornli_errors_name_the_line_and_the_fix(tmp_path, lines, expected):
    with pytest.raises(CorpusError, match=expected):
        read_kornli(_kornli(tmp_path, lines))


def test_klue_content_is_the_writers_bytes(pairs):
    data = json.loads(klue_nli_content(pairs[:3]).decode("utf-8"))
    assert [entry["gold_label"] for entry in data] == [NLI_LABELS[p.label] for p in pairs[:3]]
    assert all(entry["author"] == entry["label5"] == entry["gold_label"] for entry in data)
