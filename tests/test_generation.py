"""문장 생성 (tasks/generation.py, decoding.py, gpt_pretraining.py, views/generation.py): the shipped tiny GPT and
its tokenizer, labels and padding (the real </s> learned, padding not), seeded decoding, the widget's Python side,
a short training end to end, the book's preset on local files in kogpt2's layout, and the pretraining command."""
import json
from pathlib import Path

import pytest
import torch

from nlpbook_helpers.corpus import Example
from nlpbook_helpers.decoding import Decoding, generate_text, next_token_probabilities
from nlpbook_helpers.model import ASSETS, prepare_pretrained
from nlpbook_helpers.settings import ArgumentsError, make_arguments
from nlpbook_helpers.tasks import get_task
from nlpbook_helpers.tasks.generation import (GenerationDataset, load_gpt_tokenizer, make_lm_collate, prompt_text,
                                              sample_reviews, sentiment_match)

SHIPPED = ASSETS / "tiny-kogpt2"
KOREAN = ["영화 정말 재밌었다ㅋㅋ 강추!", "연기가 너무 별로였음... 2점", "배우들 연기 👍 OST 최고♡", "똠양꿍 먹고 봤다"]


@pytest.fixture(scope="module")
def shipped():
    from transformers import AutoModelForCausalLM

    return AutoModelForCausalLM.from_pretrained(SHIPPED), load_gpt_tokenizer(str(SHIPPED), local_files_only=True)


@pytest.fixture
def gen_args(offline_home, monkeypatch, tmp_path):
    monkeypatch.setenv("NLPBOOK_HOME", str(offline_home))
    return make_arguments("offline", downstream_task_name="generation", downstream_model_dir=str(tmp_path / "run"),
                          max_train_examples=200, max_test_examples=64, epochs=1, progress_bar=False)


def test_the_shipped_tokenizer_round_trips_korean_with_no_unk(shipped):
    model, tokenizer = shipped
    assert len(tokenizer) == model.config.vocab_size
    assert (tokenizer.eos_token, tokenizer.bos_token, tokenizer.pad_token) == ("</s>", "</s>", "<pad>")
    assert tokenizer.pad_token_id != tokenizer.eos_token_id
    for text in KOREAN:         # byte-level: every byte has a token, even of a syllable or emoji never seen
        ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        assert tokenizer.unk_token_id not in ids and tokenizer.decode(ids) == text
    record = json.loads((SHIPPED / "pretraining_record.json").read_text(encoding="utf-8"))
    assert record["heldout_loss_final"] < record["heldout_loss_initial"] - 1


def test_labels_are_the_inputs_the_real_end_is_learned_and_padding_is_not(shipped):
    _, tokenizer = shipped
    examples = [Example("1", "정말 최고의 영화", 1), Example("2", "별로", 0)]
    dataset = GenerationDataset(examples, tokenizer, max_seq_length=48)
    args = make_arguments("offline", downstream_task_name="generation")
    batch = make_lm_collate(tokenizer, args)([dataset[0], dataset[1]])
    first = tokenizer(f"긍정 정말 최고의 영화", add_special_tokens=False)["input_ids"]
    assert dataset[0]["input_ids"] == first + [tokenizer.eos_token_id]
    short = len(dataset[1]["input_ids"])
    labels, ids = batch["labels"], batch["input_ids"]
    assert labels[1, short - 1] == tokenizer.eos_token_id            # the real </s>: its label is the eos id
    assert (labels[1, short:] == -100).all() and (ids[1, short:] == tokenizer.pad_token_id).all()
    assert torch.equal(labels[0], ids[0]) and (batch["attention_mask"][1, short:] == 0).all()
    cut = GenerationDataset([Example("3", "아주 " * 60, 1)], tokenizer, max_seq_length=16)
    assert len(cut[0]["input_ids"]) == 16 and cut[0]["input_ids"][-1] != tokenizer.eos_token_id   # did not end


def test_the_books_padding_with_the_end_token_is_refused(shipped):
    _, tokenizer = shipped
    from transformers import AutoTokenizer

    book = AutoTokenizer.from_pretrained(SHIPPED, eos_token="</s>", pad_token="</s>")
    with pytest.raises(ValueError, match="real end would never be learned"):
        make_lm_collate(book, make_arguments("offline", downstream_task_name="generation"))


def test_generation_is_deterministic_by_seed(shipped):
    model, tokenizer = shipped
    torch.manual_seed(123)
    state = torch.get_rng_state()
    first = generate_text(model, tokenizer, "긍정", Decoding(seed=3))
    assert torch.equal(torch.get_rng_state(), state)            # the caller's random state is left alone
    assert generate_text(model, tokenizer, "긍정", Decoding(seed=3)) == first and first.startswith("긍정")
    assert len({generate_text(model, tokenizer, "긍정", Decoding(seed=s)) for s in range(4)}) > 1
    assert sample_reviews(model, tokenizer, 1, 4, seed=5) == sample_reviews(model, tokenizer, 1, 4, seed=5)


def test_next_token_probabilities_follow_the_sliders(shipped):
    model, tokenizer = shipped
    plain = next_token_probabilities(model, tokenizer, "긍정", Decoding(top_k=0), k=10)
    assert [p for _, p in plain] == sorted((p for _, p in plain), reverse=True) and sum(p for _, p in plain) <= 1
    assert len(next_token_probabilities(model, tokenizer, "긍정", Decoding(top_k=3), k=10)) == 3
    cold = next_token_probabilities(model, tokenizer, "긍정", Decoding(top_k=0, temperature=0.5), k=10)
    assert cold[0][0] == plain[0][0] and cold[0][1] > plain[0][1]          # a low temperature sharpens
    nucleus = next_token_probabilities(model, tokenizer, "긍정", Decoding(top_k=0, top_p=0.3), k=50)
    assert sum(p for _, p in nucleus) == pytest.approx(1, abs=1e-5) and len(nucleus) < 50
    greedy = generate_text(model, tokenizer, "긍정", Decoding(strategy="greedy", max_new_tokens=1))
    assert greedy == "긍정" + tokenizer.decode([plain[0][0]])            # greedy takes the most probable
    with pytest.raises(ValueError, match="strategy='top'"):
        generate_text(model, tokenizer, "긍정", Decoding(strategy="top"))


def test_the_widget_draws_what_the_sliders_say(shipped):
    from nlpbook_helpers.views.generation import decoding_explorer, show_decoding

    model, tokenizer = shipped
    widget = decoding_explorer(model, tokenizer, "부정")
    assert "nlpbook-decoding-bar" in widget.view.value and "생성: 부정" in widget._twin[1]
    widget.strategy.value = "greedy"
    greedy = show_decoding(model, tokenizer, "부정", Decoding(strategy="greedy"))
    assert widget.view.value == greedy.data
    widget.top_k.value, widget.strategy.value = 2, "sampling"
    assert widget.view.value.count('class="nlpbook-decoding-bar"') == 2


def test_sentiment_match_counts_what_the_judge_reads(shipped):
    model, tokenizer = shipped
    assert sentiment_match(model, tokenizer, lambda texts: [1] * len(texts), n=4) == 0.5
    assert sentiment_match(model, tokenizer, lambda texts: [0] * len(texts), n=4) == 0.5
    assert prompt_text(1) == "긍정" and prompt_text(0) == "부정"


@pytest.mark.slow
def test_a_short_generation_training(gen_args, monkeypatch, no_network, capsys):
    from nlpbook_helpers import decoding
    from nlpbook_helpers.pipeline import train

    judged = []

    def keyword_judge(args):        # stands in for the notebook-07 classifier (trained in tests elsewhere)
        def judge(texts):
            judged.append(list(texts))
            return [0 if any(word in text for word in ("별로", "최악", "실망", "노잼")) else 1 for text in texts]
        return judge

    monkeypatch.setattr(decoding, "classifier_judge", keyword_judge)
    lines = []
    result = train(gen_args, report=lambda stage, text: lines.append((stage, text)), max_steps=5)
    assert [stage for stage, _ in lines] == [1, 2, 3, 4, 5, 6, 7] and not no_network
    metrics = result.metrics
    for name in ("test_loss", "test_perplexity", "test_perplexity_before", "test_sentiment_match",
                 "test_sentiment_match_before"):
        assert name in metrics
    assert metrics["test_perplexity"] == pytest.approx(torch.tensor(metrics["test_loss"]).exp().item(), rel=1e-3)
    assert metrics["test_perplexity"] < metrics["test_perplexity_before"]
    assert len(judged) == 4 and all(len(texts) == 50 for texts in judged)     # before and after, 50 per sentiment
    record = json.loads((result.run_dir / "run.json").read_text(encoding="utf-8"))
    assert record["result"]["test_sentiment_match_before"] == metrics["test_sentiment_match_before"]
    task = get_task(gen_args)
    shown = task.result_lines(metrics)
    assert shown[0].startswith("test perplexity: ") and shown[1].startswith("sentiment match: ")
    assert "퍼플렉서티" in lines[-1][1] and (result.finetuned_dir / "tokenizer.json").is_file()


def test_the_offline_preset_installs_the_shipped_gpt_and_the_book_preset_is_kogpt2(offline_home, monkeypatch,
                                                                                  tmp_path):
    monkeypatch.setenv("NLPBOOK_HOME", str(tmp_path))
    args = make_arguments("offline", downstream_task_name="generation")
    assert Path(args.pretrained_model_name) == tmp_path / "models" / "tiny-kogpt2"
    prepare_pretrained(args)
    assert (Path(args.pretrained_model_name) / "tokenizer.json").read_bytes() == \
        (SHIPPED / "tokenizer.json").read_bytes()
    book = make_arguments("kogpt2-nsmc")
    assert (book.pretrained_model_name, book.downstream_task_name) == ("skt/kogpt2-base-v2", "generation")
    with pytest.raises(ArgumentsError, match="no generation model"):
        make_arguments("offline-scratch", downstream_task_name="generation")


def test_the_book_preset_reads_kogpt2_and_nsmc_files_in_their_layout(shipped, monkeypatch, tmp_path, no_network):
    """kogpt2-base-v2's files name no special tokens; NSMC as Korpora leaves it: both read offline."""
    from nlpbook_helpers.stages import restore

    model, tokenizer = shipped
    kogpt2 = tmp_path / "kogpt2-base-v2"
    model.save_pretrained(kogpt2)
    tokenizer.backend_tokenizer.save(str(kogpt2 / "tokenizer.json"))    # no tokenizer_config.json: like the hub's
    nsmc = tmp_path / "korpora" / "nsmc"
    nsmc.mkdir(parents=True)
    rows = ["id\tdocument\tlabel"] + [f"{i}\t{'재밌다' if i % 2 else '별로다'} {i}\t{i % 2}" for i in range(8)]
    for name in ("ratings_train.txt", "ratings_test.txt"):
        (nsmc / name).write_text("\n".join(rows) + "\n", encoding="utf-8")
    monkeypatch.setenv("NLPBOOK_HOME", str(tmp_path))
    args = make_arguments("kogpt2-nsmc", pretrained_model_name=str(kogpt2),
                          downstream_corpus_root_dir=str(tmp_path / "korpora"), batch_size=4)
    stages = restore(args, upto=5)
    assert stages.tokenizer.pad_token == "<pad>" and stages.tokenizer.eos_token == "</s>"
    batch = next(iter(stages.test_loader))
    assert batch["labels"].shape == batch["input_ids"].shape and type(stages.model).__name__ == "GPT2LMHeadModel"
    assert not no_network


@pytest.mark.slow
def test_the_pretrain_command_saves_a_gpt_in_kogpt2s_layout(tmp_path, capsys):
    from transformers import AutoModelForCausalLM

    from nlpbook_helpers.__main__ import main

    out = tmp_path / "tiny-gpt"
    assert main(["pretrain", "--task", "generation", "--quick", "--out", str(out)]) == 0
    for name in ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
                 "pretraining_record.json"):
        assert (out / name).is_file()
    model = AutoModelForCausalLM.from_pretrained(out)
    tokenizer = load_gpt_tokenizer(str(out), local_files_only=True)
    assert len(tokenizer) == model.config.vocab_size and model.config.pad_token_id == tokenizer.pad_token_id
    assert main(["pretrain", "--task", "generation", "--quick", "--out", str(out)]) == 1     # no overwrite
    assert "already holds a model" in capsys.readouterr().err


def test_the_exercise_checkers_compute_their_answers(shipped):
    from nlpbook_helpers.exercises import check_greedy_token, check_loss_positions, check_nucleus_size

    model, tokenizer = shipped
    dataset = GenerationDataset([Example("1", "정말 최고의 영화", 1), Example("2", "별로", 0)], tokenizer, 48)
    batch = make_lm_collate(tokenizer, make_arguments("offline", downstream_task_name="generation"))(
        [dataset[0], dataset[1]])
    real = len(dataset[1]["input_ids"])
    assert check_loss_positions(None, batch, 1) is None
    assert check_loss_positions(real, batch, 1) is False and check_loss_positions(real - 1, batch, 1) is True
    greedy = generate_text(model, tokenizer, "부정", Decoding(strategy="greedy", max_new_tokens=1))[2:]
    assert check_greedy_token(greedy.strip(), model, tokenizer, "부정") is True
    assert check_greedy_token(" 없는말", model, tokenizer, "부정") is False
    left = next_token_probabilities(model, tokenizer, "긍정", Decoding(top_k=0, top_p=0.5), k=len(tokenizer))
    assert check_nucleus_size(len(left), model, tokenizer, "긍정", 0.5) is True
    assert check_nucleus_size(len(left) + 1, model, tokenizer, "긍정", 0.5) is False
