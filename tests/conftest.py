"""Fixtures: tiny sites written inline, built into a temporary output folder."""

from __future__ import annotations

import shutil
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from generator.build import build
from generator.errors import BuildFailed
from generator.options import BuildOptions
from generator.report import RecordingReporter
from generator.result import BuildResult

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
# A fixed "now" keeps future-dated filtering deterministic.
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def build_site(root: Path, overrides: dict | None = None, reporter: RecordingReporter | None = None, *,
               search: bool = False, now: datetime = NOW, jobs: int = 1) -> BuildResult:
    """`news-archive build` in this process, with the test clock."""
    return build(root, BuildOptions(overrides=overrides or {}, search=search, now=now, jobs=jobs),
                 reporter=reporter or RecordingReporter())


MINIMAL_CONFIG = """\
title = "Test archive"
base_url = "https://example.org/"
language = "fr"
timezone = "Europe/Paris"

[[taxonomies]]
name = "topics"
title = "Thèmes"
singular = "Thème"

[[taxonomies]]
name = "people"
title = "Personnes"
singular = "Personne"

[[taxonomies]]
name = "sources"
title = "Sources"
singular = "Source"
feed = false
"""


# A taxonomy that signs the articles (append it to MINIMAL_CONFIG).
AUTHORS_TAXONOMY = """
[[taxonomies]]
name = "authors"
title = "Auteurs"
singular = "Auteur"
field = "authors"
byline = true
"""


def article(title: str = "Un article", date: str = "2024-10-25", body: str = "Un paragraphe.", **fields) -> str:
    """Markdown with front matter; extra fields are written as YAML lines (values verbatim)."""
    lines = [f"title: {title}", f"date: {date}"] + [f"{key}: {value}" for key, value in fields.items()]
    return "---\n" + "\n".join(lines) + "\n---\n\n" + body + "\n"


def config_with(top_level: str) -> str:
    """MINIMAL_CONFIG with extra top-level keys (they must come before the [[taxonomies]] tables)."""
    return MINIMAL_CONFIG.replace('timezone = "Europe/Paris"\n', 'timezone = "Europe/Paris"\n' + top_level + "\n")


class Site:
    """A site folder written by a test."""

    def __init__(self, root: Path):
        self.root = root
        self.output = root / "output"
        self.reporter = RecordingReporter()
        self.write({"site.toml": MINIMAL_CONFIG})

    def write(self, files: dict[str, str | bytes]) -> Site:
        for relative, content in files.items():
            path = self.root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(textwrap.dedent(content) if content.startswith("\n") else content, encoding="utf-8")
        return self

    def remove(self, relative: str) -> Site:
        (self.root / relative).unlink()
        return self

    def build(self, search: bool = False, **overrides) -> BuildResult:
        self.reporter = RecordingReporter()
        return build_site(self.root, overrides, self.reporter, search=search, now=NOW)

    def build_errors(self, **overrides) -> list[str]:
        """Build expecting failure; return the formatted problems."""
        with pytest.raises(BuildFailed) as failed:
            self.build(**overrides)
        return [error.format() for error in failed.value.errors]

    def read(self, relative: str) -> str:
        return (self.output / relative).read_text(encoding="utf-8")

    def files(self) -> dict[str, bytes]:
        return {p.relative_to(self.output).as_posix(): p.read_bytes()
                for p in sorted(self.output.rglob("*")) if p.is_file()}


@pytest.fixture
def site(tmp_path: Path) -> Site:
    return Site(tmp_path / "site")


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's sample site, copied and built once (without search) for read-only checks."""
    root = tmp_path_factory.mktemp("sample") / "site"
    shutil.copytree(ROOT / "content", root / "content")
    shutil.copy(ROOT / "site.toml", root / "site.toml")
    build_site(root, {}, RecordingReporter(), search=False, now=NOW)
    return root / "output"


# --- Browser and HTTP helpers -----------------------------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright; never a downloaded browser."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.js_errors = errors
    yield page
    context.close()


class StaticServer:
    """The project's own server (no live reload) over a folder, on 127.0.0.1 with an OS-chosen port."""

    def __init__(self, root: Path):
        import threading

        from generator.preview.serve import PreviewServer

        self.server = PreviewServer(root, "127.0.0.1", 0, live=False)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = self.server.url.rstrip("/")

    def stop(self) -> None:
        self.server.stop()
        self.thread.join(timeout=5)


@pytest.fixture
def serve_dir():
    servers: list[StaticServer] = []

    def start(root: Path) -> StaticServer:
        servers.append(StaticServer(root))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


# --- Sites built with their search index -----------------------------------------------------------------

def build_with_search(root: Path, output: Path, **overrides) -> None:

    build_site(root, {"output_dir": output, **overrides}, RecordingReporter(), search=True, now=NOW)


@pytest.fixture(scope="session")
def searchable_sample(tmp_path_factory) -> Path:
    """The sample site built with its search index, served from its output folder."""
    root = tmp_path_factory.mktemp("searchable") / "site"
    shutil.copytree(ROOT / "content", root / "content")
    shutil.copy(ROOT / "site.toml", root / "site.toml")
    build_with_search(root, root / "output")
    return root / "output"


@pytest.fixture(scope="session")
def sharded_sample(tmp_path_factory) -> Path:
    """The sample site with one article per search shard (six Pagefind bundles merged by the search page)."""
    root = tmp_path_factory.mktemp("sharded") / "site"
    shutil.copytree(ROOT / "content", root / "content")
    (root / "site.toml").write_text((ROOT / "site.toml").read_text() + "\n[search]\nshard_size = 1\n")
    build_with_search(root, root / "output")
    return root / "output"


def clean_tree(site: Site, tmp_path: Path) -> dict[str, bytes]:
    """The output of a clean build of a copy of the site (its content, and its publication history)."""
    copy = tmp_path / "clean-site"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(site.root, copy, ignore=shutil.ignore_patterns("output", ".cache"))
    # Same input = same content and same publication history (moved URLs redirect); no caches.
    history = site.root / ".cache/permalinks.json"
    if history.exists():
        (copy / ".cache").mkdir()
        shutil.copy(history, copy / ".cache/permalinks.json")
    build_site(copy, {}, RecordingReporter(), search=False, now=NOW)
    return {p.relative_to(copy / "output").as_posix(): p.read_bytes()
            for p in sorted((copy / "output").rglob("*")) if p.is_file()}
