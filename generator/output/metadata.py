"""The site's own photos (files of static/), published without what a camera or phone writes in them.

A photo in static/ is published at its own path, as it is, for pages and themes that link to it: but its
EXIF block (GPS position, camera serial, owner, dates), XMP, IPTC and comments would go with it. JPEG, PNG
and WebP files are copied without those parts, byte for byte otherwise (no re-encoding, no loss); the
EXIF orientation is kept on its own, so the photo stays upright. Other image formats are published only
when they carry none of it (checked with Pillow); else the build stops and says how to strip them.
Colour profiles are kept: they say how to show the pixels, not who took them.
"""

from __future__ import annotations

import io
import struct
import warnings

_ORIENTATION = 0x0112
# JPEG markers kept before the image data: JFIF (APP0), ICC profile (APP2), Adobe colour transform (APP14),
# and everything that is not an application segment or a comment (tables, frame headers).
_JPEG_KEPT_APPS = {0xE0, 0xE2, 0xEE}
_PNG_DROPPED = {b"eXIf", b"tEXt", b"zTXt", b"iTXt", b"tIME"}
_WEBP_DROPPED = {b"EXIF", b"XMP "}


class IdentifyingMetadata(Exception):
    """A file that would publish metadata this module cannot remove without re-encoding it."""


def published_copy(data: bytes, name: str) -> bytes:
    """`data`, a static file named `name`, as it is published: image metadata removed where it is one."""
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix in ("jpg", "jpeg") and data[:2] == b"\xff\xd8":
        return _jpeg(data)
    if suffix == "png" and data[:8] == b"\x89PNG\r\n\x1a\n":
        return _png(data)
    if suffix == "webp" and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _webp(data)
    if suffix in ("gif", "avif", "heic", "heif", "tif", "tiff"):
        _refuse_if_identifying(data)
    return data


def _jpeg(data: bytes) -> bytes:
    segments = []
    orientation = None
    position = 2
    while position + 4 <= len(data) and data[position] == 0xFF:
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker == 0xDA or 0xD0 <= marker <= 0xD9:  # start of scan: the image itself follows
            break
        length = struct.unpack(">H", data[position + 2:position + 4])[0]
        segment = data[position:position + 2 + length]
        position += 2 + length
        if marker == 0xE1 and orientation is None:
            orientation = _exif_orientation(segment[4:])
        dropped = (0xE0 <= marker <= 0xEF and marker not in _JPEG_KEPT_APPS) or marker == 0xFE \
            or (marker == 0xE2 and not segment[4:].startswith(b"ICC_PROFILE\x00"))  # MPF: pictures after it
        if not dropped:
            segments.append(segment)
    if orientation not in (None, 1):
        at = 1 if segments and segments[0][1] == 0xE0 else 0  # JFIF's segment comes first
        segments.insert(at, _orientation_segment(orientation))
    # What follows the image's end (phones append a second picture with its own EXIF block, or a maker's
    # trailer) is not published.
    return b"\xff\xd8" + b"".join(segments) + data[position:_image_end(data, position)]


def _image_end(data: bytes, position: int) -> int:
    """Where the image that starts with the scan at `position` ends: after its EOI marker."""
    while position + 4 <= len(data) and data[position] == 0xFF:
        marker = data[position + 1]
        if marker == 0xD9:
            return position + 2
        if marker == 0xFF:
            position += 1
            continue
        position += 2 + struct.unpack(">H", data[position + 2:position + 4])[0]
        if marker == 0xDA:  # coded data up to the next marker: 0xFF in it is followed by 0x00 or a restart
            while True:
                position = data.find(b"\xff", position)
                if position < 0 or position + 1 >= len(data):
                    return len(data)
                if data[position + 1] == 0x00 or 0xD0 <= data[position + 1] <= 0xD7:
                    position += 2
                    continue
                break
    return len(data)


def _exif_orientation(payload: bytes) -> int | None:
    if not payload.startswith(b"Exif\x00\x00"):
        return None
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Pillow's words on a damaged block: we only want the orientation
            exif = Image.Exif()
            exif.load(payload[6:])
            value = exif.get(_ORIENTATION)
    except Exception:  # noqa: BLE001 - a damaged EXIF block: no orientation to keep
        return None
    return value if isinstance(value, int) and 1 <= value <= 8 else None


def _orientation_segment(orientation: int) -> bytes:
    """An APP1 EXIF segment holding the orientation alone."""
    from PIL import Image

    exif = Image.Exif()
    exif[_ORIENTATION] = orientation
    payload = b"Exif\x00\x00" + exif.tobytes()
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload


def _png(data: bytes) -> bytes:
    out = bytearray(data[:8])
    position = 8
    while position + 12 <= len(data):
        length = struct.unpack(">I", data[position:position + 4])[0]
        kind = data[position + 4:position + 8]
        end = position + 12 + length
        if kind not in _PNG_DROPPED:
            out += data[position:end]
        position = end
        if kind == b"IEND":
            break
    return bytes(out)


def _webp(data: bytes) -> bytes:
    chunks = bytearray()
    position = 12
    while position + 8 <= len(data):
        kind = data[position:position + 4]
        size = struct.unpack("<I", data[position + 4:position + 8])[0]
        end = position + 8 + size + (size & 1)
        chunk = bytearray(data[position:end])
        if kind == b"VP8X" and len(chunk) > 8:
            chunk[8] &= ~0x0C & 0xFF  # the flags of the EXIF (0x08) and XMP (0x04) chunks dropped below
        if kind not in _WEBP_DROPPED:
            chunks += chunk
        position = end
    return b"RIFF" + struct.pack("<I", len(chunks) + 4) + b"WEBP" + bytes(chunks)


def _refuse_if_identifying(data: bytes) -> None:
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(data)) as picture:  # its header only: no pixels are decoded
                found = [name for name, present in (
                    ("EXIF", any(tag != _ORIENTATION for tag in picture.getexif())),
                    ("XMP", bool(picture.info.get("xmp") or picture.info.get("XML:com.adobe.xmp"))),
                    ("a comment", bool(picture.info.get("comment")))) if present]
    except Exception:  # noqa: BLE001 - not an image Pillow reads: nothing it could tell about
        return
    if found:
        raise IdentifyingMetadata(" and ".join(found))
