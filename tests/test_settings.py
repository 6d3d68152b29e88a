import pytest

from nlpbook_helpers.settings import Arguments, ArgumentsError, PRESETS, make_arguments, model_source


def test_presets_follow_the_book(monkeypatch, tmp_path):
    monkeypatch.setenv("NLPBOOK_HOME", str(tmp_path))
    book = make_arguments("kcbert-nsmc")
    assert (book.pretrained_model_name, book.learning_rate, book.batch_size, book.max_seq_length) == \
        ("beomi/kcbert-base", 5e-5, 32, 128)
    assert book.corpus_source == "korpora" and book.downstream_corpus_name == "nsmc"
    offline = make_arguments()
    assert offline.preset == "offline" and offline.corpus_source == "embedded"
    for path in (offline.pretrained_model_name, offline.downstream_corpus_root_dir, offline.downstream_model_dir,
                 book.downstream_corpus_root_dir, book.downstream_model_dir):
        assert path.startswith(str(tmp_path)), path        # under NLPBOOK_HOME, never a Colab-only path
    assert set(PRESETS) == {"offline", "offline-scratch", "kcbert-nsmc"}
    assert (offline.tiny_weights, book.tiny_weights, book.tiny_model) == ("pretrained", "", {})


def test_offline_scratch_is_the_offline_preset_with_random_weights_in_its_own_folders(monkeypatch, tmp_path):
    monkeypatch.setenv("NLPBOOK_HOME", str(tmp_path))
    offline, scratch = make_arguments("offline"), make_arguments("offline-scratch")
    assert scratch.tiny_weights == "random" and scratch.tiny_model == offline.tiny_model != {}
    assert scratch.pretrained_model_name == str(tmp_path / "models" / "tiny-kcbert-scratch")
    assert scratch.downstream_model_dir == str(tmp_path / "checkpoints" / "offline-scratch-nsmc")
    different = {name for name, value in vars(scratch).items() if vars(offline)[name] != value}
    assert different == {"preset", "pretrained_model_name", "downstream_model_dir", "tiny_weights"}


@pytest.mark.parametrize("overrides, message", [
    (dict(tiny_weights="trained"), "tiny_weights='trained': use 'pretrained'"),
    (dict(tiny_weights="random", tiny_model={}), "tiny_weights='random' needs tiny_model"),
])
def test_tiny_weights_is_checked(overrides, message):
    with pytest.raises(ArgumentsError) as error:
        make_arguments("offline", **overrides)
    assert message in str(error.value)
    assert make_arguments("offline", tiny_weights="", pretrained_model_name="/x").tiny_weights == ""


def test_the_command_line_lists_the_presets(capsys):
    from nlpbook_helpers.__main__ import main

    for command in ("train", "prepare"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        shown = " ".join(capsys.readouterr().out.split())
        assert all(name in shown for name in PRESETS), shown
        with pytest.raises(SystemExit):
            main([command, "--preset", "colab"])
        assert "invalid choice: 'colab'" in capsys.readouterr().err


def test_home_defaults_to_the_users_home(monkeypatch, tmp_path):
    monkeypatch.delenv("NLPBOOK_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert make_arguments().downstream_model_dir.startswith(str(tmp_path / "nlpbook"))


def test_overrides_apply_and_unknown_fields_are_named():
    assert make_arguments(batch_size=8, epochs=1).batch_size == 8
    with pytest.raises(ArgumentsError, match=r"unknown argument\(s\) \['bach_size'\]"):
        make_arguments(bach_size=8)
    with pytest.raises(ArgumentsError, match="unknown preset 'colab'.*kcbert-nsmc"):
        make_arguments("colab")


@pytest.mark.parametrize("field, value, message", [
    ("batch_size", 0, "batch_size=0: must be an integer >= 1"),
    ("learning_rate", 0.0, "learning_rate=0.0: must be > 0"),
    ("learning_rate", -1e-5, "learning_rate=-1e-05: must be > 0"),
    ("epochs", 0, "epochs=0"),
    ("padding", "longest", "padding='longest': use 'dynamic'"),
    ("monitor", "val_loss", "monitor='val_loss': write '<min|max> <metric>'"),
    ("empty_documents", "drop", "empty_documents='drop'"),
    ("corpus_source", "web", "corpus_source='web'"),
])
def test_bad_values_raise_with_the_fix(field, value, message):
    with pytest.raises(ArgumentsError) as error:
        make_arguments(**{field: value})
    assert message in str(error.value)


def test_max_seq_length_is_checked_against_the_model():
    args = make_arguments(max_seq_length=512)
    with pytest.raises(ArgumentsError, match="max_seq_length=512 is longer than the model's "
                                             "max_position_embeddings=300: set max_seq_length <= 300"):
        args.validate(max_position_embeddings=300)
    assert args.validate(max_position_embeddings=512) is args


def test_model_source_tells_hub_names_from_directories(tmp_path):
    assert model_source("beomi/kcbert-base") == ("beomi/kcbert-base", False)
    assert model_source(str(tmp_path)) == (str(tmp_path), True)
    assert model_source("~/x")[1] is True


def test_dataclass_defaults_are_valid_once_a_model_is_named():
    assert Arguments(pretrained_model_name="x").validate().preset == "offline"


def _fake_colab(monkeypatch, mount_creates_my_drive: bool):
    """A stand-in for google.colab.drive: mount() records its argument and, like Colab, creates MyDrive."""
    import sys
    import types
    from pathlib import Path

    mounted = []

    def mount(mount_point):
        mounted.append(mount_point)
        if mount_creates_my_drive:
            (Path(mount_point) / "MyDrive").mkdir(parents=True)

    google, colab, drive = types.ModuleType("google"), types.ModuleType("google.colab"), types.ModuleType("drive")
    drive.mount, colab.drive, google.colab = mount, drive, colab
    monkeypatch.setitem(sys.modules, "google", google)
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    monkeypatch.setitem(sys.modules, "google.colab.drive", drive)
    return mounted


def test_use_google_drive_moves_the_home_into_drive_before_arguments_are_made(monkeypatch, tmp_path):
    from nlpbook_helpers.settings import use_google_drive

    monkeypatch.setenv("NLPBOOK_HOME", str(tmp_path / "elsewhere"))
    mounted = _fake_colab(monkeypatch, mount_creates_my_drive=True)
    home = use_google_drive(str(tmp_path / "drive"))
    assert mounted == [str(tmp_path / "drive")] and home == tmp_path / "drive" / "MyDrive" / "nlpbook"
    assert home.is_dir() and make_arguments().downstream_model_dir.startswith(str(home))


def test_use_google_drive_says_so_when_the_drive_is_not_there(monkeypatch, tmp_path):
    from nlpbook_helpers.settings import use_google_drive

    monkeypatch.setenv("NLPBOOK_HOME", str(tmp_path / "home"))
    _fake_colab(monkeypatch, mount_creates_my_drive=False)
    with pytest.raises(ArgumentsError, match="USE_DRIVE = False"):
        use_google_drive(str(tmp_path / "drive"))
    assert make_arguments().downstream_model_dir.startswith(str(tmp_path / "home"))   # home unchanged
