"""Stage 2 for 개체명 인식 (notebook 10): the offline NER corpus, sentences about the movie world (world.py).

Each sentence comes from a template whose slots are entities of the book's tag set: people (PER: directors, actors,
writers), titles (POH), filming places (LOC), studios and festivals (ORG), dates (DAT), times (TIM), spans of time
(DUR), money (MNY), shares (PNT) and other counts (NOH). 조사 stay attached as Korean writes them (`김환희가`,
`서울에서`); the span covers the entity only. Some sentences have no entity, some two side by side (`2015.3.14 오후
7시`), some an entity inside a longer word (`김환희감독의`). Written in the book's markup (ner_corpus.py).
"""
from __future__ import annotations

import random
import re
from pathlib import Path

from .files import write_generated
from .ner_corpus import NER_FILES, NerExample, markup_content
from .world import Film, World, josa, make_world

__all__ = ["TEMPLATES", "N_NER_TRAIN", "N_NER_TEST", "generate_ner_sentences", "write_embedded_ner"]

N_NER_TRAIN, N_NER_TEST = 3000, 500
# {slot} or {slot:조사}: the slot's tag comes from SLOT_TAGS; text outside the braces is not an entity
TEMPLATES = (
    "{title:은} {director} 감독이 연출했다.", "{director} 감독의 신작 {title:이} {date}에 개봉한다.",
    "{lead1:과} {lead2:이} 주연을 맡은 {title:은} {place}에서 촬영했다.", "{title:의} 상영 시간은 {runtime:이다}.",
    "{title:은} 개봉 {period} 만에 관객 {audience:을} 넘었다.", "{studio:은} {title}에 제작비 {budget:을} 들였다.",
    "{title:이} 예매율 {share:을} 기록하며 1위에 올랐다.", "{festival}에서 {title:이} 감독상을 받았다.",
    "{date} {time}에 {place}에서 {title:의} 시사회가 열린다.", "{title:의} 관람료는 {price:이다}.",
    "{lead1:은} {director}감독의 영화에 처음 출연했다.", "{writer} 작가의 소설이 {title:의} 원작이다.",
    "{director:은} {date}부터 {period} 동안 {place}에서 촬영을 진행했다.", "{title:은} 관객 {audience:을} 모았다.",
    "{lead1:은} {studio:과} 전속 계약을 맺었다.", "{place} 출신의 {director} 감독은 {title:으로} 데뷔했다.",
    "{title:은} {place}의 작은 마을을 배경으로 한다.", "{festival:은} {date}에 개막한다.",
    "{title:의} 예매는 {date} {time}부터 시작된다.", "{title} 상영관의 좌석 점유율은 {share:이다}.",
    "{lead2:이} {place}에서 팬 {fans:을} 만났다.", "{studio:이} {date} {title:의} 제작을 발표했다.",
    "{title:은} 개봉 첫 주에 {revenue:을} 벌었다.", "{lead1} {lead2} 주연의 {title:이} {festival}에 초청됐다.",
    "{title:과} {title2:은} 모두 {director} 감독의 작품이다.", "{lead1:은} {title}에서 {period} 동안 훈련했다.",
    "{director} 감독은 {time}에 {place}에서 관객과 만난다.", "{title:은} {runtime} 동안 쉬지 않고 달린다.",
    "이 영화는 정말 재밌다.", "배우들의 연기가 돋보였다.", "결말이 너무 아쉬웠다.", "다시 보고 싶은 영화다.",
    "스토리가 지루해서 중간에 잠들었다.", "음악도 좋고 화면도 아름답다.",
)
SLOT_TAGS = {"director": "PER", "lead1": "PER", "lead2": "PER", "writer": "PER", "title": "POH", "title2": "POH",
             "place": "LOC", "studio": "ORG", "festival": "ORG", "date": "DAT", "time": "TIM", "runtime": "DUR",
             "period": "DUR", "budget": "MNY", "price": "MNY", "revenue": "MNY", "share": "PNT", "audience": "NOH",
             "fans": "NOH"}
SLOT = re.compile(r"\{(\w+)(?::(\w+))?\}")


def _date(rng: random.Random, film: Film) -> str:
    day = film.release
    return rng.choice((f"{day.year}.{day.month}.{day.day}", f"{day.year}년 {day.month}월 {day.day}일",
                       f"{day.month}월 {day.day}일", f"{day.year}년"))


def _values(rng: random.Random, world: World, film: Film) -> dict[str, str]:
    """One value per slot, about `film` where the world knows it, drawn otherwise."""
    hour, minute = rng.randint(1, 11), rng.choice((0, 0, 10, 20, 30, 40, 50))
    hours, rest = divmod(film.runtime, 60)
    return {
        "director": film.director, "lead1": film.leads[0], "lead2": film.leads[1],
        "writer": film.original or rng.choice(world.writers), "title": film.title,
        "title2": rng.choice([other.title for other in world.films if other.director == film.director
                              and other.title != film.title] or [rng.choice(world.films).title]),
        "place": film.place, "studio": film.studio,
        "festival": film.award[0] if film.award else f"{rng.choice(world.places)} 영화제",
        "date": _date(rng, film),
        "time": f"{rng.choice(('오전', '오후', '밤', ''))} {hour}시{f' {minute}분' if minute else ''}".strip(),
        "runtime": rng.choice((f"{film.runtime}분", f"{hours}시간 {rest}분" if rest else f"{hours}시간")),
        "period": f"{rng.randint(2, 11)}{rng.choice(('일', '주', '개월', '년'))}",
        "budget": f"{rng.randint(20, 250)}억 원", "price": rng.choice((f"{rng.randint(7, 15)},000원",
                                                                    f"{rng.randint(1, 2)}만 {rng.randint(1, 9)}천 원")),
        "revenue": f"{rng.randint(3, 90)}억 원",
        "share": rng.choice((f"{rng.randint(5, 70)}%", f"{rng.randint(5, 70)}.{rng.randint(1, 9)}%",
                             f"{rng.randint(5, 70)}퍼센트")),
        "audience": f"{rng.randint(2, 1500):,}만 명",
        "fans": f"{rng.randint(1, 9) * 100}명",
    }


def fill_spans(template: str, values: dict[str, str], example_id: str) -> NerExample:
    """The sentence of a template and the character span of each slot's value (its 조사 outside the span)."""
    text, entities, at = [], [], 0
    for match in SLOT.finditer(template):
        text.append(template[at:match.start()])
        start = sum(map(len, text))
        value = values[match.group(1)]
        text.append(josa(value, match.group(2)) if match.group(2) else value)
        entities.append((start, start + len(value), SLOT_TAGS[match.group(1)]))
        at = match.end()
    text.append(template[at:])
    return NerExample(example_id, "".join(text), tuple(entities))


def generate_ner_sentences(n: int, seed: int = 7, split: str = "train", world: World | None = None
                           ) -> list[NerExample]:
    """n sentences drawn from make_world(seed), the templates in turn (shuffled); same arguments → same sentences.
    Notebook 10, 2. 말뭉치."""
    if split not in NER_FILES:
        raise ValueError(f"split={split!r}: use one of {sorted(NER_FILES)}")
    world = world or make_world(seed)
    rng = random.Random(f"nlpbook-ner:{seed}:{split}")
    order = [TEMPLATES[i % len(TEMPLATES)] for i in range(n)]
    rng.shuffle(order)
    sentences = []
    for i, template in enumerate(order):
        film = rng.choice(world.films)
        sentences.append(fill_spans(template, _values(rng, world, film), f"nlpbook-ner_{split}_{i:05d}"))
    return sentences


def write_embedded_ner(directory, seed: int = 7, n_train: int = N_NER_TRAIN, n_test: int = N_NER_TEST
                       ) -> dict[str, Path]:
    """Write NER_FILES (train.txt, val.txt) in the book's markup into directory where missing; a file there is kept
    when it is this corpus byte for byte, anything else is the user's (FileExistsError, nothing written).
    Notebook 10, 2. 말뭉치."""
    if n_train <= 0 or n_test <= 0:
        raise ValueError(f"n_train={n_train}, n_test={n_test}: both must be >= 1")
    directory, world = Path(directory).expanduser(), make_world(seed)
    paths = {split: directory / name for split, name in NER_FILES.items()}
    write_generated({paths[split]: markup_content(generate_ner_sentences(n, seed, split, world))
                     for split, n in (("train", n_train), ("test", n_test))},
                    f"the embedded NER corpus (seed={seed})")
    return paths
