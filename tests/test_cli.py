"""The command line: exit codes 0 / 1 / 2, messages without tracebacks, `new`, `--version`."""

from __future__ import annotations

import subprocess
import sys

from conftest import article

from generator import __version__


def run(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=60)


def test_version_and_help():
    assert run("--version").stdout.strip() == f"news-archive {__version__}"
    for command in ("build", "new"):
        result = run(command, "--help")
        assert result.returncode == 0 and "usage: news-archive " + command in result.stdout


def test_build_succeeds_with_exit_code_0(site):
    site.write({"content/articles/a.md": article()})
    result = run("build", "--no-search", cwd=site.root)
    assert result.returncode == 0, result.stderr
    assert "1 articles" in result.stdout or "1 article" in result.stdout
    assert (site.output / "index.html").is_file()


def test_content_errors_exit_1_with_every_error_and_no_traceback(site):
    site.write({"content/articles/a.md": "---\ntitle: A\n---\n", "content/articles/b.md": "---\ntitle: [\n---\n"})
    result = run("build", "--no-search", cwd=site.root)
    assert result.returncode == 1
    assert "content/articles/a.md:1: missing 'date'" in result.stderr
    assert "content/articles/b.md:3:1: invalid YAML" in result.stderr
    assert "build failed: 2 errors" in result.stderr
    assert "Traceback" not in result.stderr


def test_usage_errors_exit_2(site):
    assert run("build", "--no-such-flag", cwd=site.root).returncode == 2
    assert run("frobnicate").returncode == 2
    result = run("build", "--output", ".", cwd=site.root)
    assert result.returncode == 2 and "refusing" in result.stderr and "Traceback" not in result.stderr


def test_an_unusable_cache_folder_is_named_not_reported_as_an_internal_error(site):
    site.write({"content/articles/a.md": article(), ".cache": "not a folder"})
    result = run("build", "--no-search", cwd=site.root)
    assert result.returncode == 1
    assert ".cache/ holds the build cache: it must be a writable folder; deleting it is always safe" in result.stderr
    assert str(site.root / ".cache") in result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    assert not site.output.exists()  # nothing was published from a build that could not keep its state
    (site.root / ".cache").unlink()
    assert run("build", "--no-search", cwd=site.root).returncode == 0


def test_quiet_prints_nothing_on_success_and_verbose_prints_stage_timings(site):
    site.write({"content/articles/a.md": article()})
    assert run("build", "--no-search", "-q", cwd=site.root).stdout == ""
    site.write({"content/articles/a.md": article(title="Changé")})
    verbose = run("build", "--no-search", "-v", cwd=site.root).stdout
    assert "parse" in verbose and "render" in verbose and " ms" in verbose


def test_base_url_flag_is_validated(site):
    result = run("build", "--base-url", "not a url", cwd=site.root)
    assert result.returncode == 2 and "invalid base URL" in result.stderr  # a usage error


def test_new_creates_a_dated_draft_that_builds(site):
    result = run("new", "L’armée russe et Starlink", cwd=site.root)
    assert result.returncode == 0, result.stderr
    path = site.root / result.stdout.strip()
    assert path.name == "l-armee-russe-et-starlink.md" and path.parent.parent.name == "articles"
    text = path.read_text()
    assert 'title: "L’armée russe et Starlink"' in text and "draft: true" in text and "topics: []" in text
    site.write({path.relative_to(site.root).as_posix(): text.replace("draft: true", "draft: false") + "Texte.\n"})
    assert run("build", "--no-search", "--future", cwd=site.root).returncode == 0
    again = run("new", "L’armée russe et Starlink", cwd=site.root)
    assert again.returncode == 2 and "already exists" in again.stderr
