"""Deploying: `check` finds each planted fault, redirects for moved URLs, the permalink guard, hosting files."""

from __future__ import annotations

import json
import re
import shutil
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import MINIMAL_CONFIG, ROOT, article, build_with_search, config_with

from generator.check import run_check


def check(root: Path, external: bool = False, **overrides) -> list[str]:
    problems, _ = run_check(root, overrides, external)
    return [problem.format() for problem in problems]


@pytest.fixture
def deployable(site):
    """A small site built with its search index, ready to be checked and then broken on purpose."""
    site.write({"content/articles/a.md": article(title="Premier", topics="[Starlink]",
                                                 body="## Contexte\n\nUn texte.\n\n[Plus loin](#contexte)"),
                "content/articles/b.md": article(title="Second", date="2024-09-01", topics="[Starlink]"),
                "content/articles/c.md": article(title="Brouillon", draft="true")})
    build_with_search(site.root, site.output)
    return site


def test_check_passes_on_the_sample_site(searchable_sample):
    assert check(searchable_sample.parent) == []


def test_check_passes_on_a_fresh_build(deployable):
    assert check(deployable.root) == []


def plant(site, relative: str, old: str, new: str) -> None:
    path = site.output / relative
    path.write_text(path.read_text().replace(old, new, 1))


@pytest.mark.parametrize("fault, expected", [
    (("2024/10/premier/index.html", "</main>", '<a href="/2024/10/nulle-part/">x</a></main>'),
     "output/2024/10/premier/index.html: no such page: /2024/10/nulle-part/"),
    (("2024/10/premier/index.html", "</main>", '<a href="#nulle-part">x</a></main>'),
     "output/2024/10/premier/index.html: missing anchor: #nulle-part"),
    (("index.html", "</main>", '<a href="/2024/10/premier/#absent">x</a></main>'),
     "output/index.html: missing anchor: /2024/10/premier/#absent"),
    (("index.html", "</main>", '<a href="http://example.org/2024/10/premier/">x</a></main>'),
     "output/index.html: absolute link with http: although the site is served over https:"),
    (("feed.xml", "</feed>", ""), "output/feed.xml:"),
    (("sitemap.xml", "</urlset>", "<url><loc>https://example.org/absent/</loc></url></urlset>"),
     "output/sitemap.xml: sitemap lists https://example.org/absent/, which is not in the output"),
])
def test_check_finds_each_planted_fault(deployable, fault, expected):
    plant(deployable, *fault)
    problems = check(deployable.root)
    assert any(problem.startswith(expected) for problem in problems), problems


def test_check_finds_a_site_built_for_another_host(deployable):
    build_with_search(deployable.root, deployable.output, base_url="https://staging.example.net/")
    # One line that says what is wrong, not every link of the site reported as broken.
    assert check(deployable.root) == [
        "output: built for https://staging.example.net/, checking against https://example.org/ (pass --base-url "
        "https://staging.example.net/, or rebuild with --base-url https://example.org/)"]


def test_check_finds_a_leaked_draft(deployable):
    build_with_search(deployable.root, deployable.output, drafts=True)
    problems = check(deployable.root)
    assert any("draft or future-dated article is online: /2024/10/brouillon/ (content/articles/c.md)" in p
               for p in problems), problems


def test_check_finds_an_article_missing_from_the_output_and_from_the_index(deployable):
    from generator.check import indexed_urls

    fragments = sorted((deployable.output / "pagefind").glob("*/fragment/*.pf_fragment"))
    victim = next(f for f in fragments if "second" in str(indexed_urls_of(f)))
    victim.unlink()
    assert "/2024/09/second/" not in indexed_urls(deployable.output)
    problems = check(deployable.root)
    assert "content/articles/b.md: article missing from the search index: /2024/09/second/ " \
           "(rebuild the site with search)" in problems
    shutil.rmtree(deployable.output / "2024/09/second")
    assert any(p.startswith("content/articles/b.md: published article missing from the output")
               for p in check(deployable.root))


def indexed_urls_of(fragment: Path) -> str:
    import gzip

    return gzip.decompress(fragment.read_bytes())[:300].decode(errors="replace")


def test_check_command_exits_1_with_the_list(deployable):
    import subprocess
    import sys

    plant(deployable, "index.html", "</main>", '<a href="/absent/">x</a></main>')
    result = subprocess.run([sys.executable, "-m", "generator", "check", "--root", str(deployable.root)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "output/index.html: no such page: /absent/" in result.stderr and "check failed: 1 error" in result.stderr


# --- External links, against a local server -------------------------------------------------------------------

class _Links(BaseHTTPRequestHandler):
    hits: list[str] = []

    def log_message(self, *args) -> None:
        return

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        _Links.hits.append(self.path)
        if self.path == "/ok":
            self.send_response(200)
        elif self.path == "/moved":
            self.send_response(301)
            self.send_header("Location", "/ok")
        elif self.path == "/slow":
            time.sleep(2)
            self.send_response(200)
        else:
            self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture
def link_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Links)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Links.hits = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_external_links_are_checked_politely_and_cached(site, link_server):
    body = " ".join(f"[{name}]({link_server}/{name})" for name in ("ok", "moved", "gone", "slow"))
    site.write({"site.toml": MINIMAL_CONFIG + "[check]\ntimeout = 0.5\ndelay = 0.05\ncache_hours = 1\n",
                "content/articles/a.md": article(title="Liens", body=body)})
    build_with_search(site.root, site.output)
    problems, checked = run_check(site.root, {}, external=True)
    assert checked == 4
    dead = sorted(p.message for p in problems)
    assert dead == [f"dead external link (HTTP 404): {link_server}/gone",
                    f"dead external link (no answer within 0.5 s): {link_server}/slow"]
    assert all(p.is_warning for p in problems) and all(p.path == "output/2024/10/liens/index.html" for p in problems)
    hits = len(_Links.hits)
    run_check(site.root, {}, external=True)
    assert len(_Links.hits) == hits  # answered from .cache/external-links.json
    strict, _ = run_check(site.root, {"strict": True}, external=True)
    assert all(not p.is_warning for p in strict) and len(strict) == 2


# --- Redirects and the permalink guard --------------------------------------------------------------------------

DEPLOY = '[deploy]\nredirects = ["netlify", "nginx", "json"]\nheaders = true\n'


def test_aliases_produce_redirect_pages_and_host_files(site):
    site.write({"site.toml": MINIMAL_CONFIG + DEPLOY,
                "content/articles/a.md": article(title="Nouveau titre", aliases="[/2019/05/ancien-titre/, /old.html]")})
    site.build()
    page = site.read("2019/05/ancien-titre/index.html")
    assert '<meta http-equiv="refresh" content="0; url=/2024/10/nouveau-titre/">' in page
    assert '<link rel="canonical" href="https://example.org/2024/10/nouveau-titre/">' in page
    assert "url=/2024/10/nouveau-titre/" in site.read("old.html")
    assert "/2019/05/ancien-titre/ /2024/10/nouveau-titre/ 301" in site.read("_redirects")
    assert '"/old.html" "/2024/10/nouveau-titre/";' in site.read("nginx-redirects.map")
    entries = json.loads(site.read("redirects.json"))
    assert {"from": "/2019/05/ancien-titre/", "to": "/2024/10/nouveau-titre/",
            "to_absolute": "https://example.org/2024/10/nouveau-titre/", "status": 301} in entries
    assert "ancien-titre" not in site.read("sitemap.xml")


def test_a_slug_change_redirects_and_the_guard_warns_unless_an_alias_is_given(site):
    site.write({"site.toml": MINIMAL_CONFIG + DEPLOY, "content/articles/a.md": article(title="Titre", slug="premier")})
    site.build()
    site.write({"content/articles/a.md": article(title="Titre", slug="renomme")})
    result = site.build()
    (warning,) = [w.format() for w in result.warnings]
    assert warning.startswith("content/articles/a.md: warning: its URL changed from /2024/10/premier/ to "
                              "/2024/10/renomme/")
    assert "add 'aliases: [/2024/10/premier/]'" in warning
    assert "url=/2024/10/renomme/" in site.read("2024/10/premier/index.html")
    assert "/2024/10/premier/ /2024/10/renomme/ 301" in site.read("_redirects")
    assert site.build_errors(strict=True)[0].startswith("content/articles/a.md: its URL changed")
    site.write({"content/articles/a.md": article(title="Titre", slug="renomme", aliases="[/2024/10/premier/]")})
    result = site.build()
    assert result.warnings == []
    assert "url=/2024/10/renomme/" in site.read("2024/10/premier/index.html")


def test_a_deleted_article_warns_unless_retired(site):
    site.write({"content/articles/a.md": article(title="Éphémère"), "content/articles/b.md": article(title="Reste")})
    site.build()
    site.remove("content/articles/a.md")
    (warning,) = [w.format() for w in site.build().warnings]
    assert warning.startswith("content/articles/a.md: warning: /2024/10/ephemere/ was published and would now give 404")
    site.write({"site.toml": MINIMAL_CONFIG + '[deploy]\nretired = ["/2024/10/ephemere/"]\n'})
    assert site.build().warnings == []


def test_an_alias_clashing_with_a_page_is_an_error(site):
    site.write({"content/articles/a.md": article(title="A"),
                "content/articles/b.md": article(title="B", aliases="[/2024/10/a/]")})
    assert site.build_errors() == ["content/articles/b.md: alias /2024/10/a/ is already a page or another "
                                   "article's alias (remove it from 'aliases')"]


# --- Assets and headers -----------------------------------------------------------------------------------------

def test_assets_get_content_hashed_names_and_headers_never_overlap(site):
    site.write({"site.toml": config_with("") + DEPLOY, "content/articles/a.md": article()})
    site.build(base_url="https://example.org/archive/")
    css = [p.name for p in (site.output / "assets").iterdir()]
    assert any(re.fullmatch(r"style\.[0-9a-f]{8}\.css", name) for name in css)
    home = site.read("index.html")
    assert re.search(r'href="/archive/assets/style\.[0-9a-f]{8}\.css"', home)
    assert not (site.output / "static/style.css").exists()
    headers = site.read("_headers")
    rules = re.findall(r"^(/\S*)$", headers, re.M)
    assert "/archive/assets/*" in rules and "/archive/2024/*" in rules and "/archive/index.html" in rules
    assert headers.count("immutable") == 1
    prefixes = [rule.rstrip("*") for rule in rules if rule.endswith("*")]
    assert not any(a != b and a.startswith(b) for a in prefixes for b in prefixes)


def test_an_incremental_build_writes_the_same_headers_file_as_a_clean_one(site):
    site.write({"site.toml": config_with("") + DEPLOY, "content/articles/a.md": article(),
                "content/articles/b.md": article(title="B", date="2023-01-01")})
    site.build()
    clean = site.read("_headers")
    site.write({"content/articles/a.md": article(body="Une autre version.")})
    assert site.build().rendered  # only a few pages rendered; _headers still covers every folder
    assert site.read("_headers") == clean and "/2023/*" in clean


def test_editing_a_stylesheet_changes_its_name(site):
    site.write({"site.toml": config_with('theme = "maison"'), "themes/maison/theme.toml": 'extends = "default"\n',
                "content/articles/a.md": article()})
    site.build()
    before = {p.name for p in (site.output / "assets").iterdir()}
    site.write({"themes/maison/static/style.css": "body { color: #123; }\n"})
    site.build()
    after = {p.name for p in (site.output / "assets").iterdir()}
    assert before != after and len(after) == len(before)


# --- In the browser, under a sub-path ---------------------------------------------------------------------------

class _PlainServer:
    """Python's own static file server: what a basic host does, nothing of ours."""

    def __init__(self, directory: Path):
        import functools
        from http.server import SimpleHTTPRequestHandler

        handler = functools.partial(SimpleHTTPRequestHandler, directory=str(directory))
        handler.log_message = lambda *args: None
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def sub_path_site(tmp_path):
    root = tmp_path / "site"
    shutil.copytree(ROOT / "content", root / "content")
    shutil.copy(ROOT / "site.toml", root / "site.toml")
    seed = root / "content/articles/2024/10/elon-musk-vladimir-poutine-discussions/index.md"
    seed.write_text(seed.read_text().replace("lang: fr\n", "lang: fr\naliases: [/2024/10/musk-poutine/]\n"))
    build_with_search(root, tmp_path / "www" / "archive", base_url="https://example.org/archive/")
    server = _PlainServer(tmp_path / "www")
    yield server
    server.stop()


def test_an_old_url_lands_on_the_new_article_under_a_sub_path(page, sub_path_site):
    page.goto(sub_path_site.url + "/archive/2024/10/musk-poutine/")
    page.wait_for_url("**/archive/2024/10/elon-musk-aurait-de-frequentes-discussions-avec-vladimir-poutine/")
    assert "Elon Musk aurait de fréquentes discussions" in page.inner_text("h1")


@pytest.mark.parametrize("path", ["/archive/", "/archive/2024/10/starlink-a-taiwan-la-demande-que-poutine-aurait"
                                  "-faite-a-musk/", "/archive/topics/starlink/", "/archive/archives/"])
def test_every_link_of_key_pages_resolves_under_a_sub_path(page, sub_path_site, path):
    response = page.goto(sub_path_site.url + path)
    assert response.status == 200
    links = page.eval_on_selector_all("a[href], link[href], script[src]",
                                      "nodes => nodes.map(n => n.href || n.src)")
    internal = sorted({link.split("#")[0] for link in links if link.startswith(sub_path_site.url)})
    assert len(internal) > 5
    statuses = {link: page.request.get(link).status for link in internal}
    assert {link: status for link, status in statuses.items() if status != 200} == {}
    assert all(link.startswith(sub_path_site.url + "/archive/") for link in internal)
