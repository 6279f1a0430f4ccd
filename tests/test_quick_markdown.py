"""The quick-pattern extension: Python-Markdown's own output, with the hopeless pattern tests skipped."""

from pathlib import Path

import markdown
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown.inlinepatterns import InlineProcessor as InlinePattern

from generator.content.markdown import _EXTENSIONS, _get_converter
from generator.content.quick_markdown import QuickInlineProcessor, QuickPatterns, block_literals, inline_literals

ROOT = Path(__file__).resolve().parent.parent

EVERY_CONSTRUCT = r"""
# Titre avec *emphase* et `code` {: #titre-special }

Setext
------

Un paragraphe avec **gras**, *italique*, _souligné_, ***les deux***, `code`, ``double `tick` ``,
un [lien](https://exemple.fr "titre"), une [référence][ref], une [courte], ![image](a.png),
![réf image][img], <https://auto.link/x>, <courriel@exemple.fr>, &amp; &#233; &eacute; AT&T,
un échappement \*pas d'emphase\*, une note[^1] et une abréviation HTML.[HARD BREAK]
Saut de ligne forcé au-dessus, <span class="x">HTML en ligne</span>, a_b_c et 2*3*4.

> Citation avec *emphase*
> > et une citation imbriquée

* liste
* avec [lien](/x)
    1. imbriquée
    2. deuxième

3. liste ordonnée
4. suite

Terme
:   Définition avec `code`

| Colonne | Autre |
| ------- | ----- |
| *a*     | [b](c) |

```python
code = "*pas* [interprété]"
```

    bloc indenté <b>

***

- - -

___

<div markdown="1">Dans du *HTML* en bloc</div>

[ref]: https://exemple.fr/ref
[courte]: /courte
[img]: /img.png
*[HTML]: HyperText Markup Language
[^1]: La note, avec *emphase*.
""".replace("[HARD BREAK]", "  ")


def _stock() -> markdown.Markdown:
    from generator.content.markdown import _heading_id

    return markdown.Markdown(extensions=_EXTENSIONS, output_format="html",
                             extension_configs={"toc": {"slugify": _heading_id, "toc_depth": "2-3"}})


def _convert(converter: markdown.Markdown, text: str) -> tuple[str, list]:
    converter.reset()
    html = converter.convert(text)
    tokens = converter.toc_tokens
    converter.reset()
    return html, tokens


def test_the_configured_converter_uses_the_quick_processors():
    converter = _get_converter()
    assert isinstance(converter.treeprocessors["inline"], QuickInlineProcessor)
    # Every stock inline pattern of our extension set has its literal: none is tried in vain.
    assert all(inline_literals(pattern) for pattern in converter.inlinePatterns)
    quick_blocks = {type(p).__name__ for p in converter.parser.blockprocessors if block_literals(p)}
    assert quick_blocks == {"HashHeaderProcessor", "HRProcessor", "BlockQuoteProcessor", "DefListProcessor",
                            "FootnoteBlockProcessor", "AbbrBlockprocessor", "ReferenceProcessor"}


def test_every_construct_converts_exactly_as_python_markdown_does():
    html, tokens = _convert(_get_converter(), EVERY_CONSTRUCT)
    assert (html, tokens) == _convert(_stock(), EVERY_CONSTRUCT)
    # The sample really exercises the patterns (a vacuous comparison would pass too).
    for fragment in ("<strong>", "<em>", "<code>", 'href="https://exemple.fr/ref"', "<img", "&amp;",
                     '<sup id="fnref:1">', "<abbr", "<br>", "<blockquote>", "<dl>", "<table>", "<hr>",
                     'href="&#109;&#97;&#105;&#108;', "<ol>", "<pre>"):
        assert fragment in html, fragment


def test_sample_content_and_fixtures_convert_exactly_as_python_markdown_does():
    files = sorted((ROOT / "content").rglob("*.md")) + sorted((ROOT / "tests").rglob("*.md"))
    files += sorted((ROOT.parent / "shared").rglob("*.md"))
    assert len(files) > 5
    quick, stock = _get_converter(), _stock()
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        assert _convert(quick, text) == _convert(stock, text), path


MARKDOWN_ALPHABET = st.sampled_from(
    list("ab é#*_`[]()!<>&:;\\^-=|~{}.\n") + ["  \n", "\n\n", "    ", "[^1]", "&amp;", "<b>", "</b>", "http://x",
                                               "@", "> ", "* ", "1. ", ": ", "```", "***", "[x]: /y\n"])


@settings(max_examples=300, deadline=None)
@given(st.lists(MARKDOWN_ALPHABET, max_size=60).map("".join))
def test_random_markdown_converts_exactly_as_python_markdown_does(text):
    try:
        expected = _convert(_stock(), text)
    except RecursionError:  # pragma: no cover - pathological nesting, handled by the caller in builds
        return
    assert _convert(_get_converter(), text) == expected


class _Strike(InlinePattern):
    def handleMatch(self, m, data):  # noqa: N802
        import xml.etree.ElementTree as etree

        element = etree.Element("del")
        element.text = m.group(1)
        return element, m.start(0), m.end(0)


class _StrikeExtension(markdown.extensions.Extension):
    def extendMarkdown(self, md):  # noqa: N802
        md.inlinePatterns.register(_Strike(r"~~(.+?)~~", md), "strike", 55)


@pytest.mark.parametrize("order", ["before", "after"])
def test_a_pattern_it_does_not_know_is_always_tried(order):
    extensions = [*_EXTENSIONS, _StrikeExtension(), QuickPatterns()] if order == "before" else \
        [*_EXTENSIONS, QuickPatterns(), _StrikeExtension()]
    converter = markdown.Markdown(extensions=extensions)
    assert inline_literals(converter.inlinePatterns["strike"]) is None
    assert converter.convert("Du ~~barré~~ et *penché*") == "<p>Du <del>barré</del> et <em>penché</em></p>"
