"""개체명 인식 (ner): the book's markup and naver_changwon_ner's files read into character spans, spans aligned to
subword BIO labels (hand-checked on tokenizers built here), -100 on special and padding positions, subwords grouped
back to character spans, the embedded corpus, and a short training that reports entity F1."""
import json
from pathlib import Path

import pytest
import torch
from transformers import BertConfig, BertForTokenClassification, BertTokenizer
from transformers.modeling_outputs import TokenClassifierOutput

from nlpbook_helpers.corpus import CorpusError
from nlpbook_helpers.ner_corpus import (BOOK_TAGS, SEPARATOR, NerExample, bio_names, markup_line, read_changwon_file,
                                        read_markup_file, split_sentences)
from nlpbook_helpers.ner_data import IGNORED, NerDataset, bio_labels, encode_sentences, make_ner_collate
from nlpbook_helpers.ner_sentences import TEMPLATES, generate_ner_sentences, write_embedded_ner
from nlpbook_helpers.ner_task import entity_scores, predict_entities
from nlpbook_helpers.settings import make_arguments
from nlpbook_helpers.tasks import get_task

NAMES = bio_names(BOOK_TAGS)
PIECES = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "김", "##환", "##희", "##가", "서울", "##에서", "개봉",
          "##했다", "##감독", "##의", "감독", "영화", "마지막", "바다", "##는"]


def tokenizer_of(pieces) -> BertTokenizer:
    """A fast WordPiece tokenizer over exactly these pieces (its splits can be checked by hand)."""
    return BertTokenizer(vocab={piece: i for i, piece in enumerate(pieces)}, do_lower_case=False)


def labelled(tokenizer, example: NerExample) -> list[tuple[str, str]]:
    encoded = encode_sentences([example], tokenizer, 64, NAMES)
    tokens = tokenizer.convert_ids_to_tokens(encoded["input_ids"][0])
    return [(token, "-100" if label == IGNORED else NAMES[label]) for token, label in zip(tokens, encoded["labels"][0])]


def test_the_book_markup_becomes_character_spans(tmp_path):
    path = tmp_path / "train.txt"
    path.write_text("김환희가 서울에서 개봉했다␞<김환희:PER>가 <서울:LOC>에서 개봉했다\n"
                    "정말 재밌다␞정말 재밌다\n\n"
                    "10:30에 <시사회>␞<10:30:TIM>에 <시사회>\n", encoding="utf-8")
    examples, stats = read_markup_file(path)
    assert stats == {"path": str(path), "lines": 4, "entities": 3, "kept": 3}
    assert examples[0].entities == ((0, 3, "PER"), (5, 7, "LOC")) and examples[1].entities == ()
    assert examples[0].surfaces() == [("김환희", "PER"), ("서울", "LOC")]
    assert examples[2].surfaces() == [("10:30", "TIM")] and examples[2].id == "4"    # a colon inside; < > in the text
    assert [markup_line(example) for example in examples] == [line for line in path.read_text().splitlines() if line]


@pytest.mark.parametrize("line, what, fix", [
    ("김환희가 왔다␞<김환희:XYZ>가 왔다", "the tag 'XYZ'", "use one of PER, LOC"),
    ("김환희가 왔다␞<김환희:per>가 왔다", "the tag 'per'", "upper case"),
    ("김환희가 왔다␞<김환희:PER가 왔다", "a '<' that is not part of", "close the mark"),
    ("김환희가 왔다␞<:PER>김환희가 왔다", "marks no text", "write the entity"),
    ("김환희가 왔다 <김환희:PER>가 왔다", "0 separators", "the raw sentence, ␞"),
    ("김환희가 왔다␞<김한희:PER>가 왔다", "not the raw sentence", "from character 2"),
])
def test_a_malformed_mark_names_the_file_the_line_and_the_fix(tmp_path, line, what, fix):
    path = tmp_path / "val.txt"
    path.write_text(f"정말 재밌다{SEPARATOR}정말 재밌다\n{line}\n", encoding="utf-8")
    with pytest.raises(CorpusError) as error:
        read_markup_file(path)
    message = str(error.value)
    assert message.startswith(f"{path}, line 2: ") and what in message and "Fix:" in message and fix in message


def test_naver_changwon_words_become_spans_of_whole_eojeol(tmp_path):
    path = tmp_path / "train_data"
    path.write_text("1\t김환희가\tPER_B\n2\t서울\tLOC_B\n3\t시청에서\tLOC_I\n4\t일했다\t-\n\n"
                    "1\t오늘\tDAT_I\n2\t비\t-\n\n1\t그냥\t-\n", encoding="utf-8")
    examples, stats = read_changwon_file(path)
    assert [example.text for example in examples] == ["김환희가 서울 시청에서 일했다", "오늘 비", "그냥"]
    assert examples[0].surfaces() == [("김환희가", "PER"), ("서울 시청에서", "LOC")]
    assert examples[1].surfaces() == [("오늘", "DAT")] and stats["i_starts"] == 1 and stats["kept"] == 3
    train, test = split_sentences(examples, 0.34, seed=7)
    assert len(test) == 1 and sorted(e.text for e in train + test) == sorted(e.text for e in examples)
    path.write_text("1\t김환희가\tPER_B\n2\t왔다\tXYZ_B\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=rf"^{path}, line 2: the tag 'XYZ_B'\. Fix: write - \(no entity\)"):
        read_changwon_file(path)
    path.write_text("1\t김환희가\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=rf"^{path}, line 1: 2 tab-separated fields\. Fix: write index<TAB>word"):
        read_changwon_file(path)


def test_spans_become_subword_bio_labels_as_checked_by_hand():
    tokenizer = tokenizer_of(PIECES)
    sentence = NerExample("1", "김환희가 서울에서 개봉했다", ((0, 3, "PER"), (5, 7, "LOC")))
    # the entity at position 0 is cut into three pieces; its 조사 가 is a piece of its own: O
    assert labelled(tokenizer, sentence) == [
        ("[CLS]", "-100"), ("김", "B-PER"), ("##환", "I-PER"), ("##희", "I-PER"), ("##가", "O"),
        ("서울", "B-LOC"), ("##에서", "O"), ("개봉", "O"), ("##했다", "O"), ("[SEP]", "-100")]
    # a piece that holds the end of the name and the 조사 together overlaps the entity: it continues it
    assert labelled(tokenizer_of(PIECES + ["##희가"]), sentence)[3] == ("##희가", "I-PER")
    # an entity inside a longer word (김환희감독의), and two entities side by side
    inside = NerExample("2", "김환희감독의 마지막 바다", ((0, 3, "PER"), (7, 13, "POH")))
    assert labelled(tokenizer, inside) == [
        ("[CLS]", "-100"), ("김", "B-PER"), ("##환", "I-PER"), ("##희", "I-PER"), ("##감독", "O"), ("##의", "O"),
        ("마지막", "B-POH"), ("바다", "I-POH"), ("[SEP]", "-100")]
    side = NerExample("3", "김환희 김희", ((0, 3, "PER"), (4, 6, "PER")))
    assert [label for _, label in labelled(tokenizer, side)] == ["-100", "B-PER", "I-PER", "I-PER", "B-PER",
                                                                 "I-PER", "-100"]
    # a word the vocabulary cannot spell is one [UNK] over the whole word: it starts the entity it overlaps
    assert labelled(tokenizer, NerExample("4", "박환희가 개봉", ((0, 3, "PER"),)))[1] == ("[UNK]", "B-PER")
    assert bio_labels([(0, 0), (0, 2), (2, 3)], [True, False, False], [(0, 3, "LOC")], NAMES) == [IGNORED, 3, 4]


def test_special_and_padding_positions_get_minus_100_never_a_real_label():
    tokenizer = tokenizer_of(PIECES)
    examples = [NerExample("1", "김환희가 서울에서 개봉했다", ((0, 3, "PER"), (5, 7, "LOC"))),
                NerExample("2", "영화", ())]
    dataset = NerDataset(examples, tokenizer, 64, NAMES)
    assert dataset.lengths == [10, 3] and set(dataset[0]) == {"input_ids", "token_type_ids", "attention_mask",
                                                              "labels"}
    batch = make_ner_collate(tokenizer)([dataset[0], dataset[1]])
    labels, mask = batch["labels"], batch["attention_mask"]
    assert labels.shape == mask.shape == (2, 10)
    assert labels[1].tolist() == [IGNORED, 0] + [IGNORED] * 8        # [CLS] 영화 [SEP] then padding: only 영화 counts
    assert ((labels == IGNORED) == ((mask == 0) | (batch["input_ids"] == tokenizer.cls_token_id)
                                    | (batch["input_ids"] == tokenizer.sep_token_id))).all()
    fixed = make_ner_collate(tokenizer, "max_length", 16)([dataset[1]])
    assert fixed["labels"].shape == (1, 16) and fixed["labels"][0, 3:].eq(IGNORED).all()
    # the loss skips them: labels at ignored positions change nothing
    model = BertForTokenClassification(BertConfig(vocab_size=len(PIECES), hidden_size=16, num_hidden_layers=1,
                                                  num_attention_heads=2, intermediate_size=32, num_labels=len(NAMES)))
    model.eval()
    with torch.no_grad():
        loss = model(**batch).loss
        logits = model(**{k: v for k, v in batch.items() if k != "labels"}).logits
    kept = labels != IGNORED
    assert torch.allclose(loss, torch.nn.functional.cross_entropy(logits[kept], labels[kept]))


class LookupTagger(BertForTokenClassification):
    """A token classifier whose label for each token is looked up by its id: known subword labels to group back."""

    table: dict = {}

    def forward(self, input_ids=None, **kwargs):
        labels = torch.tensor([[self.table.get(i, 0) for i in row] for row in input_ids.tolist()])
        return TokenClassifierOutput(logits=torch.nn.functional.one_hot(labels, self.num_labels).float() * 9)


def test_subword_labels_are_grouped_back_to_character_spans_of_the_input():
    tokenizer = tokenizer_of(PIECES)
    config = BertConfig(vocab_size=len(PIECES), hidden_size=8, num_hidden_layers=1, num_attention_heads=1,
                        intermediate_size=8, num_labels=len(NAMES), id2label=dict(enumerate(NAMES)),
                        label2id={name: i for i, name in enumerate(NAMES)})
    model = LookupTagger(config)
    piece = {p: i for i, p in enumerate(PIECES)}
    model.table = {piece["김"]: NAMES.index("B-PER"), piece["##환"]: NAMES.index("I-PER"),
                   piece["##희"]: NAMES.index("I-PER"), piece["서울"]: NAMES.index("B-LOC"),
                   piece["마지막"]: NAMES.index("B-POH"), piece["바다"]: NAMES.index("I-POH")}
    text = "김환희가 서울에서 마지막 바다는 개봉했다"
    found = predict_entities(model, tokenizer, text)
    assert [(e.surface, e.tag, e.start, e.end) for e in found] == [
        ("김환희", "PER", 0, 3), ("서울", "LOC", 5, 7), ("마지막 바다", "POH", 10, 16)]
    assert all(text[e.start:e.end] == e.surface and 0.9 < e.score <= 1 for e in found)


def test_entity_f1_counts_whole_entities():
    gold = [["B-PER", "I-PER", "O", "B-LOC"], ["B-DAT", "O"]]
    assert entity_scores(gold, gold) == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "f1_DAT": 1.0, "f1_LOC": 1.0,
                                         "f1_PER": 1.0}
    half = entity_scores(gold, [["B-PER", "O", "O", "B-LOC"], ["B-DAT", "O"]])   # PER cut short: wrong entity
    assert (half["precision"], half["recall"], half["f1_PER"], half["f1_LOC"]) == (2 / 3, 2 / 3, 0.0, 1.0)


def test_the_embedded_corpus_is_in_the_book_markup_and_reads_back(tmp_path):
    paths = write_embedded_ner(tmp_path, n_train=200, n_test=40)
    train, stats = read_markup_file(paths["train"])
    generated = generate_ner_sentences(200, split="train")
    assert [(e.text, e.entities) for e in train] == [(e.text, e.entities) for e in generated]
    assert stats["kept"] == 200 and paths["test"].name == "val.txt"
    tags = {tag for example in train for _, _, tag in example.entities}
    assert tags == set(BOOK_TAGS)
    assert any(not example.entities for example in train)
    for example in train:                    # the span holds the entity; the 조사 after it stays outside
        assert all(example.text[start:end].strip() == example.text[start:end] != "" for start, end, _ in
                   example.entities)
    assert any("감독의" in t and "}감독" in t for t in TEMPLATES)      # an entity inside a longer word
    assert write_embedded_ner(tmp_path, n_train=200, n_test=40) == paths      # the same corpus: kept as it is
    paths["test"].write_text("my own\n", encoding="utf-8")
    with pytest.raises(FileExistsError):
        write_embedded_ner(tmp_path, n_train=200, n_test=40)


def test_the_book_preset_says_where_its_files_go_and_reads_them(monkeypatch, tmp_path, no_network):
    monkeypatch.setenv("NLPBOOK_HOME", str(tmp_path))
    args = make_arguments("kcbert-ner", downstream_corpus_root_dir=str(tmp_path / "corpora"))
    assert (args.downstream_task_name, args.downstream_corpus_name, args.max_seq_length) == ("ner", "ner", 64)
    task = get_task(args)
    with pytest.raises(CorpusError, match="Korpora does not carry the book's NER corpus.*train.txt and val.txt.*"
                                          "naver_changwon_ner"):
        task.prepare_corpus(args)
    folder = tmp_path / "corpora" / "ner"
    folder.mkdir(parents=True)
    (folder / "train.txt").write_text("김환희가 왔다␞<김환희:PER>가 왔다\n좋다␞좋다\n", encoding="utf-8")
    (folder / "val.txt").write_text("서울에 갔다␞<서울:LOC>에 갔다\n", encoding="utf-8")
    corpus = task.load_corpus(args)
    assert (len(corpus.train), len(corpus.test), corpus.label_names[:3]) == (2, 1, ("O", "B-PER", "I-PER"))
    assert len(corpus.label_names) == 21
    offline = make_arguments("offline", downstream_task_name="ner")
    assert (offline.downstream_corpus_name, Path(offline.downstream_model_dir).name) == ("ner", "offline-ner")
    assert not no_network


@pytest.fixture
def ner_args(offline_home, monkeypatch, tmp_path):
    monkeypatch.setenv("NLPBOOK_HOME", str(offline_home))
    return make_arguments("offline", downstream_task_name="ner", downstream_model_dir=str(tmp_path / "run"),
                          max_train_examples=200, max_test_examples=60, epochs=1, progress_bar=False)


@pytest.mark.slow
def test_a_short_ner_training_reports_entity_f1(ner_args, no_network):
    from nlpbook_helpers.pipeline import train

    lines = []
    result = train(ner_args, report=lambda stage, text: lines.append((stage, text)), max_steps=5)
    assert [stage for stage, _ in lines] == [1, 2, 3, 4, 5, 6, 7] and not no_network
    assert lines[1][1].startswith("말뭉치: 학습 200개 / 테스트 60개 문장, 레이블 21개: O, B-PER, I-PER")
    metrics = result.metrics
    assert all(0 <= metrics[name] <= 1 for name in ("test_f1", "test_precision", "test_recall", "test_acc"))
    assert {name for name in metrics if name.startswith("test_f1_")} <= {f"test_f1_{tag}" for tag in BOOK_TAGS}
    result_lines = get_task(ner_args).result_lines(metrics)
    assert result_lines[0].startswith(f"test entity F1: {metrics['test_f1']:.4f}  precision: ")
    record = json.loads((result.run_dir / "run.json").read_text(encoding="utf-8"))
    assert record["result"]["global_step"] == 5 and record["result"]["test_f1"] == metrics["test_f1"]
    config = json.loads((result.finetuned_dir / "config.json").read_text(encoding="utf-8"))
    assert config["id2label"] == {str(i): name for i, name in enumerate(NAMES)}
    assert config["architectures"] == ["BertForTokenClassification"]
    entities = predict_entities(result.task.model, result.tokenizer, "김민준 감독의 영화가 서울에서 개봉했다.")
    assert all(entity.tag in BOOK_TAGS for entity in entities)


def test_the_views_colour_subwords_and_keep_a_text_twin():
    from nlpbook_helpers.ner_corpus import strip_marks
    from nlpbook_helpers.views.ner import ner_explorer, show_entities, show_ner_tokens

    tokenizer = tokenizer_of(PIECES)
    example = strip_marks("<김환희:PER>가 <서울:LOC>에서 개봉했다")
    view = show_ner_tokens(tokenizer, example, NAMES)
    assert repr(view).splitlines()[0] == "[김환희:PER]가 [서울:LOC]에서 개봉했다"
    assert repr(view).splitlines()[3].split() == ["##환", "1-2", "환", "I-PER"]
    assert 'class="nlpbook-token nlpbook-ner-PER" data-label="B-PER" data-span="0-1"' in view.data
    assert view.data.count("nlpbook-ner-ignored") == 2
    assert repr(show_entities("서울에서", [(0, 2, "LOC")])) == "[서울:LOC]에서"
    widget = ner_explorer(tokenizer, NAMES, "<서울:LOC>에서")
    assert widget._twin[1].startswith("[서울:LOC]에서") and 'data-label="B-LOC"' in widget.view.value
    widget.box.value = "<서울:XYZ>에서"
    assert "nlpbook-ner-error" in widget.view.value and "Fix:" in widget.view.value
