"""Notebook 08: an example of "your own data", a three-class (부정/중립/긍정) movie-review CSV written by a seeded generator.

Every phrase below was written for this project (nothing is copied from NSMC or any other data set). The file is
what a student's own file looks like: UTF-8, a header line, a text column (`review`) and a label column
(`sentiment`) holding label names. Neutral reviews are really neutral or mixed (평범했다, 그냥 그랬다, 호불호가 갈린다,
장단점이 반반), and mild positive or negative reviews use some of the same words, so a model confuses 중립 with
both sides far more often than 긍정 with 부정: the confusion matrix of notebook 08 shows it.
"""
from __future__ import annotations

import csv
import io
import random
from pathlib import Path

from .files import write_generated

__all__ = ["EXAMPLE_LABELS", "TEXT_COLUMN", "LABEL_COLUMN", "LABEL_NOISE", "generate_example_reviews",
           "example_csv_content", "write_example_corpus"]

EXAMPLE_LABELS = ("부정", "중립", "긍정")
TEXT_COLUMN, LABEL_COLUMN = "review", "sentiment"
LABEL_NOISE = 0.02            # share of labels changed to another one on purpose (annotators disagree too)


def _w(text: str) -> list[str]:
    return [part.strip() for part in text.split("|") if part.strip()]


ASPECTS = _w("연기|스토리|영상미|음악|결말|연출|대사|캐릭터|액션|전개|주인공|분위기|배우들 연기|반전|후반부|초반부|"
             "OST|CG|몰입감|각본|엔딩")

# what is said about one aspect: (final form, "…지만" form, "…고" form)
ASPECT_SAYS = {
    "긍정": [("좋았다", "좋았지만", "좋았고"), ("훌륭했다", "훌륭했지만", "훌륭했고"),
             ("인상적이었다", "인상적이었지만", "인상적이었고"), ("탄탄했다", "탄탄했지만", "탄탄했고"),
             ("최고였다", "최고였지만", "최고였고"), ("아름다웠다", "아름다웠지만", "아름다웠고"),
             ("신선했다", "신선했지만", "신선했고"), ("자연스러웠다", "자연스러웠지만", "자연스러웠고")],
    "부정": [("아쉬웠다", "아쉬웠지만", "아쉬웠고"), ("별로였다", "별로였지만", "별로였고"),
             ("지루했다", "지루했지만", "지루했고"), ("어색했다", "어색했지만", "어색했고"),
             ("엉망이었다", "엉망이었지만", "엉망이었고"), ("유치했다", "유치했지만", "유치했고"),
             ("뻔했다", "뻔했지만", "뻔했고"), ("산만했다", "산만했지만", "산만했고")],
    "중립": [("무난했다", "무난했지만", "무난했고"), ("평범했다", "평범했지만", "평범했고"),
             ("그냥 그랬다", "그냥 그랬지만", "그냥 그랬고"), ("그저 그랬다", "그저 그랬지만", "그저 그랬고"),
             ("나쁘지도 좋지도 않았다", "나쁘지도 좋지도 않았지만", "나쁘지도 좋지도 않았고"),
             ("예상대로였다", "예상대로였지만", "예상대로였고")],
}

# the film as a whole: clear verdicts
VERDICTS = {
    "긍정": _w("정말 재밌게 봤어요|최고의 영화였다|강추합니다|꼭 보세요|또 보고 싶다|시간 가는 줄 몰랐다|"
               "여운이 오래 남는다|인생 영화 하나 생겼다|돈이 하나도 안 아까웠다|감동받았어요|너무 재밌다|명작이다|"
               "친구들한테 추천했다|눈물 나게 좋았다"),
    "부정": _w("시간 아깝다|돈 아깝다|최악의 영화|보지 마세요|중간에 나왔다|끝까지 못 봤다|다시는 안 본다|"
               "완전 실망했다|재미없다|졸았다|너무 지루했다|돈 주고 보기 아깝다|한숨만 나온다|비추"),
    "중립": _w("평범했다|그냥 그랬다|무난했다|그냥저냥|한 번은 볼만한데 두 번은 모르겠다|기대도 실망도 없었다|"
               "딱 예상대로였다|호불호가 갈린다|장단점이 반반이다|좋은 점도 아쉬운 점도 있었다|나쁘지도 좋지도 않았다|"
               "딱 중간 정도|딱히 기억에 남는 건 없다|무난한 영화|평작이다|보고 나서 별 생각이 없다"),
}
# mild verdicts: readers disagree whether they are 중립 or not (see KINDS)
MILD = {
    "up": _w("괜찮았어요|볼만했다|생각보다 좋았다|그럭저럭 재밌었다|나쁘지 않았다|시간 때우기로는 괜찮다|"
             "무난하게 볼만했다|재밌는 편이었다"),
    "down": _w("좀 아쉬웠다|기대보다 별로였다|추천하기 어려웠다|생각보다 심심했다|그저 그랬다|기대 이하였다|"
               "조금 지루한 편이었다|그다지 재밌지 않았다"),
}
# how a mixed review (one aspect good, one bad) ends when it gives a clear verdict
MIXED_ENDINGS = {
    "긍정": _w("그래도 추천합니다|그래도 재밌게 봤다|그래도 볼 가치는 있다|그래도 만족했다"),
    "부정": _w("그래서 별로였다|그래서 실망했다|추천은 못 하겠다|시간이 아까웠다"),
    "중립": _w("딱 중간 정도|장단점이 반반이다|호불호가 갈린다|그래서 그냥저냥|뭐라 말하기 애매하다"),
}
STARS = {"긍정": _w("별 다섯 개|별 네 개"), "중립": _w("별 세 개|별 세 개 정도"), "부정": _w("별 한 개|별 두 개")}
OPENINGS = _w("솔직히|개인적으로|전반적으로|음..|기대하고 봤는데|주말에 봤는데|친구랑 봤는데|오랜만에 극장에서 봤는데")
ENDINGS = {"긍정": ["", "", ".", "!", " ㅎㅎ", " ㅋㅋ", "!!"], "부정": ["", "", ".", "..", " ㅠㅠ", " 에휴"],
           "중립": ["", "", ".", "..", " ㅎㅎ", " 음"]}

# Each label's reviews by kind (shares of n_per_label). The "clear" kinds say their label outright. The other kinds
# are written alike for two labels, as a reader might rate a review either way: a mild verdict ("up": 볼만했다,
# "down": 좀 아쉬웠다) is 중립 more often than not, and a mixed review without a verdict ("up": the good aspect
# last, "down": the bad one last) leans to the side of its last clause. So 중립 is confused with both sides,
# 긍정 with 부정 almost never (only the LABEL_NOISE).
KINDS = {
    "긍정": {"clear": 0.68, "mild up": 0.12, "mixed up": 0.20},
    "중립": {"clear": 0.22, "mild up": 0.28, "mild down": 0.28, "mixed up": 0.11, "mixed down": 0.11},
    "부정": {"clear": 0.68, "mild down": 0.12, "mixed down": 0.20},
}


def _has_final_consonant(word: str) -> bool:
    last = word[-1]
    if "가" <= last <= "힣":
        return (ord(last) - ord("가")) % 28 != 0
    return last in "LMNRlmnr0136780"          # OST는, CG는 (letters read aloud end in a vowel)


def _topic(word: str) -> str:
    return word + ("은" if _has_final_consonant(word) else "는")


def _mixed(first: str, second: str, rng: random.Random) -> str:
    """"<aspect> is <first>, but <aspect> is <second>": first and second are 긍정 or 부정."""
    one, two = rng.sample(ASPECTS, 2)
    return (f"{_topic(one)} {rng.choice(ASPECT_SAYS[first])[1]} "
            f"{_topic(two)} {rng.choice(ASPECT_SAYS[second])[0]}")


def _clear(label: str, rng: random.Random) -> str:
    """A review that says its label outright."""
    kind = rng.random()
    if kind < 0.40:                                         # the film as a whole
        return rng.choice(VERDICTS[label])
    if label == "중립":
        if kind < 0.70:                                     # one aspect so-so, maybe a neutral verdict
            text = f"{_topic(rng.choice(ASPECTS))} {rng.choice(ASPECT_SAYS['중립'])[0]}"
            return text + (" " + rng.choice(VERDICTS["중립"]) if rng.random() < 0.5 else "")
        good_last = rng.random() < 0.5                      # one good, one bad, and a neutral verdict
        return f"{_mixed(*(('부정', '긍정') if good_last else ('긍정', '부정')), rng)} {rng.choice(MIXED_ENDINGS['중립'])}"
    other = "부정" if label == "긍정" else "긍정"
    if kind < 0.80:                                         # one or two aspects, maybe a verdict
        first, second = rng.sample(ASPECTS, 2)
        says = rng.sample(ASPECT_SAYS[label], 2)
        text = (f"{_topic(first)} {says[0][0]}" if rng.random() < 0.5 else
                f"{_topic(first)} {says[0][2]} {_topic(second)} {says[1][0]}")
        return text + (" " + rng.choice(VERDICTS[label]) if rng.random() < 0.5 else "")
    return f"{_mixed(other, label, rng)} {rng.choice(MIXED_ENDINGS[label])}"   # mixed, then a clear verdict


def _review(label: str, kind: str, rng: random.Random) -> str:
    """One review of the given label (부정, 중립 or 긍정) and kind (see KINDS)."""
    if kind == "clear":
        text = _clear(label, rng)
    elif kind.startswith("mild"):
        text = rng.choice(MILD[kind.split()[1]])
        if rng.random() < 0.4:                              # "연기는 무난했고 볼만했다"
            text = f"{_topic(rng.choice(ASPECTS))} {rng.choice(ASPECT_SAYS['중립'])[2]} {text}"
    else:
        text = _mixed("부정", "긍정", rng) if kind == "mixed up" else _mixed("긍정", "부정", rng)
    if rng.random() < 0.25:
        text = f"{rng.choice(OPENINGS)} {text}"
    if kind != "clear":                 # what a reader could rate either way carries no label-revealing mark
        return text + rng.choice(ENDINGS["중립"])
    if rng.random() < 0.15:
        text = f"{text} {rng.choice(STARS[label])}"
    return text + rng.choice(ENDINGS[label])


def generate_example_reviews(n_per_label: int = 1000, seed: int = 7,
                             label_noise: float = LABEL_NOISE) -> list[tuple[str, str]]:
    """(review, label name) pairs, n_per_label of each of 부정/중립/긍정 before the noise, in a seeded random order.
    `label_noise` of the rows get one of the other two labels (the same number from each label)."""
    if n_per_label < 1:
        raise ValueError(f"n_per_label={n_per_label}: use 1 or more")
    rng = random.Random(f"nlpbook-example:{seed}")
    rows = []
    for label in EXAMPLE_LABELS:
        kinds = [kind for kind, share in KINDS[label].items() for _ in range(int(share * n_per_label + 0.5))]
        kinds = (kinds + ["clear"] * n_per_label)[:n_per_label]     # rounding: fill up with clear ones
        rows += [(_review(label, kind, rng), label) for kind in kinds]
    flips = int(n_per_label * label_noise + 0.5)
    for index, label in enumerate(EXAMPLE_LABELS):
        start = index * n_per_label
        for row in rng.sample(range(start, start + n_per_label), flips):
            rows[row] = (rows[row][0], rng.choice([other for other in EXAMPLE_LABELS if other != label]))
    rng.shuffle(rows)
    return rows


def example_csv_content(n_per_label: int = 1000, seed: int = 7) -> bytes:
    """The CSV file's bytes: header `id,review,sentiment`, one review per line, UTF-8, `\\n` line ends."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["id", TEXT_COLUMN, LABEL_COLUMN])
    writer.writerows((number, text, label)
                     for number, (text, label) in enumerate(generate_example_reviews(n_per_label, seed), start=1))
    return buffer.getvalue().encode("utf-8")


def write_example_corpus(path, seed: int = 7, n_per_label: int = 1000) -> Path:
    """Write the example CSV to `path` (a .csv file) unless it is already there; return the path.

    A file that is already there is kept when it is this example byte for byte; any other file is someone's own
    data: FileExistsError, and nothing is written (the same rule as the embedded corpus).
    """
    path = Path(path).expanduser()
    if path.suffix.lower() != ".csv":
        raise ValueError(f"{path}: the example is a CSV file, give a path ending in .csv")
    write_generated({path: example_csv_content(n_per_label, seed)},
                    f"the example corpus (seed={seed}, n_per_label={n_per_label})")
    return path
