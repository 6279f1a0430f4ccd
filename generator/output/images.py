"""Photos -> the files they are published as: resized, cropped, re-encoded, stripped of their metadata.

Parsing planned each photo's renditions (content/media.py); this stage makes the missing ones, one photo per
task across the workers, into .cache/images/, named by the photo's digest and the rendition's settings. An
output page kind then copies them into the site: a rebuild processes only new or changed photos, and an
unchanged rendition keeps its output file untouched.

What a published file keeps of the photo: its pixels, turned upright (EXIF orientation) and converted to
sRGB. Nothing else: no EXIF (GPS position, camera serial, owner, dates), XMP, IPTC, comments or colour
profile, except the copyright and artist lines when [images] keep_copyright asks for them. A photo a
source took must not tell where they stood.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from generator.cache import CACHE_DIR
from generator.config import Config
from generator.content.values import Image, ImageFile, Rendition
from generator.errors import SourceError

if TYPE_CHECKING:
    from generator.site.model import Site

IMAGES_DIR = "images"
# Bump when the processing below changes what a rendition's bytes are.
PROCESS_VERSION = "1"
_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP", "image/gif": "GIF",
            "image/avif": "AVIF"}
_COPYRIGHT, _ARTIST = 0x8298, 0x013B


def supported_formats(config: Config) -> tuple[str, ...]:
    """The configured modern formats this Pillow can write (AVIF needs Pillow 11.2 or later)."""
    from PIL import features

    return tuple(name for name in config.images.formats if features.check(name))


@dataclass(frozen=True)
class Processed:
    """A rendition made, in the cache: what an image output links to. Its key (its file name) stands for its
    bytes."""

    path: str
    key: str


def processed(config: Config, file: ImageFile) -> tuple[Processed, ...]:
    """Where each of a photo's renditions is cached (in the order of `file.renditions`): named by a digest
    of the photo and the settings, then by the rendition's size, crop and format."""
    settings = (config.root, config.images.quality, config.images.keep_copyright)
    known = _places.get(id(file))
    if known is not None and known[0] is file and known[1] == settings:
        return known[2]
    if len(_places) >= _PLACES_KEPT:
        _places.clear()
    photo = hashlib.sha256(repr((PROCESS_VERSION, file.digest, *settings[1:], file.width, file.height)).encode())
    stem = photo.hexdigest()[:32]
    folder = f"{config.root}/{CACHE_DIR}/{IMAGES_DIR}/{stem[:2]}/{stem}"
    places = []
    for rendition in file.renditions:
        crop = "-" + "-".join(map(str, rendition.crop)) if rendition.crop else ""
        name = f"{rendition.width}x{rendition.height}{crop}.{rendition.name.rsplit('.', 1)[1]}"
        places.append(Processed(f"{folder}-{name}", f"{stem}-{name}"))
    _places[id(file)] = (file, settings, tuple(places))  # the photo is kept alive with it: its id stays its own
    return tuple(places)


# Planning, processing and pruning ask for every rendition's place: 16,000 for 1,000 photos.
_PLACES_KEPT = 1 << 16
_places: dict[int, tuple[ImageFile, tuple, tuple[Processed, ...]]] = {}


def images_of(article) -> Iterator[Image]:
    """The local photos an article page shows or links to (an `ArticleView`): its lead image, its body's."""
    if article.summary.image is not None and article.summary.image.file is not None:
        yield article.summary.image
    yield from (image for image in article.media if image.file is not None)


def site_images(site: Site) -> Iterator[tuple[str, ImageFile]]:
    """(display path of the article or config naming it, photo) for every photo the site publishes."""
    for article in site.articles:
        for image in images_of(article):
            yield "content/" + article.source_path, image.file
    if site.default_image is not None:
        yield "site.toml", site.default_image.file


def missing_images(config: Config, site: Site) -> list[tuple[str, ImageFile]]:
    """(display path naming it, photo) for each photo of the site with a rendition not in the cache."""
    cached = {entry.name for entry in _cached_files(config)}
    missing: dict[tuple[str, str], tuple[str, ImageFile]] = {}
    for origin, file in site_images(site):
        key = (file.digest, file.path)
        if key not in missing and not all(place.key in cached for place in processed(config, file)):
            missing[key] = (origin, file)
    return list(missing.values())


def _cached_files(config: Config) -> Iterator[os.DirEntry]:
    """The files of the rendition cache (listing its folders costs a tenth of a stat per rendition)."""
    folder = os.path.join(config.root, CACHE_DIR, IMAGES_DIR)
    try:
        subfolders = [entry.path for entry in os.scandir(folder) if entry.is_dir()]
    except FileNotFoundError:
        return
    for subfolder in subfolders:
        with os.scandir(subfolder) as entries:
            yield from (entry for entry in entries if entry.is_file())


def make_images(config: Config, todo: list[tuple[str, ImageFile]], jobs: int) -> list[SourceError]:
    """Make the renditions of `todo`'s photos (missing_images) in `jobs` processes; the problems."""
    from generator.pool import run_tasks

    if len(todo) < jobs:  # one new photo, the common case: its renditions are encoded on every core
        failures = [process_image(config, file, threads=jobs) for _, file in todo]
    else:
        failures = run_tasks(_process_chunk, [file for _, file in todo], jobs, config, chunk_size=1, min_items=2)
    return [SourceError(origin, None, None, f"{file.display_path}: {failure}",
                        "open the photo in an image editor and export it again as JPEG or PNG")
            for (origin, file), failure in zip(todo, failures, strict=True) if failure]


def _process_chunk(config: Config, files: list[ImageFile]) -> list[str | None]:
    return [process_image(config, file) for file in files]


def process_image(config: Config, file: ImageFile, threads: int = 1) -> str | None:
    """Make the missing renditions of one photo into the cache, encoding them in `threads` threads (Pillow
    releases the interpreter while it resizes and encodes); a problem's description, or None."""
    from PIL import Image as Pillow

    try:
        with open(file.path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        return f"cannot read it: {exc.strerror}"
    if hashlib.sha256(data).hexdigest() != file.digest:
        return "it changed during the build; build again"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Pillow.DecompressionBombWarning)
            Pillow.MAX_IMAGE_PIXELS = config.images.max_pixels
            with Pillow.open(io.BytesIO(data)) as source:
                _make_renditions(config, file, source, threads)
    except MemoryError:
        return "not enough memory to process it"
    except Exception as exc:  # noqa: BLE001 - a damaged photo fails in countless ways inside the decoders
        return f"cannot be processed ({_reason(exc)})"
    return None


def _reason(exc: Exception) -> str:
    text = str(exc)
    if "truncated" in text:
        return "the file is truncated"
    return text.split(" for ")[0] or type(exc).__name__


def _make_renditions(config: Config, file: ImageFile, source, threads: int) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from PIL import ImageOps

    todo = [(rendition, target) for rendition, target in zip(file.renditions, processed(config, file), strict=True)
            if not os.path.isfile(target.path)]
    if not todo:
        return
    metadata = _kept_metadata(config, source)
    animated = [item for item in todo if item[0].purpose == "srcset" and bool(getattr(source, "is_animated", False))]
    for rendition, target in animated:
        _store(target.path, _animation(source, rendition, metadata))
    still = [item for item in todo if item not in animated]
    if not still:
        return
    source.seek(0)
    needed = max(rendition.width / ((rendition.crop[2] - rendition.crop[0]) if rendition.crop else file.width)
                 for rendition, _ in still)
    if source.format == "JPEG":
        # Decode at 1/2, 1/4 or 1/8 of the size when every rendition is that small: a fraction of the work.
        raw_width, raw_height = source.size
        source.draft(source.mode if source.mode in ("RGB", "L") else "RGB",
                     (max(1, int(raw_width * needed) + 1), max(1, int(raw_height * needed) + 1)))
    # Each rendition is resized from the smallest picture already made that is large enough: the photo,
    # then each width of the responsive set, largest first (a third of the resampling work). One task per
    # picture encodes its formats one after the other: Pillow keeps a save's options on the image itself,
    # so two threads must never save the same image at once.
    levels = [_srgb(ImageOps.exif_transpose(source))]
    by_size: dict[tuple, list[tuple[Rendition, Processed]]] = {}
    for rendition, target in sorted(still, key=lambda item: (item[0].crop is not None, -item[0].width)):
        by_size.setdefault((rendition.crop, rendition.width, rendition.height), []).append((rendition, target))
    with ThreadPoolExecutor(threads) as encoders:
        tasks = []
        for (crop, _, _), renditions in by_size.items():
            rendition = renditions[0][0]
            level = min((level for level in levels if _fits(level, file, rendition)), key=lambda level: level.width)
            if crop is not None:  # made from the widths, resized in its own task
                tasks.append(encoders.submit(_resize_and_store, level, file, renditions, config, metadata))
                continue
            picture = _resize(level, rendition, level.width / file.width)
            levels.append(picture)
            tasks.append(encoders.submit(_store_all, picture, renditions, config, metadata))
        for task in tasks:
            task.result()  # a failure is raised here


def _store_all(picture, renditions: list[tuple[Rendition, Processed]], config: Config, metadata: bytes) -> None:
    for rendition, target in renditions:
        _store(target.path, _encode(picture, rendition.mime, config, metadata))


def _resize_and_store(level, file: ImageFile, renditions: list[tuple[Rendition, Processed]], config: Config,
                      metadata: bytes) -> None:
    _store_all(_resize(level, renditions[0][0], level.width / file.width), renditions, config, metadata)


def _fits(level, file: ImageFile, rendition: Rendition) -> bool:
    """Whether `level` (the photo at some scale) has at least the pixels `rendition` needs."""
    box_width = (rendition.crop[2] - rendition.crop[0]) if rendition.crop else file.width
    return box_width * level.width / file.width >= rendition.width


def _srgb(picture):
    """The pixels in sRGB (RGB, or RGBA when the photo has transparency), without a colour profile."""
    from PIL import ImageCms

    alpha = picture.mode in ("RGBA", "LA", "PA") or (picture.mode == "P" and "transparency" in picture.info)
    mode = "RGBA" if alpha else "RGB"
    profile = picture.info.get("icc_profile")
    if profile:
        try:
            converted = ImageCms.profileToProfile(
                picture if picture.mode in ("RGB", "RGBA", "CMYK", "L") else picture.convert(mode),
                ImageCms.ImageCmsProfile(io.BytesIO(profile)), ImageCms.createProfile("sRGB"), outputMode=mode)
            if converted is not None:
                return converted
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: the pixels as they are are the best guess
    return picture.convert(mode) if picture.mode != mode else picture


def _resize(picture, rendition: Rendition, scale: float):
    from PIL import Image as Pillow

    if rendition.crop:
        left, top, right, bottom = (round(edge * scale) for edge in rendition.crop)
        picture = picture.crop((left, top, right, bottom))
    if picture.size == (rendition.width, rendition.height):
        return picture
    return picture.resize((rendition.width, rendition.height), Pillow.Resampling.LANCZOS, reducing_gap=3.0)


def _kept_metadata(config: Config, source) -> bytes:
    """The EXIF block published: the copyright and artist lines when the site keeps them, else nothing."""
    if not config.images.keep_copyright:
        return b""
    from PIL import Image as Pillow

    found = source.getexif()
    kept = Pillow.Exif()
    for tag in (_COPYRIGHT, _ARTIST):
        if isinstance(found.get(tag), str) and found.get(tag).strip():
            kept[tag] = found[tag]
    return kept.tobytes() if len(kept) else b""


def _encode(picture, mime: str, config: Config, exif: bytes) -> bytes:
    """The picture in `mime`'s format; deterministic bytes, with no metadata but `exif`."""
    kind = _FORMATS[mime]
    picture.info.clear()  # encoders would copy a colour profile or an EXIF block from it
    options: dict = {"exif": exif} if exif and kind != "GIF" else {}
    quality = config.images.quality
    if kind == "JPEG":
        options.update(quality=quality, optimize=True, progressive=True)
        picture = picture.convert("RGB") if picture.mode != "RGB" else picture
    elif kind == "WEBP":
        options.update(quality=quality, method=4)
    elif kind == "AVIF":
        # AVIF's scale gives the same look about 20 points lower; one thread keeps the bytes deterministic;
        # speed 9 encodes three times faster than 8 for files ~15% larger, still smaller than WebP.
        options.update(quality=max(1, quality - 20), speed=9, max_threads=1)
    elif kind == "PNG":
        options.update(optimize=True)
    buffer = io.BytesIO()
    picture.save(buffer, kind, **options)
    return buffer.getvalue()


def _animation(source, rendition: Rendition, exif: bytes) -> bytes:
    """An animation as it is (every frame, its timing and loop), without comments or metadata."""
    kind = _FORMATS[rendition.mime]
    for key in ("comment", "extension", "xmp", "exif", "icc_profile", "XML:com.adobe.xmp"):
        source.info.pop(key, None)
    buffer = io.BytesIO()
    options = {"save_all": True, "loop": source.info.get("loop", 0)}
    if kind == "WEBP":
        options.update(lossless=False, quality=90, exif=exif)
    source.save(buffer, kind, **options)
    return buffer.getvalue()


def _store(path: str, data: bytes) -> None:
    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    temporary = f"{path}.{os.getpid()}.tmp"
    with open(temporary, "wb") as handle:
        handle.write(data)
    os.replace(temporary, path)


def prune_images(config: Config, site: Site) -> None:
    """Remove cached renditions no photo of the site uses any more."""
    used = {place.key for _, file in site_images(site) for place in processed(config, file)}
    for entry in _cached_files(config):
        if entry.name not in used:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(entry.path)
