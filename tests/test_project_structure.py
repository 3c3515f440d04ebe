"""The dbt project's structure, as dbt Labs' dbt-project-evaluator checks it.

The evaluator is a dbt package from dbt's hub, which the machines that build this project
cannot reach; so its main rules are stated here over the manifest that `dbt parse` writes
(a fresh parse into a temporary target path: nothing is read from or written to
`dbt_project/target`). One test per rule, named after the evaluator's `fct_<rule>` model;
a failure lists the offending nodes and what to do.

Layers are told by prefix first, then by the closest layer folder (the evaluator's
`model_type`): `base_` base, `stg_` staging, `int_` intermediate, `fct_`/`dim_`/`rpt_`
marts (`rpt_` are this project's report marts, which the evaluator would call `other`).
Seeds may be named anything.

A finding that is right by design goes in EXCEPTIONS, with the reason: the rule, a pattern
of the node's name (`fnmatch`: a model's name, a source as `source_name.table_name`) and
why. An exception that matches no finding any more fails too
(`test_every_exception_still_matches_a_finding`), so the list stays as short as the
design allows.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from functools import cached_property
from pathlib import Path, PurePosixPath

import pytest

from orchestration.lib.settings import DBT_PROJECT_DIR, PROJECT_ROOT

# --- Exceptions: findings that are the design, not a fault ---------------------------------
# (rule, pattern of the finding's node, why). The node is a model's name, a source's
# `source_name.table_name`, or for rejoining_of_upstream_concepts `parent -> between -> child`.
EXCEPTIONS: list[tuple[str, str, str]] = [
    (
        "multiple_sources_joined",
        "base_*",
        # dbt's structure guide: where staging needs a join (deleted records, quarantine), a
        # base model per source table does it, and the staging model reads only base models.
        "base models are where raw meets the audit's decisions: a base model joins its "
        "system's source table with the audit source (quarantine, file loads)",
    ),
    (
        "source_fanout",
        "audit.*",
        "the audit's quarantine and file loads are about every source table: each base "
        "model applies them to its own table, so each audit table has a child per table",
    ),
    (
        "rejoining_of_upstream_concepts",
        "int_as_of_date -> *",
        "the as-of date is a one-row parameter that every model of the as-of view reads, "
        "as a calendar would be: a model reading it beside a parent that also read it "
        "rejoins no concept",
    ),
    (
        "rejoining_of_upstream_concepts",
        "stg_crm__deals -> int_deal_lost_reasons_categorised -> fct_deals",
        "the lost-reason categorisation (first pattern of the seed wins) is a business rule "
        "in a model named after it, with its own unit test; fct_deals joins its result to "
        "the deals",
    ),
    (
        "rejoining_of_upstream_concepts",
        "stg_crm__goals -> int_goal_periods_generated -> fct_goal_attainment",
        "the goal periods (whole periods clipped to the goal and the as-of date) are a "
        "business rule in a model named after it, with its own unit test; "
        "fct_goal_attainment reads the goals' scope beside the generated periods",
    ),
    (
        "rejoining_of_upstream_concepts",
        "fct_deals -> rpt_revenue_plan -> rpt_revenue_plan_by_stage",
        "rpt_revenue_plan is a public mart of its own (the reverse funnel per period), not a "
        "step to fold into its by-stage breakdown, which reads fct_deals for the deals closed "
        "in the 365 days before the as-of date",
    ),
    (
        "model_fanout",
        "int_as_of_date",
        "the as-of date is a one-row parameter that the report marts read: a shared input, "
        "not one concept split over its children",
    ),
    (
        "model_fanout",
        "fct_deals",
        "fct_deals is the deal grain that the report marts (rpt_*, the published contract of "
        "docs/marts.md) and fct_quotes aggregate: outputs of the project, not logic to move "
        "to a BI tool",
    ),
    (
        "model_naming_conventions",
        "map_*",
        "map_payment_customer and map_support_requester are named by the marts contract "
        "(docs/marts.md, Dimensions), a stable interface BI tools query: bridges from a "
        "payment customer or a requester e-mail to a CRM account, without an unknown member",
    ),
    (
        "sources_without_freshness",
        "audit.[qf][ui]*",
        "audit.quarantine and audit.findings get rows only when the audit finds something in "
        "a record: days without a new row are the good case, so a freshness threshold would "
        "warn on a clean feed",
    ),
]

# --- The project's conventions --------------------------------------------------------------
LAYER_PREFIXES: dict[str, tuple[str, ...]] = {
    "base": ("base_",),
    "staging": ("stg_",),
    "intermediate": ("int_",),
    "marts": ("fct_", "dim_", "rpt_"),
}
# the folder of each layer (the closest one to the file counts: models/staging/crm/base/)
LAYER_FOLDERS = {
    "base": "base",
    "staging": "staging",
    "intermediate": "intermediate",
    "marts": "marts",
}
# layers that read sources (through base models, or staging directly when it needs no base)
SOURCE_LAYERS = ("base", "staging")
# what each layer may not read: data flows base -> staging -> intermediate -> marts (as in
# the evaluator, which checks only what staging reads: base models too here).
DOWNSTREAM_OF = {
    "base": ("intermediate", "marts"),
    "staging": ("intermediate", "marts"),
}
MODELS_FANOUT_THRESHOLD = 3  # the evaluator's default: 3 or more leaf children
CHAINED_VIEWS_THRESHOLD = 4  # the evaluator's default: 4 or more views in a row
TEST_COVERAGE_TARGET = 100.0  # percent of models with at least one data test


# --- The manifest -----------------------------------------------------------------------------
@dataclass
class Project:
    """The project's own nodes from dbt's manifest, with the DAG between them (tests left
    out, as the evaluator does)."""

    manifest: dict
    project_name: str = field(init=False)

    def __post_init__(self) -> None:
        self.project_name = self.manifest["metadata"]["project_name"]

    def _own(self, nodes: dict) -> dict[str, dict]:
        return {k: v for k, v in nodes.items() if v.get("package_name") == self.project_name}

    @cached_property
    def models(self) -> dict[str, dict]:
        return {
            k: v
            for k, v in self._own(self.manifest["nodes"]).items()
            if v["resource_type"] == "model"
        }

    @cached_property
    def tests(self) -> dict[str, dict]:
        return {
            k: v
            for k, v in self._own(self.manifest["nodes"]).items()
            if v["resource_type"] == "test"
        }

    @cached_property
    def sources(self) -> dict[str, dict]:
        return self._own(self.manifest["sources"])

    @cached_property
    def exposures(self) -> dict[str, dict]:
        return self._own(self.manifest["exposures"])

    def name(self, unique_id: str) -> str:
        """A node's name as the evaluator shows it (`source_name.table_name` for a source)."""
        if unique_id in self.sources:
            source = self.sources[unique_id]
            return f"{source['source_name']}.{source['name']}"
        node = self.manifest["nodes"].get(unique_id) or self.manifest["exposures"].get(unique_id)
        return node["name"] if node else unique_id

    def kind(self, unique_id: str) -> str:
        return unique_id.split(".", 1)[0]

    def parents(self, unique_id: str) -> list[str]:
        """Direct parents of a model or an exposure (models, seeds, snapshots, sources)."""
        node = self.models.get(unique_id) or self.exposures.get(unique_id)
        return sorted(set(node["depends_on"]["nodes"])) if node else []

    @cached_property
    def children(self) -> dict[str, list[str]]:
        """Direct children (models and exposures) of every node."""
        children: dict[str, list[str]] = defaultdict(list)
        for child in [*self.models, *self.exposures]:
            for parent in self.parents(child):
                children[parent].append(child)
        return children

    def layer(self, unique_id: str) -> str:
        """The evaluator's model type: by prefix first, then by the closest layer folder."""
        return self.prefix_layer(unique_id) or self.folder_layer(unique_id) or "other"

    def prefix_layer(self, unique_id: str) -> str | None:
        name = self.models[unique_id]["name"]
        return next(
            (layer for layer, prefixes in LAYER_PREFIXES.items() if name.startswith(prefixes)),
            None,
        )

    def folder_layer(self, unique_id: str) -> str | None:
        folders = self.folders(unique_id)
        return next(
            (
                layer
                for part in reversed(folders)
                for layer, f in LAYER_FOLDERS.items()
                if part == f
            ),
            None,
        )

    def folders(self, unique_id: str) -> tuple[str, ...]:
        node = self.models.get(unique_id) or self.sources.get(unique_id)
        return PurePosixPath(node["original_file_path"]).parent.parts

    def tests_of(self, unique_id: str) -> list[dict]:
        """Data tests on a model: generic tests attached to it, singular tests reading it."""
        return [
            test
            for test in self.tests.values()
            if test.get("attached_node") == unique_id
            or (not test.get("attached_node") and unique_id in test["depends_on"]["nodes"])
        ]


def dbt_parse(target: os.PathLike) -> dict:
    """`dbt parse` of the project into `target`, with the project's profile (its warehouse a
    throw-away path: parsing opens no database) and no trace beside the project."""
    dbt = os.path.join(os.path.dirname(sys.executable), "dbt")
    env = {
        **os.environ,
        "CRMWH_WAREHOUSE": os.path.join(target, "parse.duckdb"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",  # else dbt writes .user.yml
    }
    command = [
        dbt if os.path.exists(dbt) else "dbt",
        "parse",
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        os.path.join(target, "target"),
        "--log-path",
        os.path.join(target, "logs"),
        "--no-partial-parse",
    ]
    run = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    if run.returncode != 0:
        pytest.fail(f"dbt parse failed:\n{run.stdout[-4000:]}\n{run.stderr[-2000:]}")
    return json.loads((Path(target) / "target" / "manifest.json").read_text())


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    return Project(dbt_parse(tmp_path_factory.mktemp("dbt_parse")))


# --- Findings and exceptions ------------------------------------------------------------------
@dataclass(frozen=True)
class Finding:
    node: str  # the name the exceptions match
    detail: str = ""


def excepted(rule: str, finding: Finding) -> bool:
    return any(r == rule and fnmatchcase(finding.node, p) for r, p, _ in EXCEPTIONS)


def check(rule: str, findings: Iterable[Finding], advice: str) -> None:
    """Fail with every finding of `rule` that no exception covers."""
    remaining = sorted(
        {f for f in findings if not excepted(rule, f)}, key=lambda f: (f.node, f.detail)
    )
    if remaining:
        lines = "\n".join(
            f"  - {f.node}" + (f": {f.detail}" if f.detail else "") for f in remaining
        )
        pytest.fail(
            f"{rule}: {len(remaining)} finding(s). {advice}\n{lines}\n"
            "(an exception justified by design goes in EXCEPTIONS, with why)",
            pytrace=False,
        )


def names(project: Project, unique_ids: Iterable[str]) -> str:
    return ", ".join(sorted(project.name(u) for u in unique_ids))


# --- Modeling ---------------------------------------------------------------------------------
def direct_join_to_source(p: Project) -> list[Finding]:
    findings = []
    for model in p.models:
        sources = [x for x in p.parents(model) if p.kind(x) == "source"]
        models = [x for x in p.parents(model) if p.kind(x) == "model"]
        if sources and models:
            findings.append(
                Finding(p.name(model), f"sources {names(p, sources)}; models {names(p, models)}")
            )
    return findings


def multiple_sources_joined(p: Project) -> list[Finding]:
    return [
        Finding(p.name(model), names(p, sources))
        for model in p.models
        if len(sources := [x for x in p.parents(model) if p.kind(x) == "source"]) > 1
    ]


def source_fanout(p: Project) -> list[Finding]:
    return [
        Finding(p.name(source), names(p, models))
        for source in p.sources
        if len(models := [c for c in p.children[source] if p.kind(c) == "model"]) > 1
    ]


def rejoining_of_upstream_concepts(p: Project) -> list[Finding]:
    """parent -> between -> child and parent -> child, where `between` has no other child."""
    findings = []
    for between in p.models:
        # exposures left out, as the evaluator does
        model_children = [c for c in p.children[between] if p.kind(c) == "model"]
        if len(model_children) != 1:
            continue
        child = model_children[0]
        for parent in set(p.parents(between)) & set(p.parents(child)):
            findings.append(
                Finding(
                    f"{p.name(parent)} -> {p.name(between)} -> {p.name(child)}",
                    f"{p.name(child)} reads {p.name(parent)} too; {p.name(between)} has no "
                    "other child",
                )
            )
    return findings


def model_fanout(p: Project) -> list[Finding]:
    leaves = {m for m in p.models if not p.children[m]}
    findings = []
    for parent, children in p.children.items():
        leaf_children = [c for c in children if c in leaves]
        if len(leaf_children) >= MODELS_FANOUT_THRESHOLD:
            findings.append(Finding(p.name(parent), f"leaf children {names(p, leaf_children)}"))
    return findings


def root_models(p: Project) -> list[Finding]:
    return [Finding(p.name(model)) for model in p.models if not p.parents(model)]


def staging_dependent_on_downstream_models(p: Project) -> list[Finding]:
    findings = []
    for child in p.models:
        downstream = DOWNSTREAM_OF.get(p.layer(child), ())
        for parent in p.parents(child):
            if parent in p.models and p.layer(parent) in downstream:
                findings.append(
                    Finding(
                        p.name(child),
                        f"{p.layer(child)} reads {p.layer(parent)} model {p.name(parent)}",
                    )
                )
    return findings


def staging_dependent_on_staging(p: Project) -> list[Finding]:
    return [
        Finding(p.name(child), f"reads {p.name(parent)}")
        for child in p.models
        if p.layer(child) == "staging"
        for parent in p.parents(child)
        if parent in p.models and p.layer(parent) == "staging"
    ]


def unused_sources(p: Project) -> list[Finding]:
    return [Finding(p.name(source)) for source in p.sources if not p.children[source]]


# The evaluator's patterns (find_all_hard_coded_references): a relation after `from` or `join`
# written as a `var()`, as `schema.table` or `database.schema.table`, or as a quoted name.
_Q_OPEN, _Q_CLOSE = r"[\[`\"']", r"[\]`\"']"
_PART = rf"{_Q_OPEN}?\w+{_Q_CLOSE}?"
HARD_CODED_REFERENCES = [
    re.compile(
        r"(?<!distinct\s)(?:from|join)\s+(" + body + ")",
        re.IGNORECASE,
    )
    for body in (
        r"{{\s*var\s*\(\s*['\"]?[^)'\"]+['\"]?\s*\)\s*}}",
        r"{{\s*var\s*\(\s*['\"]?[^)'\"]+['\"]?\s*,\s*['\"]?[^)'\"]+['\"]?\s*\)\s*}}",
        rf"{_PART}\.{_PART}(?=\s|$)",
        rf"{_PART}\.{_PART}\.{_PART}(?=\s|$)",
        rf"{_Q_OPEN}\w+{_Q_CLOSE}(?=\s|$)",
    )
]
# Comments are prose ("read from crm.deals ..."), not references: left out before matching.
COMMENTS = re.compile(r"{#.*?#}|--[^\n]*", re.DOTALL)


def hard_coded_references(p: Project) -> list[Finding]:
    findings = []
    for model, node in p.models.items():
        code = COMMENTS.sub("", node.get("raw_code") or "")
        found = {
            m.group(1).strip() for pattern in HARD_CODED_REFERENCES for m in pattern.finditer(code)
        }
        if found:
            findings.append(Finding(p.name(model), ", ".join(sorted(found))))
    return findings


def duplicate_sources(p: Project) -> list[Finding]:
    by_relation: dict[str, list[str]] = defaultdict(list)
    for source, node in p.sources.items():
        relation = ".".join(str(node[k]).lower() for k in ("database", "schema", "identifier"))
        by_relation[relation].append(source)
    return [
        Finding(p.name(source), f"{relation} is also {names(p, set(sources) - {source})}")
        for relation, sources in by_relation.items()
        if len(sources) > 1
        for source in sources
    ]


def downstream_models_dependent_on_source(p: Project) -> list[Finding]:
    return [
        Finding(p.name(model), f"{p.layer(model)} reads {names(p, sources)}")
        for model in p.models
        if p.layer(model) not in SOURCE_LAYERS
        and (sources := [x for x in p.parents(model) if p.kind(x) == "source"])
    ]


# --- Testing ----------------------------------------------------------------------------------
def _is_primary_key_tested(p: Project, model: str) -> bool:
    node = p.models[model]
    if any(c.get("type") == "primary_key" for c in node.get("constraints") or []):
        return True
    unique: set[str] = set()
    not_null: set[str] = set()
    for column, spec in (node.get("columns") or {}).items():
        types = {c.get("type") for c in spec.get("constraints") or []}
        if "primary_key" in types:
            return True
        if "unique" in types:
            unique.add(column.lower())
        if "not_null" in types:
            not_null.add(column.lower())
    for test in p.tests_of(model):
        metadata = test.get("test_metadata") or {}
        if metadata.get("name") == "unique_combination_of_columns":
            return True
        column = test.get("column_name") or metadata.get("kwargs", {}).get("column_name") or ""
        if metadata.get("name") == "unique":
            unique.add(column.lower())
        elif metadata.get("name") == "not_null":
            not_null.add(column.lower())
    return bool((unique & not_null) - {""})


def missing_primary_key_tests(p: Project) -> list[Finding]:
    return [Finding(p.name(m)) for m in p.models if not _is_primary_key_tested(p, m)]


def untested_models(p: Project) -> list[Finding]:
    return [Finding(p.name(m)) for m in p.models if not p.tests_of(m)]


def sources_without_freshness(p: Project) -> list[Finding]:
    findings = []
    for source, node in p.sources.items():
        freshness = node.get("freshness") or {}
        has_threshold = any(
            (freshness.get(k) or {}).get("count") for k in ("warn_after", "error_after")
        )
        if not has_threshold or not (node.get("loaded_at_field") or node.get("loaded_at_query")):
            findings.append(Finding(p.name(source)))
    return findings


# --- Documentation ----------------------------------------------------------------------------
def undocumented_models(p: Project) -> list[Finding]:
    return [Finding(p.name(m)) for m, n in p.models.items() if not n["description"].strip()]


def undocumented_sources(p: Project) -> list[Finding]:
    return [
        Finding(n["source_name"])
        for n in p.sources.values()
        if not (n.get("source_description") or "").strip()
    ]


def undocumented_source_tables(p: Project) -> list[Finding]:
    return [Finding(p.name(s)) for s, n in p.sources.items() if not n["description"].strip()]


# --- Structure --------------------------------------------------------------------------------
def model_naming_conventions(p: Project) -> list[Finding]:
    findings = []
    for model in p.models:
        if p.prefix_layer(model) is None:
            layer = p.layer(model)
            allowed = ", ".join(LAYER_PREFIXES.get(layer, ())) or "none: not in a layer folder"
            findings.append(Finding(p.name(model), f"{layer} model; prefixes: {allowed}"))
    return findings


def model_directories(p: Project) -> list[Finding]:
    """A model lies in its layer's folder, closest to the file; a base or staging model under
    models/staging/<system>/ (its name's `<prefix><system>__`), and its source's folder when
    it is a staging model reading a source (the evaluator's rule); intermediate models and
    marts in an area folder (models/<layer>/<area>/)."""
    findings = []
    for model in p.models:
        name, layer, folders = p.name(model), p.layer(model), p.folders(model)
        where = "/".join(folders)
        folder_layer = p.folder_layer(model)
        if layer in LAYER_FOLDERS and folder_layer != layer:
            findings.append(Finding(name, f"a {layer} model in {where}"))
        if layer in SOURCE_LAYERS:
            system = name.removeprefix(LAYER_PREFIXES[layer][0]).split("__")[0]
            if folders[:3] != ("models", "staging", system):
                findings.append(Finding(name, f"in {where}, not under models/staging/{system}/"))
        if layer == "staging":
            for source in (x for x in p.parents(model) if p.kind(x) == "source"):
                source_name = p.sources[source]["source_name"]
                if source_name not in folders:
                    findings.append(Finding(name, f"reads source {source_name} from {where}"))
        if layer in ("intermediate", "marts") and folder_layer == layer:
            if folders[-1] == LAYER_FOLDERS[layer]:
                findings.append(Finding(name, f"in {where}: not in an area folder"))
    return findings


def source_directories(p: Project) -> list[Finding]:
    findings = []
    for source, node in p.sources.items():
        folders = p.folders(source)
        if folders[:3] != ("models", "staging", node["source_name"]):
            findings.append(
                Finding(
                    p.name(source),
                    f"declared in {node['original_file_path']}, "
                    f"not under models/staging/{node['source_name']}/",
                )
            )
    return findings


# --- Performance ------------------------------------------------------------------------------
def chained_views_dependencies(p: Project) -> list[Finding]:
    """A model downstream of CHAINED_VIEWS_THRESHOLD or more views (or ephemerals) in a row."""
    views = {m for m, n in p.models.items() if n["config"]["materialized"] in ("view", "ephemeral")}
    chain: dict[str, list[str]] = {}

    def longest(model: str) -> list[str]:
        """The longest run of views ending at `model` (empty when it is no view)."""
        if model not in chain:
            chain[model] = []
            if model in views:
                runs = [longest(x) for x in p.parents(model) if x in views]
                chain[model] = [*max(runs, key=len, default=[]), model]
        return chain[model]

    findings = []
    for model in p.models:
        run = max((longest(x) for x in p.parents(model)), key=len, default=[])
        if len(run) >= CHAINED_VIEWS_THRESHOLD:
            findings.append(Finding(p.name(model), " -> ".join(p.name(x) for x in run)))
    return findings


# --- Governance -------------------------------------------------------------------------------
def public_models_without_contract(p: Project) -> list[Finding]:
    return [
        Finding(p.name(m))
        for m, n in p.models.items()
        if n.get("access") == "public" and not (n.get("contract") or {}).get("enforced")
    ]


def exposures_dependent_on_private_models(p: Project) -> list[Finding]:
    findings = []
    for exposure in p.exposures:
        for parent in p.parents(exposure):
            node = p.models.get(parent)
            if node is None or node.get("access") != "public":
                access = node.get("access") if node else p.kind(parent)
                findings.append(Finding(p.name(exposure), f"{p.name(parent)} ({access})"))
    return findings


# --- The tests: one per rule ------------------------------------------------------------------
def test_no_direct_join_to_source(project: Project) -> None:
    check(
        "direct_join_to_source",
        direct_join_to_source(project),
        "A model reads sources (a base or staging model) or models, not both: read the "
        "source through its staging model.",
    )


def test_no_multiple_sources_joined(project: Project) -> None:
    check(
        "multiple_sources_joined",
        multiple_sources_joined(project),
        "One source per model: join downstream of the sources' staging models.",
    )


def test_no_source_fanout(project: Project) -> None:
    check(
        "source_fanout",
        source_fanout(project),
        "A source table feeds one model (its base or staging model); the others read that one.",
    )


def test_no_rejoining_of_upstream_concepts(project: Project) -> None:
    check(
        "rejoining_of_upstream_concepts",
        rejoining_of_upstream_concepts(project),
        "The model in between has one child, which also reads the model's parent: fold it "
        "into that child (a CTE), or have the child read the parent only through it.",
    )


def test_no_model_fanout(project: Project) -> None:
    check(
        "model_fanout",
        model_fanout(project),
        f"{MODELS_FANOUT_THRESHOLD} or more end-of-DAG models read this node directly: check "
        "that the leaves are not one concept split up, or logic that belongs in a shared "
        "model in between.",
    )


def test_no_root_models(project: Project) -> None:
    check(
        "root_models",
        root_models(project),
        "The model has no parent: select from ref() or source(), not from a hard-coded relation.",
    )


def test_no_staging_dependent_on_downstream_models(project: Project) -> None:
    check(
        "staging_dependent_on_downstream_models",
        staging_dependent_on_downstream_models(project),
        "Data flows base -> staging -> intermediate -> marts: move the logic downstream.",
    )


def test_no_staging_dependent_on_staging(project: Project) -> None:
    check(
        "staging_dependent_on_staging",
        staging_dependent_on_staging(project),
        "A staging model is 1:1 with its source table: join staging models in an "
        "intermediate model, or put a join staging needs in a base model.",
    )


def test_no_unused_sources(project: Project) -> None:
    check(
        "unused_sources",
        unused_sources(project),
        "No model reads this source table: model it, or remove it from the sources.",
    )


def test_no_hard_coded_references(project: Project) -> None:
    check(
        "hard_coded_references",
        hard_coded_references(project),
        "Select from ref() or source(), not from a relation's name.",
    )


def test_no_duplicate_sources(project: Project) -> None:
    check(
        "duplicate_sources",
        duplicate_sources(project),
        "Two source definitions name one relation: keep one.",
    )


def test_no_downstream_models_dependent_on_source(project: Project) -> None:
    check(
        "downstream_models_dependent_on_source",
        downstream_models_dependent_on_source(project),
        "Only base and staging models read sources: read the source through its staging "
        "model (or a model of its own, such as the as-of date).",
    )


def test_every_model_has_a_primary_key_test(project: Project) -> None:
    check(
        "missing_primary_key_tests",
        missing_primary_key_tests(project),
        "Test the model's grain: `unique` + `not_null` on its key column, "
        "`unique_combination_of_columns` on a composite key, or a primary_key constraint.",
    )


def test_every_model_has_a_data_test(project: Project) -> None:
    findings = untested_models(project)
    coverage = 100.0 * (1 - len(findings) / max(len(project.models), 1))
    check(
        "test_coverage",
        findings if coverage < TEST_COVERAGE_TARGET else [],
        f"Test coverage {coverage:.1f}% of {len(project.models)} models, target "
        f"{TEST_COVERAGE_TARGET:.0f}%: give each untested model a data test (at least its key).",
    )


def test_every_source_declares_its_freshness(project: Project) -> None:
    check(
        "sources_without_freshness",
        sources_without_freshness(project),
        "Declare `loaded_at_field` and a `freshness` threshold (warn_after/error_after) on "
        "the source or its table.",
    )


def test_every_model_is_documented(project: Project) -> None:
    check(
        "undocumented_models",
        undocumented_models(project),
        "Give the model a description in its _<dir>__models.yml.",
    )


def test_every_source_is_documented(project: Project) -> None:
    check(
        "undocumented_sources",
        undocumented_sources(project),
        "Give the source a description in its _<source>__sources.yml.",
    )


def test_every_source_table_is_documented(project: Project) -> None:
    check(
        "undocumented_source_tables",
        undocumented_source_tables(project),
        "Give the source table a description in its _<source>__sources.yml.",
    )


def test_models_follow_the_naming_conventions(project: Project) -> None:
    check(
        "model_naming_conventions",
        model_naming_conventions(project),
        "Prefix the model after its layer: base_, stg_, int_, fct_/dim_/rpt_.",
    )


def test_models_lie_in_their_layer_directories(project: Project) -> None:
    check(
        "model_directories",
        model_directories(project),
        "Move the file: models/staging/<system>/ (base models in its base/), "
        "models/intermediate/<area>/, models/marts/<area>/.",
    )


def test_sources_are_declared_in_their_staging_directory(project: Project) -> None:
    check(
        "source_directories",
        source_directories(project),
        "Declare the source in models/staging/<source>/_<source>__sources.yml.",
    )


def test_no_long_chains_of_views(project: Project) -> None:
    check(
        "chained_views_dependencies",
        chained_views_dependencies(project),
        f"{CHAINED_VIEWS_THRESHOLD} or more views in a row upstream: materialise one of them "
        "as a table.",
    )


def test_public_models_have_enforced_contracts(project: Project) -> None:
    check(
        "public_models_without_contract",
        public_models_without_contract(project),
        "A public model enforces its contract: `contract: {enforced: true}` with typed columns.",
    )


def test_exposures_depend_on_public_models_only(project: Project) -> None:
    check(
        "exposures_dependent_on_private_models",
        exposures_dependent_on_private_models(project),
        "An exposure reads public models only: make the model public (with a contract) or "
        "expose the public model it feeds.",
    )


RULES = {
    "direct_join_to_source": direct_join_to_source,
    "multiple_sources_joined": multiple_sources_joined,
    "source_fanout": source_fanout,
    "rejoining_of_upstream_concepts": rejoining_of_upstream_concepts,
    "model_fanout": model_fanout,
    "root_models": root_models,
    "staging_dependent_on_downstream_models": staging_dependent_on_downstream_models,
    "staging_dependent_on_staging": staging_dependent_on_staging,
    "unused_sources": unused_sources,
    "hard_coded_references": hard_coded_references,
    "duplicate_sources": duplicate_sources,
    "downstream_models_dependent_on_source": downstream_models_dependent_on_source,
    "missing_primary_key_tests": missing_primary_key_tests,
    "test_coverage": untested_models,
    "sources_without_freshness": sources_without_freshness,
    "undocumented_models": undocumented_models,
    "undocumented_sources": undocumented_sources,
    "undocumented_source_tables": undocumented_source_tables,
    "model_naming_conventions": model_naming_conventions,
    "model_directories": model_directories,
    "source_directories": source_directories,
    "chained_views_dependencies": chained_views_dependencies,
    "public_models_without_contract": public_models_without_contract,
    "exposures_dependent_on_private_models": exposures_dependent_on_private_models,
}


def test_every_exception_still_matches_a_finding(project: Project) -> None:
    """An exception names a rule and covers at least one of its findings: a design change
    that ends the finding ends the exception."""
    stale = [
        f"  - {rule}: {pattern}" + ("" if rule in RULES else " (no such rule)")
        for rule, pattern, _ in EXCEPTIONS
        if rule not in RULES or not any(fnmatchcase(f.node, pattern) for f in RULES[rule](project))
    ]
    assert not stale, "exceptions that match no finding; remove them:\n" + "\n".join(stale)


def test_great_expectations_imports_from_a_main_module_without_a_file():
    """pyspark (installed for CRMWH_ENGINE=spark) exits the process with status 0 when Great
    Expectations imports its Spark Connect package from a main module without a file, as in
    `python -c` or a pytest-xdist worker: the audit's modules guard that import
    (spark_session.guard_spark_connect_import), so the import goes on."""
    for module in ("orchestration.lib.audit.gx", "expectations.gx"):
        done = subprocess.run(
            [sys.executable, "-c", f"import {module}, great_expectations; print('imported')"],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=PROJECT_ROOT,
        )
        assert done.returncode == 0 and done.stdout.strip() == "imported", (module, done.stderr)


def test_on_spark_dbt_builds_with_the_profile_output_crmwh_dbt_target_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cluster's output added to profiles.yml is chosen with CRMWH_DBT_TARGET (docs/spark.md);
    on DuckDB the variable is ignored."""
    from orchestration.lib import settings

    exported = ["CRMWH_LANDING", "CRMWH_MEMORY_LIMIT", "CRMWH_PUBLISH_DIR"] + [
        f"CRMWH_RESOLVED_{name}" for name in ("LAKE", "DBT_TARGET", "SPARK_DIR", "SPARK_WAREHOUSE")
    ]
    for variable in exported:  # export_environment sets them: restored after the test
        monkeypatch.setenv(variable, os.environ.get(variable, ""))
    monkeypatch.setenv("CRMWH_WAREHOUSE", str(tmp_path / "crm.duckdb"))
    monkeypatch.setenv("CRMWH_DBT_TARGET", "our_cluster")
    monkeypatch.setenv("CRMWH_ENGINE", "duckdb")
    assert settings.dbt_target() == "duckdb"
    settings.export_environment()  # a DuckDB refresh, then a Spark one, in one process
    monkeypatch.setenv("CRMWH_ENGINE", "spark")
    assert settings.dbt_target() == "our_cluster"
    monkeypatch.delenv("CRMWH_DBT_TARGET")
    assert settings.dbt_target() == "spark"

    monkeypatch.setenv("CRMWH_DBT_TARGET", "our_cluster")
    settings.export_environment()
    with pytest.raises(pytest.fail.Exception, match="our_cluster"):
        dbt_parse(tmp_path)  # profiles.yml has no such output: dbt names the one it was asked
