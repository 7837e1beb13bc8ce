"""Replica of fr.yna.co.kr: deterministic corpus + truth, yna-cms (real template) and redesign markup, HTTP
server with seeded faults. See docs/replica.md. Importing this package is cheap."""

from devtools.replica.config import ReplicaConfig, ReplicaConfigError
from devtools.replica.corpus import ArticleTruth, Corpus, UnknownArticle

__all__ = ["ArticleTruth", "Corpus", "ReplicaConfig", "ReplicaConfigError", "UnknownArticle"]
