"""Pagefind indexing of the written site: one run of the binary over the whole output directory.

The binary comes from the `pagefind[bin]` wheel; nothing is downloaded at run time. Pages opt in with
`data-pagefind-body` (only article pages carry it), so list pages never appear in results; filters, sort
keys and metadata come from attributes the default theme writes from the front matter.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from .config import Config
from .errors import UsageError
from .report import Reporter

SEARCH_DIR = "pagefind"
INSTALL_HINT = "install it with: pip install 'pagefind[bin]==1.5.2'"


class SearchIndexError(UsageError):
    """Pagefind is missing or failed; the message says what to install or what it printed."""


def pagefind_executable() -> Path:
    try:
        import pagefind_bin
    except ImportError:
        raise SearchIndexError(f"the Pagefind binary is not installed; {INSTALL_HINT}") from None
    try:
        return pagefind_bin.get_executable()
    except (FileNotFoundError, OSError) as exc:
        raise SearchIndexError(f"the Pagefind binary is missing ({exc}); {INSTALL_HINT}") from None


def index_search(config: Config, site_dir: Path, reporter: Reporter, has_articles: bool = True,
                 bundle_dir: Path | None = None) -> None:
    """(Re)build the search bundle from the HTML pages of `site_dir`.

    The bundle goes to `site_dir/pagefind/`, or to `bundle_dir` (the preview keeps it beside the site and
    swaps it in when complete, so a long indexing run never blocks or half-updates what is served).
    """
    target = bundle_dir.with_name(bundle_dir.name + ".new") if bundle_dir else site_dir / SEARCH_DIR
    if target.exists():
        # The staging copy is made of hard links to the live site: unlink, never truncate in place.
        shutil.rmtree(target)
    if not has_articles:
        # Pagefind refuses a site with nothing to index (and would index list pages if it did not):
        # the search page then says the archive is empty.
        if bundle_dir and bundle_dir.exists():
            shutil.rmtree(bundle_dir)
        return
    command = [str(pagefind_executable()), "--site", str(site_dir), "--output-path", str(target), "--quiet"]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=3600)
    except OSError as exc:
        raise SearchIndexError(f"cannot run Pagefind ({exc.strerror}); {INSTALL_HINT}") from None
    if result.returncode != 0 or not (target / "pagefind.js").is_file():
        output = (result.stderr or result.stdout).strip().splitlines()
        detail = "; ".join(output[-5:]) if output else f"exit code {result.returncode}"
        raise SearchIndexError(f"Pagefind failed to index the site: {detail}")
    for line in result.stdout.splitlines():
        if "warning" in line.lower():
            reporter.detail("pagefind: " + line.strip())
    if bundle_dir:
        old = bundle_dir.with_name(bundle_dir.name + ".old")
        if bundle_dir.exists():
            os.rename(bundle_dir, old)
        os.rename(target, bundle_dir)
        shutil.rmtree(old, ignore_errors=True)
