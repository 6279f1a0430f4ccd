"""Theme chain -> Jinja environment, UI strings and static files.

`themes/<name>/theme.toml` may name a parent with `extends`; templates, strings and static files are
looked up child first, then parents. A site overrides the default theme with a small child theme.
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from generator.config import Config
from generator.errors import BuildFailed, SourceError

if TYPE_CHECKING:
    import jinja2

    from generator.options import BuildMemory

# Package data in an installed wheel; in the repository, a link to its themes/ folder.
BUNDLED_THEMES = Path(__file__).resolve().parents[1] / "themes"
_THEME_KEYS = {"name", "extends", "description", "params"}


@dataclass(frozen=True)
class Theme:
    name: str
    directories: tuple[Path, ...]  # child first
    strings: dict[str, dict[str, str]]  # language -> key -> text
    params: dict

    @property
    def template_dirs(self) -> list[str]:
        return [str(directory / "templates") for directory in self.directories]

    def static_files(self) -> dict[str, Path]:
        """Relative path under static/ -> file; a child's file hides its parent's."""
        files: dict[str, Path] = {}
        for directory in reversed(self.directories):
            static = directory / "static"
            if static.is_dir():
                for path in sorted(static.rglob("*")):
                    if path.is_file() and not path.name.startswith("."):
                        files[path.relative_to(static).as_posix()] = path
        return files

    def assets(self, base_path: str, hashed: bool) -> tuple[dict[str, bytes], dict[str, str]]:
        """Static files to write (output path -> bytes) and the URL of each for `asset()`.

        CSS and JavaScript get content-hashed names under assets/ (style.3f2a1c9d.css), so hosts may cache
        them forever; other files keep their names under static/. The preview keeps plain names, so a
        changed stylesheet can be swapped in place.
        """
        files: dict[str, bytes] = {}
        urls: dict[str, str] = {}
        for relative, path in self.static_files().items():
            data = path.read_bytes()
            stem, dot, suffix = relative.rpartition(".")
            if hashed and dot and suffix in ("css", "js"):
                output = f"assets/{stem}.{hashlib.sha256(data).hexdigest()[:8]}.{suffix}"
            else:
                output = "static/" + relative
            files[output] = data
            urls[relative] = base_path + output
        return files, urls

    def template_path(self, name: str) -> str:
        """Where a template comes from, for error messages."""
        for directory in self.directories:
            candidate = directory / "templates" / name
            if candidate.is_file():
                return str(candidate)
        return name


def find_theme_dir(config: Config, name: str) -> Path | None:
    for base in (config.root / "themes", BUNDLED_THEMES):
        candidate = base / name
        if (candidate / "theme.toml").is_file() or (candidate / "templates").is_dir():
            return candidate
    return None


def load_theme(config: Config) -> Theme:
    """Resolve the theme chain named by the config; every problem is a BuildFailed."""
    directories: list[Path] = []
    params: dict = {}
    name = config.theme
    while name:
        directory = find_theme_dir(config, name)
        if directory is None:
            bundled = sorted(path.name for path in BUNDLED_THEMES.iterdir() if (path / "templates").is_dir())
            raise BuildFailed([SourceError("site.toml", None, None, f"theme {name!r} not found",
                                           f"create themes/{name}/ in the site's folder, or use a bundled theme: "
                                           + ", ".join(bundled))])
        if directory in directories:
            raise BuildFailed([SourceError(str(directory / "theme.toml"), None, None,
                                           "themes extend each other in a loop")])
        directories.append(directory)
        meta = _read_meta(directory)
        params = {**meta.get("params", {}), **params}
        name = meta.get("extends", "")
    return Theme(config.theme, tuple(directories), _strings(directories), params)


def _read_meta(directory: Path) -> dict:
    path = directory / "theme.toml"
    if not path.is_file():
        return {}
    try:
        meta = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise BuildFailed([SourceError(str(path), None, None, f"invalid theme.toml: {exc}")]) from None
    unknown = set(meta) - _THEME_KEYS
    if unknown:
        raise BuildFailed([SourceError(str(path), None, None, f"unknown key(s) {sorted(unknown)} in theme.toml",
                                       "valid keys: " + ", ".join(sorted(_THEME_KEYS)))])
    return meta


def _strings(directories: list[Path]) -> dict[str, dict[str, str]]:
    strings: dict[str, dict[str, str]] = {}
    for directory in reversed(directories):
        for path in sorted((directory / "i18n").glob("*.toml")):
            try:
                table = tomllib.loads(path.read_text(encoding="utf-8"))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                raise BuildFailed([SourceError(str(path), None, None, f"invalid strings file: {exc}")]) from None
            strings.setdefault(path.stem, {}).update({k: str(v) for k, v in table.items()})
    return strings


def make_environment(theme: Theme, config: Config, asset_urls: dict[str, str],
                     memory: BuildMemory | None = None) -> jinja2.Environment:
    """The Jinja environment: autoescaped, strict about undefined names, with our filters.

    A process that builds many times (the preview) keeps environments in its `memory`: compiled templates
    are kept while the theme's template files are unchanged. Within a build a template is loaded once:
    Jinja's auto-reload would stat its file on every `include` (~300,000 times in a build of 10,000
    articles).
    """
    key = (config.digest, theme.directories, repr(theme.strings), repr(theme.params), tuple(sorted(asset_urls.items())))
    kept = memory.environments if memory is not None else {}
    stamp = templates_stamp(theme)
    environment, loaded_from = kept.get(key, (None, None))
    if environment is None:
        if len(kept) > 8:
            kept.clear()
        environment = _new_environment(theme, config, asset_urls)
    elif loaded_from != stamp:
        environment.cache.clear()
    kept[key] = (environment, stamp)
    return environment


def templates_stamp(theme: Theme) -> str:
    """A digest of the template files' stats: equal stamps, same templates."""
    from generator.cache import files_digest

    folders = tuple(folder + os.sep for folder in theme.template_dirs)
    return files_digest("", [path for path in theme_files(theme) if str(path).startswith(folders)])


def _new_environment(theme: Theme, config: Config, asset_urls: dict[str, str]) -> jinja2.Environment:
    # Jinja and the filters (Babel) load here, not at import: a build with nothing to do never needs them.
    import jinja2

    from generator.render.filters import install_filters

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(theme.template_dirs),
        autoescape=jinja2.select_autoescape(["html", "xml"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
        bytecode_cache=_bytecode_cache(config),
    )
    install_filters(environment, config, theme, asset_urls)
    return environment


def _bytecode_cache(config: Config) -> jinja2.BytecodeCache | None:
    """Compiled templates kept in .cache/templates/ (checked against each template's source by Jinja):
    compiling the default theme costs every worker of a build ~0.1 s. Their code depends on the
    environment made above and on Jinja itself, so each version of either writes its own files; the
    others' are removed. None where the folder cannot be written: templates are then compiled each time."""
    import jinja2

    from generator.cache import CACHE_DIR, code_version

    folder = os.path.join(config.root, CACHE_DIR, "templates")
    prefix = f"{code_version()}-{jinja2.__version__}-"
    try:
        os.makedirs(folder, exist_ok=True)
        for name in os.listdir(folder):
            if not name.startswith(prefix):
                os.unlink(os.path.join(folder, name))
    except OSError:
        return None
    return jinja2.FileSystemBytecodeCache(folder, prefix + "%s")


def theme_files(theme: Theme) -> list[Path]:
    """Every file of the theme chain (templates, static files, theme.toml, strings)."""
    return [path for directory in theme.directories for path in sorted(directory.rglob("*")) if path.is_file()]
