"""Dedupe rules on hand-made batches: URL ownership, exact and near duplicates, their limits."""

from __future__ import annotations

import numpy as np

from tests.transforms_support import corpus, item_from_truth, stored_rows, truths
from transforms.dedupe import NUM_PERM, _template, minhash
from transforms.features import shingle_hashes
from transforms.pipeline import transform_batch
from yonhap.schema import CrawledArticle

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
