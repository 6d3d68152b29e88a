"""Faults a student or a classroom meets (issue 13): the user's corpus is never replaced, a shared home works
(umask, several processes at once), a stalled network fails within the timeout, `--set` type errors, leftovers."""
from __future__ import annotations

import hashlib
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from nlpbook_helpers.__main__ import _parse_overrides, main
from nlpbook_helpers.corpus import CorpusError, download_corpus, read_nsmc_file
from nlpbook_helpers.embedded_corpus import write_embedded_corpus
from nlpbook_helpers.model import SHIPPED_MODEL, build_offline_checkpoint, prepare_pretrained
from nlpbook_helpers.settings import ArgumentsError, make_arguments

ROOT = Path(__file__).resolve().parents[1]
HEADER = "id\tdocument\tlabel\n"
USERS_FILE = HEADER + "1\t내가 쓴 리뷰\t1\n2\t별로였다\t0\n"
DIMS = dict(hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64,
            max_position_embeddings=64)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def modes(folder: Path) -> dict[str, str]:
    """Permission bits of a folder and everything under it, by relative path."""
    return {str(path.relative_to(folder)): oct(path.stat().st_mode & 0o777) for path in [folder, *folder.rglob("*")]}


def cli(*arguments: str, env: dict, umask: int = 0o022) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "nlpbook_helpers", *arguments], cwd=ROOT, env=env, umask=umask,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def child_env(home: Path, **extra: str) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.lower().endswith("_proxy")}
    env.update(NLPBOOK_HOME=str(home), OMP_NUM_THREADS="1", HF_HUB_DISABLE_PROGRESS_BARS="1", **extra)
    return env


@pytest.fixture
def umask():
    """Set the process umask for one test (a classroom's 022 or a group's 002) and restore it afterwards."""
    previous = os.umask(0o022)
    os.umask(previous)
    yield lambda value: os.umask(value)
    os.umask(previous)


# ---- 1. nothing of the user's is ever replaced -------------------------------------------------------------------

def test_a_users_train_file_without_a_test_file_is_an_error_and_stays_unchanged(tmp_path):
    args = make_arguments("offline", downstream_corpus_root_dir=str(tmp_path))
    folder = tmp_path / "nsmc"
    folder.mkdir()
    mine = folder / "ratings_train.txt"
    mine.write_text(USERS_FILE, encoding="utf-8")
    os.utime(mine, (1_000_000, 1_000_000))
    with pytest.raises(CorpusError) as error:
        download_corpus(args)
    assert str(error.value) == (
        f"{folder}: ratings_train.txt is there but ratings_test.txt is missing, and ratings_train.txt is not the "
        "embedded corpus (nlpbook_helpers did not write it), so it was left unchanged and nothing was written. "
        "Fix: put your own ratings_test.txt (NSMC format) beside it, or move ratings_train.txt elsewhere to get the "
        "embedded corpus, or set downstream_corpus_root_dir to another folder")
    assert mine.read_text(encoding="utf-8") == USERS_FILE and mine.stat().st_mtime == 1_000_000
    assert sorted(path.name for path in folder.iterdir()) == ["ratings_train.txt"]   # no test file, no temp file


def test_a_users_test_file_is_kept_too(tmp_path):
    args = make_arguments("offline", downstream_corpus_root_dir=str(tmp_path))
    (tmp_path / "nsmc").mkdir()
    mine = tmp_path / "nsmc" / "ratings_test.txt"
    mine.write_text(USERS_FILE, encoding="utf-8")
    with pytest.raises(CorpusError, match=r"ratings_test\.txt is there but ratings_train\.txt is missing.*Fix: put "
                                          r"your own ratings_train\.txt"):
        download_corpus(args)
    assert mine.read_text(encoding="utf-8") == USERS_FILE and not (tmp_path / "nsmc" / "ratings_train.txt").exists()


def test_the_embedded_corpus_completes_its_own_folder_without_rewriting_what_is_there(tmp_path):
    args = make_arguments("offline", downstream_corpus_root_dir=str(tmp_path))
    folder = download_corpus(args)
    train, test = folder / "ratings_train.txt", folder / "ratings_test.txt"
    expected = sha(test)
    test.unlink()
    os.utime(train, (1_000_000, 1_000_000))
    before = train.stat().st_ino
    assert download_corpus(args) == folder
    assert sha(test) == expected                                        # the same corpus as before
    assert train.stat().st_mtime == 1_000_000 and train.stat().st_ino == before   # not rewritten


def test_write_embedded_corpus_refuses_to_overwrite_a_foreign_file(tmp_path):
    (tmp_path / "ratings_test.txt").write_text(USERS_FILE, encoding="utf-8")
    with pytest.raises(FileExistsError, match=r"ratings_test\.txt is not the embedded corpus \(seed=7\)"):
        write_embedded_corpus(tmp_path, seed=7)
    assert (tmp_path / "ratings_test.txt").read_text(encoding="utf-8") == USERS_FILE
    assert sorted(path.name for path in tmp_path.iterdir()) == ["ratings_test.txt"]


# ---- 2. a shared classroom home ----------------------------------------------------------------------------------

@pytest.mark.parametrize("mask, file_mode, folder_mode", [(0o022, "0o644", "0o755"), (0o002, "0o664", "0o775")],
                         ids=["umask-022", "umask-002"])
def test_files_and_folders_follow_the_umask(tmp_path, umask, mask, file_mode, folder_mode):
    from transformers import BertTokenizer

    from nlpbook_helpers.corpus import load_corpus
    from nlpbook_helpers.data import NsmcDataset

    umask(mask)
    args = make_arguments("offline", downstream_corpus_root_dir=str(tmp_path / "data"))
    corpus_folder = download_corpus(args)
    model = build_offline_checkpoint(tmp_path / "models" / "tiny", DIMS, seed=3)
    tokenizer = BertTokenizer.from_pretrained(model)
    NsmcDataset(load_corpus(args).test[:50], tokenizer, 32, cache_dir=tmp_path / "features")
    for folder in (tmp_path / "data", tmp_path / "models", tmp_path / "features"):
        found = modes(folder)
        expected = {name: folder_mode if (folder / name).is_dir() else file_mode for name in found}
        assert found == expected, folder
    assert len(list((tmp_path / "features").glob("features-*.npz"))) == 1 and corpus_folder.is_dir()


def test_four_prepares_at_once_on_a_fresh_home_all_succeed_alike(tmp_path):
    home = tmp_path / "home"
    runs = [cli("prepare", "--preset", "offline", env=child_env(home, HF_HUB_OFFLINE="1")) for _ in range(4)]
    results = []
    for run in runs:
        out, err = run.communicate(timeout=300)
        results.append((run.returncode, out, err))
    for rc, out, err in results:
        assert rc == 0, err[-3000:]
    reports = {tuple(re.sub(r" \(\d+s\)$", "", line) for line in out.splitlines() if line.startswith("[")) for
               _, out, _ in results}
    assert len(reports) == 1, reports                       # every process saw the same corpus, model and tokenizer
    assert any(line.startswith("[2/7] 말뭉치: 학습 6000개 / 테스트 1500개 리뷰") for line in reports.pop())

    args = make_arguments("offline")
    reference = write_embedded_corpus(tmp_path / "reference-corpus", seed=args.seed)
    corpus = home / "data" / "embedded" / "nsmc"
    assert {sha(corpus / path.name) for path in reference.values()} == {sha(path) for path in reference.values()}
    assert sha(home / "models" / "tiny-kcbert" / "model.safetensors") == sha(SHIPPED_MODEL / "model.safetensors")
    found = modes(home)
    leftovers = [name for name in found if re.search(r"(^|/)(\.building-|\.download-|tmp)|\.tmp$", name)]
    assert leftovers == []
    assert found == {name: "0o755" if (home / name).is_dir() else "0o644" for name in found}   # a classmate can read


# ---- 3. a stalled network fails within the timeout, naming the way out ---------------------------------------

@pytest.fixture
def stalled_proxy():
    """A local listener that accepts connections and never answers (a stalled network); yields (url, accepted)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []

    def accept():
        while True:
            try:
                held.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}", held
    server.close()
    for connection in held:
        connection.close()


def test_a_stalled_corpus_download_fails_within_the_timeout_and_names_the_offline_preset(tmp_path, stalled_proxy,
                                                                                        monkeypatch):
    url, held = stalled_proxy
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy"):
        monkeypatch.setenv(name, url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.setenv("NLPBOOK_NETWORK_TIMEOUT", "1")
    monkeypatch.setattr(urllib.request, "_opener", None)    # urlopen reads the proxy variables when first called
    args = make_arguments("kcbert-nsmc", downstream_corpus_root_dir=str(tmp_path))
    outcome: list[BaseException] = []

    def download():
        try:
            download_corpus(args)
        except BaseException as error:      # noqa: BLE001 - handed to the test below
            outcome.append(error)

    worker = threading.Thread(target=download, daemon=True)   # a hang fails the test instead of blocking it
    started = time.monotonic()
    worker.start()
    worker.join(timeout=60)
    assert not worker.is_alive(), "download_corpus still waits for a network that never answers"
    assert time.monotonic() - started < 30 and held        # it reached the listener, which never answered
    assert isinstance(outcome[0], CorpusError), outcome
    assert str(outcome[0]).startswith(
        "could not download nsmc with Korpora (no answer within 1 s; set NLPBOOK_NETWORK_TIMEOUT=<seconds> to wait "
        "longer). Is there no network here? Then either use the offline preset (make_arguments(\"offline\"), or "
        "--preset offline on the command line: the embedded corpus)")
    assert socket.getdefaulttimeout() is None               # the process's default is given back
    assert sorted(path.name for path in tmp_path.iterdir()) == ["nsmc"] and not any((tmp_path / "nsmc").iterdir())


def test_prepare_with_a_stalled_hub_returns_within_the_timeout_and_names_the_offline_preset(tmp_path,
                                                                                           stalled_proxy):
    from huggingface_hub import constants

    url, held = stalled_proxy
    home = tmp_path / "home"
    folder = home / "data" / "korpora" / "nsmc"             # the corpus is there: the hub is the next thing asked
    folder.mkdir(parents=True)
    for name in ("ratings_train.txt", "ratings_test.txt"):
        (folder / name).write_text(USERS_FILE, encoding="utf-8")
    env = child_env(home, HTTPS_PROXY=url, HTTP_PROXY=url, https_proxy=url, http_proxy=url,
                    NLPBOOK_NETWORK_TIMEOUT="1", HF_HOME=str(tmp_path / "hf-cache"))
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "NO_PROXY", "no_proxy"):
        env.pop(name, None)
    started = time.monotonic()
    run = cli("prepare", "--preset", "kcbert-nsmc", env=env)
    try:
        out, err = run.communicate(timeout=120)
    finally:
        run.kill()
    assert run.returncode == 1 and held, err[-3000:]            # it did reach the listener, which never answered
    assert time.monotonic() - started < 90
    assert (f"could not load 'beomi/kcbert-base' ({constants.ENDPOINT} did not answer within 1 s; set "
            "NLPBOOK_NETWORK_TIMEOUT=<seconds> to wait longer). Without network access use the offline preset "
            "(make_arguments('offline'), or --preset offline on the command line)") in err
    assert "[2/7] 말뭉치: 학습 2개 / 테스트 2개 리뷰" in out


def test_the_network_timeout_setting_is_checked(monkeypatch):
    from nlpbook_helpers.settings import network_timeout

    monkeypatch.setenv("NLPBOOK_NETWORK_TIMEOUT", "soon")
    with pytest.raises(ArgumentsError, match=r"NLPBOOK_NETWORK_TIMEOUT='soon': must be a number of seconds > 0"):
        network_timeout()
    monkeypatch.setenv("NLPBOOK_NETWORK_TIMEOUT", "2.5")
    assert network_timeout() == 2.5
    monkeypatch.delenv("NLPBOOK_NETWORK_TIMEOUT")
    assert network_timeout() == 30


# ---- 4. small ones -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("pair, message", [
    ("learning_rate=abc", "learning_rate='abc': must be a number, not str (e.g. learning_rate=5e-05)"),
    ("seed=abc", "seed='abc': must be an integer, not str (e.g. seed=7)"),
    ("epochs=True", "epochs=True: must be an integer >= 1"),
    ("batch_size=True", "batch_size=True: must be an integer >= 1 (the book uses 32)"),
    ("fast_dev_run=yes", "fast_dev_run='yes': must be True or False, not str (e.g. fast_dev_run=False)"),
])
def test_set_type_errors_name_the_field_and_the_type(pair, message, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("NLPBOOK_HOME", str(tmp_path))
    assert main(["prepare", "--preset", "offline", "--set", pair]) == 2
    assert capsys.readouterr().err == f"error: {message}\n"
    assert list(tmp_path.iterdir()) == []                       # refused before anything was written


@pytest.mark.parametrize("field, value, message", [
    ("epochs", True, "epochs=True: must be an integer >= 1"),
    ("max_train_examples", True, "max_train_examples=True: must be an integer or None, not bool"),
    ("seed", 7.5, "seed=7.5: must be an integer, not float (e.g. seed=7)"),
    ("warmup_ratio", "0.1", "warmup_ratio='0.1': must be a number, not str (e.g. warmup_ratio=0.1)"),
])
def test_validate_refuses_booleans_and_wrong_types(field, value, message):
    with pytest.raises(ArgumentsError) as error:
        make_arguments("offline", **{field: value})
    assert str(error.value).startswith(message)
    args = make_arguments("offline")
    setattr(args, field, value)
    with pytest.raises(ArgumentsError):
        args.validate()


def test_set_keeps_text_fields_as_text():
    assert _parse_overrides(["precision=32", "epochs=1", "learning_rate=5e-5", "monitor=max val_acc",
                             "max_train_examples=None"]) == {
        "precision": "32", "epochs": 1, "learning_rate": 5e-5, "monitor": "max val_acc", "max_train_examples": None}


def test_a_directory_in_place_of_a_corpus_file_is_reported_as_such(tmp_path):
    args = make_arguments("offline", downstream_corpus_root_dir=str(tmp_path))
    (tmp_path / "nsmc" / "ratings_test.txt").mkdir(parents=True)
    with pytest.raises(CorpusError) as error:
        download_corpus(args)
    assert str(error.value) == (f"{tmp_path / 'nsmc' / 'ratings_test.txt'} is a directory, not a file: move it away "
                                "(the corpus is the two files ratings_train.txt and ratings_test.txt directly in "
                                f"{tmp_path / 'nsmc'}), then run again")
    with pytest.raises(CorpusError, match=r"ratings_test\.txt is a directory, not a file: move it away and put the "
                                          r"NSMC-format file there"):
        read_nsmc_file(tmp_path / "nsmc" / "ratings_test.txt")
    assert sorted(path.name for path in (tmp_path / "nsmc").iterdir()) == ["ratings_test.txt"]


def test_leftovers_of_interrupted_builds_are_removed(tmp_path, monkeypatch):
    monkeypatch.setenv("NLPBOOK_HOME", str(tmp_path))
    args = make_arguments("offline-scratch", tiny_model=DIMS)
    corpus = tmp_path / "data" / "embedded" / "nsmc"
    models = tmp_path / "models"
    for leftover in (corpus / ".ratings_train.txt.abc123.tmp", models / ".building-x1y2z3" / "model.safetensors"):
        leftover.parent.mkdir(parents=True, exist_ok=True)
        leftover.write_bytes(b"half")
    download_corpus(args)
    prepare_pretrained(args)
    assert sorted(path.name for path in corpus.iterdir()) == ["ratings_test.txt", "ratings_train.txt"]
    assert sorted(path.name for path in models.iterdir()) == ["tiny-kcbert-scratch"]


def test_old_feature_caches_do_not_pile_up(tmp_path):
    from transformers import BertTokenizer

    from nlpbook_helpers.corpus import Example
    from nlpbook_helpers.data import NsmcDataset

    tokenizer = BertTokenizer.from_pretrained(build_offline_checkpoint(tmp_path / "model", DIMS, seed=3))
    cache = tmp_path / "features"
    cache.mkdir()
    (cache / "tmpab12cd.npz").write_bytes(b"half")              # what an interrupted save of an older version left
    for number in range(12):                                    # caches of twelve earlier settings
        old = cache / f"features-{number:024d}.npz"
        old.write_bytes(b"old")
        os.utime(old, (1_000_000 + number, 1_000_000 + number))
    dataset = NsmcDataset([Example("1", "좋은 영화", 1), Example("2", "별로", 0)], tokenizer, 16, cache_dir=cache)
    kept = sorted(path.name for path in cache.iterdir())
    assert dataset.cache_file.name in kept and len(kept) == 8
    assert kept == sorted([dataset.cache_file.name] + [f"features-{number:024d}.npz" for number in range(5, 12)])
