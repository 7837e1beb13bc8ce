"""Duplicates: the same text re-sent under a new article id.

Rules (docs/transforms.md):

* One row per article id and one per canonical URL (:func:`claim_urls`; the per-id collapse is
  in :mod:`transforms.revisions`).
* Two articles are duplicates when they carry the same version label, were published at most
  :data:`DUPLICATE_WINDOW` apart, and either have the same content hash or near-identical
  bodies (exact Jaccard of the body shingles >= :data:`NEAR_DUPLICATE_JACCARD`; shingles are
  word-anchored 24-byte windows, see transforms.features).
  Candidates come from a datasketch MinHash LSH index (near-linear: no pairwise loop); every
  candidate pair is then verified on the exact shingle sets.
* Routine daily items and empty bodies are never duplicates (templated / nothing to compare).
* Parts of a continued item ("…-1", "…-2" titles: price tables split in parts) are never
  near duplicates of each other, however alike their tables read: a part only duplicates an
  article with the same title (a re-sent part).
* Duplicates form groups (union-find); in each group the first article (earliest published,
  then smallest id; stored rows included) is the original and every later one gets
  ``duplicate_of`` = that original's id — or the original's own ``duplicate_of`` if a stored
  row already points further back. A group spanning more than the window restarts.
* Stored rows keep whatever they had: their ``duplicate_of`` is never rewritten.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

import numpy as np

from transforms.features import Doc, avalanche, jaccard

DUPLICATE_WINDOW = timedelta(hours=48)
NEAR_DUPLICATE_JACCARD = 0.9
# LSH recall threshold below the verification threshold, so true pairs are rarely missed.
LSH_THRESHOLD = 0.75
NUM_PERM = 64
MIN_SHINGLES_FOR_NEAR = 8  # shorter texts (flashes) only match exactly

_TEMPLATE = None


def _template():
    """One MinHash whose permutations every signature reuses (creating them is the slow part)."""
    global _TEMPLATE
    if _TEMPLATE is None:
        from datasketch import MinHash  # lazy: ~0.3 s (scipy); only near-duplicate search needs it

        _TEMPLATE = MinHash(num_perm=NUM_PERM, seed=1, scheme="affine32")
    return _TEMPLATE


def minhash(shingles: np.ndarray):
    """datasketch MinHash of a shingle array.

    Same values as ``MinHash(scheme="affine32", hashfunc=int).update_batch(shingles)`` (a test
    checks it), computed in one vectorized step instead of a Python call per shingle.
    """
    from datasketch import MinHash  # lazy: as in _template()

    template = _template()
    a, b = template.permutations
    hv = avalanche(shingles.astype(np.uint32, copy=False)).reshape(-1, 1)
    values = (hv * a + b).min(axis=0) if len(shingles) else template.hashvalues
    return MinHash(hashvalues=values, permutations=template.permutations, scheme="affine32")


def eligible(doc: Doc) -> bool:
    """Templated routine items look alike every day (never duplicates); tables are routine
    items too, but each holds its own figures, so an exact re-send of one is still found."""
    return doc.has_body and (not doc.is_routine or doc.is_table)


def _near_pairs(docs: list[Doc], queries: list[Doc]) -> list[tuple[Doc, Doc]]:
    """Pairs (query, other) whose shingle Jaccard passes, found through MinHash LSH."""
    from datasketch import MinHashLSH  # lazy: as in _template()

    big = [d for d in docs if len(d.shingles) >= MIN_SHINGLES_FOR_NEAR]
    if len(big) < 2:
        return []
    lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
    signatures = {}
    for i, doc in enumerate(big):
        signatures[id(doc)] = sig = minhash(doc.shingles)
        lsh.insert(i, sig, check_duplication=False)
    window = DUPLICATE_WINDOW.total_seconds()
    pairs = []
    for doc in queries:
        sig = signatures.get(id(doc))
        if sig is None:
            continue
        for j in lsh.query(sig):
            other = big[j]
            if other is doc or other.version_label != doc.version_label:
                continue
            if abs(other.ts - doc.ts) > window:
                continue
            if (doc.part is not None or other.part is not None) and doc.title != other.title:
                continue  # another part of a continued item (or a plain article): not a copy
            if jaccard(doc.shingles, other.shingles) >= NEAR_DUPLICATE_JACCARD:
                pairs.append((doc, other))
    return pairs


class _UnionFind:
    def __init__(self):
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        parent = self.parent
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(x, x) != root:  # path compression
            parent[x], x = root, parent[x]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def find_duplicates(batch: list[Doc], stored: list[Doc]) -> dict[str, str]:
    """``{article_id: original_id}`` for the batch docs that duplicate an earlier article.

    ``batch`` docs whose id is also stored must be passed in ``batch`` only (their content is
    newer); they are treated like stored rows (``doc.stored`` is True) and never reassigned.
    """
    docs = [d for d in (*stored, *batch) if eligible(d)]
    queries = [d for d in batch if eligible(d)]
    index = {id(d): i for i, d in enumerate(docs)}
    uf = _UnionFind()
    window = DUPLICATE_WINDOW.total_seconds()

    by_hash: dict[str, list[Doc]] = defaultdict(list)
    for doc in docs:
        by_hash[doc.content_hash].append(doc)
    for group in by_hash.values():
        if len(group) > 1 and any(not d.stored for d in group):
            for other in group[1:]:
                uf.union(index[id(group[0])], index[id(other)])
    for a, b in _near_pairs(docs, queries):
        uf.union(index[id(a)], index[id(b)])

    groups: dict[int, list[Doc]] = defaultdict(list)
    for doc in docs:
        groups[uf.find(index[id(doc)])].append(doc)
    result: dict[str, str] = {}
    for members in groups.values():
        if len(members) < 2:
            continue
        members.sort(key=lambda d: d.order_key)
        first = members[0]
        original = first.duplicate_of or first.article_id
        for doc in members[1:]:
            if doc.ts - first.ts > window:  # too far apart: a new group starts here
                first = doc
                original = doc.duplicate_of or doc.article_id
                continue
            if doc.stored:
                continue
            result[doc.article_id] = original
    return result


def _id_in_url(article_id: str, url: str) -> bool:
    path = url.split("#", 1)[0].split("?", 1)[0]
    return path.rstrip("/").endswith("/" + article_id)


def claim_urls(docs: list[Doc], stored_urls: dict[str, str]) -> tuple[list[Doc], list[tuple[Doc, str]]]:
    """One article per canonical URL.

    The URL belongs to the article whose id it names; otherwise to the stored row that has it,
    otherwise to the first article (published order). Losers come back with a reason (the
    caller turns them into transform rejects).
    """
    by_url: dict[str, list[Doc]] = defaultdict(list)
    for doc in docs:
        by_url[doc.url].append(doc)
    owners: dict[str, Doc] = {}
    losers: list[tuple[Doc, str]] = []
    for url, claimants in by_url.items():
        claimants.sort(key=lambda d: (not _id_in_url(d.article_id, url), d.order_key))
        stored_owner = stored_urls.get(url)
        for doc in claimants:
            if stored_owner and stored_owner != doc.article_id and not _id_in_url(doc.article_id, url):
                losers.append((doc, f"canonical URL {url} belongs to stored article {stored_owner}"))
            elif url in owners:
                losers.append((doc, f"canonical URL {url} belongs to article {owners[url].article_id}"))
            else:
                owners[url] = doc
    kept = [d for d in docs if owners.get(d.url) is d]
    return kept, losers
