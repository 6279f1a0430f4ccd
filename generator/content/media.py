"""An article's own files: references resolved against its folder, photos read, their renditions planned.

An article may be a folder (a page bundle): `content/articles/2024/10/slug/index.md` with its photos and
attachments beside it. Parsing resolves every reference of its front matter and body here: a file of the
bundle, or of static/ for a path written from the site's root. A photo's header is read (size, format,
orientation: not its pixels) and the files it will be published as are planned, so that the page can be
rendered with their sizes before any pixel is processed (output/images.py does that, cached by digest).
Every file read is recorded with its stat: the parse cache reuses the article only while they are unchanged.
"""

from __future__ import annotations

import hashlib
import io
import os
import posixpath
import re
import warnings
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from generator.cache import file_stamp
from generator.config import Config
from generator.content.values import Image, ImageFile, Rendition
from generator.text import slugify

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".avif")
# What a bundle publishes besides its photos, as it is: documents, sound, video, data. Not HTML, SVG or
# scripts: on the site's own origin they could run code.
ATTACHMENT_SUFFIXES = (".pdf", ".mp3", ".m4a", ".ogg", ".oga", ".opus", ".wav", ".flac", ".mp4", ".webm",
                       ".vtt", ".csv", ".txt", ".json", ".zip", ".epub", ".odt", ".ods", ".odp", ".docx",
                       ".xlsx", ".pptx")
MAX_IMAGE_BYTES = 100 * 1024 * 1024
_MIME = {"JPEG": ("jpg", "image/jpeg"), "PNG": ("png", "image/png"), "WEBP": ("webp", "image/webp"),
         "GIF": ("gif", "image/gif"), "AVIF": ("avif", "image/avif")}
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
# Crops for sharing and structured data: name, width / height, and the width made (never upscaled).
SHARE_CROPS = (("og", 1200 / 630, 1200), ("16x9", 16 / 9, 1200), ("4x3", 4 / 3, 1200), ("1x1", 1.0, 1200))
SHARE_WIDTH, SHARE_HEIGHT = 1200, 630
# Google asks for article images of at least 50,000 pixels.
MIN_SHARE_PIXELS = 50_000


class MediaProblem(Exception):
    def __init__(self, message: str, hint: str = "", severity: str = "error"):
        super().__init__(message)
        self.message, self.hint, self.severity = message, hint, severity


def is_bundle_index(source_path: str) -> bool:
    """An article written as a folder: its text is the folder's index.md."""
    return source_path.endswith("/index.md")


@dataclass
class Media:
    """Resolves one article's references while it is parsed, and records the files read."""

    config: Config
    folder: str | None  # the bundle's folder on disk; None for a single-file article
    display_folder: str  # "content/articles/2024/10/slug/"
    depends: list[tuple[str, tuple | None]] = field(default_factory=list)  # (path, stat) of every file looked at
    images: list[Image] = field(default_factory=list)  # the body's photos, in order

    def local_file(self, reference: str) -> tuple[str, str] | None:
        """(path on disk, path shown in messages) of a reference to a local file; None for a URL, an
        anchor, or a path of the site that is no file of static/ (a link to another page). Raises
        MediaProblem for a reference that leaves the folder or names a missing file."""
        if not reference or reference.startswith(("#", "//", "?")) or _SCHEME.match(reference):
            return None
        path = unquote(urlsplit(reference).path)
        if not path:
            return None
        if path.startswith("/"):
            relative = posixpath.normpath(path.lstrip("/"))
            if relative.startswith("..") or "\\" in relative or "\x00" in relative:
                raise MediaProblem(f"{reference!r} leaves the site's folder")
            on_disk = os.path.join(self.config.root, "static", *relative.split("/"))
            self._depend(on_disk)
            return (on_disk, "static/" + relative) if os.path.isfile(on_disk) else None
        if self.folder is None:
            return None  # a single-file article's relative links are left as written
        relative = posixpath.normpath(path)
        if relative.startswith("../") or relative == ".." or "\\" in relative or "\x00" in relative:
            raise MediaProblem(f"{reference!r} leaves the article's folder",
                               "put the file beside index.md, or in static/ and write its path from the site's "
                               "root (/images/photo.jpg)")
        on_disk = os.path.join(self.folder, *relative.split("/"))
        real, content = os.path.realpath(on_disk), os.path.realpath(self.config.content_dir)
        if not real.startswith(content + os.sep):
            raise MediaProblem(f"{reference!r} leads outside content/ (a symbolic link)",
                               "copy the file into the article's folder")
        self._depend(on_disk)
        if not os.path.isfile(on_disk):
            raise MediaProblem(f"{reference!r} does not exist in {self.display_folder}",
                               "check the file name (letter case counts) or add the file beside index.md")
        return on_disk, self.display_folder + relative

    def _depend(self, path: str) -> None:
        self.depends.append((path, file_stamp(path)))

    def image(self, image: Image) -> Image:
        """The image with its local photo read, when it is one. Raises MediaProblem."""
        found = self.local_file(image.src)
        if found is None:
            if image.src.startswith("/") and not image.src.startswith("//"):
                raise MediaProblem(f"{image.src!r} is not a file of static/",
                                   f"put the photo at static{image.src}, or correct the path", "warning")
            if not _SCHEME.match(image.src) and self.folder is None:
                raise MediaProblem(f"{image.src!r} is relative, but this article is a single file",
                                   "make the article a folder (…/slug/index.md) with the photo beside it, or put "
                                   "the photo in static/ and write /images/photo.jpg", "warning")
            return image
        path, shown = found
        file = read_image(path, shown, self.config, image.focus)
        return Image(image.src, image.alt, image.caption, image.credit, image.focus, file)

    def linked_file(self, href: str) -> Rendition | None:
        """Check a body link to a local file; a link to a photo is pointed at its largest rendition (the
        original is never published: it carries its metadata). Links to pages (`../autre-article/`) are left
        to `news-archive check`. Raises MediaProblem."""
        path = unquote(urlsplit(href).path).lower()
        if not path.endswith(IMAGE_SUFFIXES + ATTACHMENT_SUFFIXES + (".svg",)):
            return None
        found = self.local_file(href)
        if found is None or not path.endswith(IMAGE_SUFFIXES):
            if found and not href.startswith("/") and path.endswith(".svg"):
                raise MediaProblem(f"{href!r} is an SVG file, which can carry scripts: it is not published",
                                   "convert it to PNG or PDF")
            return None
        image = Image(href, file=read_image(*found, self.config, (0.5, 0.5)))
        self.images.append(image)
        return max(image.file.srcsets[-1][1], key=lambda rendition: rendition.width)


def too_small(file: ImageFile) -> MediaProblem | None:
    """A warning when a photo is too small for search engines' article images (50,000 pixels a crop)."""
    crop = next(iter(file.of("16x9")), None)
    if crop is None or crop.width * crop.height >= MIN_SHARE_PIXELS:
        return None
    return MediaProblem(f"{file.display_path} is {file.width} x {file.height} pixels: too small for search "
                        "engines and link previews", "use a photo at least 1200 pixels wide", "warning")


def read_image(path: str, shown: str, config: Config, focus: tuple[float, float]) -> ImageFile:
    """A photo's header, digest and planned renditions; raises MediaProblem for what cannot be published."""
    from PIL import Image as Pillow
    from PIL import UnidentifiedImageError

    lower = path.lower()
    if lower.endswith(".svg"):
        raise MediaProblem(f"{shown} is an SVG image, which can carry scripts: it is not published",
                           "convert it to PNG, or put it in static/ if you trust it")
    if not lower.endswith(IMAGE_SUFFIXES):
        raise MediaProblem(f"{shown} is not a photo format news-archive publishes",
                           "use JPEG, PNG, WebP, GIF or AVIF")
    try:
        size = os.stat(path).st_size
        if size > MAX_IMAGE_BYTES:
            raise MediaProblem(f"{shown} is {size:,} bytes, over the limit of {MAX_IMAGE_BYTES:,}",
                               "export a smaller file")
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise MediaProblem(f"cannot read {shown}: {exc.strerror}") from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a bomb is refused below, by its size, before any decoding
            Pillow.MAX_IMAGE_PIXELS = None  # only the header is read here
            with Pillow.open(io.BytesIO(data)) as image:
                width, height, kind = image.width, image.height, image.format
                if width * height > config.images.max_pixels:
                    raise MediaProblem(f"{shown} is {width:,} x {height:,} pixels, over the limit of "
                                       f"{config.images.max_pixels:,} pixels",
                                       "export it smaller, or raise [images] max_pixels")
                alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
                animated = bool(getattr(image, "is_animated", False))
                # A PNG's EXIF may follow its pixels: reading it would decode them. Cameras write JPEG.
                orientation = image.getexif().get(0x0112, 1) if kind in ("JPEG", "WEBP", "AVIF") else 1
    except Pillow.DecompressionBombError:
        raise MediaProblem(f"{shown} is far too large to decode safely (a decompression bomb?)",
                           "export it at a normal size") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise MediaProblem(f"{shown} is not a readable image ({_reason(exc)})",
                           "open it in an image editor and export it again as JPEG or PNG") from None
    if kind not in _MIME:
        raise MediaProblem(f"{shown} is a {kind} image", "use JPEG, PNG, WebP, GIF or AVIF")
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    stem = slugify(posixpath.splitext(posixpath.basename(shown))[0]) or "image"
    renditions = plan_renditions(stem, width, height, kind, alpha, animated, config, focus)
    return ImageFile(path, shown, hashlib.sha256(data).hexdigest(), width, height, kind, renditions)


def _reason(exc: Exception) -> str:
    text = str(exc).split(" for ")[0] if isinstance(exc, OSError) else str(exc)
    return re.sub(r"<_io\.BytesIO object at 0x[0-9a-f]+>", "the file", text) or type(exc).__name__


def plan_renditions(stem: str, width: int, height: int, kind: str, alpha: bool, animated: bool, config: Config,
                    focus: tuple[float, float]) -> tuple[Rendition, ...]:
    """The files a photo is published as: each configured width below its own (and its own width when
    smaller than the largest), in every configured format and the fallback format; an animation as it is;
    and the crops for sharing, around `focus`."""
    from generator.output.images import supported_formats

    renditions: list[Rendition] = []
    if animated:
        extension, mime = _MIME[kind]
        renditions.append(Rendition(f"{stem}.{extension}", width, height, mime))
    else:
        largest = min(width, max(config.images.widths))
        widths = sorted({w for w in config.images.widths if w < largest} | {largest})
        fallback = "PNG" if alpha or kind in ("PNG", "GIF") else "JPEG"
        # Browsers take the first <source> they can show: the smallest files first.
        modern = sorted(supported_formats(config), key=("avif", "webp").index)
        formats = [name.upper() for name in modern if name.upper() != fallback] + [fallback]
        for name in formats:
            extension, mime = _MIME[name]
            for target in widths:
                renditions.append(Rendition(f"{stem}-{target}.{extension}", target,
                                            max(1, round(height * target / width)), mime))
    extension, mime = _MIME["PNG" if alpha else "JPEG"]
    for purpose, ratio, most in SHARE_CROPS:
        box = crop_box(width, height, ratio, focus)
        target = min(most, box[2] - box[0])
        renditions.append(Rendition(f"{stem}-{purpose}.{extension}", target, max(1, round(target / ratio)), mime,
                                    box, purpose))
    return tuple(renditions)


def crop_box(width: int, height: int, ratio: float, focus: tuple[float, float]) -> tuple[int, int, int, int]:
    """The largest box of `ratio` (width / height) inside the photo, centred on `focus` as far as it can be."""
    wider = width / height > ratio
    box_width, box_height = (round(height * ratio), height) if wider else (width, round(width / ratio))
    box_width, box_height = min(box_width, width), min(box_height, height)
    left = min(max(0, round(focus[0] * width - box_width / 2)), width - box_width)
    top = min(max(0, round(focus[1] * height - box_height / 2)), height - box_height)
    return left, top, left + box_width, top + box_height
