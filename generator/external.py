"""`check --external`: outbound links of article pages, checked politely and cached in .cache/.

One worker per host at most, `[check] delay` seconds between two requests to the same host, a timeout
per request, and results reused for `[check] cache_hours`. HEAD first, GET when a server refuses HEAD.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from generator.cache import load_state, save_state
from generator.config import Config

CACHE = "external-links.json"
USER_AGENT = "news-archive link checker (+https://pypi.org/project/news-archive/)"


@dataclass(frozen=True)
class LinkResult:
    url: str
    status: int | None  # final HTTP status after redirects, None when no answer
    error: str  # "timeout", "connection refused", ...

    @property
    def dead(self) -> bool:
        return self.status is None or self.status >= 400

    def describe(self) -> str:
        return f"HTTP {self.status}" if self.status is not None else self.error


def outbound_links(scans: dict[Path, object], output: Path, base_url: str) -> dict[str, set[str]]:
    """External http(s) links in articles' own content (body, sources) -> the pages holding them.

    Site-wide links (header, footer) are not the articles' and are left alone."""
    own = urlsplit(base_url).netloc
    links: dict[str, set[str]] = defaultdict(set)
    for page, scan in scans.items():
        if not scan.indexed:
            continue
        for link in scan.body_links:
            parts = urlsplit(link)
            if parts.scheme in ("http", "https") and parts.netloc and parts.netloc != own:
                links[link.split("#", 1)[0]].add(page.relative_to(output).as_posix())
    return dict(links)


def check_links(config: Config, urls: list[str], now: float | None = None) -> dict[str, LinkResult]:
    """Results for every URL, from the cache when fresh, else from the network (and then cached)."""
    now = time.time() if now is None else now
    cached = load_state(config, CACHE, [])
    fresh_for = config.check.cache_hours * 3600
    results: dict[str, LinkResult] = {}
    pending: dict[str, list[str]] = defaultdict(list)
    for url in urls:
        entry = cached.get(url)
        if isinstance(entry, dict) and now - entry.get("checked", 0) < fresh_for:
            results[url] = LinkResult(url, entry.get("status"), entry.get("error", ""))
        else:
            pending[urlsplit(url).netloc].append(url)
    with ThreadPoolExecutor(max_workers=4) as pool:
        for host_results in pool.map(lambda host_urls: _check_host(config, host_urls), pending.values()):
            for result in host_results:
                results[result.url] = result
                cached[result.url] = {"status": result.status, "error": result.error, "checked": now}
    save_state(config, CACHE, cached)
    return results


def _check_host(config: Config, urls: list[str]) -> list[LinkResult]:
    results = []
    for position, url in enumerate(sorted(urls)):
        if position:
            time.sleep(config.check.delay)
        results.append(_check_one(url, config.check.timeout))
    return results


def _check_one(url: str, timeout: float) -> LinkResult:
    for method in ("HEAD", "GET"):
        request = urllib.request.Request(url, method=method, headers={"User-Agent": USER_AGENT})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return LinkResult(url, response.status, "")
        except urllib.error.HTTPError as exc:
            if method == "HEAD" and exc.code in (403, 405, 501):
                continue  # some servers refuse HEAD: ask again with GET
            return LinkResult(url, exc.code, "")
        except TimeoutError:
            return LinkResult(url, None, f"no answer within {timeout:g} s")
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, TimeoutError):
                return LinkResult(url, None, f"no answer within {timeout:g} s")
            return LinkResult(url, None, str(getattr(reason, "strerror", None) or reason))
        except (OSError, ValueError) as exc:
            return LinkResult(url, None, str(exc))
    return LinkResult(url, None, "no answer")
