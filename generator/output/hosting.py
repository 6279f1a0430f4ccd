"""Files static hosts read: redirect files and cache headers. Only what [deploy] in site.toml asks for."""

from __future__ import annotations

import json
from collections.abc import Iterable

from generator.config import Config
from generator.site.redirects import Redirect
from generator.site.urls import absolute_url

ASSETS_DIR = "assets/"


def host_files(config: Config, redirects: list[Redirect]) -> dict[str, bytes]:
    """The redirect files of the hosts named in [deploy] redirects."""
    files: dict[str, bytes] = {}
    if "netlify" in config.deploy.redirects:
        lines = ["# Permanent redirects of moved articles (Netlify, Cloudflare Pages). Written by news-archive."]
        lines += [f"{r.old_url} {r.new_url} 301" for r in redirects]
        files["_redirects"] = ("\n".join(lines) + "\n").encode()
    if "nginx" in config.deploy.redirects:
        lines = ["# Permanent redirects of moved articles, as an nginx map. Written by news-archive. Use:",
                 "#   http   { map $uri $news_archive_redirect {",
                 "#              default \"\"; include /path/to/nginx-redirects.map; } }",
                 "#   server { if ($news_archive_redirect) { return 301 $news_archive_redirect; } }"]
        lines += [f"{_nginx_quote(r.old_url)} {_nginx_quote(r.new_url)};" for r in redirects]
        files["nginx-redirects.map"] = ("\n".join(lines) + "\n").encode()
    if "json" in config.deploy.redirects:
        entries = [{"from": r.old_url, "to": r.new_url, "to_absolute": absolute_url(config, r.new_url),
                    "status": 301} for r in redirects]
        files["redirects.json"] = (json.dumps(entries, ensure_ascii=False, indent=1) + "\n").encode()
    return files


def _nginx_quote(url: str) -> str:
    return '"' + url.replace("\\", "\\\\").replace('"', '\\"') + '"'


def headers_file(config: Config, output_paths: Iterable[str]) -> bytes:
    """`_headers` for Netlify and Cloudflare Pages: hashed assets cached for a year, pages revalidated.

    Cloudflare Pages joins a header from every matching rule and Netlify takes the most specific one, so
    the rules never overlap: one for assets/, one per other top-level folder or file.
    """
    base = config.base_path
    blocks = [f"{base}{ASSETS_DIR}*\n  Cache-Control: public, max-age=31536000, immutable\n"
              "  X-Content-Type-Options: nosniff"]
    short = "  Cache-Control: public, max-age=0, must-revalidate\n  X-Content-Type-Options: nosniff"
    tops = sorted({path.split("/", 1)[0] + ("/*" if "/" in path else "") for path in output_paths
                   if not path.startswith(ASSETS_DIR) and path not in ("_headers", "_redirects")})
    blocks.append(f"{base}\n{short}")
    blocks += [f"{base}{top}\n{short}" for top in tops]
    return ("# Cache headers for Netlify and Cloudflare Pages. Written by news-archive.\n"
            + "\n".join(blocks) + "\n").encode()
