"""Stage 2 for 질의응답 (notebook 12): the offline KorQuAD-format corpus, paragraphs about the movie world (world.py).

One paragraph per film (train and dev have different films), its fact sentences in a seeded order and wording, and
questions on it, each naming the film by its title (or, for the title itself, by its director and lead actors), each
answer a span of the paragraph. Some answers start at character 0 (a paragraph may open with the director, the lead
actors or the title); some paragraphs carry viewers' one-line reviews between the facts and are longer than one
window of the offline max_seq_length. Every question has its answer in exactly one paragraph of the corpus (train and
dev together): document search (notebook 13) uses the same files, the question's own paragraph as the right one.
"""
from __future__ import annotations

import random
import re
from pathlib import Path

from .embedded_corpus import generate_reviews
from .files import write_generated
from .qa_corpus import QA_FILES, QaExample, korquad_content
from .world import FACTS, Film, World, josa, make_world

__all__ = ["QUESTIONS", "N_QA_TRAIN_FILMS", "N_QA_TEST_FILMS", "qa_films", "film_paragraph",
           "generate_qa_examples", "write_embedded_qa"]

N_QA_TRAIN_FILMS, N_QA_TEST_FILMS = 300, 60
LONG_SHARE, REVIEWS_IN_LONG = 0.3, (4, 8)    # share of paragraphs with viewers' reviews, how many reviews then
# fact → questions (template, the key whose value is the answer); {t} is the film's title
QUESTIONS = {
    "director": (("{t:의} 감독은 누구인가?", "director"), ("{t:을} 연출한 사람은 누구야?", "director")),
    "leads": (("{t}에 {lead1:과} 함께 주연으로 출연한 배우는?", "lead2"),
              ("{t}에서 {lead2:과} 함께 주연을 맡은 배우는 누구인가?", "lead1")),
    "genre": (("{t:은} 어떤 장르의 영화인가?", "genre"), ("{t:의} 장르는 무엇인가?", "genre")),
    "release": (("{t:은} 언제 개봉했는가?", "release"), ("{t:의} 개봉일은 언제인가?", "release")),
    "runtime": (("{t:의} 상영 시간은 몇 분인가?", "runtime"), ("{t:은} 몇 분 동안 상영되나?", "runtime")),
    "studio": (("{t:을} 제작한 회사는?", "studio"), ("{t:의} 제작사는 어디인가?", "studio")),
    "place": (("{t:은} 어디에서 촬영했나?", "place"), ("{t:의} 촬영지는 어디인가?", "place")),
    "original": (("{t:의} 원작 소설을 쓴 작가는?", "writer"), ("{t:은} 누구의 소설이 원작인가?", "writer")),
    "award": (("{t:이} {festival}에서 받은 상은?", "prize"), ("{t:은} 어느 영화제에서 상을 받았나?", "festival")),
    "title": (("{director} 감독이 연출하고 {lead1:과} {lead2:이} 주연한 영화는?", "t"),),
}
SLOT = re.compile(r"\{(\w+)(?::(\w+))?\}")


def fill_with_spans(template: str, values: dict[str, str]) -> tuple[str, dict[str, tuple[int, int]]]:
    """A FACTS-style template filled ({key} or {key:조사}) and the character span of each key's value in it."""
    parts, spans, at = [], {}, 0
    for match in SLOT.finditer(template):
        parts.append(template[at:match.start()])
        start, value = sum(map(len, parts)), values[match.group(1)]
        parts.append(josa(value, match.group(2)) if match.group(2) else value)
        spans.setdefault(match.group(1), (start, start + len(value)))
        at = match.end()
    parts.append(template[at:])
    return "".join(parts), spans


def qa_films(world: World) -> list[Film]:
    """The films a paragraph can be about: not a sequel and not a film with a sequel (their titles contain each other)."""
    titles = {film.title for film in world.films}
    return [film for film in world.films if not film.title.endswith(" 2") and f"{film.title} 2" not in titles]


def film_paragraph(world: World, film: Film, rng: random.Random, reviews: list[str]
                   ) -> tuple[str, dict[str, tuple[int, int]]]:
    """One paragraph about the film: its facts in a seeded order and wording (the first names the title, the others
    say 이 영화), `reviews` quoted between them; and the span of every fact's value (key "t": the title)."""
    facts = [fact for fact in FACTS if film.has(fact)]
    rng.shuffle(facts)
    sentences = [(fact, rng.choice(FACTS[fact])) for fact in facts]
    places = sorted(rng.sample(range(1, len(sentences) + 1), min(len(reviews), len(sentences))))
    for place, review in zip(reversed(places), reviews):
        sentences.insert(place, ("", f'한 관객은 "{review}"라고 썼다.'))
    context, spans = "", {}
    for i, (fact, template) in enumerate(sentences):
        values = dict(film.values(), t=film.title if i == 0 else "이 영화")
        text, found = fill_with_spans(template, values)
        offset = len(context) + (1 if context else 0)
        context = f"{context} {text}" if context else text
        for key, (start, end) in found.items():
            if key != "t" or i == 0:
                spans.setdefault(key, (offset + start, offset + end))
    return context, spans


def generate_qa_examples(split: str = "train", seed: int = 7, n_films: int | None = None,
                         world: World | None = None) -> list[QaExample]:
    """The questions of one split ('train' or 'test', the dev file), one paragraph per film; same arguments → same
    examples. Notebook 12, 2. 말뭉치."""
    if split not in QA_FILES:
        raise ValueError(f"split={split!r}: use one of {sorted(QA_FILES)}")
    world = world or make_world(seed)
    films = qa_films(world)
    random.Random(f"nlpbook-qa:{seed}:films").shuffle(films)
    n_train = min(N_QA_TRAIN_FILMS, len(films) - N_QA_TEST_FILMS)
    films = films[:n_train] if split == "train" else films[n_train:n_train + N_QA_TEST_FILMS]
    films = films if n_films is None else films[:n_films]
    rng = random.Random(f"nlpbook-qa:{seed}:{split}")
    reviews = iter(text for _, text, _ in generate_reviews(len(films) * REVIEWS_IN_LONG[1], seed=seed + 2000,
                                                           start_id=40_000_000 + (split == "test") * 1_000_000))
    casts = [(film.director, *sorted(film.leads)) for film in world.films]
    examples = []
    for film in films:
        n_reviews = rng.randint(*REVIEWS_IN_LONG) if rng.random() < LONG_SHARE else 0
        context, spans = film_paragraph(world, film, rng, [next(reviews) for _ in range(n_reviews)])
        values = dict(film.values(), t=film.title)
        asked = [fact for fact in QUESTIONS if fact == "title" or film.has(fact)]
        if casts.count((film.director, *sorted(film.leads))) > 1:
            asked.remove("title")             # another film has the same director and leads: ask by title only
        for n, fact in enumerate(asked):
            template, key = rng.choice(QUESTIONS[fact])
            question, _ = fill_with_spans(template, values)
            start, end = spans[key]
            examples.append(QaExample(f"nlpbook-qa_{split}_{film.id}_{n:02d}", film.title, context, question,
                                      ((context[start:end], start),)))
    return examples


def write_embedded_qa(directory, seed: int = 7) -> dict[str, Path]:
    """Write QA_FILES (KorQuAD_v1.0_train.json, KorQuAD_v1.0_dev.json) into directory where missing; a file there is
    kept when it is this corpus byte for byte, anything else is the user's (FileExistsError, nothing written).
    Notebook 12, 2. 말뭉치."""
    directory, world = Path(directory).expanduser(), make_world(seed)
    paths = {split: directory / name for split, name in QA_FILES.items()}
    write_generated({paths[split]: korquad_content(generate_qa_examples(split, seed, world=world),
                                                   f"KorQuAD_v1.0_nlpbook-{split}")
                     for split in QA_FILES}, f"the embedded KorQuAD-format corpus (seed={seed})")
    return paths
