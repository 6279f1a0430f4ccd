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


def snapshot_pages(site_dir: Path, pages: list[str], snapshot: Path) -> Path:
    """Hard links to the given pages under `snapshot`, same relative paths: what Pagefind will read.

    Indexing a snapshot of only the article pages lets the live site change during a long indexing run,
    and spares Pagefind the list pages it would skip anyway.
    """
    if snapshot.exists():
        shutil.rmtree(snapshot)
    for relative in pages:
        target = snapshot / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(site_dir / relative, target)
        except OSError:
            shutil.copy2(site_dir / relative, target)
    return snapshot


def index_search(config: Config, site_dir: Path, reporter: Reporter, pages: list[str],
                 bundle_dir: Path | None = None, work_dir: Path | None = None) -> None:
    """(Re)build the search bundle from `pages` (output paths of the article pages) of `site_dir`.

    The bundle goes to `site_dir/pagefind/`, or to `bundle_dir`, where it replaces the previous bundle
    only once complete (the preview keeps its bundle beside the site). `work_dir` holds the snapshot.
    """
    target = bundle_dir.with_name(bundle_dir.name + ".new") if bundle_dir else site_dir / SEARCH_DIR
    if target.exists():
        # The staging copy is made of hard links to the live site: unlink, never truncate in place.
        shutil.rmtree(target)
    if not pages:
        # Pagefind refuses a site with nothing to index: the search page then says the archive is empty.
        if bundle_dir and bundle_dir.exists():
            shutil.rmtree(bundle_dir)
        return
    snapshot = snapshot_pages(site_dir, pages, (work_dir or site_dir.parent) / ".search-pages")
    try:
        _run_pagefind(snapshot, target, reporter)
    finally:
        shutil.rmtree(snapshot, ignore_errors=True)
    if bundle_dir:
        old = bundle_dir.with_name(bundle_dir.name + ".old")
        if bundle_dir.exists():
            os.rename(bundle_dir, old)
        os.rename(target, bundle_dir)
        shutil.rmtree(old, ignore_errors=True)


def _run_pagefind(site: Path, target: Path, reporter: Reporter) -> None:
    command = [str(pagefind_executable()), "--site", str(site), "--output-path", str(target), "--quiet"]
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
