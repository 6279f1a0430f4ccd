"""Command line: `init`, `build`, `new`, `serve`, `check`. Flags become config overrides; no logic lives here."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from datetime import datetime
from pathlib import Path
from typing import NoReturn

from generator import __version__
from generator.cache import CACHE_DIR
from generator.errors import BuildFailed, UsageError
from generator.report import Reporter

EXIT_OK, EXIT_CONTENT, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="news-archive",
                                     description="Build, preview and check a static news archive.")
    parser.add_argument("--version", action="version", version=f"news-archive {__version__}")
    parser.add_argument("--debug", action="store_true", help="show Python tracebacks for internal errors")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    build = commands.add_parser("build", help="build the site into output/",
                                description="Build the site into its output directory.")
    _site_options(build)
    build.add_argument("--no-search", action="store_true", help="skip the Pagefind search index")
    build.add_argument("-j", "--jobs", type=int, default=None, metavar="N",
                       help="processes for parsing and rendering (default: the number of cores)")
    build.add_argument("--strict", action="store_true", default=None, help="treat warnings as errors")
    loudness = build.add_mutually_exclusive_group()
    loudness.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    loudness.add_argument("-v", "--verbose", action="store_true", help="print stage timings and details")

    serve = commands.add_parser("serve", help="preview the site with live reload",
                                description="Build into .cache/preview (never output/), serve it on 127.0.0.1, "
                                            "rebuild on every change and reload the browser.")
    serve.add_argument("--root", type=Path, default=Path("."), help="the site folder (default: current folder)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default: 8000; 0 picks a free one)")
    serve.add_argument("--drafts", action=argparse.BooleanOptionalAction, default=True,
                       help="show drafts and future-dated articles (default: yes)")
    serve.add_argument("--open", action="store_true", help="open the preview in a web browser")
    serve.add_argument("-j", "--jobs", type=int, default=None, metavar="N",
                       help="processes for the first build (default: the number of cores)")
    serve.add_argument("--no-search", action="store_true", help="do not index the preview for search")
    serve.add_argument("-v", "--verbose", action="store_true", help="print more about each rebuild")

    check = commands.add_parser("check", help="check a built site before deploying it",
                                description="Check the built site: internal links and anchors, base URL, feeds "
                                            "and sitemap, drafts, search index; --external checks outbound links.")
    check.add_argument("--root", type=Path, default=Path("."), help="the site folder (default: current folder)")
    check.add_argument("--output", metavar="DIR", type=Path, help="the built site (default: output)")
    check.add_argument("--base-url", metavar="URL", help="the base URL the site was built for")
    check.add_argument("--external", action="store_true", help="also check outbound links (cached in .cache/)")
    check.add_argument("--strict", action="store_true", default=None,
                       help="dead external links are errors, not warnings")

    init = commands.add_parser("init", help="create a new site",
                               description="Create a new site in DIR (new or empty): site.toml, an example "
                                           "article, an about page, static/ and a .gitignore.")
    init.add_argument("directory", nargs="?", type=Path, default=Path("."), metavar="DIR",
                      help="the new site's folder (default: the current folder, if empty)")
    init.add_argument("--title", help="the site's title")
    init.add_argument("--lang", default="fr", help="the site's language: fr or en (default: fr)")
    init.add_argument("--base-url", metavar="URL", help="where the site will be published (default: https://example.org/)")
    init.add_argument("--ci", metavar="HOST", help="add a workflow that builds and publishes the site: github")

    new = commands.add_parser("new", help="create a new article file",
                              description="Create a dated draft article and print its path.")
    new.add_argument("title", help="the article's title, e.g. \"Titre de l'article\"")
    new.add_argument("--root", type=Path, default=Path("."), help="the site folder (default: current folder)")
    return parser


def _site_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--root", type=Path, default=Path("."), help="the site folder (default: current folder)")
    parser.add_argument("--drafts", action="store_true", default=None, help="include draft articles")
    parser.add_argument("--future", action="store_true", default=None, help="include future-dated articles")
    parser.add_argument("--base-url", metavar="URL", help="public URL of the site, e.g. https://example.org/archive/")
    parser.add_argument("--output", metavar="DIR", type=Path, help="output directory (default: output)")


def run() -> NoReturn:
    """The `news-archive` command: `main`, then exit without tearing the interpreter down.

    A build of 10,000 articles leaves a few hundred thousand objects that the interpreter would free one
    by one on the way out (about 0.4 s, a tenth of an incremental build). Everything the command writes
    is closed and renamed before `main` returns; only the standard streams need flushing.
    """
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "build":
            return _build(args)
        if args.command == "new":
            return _new(args)
        if args.command == "init":
            return _init(args)
        if args.command == "serve":
            return _serve(args)
        if args.command == "check":
            return _check(args)
    except BuildFailed as failed:
        for error in failed.errors:
            print(error.format(), file=sys.stderr)
        count = sum(not e.is_warning for e in failed.errors)
        print(f"{args.command} failed: {count} error{'s' if count != 1 else ''}", file=sys.stderr)
        return EXIT_CONTENT
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except OSError as exc:
        if args.debug:
            raise
        print(f"error: {_file_system_failure(exc)}", file=sys.stderr)
        return EXIT_CONTENT
    except Exception as exc:  # noqa: BLE001 - an internal error still gets a sentence, not a traceback
        if args.debug:
            raise
        print(f"internal error: {type(exc).__name__}: {exc} (run with --debug for details, "
              "and please report it)", file=sys.stderr)
        return EXIT_CONTENT
    return EXIT_USAGE


def _file_system_failure(exc: OSError) -> str:
    """A sentence for a file the build could not read or write (permissions, a file where a folder
    should be, a full disk): the file, the system's reason, what to do."""
    where = f"{exc.filename}: " if exc.filename else ""
    reason = exc.strerror or str(exc)
    if exc.filename and CACHE_DIR in Path(os.fsdecode(exc.filename)).parts:
        hint = f"{CACHE_DIR}/ holds the build cache: it must be a writable folder; deleting it is always safe"
    else:
        hint = "check that the folder exists and is writable, and that the disk has room"
    return f"{where}{reason} ({hint})"


def _build(args: argparse.Namespace) -> int:
    from generator.build import build
    from generator.options import BuildOptions
    from generator.pool import default_jobs

    reporter = Reporter(0 if args.quiet else 2 if args.verbose else 1)
    overrides = {"drafts": args.drafts, "future": args.future, "base_url": args.base_url,
                 "output_dir": args.output, "strict": args.strict}
    if args.jobs is not None and args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    options = BuildOptions(overrides=overrides, search=not args.no_search, jobs=args.jobs or default_jobs())
    build(args.root.resolve(), options, reporter=reporter)
    return EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    from generator.preview.preview import Preview

    if not 0 <= args.port <= 65535:
        raise UsageError(f"invalid port {args.port}")
    if args.jobs is not None and args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    preview = Preview(args.root.resolve(), args.host, args.port, drafts=args.drafts,
                      reporter=Reporter(2 if args.verbose else 1), search=not args.no_search, jobs=args.jobs)
    # A service manager's SIGTERM stops the preview as cleanly as Ctrl-C does.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        preview.start()
    except BaseException:
        preview.stop()
        raise
    preview.run_forever(open_browser=args.open)
    return EXIT_OK


def _check(args: argparse.Namespace) -> int:
    from generator.check import run_check

    overrides = {"base_url": args.base_url, "output_dir": args.output, "strict": args.strict}
    problems, external = run_check(args.root.resolve(), overrides, args.external)
    for problem in problems:
        print(problem.format(), file=sys.stderr)
    errors = sum(not p.is_warning for p in problems)
    warnings = len(problems) - errors
    checked = f", {external} external links checked" if args.external else ""
    if errors:
        print(f"check failed: {errors} error{'s' if errors != 1 else ''}, {warnings} warnings{checked}",
              file=sys.stderr)
        return EXIT_CONTENT
    print(f"check passed: {warnings} warnings{checked}")
    return EXIT_OK


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _init(args: argparse.Namespace) -> int:
    from generator.init import init_site

    target = args.directory
    written = init_site(target.resolve(), datetime.now().astimezone(), args.title, args.lang, args.base_url, args.ci)
    print(f"Created a site in {target}:")
    for path in written:
        print(f"  {os.path.relpath(path, target.resolve())}")
    print("  static/   (files published as they are: favicon, PDFs, images)")
    go = "" if target.resolve() == Path.cwd() else f"cd {target} && "
    print(f"Next: {go}news-archive serve     preview it at http://127.0.0.1:8000/ while you write\n"
          f"      {go}news-archive new \"Titre\"   a new article\n"
          f"      {go}news-archive build && news-archive check   the site to publish, in output/")
    return EXIT_OK


def _new(args: argparse.Namespace) -> int:
    from generator.new import create_article

    path = create_article(args.root.resolve(), args.title, datetime.now().astimezone())
    print(os.path.relpath(path))
    return EXIT_OK
