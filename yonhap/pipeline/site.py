"""The operator's look at the live site (`yonhap-pipeline check-site`): fetch the feed, a list
page and a few articles and report which extraction layers and selectors matched."""

from scrapers.check_site import check_site, render

__all__ = ["check_site", "render"]
