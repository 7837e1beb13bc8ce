"""Cleaning and normalization rules, on hand-made inputs (transforms.normalize / transforms.clean)."""

from __future__ import annotations

import hashlib
from datetime import datetime

import pytest

from ground.core.schema import USAGE_NOTICE, CrawledArticle
from transforms.clean import (
    ENGLISH_NOTICE,
    PHOTO_NOT_FOR_SALE,
    Unusable,
    clean_item,
    clean_paragraphs,
    continued_part,
    derive_lead,
    extract_dateline,
    is_routine,
    split_title,
    version_rank,
)
from transforms.normalize import normalize_text, split_paragraphs, word_count

AID = "AFR20240619002900884"


def make_item(**overrides) -> CrawledArticle:
    fields = dict(
        article_id=AID,
        url=f"https://fr.yna.co.kr/view/{AID}",
        requested_url=f"https://fr.yna.co.kr/view/{AID}?input=1195m",
        http_status=200,
        fetched_at="2024-06-19T12:00:00+00:00",
        run_id="run-1",
        title_raw="(2e LD) Séoul et Tokyo relancent\u00a0leur dialogue",
        section="Politique",
        published_at="2024-06-19T20:04:00+09:00",
        paragraphs=[
            "SEOUL, 19 juin (Yonhap) -- Les deux voisins ont repris mercredi un dialogue suspendu.",
            "Le ministre a salué «\u202fune étape\u202f» vers une relation plus stable.",
        ],
    )
    fields.update(overrides)
    return CrawledArticle(**fields)


# --- normalization ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Kim\u00a0Jong-un", "Kim Jong-un"),  # no-break space
        ("«\u202fun traité\u202f»", "« un traité »"),  # narrow no-break inside guillemets
        ("Quoi\u2009?", "Quoi ?"),  # thin space before ? stays a (plain) space
        ("«un traité»", "«un traité»"),  # no space is inserted
        ("l\u2019armée", "l'armée"),
        ("\u201cquoted\u201d", '"quoted"'),
        ("  a \t\n b  ", "a b"),
        ("zero\u200bwidth\u00adsoft", "zerowidthsoft"),
        ("e\u0301te\u0301", "été"),  # NFC
        (None, ""),
    ],
)
def test_normalize_text_rules(raw, expected):
    assert normalize_text(raw) == expected


def test_fast_path_sees_every_space_variant_and_invisible_character():
    # normalize_text skips work on printable text: that is only sound if no space other than
    # U+0020 and no invisible character is printable.
    from transforms.normalize import _INVISIBLE_RE

    spaces = [chr(i) for i in range(0x110000) if chr(i).isspace() and chr(i) != " "]
    assert spaces and not any(c.isprintable() for c in spaces)
    invisible = [chr(i) for i in range(0x3000) if _INVISIBLE_RE.match(chr(i))]
    assert invisible and not any(c.isprintable() for c in invisible)


def test_split_paragraphs_drops_empty_and_splits_on_blank_lines():
    assert split_paragraphs(["  ", "un\n\ndeux", "trois\nsuite"]) == ["un", "deux", "trois suite"]


def test_word_count_counts_space_separated_tokens():
    assert word_count("SEOUL, 19 juin (Yonhap) -- l'armée a tiré") == 8


# --- title ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "label", "title"),
    [
        ("(URGENT) Tir de missile", "URGENT", "Tir de missile"),
        ("(LD) Tir de missile", "LD", "Tir de missile"),
        ("(2e LD) Poutine : un traité", "2e LD", "Poutine : un traité"),
        ("(3ème LD) Poutine", "3e LD", "Poutine"),
        ("(Interview) Un chef cuisinier", None, "(Interview) Un chef cuisinier"),
        ("(LD) (Portrait) Une athlète", "LD", "(Portrait) Une athlète"),
        ("Sans préfixe (LD) au milieu", None, "Sans préfixe (LD) au milieu"),
    ],
)
def test_split_title(raw, label, title):
    assert split_title(raw) == (label, title)


def test_version_rank_orders_a_story():
    labels = ["URGENT", None, "LD", "2e LD", "3e LD", "10e LD"]
    ranks = [version_rank(label) for label in labels]
    assert ranks == sorted(ranks) and len(set(ranks)) == len(ranks)


@pytest.mark.parametrize(
    ("title", "routine"),
    [
        ("KOSPI-ouverture", True),
        ("FOREX-Cours à 15h30", True),
        ("Les principaux titres des quotidiens coréens", True),
        ("Un jour dans l\u2019histoire de la Corée", True),
        ("kospi-clôture", True),
        ("Le KOSPI-ouverture a été retardé par une panne", False),
        ("Séoul et Tokyo relancent leur dialogue", False),
    ],
)
def test_is_routine(title, routine):
    assert is_routine(normalize_text(title)) is routine


# --- body -----------------------------------------------------------------------------------


def test_clean_paragraphs_removes_page_furniture_that_reached_the_body():
    images = [{"url": "https://img.yna.co.kr/a.jpg", "alt": "Une poignée de main", "caption": "Deux dirigeants."}]
    paragraphs = [
        "Go to Contents Go to Navigation",
        "Ce site utilise des cookies ; en poursuivant la visite vous acceptez notre politique. Voir en détail",
        "Actualités 19.06.2024 à 20h04",
        "Une poignée de main",
        f"Deux dirigeants se saluent à l'aéroport. {USAGE_NOTICE}",
        "SEOUL, 19 juin (Yonhap) -- Premier paragraphe.",
        "Deuxième paragraphe. (FIN)",
        "[email\u00a0protected]",
        "journaliste@yna.co.kr",
        "(FIN)",
        "Accueil Haut de page",
    ]
    body = clean_paragraphs(paragraphs, images)
    assert body.paragraphs == ["SEOUL, 19 juin (Yonhap) -- Premier paragraphe.", "Deuxième paragraphe."]
    assert body.emails == ["journaliste@yna.co.kr"]
    assert set(body.dropped) == {
        "skip links", "cookie banner", "section/date line", "photo caption", "e-mail line", "end marker", "footer",
    }


def test_clean_paragraphs_cuts_furniture_glued_to_text():
    body = clean_paragraphs([
        "Go to Contents Go to Navigation SEOUL, 19 juin (Yonhap) -- Premier paragraphe.",
        "Dernier paragraphe. (FIN) Accueil Haut de page",
        "(FIN) Accueil Haut de page",
    ])
    assert body.paragraphs == ["SEOUL, 19 juin (Yonhap) -- Premier paragraphe.", "Dernier paragraphe."]


def test_clean_paragraphs_keeps_ordinary_text_mentioning_cookies():
    text = "Les exportations de cookies coréens ont bondi de 12 % sur un an, selon les douanes."
    assert clean_paragraphs([text]).paragraphs == [text]


@pytest.mark.parametrize(
    ("first", "dateline"),
    [
        ("SEOUL, 19 juin (Yonhap) -- Texte.", "SEOUL, 19 juin (Yonhap)"),
        ("PYONGYANG/SEOUL, 1er juillet (Yonhap) -- Texte.", "PYONGYANG/SEOUL, 1er juillet (Yonhap)"),
        ("NEW YORK, 3 mai 2024 (Yonhap) -- Texte.", "NEW YORK, 3 mai 2024 (Yonhap)"),
        ("Le texte commence sans dateline.", None),
        (None, None),
    ],
)
def test_extract_dateline(first, dateline):
    assert extract_dateline(first) == dateline


# --- one item -> one row ------------------------------------------------------------------------


def test_clean_item_builds_the_row():
    row = clean_item(make_item(author_email=None, paragraphs=make_item().paragraphs + ["a.b@yna.co.kr", "(FIN)"]))
    assert row.title == "Séoul et Tokyo relancent leur dialogue"
    assert row.title_raw == "(2e LD) Séoul et Tokyo relancent leur dialogue"
    assert row.version_label == "2e LD"
    assert row.dateline == "SEOUL, 19 juin (Yonhap)"
    assert row.body.startswith("SEOUL, 19 juin (Yonhap) -- Les deux voisins")
    assert row.body.split("\n\n")[1] == "Le ministre a salué « une étape » vers une relation plus stable."
    assert row.author_email == "a.b@yna.co.kr"
    assert row.word_count == word_count(row.body)
    expected = hashlib.sha256(f"{row.title_raw}\n\n{row.body}".encode()).hexdigest()
    assert row.content_hash == expected
    assert datetime.fromisoformat(row.published_at).utcoffset().total_seconds() == 9 * 3600
    assert datetime.fromisoformat(row.fetched_at).utcoffset().total_seconds() == 0
    assert row.story_id == AID and row.duplicate_of is None and not row.is_routine


def test_clean_item_zone_less_site_time_is_kst():
    row = clean_item(make_item(published_at="2024-06-19T20:04:00"))
    assert row.published_at == "2024-06-19T20:04:00+09:00"


def test_clean_item_strips_the_usage_notice_from_captions():
    image = {"url": "https://img.yna.co.kr/x.jpg", "alt": "Titre", "caption": f"Une légende. {USAGE_NOTICE}"}
    row = clean_item(make_item(images=[image]))
    assert row.images[0]["caption"] == "Une légende."
    assert row.images[0]["url"] == image["url"]


def test_clean_item_prefers_the_requested_url_when_canonical_names_another_article():
    other = "AFR20240618000100884"
    row = clean_item(make_item(url=f"https://fr.yna.co.kr/view/{other}"))
    assert row.url == f"https://fr.yna.co.kr/view/{AID}"


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"article_id": ""}, "no valid article id"),
        ({"article_id": "AFR123"}, "no valid article id"),
        ({"parse_errors": ["no body container"]}, "parse error: no body container"),
        ({"http_status": 500}, "HTTP status 500"),
        ({"published_at": "19 juin"}, "unparseable published_at"),
        ({"fetched_at": ""}, "no fetched_at"),
    ],
)
def test_clean_item_refuses_what_cannot_become_a_row(overrides, reason):
    with pytest.raises(Unusable) as info:
        clean_item(make_item(**overrides))
    assert any(r.startswith(reason) for r in info.value.reasons)


def test_clean_item_keeps_an_empty_body_for_the_gate():
    row = clean_item(make_item(paragraphs=["(FIN)"]))
    assert row.body == "" and row.word_count == 0 and row.dateline is None


# --- round 2: byline, editor's note, keywords, lead, markers -----------------------------------


def test_clean_item_carries_byline_note_and_keywords_normalized():
    row = clean_item(make_item(
        byline="Par Kim\u00a0Min-ji", editor_note="(ATTN : ajout de précisions aux paragraphes 4 à 6)",
        keywords=["#Corée du Nord", "missile", "Corée\u00a0du Nord", " ", "#", "missile", "Séoul"],
    ))
    assert row.byline == "Kim Min-ji"
    assert row.editor_note == "ATTN : ajout de précisions aux paragraphes 4 à 6"
    assert row.keywords == ["Corée du Nord", "missile", "Séoul"]  # deduplicated, page order kept
    bare = clean_item(make_item())
    assert (bare.byline, bare.editor_note, bare.keywords) == (None, None, [])


def test_leading_note_and_byline_paragraphs_move_out_of_the_body():
    paragraphs = [
        "(ATTN : ajout de précisions aux paragraphes 4 à 6)",
        "Par Kim Min-ji et Park Jae-ho",
        *make_item().paragraphs,
        "kim.minji@yna.co.kr",
        "(FIN)",
    ]
    row = clean_item(make_item(paragraphs=paragraphs))
    assert row.body.startswith("SEOUL, 19 juin (Yonhap) -- Les deux voisins")
    assert row.byline == "Kim Min-ji et Park Jae-ho"
    assert row.editor_note == "ATTN : ajout de précisions aux paragraphes 4 à 6"
    assert row.author_email == "kim.minji@yna.co.kr"
    # both on one line (a <br/> lost by a fallback extractor), English form
    body = clean_paragraphs(["(ATTN: ADDS details in paras 4-6) By Lee Jong-seok", "SEOUL, 19 juin (Yonhap) -- Texte."])
    assert (body.editor_note, body.byline) == ("ATTN: ADDS details in paras 4-6", "Lee Jong-seok")
    assert body.paragraphs == ["SEOUL, 19 juin (Yonhap) -- Texte."]
    # the item's own values win; the body is cleaned all the same
    row = clean_item(make_item(paragraphs=paragraphs, byline="Kim Min-ji", editor_note=None))
    assert row.byline == "Kim Min-ji" and row.editor_note.startswith("ATTN")
    assert "Par Kim" not in row.body and "(ATTN" not in row.body


def test_text_that_merely_looks_like_a_byline_stays():
    kept = ["Par ailleurs, le ministère a démenti toute fuite.", "Par Kim Min-ji"]
    assert clean_paragraphs(kept).paragraphs == kept  # not leading: the second is body text
    later = ["SEOUL, 19 juin (Yonhap) -- Texte.", "(NDLR : une précision) suit le texte."]
    assert clean_paragraphs(later).paragraphs == later


@pytest.mark.parametrize("marker", ["(FIN)", "(END)", "(MORE)", "(A SUIVRE)", "(À SUIVRE)"])
def test_end_and_continuation_markers_are_dropped(marker):
    body = clean_paragraphs(["SEOUL, 19 juin (Yonhap) -- Texte.", f"Dernière phrase. {marker}",
                             f"kim.minji@yna.co.kr {marker}", marker])
    assert body.paragraphs == ["SEOUL, 19 juin (Yonhap) -- Texte.", "Dernière phrase."]
    assert body.emails == ["kim.minji@yna.co.kr"]


@pytest.mark.parametrize("notice", [USAGE_NOTICE, PHOTO_NOT_FOR_SALE, ENGLISH_NOTICE])
def test_captions_with_any_notice_are_dropped_from_the_body_and_cleaned_in_images(notice):
    body = clean_paragraphs(["SEOUL, 19 juin (Yonhap) -- Texte.", f"Une vue du port de Busan. {notice} (Yonhap)"])
    assert body.paragraphs == ["SEOUL, 19 juin (Yonhap) -- Texte."]
    row = clean_item(make_item(images=[{"url": "https://img.yna.co.kr/p.jpg", "caption": f"Une vue. {notice} (Yonhap)"}]))
    assert row.images[0]["caption"] == "Une vue. (Yonhap)"


def test_lead_is_the_first_paragraph_without_its_dateline():
    first = "Les deux voisins ont repris mercredi un dialogue suspendu."
    assert derive_lead(f"SEOUL, 19 juin (Yonhap) -- {first}") == first
    assert derive_lead("Pas de dateline ici.") == "Pas de dateline ici."
    assert clean_item(make_item()).lead == first  # derived when the item has none
    assert clean_item(make_item(lead="Un chapeau donné par le crawler.")).lead == "Un chapeau donné par le crawler."
    # a cut meta description ("...") that is only the start of the paragraph gives way to it
    assert clean_item(make_item(lead="Les deux voisins ont repris mer...")).lead == first
    assert clean_item(make_item(paragraphs=["(FIN)"])).lead is None


def test_content_hash_counts_title_and_body_only():
    plain = clean_item(make_item())
    tagged = clean_item(make_item(byline="Kim Min-ji", editor_note="NDLR : x", keywords=["Japon", "dialogue"]))
    assert tagged.content_hash == plain.content_hash
    assert plain.content_hash == hashlib.sha256(f"{plain.title_raw}\n\n{plain.body}".encode()).hexdigest()


@pytest.mark.parametrize(
    ("title", "part"),
    [
        ("Cours des principales devises-1", 1),
        ("Prix à la production - 2", 2),
        ("Football : la Corée bat le Japon 2-1", None),
        ("Football : la Corée bat le Japon 2 - 1", None),
        ("Séoul et Tokyo relancent leur dialogue", None),
    ],
)
def test_continued_part(title, part):
    assert continued_part(title) == part


def test_cli_and_stage_modules_import_nothing_heavy(fresh_python):
    code = (
        "import sys, transforms, pipeline.cli.transform, transforms.stage\n"
        "heavy = {'numpy', 'datasketch', 'boto3', 'scrapy', 'great_expectations', 'pyarrow'}\n"
        "print(sorted(heavy & set(sys.modules)))"
    )
    out = fresh_python(code, check=True)
    assert out.stdout.strip() == "[]"


def test_parsers_cleaner_and_gate_share_the_byline_note_cut_and_time_rules():
    """One rule each (ground.core): what the parsers take out before the dateline, the cleaner
    drops and the gate flags; a cut lead; a zone-less site time."""
    import re

    from expectations.features import BOILERPLATE, CUT_LEAD_REGEX
    from ground.core.schema import cut_stem
    from ground.core.timeutil import KST, parse_site_time
    from scrapers.parsers.text import byline_of, editor_note_of, iso_datetime
    from transforms.clean import choose_lead, clean_paragraphs

    gate = dict(BOILERPLATE)
    for line, names in [("Par Kim Min-ji", "Kim Min-ji"), ("Par A, B & C", "A, B & C"),
                        ("Par Kim,Lee", "Kim,Lee"), ("BY Lee Minji", "Lee Minji"),
                        ("Par Jean Pierre Marie De La Tour", "Jean Pierre Marie De La Tour")]:
        assert byline_of(line) == names
        assert clean_paragraphs([line, "SEOUL, 1 juin (Yonhap) -- Texte."]).byline == names
    assert re.search(gate["byline paragraph 'Par …'"], "Texte.\n\nPar Kim,Lee\n\nFin.")
    assert not re.search(gate["byline paragraph 'Par …'"], "Texte.\n\nPAR SECTEUR\n\nFin.")
    for line in ("Par ailleurs, le ministre a démenti.", "Par Kim Min-ji, le ministre a démenti."):
        assert byline_of(line) is None
        assert clean_paragraphs([line]).byline is None
    for line, note in [("(ATTN : ajout (détails) au 4e paragraphe)", "ATTN : ajout (détails) au 4e paragraphe"),
                       ("( NDLR : propos traduits )", "NDLR : propos traduits")]:
        assert editor_note_of(line) == note
        assert clean_paragraphs([line, "Texte."]).editor_note == note
    glued = clean_paragraphs(["(ATTN : ajout) Par Kim Min-ji", "Texte."])
    assert (glued.editor_note, glued.byline, glued.paragraphs) == ("ATTN : ajout", "Kim Min-ji", ["Texte."])

    for lead, stem in [("Les deux voisins ont re...", "Les deux voisins ont re"), ("Fin…", "Fin"),
                       ("Un point.", None), ("Trois points... puis la suite.", None)]:
        assert cut_stem(lead) == stem
        assert bool(re.search(CUT_LEAD_REGEX, lead)) is (stem is not None)
    assert choose_lead("Les deux voisins ont re...", "SEOUL, 1 juin (Yonhap) -- Les deux voisins ont repris.") == (
        "Les deux voisins ont repris.")

    assert parse_site_time("2024-06-19T20:04") == datetime(2024, 6, 19, 20, 4, tzinfo=KST)
    assert parse_site_time(" 2024-06-19T11:04:00Z ").utcoffset().total_seconds() == 0
    assert iso_datetime("2024-06-19T11:04:00Z") == datetime(2024, 6, 19, 20, 4, tzinfo=KST)
    assert iso_datetime("19 juin") is None
    with pytest.raises(ValueError):
        parse_site_time("19 juin")
