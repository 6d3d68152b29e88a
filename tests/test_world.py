"""The movie world: deterministic, follows its own rules, Korean particles right, names the offline vocab knows,
and the review corpus it links to unchanged byte for byte."""
import hashlib

import pytest
from transformers import BertTokenizer

from nlpbook_helpers.embedded_corpus import (N_TEST, N_TRAIN, TEST_START_ID, TRAIN_START_ID, generate_reviews,
                                             nsmc_file_content)
from nlpbook_helpers.model import SHIPPED_MODEL
from nlpbook_helpers.world import FACTS, N_FILMS, fill, josa, make_world


@pytest.fixture(scope="module")
def world():
    return make_world(7)


def test_same_seed_same_world_other_seed_other_world(world):
    assert make_world(7) == world
    other = make_world(8)
    assert [f.title for f in other.films] != [f.title for f in world.films]


def test_the_world_follows_its_rules(world):
    films = world.films
    assert len(films) == N_FILMS
    assert len({f.id for f in films}) == len({f.title for f in films}) == N_FILMS
    people = (set(world.directors), set(world.actors), set(world.writers))
    assert not (people[0] & people[1] or people[0] & people[2] or people[1] & people[2])   # one role each
    for film in films:
        assert film.director in people[0] and set(film.leads) <= people[1] and len(set(film.leads)) == 2
        assert film.original is None or film.original in people[2]
        assert film.runtime != 120 and film.studio in world.studios and film.place in world.places
    # varied enough that a few names cannot be memorised
    assert len({f.director for f in films}) > 80 and len({a for f in films for a in f.leads}) > 250
    assert len({f.release.year for f in films}) > 20 and len({f.genre for f in films}) == len(world.genres)
    assert world.film(films[5].id) is films[5]
    with pytest.raises(KeyError, match="F9999"):
        world.film("F9999")


@pytest.mark.parametrize("word, particle, expected", [
    ("김민준", "이", "김민준이"), ("이서아", "이", "이서아가"), ("부산", "은", "부산은"), ("서울", "을", "서울을"),
    ("여수", "을", "여수를"), ("김민준", "과", "김민준과"), ("이서아", "과", "이서아와"), ("부산", "으로", "부산으로"),
    ("서울", "으로", "서울로"), ("제주", "으로", "제주로"), ("액션", "이다", "액션이다"), ("코미디", "이다", "코미디다"),
    ("너의 나비 2", "은", "너의 나비 2는"), ("마지막 여름 3", "이", "마지막 여름 3이")])
def test_josa_follows_the_last_sound(word, particle, expected):
    assert josa(word, particle) == expected


def test_fact_sentences_state_the_film(world):
    film = next(f for f in world.films if f.original and f.award)
    sentences = world.fact_sentences(film)
    assert len(sentences) == len(FACTS) and sentences[0].startswith(film.title)
    text = " ".join(sentences)
    for value in (film.director, *film.leads, film.genre, film.studio, film.place, film.original, str(film.runtime),
                  f"{film.release.year}.{film.release.month}.{film.release.day}"):
        assert value in text
    assert fill("{t:은} {d:과} 왔다", t="이 영화", d="김민준") == "이 영화는 김민준과 왔다"


def test_names_and_facts_tokenize_without_unk(world):
    """The offline tiny BERT must see names and numbers, not [UNK] (its vocabulary comes from the reviews)."""
    tokenizer = BertTokenizer.from_pretrained(SHIPPED_MODEL, do_lower_case=False)
    text = " ".join(s for film in world.films for s in world.fact_sentences(film))
    assert tokenizer.unk_token not in tokenizer.tokenize(text)


def test_film_of_review_is_fixed_and_spread(world):
    ids = [review_id for review_id, _, _ in generate_reviews(N_TEST, 7, TEST_START_ID)]
    films = [world.film_of_review(i) for i in ids]
    again = make_world(7)
    assert films == [again.film_of_review(i) for i in ids]
    assert len({f.id for f in films}) > 0.9 * N_FILMS


def test_review_corpus_unchanged_byte_for_byte():
    """The world links reviews to films without touching them: the embedded NSMC files stay as they were."""
    digests = [hashlib.sha256(nsmc_file_content(generate_reviews(n, 7, start))).hexdigest()
               for n, start in ((N_TRAIN, TRAIN_START_ID), (N_TEST, TEST_START_ID))]
    assert digests == ["2ee22f140bfb69aa78538497eec88c6a16e6baf93623c031fdcae69e96f8d23e",
                       "83dbed13bbcf9c1aa547dfc5ec9bf909f4c33a3093c57ab13e4e8f238f39c63a"]
