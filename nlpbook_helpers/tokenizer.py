"""Stage 4 (notebook 04): the tokenizer that belongs to the pretrained model; training a WordPiece vocabulary."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

from transformers import BertTokenizer

from .files import write_atomically
from .settings import hub_unreachable, model_source
from .tasks import get_task

__all__ = ["TokenizerError", "load_tokenizer", "check_vocab_matches", "korean_alphabet", "extend_vocab",
           "train_wordpiece_vocab"]

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
# Symbols and emoji people put in Korean reviews (besides ASCII): each becomes a token of its own, never [UNK].
SYMBOLS = ("…‥·ㆍ‘’“”〃~～♥♡❤★☆♪♬♩→←↑↓↔「」『』《》〈〉【】〔〕※○●◎◇◆□■△▲▽▼♂♀℃°％！？，．：；（）＾＿"
           "ㅡ─━│♧♣♠♤☞☜✔✓✗✖✨⭐🌟💯🔥💕💖💗💔💘💙💜💛💚🖤👍👎👏👌🙌👊✌🙏👀💩🤔🤣🤗🤩🤭🤫🤬🤮🤦🤷🥰🥲🥹🥺🥱🥳🫠🫶🎬🎥🍿"
           "\ufe0f")       # U+FE0F asks for the emoji look of the symbol before it (❤️ is ❤ + U+FE0F)


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


def korean_alphabet() -> list[str]:
    """The characters every vocabulary of this project has as tokens (each also as ##x, inside a word): all 11,172
    Hangul syllables (가..힣), the compatibility jamo (ㅋ, ㅠ, ...), printable ASCII, Latin-1 letters, SYMBOLS
    and the emoji faces U+1F600..U+1F64F. Notebook 04, `offline` 어휘 집합은 어떻게 만들었나."""
    ranges = ((0xAC00, 0xD7A4), (0x3131, 0x318F), (0x21, 0x7F), (0xC0, 0x100), (0x1F600, 0x1F650))
    characters = [chr(code) for start, stop in ranges for code in range(start, stop)] + list(SYMBOLS)
    return list(dict.fromkeys(c for c in characters if c not in "×÷"))


def extend_vocab(tokens: list[str], alphabet: Iterable[str]) -> list[str]:
    """`tokens` (ids kept) + every character of `alphabet` they lack, as x and as ##x: a word that used to be all
    [UNK] is spelled piece by piece, and a text the old tokens could spell gets the very same ids (WordPiece takes
    the longest match, and the new tokens are single characters). Notebook 04, `offline` 어휘 집합은 어떻게 만들었나."""
    known = set(tokens)
    return tokens + [token for c in dict.fromkeys(alphabet) for token in (c, f"##{c}") if token not in known]


def train_wordpiece_vocab(texts: Iterable[str], vocab_size: int, out_file: str | Path,
                          min_frequency: int = 2, alphabet: Iterable[str] = ()) -> Path:
    """Train a cased WordPiece vocabulary with the `tokenizers` library and write it as vocab.txt.

    `lowercase=False, strip_accents=False`: accent stripping would break Hangul syllables into jamo.
    `alphabet`: characters that become tokens whether the text has them or not, each both as `x` (starting a
    word) and `##x` (inside one): a word with a character the vocabulary lacks is all [UNK]. The alphabet is part
    of `vocab_size`; the rest goes to the longest pieces the text needs (trained twice to hit the size exactly).
    The result is not byte-identical from run to run (ties in the merge order), which is why the offline
    preset ships the vocabulary it was built with instead of training a new one on each machine.
    Notebook 04, `offline` 어휘 집합은 어떻게 만들었나.
    """
    texts, alphabet = list(texts), list(dict.fromkeys(alphabet))
    vocab = _wordpiece(texts, vocab_size, min_frequency, alphabet)
    missing = [f"##{c}" for c in alphabet if f"##{c}" not in vocab]
    if missing:
        if vocab_size - len(missing) < len(SPECIAL_TOKENS) + len(alphabet):
            raise ValueError(f"vocab_size={vocab_size} is too small for an alphabet of {len(alphabet)} characters "
                             f"(each also as ##x): use at least {len(SPECIAL_TOKENS) + 2 * len(alphabet)}")
        vocab = _wordpiece(texts, vocab_size - len(missing), min_frequency, alphabet)
        vocab.update({token: len(vocab) + i for i, token in enumerate(t for t in missing if t not in vocab)})
    out_file = Path(out_file)
    out_file.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(f"{token}\n" for token in sorted(vocab, key=vocab.get))
    return write_atomically(out_file, lambda stream: stream.write(text.encode("utf-8")))   # never half a vocab


def _wordpiece(texts: list[str], vocab_size: int, min_frequency: int, alphabet: list[str]) -> dict[str, int]:
    from tokenizers import BertWordPieceTokenizer

    wordpiece = BertWordPieceTokenizer(lowercase=False, strip_accents=False, clean_text=True,
                                       handle_chinese_chars=True)
    wordpiece.train_from_iterator(texts, vocab_size=vocab_size, min_frequency=min_frequency,
                                  limit_alphabet=len(alphabet) + 3000, initial_alphabet=alphabet,
                                  show_progress=False, special_tokens=SPECIAL_TOKENS)
    return wordpiece.get_vocab()
