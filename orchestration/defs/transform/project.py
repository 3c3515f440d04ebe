"""The dbt project as Dagster sees it, and how its manifest is prepared.

The manifest (`dbt_project/target/manifest.json`) is prepared by dagster-dbt itself
(`DbtProject`'s preparer: `dbt deps`, then `dbt parse`):

- under `dagster dev`, on every load of the code location (`prepare_if_dev` below), so an
  edited model shows up on reload;
- by `make install` (`dagster-dbt project prepare-and-package --file` this file), again
  whenever a file of the dbt project changed, so the tests, `dagster definitions validate`
  and a deployed webserver and daemon find it;
- at the start of `crmwh refresh` when it is missing or older than a file of the dbt
  project (`prepare_if_stale`, lib/refresh.py), so a fresh clone or an edited model needs
  no separate step.

Absolute imports: `dagster-dbt project prepare-and-package` loads this file by its path.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

from orchestration.lib import settings
from orchestration.lib.build_state import PROJECT_FILES
from orchestration.lib.dbt_wrapper import wrapper_executable

log = logging.getLogger("crmwh")


def _dbt_on_path() -> None:
    """dagster-dbt's preparer starts `dbt` from PATH: put this environment's scripts first,
    so that `.venv/bin/dagster dev` and `.venv/bin/crmwh` work without an activated virtual
    environment."""
    scripts = str(Path(sys.executable).parent)
    path = os.environ.get("PATH", "")
    if scripts not in path.split(os.pathsep):
        os.environ["PATH"] = os.pathsep.join(p for p in (scripts, path) if p)


settings.export_environment()  # profiles.yml reads CRMWH_WAREHOUSE
_dbt_on_path()
dbt_project = DbtProject(project_dir=settings.DBT_PROJECT_DIR)
dbt_project.prepare_if_dev()


def manifest_is_current(project: DbtProject = dbt_project) -> bool:
    """The manifest exists and no file of the dbt project is newer."""
    if not project.manifest_path.exists():
        return False
    prepared = project.manifest_path.stat().st_mtime
    for name in PROJECT_FILES:
        path = project.project_dir / name
        paths = [path] if path.is_file() else path.rglob("*") if path.is_dir() else []
        if any(p.stat().st_mtime > prepared for p in paths):
            return False
    return True


def prepare_if_stale(project: DbtProject = dbt_project) -> None:
    """Outside `dagster dev`, dagster-dbt reads the manifest prepared beforehand: prepare it
    (dagster-dbt's own preparation, as `dagster-dbt project prepare-and-package` does) when
    it is missing or out of date. Called where a refresh starts, before the definitions are
    loaded; a current manifest costs a look at the files' times, not a dbt start-up."""
    if not manifest_is_current(project):
        log.info("preparing the dbt manifest (dbt deps, dbt parse)")
        project.preparer.prepare(project)


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
