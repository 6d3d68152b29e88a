"""Stage 5 for 개체명 인식 (notebook 10): character spans → one BIO label per subword, through the fast
tokenizer's offset_mapping; [CLS], [SEP] and padding get -100, which the loss and the metrics skip."""
from __future__ import annotations

from typing import Sequence

from torch.utils.data import Dataset
from transformers import DataCollatorForTokenClassification

from .corpus import CorpusError

__all__ = ["IGNORED", "bio_labels", "encode_sentences", "NerDataset", "make_ner_collate"]

IGNORED = -100      # the label id that torch's cross entropy (ignore_index) and the metrics skip
FEATURES = ("input_ids", "token_type_ids", "attention_mask")


def bio_labels(offsets: Sequence[tuple[int, int]], special: Sequence[bool], entities, label_names: Sequence[str]
               ) -> list[int]:
    """One label id per token: IGNORED for special tokens; for a token whose characters overlap an entity, B-TAG if
    it is the entity's first such token, else I-TAG; O otherwise. Notebook 10, 5. 데이터: 서브워드마다 BIO 레이블."""
    ids = {name: label for label, name in enumerate(label_names)}
    labels, begun = [], set()
    for (start, end), is_special in zip(offsets, special):
        if is_special:
            labels.append(IGNORED)
            continue
        hit = next((k for k, (first, stop, _) in enumerate(entities) if start < stop and first < end), None)
        if hit is None:
            labels.append(ids["O"])
            continue
        labels.append(ids[f"{'I' if hit in begun else 'B'}-{entities[hit][2]}"])
        begun.add(hit)
    return labels


def encode_sentences(examples: Sequence, tokenizer, max_seq_length: int, label_names: Sequence[str]) -> dict:
    """Tokenize the sentences (truncated, not padded) and label every subword: the features of NerDataset, plus
    offset_mapping. An entity cut off by max_seq_length has no labels left. Notebook 10, 5. 데이터."""
    if not getattr(tokenizer, "is_fast", False):
        raise TypeError(f"{type(tokenizer).__name__} is a slow tokenizer: it gives no offset_mapping, which turns "
                        "character spans into subword labels. Fix: load a fast tokenizer (load_tokenizer(args))")
    encoded = tokenizer([example.text for example in examples], truncation=True, max_length=max_seq_length,
                        return_offsets_mapping=True, return_special_tokens_mask=True)
    encoded["labels"] = [bio_labels(offsets, special, example.entities, label_names) for example, offsets, special
                         in zip(examples, encoded["offset_mapping"], encoded["special_tokens_mask"])]
    return encoded


class NerDataset(Dataset):
    """Sentences tokenized once, a label id per subword (IGNORED on [CLS]/[SEP]); items are dicts of python lists,
    padded later by the collate. `lengths` feeds LengthGroupedSampler. Notebook 10, 5. 데이터: `NerDataset`."""

    def __init__(self, examples: Sequence, tokenizer, max_seq_length: int, label_names: Sequence[str]):
        self.examples = list(examples)
        if not self.examples:
            raise CorpusError("NerDataset got no sentences: the split is empty (check the corpus file and "
                              "max_*_examples)")
        encoded = encode_sentences(self.examples, tokenizer, max_seq_length, label_names)
        self.features = {name: encoded[name] for name in (*FEATURES, "labels") if name in encoded}
        self.lengths = [len(ids) for ids in self.features["input_ids"]]

    def __len__(self) -> int:
        return len(self.examples)

    def __getitem__(self, index: int) -> dict:
        return {name: column[index] for name, column in self.features.items()}


def make_ner_collate(tokenizer, padding: str = "dynamic", max_seq_length: int | None = None
                     ) -> DataCollatorForTokenClassification:
    """transformers' DataCollatorForTokenClassification: pads input_ids with [PAD] and labels with IGNORED (-100),
    never with a real label id. Notebook 10, 5. 데이터: 패딩 자리의 레이블."""
    if padding not in ("dynamic", "max_length"):
        raise ValueError(f"padding={padding!r}: use 'dynamic' or 'max_length'")
    return DataCollatorForTokenClassification(tokenizer, padding="longest" if padding == "dynamic" else "max_length",
                                              max_length=max_seq_length if padding == "max_length" else None,
                                              label_pad_token_id=IGNORED, return_tensors="pt")
