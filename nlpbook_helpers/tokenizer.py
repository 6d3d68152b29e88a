"""Stage 4 (notebook 04): the tokenizer that belongs to the pretrained model; training a WordPiece vocabulary."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

from transformers import BertTokenizer

from .files import write_atomically
from .settings import hub_unreachable, model_source
from .tasks import get_task

__all__ = ["TokenizerError", "load_tokenizer", "check_vocab_matches", "train_wordpiece_vocab"]


class TokenizerError(OSError):
    """The tokenizer cannot be loaded or does not fit the model; the message says what to do.
    Notebook 04, 토크나이저 불러오기: `load_tokenizer`."""


def load_tokenizer(args) -> BertTokenizer:
    """`BertTokenizer.from_pretrained(name_or_dir, do_lower_case=False)` (a fast tokenizer in transformers 5).

    kcbert-base is cased: lower-casing would change its vocabulary lookups, so it is switched off as in the book.
    Fails loudly when the directory holds no vocabulary (transformers would return 5 special tokens and no error).
    Notebook 04, 토크나이저 불러오기: `load_tokenizer`.
    """
    name = args.pretrained_model_name
    source, is_local = model_source(name)
    unreachable = None if is_local else hub_unreachable(name)   # a stalled network must not hang from_pretrained
    load = get_task(args).load_tokenizer       # a task's own tokenizer (the GPT's byte-level BPE); else BERT's
    try:
        if load is not None:
            tokenizer = load(source, local_files_only=is_local or unreachable is not None)
        else:
            tokenizer = BertTokenizer.from_pretrained(source, do_lower_case=False,
                                                      local_files_only=is_local or unreachable is not None)
    except OSError as error:
        raise TokenizerError(
            f"could not load the tokenizer of {name!r} ({unreachable or str(error).splitlines()[0]}). Without "
            "network access use the offline preset (make_arguments('offline'), or --preset offline on the command "
            "line), or set pretrained_model_name to a local directory with vocab.txt") from error
    if len(tokenizer) <= len(tokenizer.all_special_tokens):
        where = Path(source) / "vocab.txt" if is_local else name
        raise TokenizerError(f"{where}: the tokenizer has only its {len(tokenizer)} special tokens, no vocabulary. "
                             "Put the model's vocab.txt (or tokenizer.json) beside its config.json")
    return tokenizer


def check_vocab_matches(tokenizer, model) -> None:
    """Raise TokenizerError unless every token id the tokenizer can produce has a row in the model's embeddings.
    Notebooks 06 and 07, 1. 앞 단계에서 만든 것 불러오기."""
    if len(tokenizer) != model.config.vocab_size:
        raise TokenizerError(f"tokenizer has {len(tokenizer)} tokens but the model's embedding table has "
                             f"{model.config.vocab_size} rows: load both from the same pretrained_model_name")


def train_wordpiece_vocab(texts: Iterable[str], vocab_size: int, out_file: str | Path,
                          min_frequency: int = 2) -> Path:
    """Train a cased WordPiece vocabulary with the `tokenizers` library and write it as vocab.txt.

    `lowercase=False, strip_accents=False`: accent stripping would break Hangul syllables into jamo.
    The result is not byte-identical from run to run (ties in the merge order), which is why the offline
    preset ships the vocabulary it was built with instead of training a new one on each machine.
    Notebook 04, `offline` 어휘 집합은 어떻게 만들었나.
    """
    from tokenizers import BertWordPieceTokenizer

    wordpiece = BertWordPieceTokenizer(lowercase=False, strip_accents=False, clean_text=True,
                                       handle_chinese_chars=True)
    wordpiece.train_from_iterator(list(texts), vocab_size=vocab_size, min_frequency=min_frequency,
                                  limit_alphabet=3000, show_progress=False,
                                  special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])
    vocab = wordpiece.get_vocab()
    out_file = Path(out_file)
    out_file.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(f"{token}\n" for token in sorted(vocab, key=vocab.get))
    return write_atomically(out_file, lambda stream: stream.write(text.encode("utf-8")))   # never half a vocab
