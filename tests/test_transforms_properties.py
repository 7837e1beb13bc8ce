"""Property-based tests: normalization is idempotent and keeps letters; the batch transform
gives the same answer whatever the input order."""

from __future__ import annotations

import unicodedata

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ground.core.schema import CrawledArticle
from transforms.clean import clean_paragraphs
from transforms.normalize import normalize_text, split_paragraphs
from transforms.pipeline import transform_batch

# Text biased towards what French news pages contain: accents, combining marks, every space
# variant, quotes, guillemets, invisible characters, plus arbitrary Unicode.
SPECIAL = "\u00a0\u202f\u2009\u2007\u3000\t\n\r \u200b\u00ad\ufeff\u2019\u2018\u201c\u201d«»'\"\u0301\u0300\u0327"
texts = st.text(
    alphabet=st.one_of(
        st.sampled_from(list(SPECIAL + "éèàçôûÉÀabcXYZ019 ,.;:!?()-")),
        st.characters(codec="utf-8"),
    ),
    max_size=80,
)


def letters(text: str) -> list[str]:
    # Canonical decomposition: composing é from e + ◌́ is not a change of letters.
    return [c for c in unicodedata.normalize("NFD", text) if c.isalpha()]


@given(texts)
@settings(max_examples=400, deadline=None)
def test_normalize_is_idempotent(text):
    once = normalize_text(text)
    assert normalize_text(once) == once


@given(texts)
@settings(max_examples=400, deadline=None)
def test_normalize_keeps_every_letter_in_order(text):
    assert letters(normalize_text(text)) == letters(text)


@given(texts)
@settings(max_examples=200, deadline=None)
def test_normalized_text_has_only_plain_single_spaces(text):
    out = normalize_text(text)
    assert not any(c.isspace() and c != " " for c in out)
    assert "  " not in out and out == out.strip(" ")
    assert not set(out) & set("\u2019\u2018\u201c\u201d\u200b\u00ad\ufeff")


@given(st.lists(texts, max_size=6))
@settings(max_examples=200, deadline=None)
def test_body_cleaning_is_idempotent_through_the_blank_line_join(paragraphs):
    body = "\n\n".join(clean_paragraphs(paragraphs).paragraphs)
    again = "\n\n".join(clean_paragraphs(body.split("\n\n")).paragraphs)
    assert again == body
    assert split_paragraphs([body]) == (body.split("\n\n") if body else [])


# --- order independence of dedupe + linking ----------------------------------------------------

SUBJECTS = ["Séoul et Tokyo", "Le régime de Pyongyang", "La Banque de Corée", "Le parti au pouvoir"]
ACTIONS = ["annonce un plan", "tire un missile", "relève son taux", "dépose un projet de loi"]
FILLER = (
    "selon un communiqué publié dans la matinée par les autorités compétentes",
    "les analystes estiment que la décision aura des effets durables sur la région",
    "le gouvernement a promis de nouvelles mesures avant la fin du mois prochain",
    "une réunion de suivi est prévue la semaine prochaine dans la capitale",
)


def _article(n: int, day: int, hour: int, story: int, label: str | None, routine: bool):
    aid = f"AFR202406{day:02d}{n:09d}"
    if routine:
        title_raw = "KOSPI-ouverture"
        paras = [f"SEOUL, {day} juin (Yonhap) -- Le Kospi a ouvert en hausse ce matin à la Bourse de Séoul."]
    else:
        subject, action = SUBJECTS[story % 4], ACTIONS[(story // 4) % 4]
        base = [f"SEOUL, {day} juin (Yonhap) -- {subject} {action} numéro {story} cette semaine."]
        base += [f"{FILLER[(story + i) % 4]} dans le dossier {story}." for i in range(3)]
        if label == "LD":
            base += [f"Une mise à jour ajoute des détails sur le dossier {story} et ses suites."]
        prefix = {"URGENT": "(URGENT) ", "LD": "(LD) ", None: ""}[label]
        title_raw = f"{prefix}{subject} {action} numéro {story}"
        paras = base[:1] if label == "URGENT" else base
    return CrawledArticle(
        article_id=aid,
        url=f"https://fr.yna.co.kr/view/{aid}",
        requested_url=f"https://fr.yna.co.kr/view/{aid}",
        http_status=200,
        fetched_at=f"2024-06-{day:02d}T{hour:02d}:30:00+00:00",
        run_id="prop",
        title_raw=title_raw,
        published_at=f"2024-06-{day:02d}T{hour:02d}:00:00+09:00",
        paragraphs=paras,
    )


@st.composite
def batches(draw):
    specs = draw(
        st.lists(
            st.tuples(
                st.integers(1, 3),  # day
                st.integers(0, 23),  # hour
                st.integers(0, 5),  # story
                st.sampled_from([None, None, "LD", "URGENT"]),
                st.booleans(),  # routine
            ),
            min_size=1,
            max_size=14,
        )
    )
    items = [_article(n, d, h, s, lab, r) for n, (d, h, s, lab, r) in enumerate(specs)]
    # Re-sends (same text, new id) and refetches (same id again).
    extra = draw(st.lists(st.integers(0, len(items) - 1), max_size=3))
    for k, i in enumerate(extra):
        src = items[i]
        items.append(CrawledArticle(**{**src.to_dict(), "article_id": f"AFR20240604{k:09d}",
                                       "url": f"https://fr.yna.co.kr/view/AFR20240604{k:09d}",
                                       "published_at": src.published_at.replace("00:00+09", "45:00+09")}))
    refetch = draw(st.lists(st.integers(0, len(items) - 1), max_size=2))
    for i in refetch:
        items.append(CrawledArticle(**{**items[i].to_dict(), "fetched_at": "2024-06-05T00:00:00+00:00",
                                       "paragraphs": items[i].paragraphs + ["Correction apportée."]}))
    return items


def _snapshot(result):
    return (
        sorted(tuple(sorted((k, str(v)) for k, v in a.to_dict().items())) for a in result.articles),
        sorted(tuple(sorted(r.to_dict().items())) for r in result.revisions),
    )


@given(batches(), st.randoms(use_true_random=False))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_transform_is_order_independent(items, rnd):
    shuffled = list(items)
    rnd.shuffle(shuffled)
    assert _snapshot(transform_batch(shuffled, [])) == _snapshot(transform_batch(items, []))
