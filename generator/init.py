"""`news-archive init`: a new site folder with a commented configuration, one example article showing every
front-matter field, an "about" page, an empty static/ folder and a .gitignore."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from generator.config import normalise_base_url
from generator.errors import UsageError


@dataclass(frozen=True)
class Words:
    """What the scaffold says, in the site's language."""

    timezone: str
    taxonomies: tuple[tuple[str, str, str, str], ...]  # name, title, singular, search filter
    article_path: str
    article: str
    page_path: str
    page: str


_FR = Words(
    timezone="Europe/Paris",
    taxonomies=(("authors", "Auteurs", "Auteur", "author"), ("topics", "Thèmes", "Thème", "topic"),
                ("people", "Personnes", "Personne", "person"), ("sources", "Sources", "Source", "source")),
    article_path="premier-article.md",
    article="""---
# Chaque champ est facultatif sauf title et date. Supprimez ce qui ne vous sert pas.
title: {title}
date: {date}
# updated: {day}                   # date de mise à jour, affichée à côté de la date
lang: fr
summary: "Un chapeau de deux phrases, montré dans les listes, les flux et les moteurs de recherche."
slug: premier-article              # l'adresse : /{year}/{month}/premier-article/
authors: [La rédaction]            # la signature : « Par ... », une page par auteur
# location: Kyiv                   # le lieu du reportage, affiché avec la date
topics: [Exemple]                  # thèmes : une page par thème, /topics/exemple/
people: []                         # personnes citées
sources:                           # sources : un nom, ou une citation complète
  - {{name: "Nom de la source", url: "https://www.example.com/document", title: "Titre du document", date: {day}}}
# image: {{src: /images/photo.jpg, alt: "Ce que montre la photo", caption: "Légende", credit: "Photo : AFP",
#         focus: [0.5, 0.3]}}
#   la photo : dans static/images/, ou à côté du texte quand l’article est un dossier (…/premier-article/index.md,
#   src: photo.jpg) ; focus : le point que les recadrages gardent ; ![description](photo.jpg "légende") dans le texte
aliases: []                        # anciennes adresses de cet article : elles redirigeront ici
draft: false                       # true : un brouillon, visible dans news-archive serve, pas sur le site publié
---

Le texte de l’article, en **Markdown** : paragraphes, *italique*, [liens](https://www.example.com/), listes,
citations et intertitres.

## Un intertitre

Prévisualisez avec `news-archive serve`, publiez avec `news-archive build`.
""",
    page_path="a-propos.md",
    page="""---
title: À propos
menu: true      # affichée dans l’en-tête du site
weight: 1       # ordre dans le menu
---

Qui publie cette archive, comment la citer, comment nous écrire.
""",
)

_EN = Words(
    timezone="UTC",
    taxonomies=(("authors", "Authors", "Author", "author"), ("topics", "Topics", "Topic", "topic"),
                ("people", "People", "Person", "person"), ("sources", "Sources", "Source", "source")),
    article_path="first-article.md",
    article="""---
# Every field is optional but title and date. Remove what you do not need.
title: {title}
date: {date}
# updated: {day}                   # when the article was last updated, shown beside its date
lang: en
summary: "A two-sentence standfirst, shown in lists, feeds and search engines."
slug: first-article                # its address: /{year}/{month}/first-article/
authors: [The newsroom]            # the byline: "By ...", one page per author
# location: Kyiv                   # where it was reported from, shown with the date
topics: [Example]                  # one page per topic: /topics/example/
people: []                         # people the article is about
sources:                           # a name, or a full citation
  - {{name: "Name of the source", url: "https://www.example.com/document", title: "Title of the document", date: {day}}}
# image: {{src: /images/photo.jpg, alt: "What the photo shows", caption: "Caption", credit: "Photo: AP",
#         focus: [0.5, 0.3]}}
#   the photo: in static/images/, or beside the text when the article is a folder (…/first-article/index.md,
#   src: photo.jpg); focus: the point crops keep; ![description](photo.jpg "caption") in the text
aliases: []                        # former addresses of this article: they will redirect here
draft: false                       # true: a draft, shown by news-archive serve, left out of the published site
---

The article's text in **Markdown**: paragraphs, *italics*, [links](https://www.example.com/), lists, quotes and
subheadings.

## A subheading

Preview with `news-archive serve`, publish with `news-archive build`.
""",
    page_path="about.md",
    page="""---
title: About
menu: true      # listed in the site's header
weight: 1       # order in the menu
---

Who publishes this archive, how to cite it, how to reach us.
""",
)

_CONFIG = """# The site's configuration; every key is described in news-archive's README ("site.toml").
title = {title}
# Where the site will be published (a sub-path works too: https://example.org/archive/). `news-archive build`
# needs it: canonical links, feeds and the sitemap carry it. `news-archive serve` does not.
base_url = {base_url}
language = "{lang}"                  # default language of the articles and of the site's own pages
timezone = "{timezone}"          # for dates written without an offset
description = ""
author = ""                         # the feeds' author
# theme = "default"                 # or a theme of your own in themes/<name>/
# paginate_by = 10                  # articles per page on the home page and the date archives
# permalink = "/{{year}}/{{month}}/{{slug}}/"

# One table per way of classifying articles: each term gets a page, a feed and a search filter.
{taxonomies}
[feeds]
enabled = true
limit = 20

[search]
enabled = true                      # Pagefind index, built by news-archive build

# [deploy]
# redirects = ["netlify"]           # redirect files for moved articles: "netlify", "nginx", "json"
"""

_TAXONOMY = """[[taxonomies]]
name = "{name}"
title = "{title}"
singular = "{singular}"
filter = "{filter}"
{byline}"""

_GITIGNORE = """# Built by news-archive: the deployable site and the build cache (deleting .cache/ is always safe).
/output/
/.cache/
"""

_WORKFLOW = """# Builds the site and publishes it with GitHub Pages on every push to main.
# In the repository's settings, set Pages > Source to "GitHub Actions".
name: Publish
on:
  push:
    branches: [main]
  workflow_dispatch:
permissions:
  contents: read
  pages: write
  id-token: write
concurrency:
  group: pages
  cancel-in-progress: false
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - name: Restore the build cache (incremental builds)
        uses: actions/cache@v4
        with:
          path: .cache
          key: news-archive-${{ github.sha }}
          restore-keys: news-archive-
      - run: pip install news-archive
      - run: news-archive build --strict
      - run: news-archive check
      - uses: actions/upload-pages-artifact@v3
        with:
          path: output
  deploy:
    needs: build
    runs-on: ubuntu-latest
    environment:
      name: github-pages
      url: ${{ steps.deployment.outputs.page_url }}
    steps:
      - id: deployment
        uses: actions/deploy-pages@v4
"""


def init_site(target: Path, now: datetime, title: str | None = None, lang: str = "fr",
              base_url: str | None = None, ci: str | None = None) -> list[Path]:
    """Write a new site into `target` (missing or empty); the files written, in order."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise UsageError(f"{target} is not empty: init writes a new site into an empty or new folder")
    if lang not in ("fr", "en"):
        raise UsageError(f"--lang {lang!r}: choose fr or en")
    url = normalise_base_url(base_url or "https://example.org/")
    if url is None:
        raise UsageError(f"--base-url {base_url!r}: use an absolute http(s) URL such as https://example.org/")
    words = _FR if lang == "fr" else _EN
    title = " ".join((title or ("Mon archive" if lang == "fr" else "My archive")).split())
    local = now.replace(microsecond=0)
    files = {
        "site.toml": _CONFIG.format(
            title=json.dumps(title, ensure_ascii=False), base_url=json.dumps(url), lang=lang,
            timezone=words.timezone, taxonomies="\n".join(
                _TAXONOMY.format(name=n, title=t, singular=s, filter=f,
                                 byline="byline = true      # signs the articles: bylines, feeds, structured data\n"
                                 if n == "authors" else "")
                for n, t, s, f in words.taxonomies)),
        f"content/articles/{local.year}/{words.article_path}": words.article.format(
            title=json.dumps("Premier article" if lang == "fr" else "First article"), date=local.isoformat(),
            day=local.date().isoformat(), year=f"{local.year:04d}", month=f"{local.month:02d}"),
        f"content/pages/{words.page_path}": words.page,
        ".gitignore": _GITIGNORE,
    }
    if ci == "github":
        files[".github/workflows/publish.yml"] = _WORKFLOW
    elif ci is not None:
        raise UsageError(f"--ci {ci!r}: the one supported value is github")
    written = []
    for relative, text in files.items():
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    (target / "static").mkdir()
    return written
