"""The generated text the offline tiny BERT is pretrained on (notebook 03, section "프리트레인"): every task's kind.

Three kinds of unlabeled documents, mixed in one seeded order: documents of 2–4 reviews that agree
(`embedded_corpus.generate_pretraining_documents`, most of the text: it is what makes pretraining help sentiment),
short paragraphs of facts about the movie world's films (people, places, studios, dates, numbers: what NER and
question answering read) and premise + hypothesis texts written like the NLI corpus' (notebook 09). Own seeds;
no review of the labeled review corpus with 20 or more characters and no pair of the labeled NLI corpus occurs.
"""
from __future__ import annotations

import random

from .embedded_corpus import N_TEST, N_TRAIN, PRETRAIN_SEED_OFFSET, _labeled_finder, generate_pretraining_documents
from .pair_corpus import generate_nli_pairs
from .world import FACTS, make_world

__all__ = ["world_documents", "pair_documents", "generated_documents"]

CONTRADICTION = 2                       # NLI_LABELS.index("contradiction")


def world_documents(n: int, seed: int = 7) -> list[str]:
    """n paragraphs of 2–5 facts of one film of make_world(seed), in random order and wording: the title first,
    then 이 영화 / 이 작품 / the title again."""
    world = make_world(seed)
    rng = random.Random(f"nlpbook-pretraining-world:{seed}")
    documents = []
    for _ in range(n):
        film = rng.choice(world.films)
        facts = [fact for fact in FACTS if film.has(fact)]
        chosen = rng.sample(facts, rng.randint(2, min(5, len(facts))))
        subjects = [None] + [rng.choice(("이 영화", "이 작품", None)) for _ in chosen[1:]]
        documents.append(" ".join(world.fact_sentence(film, fact, subject, rng.randrange(3))
                                  for fact, subject in zip(chosen, subjects)))
    return documents


def pair_documents(n: int, seed: int = 7) -> list[str]:
    """n texts written like the NLI corpus' pairs: premise + hypothesis when the hypothesis agrees with or is not
    decided by the premise, the premise alone when it contradicts (text that contradicts itself teaches the
    wrong co-occurrences). Drawn with seed + PRETRAIN_SEED_OFFSET in make_world(seed); a pair of the labeled NLI
    corpus (train or test, default sizes) or a text holding one of its reviews is skipped."""
    world = make_world(seed)
    labeled = {(pair.premise, pair.hypothesis) for split, size in (("train", N_TRAIN), ("test", N_TEST))
               for pair in generate_nli_pairs(size, seed, split, world)}
    contains_labeled_review = _labeled_finder(seed)
    documents: list[str] = []
    batch = 0
    while len(documents) < n:
        batch += 1
        for pair in generate_nli_pairs(max(n, 100), seed + PRETRAIN_SEED_OFFSET * batch, "train", world):
            text = pair.premise if pair.label == CONTRADICTION else f"{pair.premise} {pair.hypothesis}"
            if (pair.premise, pair.hypothesis) not in labeled and not contains_labeled_review(text):
                documents.append(text)
        documents = documents[:n]
    return documents


def generated_documents(n: int, seed: int = 7, world_share: float = 0.1, pair_share: float = 0.1) -> list[str]:
    """n documents: world_share of them world_documents, pair_share pair_documents, the rest review documents,
    in a seeded order (the same arguments give the same text); shares 0: generate_pretraining_documents(n, seed)."""
    n_world, n_pairs = round(n * world_share), round(n * pair_share)
    documents = generate_pretraining_documents(n - n_world - n_pairs, seed)
    if n_world or n_pairs:
        documents += world_documents(n_world, seed) + pair_documents(n_pairs, seed)
        random.Random(f"nlpbook-pretraining-mix:{seed}").shuffle(documents)
    return documents
