"""A landing in an object store (`CRMWH_LANDING=s3://...`): its local mirror
(lib/landing_mirror.py) against a real S3 API (moto's server, tests/object_store.py), and a
refresh from the store that equals a refresh of the same landing from a folder."""

from __future__ import annotations

import json
import os
import re
import socket
from pathlib import Path

import dagster as dg
import duckdb
import fsspec
import pytest

from orchestration.lib import settings
from orchestration.lib.failures import UserError
from orchestration.lib.landing import scan_landing
from orchestration.lib.landing_mirror import manifest_path, sync_landing
from orchestration.lib.refresh import run_refresh
from tests.object_store import s3_endpoint, s3_store  # noqa: F401
from tests.serving_support import Holder
from tests.support import refresh
from tests.test_refresh import tables
from tests.test_refresh_reliability import marts

CHANGED = "2026-11-20/crm/deals.csv"
DELETED = "2026-11-21/email/campaigns.csv"


def _tree(folder: Path) -> dict[str, bytes]:
    """Every file below `folder`, by its name relative to it: its content."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _upload(folder: Path, url: str) -> None:
    """The files, and the empty folder markers (`batch/`) that the S3 console's "Create
    folder" and many upload tools write: the mirror must not take them for files."""
    fs = fsspec.filesystem("s3")
    for rel, content in _tree(folder).items():
        fs.pipe_file(f"{url}/{rel}", content)
    batches = sorted({rel.split("/")[0] for rel in _tree(folder) if "/" in rel})
    for marker in [f"{url}/", *(f"{url}/{batch}/" for batch in batches)]:
        fs.pipe_file(marker, b"")


@pytest.fixture
def bucket(request: pytest.FixtureRequest) -> str:
    """A fresh bucket's URL, s3fs pointed at the server (`s3_store`, tests/object_store.py)."""
    return request.getfixturevalue("s3_store")


@pytest.fixture
def dirty_landing(golden: Path) -> Path:
    return golden / "dirty" / "landing"


@pytest.fixture
def store_landing(bucket: str, dirty_landing: Path, tmp_path: Path, monkeypatch) -> str:
    """The golden dirty landing in a bucket, CRMWH_LANDING its URL, a fresh warehouse."""
    url = f"{bucket}/landing"
    _upload(dirty_landing, url)
    monkeypatch.setenv("CRMWH_LANDING", url)
    monkeypatch.setenv("CRMWH_WAREHOUSE", str(tmp_path / "warehouse" / "crm.duckdb"))
    return url


def test_a_local_landing_is_not_mirrored(dirty_landing, tmp_path, monkeypatch):
    monkeypatch.setenv("CRMWH_LANDING", str(dirty_landing))
    monkeypatch.setenv("CRMWH_WAREHOUSE", str(tmp_path / "crm.duckdb"))
    assert sync_landing() is None
    assert settings.landing_dir() == dirty_landing
    assert not (tmp_path / "landing-mirror").exists()


def test_the_mirror_follows_the_store(store_landing, dirty_landing, tmp_path):
    mirror = settings.landing_dir()
    assert mirror == tmp_path / "warehouse" / "landing-mirror"
    expected = _tree(dirty_landing)

    first = sync_landing()
    assert _tree(mirror) == expected
    assert (first.downloaded, first.removed, first.unchanged) == (sorted(expected), [], 0)
    # the loader sees the mirror as it sees the folder: same batches, same names outside
    # the contract (the sync's own record is beside the mirror, not in it)
    local, mirrored = scan_landing(dirty_landing), scan_landing(mirror)
    assert [b.name for b in mirrored.batches] == [b.name for b in local.batches]
    assert mirrored.unknown_names == local.unknown_names
    assert manifest_path(mirror).parent == mirror.parent

    again = sync_landing()
    assert (again.downloaded, again.removed, again.unchanged) == ([], [], len(expected))

    fs = fsspec.filesystem("s3")
    changed = expected[CHANGED].swapcase()  # the same size: the ETag tells the change
    fs.pipe_file(f"{store_landing}/{CHANGED}", changed)
    fs.rm_file(f"{store_landing}/{DELETED}")
    (mirror / "2026-11-23" / "stray.csv").write_text("not in the store\n")
    (mirror / "2026-11-21" / "crm" / "users.csv").unlink()  # lost locally: fetched again
    third = sync_landing()
    assert third.downloaded == [CHANGED, "2026-11-21/crm/users.csv"]
    assert third.removed == [DELETED, "2026-11-23/stray.csv"]
    assert third.unchanged == len(expected) - 3
    assert (mirror / CHANGED).read_bytes() == changed
    expected[CHANGED] = changed
    del expected[DELETED]
    assert _tree(mirror) == expected  # no other file, no temporary file left behind


def test_a_mirror_of_another_url_is_downloaded_again(store_landing, bucket, monkeypatch):
    sync_landing()
    mirror = settings.landing_dir()
    record = json.loads(manifest_path(mirror).read_text())
    assert record["source"] == store_landing
    other = f"{bucket}/other"
    _upload(mirror / "2026-11-20", f"{other}/2026-11-20")
    monkeypatch.setenv("CRMWH_LANDING", other)
    moved = sync_landing()
    kept = sorted(rel for rel in _tree(mirror) if rel.startswith("2026-11-20/"))
    assert (moved.downloaded, moved.unchanged) == (kept, 0) and moved.removed
    assert sorted(os.listdir(mirror)) == ["2026-11-20"]


@pytest.mark.parametrize("where", ["a missing bucket", "a missing prefix"])
def test_a_landing_url_that_does_not_exist_is_a_clear_error(where, bucket, tmp_path, monkeypatch):
    url = "s3://crmwh-no-such-bucket/landing" if where == "a missing bucket" else f"{bucket}/x"
    monkeypatch.setenv("CRMWH_LANDING", url)
    monkeypatch.setenv("CRMWH_WAREHOUSE", str(tmp_path / "crm.duckdb"))
    with pytest.raises(UserError) as raised:
        run_refresh()  # before Dagster starts: `crmwh refresh` prints it as one line
    message = str(raised.value)
    assert message == (
        f"the landing {url} does not exist (no bucket, folder or object there): check CRMWH_LANDING"
    )
    assert not (tmp_path / "crm.duckdb").exists()


def test_a_run_the_daemon_launched_mirrors_the_landing_itself(bucket, tmp_path, monkeypatch):
    from orchestration.defs.ingestion.assets import raw_exports
    from orchestration.defs.resources import build_resources

    url = f"{bucket}/landing"
    monkeypatch.setenv("CRMWH_LANDING", url)
    monkeypatch.setenv("CRMWH_WAREHOUSE", str(tmp_path / "crm.duckdb"))
    resources = build_resources()
    assert resources["landing"].folder == tmp_path / "landing-mirror"
    run = dg.materialize([raw_exports], resources=resources, raise_on_error=False)
    assert not run.success  # the bucket holds no landing yet
    failure = next(e for e in run.all_events if e.is_step_failure)
    description = failure.step_failure_data.user_failure_data.description
    assert description.startswith(f"the landing {url} does not exist")


def test_an_unreachable_store_is_a_clear_error(bucket, tmp_path, monkeypatch):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    monkeypatch.setitem(fsspec.config.conf, "s3", {"endpoint_url": closed, "retries": 1})
    fsspec.filesystem("s3").clear_instance_cache()
    monkeypatch.setenv("CRMWH_LANDING", f"{bucket}/landing")
    monkeypatch.setenv("CRMWH_WAREHOUSE", str(tmp_path / "crm.duckdb"))
    with pytest.raises(UserError, match=f"^cannot read the landing {re.escape(bucket)}/landing: "):
        sync_landing()


def test_the_sensor_reads_the_store(store_landing):
    from orchestration.defs.ingestion.sensors import new_batch_sensor

    first = new_batch_sensor(dg.build_sensor_context())
    assert first.run_key == "batches:2026-11-20,2026-11-21,2026-11-23"
    fsspec.filesystem("s3").pipe_file(f"{store_landing}/2026-11-22/crm/users.csv", b"id\n")
    cursor = json.dumps(["2026-11-20", "2026-11-21", "2026-11-23"])
    late = new_batch_sensor(dg.build_sensor_context(cursor=cursor))
    assert late.run_key == "batches:2026-11-22"


def test_the_sensor_leaves_the_mirror_to_a_running_refresh(store_landing):
    from orchestration.defs.ingestion.sensors import new_batch_sensor

    with Holder("lock", settings.warehouse_path()):  # a refresh in another process
        skipped = new_batch_sensor(dg.build_sensor_context())
    assert isinstance(skipped, dg.SkipReason), skipped
    assert skipped.skip_message.startswith("a refresh is running")
    assert not settings.landing_dir().exists()


@pytest.mark.slow
def test_a_refresh_from_the_store_equals_one_from_a_folder(store_landing, dirty_refreshed):
    local_warehouse, local = dirty_refreshed
    warehouse = settings.warehouse_path()
    result = refresh(store_landing, warehouse)
    assert local.success and result.success, result.error
    assert result.records_per_file and marts(warehouse)
    assert result.landing.startswith(store_landing)
    assert str(settings.landing_dir()) in result.landing
    for field in (
        "batches_loaded",
        "batches_skipped",
        "batches_refused",
        "names_outside_the_contract",
        "records_per_file",
        "records_quarantined",
        "duplicates_removed",
        "records_fixed",
        "records_flagged",
        "tables_built",
    ):
        assert getattr(result, field) == getattr(local, field), field
    assert _file_loads(warehouse) == _file_loads(local_warehouse)
    assert tables(warehouse, "staging") == tables(local_warehouse, "staging")
    assert marts(warehouse) == marts(local_warehouse)


def _file_loads(warehouse: Path) -> list[tuple]:
    """audit.file_loads without the load time."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(
            "select * exclude (loaded_at) from audit.file_loads order by all"
        ).fetchall()
    finally:
        con.close()


def test_crmwh_refresh_takes_a_landing_url(bucket, tmp_path):
    """`crmwh refresh --landing s3://...` keeps the URL (not a path under the working
    folder): a prefix with nothing under it is the one-line error naming it."""
    import subprocess
    import sys

    url = f"{bucket}/no-exports-here"
    done = subprocess.run(
        [Path(sys.executable).with_name("crmwh"), "refresh", "--landing", url]
        + ["--warehouse", str(tmp_path / "crm.duckdb")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode != 0
    assert f"the landing {url} does not exist" in done.stdout + done.stderr
    assert not (tmp_path / "crm.duckdb").exists()
