"""Dedupe rules on hand-made batches: URL ownership, exact and near duplicates, their limits."""

from __future__ import annotations

import numpy as np

from devtools.harness.transforms import corpus, item_from_truth, stored_rows, truths
from ground.core.schema import CrawledArticle
from transforms.dedupe import NUM_PERM, _template, minhash
from transforms.features import shingle_hashes
from transforms.pipeline import transform_batch

BODY = [
    "SEOUL, 19 juin (Yonhap) -- Le ministère de l'Economie a présenté mercredi un plan de soutien "
    "de 12 milliards de wons destiné aux petites entreprises exportatrices.",
    "Le texte prévoit des prêts à taux réduit et un report des cotisations sociales pendant six mois, "
    "a précisé un responsable lors d'une conférence de presse à Sejong.",
    "Les organisations patronales ont salué la mesure tout en demandant un calendrier plus rapide, "
    "alors que les commandes à l'étranger reculent depuis trois trimestres.",
    "Le gouvernement doit présenter le détail des critères d'éligibilité la semaine prochaine.",
]


def item(article_id: str, published: str, paragraphs=BODY, title="Séoul présente un plan de soutien aux PME", **kw):
    fields = dict(
        article_id=article_id,
        url=f"https://fr.yna.co.kr/view/{article_id}",
        requested_url=f"https://fr.yna.co.kr/view/{article_id}",
        http_status=200,
        fetched_at="2024-06-21T00:00:00+00:00",
        run_id="dd",
        title_raw=title,
        published_at=published,
        paragraphs=list(paragraphs),
    )
    fields.update(kw)
    return CrawledArticle(**fields)


A = "AFR20240619001000884"
B = "AFR20240619002000884"
C = "AFR20240619003000884"


def rows(result):
    return {a.article_id: a for a in result.articles}


def test_exact_resend_points_at_the_earliest_published_id_in_any_order():
    batch = [item(C, "2024-06-19T18:00:00+09:00"), item(A, "2024-06-19T10:00:00+09:00"),
             item(B, "2024-06-19T12:00:00+09:00")]
    out = rows(transform_batch(batch, []))
    assert out[A].duplicate_of is None
    assert out[B].duplicate_of == A and out[C].duplicate_of == A
    assert {r.story_id for r in out.values()} == {A}


def test_near_duplicate_with_a_small_correction_is_a_duplicate():
    from transforms.features import jaccard

    long_body = BODY + [p.replace("Le ", "Selon nos informations, le ", 1) for p in BODY[1:]] + [
        "Plusieurs économistes jugent toutefois l'enveloppe insuffisante face au ralentissement mondial.",
        "Une seconde tranche d'aides pourrait être débloquée à l'automne si la conjoncture se dégrade.",
    ]
    fixed = [long_body[0].replace("12 milliards", "13 milliards"), *long_body[1:]]
    similarity = jaccard(shingle_hashes(" ".join(long_body)), shingle_hashes(" ".join(fixed)))
    assert 0.9 <= similarity < 1.0
    out = rows(transform_batch([item(A, "2024-06-19T10:00:00+09:00", paragraphs=long_body),
                                item(B, "2024-06-19T11:00:00+09:00", paragraphs=fixed)], []))
    assert out[B].duplicate_of == A


def test_same_text_far_apart_or_with_another_label_is_not_a_duplicate():
    out = rows(transform_batch([
        item(A, "2024-06-19T10:00:00+09:00"),
        item("AFR20240625001000884", "2024-06-25T10:00:00+09:00"),  # six days later
        item(B, "2024-06-19T11:00:00+09:00", title="(LD) Séoul présente un plan de soutien aux PME"),
    ], []))
    assert all(r.duplicate_of is None for r in out.values())
    assert out[B].story_id == A  # the LD is a version of the story, not a copy


def test_empty_bodies_are_not_duplicates_of_each_other():
    out = rows(transform_batch([item(A, "2024-06-19T10:00:00+09:00", paragraphs=["(FIN)"], title="Un"),
                                item(B, "2024-06-19T11:00:00+09:00", paragraphs=[], title="Deux")], []))
    assert all(r.duplicate_of is None and r.body == "" for r in out.values())


def test_duplicate_of_a_stored_duplicate_points_at_the_root():
    c = corpus(days=14)
    truth = truths(c)
    dup = next(t for t in truth.values() if t.duplicate_of)
    original = truth[dup.duplicate_of]
    run1 = transform_batch([item_from_truth(original), item_from_truth(dup)], [])
    again = item_from_truth(dup)
    again.article_id = "AFR" + dup.article_id[3:11] + "999900884"
    again.url = again.requested_url = f"https://fr.yna.co.kr/view/{again.article_id}"
    (row,) = transform_batch([again], stored_rows(run1.articles)).articles
    assert row.duplicate_of == original.article_id


def test_one_row_per_canonical_url():
    # B's page claims A's canonical URL and B was requested under that URL too: B cannot own it.
    stolen = item(B, "2024-06-19T12:00:00+09:00", url=f"https://fr.yna.co.kr/view/{A}",
                  requested_url=f"https://fr.yna.co.kr/view/{A}", title="Autre", paragraphs=["Autre texte."])
    result = transform_batch([item(A, "2024-06-19T10:00:00+09:00"), stolen], [])
    assert [a.article_id for a in result.articles] == [A]
    (reject,) = result.rejects
    assert reject.article_id == B and reject.stage == "transform"
    assert reject.reasons == [f"canonical URL https://fr.yna.co.kr/view/{A} belongs to article {A}"]
    assert [r.article_id for r in result.revisions] == [A]

    # Against a stored row owning the URL.
    later = transform_batch([stolen], [{"article_id": A, "url": f"https://fr.yna.co.kr/view/{A}",
                                        "title_raw": "x", "published_at": "2024-06-19T10:00:00+09:00"}])
    assert not later.articles and "stored article" in later.rejects[0].reasons[0]


def test_vectorized_minhash_equals_datasketch_update_batch():
    from datasketch import MinHash

    shingles = shingle_hashes(" ".join(BODY))
    ref = MinHash(num_perm=NUM_PERM, permutations=_template().permutations, scheme="affine32", hashfunc=int)
    ref.update_batch(shingles.tolist())
    assert np.array_equal(minhash(shingles).hashvalues, ref.hashvalues)


def test_shingles_are_deterministic_and_case_insensitive():
    text = " ".join(BODY)
    assert np.array_equal(shingle_hashes(text), shingle_hashes(text.upper()))
    assert shingle_hashes(text).dtype == np.uint32 and len(shingle_hashes(text)) > 50
    assert len(shingle_hashes("court")) == 1 and len(shingle_hashes("")) == 0


# --- story linking: the article id's serial first, text similarity otherwise ----------------

OTHER_BODY = [
    "SEOUL, 19 juin (Yonhap) -- Les députés de la majorité réclament un vote rapide sur le texte "
    "avant la fin de la session parlementaire, a-t-on appris mercredi soir.",
    "L'opposition dénonce une procédure précipitée et menace de saisir la Cour constitutionnelle, "
    "estimant que les consultations prévues par la loi n'ont pas eu lieu.",
    "Un compromis reste possible sur le calendrier des débats, selon plusieurs sources au sein "
    "des deux camps interrogées par l'agence.",
]
TABLE = [f"{name} : {rate} wons" for name, rate in (
    ("Dollar américain", "1 380,50"), ("Yen japonais (100)", "872,10"), ("Euro", "1 482,30"),
    ("Yuan chinois", "190,20"), ("Livre sterling", "1 752,80"), ("Dollar de Hong Kong", "176,70"),
)]


def stories(result):
    return {a.article_id: (a.story_id, a.duplicate_of) for a in result.articles}


def test_versioned_ids_link_same_day_versions_by_serial_even_when_the_text_changed():
    first, ld, ld2 = "AFR20240619002900884", "AFR20240619002951884", "AFR20240619002952884"
    batch = [
        item(first, "2024-06-19T10:00:00+09:00"),
        # the LD rewrites the story: text similarity alone would not link it
        item(ld, "2024-06-19T13:00:00+09:00", paragraphs=OTHER_BODY,
             title="(LD) Le plan de soutien aux PME divise l'Assemblée"),
        item(ld2, "2024-06-19T16:00:00+09:00", paragraphs=OTHER_BODY[:1] + BODY[1:2],
             title="(2e LD) Le plan de soutien aux PME adopté en commission"),
        item("AFR20240619003000884", "2024-06-19T14:00:00+09:00", paragraphs=OTHER_BODY,
             title="Les députés réclament un vote rapide"),  # another serial: its own story
    ]
    expected = {first: (first, None), ld: (first, None), ld2: (first, None),
                "AFR20240619003000884": ("AFR20240619003000884", None)}
    assert stories(transform_batch(batch, [])) == expected
    assert stories(transform_batch(batch[::-1], [])) == expected  # input order never matters
    # a version crawled one run later joins the stored story through its serial
    run1 = transform_batch(batch[:1], [])
    (row,) = transform_batch(batch[1:2], stored_rows(run1.articles)).articles
    assert row.story_id == first


def test_ids_without_a_shared_serial_fall_back_to_text_similarity():
    # a sequential numbering (every id its own serial, version digits 00), and a next-day LD
    # with a new serial: the LD repeats the text it updates, so similarity links it
    original, seq_ld = "AFR20240619002900884", "AFR20240619003000884"
    next_day = "AFR20240620000151884"
    longer = BODY + ["Le ministère publiera un premier bilan des demandes dans un mois."]
    batch = [
        item(original, "2024-06-19T10:00:00+09:00"),
        item(seq_ld, "2024-06-19T13:00:00+09:00", paragraphs=longer,
             title="(LD) Séoul présente un plan de soutien aux PME"),
        item(next_day, "2024-06-20T09:00:00+09:00", paragraphs=longer + ["Les premiers dossiers arrivent."],
             title="(2e LD) Séoul présente un plan de soutien aux PME"),
        # sequential id, rewritten text: nothing says it belongs to the story
        item("AFR20240619003100884", "2024-06-19T15:00:00+09:00", paragraphs=OTHER_BODY,
             title="(LD) Les députés réclament un vote rapide"),
    ]
    got = stories(transform_batch(batch, []))
    assert got[seq_ld] == got[next_day] == (original, None)
    assert got["AFR20240619003100884"] == ("AFR20240619003100884", None)


def test_flash_then_original_then_ld_sharing_the_originals_serial():
    flash, first, ld = "AFR20240619002800884", "AFR20240619002900884", "AFR20240619002951884"
    batch = [
        item(flash, "2024-06-19T09:40:00+09:00", paragraphs=["SEOUL, 19 juin (Yonhap) -- Séoul présente un plan de soutien aux PME."],
             title="(URGENT) Séoul présente un plan de soutien aux PME"),
        item(first, "2024-06-19T10:00:00+09:00"),
        item(ld, "2024-06-19T13:00:00+09:00", paragraphs=OTHER_BODY, title="(LD) Le plan de soutien divise"),
    ]
    assert {k: s for k, (s, _) in stories(transform_batch(batch, [])).items()} == {flash: flash, first: flash, ld: flash}


def test_routine_items_and_continued_parts_never_link_through_a_shared_serial():
    kospi = ["SEOUL, 19 juin (Yonhap) -- Le Kospi a ouvert en hausse de 0,4 % ce mercredi à la Bourse de Séoul.",
             "Les valeurs technologiques mènent la progression dans un marché encore calme."]
    parts = [("AFR20240619004000884", "Cours des principales devises-1", TABLE[:3] + TABLE[3:] ),
             ("AFR20240619004051884", "Cours des principales devises-2", TABLE[:3] + TABLE[3:5] + ["Rouble : 15,10 wons"]),
             ("AFR20240619004052884", "Cours des principales devises-3", TABLE)]
    batch = [
        item("AFR20240619003500884", "2024-06-19T09:00:00+09:00", paragraphs=kospi, title="KOSPI-ouverture"),
        item("AFR20240619003551884", "2024-06-19T09:05:00+09:00", paragraphs=kospi,
             title="(LD) Séoul présente un plan de soutien aux PME"),  # shares the routine item's serial
        *(item(aid, f"2024-06-19T15:3{n}:00+09:00", paragraphs=["SEOUL, 19 juin (Yonhap) -- Cours de clôture.", *table],
               title=title) for n, (aid, title, table) in enumerate(parts)),
        # a plain article on a part's serial, with a part's text
        item("AFR20240619004053884", "2024-06-19T16:00:00+09:00",
             paragraphs=["SEOUL, 19 juin (Yonhap) -- Cours de clôture.", *TABLE], title="(LD) Les devises"),
    ]
    got = stories(transform_batch(batch, []))
    assert got == {aid: (aid, None) for aid in got}, got  # every one its own story, no duplicate
    # exact re-send of one part under a new id is still a duplicate of that part
    resend = item("AFR20240619009900884", "2024-06-19T15:50:00+09:00",
                  paragraphs=["SEOUL, 19 juin (Yonhap) -- Cours de clôture.", *TABLE], title=parts[2][1])
    again = stories(transform_batch([*batch, resend], []))
    assert again["AFR20240619009900884"] == (parts[2][0], parts[2][0])
