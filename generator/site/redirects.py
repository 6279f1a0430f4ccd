"""Moved URLs: aliases and changed permalinks -> redirects; the permalink guard; host redirect files.

Every URL the site ever published is recorded in .cache/permalinks.json. When one would disappear, the
build redirects it to the same article's new URL if the article still exists, and warns (error under
--strict) unless an `aliases` entry makes that redirect permanent or [deploy] retired lists the URL.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.config import Config
from generator.errors import SourceError
from generator.site.model import Site

PERMALINKS = "permalinks.json"


@dataclass(frozen=True)
class Redirect:
    old_url: str  # with the base path
    new_url: str
    source_path: str  # the article it leads to


def site_path(config: Config, url: str) -> str:
    """'/archive/2024/10/x/' -> '/2024/10/x/' (how aliases and retired URLs are written)."""
    return "/" + url[len(config.base_path):] if url.startswith(config.base_path) else url


def plan_redirects(config: Config, site: Site, published_before: dict[str, str],
                   produced: set[str]) -> tuple[list[Redirect], list[SourceError]]:
    """Redirects for aliases and for previously published URLs; warnings for URLs that would vanish."""
    problems: list[SourceError] = []
    redirects: dict[str, Redirect] = {}
    url_by_source = {article.source_path: article.summary.url for article in site.articles}
    for article in site.articles:
        for alias in article.aliases:
            old = config.base_path + alias.lstrip("/")
            if old == article.summary.url:
                continue
            if old in produced or old in redirects:
                problems.append(SourceError("content/" + article.source_path, None, None,
                                            f"alias {alias} is already a page or another article's alias",
                                            "remove it from 'aliases'"))
                continue
            redirects[old] = Redirect(old, article.summary.url, article.source_path)
    retired = {config.base_path + url.lstrip("/") for url in config.deploy.retired}
    for old, source_path in sorted(published_before.items()):
        if old in produced or old in redirects or old in retired:
            continue
        new = url_by_source.get(source_path)
        if new:
            redirects[old] = Redirect(old, new, source_path)
            problems.append(SourceError(
                "content/" + source_path, None, None,
                f"its URL changed from {old} to {new}; redirected for now, from the build cache only",
                f"add 'aliases: [{site_path(config, old)}]' to its front matter to keep that redirect",
                "warning"))
        else:
            problems.append(SourceError(
                "content/" + source_path, None, None,
                f"{old} was published and would now give 404",
                "restore the article, add that path to another article's 'aliases', "
                "or list it in [deploy] retired in site.toml", "warning"))
    return sorted(redirects.values(), key=lambda r: r.old_url), problems


def published_urls(site: Site, before: dict[str, str], config: Config) -> dict[str, str]:
    """Everything published so far: kept across builds so a moved article keeps its redirect."""
    retired = {config.base_path + url.lstrip("/") for url in config.deploy.retired}
    urls = {url: source for url, source in before.items() if url not in retired}
    # Drafts and future-dated articles shown by --drafts / --future were never published: a later build
    # without them must not see their URLs disappear.
    urls.update({article.summary.url: article.source_path for article in site.articles
                 if not (article.summary.draft or article.summary.future)})
    return urls
