import dataclasses
import os
import subprocess
import sys

import pytest
import torch
from transformers import BertForSequenceClassification, BertTokenizer

from nlpbook_helpers.pipeline import train
from nlpbook_helpers.settings import make_arguments
from nlpbook_helpers.training import last_checkpoint, predict, resolve_precision

pytestmark = pytest.mark.slow


@pytest.fixture
def small_args(offline_args):
    return dataclasses.replace(offline_args, max_train_examples=1200, max_test_examples=300, epochs=2,
                               progress_bar=False)


def test_offline_pipeline_learns_and_saves_a_reloadable_model(small_args, no_network):
    result = train(small_args)
    assert not no_network                                  # the offline preset never touches the network
    assert result.test_acc > 0.7                           # random weights at the start: chance is 0.5
    checkpoints = sorted(p.name for p in (result.finetuned_dir.parent / "checkpoints").iterdir())
    assert "last.ckpt" in checkpoints and any(name.startswith("best-epoch") for name in checkpoints)
    metrics = (result.finetuned_dir.parent / "logs" / "version_0" / "metrics.csv").read_text()
    assert "train_loss" in metrics and "val_acc" in metrics and "lr-AdamW" in metrics

    reloaded = BertForSequenceClassification.from_pretrained(result.finetuned_dir)
    tokenizer = BertTokenizer.from_pretrained(result.finetuned_dir)
    assert reloaded.config.id2label == {0: "부정", 1: "긍정"}
    texts = ["배우들 연기가 최고 정말 재밌다", "시간 아깝다 최악의 영화"]
    ours = predict(result.task.model, result.tokenizer, texts)
    theirs = predict(reloaded, tokenizer, texts)
    assert [p.label for p in ours] == [p.label for p in theirs]
    assert [round(p.probability, 4) for p in ours] == [round(p.probability, 4) for p in theirs]
    assert all(0.5 <= p.probability <= 1 and p.label_name in ("긍정", "부정") for p in ours)


def test_training_resumes_from_the_last_checkpoint(small_args):
    first = dataclasses.replace(small_args, epochs=1)
    train(first)
    saved = torch.load(last_checkpoint(first), weights_only=False)
    assert saved["epoch"] == 0 and saved["global_step"] == 38          # ceil(1200 / 32) steps
    interrupted_lr = saved["lr_schedulers"][0]["last_epoch"]

    class Watch(__import__("pytorch_lightning").Callback):
        start_step = None

        def on_train_start(self, trainer, module):
            Watch.start_step = trainer.global_step

    train(dataclasses.replace(small_args, epochs=2), callbacks=[Watch()])
    assert Watch.start_step == 38 and interrupted_lr == 38              # continued, not restarted
    resumed = torch.load(last_checkpoint(small_args), weights_only=False)
    assert resumed["global_step"] == 76


def test_fresh_run_when_resume_is_off(small_args):
    train(dataclasses.replace(small_args, epochs=1))
    run = train(dataclasses.replace(small_args, epochs=1), resume=False)
    assert torch.load(last_checkpoint(small_args), weights_only=False)["global_step"] == 38
    assert run.test_acc > 0.5


def test_precision_auto_is_32_bit_on_the_cpu():
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    assert resolve_precision("auto") == "32-true" and resolve_precision("16-mixed") == "16-mixed"


def test_command_line_runs_all_stages(offline_home, tmp_path):
    env = dict(os.environ, NLPBOOK_HOME=str(offline_home), HF_HUB_OFFLINE="1")
    done = subprocess.run(
        [sys.executable, "-m", "nlpbook_helpers", "train", "--preset", "offline", "--set", "epochs=1",
         "--set", "max_train_examples=600", "--set", "max_test_examples=200", "--set", "progress_bar=False",
         "--set", f"downstream_model_dir='{tmp_path}'"], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    stages = [line for line in done.stdout.splitlines() if line.startswith("[")]
    assert [line[:5] for line in stages] == [f"[{stage}/7]" for stage in range(1, 8)], done.stdout   # 1→7 in order
    assert stages[0].startswith("[1/7] 설정: 프리셋 offline, 에포크 1번, 배치 크기 32 (")
    assert stages[1].startswith("[2/7] 말뭉치: 학습 600개 / 테스트 200개 리뷰 (")
    assert stages[2].startswith("[3/7] 프리트레인 모델: ") and "파라미터 " in stages[2]
    assert stages[3].startswith("[4/7] 토크나이저: 어휘 집합 토큰 30211개 (")
    assert stages[4].startswith("[5/7] 데이터 로더: 학습 배치 19개 / 테스트 배치 7개 (동적 패딩) (")
    assert stages[5].startswith("[6/7] 태스크: AdamW 학습률 0.001, 워밍업 10% 뒤 선형 감소 (")
    assert stages[6].startswith("[7/7] 학습 끝: 테스트 정확도 0.") and "파인튜닝한 모델 저장: " in stages[6]
    assert "test accuracy: 0." in done.stdout


def test_command_line_reports_bad_arguments():
    done = subprocess.run([sys.executable, "-m", "nlpbook_helpers", "train", "--set", "batch_size=0"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "batch_size=0: must be an integer >= 1" in done.stderr


def test_the_book_preset_path_runs_on_local_files(tmp_path, no_network):
    """kcbert-nsmc's code path (Korpora corpus layout, a checkpoint directory in kcbert's layout made by
    transformers itself) trains without a network when the files are already in place."""
    import shutil

    from transformers import BertConfig, BertModel

    from nlpbook_helpers.embedded_corpus import generate_reviews
    from nlpbook_helpers.model import OFFLINE_VOCAB

    checkpoint = tmp_path / "kcbert-like"
    torch.manual_seed(0)
    vocab_size = len(OFFLINE_VOCAB.read_text(encoding="utf-8").splitlines())
    BertModel(BertConfig(vocab_size=vocab_size, hidden_size=64, num_hidden_layers=1, num_attention_heads=2,
                         intermediate_size=128, max_position_embeddings=300)).save_pretrained(checkpoint)
    shutil.copyfile(OFFLINE_VOCAB, checkpoint / "vocab.txt")
    (checkpoint / "tokenizer_config.json").write_text('{"do_lower_case": false, "model_max_length": 300}')
    corpus = tmp_path / "korpora" / "nsmc"
    corpus.mkdir(parents=True)
    for name, start in (("ratings_train.txt", 1), ("ratings_test.txt", 9001)):
        rows = [f"{i}\t{text}\t{label}" for i, text, label in generate_reviews(200, seed=start, start_id=start)]
        rows[3] = f"{start + 3}\t그냥 \"음... 글쎄\t0"          # a stray quote: still one row
        rows[4] = f"{start + 4}\t\t1"                           # an empty review: kept
        (corpus / name).write_text("id\tdocument\tlabel\n" + "\n".join(rows) + "\n", encoding="utf-8")

    args = make_arguments("kcbert-nsmc", pretrained_model_name=str(checkpoint),
                          downstream_corpus_root_dir=str(tmp_path / "korpora"),
                          downstream_model_dir=str(tmp_path / "run"), epochs=1, progress_bar=False)
    stages = []
    result = train(args, report=lambda stage, text: stages.append((stage, text)), max_steps=3,
                   limit_val_batches=2, limit_test_batches=2)
    assert not no_network
    assert [stage for stage, _ in stages] == [1, 2, 3, 4, 5, 6, 7]
    assert stages[1] == (2, "말뭉치: 학습 200개 / 테스트 200개 리뷰")
    assert 0.0 <= result.test_acc <= 1.0 and result.finetuned_dir.is_dir()
