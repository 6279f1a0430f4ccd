"""Photos: page bundles, the responsive pipeline, credits, sharing crops, metadata removal, bad photos,
incremental and parallel processing. Every output photo is read back with Pillow."""

from __future__ import annotations

import io
import json
import re
import struct
import zlib
from pathlib import Path

import feedparser
import pytest
from conftest import ROOT, Site, article, build_site, config_with
from PIL import Image, ImageCms, PngImagePlugin, features

from generator.errors import BuildFailed
from generator.preview.watch import classify

BUNDLE = "content/articles/2024/10/musk-poutine/"
PAGE = "2024/10/musk-poutine/"
MODERN = ["webp"] + (["avif"] if features.check("avif") else [])
SECRETS = (b"SERIAL-4417-XYZ", b"Jeanne Proprietaire", b"Canon EOS Secret", b"adobe:ns:meta")


def photo(width: int = 3000, height: int = 2000, kind: str = "JPEG", exif: Image.Exif | None = None,
          **options) -> bytes:
    """A photo with a gradient (so that crops differ), in `kind`, with the given EXIF block."""
    gradient = Image.linear_gradient("L").resize((width, height))
    picture = Image.merge("RGB", (gradient, gradient.transpose(Image.Transpose.FLIP_LEFT_RIGHT), gradient))
    buffer = io.BytesIO()
    if exif is not None:
        options["exif"] = exif.tobytes()
    picture.save(buffer, kind, **options)
    return buffer.getvalue()


def revealing_photo() -> bytes:
    """A JPEG as a source's phone writes it: GPS position, camera serial, owner, dates, XMP, a colour profile."""
    exif = Image.Exif()
    exif[0x010F] = "Canon EOS Secret"  # make
    exif[0x013B] = "Jeanne Proprietaire"  # artist
    exif[0x8298] = "(c) Jeanne Proprietaire"  # copyright
    exif[0x0132] = "2024:10:25 08:15:00"  # date and time
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)}  # GPS
    exif.get_ifd(0x8769)[0xA431] = "SERIAL-4417-XYZ"  # body serial number
    exif.get_ifd(0x8769)[0xA430] = "Jeanne Proprietaire"  # camera owner
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description>SERIAL-4417-XYZ</rdf:Description>' \
          b'</rdf:RDF></x:xmpmeta>'
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()
    return photo(2400, 1600, exif=exif, xmp=xmp, icc_profile=profile, quality=90)


def bundle_article(body: str = "Premier paragraphe.", **fields) -> str:
    fields.setdefault("image", '{src: une.jpg, alt: "Une antenne sur un toit", caption: "Une antenne Starlink", '
                               'credit: "Photo : AFP / Jeanne Martin"}')
    return article(title="Musk et Poutine", date="2024-10-25", body=body, topics="[Starlink]", **fields)


def photos_site(site: Site, **fields) -> Site:
    body = fields.pop("body", 'Premier paragraphe.\n\n![Antenne sur un toit](antenne.png "L\'antenne")'
                              '{credit="Photo : Reuters"}\n\nVoir [le rapport](rapport.pdf).')
    return site.write({BUNDLE + "index.md": bundle_article(body, **fields), BUNDLE + "une.jpg": photo(),
                       BUNDLE + "antenne.png": photo(1000, 700, "PNG"), BUNDLE + "rapport.pdf": b"%PDF-1.4\n%%EOF\n"})


def _images(output: Path, folder: str) -> dict[str, Image.Image]:
    return {path.name: Image.open(path) for path in sorted((output / folder).iterdir())
            if path.suffix in (".jpg", ".png", ".webp", ".avif", ".gif")}


def _tags(html: str, tag: str) -> list[str]:
    return re.findall(rf"<{tag}\b[^>]*>", html)


# --- Bundles and the responsive set ------------------------------------------------------------------------


def test_a_bundle_publishes_its_photos_at_each_width_and_format_under_the_article_url(site):
    photos_site(site).build()
    images = _images(site.output, PAGE)
    for width in (480, 800, 1200, 1600):  # the photo is 3000 wide: every configured width, none larger
        assert images[f"une-{width}.jpg"].size == (width, round(2000 * width / 3000))
        for kind in MODERN:
            assert images[f"une-{width}.{kind}"].size == (width, round(2000 * width / 3000))
            assert images[f"une-{width}.{kind}"].format == kind.upper()
    # Never upscaled: the 1000-pixel PNG gives 480, 800 and its own 1000, in PNG (its format) and WebP.
    assert sorted(name for name in images if name.startswith("antenne-") and name.endswith(".png")) == \
        ["antenne-1000.png", "antenne-480.png", "antenne-800.png"]
    assert images["antenne-1000.webp"].size == (1000, 700)
    # The originals are not published (they carry their metadata); the attachment is, as it is.
    assert not (site.output / PAGE / "une.jpg").exists() and not (site.output / PAGE / "antenne.png").exists()
    assert (site.output / PAGE / "rapport.pdf").read_bytes() == b"%PDF-1.4\n%%EOF\n"


def test_the_page_gives_every_image_its_size_and_loads_the_lead_image_first(site):
    photos_site(site).build()
    html = site.read(PAGE + "index.html")
    imgs = _tags(html, "img")
    assert len(imgs) == 2
    assert all(re.search(r'\bwidth="\d+"', img) and re.search(r'\bheight="\d+"', img) for img in imgs)
    lead, body = imgs
    assert 'fetchpriority="high"' in lead and "loading=" not in lead
    assert 'loading="lazy"' in body and 'decoding="async"' in body
    assert f'src="/{PAGE}une-800.jpg"' in lead and "une-1600.jpg 1600w" in lead and 'sizes="' in lead
    sources = _tags(html, "source")
    # The smallest format first: browsers take the first <source> they can show.
    assert [re.search(r'type="([^"]+)"', s).group(1) for s in sources[:len(MODERN)]] == \
        [f"image/{kind}" for kind in sorted(MODERN, key=("avif", "webp").index)]
    assert 'srcset="antenne-480.webp 480w, antenne-800.webp 800w, antenne-1000.webp 1000w"' in html
    assert '<a href="rapport.pdf">le rapport</a>' in html


def test_captions_and_credits_show_on_the_page_in_figures_and_in_the_feed(site):
    photos_site(site).build()
    html = site.read(PAGE + "index.html")
    assert re.search(r'<figure class="article-image">\s*<picture>.*?</picture>\s*<figcaption>Une antenne Starlink '
                     r'<span class="credit">Photo : AFP / Jeanne Martin</span></figcaption>', html, re.DOTALL)
    assert re.search(r'<figure class="figure"><picture>.*?</picture><figcaption>L\'antenne <span class="credit">'
                     r'Photo : Reuters</span></figcaption></figure>', html, re.DOTALL)
    feed = feedparser.parse(site.read("feed.xml"))
    entry = feed.entries[0]
    assert entry.media_content[0]["url"] == f"https://example.org/{PAGE}une-1200.jpg"
    assert entry.media_content[0]["width"] == "1200"
    assert entry.media_credit[0]["content"] == "Photo : AFP / Jeanne Martin"
    content = next(part.value for part in entry.content if part.type == "text/html")
    assert "Une antenne Starlink Photo : AFP / Jeanne Martin" in content and 'alt="Une antenne sur un toit"' in content


def test_lists_show_each_article_photo_cropped_around_its_focus(site):
    photos_site(site, image='{src: une.jpg, alt: "Une antenne", focus: [0.25, 0.75]}').build()
    home = site.read("index.html")
    card = _tags(home, "img")[0]
    assert 'class="card-image"' in card and 'alt=""' in card and 'object-position: 25.0% 75.0%' in card
    assert 'fetchpriority="high"' in card  # the home page's first story is its largest paint
    term = site.read("topics/starlink/index.html")
    assert 'class="card-image"' in term and 'loading="lazy"' in term


def test_sharing_and_structured_data_get_crops_of_the_required_shapes_around_the_focus(site):
    left_dark = Image.new("RGB", (3000, 2000), "white")
    left_dark.paste((0, 0, 0), (0, 0, 1000, 2000))
    buffer = io.BytesIO()
    left_dark.save(buffer, "JPEG", quality=95)
    site.write({BUNDLE + "index.md": bundle_article(image='{src: une.jpg, alt: "Un mur", focus: [0, 0.5]}'),
                BUNDLE + "une.jpg": buffer.getvalue()}).build()
    html = site.read(PAGE + "index.html")
    assert f'<meta property="og:image" content="https://example.org/{PAGE}une-og.jpg">' in html
    assert '<meta property="og:image:width" content="1200">' in html and \
        '<meta property="og:image:height" content="630">' in html
    assert '<meta property="og:image:alt" content="Un mur">' in html
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.DOTALL).group(1))
    shapes = {(item["width"], item["height"]) for item in data["image"]}
    assert shapes == {(1200, 675), (1200, 900), (1200, 1200)}
    images = _images(site.output, PAGE)
    for item in data["image"]:
        name = item["url"].rsplit("/", 1)[1]
        assert images[name].size == (item["width"], item["height"])
        assert item["width"] * item["height"] >= 50_000
    assert images["une-og.jpg"].size == (1200, 630)
    # Focus on the left edge: the square crop starts at the dark third, which fills half of it.
    square = images["une-1x1.jpg"].convert("L")
    assert square.getpixel((100, 600)) < 40 and square.getpixel((1100, 600)) > 215


def test_the_site_default_image_is_shared_for_articles_without_one(site):
    site.write({"site.toml": with_images_config(site, 'default = "/images/defaut.png"'),
        "static/images/defaut.png": photo(1600, 1000, "PNG"),
        "content/articles/sans-photo.md": article(title="Sans photo")}).build()
    html = site.read("2024/10/sans-photo/index.html")
    assert '<meta property="og:image" content="https://example.org/images/defaut-og.jpg">' in html
    assert Image.open(site.output / "images/defaut-og.jpg").size == (1200, 630)
    assert "<picture>" not in html  # shared, not shown


def test_links_to_pages_are_left_as_written_and_a_link_to_a_photo_gets_its_largest_rendition(site):
    body = "Voir [l'article d'avant](../autre-article/), [la photo en grand](une.jpg) et [l'accueil](/)."
    photos_site(site, body=body).build()
    html = site.read(PAGE + "index.html")
    assert '<a href="../autre-article/">' in html and '<a href="une-1600.jpg">la photo en grand</a>' in html
    assert '<a href="/">' in html


def test_a_single_file_article_shows_a_photo_of_static(site):
    site.write({"content/articles/simple.md": article(title="Simple", image='{src: /images/une.jpg, alt: "Une"}'),
                "static/images/une.jpg": photo(900, 600)}).build()
    html = site.read("2024/10/simple/index.html")
    assert 'src="/2024/10/simple/une-800.jpg"' in html
    assert Image.open(site.output / "2024/10/simple/une-900.webp").size == (900, 600)


# --- Metadata --------------------------------------------------------------------------------------------


def test_no_published_file_keeps_the_position_serial_owner_or_profile_of_a_photo(site):
    site.write({BUNDLE + "index.md": bundle_article(), BUNDLE + "une.jpg": revealing_photo()}).build()
    published = [path for path in (site.output / PAGE).iterdir() if path.suffix != ".html"]
    assert len(published) > 10
    for path in published:
        data = path.read_bytes()
        assert not any(secret in data for secret in SECRETS), path.name
        picture = Image.open(path)
        assert not picture.getexif() and "icc_profile" not in picture.info and "xmp" not in picture.info, path.name
    for path in (site.root / ".cache/images").rglob("*.*"):
        assert not any(secret in path.read_bytes() for secret in SECRETS)


def _revealing_exif(orientation: int | None = None) -> Image.Exif:
    exif = Image.open(io.BytesIO(revealing_photo())).getexif()
    if orientation:
        exif[0x0112] = orientation
    return exif


def test_photos_of_static_are_published_without_their_metadata_and_otherwise_byte_for_byte(site):
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">SERIAL-4417-XYZ</x:xmpmeta>'
    second = photo(160, 120, exif=_revealing_exif())  # what a phone appends after the picture (MPF)
    jpeg = photo(1200, 800, exif=_revealing_exif(orientation=6), xmp=xmp, quality=90, progressive=True)
    png = Image.linear_gradient("L").resize((300, 200))
    png_info = PngImagePlugin.PngInfo()
    png_info.add_text("Author", "Jeanne Proprietaire")
    png_buffer = io.BytesIO()
    png.save(png_buffer, "PNG", pnginfo=png_info, exif=_revealing_exif().tobytes())
    webp = photo(300, 200, "WEBP", exif=_revealing_exif(), xmp=xmp, lossless=True)
    plain = photo(300, 200)
    site.write({"static/photos/toit.jpg": jpeg + second, "static/photos/schema.png": png_buffer.getvalue(),
                "static/photos/carte.webp": webp, "static/photos/simple.jpg": plain,
                "content/articles/a.md": article()}).build()
    for name, source in (("toit.jpg", jpeg), ("schema.png", png_buffer.getvalue()), ("carte.webp", webp)):
        data = (site.output / "photos" / name).read_bytes()
        assert not any(secret in data for secret in SECRETS), name
        published, original = Image.open(io.BytesIO(data)), Image.open(io.BytesIO(source))
        assert published.tobytes() == original.tobytes(), name  # not re-encoded
        assert "xmp" not in published.info and "Author" not in published.info, name
    upright = Image.open(site.output / "photos/toit.jpg")
    assert dict(upright.getexif()) == {0x0112: 6}  # the orientation alone: it still shows upright
    assert not Image.open(site.output / "photos/carte.webp").getexif()
    assert (site.output / "photos/simple.jpg").read_bytes() == plain  # nothing to remove: as it is


def test_a_static_picture_whose_metadata_cannot_be_removed_stops_the_build_with_the_fix(site):
    gif = io.BytesIO()
    Image.new("P", (40, 30)).save(gif, "GIF", comment=b"Jeanne Proprietaire, rue des Lilas")
    site.write({"static/anim.gif": gif.getvalue(), "content/articles/a.md": article()})
    [error] = [error for error in site.build_errors() if ": warning: " not in error]
    assert error.startswith("static/anim.gif: it carries a comment")
    assert "exiftool -all= static/anim.gif" in error and not site.output.exists()


def test_a_colour_profile_is_converted_to_srgb_before_it_is_dropped(site):
    # Pixels in a wide-gamut profile are converted, not reinterpreted: a Lab photo of mid-grey stays grey.
    lab = Image.new("LAB", (800, 600), (128, 128, 128))
    rgb = ImageCms.applyTransform(lab, ImageCms.buildTransform(ImageCms.createProfile("LAB"),
                                                                ImageCms.createProfile("sRGB"), "LAB", "RGB"))
    buffer = io.BytesIO()
    wide = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    rgb.save(buffer, "JPEG", icc_profile=wide, quality=95)
    site.write({BUNDLE + "index.md": bundle_article(), BUNDLE + "une.jpg": buffer.getvalue()}).build()
    out = Image.open(site.output / PAGE / "une-480.jpg")
    assert "icc_profile" not in out.info
    assert all(abs(channel - rgb.getpixel((10, 10))[0]) < 8 for channel in out.convert("RGB").getpixel((10, 10)))


def with_images_config(site: Site, table: str) -> str:
    return site.root.joinpath("site.toml").read_text().replace(
        'timezone = "Europe/Paris"\n', f'timezone = "Europe/Paris"\n\n[images]\n{table}\n', 1)


def test_the_copyright_line_is_kept_only_when_the_site_asks(site):
    site.write({BUNDLE + "index.md": bundle_article(), BUNDLE + "une.jpg": revealing_photo(),
                "site.toml": with_images_config(site, "keep_copyright = true")})
    site.build()
    for name in ("une-800.jpg", "une-800.webp", "une-og.jpg"):
        exif = Image.open(site.output / PAGE / name).getexif()
        assert exif.get(0x8298) == "(c) Jeanne Proprietaire" and exif.get(0x013B) == "Jeanne Proprietaire"
        assert set(exif) == {0x8298, 0x013B}  # not the GPS block, the serial, the camera or the date
        assert b"SERIAL-4417-XYZ" not in (site.output / PAGE / name).read_bytes()


def test_exif_orientation_is_applied_to_the_pixels_and_the_sizes(site):
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated 90°: stored 1200 x 800, shown 800 x 1200
    site.write({BUNDLE + "index.md": bundle_article(), BUNDLE + "une.jpg": photo(1200, 800, exif=exif)}).build()
    out = Image.open(site.output / PAGE / "une-800.jpg")
    assert out.size == (800, 1200) and not out.getexif()
    assert 'width="800" height="1200"' in _tags(site.read(PAGE + "index.html"), "img")[0]


def test_small_photos_and_animations_pass_through(site):
    frames = [Image.new("RGB", (120, 90), color) for color in ("red", "green", "blue")]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0,
                   comment=b"Jeanne Proprietaire")
    body = "![Petite](petite.jpg)\n\n![Une animation](anim.gif)"
    site.write({BUNDLE + "index.md": bundle_article(body), BUNDLE + "une.jpg": photo(),
                BUNDLE + "petite.jpg": photo(300, 200), BUNDLE + "anim.gif": buffer.getvalue()}).build()
    images = _images(site.output, PAGE)
    assert sorted(name for name in images if name.startswith("petite-") and "x" not in name and "og" not in name) \
        == sorted(["petite-300.jpg"] + [f"petite-300.{kind}" for kind in MODERN])
    animation = images["anim.gif"]
    assert animation.n_frames == 3 and animation.info.get("loop") == 0
    assert "comment" not in animation.info and b"Jeanne" not in (site.output / PAGE / "anim.gif").read_bytes()
    html = site.read(PAGE + "index.html")
    assert 'src="anim.gif"' in html and "anim.gif 120w" not in html


# --- Bad input --------------------------------------------------------------------------------------------


def _bomb_png(width: int = 40_000, height: int = 40_000) -> bytes:
    """A PNG header claiming 40,000 x 40,000 pixels, in a few bytes: decoding it would need 1.6 GB."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 1024)) \
        + chunk(b"IEND", b"")


def test_bad_photos_are_located_errors_collected_in_one_build(site):
    body = ("Texte.\n\n![Bombe](bombe.png)\n\n![Faux](faux.jpg)\n\n![Dessin](dessin.svg)\n\n"
            "![Fuite](../../../../../../etc/hostname)\n\n![Absente](absente.jpg)\n\n[Annexe](annexe.pdf)")
    site.write({BUNDLE + "index.md": bundle_article(body), BUNDLE + "une.jpg": photo(800, 600),
                BUNDLE + "bombe.png": _bomb_png(), BUNDLE + "faux.jpg": b"<html>not a photo</html>",
                BUNDLE + "dessin.svg": b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"})
    errors = site.build_errors()
    text = "\n".join(errors)
    where = f"{BUNDLE}index.md"
    # Each at the reference, line and column, in one build.
    assert f"{where}:10:10: {BUNDLE}bombe.png is 40,000 x 40,000 pixels, over the limit" in text
    assert f"{where}:12:9: {BUNDLE}faux.jpg is not a readable image" in text
    assert f"{where}:14:11: {BUNDLE}dessin.svg is an SVG image, which can carry scripts" in text
    assert f"{where}:16:10: '../../../../../../etc/hostname' leaves the article's folder" in text
    assert f"{where}:18:12: 'absente.jpg' does not exist in {BUNDLE}" in text
    assert f"{where}:20:10: 'annexe.pdf' does not exist" in text
    assert len([error for error in errors if ": warning: " not in error]) == 6 and "Traceback" not in text
    assert not site.output.exists()  # nothing written


def test_a_truncated_photo_fails_the_build_naming_the_article_and_the_file(site):
    data = photo(1600, 1200)
    site.write({BUNDLE + "index.md": bundle_article(), BUNDLE + "une.jpg": data[: len(data) // 2]})
    errors = site.build_errors()
    assert len(errors) == 1
    assert errors[0].startswith(f"{BUNDLE}index.md: {BUNDLE}une.jpg: cannot be processed "
                                "(the file is truncated)")
    assert not site.output.exists()


def test_a_decompression_bomb_is_refused_in_bounded_memory(tmp_path):
    import subprocess
    import sys

    site = Site(tmp_path / "bomb")
    site.write({BUNDLE + "index.md": bundle_article(), BUNDLE + "une.jpg": _bomb_png(40_000, 40_000)})
    # The build's own peak (VmHWM of the process after exec; rusage would count the forked test runner).
    script = ("import sys; from generator.cli import main; code = main(); "
              "print(next(line for line in open('/proc/self/status') if line.startswith('VmHWM')), file=sys.stderr); "
              "sys.exit(code)")
    run = subprocess.run([sys.executable, "-c", script, "build", "--root", str(site.root)], capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert "une.jpg is 40,000 x 40,000 pixels, over the limit" in run.stderr
    peak_kb = int(re.search(r"VmHWM:\s+(\d+) kB", run.stderr).group(1))
    assert peak_kb < 200 * 1024  # decoding it would take 4.8 GB


def test_missing_alt_text_is_a_warning_and_an_error_under_strict_and_an_empty_alt_is_decorative(site):
    site.write({BUNDLE + "index.md": bundle_article(image="une.jpg", body="![](une.jpg)"),
                BUNDLE + "une.jpg": photo(1200, 800)})
    result = site.build()
    assert sorted((w.line, w.message) for w in result.warnings) == [
        (5, "the image has no 'alt' text"), (8, "the image 'une.jpg' has no alt text")]
    assert len(site.build_errors(strict=True)) == 2
    site.write({BUNDLE + "index.md": bundle_article(image='{src: une.jpg, alt: ""}')})
    assert site.build().warnings == []


def test_a_relative_photo_of_a_single_file_article_is_a_warning_with_the_fix(site):
    site.write({"content/articles/simple.md": article(image='{src: une.jpg, alt: "Une"}')})
    [warning] = site.build().warnings
    assert "'une.jpg' is relative, but this article is a single file" in warning.message
    assert "…/slug/index.md" in warning.hint


# --- Incremental, parallel, deterministic ------------------------------------------------------------------


def _stamps(folder: Path) -> dict[str, int]:
    return {path.name: path.stat().st_mtime_ns for path in folder.iterdir() if path.suffix != ".html"}


def test_a_text_edit_touches_no_photo_and_a_new_photo_processes_only_itself(site):
    photos_site(site).build()
    site.write({"content/articles/2024/10/autre/index.md": article(title="Autre", image='{src: a.jpg, alt: "A"}'),
                "content/articles/2024/10/autre/a.jpg": photo(1000, 800)})
    site.build()
    before = _stamps(site.output / PAGE)
    cache_before = {path: path.stat().st_mtime_ns for path in (site.root / ".cache/images").rglob("*.*")}
    site.write({BUNDLE + "index.md": bundle_article("Premier paragraphe, corrigé.\n\n![Antenne](antenne.png)")})
    result = site.build()
    assert result.parsed == 1 and _stamps(site.output / PAGE) == before
    assert {path: path.stat().st_mtime_ns for path in (site.root / ".cache/images").rglob("*.*")} == cache_before
    assert any("photo(s) to process" in line for line in site.reporter.messages) is False
    # A new photo for the other article: only its renditions are made and written.
    site.write({"content/articles/2024/10/autre/a.jpg": photo(1100, 800)})
    site.build()
    assert any("1 photo(s) to process" in line for line in site.reporter.messages)
    assert _stamps(site.output / PAGE) == before
    assert Image.open(site.output / "2024/10/autre/a-1100.jpg").size == (1100, 800)
    assert not (site.output / "2024/10/autre/a-1000.jpg").exists()


def test_parallel_processing_gives_the_same_bytes_as_one_process(site, tmp_path):
    photos_site(site)
    site.write({f"content/articles/2024/09/p{n}/index.md": article(title=f"P{n}", date="2024-09-10",
                                                                   image='{src: p.jpg, alt: "P"}')
                for n in range(3)})
    site.write({f"content/articles/2024/09/p{n}/p.jpg": photo(1300 + n * 10, 900) for n in range(3)})
    build_site(site.root, {"output_dir": tmp_path / "one"}, jobs=1)
    (site.root / ".cache").rename(tmp_path / "first-cache")
    build_site(site.root, {"output_dir": tmp_path / "two"}, jobs=2)
    one = {p.relative_to(tmp_path / "one"): p.read_bytes() for p in (tmp_path / "one").rglob("*") if p.is_file()}
    two = {p.relative_to(tmp_path / "two"): p.read_bytes() for p in (tmp_path / "two").rglob("*") if p.is_file()}
    assert one == two and sum(1 for path in one if path.suffix == ".avif" or path.suffix == ".webp") > 30


def test_published_renditions_are_links_to_the_cache_and_survive_it_being_emptied(site):
    photos_site(site).build()
    cached = {path.stat().st_ino: path for path in (site.root / ".cache/images").rglob("*.*")}
    published = [path for path in (site.output / PAGE).iterdir() if path.suffix in (".jpg", ".webp", ".avif")]
    assert published and all(path.stat().st_ino in cached for path in published)  # the disk holds them once
    assert all(path.stat().st_nlink == 2 for path in published)
    before = {path.name: (path.stat().st_ino, path.stat().st_mtime_ns) for path in published}
    # The cache emptied: its files are made again, the published ones (same bytes) stay as they are.
    import shutil

    shutil.rmtree(site.root / ".cache/images")
    photos_site(site, summary="Un résumé corrigé.").build()
    assert {path.name: (path.stat().st_ino, path.stat().st_mtime_ns) for path in published} == before
    assert any((site.root / ".cache/images").rglob("*.jpg"))


def test_a_new_photo_is_linked_in_place_and_a_removed_one_is_pruned_from_the_site_and_the_cache(site):
    photos_site(site).build()
    site.write({"content/articles/2024/10/autre/index.md": article(title="Autre", image='{src: a.jpg, alt: "A"}'),
                "content/articles/2024/10/autre/a.jpg": photo(1000, 800)})
    result = site.build()
    assert result.write.in_place and "2024/10/autre/a-1000.jpg" in result.write.written
    new = site.output / "2024/10/autre/a-1000.jpg"
    assert new.stat().st_nlink == 2 and Image.open(new).size == (1000, 800)
    cached = sorted(path.name for path in (site.root / ".cache/images").rglob("*.*"))
    import shutil

    shutil.rmtree(site.root / "content/articles/2024/10/autre")
    site.build()
    assert not (site.output / "2024/10/autre").exists()
    remaining = sorted(path.name for path in (site.root / ".cache/images").rglob("*.*"))
    assert len(remaining) < len(cached) and not any(path.stat().st_nlink > 2 for path in
                                                    (site.root / ".cache/images").rglob("*.*"))


def test_a_photo_is_one_job_whose_files_no_other_output_may_take(site):
    photos_site(site)
    result = site.build()
    files = [path for path in site.output.rglob("*") if path.is_file() and path.name != ".news-archive-output"]
    renditions = [path for path in files if path.suffix in (".jpg", ".png", ".webp", ".avif")]
    assert len(renditions) > 20 and result.pages == len(files) - len(renditions) + 2  # two photos, two jobs
    site.write({f"static/{PAGE}une-480.jpg": photo(480, 320)})
    [error] = [error for error in site.build_errors() if ": warning: " not in error]
    assert f"writes {PAGE}une-480.jpg, which static/{PAGE}une-480.jpg also writes" in error
    assert "rename one of the photos" in error


def test_photos_made_beside_rendering_report_their_problems_with_the_templates_in_one_build(site):
    data = photo(1600, 1200)
    site.write({BUNDLE + "index.md": bundle_article(), BUNDLE + "une.jpg": data[: len(data) // 2],
                "site.toml": config_with('theme = "casse"'), "themes/casse/theme.toml": 'extends = "default"\n',
                "themes/casse/templates/term.html": "{{ term.title.nope() }}"})
    with pytest.raises(BuildFailed) as failed:
        build_site(site.root, {}, jobs=2)
    messages = [error.format() for error in failed.value.errors]
    assert any("une.jpg: cannot be processed (the file is truncated)" in message for message in messages)
    assert any("term.html" in message and "template error" in message for message in messages)
    assert not site.output.exists()


def test_a_photo_process_that_dies_is_a_located_error_not_a_traceback(site, monkeypatch):
    import os

    import generator.output.images

    # What the kernel's out-of-memory killer or a crashing decoder leaves: a process gone without a word.
    monkeypatch.setattr(generator.output.images, "make_images", lambda *arguments: os._exit(9))
    site.write({BUNDLE + "index.md": bundle_article(), BUNDLE + "une.jpg": photo(1600, 1200)})
    with pytest.raises(BuildFailed) as failed:
        build_site(site.root, {}, jobs=2)
    [message] = [error.format() for error in failed.value.errors]
    assert message.startswith(f"{BUNDLE}index.md: {BUNDLE}une.jpg: cannot be processed: the process making the "
                              "photos ended (exit code 9)")
    assert "-j 1" in message
    assert not site.output.exists()


def test_one_photo_encoded_in_threads_gives_the_bytes_of_one_thread(tmp_path):
    # A build with fewer new photos than cores encodes one photo's renditions in threads: Pillow keeps a
    # save's options on the image object, so a shared image saved in two formats at once came out wrong.
    from generator.config import Config
    from generator.content.media import read_image
    from generator.output.images import process_image, processed

    (tmp_path / "une.jpg").write_bytes(photo(2000, 1400))
    made = []
    for threads in (1, 2):
        config = Config(root=tmp_path / f"site-{threads}", title="T", base_url="https://example.org/")
        file = read_image(str(tmp_path / "une.jpg"), "une.jpg", config, (0.5, 0.5))
        assert process_image(config, file, threads) is None
        made.append({r.name: Path(place.path).read_bytes()
                     for r, place in zip(file.renditions, processed(config, file), strict=True)})
    assert made[0] == made[1] and len(made[0]) == 4 * (2 + len(MODERN))


def test_photo_files_in_content_are_changes_the_preview_watches():
    assert classify("content/articles/2024/10/musk-poutine/une.jpg") == "content"
    assert classify("content/articles/2024/10/musk-poutine/une.jpg~") is None


def test_the_sample_article_has_a_credited_lead_illustration(sample_build):
    pages = [path for path in sample_build.glob("20*/*/*/index.html") if "<picture>" in path.read_text()]
    assert pages, "the sample article shows its illustration"
    html = pages[0].read_text()
    assert re.search(r'<span class="credit">Illustration', html)
    assert any(Path(ROOT, "content").rglob("*.png"))


# --- In the browser ----------------------------------------------------------------------------------------

_LAYOUT_SHIFT = """() => new Promise(resolve => {
    let total = 0;
    new PerformanceObserver(list => { for (const entry of list.getEntries()) total += entry.value; })
        .observe({type: "layout-shift", buffered: true});
    setTimeout(() => resolve(total), 300);
})"""


def test_the_browser_shows_photos_in_a_modern_format_at_the_width_it_needs_without_layout_shift(site, page,
                                                                                                   serve_dir):
    photos_site(site, body="Premier paragraphe.\n\n" + "Texte. " * 400 + "\n\n![Antenne sur un toit](antenne.png)")
    site.build()
    server = serve_dir(site.output)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{server.url}/{PAGE}")
    page.wait_for_function("() => { const img = document.querySelector('.article-image img');"
                           " return img.complete && img.naturalWidth > 0; }")
    lead = page.evaluate("() => document.querySelector('.article-image img').currentSrc")
    # 42rem of a 1280-pixel window at 1 device pixel: the 800-pixel file, in the first format the browser shows.
    assert re.search(r"/une-800\.(avif|webp)$", lead), lead
    body = "document.querySelector('.article-body img')"
    assert page.evaluate(f"() => {body}.loading") == "lazy"
    page.evaluate(f"() => {body}.scrollIntoView()")
    page.wait_for_function(f"() => {body}.complete && {body}.naturalWidth > 0")
    assert re.search(r"/antenne-800\.(avif|webp)$", page.evaluate(f"() => {body}.currentSrc"))
    assert page.evaluate(_LAYOUT_SHIFT) == 0
    assert page.js_errors == []
