"""`news-archive serve`: build into a preview folder, serve it, rebuild on every change, tell the browser.

The preview never writes to output/: it builds into .cache/preview/site (drafts and future articles
included by default), keeps its search bundle in .cache/preview/pagefind (re-indexed in the background,
debounced), and keeps serving the last good pages when a build fails, with the errors over every page.
"""

from __future__ import annotations

import errno
import queue
import shutil
import threading
import time
import webbrowser
from dataclasses import dataclass, field
from pathlib import Path

from generator.config import CONFIG_FILE
from generator.errors import BuildFailed, SourceError, UsageError
from generator.options import BuildOptions
from generator.output.search import SearchIndexError, prepare_index, replace_dir, run_index, update_bundle
from generator.output.search_layout import SearchPage
from generator.pool import default_jobs
from generator.preview.serve import LOOPBACK_NAMES, PreviewServer
from generator.preview.session import PreviewSession
from generator.preview.watch import ChangeSet, Watcher
from generator.report import Reporter
from generator.result import BuildResult

PREVIEW_DIR = Path(".cache") / "preview"
INDEX_DELAY = 0.5


@dataclass
class RebuildReport:
    """What one rebuild changed, as the browser hears it."""

    build: int
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    stylesheets: list[str] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    seconds: float = 0.0
    quick: bool = False  # applied to the last build's model (preview/quick.py), not a full build


def url_of(output_path: str) -> str:
    """The preview URL path serving an output file ("2024/10/x/index.html" -> "/2024/10/x/")."""
    if output_path == "index.html":
        return "/"
    if output_path.endswith("/index.html"):
        return "/" + output_path[: -len("index.html")]
    return "/" + output_path


class Preview:
    """One preview session: initial build, HTTP server, watcher, background search indexing."""

    def __init__(self, root: Path, host: str = "127.0.0.1", port: int = 8000, drafts: bool = True,
                 reporter: Reporter | None = None, search: bool = True, watch_delay: float = 0.08,
                 jobs: int | None = None):
        self.root = root
        self.reporter = reporter or Reporter()
        self.site_dir = root / PREVIEW_DIR / "site"
        self.bundle_dir = root / PREVIEW_DIR / "pagefind"
        self.drafts = drafts
        self.search = search
        self.first_build_jobs = jobs or default_jobs()
        self.lock = threading.Lock()
        self.rebuilds: list[RebuildReport] = []
        self.rebuilt = threading.Condition()
        try:
            self.server = PreviewServer(self.site_dir, host, port, live=True,
                                        mounts={"pagefind": self.bundle_dir}, on_error=self._message)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise UsageError(f"port {port} on {host} is already in use: stop the other server, or choose "
                                 f"another port with --port (0 picks a free one)") from None
            raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
        self.watcher = Watcher(root, self._changed, self._message, delay=watch_delay)
        # With run_forever(), rebuilds happen on the main thread (where the Markdown time budget works);
        # without it (tools, tests), on the watcher's thread.
        self.pending: queue.Queue[ChangeSet] = queue.Queue()
        self.main_loop = False
        self.index_timer: threading.Timer | None = None
        self.index_lock = threading.Lock()  # guards the timer only, never held for long
        self.indexing = threading.Lock()  # one Pagefind run at a time
        self.index_generation = 0
        self.indexed = threading.Event()
        self.server_thread = threading.Thread(target=self.server.serve_forever, name="preview-http", daemon=True)
        self.last_config = None
        self.session = PreviewSession()

    @property
    def url(self) -> str:
        return self.server.url

    def _message(self, text: str) -> None:
        self.reporter.info(text)

    def _overrides(self) -> dict:
        return {"output_dir": self.site_dir, "base_url": self.url, "drafts": self.drafts,
                "future": self.drafts, "preview": True}

    def start(self) -> None:
        if not (self.root / CONFIG_FILE).is_file():
            # Nothing to preview, and nothing to fix in the browser: say so and stop.
            raise BuildFailed([SourceError(CONFIG_FILE, None, None, f"no site.toml in {self.root}",
                                           "run the command from the site's folder, or pass --root")])
        if self.server.bound_host not in LOOPBACK_NAMES:
            self.reporter.info(f"warning: listening on {self.server.bound_host}: anyone who can reach this "
                               "machine can read your drafts")
        self.site_dir.parent.mkdir(parents=True, exist_ok=True)
        # No other thread runs yet, so the first (full) build may fork worker processes; later rebuilds,
        # beside the server and watcher threads, stay in this process (forking a threaded process can
        # leave a worker holding a lock another thread had).
        self.rebuild(ChangeSet({"(start)"}, {"config"}), jobs=self.first_build_jobs)
        self.server_thread.start()
        self.watcher.start()
        self.reporter.info(f"Preview at {self.url} (Ctrl-C to stop)")

    def _changed(self, changes: ChangeSet) -> None:
        if self.main_loop:
            self.pending.put(changes)
        else:
            self.rebuild(changes)

    def rebuild(self, changes: ChangeSet, jobs: int = 1) -> RebuildReport:
        """Build again through the same pipeline as `build`; tell browsers what changed."""
        with self.lock:
            started = time.perf_counter()
            state = self.server.state
            try:
                # Content-only changes may be article edits that the session applies without a full build.
                result = self.session.rebuild(self.root, BuildOptions(overrides=self._overrides(), jobs=jobs),
                                              _Quiet(self.reporter),
                                              changed=changes.paths if changes.kinds == {"content"} else None)
            except (BuildFailed, UsageError) as failed:
                errors = failed.errors if isinstance(failed, BuildFailed) else [SourceError("site", None, None,
                                                                                             str(failed))]
                state.errors = [self._error_view(error) for error in errors if not error.is_warning]
                for error in errors:
                    self.reporter.problem(error)
                report = RebuildReport(state.build_id, errors=state.errors,
                                       seconds=time.perf_counter() - started)
                state.publish("errors", {"errors": state.errors})
                return self._record(report)
            report = self._report(result, time.perf_counter() - started)
            state.errors = []
            state.build_id += 1
            report.build = state.build_id
            state.publish("reload", report.__dict__)
            self.last_config = result.config
            written = len(report.changed) + len(report.stylesheets)
            self.reporter.info(f"rebuilt in {report.seconds * 1000:.0f} ms: {written} changed, "
                               f"{len(report.removed)} removed ({', '.join(sorted(changes.paths)[:3])}"
                               f"{'…' if len(changes.paths) > 3 else ''})")
            if self.search and (report.changed or report.removed or not self.bundle_dir.exists()):
                self._schedule_index(result.search_pages)
            return self._record(report)

    def _record(self, report: RebuildReport) -> RebuildReport:
        with self.rebuilt:
            self.rebuilds.append(report)
            self.rebuilt.notify_all()
        return report

    def _report(self, result: BuildResult, seconds: float) -> RebuildReport:
        changed = [url_of(path) for path in result.write.written]
        return RebuildReport(
            build=0,
            changed=[url for url in changed if not url.endswith(".css")],
            removed=[url_of(path) for path in result.write.pruned],
            stylesheets=[url for url in changed if url.endswith(".css")],
            seconds=seconds,
            quick=result.quick,
        )

    def _error_view(self, error: SourceError) -> dict:
        """The error as the overlay shows it: its message and the offending line of the file."""
        excerpt = ""
        if error.line:
            try:
                lines = (self.root / error.path).read_text(encoding="utf-8", errors="replace").splitlines()
                if 0 < error.line <= len(lines):
                    excerpt = f"{error.line:>5} | {lines[error.line - 1]}"
                    if error.col:
                        excerpt += "\n" + " " * (8 + error.col - 1) + "^"
            except OSError:
                pass
        return {"message": error.format(), "excerpt": excerpt}

    def _schedule_index(self, pages: list[SearchPage]) -> None:
        with self.index_lock:
            if self.index_timer is not None:
                self.index_timer.cancel()
            self.indexed.clear()
            self.index_generation += 1
            self.index_timer = threading.Timer(INDEX_DELAY, self._index, args=(pages, self.index_generation))
            self.index_timer.daemon = True
            self.index_timer.start()

    def _index(self, pages: list[SearchPage], generation: int) -> None:
        # Runs beside the server and never holds the build lock while Pagefind works: a save during
        # indexing rebuilds and reloads at once. Only the snapshot of the changed shards' pages waits for
        # a running rebuild. Only changed shards are replaced.
        work = self.root / PREVIEW_DIR / "work"
        try:
            with self.indexing:
                with self.lock:
                    plan = prepare_index(self.last_config, self.site_dir, pages, self.bundle_dir, work)
                if self.bundle_dir.is_dir():
                    report = update_bundle(plan, self.bundle_dir, self.reporter)
                else:
                    fresh = self.bundle_dir.with_name(self.bundle_dir.name + ".new")
                    if fresh.exists():
                        shutil.rmtree(fresh)
                    report = run_index(plan, fresh, self.reporter, jobs=1)
                    replace_dir(fresh, self.bundle_dir)
                if report.indexed:
                    self.reporter.detail(f"search index refreshed ({len(report.indexed)} shard(s))")
        except (SearchIndexError, OSError) as exc:
            self.reporter.info(f"search: {exc}")
        finally:
            with self.index_lock:
                if generation == self.index_generation:  # nothing newer is waiting
                    self.indexed.set()

    def wait_for_rebuild(self, count: int, timeout: float = 10.0) -> RebuildReport:
        """Block until at least `count` rebuilds happened (for tests and tools)."""
        with self.rebuilt:
            if not self.rebuilt.wait_for(lambda: len(self.rebuilds) >= count, timeout):
                raise TimeoutError(f"no rebuild number {count} within {timeout} s")
            return self.rebuilds[count - 1]

    def run_forever(self, open_browser: bool = False) -> None:
        if open_browser:
            webbrowser.open(self.url)
        self.main_loop = True
        try:
            while True:
                try:
                    changes = self.pending.get(timeout=1)
                except queue.Empty:
                    self.watcher.ensure_alive()
                    continue
                while not self.pending.empty():  # everything that arrived during the last rebuild
                    more = self.pending.get_nowait()
                    changes.paths |= more.paths
                    changes.kinds |= more.kinds
                self.rebuild(changes)
        except KeyboardInterrupt:
            self.reporter.info("\nstopping the preview")
        finally:
            self.stop()

    def stop(self) -> None:
        self.watcher.stop()
        with self.index_lock:
            if self.index_timer is not None:
                self.index_timer.cancel()
        if self.server_thread.is_alive():
            self.server.stop()
            self.server_thread.join(timeout=5)
        else:
            self.server.server_close()


class _Quiet(Reporter):
    """A rebuild's own summary lines are replaced by the preview's one-line report; problems still show."""

    def __init__(self, parent: Reporter):
        super().__init__(parent.verbosity, parent.out, parent.err)
        self.parent = parent

    def info(self, message: str) -> None:
        return

    def detail(self, message: str) -> None:
        return

    def problem(self, error: SourceError) -> None:
        self.parent.problem(error)
