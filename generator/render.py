"""`Job` -> bytes. The worker entry point: pure given the environment and the job's context."""

from __future__ import annotations

import traceback
from dataclasses import dataclass

import jinja2

from .config import Config
from .errors import SourceError
from .feeds import render_atom
from .model import Job
from .sitemap import render_sitemap
from .theme import Theme


@dataclass(frozen=True)
class Rendered:
    output_path: str
    data: bytes


class Renderer:
    """Renders jobs with one Jinja environment; template errors become located `SourceError`s."""

    def __init__(self, config: Config, theme: Theme, environment: jinja2.Environment):
        self.config = config
        self.theme = theme
        self.environment = environment

    def render_job(self, job: Job) -> Rendered:
        if job.renderer == "atom":
            return Rendered(job.output_path, render_atom(self.config, job.context))
        if job.renderer == "sitemap":
            return Rendered(job.output_path, render_sitemap(self.config, job.context))
        template = self.environment.get_template(job.template)
        text = template.render(job.context)
        return Rendered(job.output_path, text.encode("utf-8"))

    def template_error(self, job: Job, exc: Exception) -> SourceError:
        """Locate a template failure in the template file, naming the page being rendered."""
        if isinstance(exc, jinja2.TemplateSyntaxError):
            path = exc.filename or self.theme.template_path(exc.name or job.template)
            return SourceError(path, exc.lineno, None, f"template syntax error: {exc.message}")
        if isinstance(exc, jinja2.TemplateNotFound):
            return SourceError(self.theme.template_path(job.template), None, None,
                               f"template {exc.name!r} not found", "add it to your theme or fix its name")
        template_dirs = tuple(self.theme.template_dirs)
        frames = [frame for frame in traceback.extract_tb(exc.__traceback__)
                  if frame.filename.startswith(template_dirs)]
        if frames:
            frame = frames[-1]
            return SourceError(frame.filename, frame.lineno, None,
                               f"error while rendering {job.output_path}: {exc}")
        return SourceError(self.theme.template_path(job.template), None, None,
                           f"error while rendering {job.output_path}: {type(exc).__name__}: {exc}")
