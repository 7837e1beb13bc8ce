"""The operator's look at the live site (`yonhap-pipeline check-site`, the canary DAGs): fetch
the feed, a list page and a few articles and report which extraction layers and selectors
matched."""

from ground.core.config import Settings
from scrapers.check_site import SiteReport, check_site, render

__all__ = ["SiteReport", "canary", "check_site", "render"]


def canary(settings: Settings, articles: int = 3) -> SiteReport:
    """check-site against the configured site, as the daily canary runs it: its
    ``verdict_line()`` is None while every layer and selector still matches."""
    return check_site(settings.base_url, settings.user_agent, articles=articles)
