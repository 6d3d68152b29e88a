"""Stage 2 (notebook 02): a Korean movie-review corpus that needs no network, and unlabeled text to pretrain on.

This corpus is synthetic: every phrase below was written for this project (nothing is copied from NSMC or any
other data set). A seeded generator combines hand-written parts into reviews and writes them in NSMC's format
(`id<TAB>document<TAB>label`, UTF-8, label 1 = positive, 0 = negative), so that the same reader and the same
notebooks work on it and on the real NSMC. It has what makes NSMC non-trivial: about NSMC's length (35
characters on average), a large vocabulary of opinions, negation, intensifiers, slang and emoticons, spacing
and typo noise, mixed reviews where the last clause decides, sentiment said without a sentiment word, sarcasm,
scores, short reviews and about 3% flipped labels. `generate_pretraining_documents` writes the unlabeled text
the offline model is pretrained on (notebook 03): other seed, other ids, no text of the labeled corpus.
"""
from __future__ import annotations

import random
from pathlib import Path

from .files import write_generated

__all__ = ["write_embedded_corpus", "generate_reviews", "nsmc_file_content", "generate_pretraining_documents",
           "has_final", "LABEL_NOISE", "TRAIN_START_ID", "TEST_START_ID", "PRETRAIN_START_ID", "PRETRAIN_SEED_OFFSET"]

LABEL_NOISE = 0.03            # share of labels flipped on purpose (as many 0→1 as 1→0)
MAX_CHARS = 140               # NSMC reviews are at most 140 characters
TRAIN_START_ID, TEST_START_ID = 10_000_000, 20_000_000
N_TRAIN, N_TEST = 6000, 1500    # the labeled corpus' default sizes
LABELED_SHORTEST = 20           # no labeled review this long or longer appears in the pretraining text
PRETRAIN_START_ID = 30_000_000  # unlabeled pretraining text: its own id range ...
PRETRAIN_SEED_OFFSET = 1_000    # ... and its own seed (seed + 1000), so it never repeats a labeled review's draws


def _w(text: str) -> list[str]:
    return [part.strip() for part in text.split("|") if part.strip()]


# ---- aspects of a film and what is said about them -------------------------------------------------------------
ASPECTS = _w("연기|스토리|영상미|음악|OST|결말|배우들 연기|연출|대사|캐릭터|CG|액션|반전|전개|주인공|각본|분위기|편집|"
             "시나리오|더빙|촬영|캐스팅|몰입감|긴장감|설정|엔딩|사운드|색감|액션씬|로맨스|조연들|아역 연기|개그|복선|"
             "세계관|주제|미장센|배경음악|후반부|초반부")

# One predicate per line: final forms / contrastive forms ("…지만") / "and" forms ("…고") / its negation
# (which has the opposite polarity: "좋지 않았다" is negative, "지루하지 않았다" positive).
_PREDICATES = {
    1: """좋았다|좋다|좋았음|좋아요|좋았어요|좋네요|좋더라 / 좋았지만|좋긴 했는데|좋았는데|좋은데 / 좋고|좋았고 / 좋지 않았다|안 좋았다|좋진 않았음
훌륭했다|훌륭하다|훌륭함|훌륭했어요|훌륭하네요 / 훌륭했지만|훌륭했는데 / 훌륭하고|훌륭했고 / 훌륭하진 않았다|그리 훌륭하지 않았다
최고다|최고였다|최고|최고임|최고예요|최고였어요 / 최고였지만|최고였는데|최고긴 한데 / 최고고|최고였고 /
완벽했다|완벽함|완벽하네요|완벽했어요 / 완벽했지만|완벽했는데 / 완벽하고|완벽했고 /
미쳤다|미쳤음|미쳤네|미쳤어요 / 미쳤지만|미쳤는데 / 미쳤고 /
괜찮았다|괜찮음|괜찮았어요|괜찮네요 / 괜찮았지만|괜찮았는데|괜찮긴 했는데 / 괜찮고|괜찮았고 /
인상적이었다|인상적임|인상적이었어요 / 인상적이었지만|인상적이었는데 / 인상적이었고 / 인상적이지 않았다|전혀 인상적이지 않았음
아름다웠다|아름다움|아름다웠어요|예뻤다 / 아름다웠지만|예뻤는데 / 아름답고|예쁘고 /
탄탄했다|탄탄함|탄탄했어요 / 탄탄했지만|탄탄했는데 / 탄탄하고 / 탄탄하지 않았다
대박|대박이다|대박이었음|대박이네요 / 대박이었지만|대박인데 / 대박이고 /
살아있다|살아있었음|살아있네요 / 살아있었지만|살아있었는데 / 살아있고 /
신선했다|신선함|신선했어요 / 신선했지만|신선했는데 / 신선하고 / 신선하지 않았다|하나도 신선하지 않음
자연스러웠다|자연스러움|자연스럽네요 / 자연스러웠지만|자연스러웠는데 / 자연스럽고 / 자연스럽지 않았다|전혀 자연스럽지 않음""",
    0: """별로였다|별로다|별로|별로임|별로였어요|별로네요 / 별로였지만|별로였는데|별로긴 한데 / 별로고|별로였고 /
최악이다|최악이었다|최악|최악임|최악이었어요 / 최악이었지만|최악이었는데 / 최악이고 /
엉망이다|엉망이었다|엉망임|엉망이네요 / 엉망이었지만|엉망이었는데 / 엉망이고 /
어색했다|어색함|어색했어요|어색하네요 / 어색했지만|어색했는데 / 어색하고 / 어색하지 않았다|전혀 어색하지 않았음|하나도 안 어색했다
아쉬웠다|아쉬움|아쉬웠어요|아쉽네요 / 아쉬웠지만|아쉬웠는데|아쉽긴 했는데 / 아쉽고 /
형편없었다|형편없음|형편없네요 / 형편없었지만|형편없었는데 / 형편없고 /
지루했다|지루함|지루했어요|지루하네요 / 지루했지만|지루했는데|지루하긴 했는데 / 지루하고 / 지루하지 않았다|하나도 안 지루했다|전혀 지루하지 않음
유치했다|유치함|유치했어요|유치하네요 / 유치했지만|유치했는데 / 유치하고 / 유치하지 않았다|안 유치했음
뻔했다|뻔함|뻔했음 / 뻔했지만|뻔했는데 / 뻔하고 / 뻔하지 않았다|전혀 뻔하지 않음
실망스러웠다|실망스러움|실망이에요 / 실망스러웠지만|실망스러웠는데 / 실망스럽고 / 실망스럽지 않았다
구렸다|구림|구리네 / 구렸지만|구렸는데 / 구리고 /
나빴다|나쁨 / 나빴지만|나빴는데 / 나쁘고 / 나쁘지 않았다|나쁘지 않음|나쁘지 않네요
산만했다|산만함|산만하네요 / 산만했지만|산만했는데 / 산만하고 / 산만하지 않았다
억지스러웠다|억지스러움|억지였다 / 억지스러웠지만|억지스러웠는데 / 억지스럽고 / 억지스럽지 않았다""",
}
PREDICATES = {y: [tuple(_w(part) for part in (line.split("/") + [""] * 4)[:4]) for line in block.splitlines()]
              for y, block in _PREDICATES.items()}

# Many more predicates, conjugated by rule: 하다 adjectives (깔끔하다) and ㅂ-irregular 스럽다 ones (사랑스럽다).
# A large lexicon is what makes few labels hard: 300 labeled reviews meet only part of it, while the unlabeled
# pretraining text meets all of it, each word beside others of the same sentiment.
_HADA = {1: "깔끔|섬세|유쾌|따뜻|짜릿|흥미진진|경쾌|웅장|참신|풍부|화려|생생|뭉클|훈훈|통쾌|찡|든든|시원|탁월|정교|담백|"
            "강렬|영리|산뜻|촘촘|유려|절묘|노련|황홀|근사|풋풋|아늑|애틋|찬란|기발",
         0: "식상|허술|엉성|답답|난해|지저분|밋밋|민망|불편|과|황당|허무|조잡|장황|진부|불쾌|한심|허접|썰렁|느슨|어수선|"
            "심심|애매|요란|무성의|따분|피곤|난잡|삭막|미지근|밍밍"}
_SEUREOP = {1: "사랑스럽|만족스럽|고급스럽|자랑스럽|익살스럽", 0: "촌스럽|부자연스럽|혼란스럽|부담스럽|짜증스럽"}


def _hada_forms(stem: str) -> tuple[list[str], ...]:
    return ([stem + e for e in ("했다", "함", "했어요", "하네요", "했음", "하더라")],
            [stem + e for e in ("했지만", "했는데", "하긴 했는데")], [stem + "하고", stem + "했고"],
            [stem + "하지 않았다", stem + "하진 않았음", "전혀 " + stem + "하지 않았다"])


def _seureop_forms(stem: str) -> tuple[list[str], ...]:
    base = stem[:-1] + "러"
    return ([base + "웠다", base + "움", base + "웠어요", stem + "네요"], [base + "웠지만", base + "웠는데"],
            [stem + "고"], [stem + "지 않았다", "하나도 " + stem + "지 않았음"])


for _y in (0, 1):
    PREDICATES[_y] += [_hada_forms(stem) for stem in _w(_HADA[_y])]
    PREDICATES[_y] += [_seureop_forms(stem) for stem in _w(_SEUREOP[_y]) if stem.endswith("럽")]

# ---- the film as a whole -----------------------------------------------------------------------------------------
OVERALL = {
    1: _w("재밌다|재밌었다|재미있었어요|재밌음|재밌네요|꿀잼|존잼|개꿀잼|너무 재밌다|감동적이었다|감동적임|감동받았어요|"
          "눈물 났다|울면서 봤다|최고의 영화|인생 영화|올해 최고의 영화|내 인생작|강추|추천합니다|꼭 보세요|무조건 보세요|"
          "또 보고 싶다|여운이 길게 남는다|여운이 남네요|볼만했다|볼만함|볼만해요|명작이다|명작|숨은 명작|시간 가는 줄 몰랐다|"
          "몰입해서 봤다|웃기고 감동적|가슴이 따뜻해진다|소름 돋았다|최고|좋았다|좋아요|만족합니다|돈이 안 아까웠다|굿굿"),
    0: _w("재미없다|재미없었다|재미없음|노잼|핵노잼|개노잼|재미가 없다|안 재밌다|재미 하나도 없음|지루했다|너무 지루함|"
          "졸았다|중간에 잤다|시간 아깝다|시간 낭비|돈 아깝다|돈이 아까웠다|최악의 영화|올해 최악|역대 최악|비추|비추천|"
          "보지 마세요|절대 보지 마라|실망했다|기대 이하|중간에 나왔다|보다가 껐다|끝까지 못 봤다|졸작|망작|별로|"
          "별로였다|최악|한숨만 나온다|어이가 없다|돈 주고 보기 아깝다|이게 뭐임"),
}
OVERALL_BUT = {  # contrastive openings about the whole film; the clause after them decides
    1: _w("재밌긴 했는데|재밌었지만|감동은 있었지만|볼만은 했지만|기대는 됐지만|초반은 좋았는데|웃기긴 했지만|"
          "예고편은 재밌었는데|소재는 좋았는데|출발은 좋았지만"),
    0: _w("지루하긴 했지만|재미는 없었지만|초반은 지루했는데|좀 뻔하긴 했지만|기대는 안 했지만|유치하긴 했는데|"
          "평점은 낮지만|솔직히 별 기대 없었는데|처음엔 이상했는데|호불호는 갈리겠지만"),
}
NEGATED = {  # negation that decides: "not good" → 0, "not boring" → 1
    1: _w("지루할 틈이 없었다|하나도 안 지루했다|시간이 아깝지 않았다|후회 없다|돈이 아깝지 않았다|실망하지 않았다|"
          "전혀 유치하지 않았다|뻔하지 않아서 좋았다|나쁘지 않았다|한눈팔 수가 없었다"),
    0: _w("추천하고 싶지 않다|다시 보고 싶지 않다|감동적이지 않았다|별로 재미없었다|하나도 안 웃겼다|전혀 재밌지 않았다|"
          "재밌지는 않았다|재미가 하나도 없다|볼 가치가 없다|기억에 남는 게 없다"),
}
SHORT = {1: _w("최고|굿|강추|명작|꿀잼|대박|감동|인생작|짱|good|최고!!|재밌다|좋아요|10점|명불허전"),
         0: _w("별로|노잼|비추|최악|쓰레기|졸작|망작|시간낭비|핵노잼|bad|으악|별로임|1점|에휴")}
SCORE = {1: (8, 10), 0: (0, 4)}
SCORE_FORMS = _w("10점 만점에 {n}점|평점 {n}점|{n}점 준다|{n}점 드립니다|{n}점|내 점수는 {n}점|{n}점 줄게요")
SCORE_SPECIAL = {1: _w("만점 줍니다|10점 아깝지 않다|별 다섯 개|만점도 모자라다"),
                 0: _w("1점도 아깝다|0점은 없나요|마이너스 주고 싶다|별 하나도 아깝다")}
COMPARE = {1: _w("전편보다 훨씬 낫다|원작보다 낫다|기대 이상이었다|생각보다 훨씬 좋았다|예고편보다 본편이 낫다|1편을 뛰어넘었다"),
           0: _w("전편만 못하다|원작을 망쳤다|생각보다 별로였다|1편이 훨씬 나았다|예고편이 전부다|원작 팬으로서 화가 난다")}
LUKEWARM = {1: _w("그럭저럭 볼만했다|무난하게 재밌음|나름 괜찮았다|킬링타임용으로 딱|생각 없이 보기 좋음|소소하게 재밌다"),
            0: _w("그냥 그랬다|평범했다|그냥저냥|킬링타임용도 안 됨|애매하다|그저 그런 영화")}
TIME = {1: _w("두 시간이 순식간에 지나갔다|러닝타임이 짧게 느껴졌다|끝나는 게 아쉬웠다|눈을 뗄 수가 없었다"),
        0: _w("러닝타임이 너무 길다|두 시간이 네 시간 같았다|보는 내내 시계만 봤다|언제 끝나나 기다렸다")}
REWATCH = {1: _w("{k}번 봤는데 볼 때마다 좋다|{k}번째 보는데 또 울었다|{k}번 봐도 안 질린다|벌써 {k}번째 봄"),
           0: _w("한 번 보고 다시는 안 본다|{k}번 보라면 못 본다|두 번은 못 보겠다|한 번도 아까웠다")}
COMEDY = {1: _w("개웃김|배꼽 빠지는 줄|빵빵 터졌다|웃다가 울었다|계속 웃었다"),
          0: _w("웃기려고 한 것 같은데 하나도 안 웃김|어이없어서 웃음만 나옴|개그가 다 썰렁함|웃음 포인트가 없다")}
RATING_TALK = {1: _w("평점이 왜 이렇게 낮은지 모르겠다|평점 믿지 마세요|평점보다 훨씬 재밌어요|저평가된 영화"),
               0: _w("평점 알바가 있나|평점 보고 속았다|평점 믿고 봤다가 후회|이 평점이 말이 되나")}
DIRECTOR = {1: _w("감독님 다음 작품도 기대할게요|감독님 천재인가요|이 감독은 믿고 봅니다|감독님 사랑해요"),
            0: _w("감독님 이제 그만 찍으세요|감독님 반성하세요|감독님 이게 최선입니까|이 감독 영화는 이제 거른다")}
AFTER = {1: _w("한참 울었다|기분이 좋아졌다|계속 생각난다|마음이 따뜻해졌다|가슴이 먹먹했다"),
         0: _w("기분만 나빠졌다|머리가 아프다|남는 게 없다|허무했다|짜증만 났다")}
AUDIENCE = {1: _w("아이들이랑 보기 좋아요|가족끼리 보기 딱|연인이랑 보면 좋을 듯|부모님도 좋아하셨다"),
            0: _w("가족이랑 보기엔 민망함|애들도 지루해함|같이 본 친구가 화냄|데이트 영화로는 최악")}
EXCLAIM = {1: _w("이걸 이제야 보다니|왜 이제 봤을까|이런 영화가 또 나올까|이게 영화지"),
           0: _w("이걸 돈 주고 봤다니|내 두 시간 돌려줘|이게 영화냐|이걸 왜 만들었을까")}
CLOSERS = {1: _w("강추합니다|꼭 보세요|다음 작품도 기대할게요|극장에서 보세요|또 볼 거예요|추천해요|두 번 보세요"),
           0: _w("비추합니다|보지 마세요|다신 안 봄|돈 아까워요|환불 받고 싶다|거르세요|시간 버리지 마세요")}
LISTS = {1: _w("뭐 하나 빠지는 게 없다|다 좋았다|전부 완벽|다 만족"), 0: _w("뭐 하나 건질 게 없다|다 별로|전부 엉망|다 실망")}
IMPLICIT = {  # sentiment without a sentiment word: only knowing what people do after a good or bad film tells
    1: _w("엔딩 크레딧 끝날 때까지 자리를 못 떴다|팝콘 먹는 것도 잊었다|화장실 가는 것도 참았다|끝나고 박수 쳤다|"
          "벌써 두 번째 예매했다|원작 소설까지 찾아 읽었다|보고 나서 한참 멍했다|주인공 대사가 계속 맴돈다|"
          "휴지 한 통 다 썼다|블루레이 나오면 산다|보자마자 친구한테 전화했다|다음 주에 부모님 모시고 또 간다|"
          "아는 사람 다 데려가고 싶다|좌석이 불편한 줄도 몰랐다|시계 한 번 안 봤다|숨 쉬는 것도 잊었다|"
          "결말 보고 소름이 쫙|주말 내내 이 영화 얘기만 했다|감독 전작까지 다 찾아봤다|포스터 사서 방에 붙였다"),
    0: _w("팝콘이 제일 맛있었다|옆 사람 코 고는 소리가 더 재밌었다|중간에 휴대폰만 봤다|잠 깨려고 커피 두 잔 마셨다|"
          "나올 때 표값 생각만 났다|예고편에 다 나온 게 전부|같이 간 친구한테 사과했다|크레딧 뜨자마자 일어났다|"
          "시계만 스무 번 봤다|자다 깼는데 아직도 그 장면|광고가 더 재밌었다|환불 되나요|주말 하루 날렸다|"
          "리모컨 찾다가 그냥 껐다|포스터가 제일 잘 만들었다|이럴 거면 책을 읽을걸|다 보고 나니 허탈하다|"
          "이런 영화에 누가 투자했냐|결말 보고 욕 나왔다|중간에 나가는 사람 많더라"),
}
SURFACE_FLIP = {  # the surface says one thing, the review means the other: sarcasm (0) and happy complaints (1)
    0: _w("와 진짜 대단하다 이걸 영화라고|감독님 천재인 듯 두 시간을 이렇게 버리게 하다니|연기 참 잘하더라 발연기 대회였으면 1등|"
          "최고의 수면제 불면증 있는 분들께 강추|덕분에 꿀잠 잤습니다 감사합니다|스토리 정말 훌륭하네요 초등학생이 썼다면|"
          "돈 내고 잠 잔 건 처음이네 대단하다|이 정도면 상 줘야 함 최악상|역대급이다 역대급으로 지루함|"
          "명작 탄생 ㅋㅋ 농담임|완전 감동 받았어요 내 돈이 불쌍해서|시간 가는 줄 몰랐다 자느라|"
          "인생 영화 찾았다 인생에서 지우고 싶은 영화|배우들 고생했다 이런 대본으로"),
    1: _w("무서워서 죽는 줄 알았다 공포영화는 이래야지|너무 슬퍼서 미치겠다 또 볼 거다|악역이 너무 얄미워서 화가 났다 연기 미쳤네|"
          "눈물 콧물 다 뺐다 최악의 하루였지만 최고의 영화|잠을 못 자겠다 계속 생각나서|마지막에 욕 나옴 너무 재밌어서|"
          "지루할 줄 알았는데 아니었다|별 기대 안 했는데 이게 뭐야 왜 재밌어|욕하면서 봤는데 다 보고 나니 명작|"
          "나쁜 놈 연기가 너무 실감 나서 짜증 났다 배우 대단함|심장 터지는 줄 다시는 못 보겠다 너무 떨려서|"
          "결말 때문에 하루 종일 우울하다 그만큼 잘 만들었다|평점 낮아서 안 보려다가 큰일 날 뻔|울려고 작정한 영화인데 또 당했다"),
}
OPENERS = _w("어제 봤는데|친구랑 봤는데|여자친구랑 봤는데|가족이랑 봤는데|혼자 봤는데|기대 없이 봤는데|기대 많이 했는데|"
             "오랜만에 극장 가서 봤는데|넷플릭스로 봤는데|TV에서 해줘서 봤는데|원작 팬인데|평점 보고 봤는데|"
             "예고편 보고 봤는데|두 번째 보는데|솔직히 말하면|개인적으로|주말에 봤는데|심야로 봤는데|시사회로 봤는데")
SUBJECTS = _w("이 영화|이번 영화|이 감독 영화|이번 편|속편|이 애니|이 드라마|요번 작품|이 작품")
CONTEXT = _w("친구 추천으로 봤다|예매율 1위라서 봤음|오랜만에 영화관 갔다|원작은 안 봤음|조조로 봤다|개봉 첫날 봤다|"
             "아이맥스로 봤음|엄마랑 같이 봤다|비 오는 날 혼자 봤다|휴가 때 비행기에서 봤다|케이블에서 하길래 봤다|"
             "동생이 보자고 해서 봤다|시험 끝나고 봤다|회사 동료들이랑 봤음|두 번째 관람|재개봉해서 다시 봤다|"
             "감독 전작을 좋아해서 봤다|포스터 보고 골랐다|결혼기념일에 봤다|명절에 가족이랑 봤다")
EXTRA = {1: _w("또 보러 갈 예정|주변에 추천하는 중|OST 계속 듣는 중|굿즈도 샀다|여운이 안 가신다|다음 편 기다립니다"),
         0: _w("같이 본 사람한테 미안했다|팝콘만 맛있었다|잠이 솔솔 왔다|다음 편은 안 볼 듯|나오면서 다들 한숨|리뷰 쓰기도 아깝다")}
PEOPLE = _w("주연 배우|남주|여주|아역|조연|악역|그 배우|여배우")
INTENSIFIERS = _w("진짜|너무|완전|정말|엄청|되게|레알|진심|개")
TAILS = {1: _w("ㅋㅋ|ㅋㅋㅋ|ㅎㅎ|^^|!!|!|~|♡|ㅠㅠ|ㅎㅎㅎ|b"), 0: _w("ㅡㅡ|ㅠㅠ|...|..|ㅉㅉ|;;|-_-|ㅋㅋ|!!|ㅜㅜ|에휴")}
TYPOS = [("재밌", "재밋"), ("됐", "됬"), ("너무", "넘"), ("완전", "완죤"), ("진짜", "진짜루"), ("정말", "정말루"),
         ("되게", "디게"), ("그냥", "걍"), ("별로", "별루"), ("최고", "쵝오"), ("보세요", "보셈"), ("없다", "업다")]


def has_final(word: str) -> bool:
    """Whether the last syllable has a final consonant (받침), which picks 이/가, 은/는, 을/를."""
    last = word.rstrip()[-1]
    if "가" <= last <= "힣":
        return (ord(last) - 0xAC00) % 28 != 0
    if last.isdigit():
        return last in "013678"
    return last.upper() in "LMNR"


def _josa(word: str, pair: str) -> str:
    return word + (pair[0] if has_final(word) else pair[1])


class _Writer:
    """Draws the parts of one review; every choice goes through one random.Random."""

    def __init__(self, rng: random.Random):
        self.r = rng

    def pick(self, items):
        return self.r.choice(items)

    def maybe(self, p: float, text: str) -> str:
        return text if self.r.random() < p else ""

    def pred(self, y: int, form: int = 0) -> str:
        """A predicate of polarity y: form 0 final, 1 contrastive, 2 "and"; negation of the other polarity too."""
        if form == 0 and self.r.random() < 0.15:
            return self.pick([n for p in PREDICATES[1 - y] for n in p[3]])
        choice = self.pick([p for p in PREDICATES[y] if p[form]])
        intens = self.maybe(0.3, self.pick(INTENSIFIERS))
        intens += " " if intens and intens != "개" else ""     # slang 개 sticks to the word: 개재밌다, 개별로
        return intens + self.pick(choice[form])

    def tail(self, y: int, p: float = 0.3) -> str:
        return self.maybe(p, self.pick(["", " "]) + self.pick(TAILS[y]))

    def aspects(self, k: int) -> list[str]:
        return self.r.sample(ASPECTS, k)

    def score(self, y: int) -> str:
        if self.r.random() < 0.2:
            return self.pick(SCORE_SPECIAL[y])
        return self.pick(SCORE_FORMS).format(n=self.r.randint(*SCORE[y]))


def _templates():
    """Each template writes a review of label y; `o` is the other label (for the clause that does not decide)."""
    return [
        (6, lambda w, y, o: w.pick(SHORT[y]) + w.tail(y, 0.3)),     # first: short reviews stay short
        (8, lambda w, y, o: w.maybe(0.4, w.pick(OPENERS) + " ") + w.pick(OVERALL[y]) + w.tail(y)),
        (8, lambda w, y, o: w.maybe(0.2, w.pick(SUBJECTS) + " ") + _josa(w.pick(ASPECTS), "이가") + " " + w.pred(y)
         + w.tail(y)),
        (4, lambda w, y, o: "{0}도 {2} {1}도 {3}".format(*w.aspects(2), w.pred(y, 2), w.pred(y)) + w.tail(y)),
        (4, lambda w, y, o: "{} {} {}도 {} {}".format(_josa(w.pick(ASPECTS), "이가"), w.pred(y, 2),
                                                  w.pick(ASPECTS), w.pred(y), w.pick(OVERALL[y])) + w.tail(y)),
        (7, lambda w, y, o: "{0} {2} {1} {3}".format(*_topic_subject(w), w.pred(o, 1), w.pred(y)) + w.tail(y)),
        (5, lambda w, y, o: "{} {} {}".format(_josa(w.pick(ASPECTS), "은는"), w.pred(o, 1), w.pick(OVERALL[y]))
         + w.tail(y)),
        (4, lambda w, y, o: "{} {} {}".format(w.pick(OVERALL_BUT[o]), _josa(w.pick(ASPECTS), "이가"), w.pred(y))
         + w.tail(y)),
        (4, lambda w, y, o: "{} {} 나머지는 다 {}".format(w.pick(ASPECTS) + "만", w.pred(o, 2), w.pred(y))),
        (3, lambda w, y, o: "{} 좀 {} 그래도 {}".format(_josa(w.pick(ASPECTS), "이가"), w.pred(o, 1),
                                                    w.pick(OVERALL[y])) + w.tail(y)),
        (5, lambda w, y, o: _josa(w.pick(ASPECTS), "이가") + " " + w.pick([n for p in PREDICATES[o] for n in p[3]])
         + w.tail(y)),
        (4, lambda w, y, o: w.maybe(0.4, w.pick(OPENERS) + " ") + w.pick(NEGATED[y]) + w.tail(y)),
        (4, lambda w, y, o: w.score(y)),
        (3, lambda w, y, o: _josa(w.pick(ASPECTS), "이가") + " " + w.pred(y) + " " + w.score(y)),
        (3, lambda w, y, o: w.pick(OVERALL[y]) + w.pick([" ", ". ", ".. "]) + w.score(y)),
        (3, lambda w, y, o: "{} {} {}".format(_josa(w.pick(ASPECTS), "은는"), w.pred(o, 1), w.score(y))),
        (3, lambda w, y, o: w.pick(["기대 안 하고 봤는데", "기대하고 봤는데", "큰 기대 없이 봤는데", "기대가 컸는데"]) + " "
         + w.pick(OVERALL[y]) + w.tail(y)),
        (3, lambda w, y, o: w.pick(COMPARE[y]) + w.maybe(0.5, " " + w.pick(OVERALL[y])) + w.tail(y)),
        (3, lambda w, y, o: w.pick(LUKEWARM[y]) + w.tail(y, 0.2)),
        (2, lambda w, y, o: w.pick(TIME[y]) + w.maybe(0.4, " " + w.pick(OVERALL[y])) + w.tail(y)),
        (2, lambda w, y, o: w.pick(REWATCH[y]).format(k=w.pick("23457")) + w.tail(y)),
        (2, lambda w, y, o: w.pick(["ㅋㅋㅋ ", "ㅋㅋ", "", "아 "]) + w.pick(COMEDY[y]) + w.tail(y, 0.6)),
        (2, lambda w, y, o: w.pick(RATING_TALK[y]) + " " + w.pick(OVERALL[y]) + w.tail(y)),
        (3, lambda w, y, o: w.pick(OVERALL[y]) + w.pick([" ", ". ", "! "]) + w.pick(CLOSERS[y]) + w.tail(y)),
        (2, lambda w, y, o: w.maybe(0.5, w.pick(OVERALL[y]) + " ") + w.pick(DIRECTOR[y]) + w.tail(y)),
        (4, lambda w, y, o: "{2} {0} {3} {1} {4}. {5} {6}".format(
            *_topic_subject(w), w.pick(OPENERS), w.pred(o, 1), w.pred(y), w.pick(OVERALL[y]), w.pick(CLOSERS[y]))
         + w.tail(y)),
        (3, lambda w, y, o: "{} {} {} {}도 {} {}까지 {}. {}".format(
            w.pick(OPENERS), _josa(w.pick(ASPECTS), "이가"), w.pred(y, 2), w.pick(ASPECTS), w.pred(y, 2),
            w.pick(ASPECTS), w.pred(y), w.pick(CLOSERS[y])) + w.tail(y)),
        (3, lambda w, y, o: "{2} {3} {0} {4} {1} {5}. {6} {7} {8}".format(
            *_topic_subject(w), w.pick(OPENERS), w.pick(CONTEXT), w.pred(o, 1), w.pred(y), w.pick(EXTRA[y]),
            w.pick(OVERALL[y] + NEGATED[y]), w.pick(CLOSERS[y])) + w.tail(y)),
        (3, lambda w, y, o: ", ".join(w.aspects(3)) + " " + w.pick(LISTS[y]) + w.tail(y)),
        (2, lambda w, y, o: w.pick(["보고 나서 ", "다 보고 ", "끝나고 "]) + w.pick(AFTER[y]) + w.tail(y)),
        (2, lambda w, y, o: w.pick(AUDIENCE[y]) + w.tail(y)),
        (3, lambda w, y, o: "{} {} 보려고 봤는데 {}".format(w.pick(PEOPLE), w.pick(["연기", "얼굴", "액션"]),
                                                     w.pick(OVERALL[y])) + w.tail(y)),
        (2, lambda w, y, o: w.pick(EXCLAIM[y]) + w.pick(["", "...", "!!", "?"])),
        (3, lambda w, y, o: w.pick(["생각보다 ", "의외로 ", "역시 ", "그래도 "]) + w.pick(OVERALL[y]) + w.tail(y)),
        (3, lambda w, y, o: " ".join(w.r.sample(OVERALL[y], 2)) + w.tail(y)),
        (2, lambda w, y, o: w.pick(["아 진짜 ", "와 ", "하.. ", "헐 ", "음.. "]) + w.pick(OVERALL[y]) + w.tail(y)),
        (3, lambda w, y, o: _josa(w.pick(SUBJECTS), "은는") + " " + w.pick(OVERALL[y]) + w.tail(y)),
        (3, lambda w, y, o: w.pick(OVERALL_BUT[o]) + " " + w.pick(NEGATED[y]) + w.tail(y)),
        (6, lambda w, y, o: w.maybe(0.4, w.pick(OPENERS) + " ") + w.pick(IMPLICIT[y]) + w.tail(y)),
        (3, lambda w, y, o: "{} {} {}".format(_josa(w.pick(ASPECTS), "은는"), w.pred(o, 1), w.pick(IMPLICIT[y]))
         + w.tail(y)),
        (4, lambda w, y, o: w.pick(SURFACE_FLIP[y]) + w.tail(y, 0.5)),
        (4, lambda w, y, o: "{} {} {}도 {}".format(_josa(w.pick(ASPECTS), "이가"), w.pred(y, 2), w.pick(ASPECTS),
                                                 w.pred(y)) + w.tail(y)),
    ]


def _topic_subject(w: _Writer) -> list[str]:
    """Two different aspects, the first with 은/는 (the clause that does not decide), the second with 이/가."""
    first, second = w.aspects(2)
    return [_josa(first, "은는"), _josa(second, "이가")]


def _noise(w: _Writer, text: str) -> str:
    """Spacing and typo noise as people type: dropped spaces, slang spellings, a doubled letter, trailing marks."""
    r = w.r
    if r.random() < 0.08:
        text = text.replace(" ", "")
    elif r.random() < 0.12 and " " in text:
        cut = r.choice([i for i, c in enumerate(text) if c == " "])
        text = text[:cut] + text[cut + 1:]
    if r.random() < 0.12:
        found = [t for t in TYPOS if t[0] in text]
        if found:
            old, new = r.choice(found)
            text = text.replace(old, new, 1)
    if r.random() < 0.04:
        i = r.randrange(len(text))
        if text[i] != " ":
            text = text[:i + 1] + text[i:]
    if r.random() < 0.1:
        text += r.choice([".", "!", "...", "~", "?!"])
    return " ".join(text.split())


def generate_reviews(n: int, seed: int = 7, start_id: int = TRAIN_START_ID,
                     label_noise: float = LABEL_NOISE) -> list[tuple[str, str, int]]:
    """n reviews (id, text, label): exactly balanced labels, label_noise of them flipped, same seed → same reviews."""
    rng = random.Random(f"nlpbook-embedded:{seed}:{start_id}")   # a string seed is stable across runs and machines
    w = _Writer(rng)
    templates = _templates()
    weights = [t[0] for t in templates]
    labels = [1] * (n // 2) + [0] * (n - n // 2)
    rng.shuffle(labels)
    reviews = []
    for i, y in enumerate(labels):
        while True:
            template = rng.choices(templates, weights)[0]
            short = template is templates[0]
            context = w.maybe(0 if short else 0.6, w.pick(CONTEXT) + w.pick([". ", " ", ".. "]))
            text = context + template[1](w, y, 1 - y)
            for p in (0.7, 0.35):   # one or two more sentences of the same polarity
                if not short and rng.random() < p:
                    more = [m for m in EXTRA[y] + CLOSERS[y] + OVERALL[y] + NEGATED[y] + IMPLICIT[y] if m not in text]
                    text += w.pick([" ", ". ", "! "]) + w.pick(more)
            text = _noise(w, text)
            if text and len(text) <= MAX_CHARS and "\t" not in text:
                break
        reviews.append((str(start_id + i), text, y))
    flips = round(n * label_noise) // 2   # as many 1→0 as 0→1, so the balance stays exact
    for y in (0, 1):
        for i in rng.sample([i for i, label in enumerate(labels) if label == y], flips):
            reviews[i] = (reviews[i][0], reviews[i][1], 1 - y)
    return reviews


def nsmc_file_content(rows: list[tuple[str, str, int]]) -> bytes:
    """(id, text, label) rows as the bytes of an NSMC-format file: header, one tab-separated line each."""
    lines = ["id\tdocument\tlabel"] + [f"{i}\t{text}\t{label}" for i, text, label in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def write_embedded_corpus(directory, seed: int = 7, n_train: int = N_TRAIN, n_test: int = N_TEST) -> dict[str, Path]:
    """Write ratings_train.txt and ratings_test.txt (NSMC format) into directory where missing; return their paths.

    A file that is already there is kept when it is this corpus byte for byte; any other file is someone's own
    data: FileExistsError, and nothing is written. Safe when several processes write the same folder at once.
    """
    if not 0 < n_train <= TEST_START_ID - TRAIN_START_ID or n_test <= 0:
        raise ValueError(f"n_train={n_train}, n_test={n_test}: use 1..{TEST_START_ID - TRAIN_START_ID} and >= 1")
    directory = Path(directory).expanduser()
    paths = {"train": directory / "ratings_train.txt", "test": directory / "ratings_test.txt"}
    write_generated({paths["train"]: nsmc_file_content(generate_reviews(n_train, seed, TRAIN_START_ID)),
                     paths["test"]: nsmc_file_content(generate_reviews(n_test, seed, TEST_START_ID))},
                    f"the embedded corpus (seed={seed})")
    return paths


def generate_pretraining_documents(n: int, seed: int = 7) -> list[str]:
    """n unlabeled documents for masked-LM pretraining: each is 2–4 reviews of one sentiment, one after another.

    Real text carries sentiment by co-occurrence: a reviewer who liked the acting also liked the story. Joining
    reviews that agree is what lets masked-language-model pretraining learn which words go together (measured:
    single reviews taught it that 좋았다 and 엉망이었다 fill the same slots, and pretraining then hurt). The labels
    are used to build the documents and then dropped: nothing labeled leaves this function. Own seed and id range.
    """
    rng = random.Random(f"nlpbook-pretraining:{seed}")
    sizes = [rng.choice((2, 2, 3, 3, 4)) for _ in range(n)]
    contains_labeled = _labeled_finder(seed)
    pool = generate_reviews(sum(sizes) * 3, seed + PRETRAIN_SEED_OFFSET, PRETRAIN_START_ID, label_noise=0)
    by_label = {y: [text for _, text, label in pool if label == y] for y in (0, 1)}
    documents = []
    for size in sizes:
        y = rng.randrange(2)
        while True:     # disjoint from the labeled corpus: a document holding a labeled review is never used
            document = " ".join(by_label[y].pop() for _ in range(size))
            if not contains_labeled(document):
                break
        documents.append(document)
    return documents


def _labeled_finder(seed: int, shortest: int = LABELED_SHORTEST):
    """A test: does a text contain (anywhere, also across two joined reviews) a labeled review of the embedded
    corpus' default sizes with at least `shortest` characters? Shorter ones are single stock phrases (최고, 노잼)."""
    by_prefix: dict[str, list[str]] = {}
    for start, size in ((TRAIN_START_ID, N_TRAIN), (TEST_START_ID, N_TEST)):
        for _, text, _ in generate_reviews(size, seed, start):
            if len(text) >= shortest:
                by_prefix.setdefault(text[:shortest], []).append(text)

    def contains(text: str) -> bool:
        return any(text.startswith(labeled, i) for i in range(len(text) - shortest + 1)
                   for labeled in by_prefix.get(text[i:i + shortest], ()))
    return contains
