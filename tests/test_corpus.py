"""Stage 2: the embedded corpus, the NSMC reader (strict, fast, quote-safe), download_corpus and load_corpus."""
from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from nlpbook_helpers.corpus import (Corpus, CorpusError, Example, corpus_dir, download_corpus, load_corpus,
                                    read_nsmc_file)
from nlpbook_helpers.embedded_corpus import LABEL_NOISE, generate_reviews, write_embedded_corpus
from nlpbook_helpers.settings import make_arguments

HEADER = "id\tdocument\tlabel\n"
QUOTE = '"'


def write(path, text: str | bytes):
    (path.write_bytes if isinstance(text, bytes) else lambda t: path.write_text(t, encoding="utf-8"))(text)
    return path


def block_network(monkeypatch) -> list:
    """Every attempt to connect raises OSError (as with no network) and is recorded."""
    calls = []

    def refuse(*args, **kwargs):
        calls.append(args)
        raise OSError("network is unreachable (blocked by the test)")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return calls


@pytest.fixture(scope="module")
def embedded(tmp_path_factory):
    directory = tmp_path_factory.mktemp("embedded")
    paths = write_embedded_corpus(directory, seed=7)
    return {split: read_nsmc_file(path) for split, path in paths.items()}, paths


# ---- the embedded corpus ----------------------------------------------------------------------------------------

def test_embedded_corpus_is_deterministic(tmp_path, embedded):
    _, paths = embedded
    again = write_embedded_corpus(tmp_path / "again", seed=7)
    for split in ("train", "test"):
        assert again[split].read_bytes() == paths[split].read_bytes()
    other = write_embedded_corpus(tmp_path / "other", seed=8)
    assert other["train"].read_bytes() != paths["train"].read_bytes()


def test_embedded_corpus_format_sizes_balance_and_ids(embedded):
    splits, paths = embedded
    for split, size in (("train", 6000), ("test", 1500)):
        raw = paths[split].read_bytes()
        assert raw.startswith(HEADER.encode()) and raw.endswith(b"\n") and b"\r" not in raw
        examples, stats = splits[split]
        assert len(examples) == size and stats == {"path": str(paths[split]), "lines": size, "empty": 0, "kept": size}
        assert abs(sum(e.label for e in examples) / size - 0.5) <= 0.01
        assert all(0 < len(e.text) <= 140 and e.text == e.text.strip() for e in examples)
        assert len({e.id for e in examples}) == size
    train_ids = {e.id for e in splits["train"][0]}
    assert train_ids.isdisjoint(e.id for e in splits["test"][0])
    texts = [e.text for e in splits["train"][0]]
    mean = sum(map(len, texts)) / len(texts)
    assert 20 <= mean <= 60 and max(map(len, texts)) > 90          # varied lengths, some long reviews
    assert len(set(texts)) > 0.9 * len(texts)                      # enough combinatorial variety
    shared = set(texts) & {e.text for e in splits["test"][0]}
    assert len(shared) < 0.05 * 1500                               # train and test drawn independently


def test_embedded_corpus_has_mixed_negation_slang_scores_and_short_reviews(embedded):
    texts = [e.text for e in embedded[0]["train"][0]]

    def share(predicate):
        return sum(map(predicate, texts)) / len(texts)

    assert share(lambda t: "지만" in t or "는데" in t) > 0.1        # mixed reviews: the last clause decides
    assert share(lambda t: "않" in t or "안 " in t or "없" in t) > 0.05   # negation
    assert share(lambda t: any(s in t for s in ("ㅋㅋ", "ㅎㅎ", "ㅠㅠ", "ㅡㅡ"))) > 0.05
    assert share(lambda t: "점" in t and any(c.isdigit() for c in t)) > 0.03   # "10점 만점에 2점"
    assert share(lambda t: len(t) <= 4) > 0.02                      # one-word reviews
    assert share(lambda t: " " not in t and len(t) > 12) > 0.02     # dropped spaces


def test_label_noise_is_present_but_small():
    noisy, clean = generate_reviews(2000, seed=3), generate_reviews(2000, seed=3, label_noise=0)
    assert [r[:2] for r in noisy] == [r[:2] for r in clean]         # same texts, only some labels flipped
    flipped = [a for a, b in zip(noisy, clean) if a[2] != b[2]]
    assert len(flipped) == 60 == round(2000 * LABEL_NOISE)         # 3%: 30 one way, 30 the other
    assert sum(r[2] for r in noisy) == sum(r[2] for r in clean) == 1000
    words = {"최고": 1, "강추": 1, "명작": 1, "꿀잼": 1, "별로": 0, "노잼": 0, "비추": 0, "최악": 0, "쓰레기": 0}
    short = [(text, label) for _, text, label in clean if text in words]
    assert len(short) > 10 and all(label == words[text] for text, label in short)   # clean labels are right
    assert generate_reviews(50, seed=3) != generate_reviews(50, seed=4)


def test_embedded_reviews_have_nsmc_length_implicit_sentiment_and_sarcasm(embedded):
    from nlpbook_helpers.embedded_corpus import IMPLICIT, SURFACE_FLIP

    texts = [e.text for e in embedded[0]["train"][0]]
    assert 30 <= sum(map(len, texts)) / len(texts) <= 40            # NSMC: about 35 characters on average
    for phrases, share in ((IMPLICIT, 0.1), (SURFACE_FLIP, 0.02)):    # meaning without / against the surface words
        found = sum(any(p in t for p in phrases[0] + phrases[1]) for t in texts)
        assert found > share * len(texts)


def test_pretraining_documents_are_seeded_and_hold_no_labeled_review():
    from nlpbook_helpers.embedded_corpus import generate_pretraining_documents

    documents = generate_pretraining_documents(300, seed=7)
    assert documents == generate_pretraining_documents(300, seed=7) != generate_pretraining_documents(300, seed=8)
    assert len(documents) == 300 and all(len(d) > 10 for d in documents)
    labeled = [text for start in (10_000_000, 20_000_000) for _, text, _ in
               generate_reviews({10_000_000: 6000, 20_000_000: 1500}[start], 7, start)]
    long_labeled = [text for text in labeled if len(text) >= 20]    # shorter ones are single stock phrases
    text = "\n".join(documents)
    assert not [t for t in long_labeled if t in text]                # disjoint from what is fine-tuned and tested


# ---- read_nsmc_file -----------------------------------------------------------------------------------------------

def test_stray_quotes_never_merge_rows(tmp_path):
    path = write(tmp_path / "quotes.txt", HEADER + '1\t"최고의 영화\t1\n2\t그냥 "음...\t0\n3\t"인생작" 이라는 말이 딱\t1\n'
                 '4\t"\t0\n5\t끝"\t1\n')
    examples, stats = read_nsmc_file(path)
    assert [e.id for e in examples] == ["1", "2", "3", "4", "5"]
    assert examples[0] == Example("1", '"최고의 영화', 1) and examples[1].text == '그냥 "음...'
    assert stats["lines"] == 5


def test_150000_rows_give_150000_examples(tmp_path):
    # how fast: benchmarks/run.py (features for 150,000 reviews); no timed assert here, a busy machine must pass
    rows = "".join(f"{i}\t{QUOTE if i % 97 == 0 else ''}리뷰 번호 {i} 재밌다\t{i % 2}\n" for i in range(150_000))
    path = write(tmp_path / "big.txt", HEADER + rows)
    examples, stats = read_nsmc_file(path)
    assert len(examples) == 150_000 and stats["lines"] == stats["kept"] == 150_000
    assert examples[-1] == Example("149999", "리뷰 번호 149999 재밌다", 1)


def test_empty_documents_keep_or_skip_and_are_counted(tmp_path):
    path = write(tmp_path / "empty.txt", HEADER + "1\t좋다\t1\n2\t\t0\n3\t   \t1\n4\t별로\t0\n")
    kept, stats = read_nsmc_file(path, "keep")
    assert [e.text for e in kept] == ["좋다", "", "", "별로"] and stats["empty"] == 2 and stats["kept"] == 4
    skipped, stats = read_nsmc_file(path, "skip")
    assert [e.id for e in skipped] == ["1", "4"] and stats == {"path": str(path), "lines": 4, "empty": 2, "kept": 2}
    with pytest.raises(CorpusError, match="keep"):
        read_nsmc_file(path, "drop")


@pytest.mark.parametrize("content, line, fix", [
    ("id,document,label\n1\t좋다\t1\n", 1, "id\\tdocument\\tlabel"),
    ("document\tlabel\n좋다\t1\n", 1, "first line must be"),
    (HEADER + "1\t좋다\t1\n2\t탭이\t들어간 리뷰\t0\n", 3, "tab"),
    (HEADER + "1\t좋다\n", 2, "tab"),
    (HEADER + "1\t좋다\t1\n2\t별로\t2\n", 3, "must be 0"),
    (HEADER + "1\t좋다\t1\n2\t별로\tnegative\n", 3, "must be 0"),
    (HEADER + "1\t좋다\t1\n\n2\t별로\t0\n", 3, "delete the empty line"),
    (HEADER.encode() + "1\t좋다\t1\n2\t".encode() + "별로".encode("cp949") + b"\t0\n", 3, "UTF-8"),
    ("", 1, "first line must be"),
])
def test_bad_input_names_file_line_and_fix(tmp_path, content, line, fix):
    path = write(tmp_path / "bad_ratings.txt", content)
    before = path.read_bytes()
    with pytest.raises(CorpusError) as error:
        read_nsmc_file(path)
    message = str(error.value)
    assert "bad_ratings.txt" in message and f"line {line}:" in message and fix in message, message
    assert path.read_bytes() == before                             # reading never changes the file


def test_bad_label_message_shows_the_value(tmp_path):
    path = write(tmp_path / "r.txt", HEADER + "1\t좋다\t1\n2\t별로\t2\n")
    with pytest.raises(CorpusError, match=r"r\.txt, line 3: label '2'"):
        read_nsmc_file(path)
    path = write(tmp_path / "c.txt", HEADER + "1\t탭\t이 있음\t1\n")
    with pytest.raises(CorpusError, match=r"line 2: 4 tab-separated fields"):
        read_nsmc_file(path)


def test_missing_file_says_to_download_first(tmp_path):
    with pytest.raises(CorpusError, match=r"ratings_train\.txt.*download_corpus\(args\)"):
        read_nsmc_file(tmp_path / "nsmc" / "ratings_train.txt")


def test_crlf_and_bom_are_tolerated(tmp_path):
    path = write(tmp_path / "windows.txt", ("\ufeff" + HEADER + "1\t좋다\t1\n2\t별로\t0\n").replace("\n", "\r\n"))
    examples, _ = read_nsmc_file(path)
    assert examples == [Example("1", "좋다", 1), Example("2", "별로", 0)]


# ---- download_corpus and load_corpus ------------------------------------------------------------------------------

def test_download_embedded_writes_once(tmp_path, monkeypatch):
    calls = block_network(monkeypatch)
    args = make_arguments("offline", downstream_corpus_root_dir=str(tmp_path))
    folder = download_corpus(args)
    assert folder == corpus_dir(args) == tmp_path / "nsmc"
    train = folder / "ratings_train.txt"
    assert train.read_text(encoding="utf-8").startswith(HEADER) and (folder / "ratings_test.txt").is_file()
    os.utime(train, (1_000_000, 1_000_000))
    assert download_corpus(args) == folder
    assert train.stat().st_mtime == 1_000_000 and calls == []
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]   # no temporary files left


def test_korpora_source_with_files_present_never_touches_the_network(tmp_path, monkeypatch):
    calls = block_network(monkeypatch)
    args = make_arguments("kcbert-nsmc", downstream_corpus_root_dir=str(tmp_path))
    folder = corpus_dir(args)
    folder.mkdir()
    for name in ("ratings_train.txt", "ratings_test.txt"):
        write(folder / name, HEADER + '1\t"좋다\t1\n')
    assert download_corpus(args) == folder and calls == []
    assert load_corpus(args).train == [Example("1", '"좋다', 1)]


def test_korpora_source_without_network_says_what_to_do(tmp_path, monkeypatch):
    calls = block_network(monkeypatch)
    args = make_arguments("kcbert-nsmc", downstream_corpus_root_dir=str(tmp_path))
    write((tmp_path / "nsmc").mkdir() or tmp_path / "nsmc" / "ratings_train.txt", HEADER + "1\t내 파일\t1\n")
    with pytest.raises(CorpusError) as error:
        download_corpus(args)
    message = str(error.value)
    assert "offline" in message and 'make_arguments("offline")' in message
    assert str(tmp_path / "nsmc") in message and "ratings_test.txt" in message
    assert calls                                                    # it did try, and was refused
    assert (tmp_path / "nsmc" / "ratings_train.txt").read_text(encoding="utf-8") == HEADER + "1\t내 파일\t1\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nsmc"]  # no staging folder left behind


def test_korpora_download_lands_in_corpus_dir_and_keeps_existing_files(tmp_path, monkeypatch):
    """Korpora's own fetch runs (its folder layout included); only the transfer itself is faked."""
    import Korpora.utils

    def fake_download(url, local_path, corpus_name="", force_download=False):
        write(Path(local_path), HEADER + f"1\t{Path(url).name} 받음\t1\n")

    monkeypatch.setattr(Korpora.utils, "web_download", fake_download)
    args = make_arguments("kcbert-nsmc", downstream_corpus_root_dir=str(tmp_path))
    folder = corpus_dir(args)
    folder.mkdir()
    write(folder / "ratings_train.txt", HEADER + "1\t내가 둔 파일\t0\n")
    assert download_corpus(args) == folder
    corpus = load_corpus(args)
    assert corpus.train == [Example("1", "내가 둔 파일", 0)]            # an existing file is never replaced
    assert corpus.test == [Example("1", "ratings_test.txt 받음", 1)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nsmc"]


def test_load_corpus_applies_limits_and_empty_documents(tmp_path, monkeypatch):
    monkeypatch.setenv("NLPBOOK_HOME", str(tmp_path))
    folder = tmp_path / "data" / "embedded" / "nsmc"
    folder.mkdir(parents=True)
    write(folder / "ratings_train.txt", HEADER + "".join(f"{i}\t{'' if i % 3 == 0 else f'리뷰 {i}'}\t{i % 2}\n"
                                                         for i in range(30)))
    write(folder / "ratings_test.txt", HEADER + "100\t좋다\t1\n101\t\t0\n102\t별로\t0\n")
    corpus = load_corpus(make_arguments("offline", empty_documents="skip", max_train_examples=5))
    assert isinstance(corpus, Corpus) and repr(corpus) == "Corpus(train=5 examples, test=2 examples)"
    assert [e.id for e in corpus.train] == ["1", "2", "4", "5", "7"] and [e.id for e in corpus.test] == ["100", "102"]
    assert corpus.stats["train"] == {"path": str(folder / "ratings_train.txt"), "lines": 30, "empty": 10, "kept": 20,
                                     "used": 5}
    corpus = load_corpus(make_arguments("offline", max_test_examples=2))
    assert len(corpus.train) == 30 and corpus.train[0].text == "" and [e.id for e in corpus.test] == ["100", "101"]


def test_load_corpus_before_download_says_what_to_run(tmp_path):
    args = make_arguments("offline", downstream_corpus_root_dir=str(tmp_path))
    with pytest.raises(CorpusError, match="download_corpus"):
        load_corpus(args)
    download_corpus(args)
    corpus = load_corpus(args)
    assert len(corpus.train) == 6000 and len(corpus.test) == 1500
