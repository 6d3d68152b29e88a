"""Stage 2 for 문장 쌍 분류 (notebook 09): premise/hypothesis pairs with three labels, in KLUE-NLI's JSON layout.

The offline corpus is written from the movie world (world.py): a premise states a few facts of a film, or is one
of the embedded corpus' reviews of it; the hypothesis is a claim about the film. The label follows from the world's
rules alone: 함의 (entailment) when the premise states what the claim needs and the claim holds, 모순
(contradiction) when it states it and the claim is false, 중립 (neutral) when the premise does not say. Every
wording of a claim is drawn for all three labels alike (negations too), and a claim's value is true or false in
the world half the time for 중립, so the hypothesis alone does not give the label away (a hypothesis-only naive
Bayes scores chance). A false name shares no syllable with the true one. The readers take the real KLUE-NLI JSON
files and KorNLI's TSV files; pairs without a gold label ("-", no consensus among annotators) are skipped and
counted in the stats they return.
"""
from __future__ import annotations

import functools
import json
import random
from dataclasses import dataclass
from pathlib import Path

from .corpus import CorpusError, _decode, _problem
from .embedded_corpus import N_TEST, N_TRAIN, TEST_START_ID, TRAIN_START_ID, generate_reviews
from .files import write_generated
from .world import FACTS, Film, World, fill, make_world

__all__ = ["NLI_LABELS", "NLI_LABEL_NAMES_KO", "PairExample", "KLUE_NLI_FILES", "KORNLI_HEADER", "generate_nli_pairs",
           "klue_nli_content", "write_embedded_nli", "read_klue_nli", "read_kornli"]

NLI_LABELS = ("entailment", "neutral", "contradiction")     # KLUE-NLI's gold_label strings; label id i = NLI_LABELS[i]
NLI_LABEL_NAMES_KO = ("함의", "중립", "모순")
KLUE_NLI_FILES = {"train": "klue-nli-v1.1_train.json", "test": "klue-nli-v1.1_dev.json"}
KORNLI_HEADER = "sentence1\tsentence2\tgold_label"
NO_LABEL = ("-", "")                                        # no consensus: skipped and counted
KLUE_KEYS = ("premise", "hypothesis", "gold_label")

# Claims per kind: (wording, negated). {v} is the claimed value, {t} the film; "month" and "long" are told by the
# release and runtime facts. Every wording serves all three labels: only the premise decides.
CLAIMS = {
    "director": (("{t:은} {v} 감독이 연출했다.", 0), ("{t:의} 감독은 {v:이다}.", 0), ("{v} 감독이 {t:을} 만들었다.", 0),
                 ("{t:의} 감독은 {v:이} 아니다.", 1)),
    "leads": (("{v:이} {t}에 주연으로 출연했다.", 0), ("{t:의} 주연 배우 중 한 명은 {v:이다}.", 0),
              ("{v:은} {t}에 주연으로 출연하지 않았다.", 1)),
    "genre": (("{t:은} {v} 영화다.", 0), ("{t:의} 장르는 {v:이다}.", 0), ("{t:은} {v} 영화가 아니다.", 1)),
    "release": (("{t:은} {v}에 개봉했다.", 0), ("{t:의} 개봉일은 {v:이다}.", 0), ("{t:은} {v}에 개봉하지 않았다.", 1)),
    "month": (("{t:은} {v}월에 개봉했다.", 0), ("{t:은} {v}월에 개봉한 영화가 아니다.", 1)),
    "runtime": (("{t:의} 상영 시간은 {v}분이다.", 0), ("{t:은} {v}분 동안 상영된다.", 0)),
    "long": (("{t:은} 두 시간이 넘는 영화다.", 0), ("{t:은} 두 시간이 안 되는 영화다.", 1)),
    "studio": (("{t:은} {v:이} 제작했다.", 0), ("{t:의} 제작사는 {v:이다}.", 0), ("{t:은} {v:이} 제작한 영화가 아니다.", 1)),
    "place": (("{t:은} {v}에서 촬영했다.", 0), ("{t:의} 촬영지는 {v:이다}.", 0), ("{t:은} {v}에서 촬영하지 않았다.", 1)),
    "original": (("{t:의} 원작은 {v} 작가의 소설이다.", 0), ("{v} 작가의 소설이 {t:의} 원작이다.", 0)),
    "opinion": (("{t:은} 재밌는 영화다.", 0), ("{t:은} 볼만한 영화다.", 0), ("{t:은} 지루하지 않은 영화다.", 0),
                ("{t:은} 시간이 아깝지 않은 영화다.", 0), ("{t:은} 지루한 영화다.", 1), ("{t:은} 재미없는 영화다.", 1),
                ("{t:은} 재밌는 영화가 아니다.", 1), ("{t:은} 시간이 아까운 영화다.", 1)),   # here 1 = negative opinion
}
KIND_WEIGHTS = {"director": 8, "leads": 8, "genre": 12, "release": 4, "month": 6, "runtime": 4, "long": 8,
                "studio": 8, "place": 12, "original": 4, "opinion": 26}
FACT_OF = {"month": "release", "long": "runtime"}          # the fact a premise must state to decide the claim
REVIEW_FRAMES = ("{t} 관람평 - {r}", "{t:을} 본 사람이 이렇게 썼다. {r}")
MORE_FACTS = 1             # at most this many other facts beside the one a claim needs
REVIEW_NEUTRAL = 0.25      # share of neutral fact claims whose premise is a review (a review states no facts)


@dataclass(frozen=True, slots=True)
class PairExample:
    """One sentence pair: premise, hypothesis and label id (NLI_LABELS[label]). Notebook 09, 2. 말뭉치."""

    id: str
    premise: str
    hypothesis: str
    label: int


def _truths(kind: str, film: Film) -> set[str]:
    """The values of `kind` for which the claim holds (leads has two)."""
    values = film.values()
    return {"leads": {values["lead1"], values["lead2"]}, "month": {str(film.release.month)},
            "original": {film.original or ""}}.get(kind, {values.get(kind, "")})


def _syllables(text: str) -> set[str]:
    return {c for c in text if "가" <= c <= "힣"}


def _value(rng: random.Random, world: World, kind: str, film: Film, true: bool, swap: bool) -> str:
    """A value that makes the claim true (or false): the film's own, or another film's, or (swap) a person of the
    film in the other role, which the world's rules refute (directors never act)."""
    truths = _truths(kind, film)
    if true:
        return rng.choice(sorted(truths))
    if swap and kind in ("director", "leads") and rng.random() < 0.3:
        return rng.choice([film.director] if kind == "leads" else list(film.leads))
    while True:
        other = rng.choice(world.films)
        if other.has(kind):
            value = rng.choice(sorted(_truths(kind, other)))
            if value not in truths and not _syllables(value) & _syllables("".join(truths)):
                return value                                    # a clearly other name: no syllable in common


def _claim(rng: random.Random, world: World, kind: str, film: Film, true: bool, subject: str, swap: bool) -> str:
    """The hypothesis: a wording of `kind` and a value such that the claim about `film` is `true`."""
    wording, negated = rng.choice(CLAIMS[kind])
    if kind == "long":
        wording = CLAIMS[kind][int((film.runtime > 120) != true)][0]
        return fill(wording, t=subject)
    return fill(wording, t=subject, v=_value(rng, world, kind, film, true != bool(negated), swap))


def _fact_premise(rng: random.Random, world: World, film: Film, needed: str | None, banned: str | None) -> str:
    """1 + up to MORE_FACTS fact sentences about the film: `needed` among them (when given), `banned` never;
    the title first, then 이 영화 / 이 작품 / the title again."""
    others = [fact for fact in FACTS if film.has(fact) and fact not in (needed, banned)]
    least = 0 if needed else 1
    facts = ([needed] if needed else []) + rng.sample(others, rng.randint(least, max(MORE_FACTS, least)))
    rng.shuffle(facts)
    subjects = [None] + [rng.choice(("이 영화", "이 작품", None)) for _ in facts[1:]]
    return " ".join(world.fact_sentence(film, fact, subject, rng.randrange(3))
                    for fact, subject in zip(facts, subjects))


@functools.lru_cache(maxsize=4)
def _reviews(seed: int, split: str) -> tuple[tuple[str, str, int], ...]:
    """The embedded corpus' reviews of the split (default sizes), each with its true label (no flips)."""
    size, start = (N_TRAIN, TRAIN_START_ID) if split == "train" else (N_TEST, TEST_START_ID)
    return tuple(generate_reviews(size, seed, start, label_noise=0))   # the same texts as the NSMC files


def generate_nli_pairs(n: int, seed: int = 7, split: str = "train", world: World | None = None) -> list[PairExample]:
    """n pairs, labels exactly balanced, drawn from make_world(seed) and the embedded reviews of `split` (train's
    premises use train reviews, test's test reviews); same arguments → same pairs. Notebook 09, 2. 말뭉치."""
    if split not in KLUE_NLI_FILES:
        raise ValueError(f"split={split!r}: use one of {sorted(KLUE_NLI_FILES)}")
    world = world or make_world(seed)
    rng = random.Random(f"nlpbook-nli:{seed}:{split}")
    reviews = list(_reviews(seed, split))
    rng.shuffle(reviews)
    labels = [i % 3 for i in range(n)]
    rng.shuffle(labels)
    kinds, weights = list(KIND_WEIGHTS), list(KIND_WEIGHTS.values())
    having = {fact: [film for film in world.films if film.has(fact)] for fact in FACTS}
    pairs = []
    for i, label in enumerate(labels):
        kind = rng.choices(kinds, weights)[0]
        fact = FACT_OF.get(kind, kind)
        review = None
        if kind == "opinion" and label != 1 or kind != "opinion" and label == 1 and rng.random() < REVIEW_NEUTRAL:
            review = reviews[i % len(reviews)]
            film = world.film_of_review(review[0])
        else:
            film = rng.choice(having.get(fact, world.films))
        subject = rng.choice((film.title, film.title, film.title, "이 영화"))
        if review:
            premise = fill(rng.choice(REVIEW_FRAMES), t=film.title, r=review[1])
        else:
            premise = _fact_premise(rng, world, film, fact if label != 1 and kind != "opinion" else None, fact)
        true = label == 0 or (label == 1 and rng.random() < 0.5 and film.has(fact))
        if kind == "opinion":
            positive = review[2] == 1 if review else rng.random() < 0.5
            hypothesis = fill(rng.choice([w for w, negative in CLAIMS[kind] if negative != (positive == true)]),
                              t=subject)
        else:
            hypothesis = _claim(rng, world, kind, film, true, subject, swap=label == 2)
        pairs.append(PairExample(f"nlpbook-nli_{'dev' if split == 'test' else 'train'}_{i:05d}", premise,
                                 hypothesis, label))
    return pairs


def klue_nli_content(pairs: list[PairExample], source: str = "nlpbook-world") -> bytes:
    """Pairs as the bytes of a KLUE-NLI JSON file: a list of objects (guid, source, premise, hypothesis,
    gold_label, author, label2..label5; here every annotator agrees). Notebook 09, 2. 말뭉치."""
    entries = [{"guid": pair.id, "source": source, "premise": pair.premise, "hypothesis": pair.hypothesis,
                "gold_label": NLI_LABELS[pair.label], "author": NLI_LABELS[pair.label],
                **{f"label{k}": NLI_LABELS[pair.label] for k in range(2, 6)}} for pair in pairs]
    return (json.dumps(entries, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def write_embedded_nli(directory, seed: int = 7, n_train: int = N_TRAIN, n_test: int = N_TEST) -> dict[str, Path]:
    """Write KLUE_NLI_FILES' two files into directory where missing; return their paths by split. A file already
    there is kept when it is this corpus byte for byte; anything else is the user's: FileExistsError, nothing
    written (files.write_generated). Notebook 09, 2. 말뭉치."""
    if n_train <= 0 or n_test <= 0:
        raise ValueError(f"n_train={n_train}, n_test={n_test}: both must be >= 1")
    directory = Path(directory).expanduser()
    world = make_world(seed)
    paths = {split: directory / name for split, name in KLUE_NLI_FILES.items()}
    write_generated({paths[split]: klue_nli_content(generate_nli_pairs(n, seed, split, world))
                     for split, n in (("train", n_train), ("test", n_test))},
                    f"the embedded NLI corpus (seed={seed})")
    return paths


def _check_file(path) -> Path:
    path = Path(path).expanduser()
    if not path.exists():
        raise CorpusError(f"{path} does not exist. Fix: check the path, or write the embedded corpus there first")
    if path.is_dir():
        raise CorpusError(f"{path} is a directory. Fix: give the file itself (e.g. {KLUE_NLI_FILES['train']})")
    return path


def _label(gold: str, where: str) -> int | None:
    """The label id of a gold label, None for no consensus; CorpusError naming the allowed labels otherwise."""
    if gold in NO_LABEL:
        return None
    if gold not in NLI_LABELS:
        raise CorpusError(f"{where}: gold_label {gold!r}. Fix: use one of {', '.join(NLI_LABELS)} ('-' marks a pair "
                          f"without a gold label, which is skipped)")
    return NLI_LABELS.index(gold)


def read_klue_nli(path) -> tuple[list[PairExample], dict]:
    """Read a KLUE-NLI JSON file (a list of objects with premise, hypothesis and gold_label; guid as id).
    Returns the pairs and stats {"path", "entries", "skipped" (gold_label '-' or empty), "kept"}.
    Notebook 09, 2. 말뭉치."""
    path = _check_file(path)
    try:
        data = json.loads(_decode(path))
    except json.JSONDecodeError as error:
        raise _problem(path, error.lineno, f"not valid JSON ({error.msg}, column {error.colno})",
                       "repair the file there or download it again (KLUE-NLI files are one JSON list of objects)"
                       ) from None
    if not isinstance(data, list):
        raise CorpusError(f"{path}: a JSON {type(data).__name__}, not a list of pairs. Fix: give a KLUE-NLI file "
                          f"({', '.join(KLUE_NLI_FILES.values())}): [{{\"premise\": ..., \"hypothesis\": ..., "
                          "\"gold_label\": ...}, ...]")
    pairs, skipped = [], 0
    for index, entry in enumerate(data):
        where = f"{path}, entry {index} (counting from 0)"
        if not isinstance(entry, dict):
            raise CorpusError(f"{where}: a JSON {type(entry).__name__}, not an object. Fix: every entry is an object "
                              "with premise, hypothesis and gold_label")
        for key in KLUE_KEYS:
            if not isinstance(entry.get(key), str):
                what = "has no" if key not in entry else f"has a {type(entry[key]).__name__} as"
                raise CorpusError(f"{where}, guid {entry.get('guid')!r}: {what} {key!r}. Fix: give every entry "
                                  f"{', '.join(KLUE_KEYS)} as strings, or delete the entry")
        for key in KLUE_KEYS[:2]:
            if not entry[key].strip():
                raise CorpusError(f"{where}, guid {entry.get('guid')!r}: the {key} is empty. Fix: write it or "
                                  "delete the entry")
        label = _label(entry["gold_label"], f"{where}, guid {entry.get('guid')!r}")
        if label is None:
            skipped += 1
            continue
        pairs.append(PairExample(str(entry.get("guid", index)), entry["premise"], entry["hypothesis"], label))
    return pairs, {"path": str(path), "entries": len(data), "skipped": skipped, "kept": len(pairs)}


def read_kornli(path) -> tuple[list[PairExample], dict]:
    """Read a KorNLI TSV file (header sentence1, sentence2, gold_label; e.g. multinli.train.ko.tsv,
    xnli.dev.ko.tsv): one pair per line, quotes are plain characters; the line number is the id. Returns the pairs
    and stats {"path", "lines" (header excluded), "skipped" (gold_label '-' or empty), "kept"}.
    Notebook 09, 2. 말뭉치."""
    path = _check_file(path)
    lines = _decode(path).split("\n")
    if lines[-1] == "":
        lines.pop()
    header = lines[0].removesuffix("\r") if lines else ""
    if header != KORNLI_HEADER:
        raise _problem(path, 1, f"the header is {header!r}", f"the first line must be exactly {KORNLI_HEADER!r} "
                       "(tab-separated), as in KorNLI's files")
    pairs, skipped = [], 0
    for number, line in enumerate(lines[1:], start=2):
        fields = line.removesuffix("\r").split("\t")
        if len(fields) != 3:
            raise _problem(path, number, f"{len(fields)} tab-separated fields instead of 3 (sentence1, sentence2, "
                           "gold_label)", "delete an empty line; a sentence must not contain a tab (use a space)")
        premise, hypothesis, gold = fields
        label = _label(gold.strip(), f"{path}, line {number}")
        if label is None:
            skipped += 1
            continue
        if not premise.strip() or not hypothesis.strip():
            raise _problem(path, number, "an empty sentence", "write both sentences or delete the line")
        pairs.append(PairExample(str(number), premise, hypothesis, label))
    return pairs, {"path": str(path), "lines": len(lines) - 1, "skipped": skipped, "kept": len(pairs)}
