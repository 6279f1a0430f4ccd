"""Benchmark the photo pipeline against Hugo's: `python bench/images.py --photos 1000`.

The corpus: N articles written as folders, each with one generated 3000x2000 JPEG (deterministic noise and
gradients, ~1.5 MB, EXIF with a GPS position). Scenarios, each the real command in a subprocess (wall time
and peak memory of the command and its children, from wait4()):

- cold, default: news-archive's default formats (AVIF, WebP, JPEG at 4 widths, 4 crops: 16 files per
  photo) over all N photos, caches emptied; then one new photo (one more article with its photo);
- cold, comparable, over the first `--compare` photos (Hugo 0.111 takes ~6 s per photo per core: the whole
  corpus would take most of an hour): news-archive with `formats = ["webp"]` (4 widths in WebP and JPEG
  plus 4 crops: 1200x630, 16x9, 4x3, 1x1 = 12 files per photo), and Hugo on the same photos with a
  template asking for the same 12 files (`Resize "Wx webp"`, `Resize "Wx jpg"`, `Fill "WxH Center jpg"`,
  Lanczos, quality 82, as ours); then one new photo for both.

Results: a Markdown table on stdout and bench/work/images-results.json.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import random
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hugo import hugo_available, hugo_version  # noqa: E402
from run import COMMAND, measure  # noqa: E402

WORK = Path(__file__).resolve().parent / "work"
WIDTHS = (480, 800, 1200, 1600)
CROPS = ("1200x630", "1200x675", "1200x900", "1200x1200")
QUALITY = 82

SITE_TOML = """\
title = "Photos"
base_url = "https://bench.example.org/"
language = "fr"

[search]
enabled = false

[images]
widths = [480, 800, 1200, 1600]
quality = 82
{formats}
"""

HUGO_CONFIG = """\
baseURL = "https://bench.example.org/"
languageCode = "fr"
title = "Photos"
disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404"]

[imaging]
quality = 82
resampleFilter = "Lanczos"
"""

HUGO_SINGLE = """<!doctype html><html><head><title>{{ .Title }}</title></head><body>
{{ $photo := .Resources.GetMatch "photo.jpg" }}
{{ range $width := slice %(widths)s }}
{{ with $photo.Resize (printf "%%dx webp" $width) }}<img src="{{ .RelPermalink }}" width="{{ .Width }}">{{ end }}
{{ with $photo.Resize (printf "%%dx jpg" $width) }}<img src="{{ .RelPermalink }}" width="{{ .Width }}">{{ end }}
{{ end }}
{{ range $size := slice %(crops)s }}
{{ with $photo.Fill (printf "%%s Center jpg" $size) }}<img src="{{ .RelPermalink }}" width="{{ .Width }}">{{ end }}
{{ end }}
{{ .Content }}</body></html>
"""


def generated_photo(number: int) -> bytes:
    """A 3000x2000 JPEG that compresses like a photo (noise over gradients), with a GPS position."""
    from PIL import Image

    rng = random.Random(number)
    noise = Image.effect_noise((750, 500), 48 + rng.randint(0, 30)).resize((3000, 2000), Image.Resampling.BICUBIC)
    gradient = Image.linear_gradient("L").rotate(rng.randint(0, 359)).resize((3000, 2000))
    fine = Image.effect_noise((3000, 2000), 20)
    picture = Image.merge("RGB", (noise, gradient, Image.blend(fine, gradient, 0.6)))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, float(number % 60)), 3: "E", 4: (2.0, 21.0, 3.0)}
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=90, exif=exif.tobytes())
    return buffer.getvalue()


def article_text(number: int) -> str:
    day = 1 + number % 28
    return (f"---\ntitle: Photo {number}\ndate: 2024-{1 + number % 12:02d}-{day:02d}\n"
            f"image: {{src: photo.jpg, alt: \"Photo de test {number}\"}}\n---\n\nLégende de la photo {number}.\n")


def corpus(photos: int) -> Path:
    """bench/work/photos-N/: the articles and their photos (made once, reused)."""
    root = WORK / f"photos-{photos}"
    if (root / ".generated").exists():
        return root
    shutil.rmtree(root, ignore_errors=True)
    for number in range(photos):
        add_photo(root, number)
    (root / ".generated").write_text("ok\n")
    return root


def add_photo(root: Path, number: int) -> None:
    folder = root / "content" / "articles" / f"photo-{number:05d}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "index.md").write_text(article_text(number), encoding="utf-8")
    (folder / "photo.jpg").write_bytes(generated_photo(number))


def ours_site(photos: Path, name: str, formats: str, count: int) -> Path:
    """A news-archive site over the first `count` photos of the corpus (hard links), with its formats."""
    root = WORK / name
    shutil.rmtree(root, ignore_errors=True)
    for folder in sorted((photos / "content" / "articles").iterdir())[:count]:
        shutil.copytree(folder, root / "content" / "articles" / folder.name, copy_function=os.link)
    (root / "site.toml").write_text(SITE_TOML.format(formats=formats), encoding="utf-8")
    return root


def hugo_site(photos: Path, count: int) -> Path:
    root = WORK / "hugo-photos"
    shutil.rmtree(root, ignore_errors=True)
    for folder in sorted((photos / "content" / "articles").iterdir())[:count]:
        shutil.copytree(folder, root / "content" / "posts" / folder.name, copy_function=os.link)
    (root / "config.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    layouts = root / "layouts" / "_default"
    layouts.mkdir(parents=True)
    (layouts / "single.html").write_text(HUGO_SINGLE % {
        "widths": " ".join(map(str, WIDTHS)), "crops": " ".join(f'"{crop}"' for crop in CROPS)}, encoding="utf-8")
    (layouts / "list.html").write_text("{{ .Title }}", encoding="utf-8")
    return root


def files_under(folder: Path, suffixes: tuple[str, ...]) -> int:
    return sum(1 for path in folder.rglob("*") if path.suffix in suffixes)


def run_ours(root: Path, photos: int) -> dict:
    shutil.rmtree(root / "output", ignore_errors=True)
    shutil.rmtree(root / ".cache", ignore_errors=True)
    cold = measure([*COMMAND, "build", "--no-search"], root)
    outputs = files_under(root / "output", (".jpg", ".webp", ".avif", ".png"))
    add_photo(root, photos)
    os.sync()  # the cold build wrote gigabytes: measured during their writeback, one photo took 22.8 s, not 3
    one = measure([*COMMAND, "build", "--no-search"], root)
    shutil.rmtree(root / "content" / "articles" / f"photo-{photos:05d}")
    return {"cold": cold, "files": outputs, "one_new": one}


def run_hugo(root: Path, photos: int) -> dict:
    for folder in ("public", "resources"):
        shutil.rmtree(root / folder, ignore_errors=True)
    command = ["hugo", "--quiet", "--gc"]
    cold = measure(command, root)
    outputs = files_under(root / "public", (".jpg", ".webp"))
    folder = root / "content" / "posts" / f"photo-{photos:05d}"
    folder.mkdir(parents=True)
    (folder / "index.md").write_text(article_text(photos), encoding="utf-8")
    (folder / "photo.jpg").write_bytes(generated_photo(photos))
    os.sync()
    one = measure(command, root)
    shutil.rmtree(folder)
    return {"cold": cold, "files": outputs, "one_new": one}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=int, default=1000)
    parser.add_argument("--compare", type=int, default=100, help="photos built by both tools for the ratio")
    args = parser.parse_args()
    cores = len(os.sched_getaffinity(0))
    photos = corpus(args.photos)
    compared = min(args.compare, args.photos)
    results: dict = {"photos": args.photos, "compared": compared, "cores": cores,
                     "python": platform.python_version()}
    steps = [("ours_default", lambda: run_ours(ours_site(photos, "photos-ours-default", "", args.photos),
                                               args.photos)),
             ("ours_webp", lambda: run_ours(ours_site(photos, "photos-ours-webp", 'formats = ["webp"]', compared),
                                            compared))]
    if hugo_available():
        results["hugo_version"] = hugo_version()
        steps.append(("hugo", lambda: run_hugo(hugo_site(photos, compared), compared)))
    for name, step in steps:
        results[name] = step()
        (WORK / "images-results.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        print(f"{name}: {results[name]}", file=sys.stderr, flush=True)
    print(table(results))


def table(results: dict) -> str:
    cores, compared = results["cores"], results["compared"]
    lines = [f"3000x2000 photos, {cores} cores", "",
             "| | photos | files | cold | photos/s/core | peak memory | one new photo |",
             "|---|---|---|---|---|---|---|"]
    names = {"ours_default": ("news-archive, AVIF + WebP + JPEG", results["photos"]),
             "ours_webp": ("news-archive, WebP + JPEG", compared),
             "hugo": (f"Hugo {results.get('hugo_version', '')}, WebP + JPEG", compared)}
    for key, (label, photos) in names.items():
        if key not in results:
            continue
        run = results[key]
        (wall, memory), (one, _) = run["cold"], run["one_new"]
        lines.append(f"| {label} | {photos} | {run['files']} | {wall:.1f} s | {photos / wall / cores:.2f} "
                     f"| {memory:.0f} MB | {one:.2f} s |")
    if "hugo" in results:
        ratio = results["ours_webp"]["cold"][0] / results["hugo"]["cold"][0]
        lines += ["", f"Cold, same files: news-archive / Hugo = {ratio:.2f}"]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
