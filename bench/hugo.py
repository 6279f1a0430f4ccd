"""The same synthetic archive built by Hugo (if `hugo` is on PATH) with an equivalent minimal site.

Equivalent to what news-archive produces for the benchmark: an article page per article, a paginated
home page, paginated topic/people/source pages and their indexes, one feed; then Pagefind over Hugo's
output, limited to the article bodies (data-pagefind-body), like our build. Hugo reads our content files
as they are (YAML front matter with title, date, lang, topics, people, sources).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from trash import set_aside

CONFIG = """\
baseURL = "https://bench.example.org/"
languageCode = "fr"
title = "Archive synthétique"
paginate = 20
disableKinds = ["robotsTXT", "404"]

[taxonomies]
topic = "topics"
person = "people"
source = "sources"

[outputs]
home = ["HTML", "RSS"]
section = ["HTML"]
taxonomy = ["HTML"]
term = ["HTML"]

[permalinks]
articles = "/:year/:month/:slug/"
"""

LAYOUTS = {
    "_default/baseof.html": """<!doctype html>
<html lang="{{ site.LanguageCode }}"><head><meta charset="utf-8"><title>{{ .Title }} · {{ site.Title }}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><header><a href="{{ "/" | relURL }}">{{ site.Title }}</a></header>
<main>{{ block "main" . }}{{ end }}</main></body></html>
""",
    "_default/single.html": """{{ define "main" }}<article data-pagefind-body>
<h1>{{ .Title }}</h1><time datetime="{{ .Date.Format "2006-01-02" }}">{{ .Date.Format "2 January 2006" }}</time>
<span hidden data-pagefind-sort="date:{{ .Date.Format "2006-01-02" }}"></span>
{{ range .GetTerms "topics" }}<a href="{{ .RelPermalink }}" data-pagefind-filter="topic">{{ .LinkTitle }}</a> {{ end }}
{{ range .GetTerms "people" }}<a href="{{ .RelPermalink }}" data-pagefind-filter="person">{{ .LinkTitle }}</a> {{ end }}
{{ range .GetTerms "sources" }}<a href="{{ .RelPermalink }}"
  data-pagefind-filter="source">{{ .LinkTitle }}</a> {{ end }}
{{ .Content }}</article>
<nav>{{ with .PrevInSection }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}
{{ with .NextInSection }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}</nav>{{ end }}
""",
    "_default/list.html": """{{ define "main" }}<h1>{{ .Title }}</h1>
{{ range .Paginator.Pages }}<article><h2><a href="{{ .RelPermalink }}">{{ .Title }}</a></h2>
<time>{{ .Date.Format "2 January 2006" }}</time><p>{{ .Summary }}</p></article>{{ end }}
{{ template "_internal/pagination.html" . }}{{ end }}
""",
    "index.html": """{{ define "main" }}{{ $paginator := .Paginate (where site.RegularPages "Section" "articles") }}
{{ range $paginator.Pages }}<article><h2><a href="{{ .RelPermalink }}">{{ .Title }}</a></h2>
<time>{{ .Date.Format "2 January 2006" }}</time><p>{{ .Summary }}</p></article>{{ end }}
{{ template "_internal/pagination.html" . }}{{ end }}
""",
}


def hugo_available() -> bool:
    return shutil.which("hugo") is not None


def hugo_site(archive: Path, work: Path) -> Path:
    """A Hugo site over the archive's articles (hard links, so nothing is copied)."""
    root = work / f"hugo-{archive.name.removeprefix('site-')}"
    if not (root / ".generated").exists():
        shutil.rmtree(root, ignore_errors=True)
        (root / "content").mkdir(parents=True)
        shutil.copytree(archive / "content" / "articles", root / "content" / "articles", copy_function=_link)
        (root / "hugo.toml").write_text(CONFIG)
        for name, text in LAYOUTS.items():
            path = root / "layouts" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        (root / ".generated").write_text("ok")
    return root


def hugo_command(root: Path) -> list[str]:
    return ["hugo", "--quiet", "--source", str(root), "--destination", str(root / "public"), "--cleanDestinationDir"]


def clean_hugo(root: Path) -> None:
    for folder in ("public", "resources"):
        set_aside(root / folder)


def hugo_version() -> str:
    return subprocess.run(["hugo", "version"], capture_output=True, text=True).stdout.split()[1]


def _link(source: str, destination: str) -> None:
    Path(destination).hardlink_to(source)
