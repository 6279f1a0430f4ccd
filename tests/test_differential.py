"""Random sequences of edits (seeded): after each one, the command line's incremental build and a
long-lived preview session both give, byte for byte, what a clean build of the same input gives."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest
from conftest import NOW, Site, article, build_site, config_with

from generator.options import BuildOptions
from generator.preview.session import PreviewSession
from generator.report import RecordingReporter

_TOPICS = ["Starlink", "Russie", "Twitter", "Taïwan"]
_PEOPLE = ["Elon Musk", "Vladimir Poutine", "Xi Jinping"]


class Archive:
    """A small site whose articles are kept as field dictionaries, so that edits can change one field."""

    def __init__(self, site: Site, chooser: random.Random):
        self.site = site
        self.chooser = chooser
        self.articles: dict[str, dict[str, str]] = {}
        self.serial = 0
        site.write({"site.toml": config_with('theme = "maison"\ndescription = "Une archive"'),
                    "themes/maison/theme.toml": 'extends = "default"\n',
                    "themes/maison/templates/404.html": '{% extends "base.html" %}{% block main %}Perdu{% endblock %}'})
        for _ in range(8):
            self.new_article()

    def _fields(self) -> dict[str, str]:
        self.serial += 1
        pick = self.chooser
        return {"title": f"Article {self.serial}",
                "date": f"2024-{pick.randrange(7, 11):02d}-{pick.randrange(1, 28):02d}",
                "slug": f"article-{self.serial}", "topics": f"[{pick.choice(_TOPICS)}]",
                "people": f"[{pick.choice(_PEOPLE)}]", "sources": "[Le Monde]",
                "body": f"Premier paragraphe {self.serial}.\n\n## Partie\n\nSuite {self.serial}."}

    def save(self, path: str) -> set[str]:
        self.site.write({path: article(**self.articles[path])})
        return {path}

    # Each edit returns the paths it touched (relative to the site), as the preview's watcher reports them.

    def new_article(self) -> set[str]:
        path = f"content/articles/a{self.serial + 1:03d}.md"
        self.articles[path] = self._fields()
        return self.save(path)

    def delete_article(self) -> set[str]:
        if len(self.articles) < 4:
            return self.new_article()
        path = self.chooser.choice(sorted(self.articles))
        del self.articles[path]
        self.site.remove(path)
        return {path}

    def rename_article(self) -> set[str]:
        old = self.chooser.choice(sorted(self.articles))
        new = old.replace(".md", "-r.md")
        self.articles[new] = self.articles.pop(old)
        (self.site.root / old).rename(self.site.root / new)
        return {old, new}

    def edit_field(self) -> set[str]:
        path = self.chooser.choice(sorted(self.articles))
        fields, pick, step = self.articles[path], self.chooser, self.serial
        name = pick.choice(["title", "summary", "body", "updated", "lang", "image", "sources", "date", "slug",
                            "topics", "people", "draft", "aliases"])
        self.serial += 1
        fields[name] = {
            "title": f"Titre {step}", "summary": f"Résumé {step}", "updated": f"2024-12-{step % 28 + 1:02d}",
            "body": pick.choice(["Court.", f"Paragraphe {step}.\n\n## Titre\n\n*Suite* {step}.",
                                 " ".join(["mot"] * 600)]),
            "lang": pick.choice(["fr", "en"]), "image": f"/images/{step}.jpg",
            "sources": pick.choice(["[Le Monde]", "[Reuters]",
                                    '[{name: Le Monde, url: "https://www.lemonde.fr/x", title: Un titre}]']),
            "date": f"2024-{pick.randrange(7, 11):02d}-{pick.randrange(1, 28):02d}", "slug": f"deplace-{step}",
            "topics": f"[{pick.choice(_TOPICS)}, {pick.choice(_TOPICS)}]", "people": f"[{pick.choice(_PEOPLE)}]",
            "draft": pick.choice(["true", "false"]), "aliases": f"[/ancien/{step}/]",
        }[name]
        return self.save(path)

    def photo_article(self) -> set[str]:
        """A new article written as a folder, with a lead photo and a photo in its body."""
        self.serial += 1
        folder = f"content/articles/dossier-{self.serial}/"
        fields = {**self._fields(), "image": f'{{src: une.jpg, alt: "Photo {self.serial}", credit: "Photo : X"}}',
                  "body": f"Texte {self.serial}.\n\n![Détail {self.serial}](detail.png \"Légende\")"}
        self.site.write({folder + "index.md": article(**fields), folder + "une.jpg": self._photo("JPEG"),
                         folder + "detail.png": self._photo("PNG")})
        return {folder + "index.md", folder + "une.jpg", folder + "detail.png"}

    def replace_photo(self) -> set[str]:
        """Another photo under the same name, in an article written as a folder."""
        folders = sorted(path.parent for path in self.site.root.glob("content/articles/dossier-*/une.jpg"))
        if not folders:
            return self.photo_article()
        path = self.chooser.choice(folders) / "une.jpg"
        path.write_bytes(self._photo("JPEG"))
        return {path.relative_to(self.site.root).as_posix()}

    def delete_photo_article(self) -> set[str]:
        folders = sorted(self.site.root.glob("content/articles/dossier-*"))
        if not folders:
            return self.photo_article()
        folder = self.chooser.choice(folders)
        changed = {path.relative_to(self.site.root).as_posix() for path in folder.iterdir()}
        shutil.rmtree(folder)
        return changed

    def _photo(self, kind: str) -> bytes:
        import io

        from PIL import Image

        size = (self.chooser.randrange(300, 900), self.chooser.randrange(200, 600))
        picture = Image.linear_gradient("L").rotate(self.chooser.randrange(360)).resize(size).convert("RGB")
        buffer = io.BytesIO()
        picture.save(buffer, kind)
        return buffer.getvalue()

    def term_file(self) -> set[str]:
        path = "content/topics/starlink.md"
        if (self.site.root / path).exists() and self.chooser.random() < 0.4:
            self.site.remove(path)
        else:
            self.site.write({path: f"---\ntitle: Starlink\ndescription: Satellites {self.serial}\n---\n\nCorps.\n"})
        self.serial += 1
        return {path}

    def standalone_page(self) -> set[str]:
        path = "content/pages/a-propos.md"
        self.site.write({path: f"---\ntitle: À propos\nmenu: true\n---\n\nVersion {self.serial}.\n"})
        self.serial += 1
        return {path}

    def template(self) -> set[str]:
        path = "themes/maison/templates/404.html"
        self.site.write({path: f'{{% extends "base.html" %}}{{% block main %}}Perdu {self.serial}{{% endblock %}}\n'})
        self.serial += 1
        return {path}

    def config(self) -> set[str]:
        per_page = self.chooser.choice([2, 3, 10])
        self.site.write({"site.toml": config_with(f'theme = "maison"\ndescription = "Une archive"\n'
                                                  f'paginate_by = {per_page}')})
        return {"site.toml"}

    EDITS = ("edit_field", "edit_field", "edit_field", "edit_field", "new_article", "delete_article",
             "rename_article", "term_file", "standalone_page", "template", "config", "photo_article",
             "replace_photo", "delete_photo_article")


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _clean_tree(site: Site, tmp_path: Path) -> dict[str, bytes]:
    copy = tmp_path / "clean"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(site.root, copy, ignore=shutil.ignore_patterns("output", ".cache", "preview-out"))
    history = site.root / ".cache/permalinks.json"  # the same publication history: moved URLs redirect
    if history.exists():
        (copy / ".cache").mkdir()
        shutil.copy(history, copy / ".cache/permalinks.json")
    build_site(copy)
    return _tree(copy / "output")


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_random_edit_sequences_build_what_a_clean_build_gives(seed, site, tmp_path):
    chooser = random.Random(seed)
    archive = Archive(site, chooser)
    session = PreviewSession()
    options = BuildOptions(overrides={"output_dir": site.root / "preview-out"}, now=NOW)
    session.rebuild(site.root, options, RecordingReporter())
    site.build()
    quick = 0
    for step in range(15):
        edit = chooser.choice(Archive.EDITS)
        changed = getattr(archive, edit)()
        content_only = all(path.startswith("content/") for path in changed)
        result = session.rebuild(site.root, options, RecordingReporter(), changed=changed if content_only else None)
        quick += result.quick
        site.build()
        clean = _clean_tree(site, tmp_path)
        assert site.files() == clean, f"seed {seed}, step {step}: {edit} (command line)"
        assert _tree(site.root / "preview-out") == clean, f"seed {seed}, step {step}: {edit} (preview session)"
    assert quick >= 1  # the quick path is part of what was compared


def test_a_command_line_build_in_the_folder_of_a_running_preview_leaves_its_next_edit_correct(site, tmp_path):
    # Both share .cache/: the command line compacts the body store, dropping the packs the preview's kept
    # model (and the body its quick path just parsed) read from. The preview must notice, not fail.
    archive = Archive(site, random.Random(7))
    session = PreviewSession()
    options = BuildOptions(overrides={"output_dir": site.root / "preview-out"}, now=NOW)
    session.rebuild(site.root, options, RecordingReporter())
    quick = []
    for version in range(12):  # enough replaced bodies for the command line to compact the store
        path = sorted(archive.articles)[version % 4]
        archive.articles[path]["body"] = f"Version {version}."
        archive.save(path)
        quick.append(session.rebuild(site.root, options, RecordingReporter(), changed={path}).quick)
        site.build()
    assert any(quick) and not all(quick)  # the quick path ran, and stepped aside once the store was compacted
    path = sorted(archive.articles)[0]
    archive.articles[path]["body"] = "Dernière version."
    archive.save(path)
    session.rebuild(site.root, options, RecordingReporter(), changed={path})
    assert _tree(site.root / "preview-out") == _clean_tree(site, tmp_path)
