"""Give the shipped tiny BERT a vocabulary without [UNK] holes (issue 20), keeping what it learned.

    python tools/extend_offline_vocab.py

The 8,000 pretrained tokens keep their ids and their rows; every character of `tokenizer.korean_alphabet()` that
is missing (all 11,172 Hangul syllables, the compatibility jamo, ASCII, Latin-1 letters, symbols, emoji) is
appended as x and ##x (`tokenizer.extend_vocab`), and the embedding table grows with it
(`resize_token_embeddings`: new rows drawn around the mean of the pretrained ones, seeded). Text the old
vocabulary could spell gets the same ids, so everything measured on the generated text stays as it was; the new
rows are learned by fine-tuning or by `python -m nlpbook_helpers pretrain --corpus YOUR_TEXT`. Writes
offline_vocab.txt/json and tiny-kcbert/{vocab.txt, config.json, model.safetensors, pretraining_record.json}.
"""
from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import torch
from transformers import BertForMaskedLM

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nlpbook_helpers.model import OFFLINE_VOCAB, SHIPPED_MODEL  # noqa: E402
from nlpbook_helpers.pretraining import RECORD_FILE  # noqa: E402
from nlpbook_helpers.tokenizer import extend_vocab, korean_alphabet  # noqa: E402

SEED = 7


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def main() -> int:
    old = OFFLINE_VOCAB.read_text(encoding="utf-8").splitlines()
    alphabet = korean_alphabet()
    tokens = extend_vocab(old, alphabet)
    if len(tokens) == len(old):
        print(f"{OFFLINE_VOCAB}: already has every character of the alphabet; nothing to do")
        return 0
    text = "".join(f"{token}\n" for token in tokens).encode("utf-8")
    model = BertForMaskedLM.from_pretrained(SHIPPED_MODEL)
    torch.manual_seed(SEED)
    model.resize_token_embeddings(len(tokens), mean_resizing=True)
    extension = {"command": "python tools/extend_offline_vocab.py", "from_vocab_size": len(old),
                 "from_vocab_sha256": sha(OFFLINE_VOCAB.read_bytes()), "added": len(tokens) - len(old),
                 "vocab_size": len(tokens), "vocab_sha256": sha(text),
                 "alphabet": {"characters": len(alphabet), "sha256": sha("".join(alphabet).encode("utf-8")),
                              "made_by": "nlpbook_helpers.tokenizer.korean_alphabet (each as x and ##x)"},
                 "new_rows": f"resize_token_embeddings(mean_resizing=True), torch seed {SEED}; not pretrained"}
    record = json.loads((SHIPPED_MODEL / RECORD_FILE).read_text(encoding="utf-8"))
    record.update(vocab_extension=extension, vocab_size=len(tokens), vocab_sha256=sha(text))   # pretrained: in extension
    vocab_record = json.loads(OFFLINE_VOCAB.with_suffix(".json").read_text(encoding="utf-8"))
    vocab_record["extension"] = extension
    model.save_pretrained(SHIPPED_MODEL)
    for path in (OFFLINE_VOCAB, SHIPPED_MODEL / "vocab.txt"):
        path.write_bytes(text)
    (SHIPPED_MODEL / RECORD_FILE).write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    OFFLINE_VOCAB.with_suffix(".json").write_text(json.dumps(vocab_record, indent=2) + "\n", encoding="utf-8")
    print(f"{len(old)} → {len(tokens)} tokens; model and records written to {SHIPPED_MODEL}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
