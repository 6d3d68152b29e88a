"""What the measurements need, made before any is taken (run by worker.py, kind "prepare", in its own process
so that the parent stays small: a forked child's peak RSS would otherwise start from the parent's).

The corpus (the embedded one written fresh, or the one given), model directories in kcbert-base's layout built
with the package's own `build_offline_checkpoint`, and an NSMC-format file of N reviews for feature preparation.
"""
from __future__ import annotations

from pathlib import Path

BERT_BASE = dict(hidden_size=768, num_hidden_layers=12, num_attention_heads=12, intermediate_size=3072,
                 max_position_embeddings=300)      # kcbert-base's dimensions (BertConfig defaults, 300 positions)
VOCAB_SIZE = 30_000                                # kcbert-base's vocabulary size
# kcbert-base's vocabulary splits an NSMC review (about 35 characters) into about 19 tokens on average; the
# embedded corpus has NSMC's length in characters, and a WordPiece vocabulary of this size trained on it splits
# it as finely (measured: 19.2 tokens on average, median 18, longest 62, no [UNK]). A larger one keeps most
# words whole (8,000: 12.8 tokens), which would flatter dynamic padding. The rows up to 30,000 are [unusedN].
EMBEDDED_PIECES = 1_300


def prepare_corpus(corpus_root: str | None, work: Path) -> tuple[Path, str]:
    """(root, corpus name) of an NSMC-format corpus: the embedded one written fresh, or the one given."""
    from nlpbook_helpers.corpus import download_corpus
    from nlpbook_helpers.settings import make_arguments

    if corpus_root is None:
        args = make_arguments("offline", downstream_corpus_root_dir=str(work / "data"))
        download_corpus(args)
        return work / "data", args.downstream_corpus_name
    root = Path(corpus_root).expanduser().resolve()
    if (root / "ratings_train.txt").is_file():            # DIR itself holds the files
        return root.parent, root.name
    if (root / "nsmc" / "ratings_train.txt").is_file():   # DIR is a downstream_corpus_root_dir
        return root, "nsmc"
    raise SystemExit(f"--corpus-root {root}: no ratings_train.txt in it or in {root / 'nsmc'}")


def prepare_models(model_dir: str | None, own_corpus: bool, work: Path, corpus: Path, seed: int) -> dict:
    """BERT-base dims with a 30,000-token vocabulary (EMBEDDED_PIECES trained on the embedded corpus, or up to
    30,000 on a corpus of one's own, filled up with [unusedN]) unless a model directory is given, and the
    offline preset's tiny dims with the offline vocabulary (with the corpus-trained one for a corpus of one's
    own). Both load like kcbert-base: from_pretrained(directory)."""
    from nlpbook_helpers.corpus import read_nsmc_file
    from nlpbook_helpers.model import OFFLINE_VOCAB, build_offline_checkpoint
    from nlpbook_helpers.settings import make_arguments
    from nlpbook_helpers.tokenizer import train_wordpiece_vocab

    texts = [example.text for example in read_nsmc_file(corpus / "ratings_train.txt")[0]]
    pieces = VOCAB_SIZE if own_corpus else EMBEDDED_PIECES
    trained = train_wordpiece_vocab(texts, pieces, work / "vocab-trained.txt")
    tokens = [line for line in trained.read_text(encoding="utf-8").splitlines() if line]
    models = {}
    if model_dir:
        models["base"] = {"dir": str(Path(model_dir).expanduser().resolve()), "vocab": "its own"}
    else:
        filled = tokens + [f"[unused{i}]" for i in range(VOCAB_SIZE - len(tokens))]
        (work / "vocab-30000.txt").write_text("\n".join(filled) + "\n", encoding="utf-8")
        build_offline_checkpoint(work / "bert-base", BERT_BASE, seed, vocab_file=work / "vocab-30000.txt")
        models["base"] = {"dir": str(work / "bert-base"),
                          "vocab": f"{VOCAB_SIZE:,} tokens ({len(tokens):,} trained on the corpus, the rest [unusedN])"}
    tiny_vocab = trained if own_corpus or not OFFLINE_VOCAB.is_file() else OFFLINE_VOCAB
    build_offline_checkpoint(work / "tiny", make_arguments("offline").tiny_model, seed, vocab_file=tiny_vocab)
    tiny_size = sum(1 for line in tiny_vocab.read_text(encoding="utf-8").splitlines() if line)
    models["tiny"] = {"dir": str(work / "tiny"), "vocab": f"{tiny_vocab.name} ({tiny_size:,} tokens)"}
    return models


def write_feature_file(own_corpus: bool, corpus: Path, n: int, path: Path, seed: int) -> Path:
    """An NSMC-format file of n reviews: freshly generated embedded reviews, or the given corpus repeated."""
    from nlpbook_helpers.embedded_corpus import TRAIN_START_ID, generate_reviews, nsmc_file_content

    if not own_corpus:
        rows = generate_reviews(n, seed, TRAIN_START_ID)
    else:
        from nlpbook_helpers.corpus import read_nsmc_file
        source = read_nsmc_file(corpus / "ratings_train.txt")[0]
        rows = [(str(i), source[i % len(source)].text, source[i % len(source)].label) for i in range(n)]
    path.write_bytes(nsmc_file_content(rows))
    return path


def write_nsmc_sized_corpus(work: Path, n_train: int, seed: int) -> Path:
    """An NSMC-format corpus of n_train generated reviews (NSMC's training set has 150,000) for the GPU epochs."""
    from nlpbook_helpers.embedded_corpus import TEST_START_ID, TRAIN_START_ID, generate_reviews, nsmc_file_content

    folder = work / "data-nsmc-sized" / "nsmc"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ratings_train.txt").write_bytes(nsmc_file_content(generate_reviews(n_train, seed, TRAIN_START_ID)))
    (folder / "ratings_test.txt").write_bytes(nsmc_file_content(generate_reviews(1_000, seed + 1, TEST_START_ID)))
    return folder.parent


def prepare(spec: dict) -> dict:
    """Everything above, for run.py: paths and a description of the models."""
    import torch

    work, seed = Path(spec["work"]), spec["seed"]
    corpus_root, corpus_name = prepare_corpus(spec["corpus_root"], work)
    own_corpus = spec["corpus_root"] is not None
    models = prepare_models(spec["model_dir"], own_corpus, work, corpus_root / corpus_name, seed)
    feature_file = write_feature_file(own_corpus, corpus_root / corpus_name, spec["feature_reviews"],
                                      work / "features-ratings.txt", seed)
    gpu_root, gpu_name = corpus_root, corpus_name           # a corpus of one's own: as given
    if spec.get("gpu_train_reviews") and not own_corpus:
        gpu_root, gpu_name = write_nsmc_sized_corpus(work, spec["gpu_train_reviews"], seed), "nsmc"
    return {"corpus_root": str(corpus_root), "corpus_name": corpus_name, "models": models,
            "gpu_corpus_root": str(gpu_root), "gpu_corpus_name": gpu_name,
            "feature_file": str(feature_file), "torch": torch.__version__,
            "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None}
