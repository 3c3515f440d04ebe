"""What a refresh builds after its load: the dbt models downstream of what changed since the
last good build, and the publication when it is behind; nothing when nothing changed.

A refresh is two runs of the `daily_refresh` job, each with an asset selection:

1. the load: `raw_exports` (every raw asset, the audit's outputs and their checks);
2. the build, when `plan_build` finds something to do: the dbt models downstream of the
   raw assets whose loads changed (lib/build_state.py says which), of the as-of model when
   the as-of date moved, and of the models that read the audit's file loads themselves
   (the incremental pipeline snapshot); everything, from scratch (`dbt build
   --full-refresh`, the incremental models too), when there is no earlier good build, the
   dbt project changed (an incremental model's SQL may have) or the engine did
   (`CRMWH_ENGINE`; on Spark every change rebuilds every model); plus `published/marts`
   (downstream of any mart, or alone when the current publication is not of the last good
   build, e.g. after a crash between the build and the publication).

`crmwh refresh` runs both in-process (lib/refresh.py), and stops before either when the
landing holds no new or changed batch and the publication is of the last good build.
Under the daemon, the schedule and the new-batch sensor request the load, and
`build_after_load` (defs/operations/jobs.py) requests the build when a load succeeds.
dbt builds the selected models and runs their data tests only (dagster-dbt passes the
selection to `dbt build`); `crmwh refresh --full-refresh` and a run of the whole job (the
Dagster UI's "Materialize all") rebuild and test everything.

A base model reads the audit's quarantine, findings and file loads, but only their rows of
its own export file, and those change only with that file's loads: so the audit's assets
are not roots of the selection, the raw assets are.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from ...lib import settings
from ...lib.build_state import Changes, publication_behind, read_changes
from ..ingestion.assets import LOAD_KEYS, RAW_KEYS
from ..serving.assets import PUBLISHED_MARTS
from ..transform.assets import dbt_models

DBT_KEYS = frozenset(dbt_models.keys)


def _dbt_key(name: str) -> dg.AssetKey:
    (key,) = [k for k in DBT_KEYS if k.path[-1] == name]
    return key


AS_OF = _dbt_key("int_as_of_date")
FILE_LOADS_MODEL = _dbt_key("stg_audit__file_loads")


@functools.cache
def asset_graph():
    """The lineage of the refresh's assets (load, dbt models, publication)."""
    from ...definitions import build_definitions

    return build_definitions().resolve_asset_graph()


@dataclass(frozen=True)
class BuildPlan:
    changes: Changes
    publication_behind: bool
    selection: frozenset[dg.AssetKey]  # dbt models and the publication to materialize

    @property
    def models(self) -> frozenset[dg.AssetKey]:
        return self.selection & DBT_KEYS

    @property
    def full_refresh(self) -> bool:
        """Rebuild the incremental models from scratch too: there is no good build to add
        to, or the dbt project changed (an incremental model's SQL may have), or it was
        asked for."""
        return self.changes.everything and bool(self.models)

    def run_config(self) -> dict:
        """The build run's config: `dbt build --full-refresh` when `full_refresh`."""
        if not self.full_refresh:
            return {}
        return {"ops": {"dbt_models": {"config": {"full_refresh": True}}}}

    def describe(self) -> str:
        if not self.selection:
            return f"{self.changes.reason}: nothing to build, the publication is current"
        if not self.models:
            return f"{self.changes.reason}; publishing the last good build"
        return f"{self.changes.reason}: building {len(self.models)} of {len(DBT_KEYS)} models"


def models_to_build(changes: Changes) -> frozenset[dg.AssetKey]:
    """The dbt asset keys whose inputs changed (see the module docstring). On an engine
    other than DuckDB, every model whenever anything changed: its as-of date is not read
    back into the warehouse file (lib/build_state.py), and the delta files' base models
    are rebuilt on every run anyway (dbt_project/macros/engine.sql)."""
    if changes.everything or (settings.engine() != "duckdb" and not changes.nothing):
        return DBT_KEYS
    graph = asset_graph()
    roots = {RAW_KEYS[f] for f in changes.files if f in RAW_KEYS}
    if changes.as_of_moved:
        roots.add(AS_OF)
    if changes.files:
        roots |= graph.get(FILE_LOADS_MODEL).child_keys - {AS_OF}
    # downstream of the roots, not through the audit's assets (see the module docstring)
    found, todo = set(), list(roots)
    while todo:
        node = todo.pop()
        if node in found:
            continue
        found.add(node)
        todo.extend(child for child in graph.get(node).child_keys if child not in LOAD_KEYS)
    return frozenset(found & DBT_KEYS)


def plan_build(warehouse: Path, publish_dir: Path, *, everything: bool = False) -> BuildPlan:
    """Compare the warehouse's last good build with its state now (read-only; the caller
    holds the refresh lock or accepts a plan that may be stale by the time it runs)."""
    if everything:
        changes, behind = Changes(everything=True, reason="a full refresh was asked for"), True
    else:
        last, changes = read_changes(warehouse)
        behind = publication_behind(last, publish_dir)
    models = models_to_build(changes)
    selection = set(models)
    if behind or any(key.path[0] == "marts" for key in models):
        selection.add(PUBLISHED_MARTS)
    return BuildPlan(changes, behind, frozenset(selection))


def builds_every_change(warehouse: Path, selected: set[dg.AssetKey]) -> bool:
    """At the start of a dbt build: whether its selection holds every model that changed
    since the last good build, so that its success may be recorded as a good build (a
    hand-picked subset in the Dagster UI may not be: then nothing is recorded and the next
    refresh builds what is still pending)."""
    _, changes = read_changes(warehouse)
    return models_to_build(changes) <= selected
