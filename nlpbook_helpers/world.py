"""Stage 2 (notebook 09): one invented movie world that every task's embedded corpus draws from.

Films, the people who make them (감독, 배우, 작가), studios, filming places, release dates, runtimes and genres,
all written for this project and combined by a seeded generator: same seed, same world. Every syllable of a name
or title is one the offline vocabulary knows (it was trained on the review corpus), so the tiny BERT sees names,
not [UNK]. The world has simple rules that the corpora rely on: a film has one director, two lead actors, one
genre, one studio and one filming place; directors, actors and writers are different people. The review corpus
is not changed: `World.film_of_review` only tells which film a review (by its id) is about.
"""
from __future__ import annotations

import datetime
import random
import re
from dataclasses import dataclass

from .embedded_corpus import has_final

__all__ = ["Film", "World", "make_world", "josa", "fill", "FACTS", "N_FILMS"]

N_FILMS, N_DIRECTORS, N_ACTORS, N_WRITERS, N_STUDIOS = 400, 100, 300, 60, 24

SURNAMES = ("김 이 박 최 정 강 조 장 임 한 오 서 신 황 안 전 유 고 문 배 백 허 남 심 노 하 성 주 우 구 민 진 나 지 엄 원 천 "
            "방 공 함 변 여 추 도 소 석 선 설 마 길 연 위 표 명 기 반 라 제 모 탁 편 용").split()
GIVEN = ("민 준 서 연 지 우 하 은 수 영 진 호 재 원 성 아 경 다 나 소 유 주 예 석 동 상 훈 범 찬 솔 율 린 리 미 선 정 인 한 "
         "결 온 별 담 단 산 강 건 도 람 로 기 용 시 세 보 라 비 해 설 종 명 완 무 웅 안 일 식 중 환").split()
NOUNS = ("바다 여름 바람 정원 기억 도시 섬 길 집 문 편지 노래 계절 사랑 별 불 물 강 산 그림자 거울 학교 친구 이웃 마을 노을 "
         "오후 주말 봄 가을 연인 형제 자매 아버지 어머니 엄마 아들 선생 형사 변호사 의사 기자 가수 화가 영웅 전설 기적 운명 "
         "여행 선물 사진 일기 시계 우산 자전거 배 다리 계단 시장 공원 식당 마음 얼굴 하루 구름 나무 호수 등대 지도 상자 동전 "
         "보물 모자 신발 소리 진실 복수 탈출 경기 결혼 이별 고백 생일 휴가 수업 교실 다방 주방 빵집 서점 사무실 공장 농장 "
         "마술사 요리사 선장 악당 천사 강아지 늑대 호랑이 여우 물고기 나비").split()
MODIFIERS = ("마지막 조용한 작은 긴 오래된 이상한 뜨거운 따뜻한 행복한 위험한 사라진 숨은 돌아온 남은 첫 우리의 나의 너의 "
             "그들의 어느 모든 영원한 우는 웃는 어제의 내일의 아름다운 완벽한 가난한 나쁜 용감한 수상한 평범한 보통의 외로운 "
             "한여름의 기쁜 잠든 깨어난").split()
PLACES = ("서울 부산 인천 대구 대전 광주 제주 전주 속초 여수 통영 경주 안동 수원 청주 남해 거제 진주 울산 보성 고성 정선 "
          "영월 하동 서산 공주 부여 익산 원주 완도 남원 순천 김해 가평").split()
STUDIO_WORDS = "바람 한강 가람 나래 누리 다온 마루 미르 보람 한울 은하 노을 구름 무지개 물결 반디 산들 두리 세움".split()
STUDIO_KINDS = "영화사 시네마 프로덕션 엔터".split()
GENRES = "드라마 코미디 액션 로맨스 공포 사극 가족 음악 미스터리 재난 애니".split()
PRIZES = "작품상 감독상 각본상 음악상 촬영상".split()

# One sentence per fact, in a few wordings; {t} is the film (its title or 이 영화), {x:은} puts the right 조사 after x.
FACTS = {
    "director": ("{t:은} {director} 감독이 연출했다.", "{t:은} {director} 감독의 작품이다.",
                 "{director} 감독이 {t:을} 연출했다."),
    "leads": ("{t:의} 주연 배우는 {lead1:과} {lead2:이다}.", "{t:은} {lead1:과} {lead2:이} 주연으로 출연한 영화다.",
              "{lead1:과} {lead2:이} {t}에 주연으로 출연했다."),
    "genre": ("{t:은} {genre} 영화다.", "{t:의} 장르는 {genre:이다}."),
    "release": ("{t:은} {release}에 개봉했다.", "{t:의} 개봉일은 {release:이다}."),
    "runtime": ("{t:의} 상영 시간은 {runtime}분이다.", "{t:은} {runtime}분 동안 상영된다."),
    "studio": ("{t:은} {studio:이} 제작했다.", "{t:의} 제작사는 {studio:이다}."),
    "place": ("{t:은} {place}에서 촬영했다.", "{t:의} 촬영지는 {place:이다}."),
    "original": ("{t:의} 원작은 {writer} 작가의 소설이다.", "{t:은} {writer} 작가의 소설을 영화로 만들었다."),
    "award": ("{t:은} {festival}에서 {prize:을} 받았다.",),
}
_PAIRS = {"은": ("은", "는"), "이": ("이", "가"), "을": ("을", "를"), "과": ("과", "와"), "으로": ("으로", "로"),
          "이다": ("이다", "다"), "의": ("의", "의")}


def josa(word: str, particle: str) -> str:
    """word + the form of a particle its last sound needs: josa("김민준", "이") → 김민준이, ("이서아", "을") → 이서아를;
    particle is named by its form after a final consonant: 은, 이, 을, 과, 으로, 이다. Notebook 09, 2. 말뭉치."""
    after_final, after_vowel = _PAIRS[particle]
    last = word.rstrip()[-1]
    rieul = "가" <= last <= "힣" and (ord(last) - 0xAC00) % 28 == 8     # ㄹ takes 로, not 으로
    return word + (after_final if has_final(word) and not (particle == "으로" and rieul) else after_vowel)


def fill(template: str, **values) -> str:
    """Fill a FACTS-style template: {key} is the value, {key:은} the value with its 조사. Notebook 09, 2. 말뭉치."""
    def one(match: re.Match) -> str:
        value = str(values[match.group(1)])
        return josa(value, match.group(2)) if match.group(2) else value
    return re.sub(r"\{(\w+)(?::(\w+))?\}", one, template)


@dataclass(frozen=True, slots=True)
class Film:
    """One film of the world: who made it, where, when, how long; original (a writer's novel) and award may be None."""

    id: str
    title: str
    genre: str
    release: datetime.date
    runtime: int
    studio: str
    director: str
    leads: tuple[str, str]
    place: str
    original: str | None
    award: tuple[str, str] | None       # (festival, prize)

    def values(self) -> dict[str, str]:
        """Each fact as text, keyed as in FACTS's templates (lead1, lead2, writer, festival, prize too)."""
        festival, prize = self.award or ("", "")
        return {"title": self.title, "genre": self.genre, "release": _dotted(self.release),
                "runtime": str(self.runtime), "studio": self.studio, "director": self.director,
                "lead1": self.leads[0], "lead2": self.leads[1], "place": self.place, "writer": self.original or "",
                "festival": festival, "prize": prize}

    def has(self, fact: str) -> bool:
        """Whether the film has this fact (every film has all but original and award)."""
        return {"original": self.original, "award": self.award}.get(fact, True) is not None


@dataclass(frozen=True)
class World:
    """The films and the names they draw from; `film_of_review` links the review corpus to them.
    Notebook 09, 2. 말뭉치: `make_world`."""

    seed: int
    films: tuple[Film, ...]
    directors: tuple[str, ...]
    actors: tuple[str, ...]
    writers: tuple[str, ...]
    studios: tuple[str, ...]
    places: tuple[str, ...] = tuple(PLACES)
    genres: tuple[str, ...] = tuple(GENRES)

    def film(self, film_id: str) -> Film:
        """The film with this id (KeyError naming it when there is none)."""
        for film in self.films:
            if film.id == film_id:
                return film
        raise KeyError(f"no film {film_id!r} in this world (ids F0000..F{len(self.films) - 1:04d})")

    def film_of_review(self, review_id: str) -> Film:
        """The film a review of the embedded corpus is about: fixed by the seed and the review's id alone."""
        return self.films[random.Random(f"nlpbook-world:{self.seed}:review:{review_id}").randrange(len(self.films))]

    def fact_sentence(self, film: Film, fact: str, subject: str | None = None, wording: int = 0) -> str:
        """One sentence stating `fact` (a FACTS key) of the film; subject defaults to its title."""
        templates = FACTS[fact]
        return fill(templates[wording % len(templates)], t=subject or film.title, **film.values())

    def fact_sentences(self, film: Film) -> list[str]:
        """Every fact the film has, one sentence each: the title starts, 이 영화 goes on."""
        facts = [fact for fact in FACTS if film.has(fact)]
        return [self.fact_sentence(film, fact, None if i == 0 else "이 영화") for i, fact in enumerate(facts)]


def _dotted(day: datetime.date) -> str:
    return f"{day.year}.{day.month}.{day.day}"      # 2015.3.14: the offline vocab cannot spell 년 (2015년)


def _known(number: int) -> bool:
    """Whether the offline vocabulary can spell the number: it has every digit but 6 (review scores skip it)."""
    return "6" not in str(number)


def _names(rng: random.Random, n: int, taken: set[str]) -> tuple[str, ...]:
    names = []
    while len(names) < n:
        surname, *given = rng.choice(SURNAMES), *rng.sample(GIVEN, 2)
        name = surname + "".join(given)
        if surname not in given and name not in taken:
            taken.add(name)
            names.append(name)
    return tuple(names)


def _title(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.55:
        return f"{rng.choice(MODIFIERS)} {rng.choice(NOUNS)}"
    first, second = rng.sample(NOUNS, 2)
    if kind < 0.8:
        return f"{josa(first, '의')} {second}"
    if kind < 0.9:
        return f"{josa(first, '과')} {second}"
    return f"{josa(rng.choice(PLACES), '의')} {second}"


def make_world(seed: int = 7) -> World:
    """The movie world of `seed`: N_FILMS films, their people, studios and places; same seed, same world.
    Notebook 09, 2. 말뭉치: `make_world`."""
    rng = random.Random(f"nlpbook-world:{seed}")
    taken: set[str] = set()
    directors, actors, writers = (_names(rng, n, taken) for n in (N_DIRECTORS, N_ACTORS, N_WRITERS))
    studios = tuple(rng.sample([f"{word} {kind}" for word in STUDIO_WORDS for kind in STUDIO_KINDS], N_STUDIOS))
    titles: list[str] = []
    while len(titles) < N_FILMS:
        title = _title(rng) if not titles or rng.random() > 0.04 else rng.choice(titles) + " 2"   # a few sequels
        if title not in titles and not title.endswith("2 2"):
            titles.append(title)
    films = []
    for i, title in enumerate(titles):
        runtime = rng.choice([m for m in range(85, 159) if m != 120 and _known(m)])   # never exactly two hours
        release = datetime.date(*(rng.choice([n for n in range(*span) if _known(n)])
                                  for span in ((1995, 2026), (1, 13), (1, 29))))
        award = (f"{rng.choice(PLACES)} 영화제", rng.choice(PRIZES)) if rng.random() < 0.25 else None
        films.append(Film(f"F{i:04d}", title, rng.choice(GENRES), release, runtime, rng.choice(studios),
                          rng.choice(directors), tuple(rng.sample(actors, 2)), rng.choice(PLACES),
                          rng.choice(writers) if rng.random() < 0.35 else None, award))
    return World(seed, tuple(films), directors, actors, writers, studios)
