"""Draws the sample article's lead illustration: a timeline of the facts the article itself reports.

    python scripts/sample-illustration.py

Writes content/articles/2024/10/elon-musk-vladimir-poutine-discussions/chronologie.png. Every label comes from
the article's text (dates and events as it states them): an illustration, not a photo, and credited as such.
Needs Pillow and the DejaVu fonts (Debian: fonts-dejavu-core).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "content/articles/2024/10/elon-musk-vladimir-poutine-discussions/chronologie.png"
FONTS = Path("/usr/share/fonts/truetype/dejavu")
WIDTH, HEIGHT = 1600, 900
PAPER, INK, MUTED, ACCENT = (246, 244, 239), (26, 26, 26), (92, 92, 92), (168, 38, 30)

EVENTS = (
    ("Février 2022", "L’Ukraine entre en guerre contre la Russie"),
    ("Fin 2022", "Début d’échanges réguliers entre Elon Musk et Vladimir Poutine, selon le Wall Street Journal"),
    ("25 octobre 2024", "L’article rapporte les révélations du Wall Street Journal"),
)


def font(name: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONTS / name), size)


def main() -> None:
    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(image)
    draw.text((120, 110), "Chronologie", font=font("DejaVuSerif-Bold.ttf", 76), fill=INK)
    draw.text((120, 215), "Elon Musk et Vladimir Poutine, d’après le Wall Street Journal",
              font=font("DejaVuSans.ttf", 36), fill=MUTED)
    line_y = 470
    draw.line((120, line_y, WIDTH - 120, line_y), fill=INK, width=6)
    step = (WIDTH - 240) // len(EVENTS)
    for index, (when, what) in enumerate(EVENTS):
        x = 120 + step * index + 40
        draw.ellipse((x - 22, line_y - 22, x + 22, line_y + 22), fill=ACCENT, outline=INK, width=4)
        draw.text((x - 20, line_y - 100), when, font=font("DejaVuSans-Bold.ttf", 40), fill=INK)
        for number, line in enumerate(textwrap.wrap(what, 24)):
            draw.text((x - 20, line_y + 60 + number * 46), line, font=font("DejaVuSans.ttf", 34), fill=INK)
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    image.save(TARGET, "PNG", optimize=True)
    print(TARGET.relative_to(ROOT))


if __name__ == "__main__":
    main()
