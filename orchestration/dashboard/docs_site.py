"""`crmwh docs`: dbt's documentation site as one self-contained HTML file, built offline.

`dbt docs generate --static` inlines the manifest and the catalog into one page
(lineage graph, every model with its documented columns, tests, SQL). It loads from
`file://` with no network: its scripts and styles are inline, and the anonymous usage
tracking that would call out is switched off.

The catalog (column types as built) comes from a scratch copy of the published
`crm.duckdb` (the marts), never from the working warehouse: dbt opens its database for
writing, and a refresh running at the same time would fail to take its lock. Models
outside the marts show their documented columns; with no publication yet, the catalog
is empty and every model shows its documented columns only.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from orchestration.lib import settings
from orchestration.lib.settings import DBT_PROJECT_DIR, PROJECT_ROOT

from . import published


class DocsBuildError(RuntimeError):
    """dbt could not build the documentation site."""


@dataclass
class DocsSite:
    path: Path  # the self-contained page
    models: int
    marts: list[str] = field(default_factory=list)
    catalog_from: Path | None = None  # the publication whose marts gave the column types
    seconds: float = 0.0

    def describe(self) -> str:
        catalog = (
            f"column types from the publication {self.catalog_from}"
            if self.catalog_from
            else "no publication yet: documented columns only"
        )
        return "\n".join(
            [
                f"docs site built in {self.seconds:.1f} s: {self.path}",
                f"  {self.models} models, {len(self.marts)} marts; {catalog}",
                f"  open it in a browser: file://{self.path}",
            ]
        )


def _dbt() -> str:
    local = Path(sys.executable).with_name("dbt")
    return str(local) if local.exists() else "dbt"


def build_docs_site(
    out_dir: str | Path | None = None, publish_dir: str | Path | None = None
) -> DocsSite:
    """Build `<out_dir>/index.html` (default: docs/ beside the warehouse file, i.e.
    warehouse/docs/index.html) and return it."""
    started = time.monotonic()
    if out_dir:
        out = Path(out_dir).expanduser()
        out = out if out.is_absolute() else PROJECT_ROOT / out
    else:
        out = settings.warehouse_path().parent / "docs"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="crmwh-docs-") as scratch_dir:
        scratch = Path(scratch_dir)
        catalog_db = scratch / "crm.duckdb"  # the file name is the database name in dbt
        try:
            publication: published.Publication | None = published.current(publish_dir)
            shutil.copyfile(publication.database, catalog_db)
        except published.NoPublication:
            publication = None
        target = scratch / "target"
        command = [
            _dbt(), "docs", "generate", "--static",
            "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
            "--target-path", str(target), "--log-path", str(scratch / "logs"),
        ]  # fmt: skip
        if publication is None:
            command.append("--empty-catalog")
        env = {
            **os.environ,
            "CRMWH_WAREHOUSE": str(catalog_db),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }
        run = subprocess.run(command, env=env, capture_output=True, text=True, cwd=scratch)
        page = target / "static_index.html"
        if run.returncode != 0 or not page.is_file():
            tail = "\n".join((run.stdout + run.stderr).strip().splitlines()[-15:])
            raise DocsBuildError(f"dbt docs generate exited {run.returncode}:\n{tail}")
        manifest = json.loads((target / "manifest.json").read_text())
        models = [
            node
            for node in manifest["nodes"].values()
            if node["resource_type"] == "model" and node["package_name"] == "crmwh"
        ]
        marts = sorted(node["name"] for node in models if "marts" in node["fqn"])
        partial = out / ".index.html.partial"
        shutil.copyfile(page, partial)
        os.replace(partial, out / "index.html")  # readers never see half a page
    return DocsSite(
        path=out / "index.html",
        models=len(models),
        marts=marts,
        catalog_from=publication.root if publication else None,
        seconds=time.monotonic() - started,
    )
