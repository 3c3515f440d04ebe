"""The dbt project as Dagster sees it, with a manifest that is always current."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

from ...lib import settings
from ...lib.dbt_wrapper import as_parent, wrapper_executable

log = logging.getLogger("crmwh")

DBT_SOURCES = ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "tests", "analyses")


def _newest_source_mtime(project_dir: Path) -> float:
    newest = 0.0
    for name in DBT_SOURCES:
        path = project_dir / name
        paths = [path] if path.is_file() else path.rglob("*") if path.is_dir() else []
        for p in paths:
            newest = max(newest, p.stat().st_mtime)
    return newest


def load_dbt_project() -> DbtProject:
    """The dbt project; parsed here when its manifest is missing or older than its files
    (so a fresh clone, or an edited model, needs no separate `dbt parse`)."""
    settings.export_environment()  # profiles.yml reads CRMWH_WAREHOUSE
    project = DbtProject(project_dir=settings.DBT_PROJECT_DIR)
    manifest = project.manifest_path
    if not manifest.exists() or manifest.stat().st_mtime < _newest_source_mtime(
        project.project_dir
    ):
        with as_parent():
            parse = dbt_cli(project).cli(["parse", "--quiet"], target_path=project.target_path)
        parse.wait()
        manifest.touch()  # dbt leaves an unchanged manifest as it was: mark it as checked
    return project


def dbt_cli(project: DbtProject) -> DbtCliResource:
    """The dbt CLI of this environment (found beside the Python running us, so that
    `.venv/bin/crmwh` works without an activated virtual environment), started through
    `crmwh-dbt` (lib/dbt_wrapper.py): dbt dies with the process that started it, so a
    killed refresh leaves no dbt writing to the warehouse."""
    wrapper = wrapper_executable()
    if wrapper is None:
        log.warning("crmwh-dbt is not installed (run `make install`): dbt may outlive a crash")
        executable = Path(sys.executable).with_name("dbt")
        wrapper = str(executable) if executable.exists() else "dbt"
    return DbtCliResource(project_dir=project, dbt_executable=wrapper)


dbt_project = load_dbt_project()
