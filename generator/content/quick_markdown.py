"""A Python-Markdown extension that skips the pattern tests which cannot succeed: same HTML, faster.

Python-Markdown tries each of its ~15 inline patterns on every text node and each block processor on
every block, one Python call and one regular-expression scan each; on prose almost none match, and
that loop is most of the conversion time. Most of those expressions cannot match without a given
character (a link needs `[`, emphasis `*` or `_`, a heading block `#`), and `literal in text` is far
cheaper than the call. So a pattern or block test whose literal is absent is skipped, which is exactly
what the stock loop would conclude after trying it: the output is unchanged (a test converts a corpus
both ways).

Literals are keyed by the exact text of the expression they were checked against: an expression this
module does not know (another extension's, or one a later Python-Markdown changed) is always tried.
"""

from __future__ import annotations

from collections.abc import Callable

import markdown
from markdown import blockprocessors, inlinepatterns
from markdown.extensions import Extension
from markdown.treeprocessors import InlineProcessor
from markdown.util import AtomicString

# Inline expressions (Python-Markdown 3.x) -> texts one of which any match contains.
INLINE_LITERALS: dict[str, tuple[str, ...]] = {
    r'(?:(?<!\\)((?:\\{2})+)(?=`+)|(?<!\\)`)': ("`",),  # code span
    r'\\(.)': ("\\",),  # backslash escape
    r'(?<!\!)\[': ("[",),  # link, reference, short reference
    r'\!\[': ("![",),  # image, image reference
    r'<([A-Za-z][A-Za-z0-9+.-]*://[^<>]*)>': ("<",),  # autolink
    r'<([^<> !]+@[^@<> ]+)>': ("<",),  # automatic e-mail link
    r"""(<(\/?+[a-zA-Z][^\s"'<>@]*+(?:\s+[^\s"'=<>]++(?:\s*+=\s*+(?:"[^"]*+"|'[^']*+'|[^\s"'=<>]++))?+)*+\s*+/?|"""
    r"""!--(?:(?!<!--|-->).)*--|[?](?:(?!<[?]|[?]>).)*[?]|!\[CDATA\[(?:(?!<!\[CDATA\[|\]\]>).)*\]\])>)""": ("<",),
    r'(&(?:\#[0-9]+|\#x[0-9a-fA-F]+|[a-zA-Z0-9]+);)': ("&",),  # entity
    r'  \n': ("  \n",),  # hard line break
    r'\[\^([^\]]*)\]': ("[^",),  # footnote reference
}

# Block processors whose test is one search of the block, or whose test accepts every block and whose
# run gives it back untouched when one search fails (definitions of footnotes, abbreviations, link
# references): (class, attribute holding the expression, the expression) -> texts one of which a
# matching block contains.
BLOCK_LITERALS: dict[tuple[str, str, str], tuple[str, ...]] = {
    ("HashHeaderProcessor", "RE",
     r'(?:^|\n)(?P<level>#{1,6})(?P<header>(?:\\.|[^\\#]|#+(?=[^#\n]))*?)#*(?:\n|$)'): ("#",),
    ("HRProcessor", "SEARCH_RE",
     r'^[ ]{0,3}(?=(?P<atomicgroup>(-+[ ]{0,2}){3,}|(_+[ ]{0,2}){3,}|(\*+[ ]{0,2}){3,}))(?P=atomicgroup)[ ]*$'):
        ("-", "_", "*"),
    ("BlockQuoteProcessor", "RE", r'(^|\n)[ ]{0,3}>[ ]?(.*)'): (">",),
    ("DefListProcessor", "RE", r'(^|\n)[ ]{0,3}:[ ]{1,3}(.*?)(\n|$)'): (":",),
    ("FootnoteBlockProcessor", "RE", r'^[ ]{0,3}\[\^([^\]]*)\]:[ ]*(.*)$'): ("[^",),
    ("AbbrBlockprocessor", "RE", r'^[*]\[(?P<abbr>[^\\]*?)\][ ]?:[ ]*\n?[ ]*(?P<title>.*)$'): ("*[",),
    ("ReferenceProcessor", "RE",
     r"""^[ ]{0,3}\[([^\[\]]*)\]:[ ]*(?:\n[ ]*)?([^\s]+)[ ]*(?:\n[ ]*)?((["\'])(.*)\4[ ]*|\((.*)\)[ ]*)?$"""):
        ("]:",),
}


def inline_literals(pattern: object) -> tuple[str, ...] | None:
    """The texts one of which `pattern` needs in order to match, or None when unknown."""
    if isinstance(pattern, inlinepatterns.DelimiterProcessor):
        return tuple(pattern.tokens) or None  # emphasis: its delimiter characters
    if isinstance(pattern, inlinepatterns.InlineProcessor):
        return INLINE_LITERALS.get(pattern.compiled_re.pattern)
    return None


def block_literals(processor: blockprocessors.BlockProcessor) -> tuple[str, ...] | None:
    """The texts one of which a block must contain for `processor` to take it, or None when unknown."""
    name = type(processor).__name__
    for (class_name, attribute, expression), literals in BLOCK_LITERALS.items():
        if class_name == name:
            compiled = getattr(processor, attribute, None)
            if getattr(compiled, "pattern", None) == expression:
                return literals
    return None


def _test_when_present(literals: tuple[str, ...], test: Callable) -> Callable:
    def quick_test(parent, block: str) -> bool:
        for literal in literals:
            if literal in block:
                return test(parent, block)
        return False

    return quick_test


class QuickInlineProcessor(InlineProcessor):
    """Python-Markdown's inline processor, skipping the patterns that cannot match a text.

    It replaces the stock loop over patterns (`__handleInline`) and calls the stock per-pattern step
    (`__applyPattern`), so it is installed only where that step exists (`QuickPatterns`).
    """

    def run(self, tree, ancestors=None):
        self._patterns_and_literals = [(pattern, inline_literals(pattern)) for pattern in self.inlinePatterns]
        return super().run(tree, ancestors)

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:  # noqa: N802, N803
        if isinstance(data, AtomicString):
            return data
        apply_pattern = self._InlineProcessor__applyPattern
        patterns = self._patterns_and_literals
        index, start = patternIndex, 0
        while index < len(patterns):
            pattern, literals = patterns[index]
            if literals is not None:
                for literal in literals:
                    if literal in data:
                        break
                else:  # cannot match: what the stock loop concludes after trying
                    index, start = index + 1, 0
                    continue
            data, matched, start = apply_pattern(pattern, data, index, start)
            if not matched:
                index += 1
        return data


def _stock_loop_is_known() -> bool:
    # The replaced loop and the step it calls are private: only the 3.x series was checked.
    return markdown.__version_info__[0] == 3 and hasattr(InlineProcessor, "_InlineProcessor__applyPattern")


class QuickPatterns(Extension):
    """Install last, after the extensions whose patterns it should speed up."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802
        if _stock_loop_is_known() and type(md.treeprocessors["inline"]) is InlineProcessor:
            md.treeprocessors.register(QuickInlineProcessor(md), "inline", 20)
        for processor in md.parser.blockprocessors:
            literals = block_literals(processor)
            if literals is not None:
                processor.test = _test_when_present(literals, processor.test)
