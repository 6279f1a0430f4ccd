"""Front matter: split `---` blocks, compose YAML with positions true to the file, convert fields.

YAML is composed into nodes, never constructed into Python objects: no tag can run code, anchors and
aliases are refused (alias bombs), duplicate keys are located, and each field converter sees the raw
scalar text, so YAML 1.1 surprises (`lang: no` -> False, `slug: 0123` -> 83) cannot happen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from urllib.parse import urlsplit

import yaml

from generator.errors import ContentError, SourceError

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_NULL_TAG = "tag:yaml.org,2002:null"
_STANDARD_TAGS = {
    _NULL_TAG, "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:map",
}
_MAX_DEPTH = 16
_FENCE = re.compile(r"^---[ \t]*$")
_CLOSING = re.compile(r"^(---|\.\.\.)[ \t]*$")


class FieldError(Exception):
    """A problem with one field's value, located at its YAML node."""

    def __init__(self, message: str, node: yaml.Node | None = None, hint: str = "",
                 first_node: yaml.Node | None = None):
        super().__init__(message)
        self.message = message
        self.node = node
        self.hint = hint
        self.first_node = first_node  # for duplicates: where the value was first given


@dataclass(frozen=True)
class FrontMatter:
    """The top-level mapping of a front-matter block: field name -> YAML node, with file positions."""

    fields: dict[str, yaml.Node]
    keys: dict[str, yaml.Node]  # field name -> its key node, for warnings about the key itself
    first_line: int  # file line of the first YAML line
    body: str
    body_line: int  # file line where the body starts

    def line_of(self, node: yaml.Node) -> tuple[int, int]:
        return node.start_mark.line + self.first_line, node.start_mark.column + 1

    def error(self, path: str, exc: FieldError, severity: str = "error") -> ContentError:
        """Turn a FieldError into a located error, in the file's own line numbers."""
        line, col = self.line_of(exc.node) if exc.node is not None else (self.first_line, 1)
        message = exc.message
        if exc.first_node is not None:
            message += f" (first given on line {self.line_of(exc.first_node)[0]})"
        return ContentError(SourceError(path, line, col, message, exc.hint, severity))


def split_front_matter(path: str, text: str) -> tuple[str, str, int, int]:
    """Return (yaml_text, body, yaml_first_line, body_first_line); raise SourceError when malformed."""
    lines = text.split("\n")
    first = lines[0] if lines else ""
    if first.rstrip() == "+++":
        raise _error(path, 1, 1, "TOML front matter (+++) is not supported",
                     "convert it to YAML between two '---' lines")
    if not _FENCE.match(first):
        raise _error(path, 1, 1, "missing front matter",
                     "start the file with a '---' line, then fields such as 'title:' and 'date:', then '---'")
    for index in range(1, len(lines)):
        if _CLOSING.match(lines[index]):
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1:]), 2, index + 2
    raise _error(path, 1, 1, "front matter is never closed", "add a '---' line after the last field")


def parse_front_matter(path: str, text: str) -> FrontMatter:
    """Split and compose the front matter of `text`; raise SourceError with the file's own positions."""
    yaml_text, body, first_line, body_line = split_front_matter(path, text)
    if not yaml_text.strip():
        return FrontMatter({}, {}, first_line, body, body_line)
    try:
        root = yaml.compose(yaml_text, Loader=Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + first_line, mark.column + 1) if mark else (first_line, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        hint = "YAML does not allow tabs for indentation; use spaces" if "\\t" in problem or "tab" in problem \
            else "quote values that contain ': ' or start with a special character"
        raise _error(path, line, col, f"invalid YAML in front matter: {problem}", hint) from None
    except yaml.reader.ReaderError as exc:
        before = yaml_text[: exc.position]
        line, col = first_line + before.count("\n"), exc.position - (before.rfind("\n") + 1) + 1
        code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "\0")
        raise _error(path, line, col, f"invalid YAML in front matter: control character U+{code:04X} is not allowed",
                     "remove control characters, or write them as escapes inside double quotes") from None
    except yaml.YAMLError as exc:
        raise _error(path, first_line, 1, f"invalid YAML in front matter: {exc}") from None
    if root is None:
        return FrontMatter({}, {}, first_line, body, body_line)
    if not isinstance(root, yaml.MappingNode):
        raise _error(path, root.start_mark.line + first_line, root.start_mark.column + 1,
                     "front matter must be a mapping of fields ('title: ...'), not a "
                     + ("list" if isinstance(root, yaml.SequenceNode) else "single value"))
    front = FrontMatter({}, {}, first_line, body, body_line)
    try:
        _check_tree(root, seen=set(), depth=0)
    except FieldError as exc:
        raise front.error(path, exc) from None
    fields = {key.value: value for key, value in root.value}
    keys = {key.value: key for key, _ in root.value}
    return FrontMatter(fields, keys, first_line, body, body_line)


def _error(path: str, line: int, col: int, message: str, hint: str = "") -> ContentError:
    return ContentError(SourceError(path, line, col, message, hint))


def _check_node(node: yaml.Node, seen: set[int], depth: int) -> None:
    if id(node) in seen:
        raise FieldError("YAML anchors and aliases (&name, *name) are not allowed in front matter", node,
                         "write the value out in full")
    seen.add(id(node))
    if depth > _MAX_DEPTH:
        raise FieldError(f"front matter is nested more than {_MAX_DEPTH} levels deep", node)
    if node.tag not in _STANDARD_TAGS:
        raise FieldError(f"YAML tag {node.tag!r} is not allowed in front matter", node,
                         "remove the '!' tag; values are read as plain text, lists and mappings")


def _check_mapping(node: yaml.MappingNode, seen: set[int], depth: int) -> None:
    _check_node(node, seen, depth)
    key_nodes: dict[str, yaml.Node] = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            raise FieldError("front-matter keys must be plain names", key_node)
        _check_node(key_node, seen, depth + 1)
        _check_tree(value_node, seen, depth + 1)
        key = key_node.value
        if key in key_nodes:
            raise FieldError(f"duplicate key '{key}'", key_node, "keep only one", first_node=key_nodes[key])
        key_nodes[key] = key_node


def _check_tree(node: yaml.Node, seen: set[int], depth: int) -> None:
    if isinstance(node, yaml.MappingNode):
        _check_mapping(node, seen, depth)
    elif isinstance(node, yaml.SequenceNode):
        _check_node(node, seen, depth)
        for item in node.value:
            _check_tree(item, seen, depth + 1)
    else:
        _check_node(node, seen, depth)


# --- Field converters: node -> value, or FieldError at the node --------------------------------------


def to_text(node: yaml.Node, name: str) -> str:
    if not isinstance(node, yaml.ScalarNode):
        raise FieldError(f"'{name}' must be text, not a " + _shape(node), node)
    return "" if node.tag == _NULL_TAG else node.value


_TRUE = {"true", "yes", "on", "y"}
_FALSE = {"false", "no", "off", "n", ""}


def to_bool(node: yaml.Node, name: str) -> bool:
    """YAML 1.1 booleans, quoted or not: `draft: "false"` means False, never a silently hidden article."""
    text = to_text(node, name).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise FieldError(f"'{name}' must be true or false, got {node.value!r}", node)


_DATETIME = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6})\d*)?)?)?"
    r"\s*(Z|UTC|GMT|[+-]\d{1,2}(?::?\d{2})?)?$", re.IGNORECASE)
_DATE_HINT = "use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS with an optional offset such as +02:00"


def to_datetime(node: yaml.Node, name: str, tz: tzinfo) -> datetime:
    """A date or datetime, with or without offset; naive values are in the site's time zone."""
    text = to_text(node, name).strip()
    if not text:
        raise FieldError(f"'{name}' is empty", node, "use a date such as 2024-10-25 or 2024-10-25T14:30:00+02:00")
    return parse_datetime_text(text, tz, node, name)


def parse_datetime_text(text: str, tz: tzinfo, node: yaml.Node | None, name: str) -> datetime:
    """ISO 8601 and the looser forms found in real archives ("2015-03-17 9:00:00 -4")."""
    match = _DATETIME.match(text.strip())
    if not match:
        raise FieldError(f"invalid {name} {text!r}: not a date", node, _DATE_HINT)
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    try:
        value = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
                         int((fraction or "0").ljust(6, "0")), tzinfo=_offset(offset) if offset else tz)
    except ValueError as exc:
        raise FieldError(f"invalid {name} {text!r}: {exc}", node, _DATE_HINT) from None
    return value.astimezone(tz)


def _offset(text: str) -> tzinfo:
    if text.upper() in ("Z", "UTC", "GMT"):
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = (int(digits[:-2]), int(digits[-2:])) if len(digits) > 2 else (int(digits), 0)
    if hours > 23 or minutes > 59:
        raise ValueError(f"offset {text} is out of range")
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def to_names(node: yaml.Node, name: str, commas: bool = False) -> tuple[tuple[str, yaml.Node], ...]:
    """A list of names. A lone name is a one-item list; a lone text with commas is ambiguous and refused,
    unless `commas` (a free-text byline that the site's configuration splits itself)."""
    if isinstance(node, yaml.ScalarNode):
        text = to_text(node, name).strip()
        if not text:
            return ()
        if "," in text and not commas:
            parts = ", ".join(part.strip() for part in text.split(",") if part.strip())
            raise FieldError(f"'{name}' is one text containing commas: {text!r}", node,
                             f"write a list instead: {name}: [{parts}]")
        return ((text, node),)
    if isinstance(node, yaml.MappingNode):
        raise FieldError(f"'{name}' must be a list of names, not a mapping", node)
    names = []
    for item in node.value:
        if not isinstance(item, yaml.ScalarNode):
            raise FieldError(f"each entry of '{name}' must be a name, not a " + _shape(item), item)
        text = to_text(item, name).strip()
        if text:  # empty entries ("- ", "- ''") are dropped: documented normalisation
            names.append((text, item))
    return tuple(names)


def to_mapping(node: yaml.Node, name: str, allowed: set[str]) -> dict[str, tuple[str, yaml.Node]]:
    """A flat mapping of text values with known keys."""
    if not isinstance(node, yaml.MappingNode):
        raise FieldError(f"'{name}' must be a mapping, not a " + _shape(node), node)
    result = {}
    for key_node, value_node in node.value:
        key = key_node.value
        if key not in allowed:
            raise FieldError(f"unknown key '{key}' in '{name}'", key_node,
                             "valid keys: " + ", ".join(sorted(allowed)))
        result[key] = (to_text(value_node, f"{name}.{key}").strip(), value_node)
    return result


def check_url(url: str, node: yaml.Node | None, name: str) -> str:
    """Only http(s) and relative links: `javascript:` and friends never reach a page, whatever their case."""
    compact = re.sub(r"[\x00-\x20\x7f]+", "", url)
    scheme = urlsplit(compact).scheme.lower() if ":" in compact else ""
    if scheme and scheme not in ("http", "https"):
        raise FieldError(f"'{name}' must be an http(s) or relative link, not {scheme}:", node)
    if compact.startswith("//") and not url.strip().startswith("//"):
        raise FieldError(f"'{name}' is not a valid link: {url!r}", node)
    return url.strip()


def _shape(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "mapping"
    if isinstance(node, yaml.SequenceNode):
        return "list"
    return "single value"
