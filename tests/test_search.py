"""문서 검색 (search): mean pooling over real tokens, the in-batch contrastive loss and its false-negative mask,
recall@k and MRR on hand-made rankings, (query, document) batches, the book preset on local KorQuAD files, and a short
training whose held-out recall beats the pretrained embeddings'."""
import json
import math

import pytest
import torch
import torch.nn.functional as F

from nlpbook_helpers.corpus import CorpusError
from nlpbook_helpers.search_data import SearchPair, SearchDataset, false_negatives, make_search_collate, pairs_from_qa
from nlpbook_helpers.search_task import in_batch_loss, mean_pool, ranks_of, retrieval_scores, search
from nlpbook_helpers.settings import make_arguments
from nlpbook_helpers.tasks import get_task


def test_mean_pooling_skips_padding():
    hidden = torch.tensor([[[1.0, 2.0], [3.0, 4.0], [100.0, 100.0]],
                           [[2.0, 0.0], [0.0, 0.0], [4.0, 6.0]]])
    mask = torch.tensor([[1, 1, 0], [1, 1, 1]])
    # row 0: (1+3)/2, (2+4)/2 — the padded [100, 100] is left out; row 1: (2+0+4)/3, (0+0+6)/3
    assert mean_pool(hidden, mask).tolist() == [[2.0, 3.0], [2.0, 2.0]]


def test_the_in_batch_loss_on_a_hand_made_batch():
    queries = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    documents = torch.tensor([[1.0, 0.0], [0.6, 0.8]])
    # similarities: q0 → (1, 0.6), q1 → (0, 0.8); logits at temperature 0.5: (2, 1.2) and (0, 1.6)
    expected = (-math.log(math.exp(2) / (math.exp(2) + math.exp(1.2)))
                - math.log(math.exp(1.6) / (math.exp(0) + math.exp(1.6)))) / 2
    assert in_batch_loss(queries, documents, temperature=0.5).item() == pytest.approx(expected, rel=1e-6)
    assert in_batch_loss(queries, documents, temperature=0.05) < in_batch_loss(queries, documents, temperature=1.0)


def test_a_document_twice_in_a_batch_is_not_a_negative():
    doc_index = torch.tensor([4, 7, 4])
    assert false_negatives(doc_index).tolist() == [[False, False, True], [False, False, False],
                                                   [True, False, False]]
    queries = F.normalize(torch.tensor([[1.0, 0.2], [0.1, 1.0], [1.0, 0.0]]), dim=-1)
    documents = F.normalize(torch.tensor([[1.0, 0.1], [0.0, 1.0], [1.0, 0.1]]), dim=-1)   # rows 0 and 2: same text
    masked = in_batch_loss(queries, documents, doc_index, temperature=0.5)
    logits = queries @ documents.T / 0.5
    by_hand = [-(logits[i, i] - torch.logsumexp(logits[i, [j for j in range(3) if j == i or doc_index[j] != doc_index[i]]],
                                                0)) for i in range(3)]
    assert masked.item() == pytest.approx(float(sum(by_hand) / 3), rel=1e-5)
    assert masked < in_batch_loss(queries, documents, temperature=0.5)       # unmasked: its own twin counts as wrong


def test_recall_at_k_and_mrr_on_a_hand_made_ranking():
    scores = torch.tensor([[0.9, 0.1, 0.3, 0.2],     # right: 0 → rank 1
                           [0.8, 0.7, 0.1, 0.0],     # right: 1 → rank 2
                           [0.5, 0.6, 0.7, 0.1],     # right: 3 → rank 4
                           [0.2, 0.1, 0.15, 0.3]])   # right: 2 → rank 3
    right = torch.tensor([0, 1, 3, 2])
    assert ranks_of(scores, right).tolist() == [1, 2, 4, 3]
    figures = retrieval_scores(scores, right, ks=(1, 3))
    assert figures["recall_at_1"] == pytest.approx(1 / 4) and figures["recall_at_3"] == pytest.approx(3 / 4)
    assert figures["mrr"] == pytest.approx((1 + 1 / 2 + 1 / 4 + 1 / 3) / 4)


class Question:
    def __init__(self, question, context):
        self.question, self.context = question, context


def test_pairs_batches_and_search(offline_args):
    from nlpbook_helpers.stages import restore

    pairs = pairs_from_qa([Question("바다의 감독은?", "바다는 김민 감독의 영화다."), Question("바다의 장르는?", "바다는 김민 감독의 영화다."),
                           Question("별의 감독은?", "별은 이수 감독이 연출했다.")], "test")
    assert [pair.doc_id for pair in pairs] == ["test-0", "test-0", "test-1"]
    stages = restore(offline_args, upto=4)
    dataset = SearchDataset(pairs, stages.tokenizer, 32)
    assert dataset.documents == ["바다는 김민 감독의 영화다.", "별은 이수 감독이 연출했다."] and dataset.doc_index == [0, 0, 1]
    batch = make_search_collate(stages.tokenizer)([dataset[0], dataset[1], dataset[2]])
    assert batch["doc_index"].tolist() == [0, 0, 1] and batch["query"]["input_ids"].shape[0] == 3
    assert batch["document"]["input_ids"].shape[1] == max(len(f["input_ids"]) for f in dataset.document_features)
    assert batch["query"]["attention_mask"].sum(1).tolist() == [len(dataset[i]["query"]["input_ids"]) for i in range(3)]
    hits = search(stages.model, stages.tokenizer, "별의 감독은?", dataset.documents, k=5)
    assert len(hits) == 2 and hits[0].score >= hits[1].score and {hit.index for hit in hits} == {0, 1}
    with pytest.raises(CorpusError, match="no \\(query, document\\) pairs"):
        SearchDataset([], stages.tokenizer, 32)


def _korquad(path, paragraphs):
    data = [{"title": title, "paragraphs": [{"context": context, "qas": [
        {"id": f"{title}-{n}", "question": question, "answers": [{"text": context[:2], "answer_start": 0}]}
        for n, question in enumerate(questions)]}]} for title, context, questions in paragraphs]
    path.write_text(json.dumps({"version": "KorQuAD_v1.0_dev", "data": data}, ensure_ascii=False), encoding="utf-8")


def test_the_book_preset_reads_korquad_files_offline(monkeypatch, tmp_path, no_network):
    monkeypatch.setenv("NLPBOOK_HOME", str(tmp_path))
    args = make_arguments("kcbert-korquad-search", downstream_corpus_root_dir=str(tmp_path / "corpora"))
    assert (args.downstream_task_name, args.pretrained_model_name) == ("search", "beomi/kcbert-base")
    task = get_task(args)
    with pytest.raises(CorpusError, match="Korpora does not carry KorQuAD"):
        task.prepare_corpus(args)
    folder = tmp_path / "corpora" / "korquad"
    folder.mkdir(parents=True)
    _korquad(folder / "KorQuAD_v1.0_train.json", [("바다", "바다는 김민 감독의 영화다.", ["바다의 감독은?", "바다는 누가 찍었나?"]),
                                                  ("별", "별은 이수 감독이 연출했다.", ["별의 감독은?"])])
    _korquad(folder / "KorQuAD_v1.0_dev.json", [("강", "강은 박하 감독의 영화다.", ["강의 감독은?"])])
    corpus = task.load_corpus(args)
    assert corpus.train == [SearchPair("바다의 감독은?", "train-0", "바다는 김민 감독의 영화다."),
                            SearchPair("바다는 누가 찍었나?", "train-0", "바다는 김민 감독의 영화다."),
                            SearchPair("별의 감독은?", "train-1", "별은 이수 감독이 연출했다.")]
    assert corpus.test == [SearchPair("강의 감독은?", "test-0", "강은 박하 감독의 영화다.")]
    assert not no_network


@pytest.mark.slow
def test_a_short_training_finds_held_out_documents_better_than_before(offline_home, monkeypatch, tmp_path,
                                                                     no_network):
    from nlpbook_helpers.pipeline import train

    monkeypatch.setenv("NLPBOOK_HOME", str(offline_home))
    args = make_arguments("offline", downstream_task_name="search", downstream_model_dir=str(tmp_path / "run"),
                          max_train_examples=640, epochs=1, progress_bar=False)
    lines = []
    result = train(args, report=lambda stage, text: lines.append((stage, text)))
    assert [stage for stage, _ in lines] == [1, 2, 3, 4, 5, 6, 7] and not no_network
    assert lines[1][1].startswith("말뭉치: 학습 640개 / 테스트") and lines[1][1].endswith("질문")
    metrics = result.metrics
    for name in ("recall_at_1", "recall_at_5", "mrr"):
        assert 0 <= metrics[f"test_{name}_before"] < metrics[f"test_{name}"] <= 1
    assert metrics["test_recall_at_1"] <= metrics["test_recall_at_5"]
    shown = get_task(args).result_lines(metrics)
    assert shown[0] == (f"test recall@1: {metrics['test_recall_at_1_before']:.4f} → {metrics['test_recall_at_1']:.4f}"
                        "  (before → after fine-tuning)")
    assert shown[1].startswith("test recall@5: ") and shown[2].startswith("test MRR: ")


def test_the_search_views_have_readable_twins(offline_args):
    from nlpbook_helpers.stages import restore
    from nlpbook_helpers.views.search import search_widget, show_search_batch

    stages = restore(offline_args, upto=4)
    pairs = [SearchPair("바다의 감독은?", "a", "바다는 김민 감독의 영화다."), SearchPair("바다의 장르는?", "a", "바다는 김민 감독의 영화다."),
             SearchPair("별의 감독은?", "b", "별은 이수 감독이 연출했다.")]
    dataset = SearchDataset(pairs, stages.tokenizer, 32)
    view = show_search_batch(stages.model, stages.tokenizer, make_search_collate(stages.tokenizer)(
        [dataset[i] for i in range(3)]))
    assert view.data.count("nlpbook-sim-right") == 3 and view.data.count("nlpbook-sim-masked") == 2
    assert repr(view).splitlines()[1].startswith("Q0 ") and "x" in repr(view).splitlines()[1]
    widget = search_widget(stages.model, stages.tokenizer, dataset.documents, "별의 감독은?", k=2)
    bundle = widget._repr_mimebundle_()
    assert bundle["text/html"].count("nlpbook-hit") == 2 and bundle["text/plain"].startswith("입력: 별의 감독은?\n1. ")
    widget.text.value = ""
    assert widget.hits == [] and widget.result.value == "질문을 입력하세요"
