"""The landing scan: names outside the contract are reported or refuse their batch; the batch
fingerprint changes with every change of content (issue 8, items 5, 6 and part of 11)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest

from orchestration.lib import landing as landing_lib
from orchestration.lib.contract import BY_PATH
from orchestration.lib.errors import BatchRefused
from orchestration.lib.landing import Batch, discover_batches, scan_landing
from orchestration.lib.loading import load_landing
from tests.support import GOLDEN

pytestmark = pytest.mark.reliability

CLEAN = GOLDEN / "clean" / "landing"


def quiet(_: str) -> None:
    pass


@pytest.fixture
def landing(tmp_path) -> Path:
    """A writable copy of the clean golden landing folder (2026-11-20, -21, -23)."""
    return Path(shutil.copytree(CLEAN, tmp_path / "landing"))


def batch(landing: Path, name: str) -> Batch:
    return Batch(dt.date.fromisoformat(name), landing / name)


# 5. Names outside the contract


def test_the_golden_landing_has_no_unknown_names(landing):
    scan = scan_landing(landing)
    assert [b.name for b in scan.batches] == ["2026-11-20", "2026-11-21", "2026-11-23"]
    assert scan.unknown_names == [] and scan.refusals == []
    scan.check()


def test_unknown_folders_and_files_are_returned_by_name(landing):
    (landing / "latest").mkdir()
    (landing / "2026-11-23x").mkdir()
    (landing / "2026-02-30").mkdir()
    (landing / "README.txt").write_text("exports")
    (landing / "2026-11-21" / "crm" / "notes.txt").write_text("x")
    (landing / "2026-11-21" / "crm" / "archive").mkdir()
    shutil.copy(
        landing / "2026-11-21" / "crm" / "deals.csv", landing / "2026-11-21" / "crm" / "archive"
    )
    (landing / "2026-11-23" / "crm" / "deals.csv.bak").write_text("x")
    scan = scan_landing(landing)
    assert [b.name for b in scan.batches] == ["2026-11-20", "2026-11-21", "2026-11-23"]
    assert scan.unknown_names == [
        "2026-02-30/",
        "2026-11-21/crm/archive/deals.csv",
        "2026-11-21/crm/notes.txt",
        "2026-11-23/crm/deals.csv.bak",
        "2026-11-23x/",
        "README.txt",
        "latest/",
    ]
    reasons = {u.name: u.reason for u in scan.unknown}
    assert "not a valid date" in reasons["2026-02-30/"]
    assert "YYYY-MM-DD" in reasons["latest/"]
    assert "not a file of the export contract" in reasons["2026-11-21/crm/notes.txt"]
    assert scan.refusals == []
    scan.check()
    assert batch(landing, "2026-11-21").ignored_files() == [
        "crm/archive/deals.csv",
        "crm/notes.txt",
    ]
    assert [b.name for b in discover_batches(landing)] == [b.name for b in scan.batches]


def test_the_manifest_is_a_known_name(landing):
    assert batch(landing, "2026-11-20").ignored_files() == []
    assert "_manifest.json" not in " ".join(scan_landing(landing).unknown_names)


def test_a_symlink_named_latest_is_reported_not_loaded(landing):
    (landing / "latest").symlink_to(landing / "2026-11-23", target_is_directory=True)
    scan = scan_landing(landing)
    assert scan.unknown_names == ["latest/"]
    assert [b.name for b in scan.batches] == ["2026-11-20", "2026-11-21", "2026-11-23"]


@pytest.mark.parametrize(
    ("misnamed", "contract_name"),
    [
        ("crm/Activities.csv", "crm/activities.csv"),
        ("crm/deal history.csv", "crm/deal_history.csv"),
        ("crm/deal-history.csv", "crm/deal_history.csv"),
        ("CRM/deals.csv", "crm/deals.csv"),
        ("crm/deals.CSV", "crm/deals.csv"),
        ("crm /deals.csv", "crm/deals.csv"),
        ("Support/Tickets.jsonl", "support/tickets.jsonl"),
        ("Manifest.json", "_manifest.json"),
    ],
)
def test_a_name_differing_from_a_contract_file_by_case_or_spacing_refuses_its_batch(
    landing, misnamed, contract_name
):
    day = landing / "2026-11-21"
    source = day / contract_name if (day / contract_name).exists() else day / "crm" / "deals.csv"
    (day / misnamed).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(source, day / (misnamed + ".tmp"))
    if (day / contract_name).exists():
        (day / contract_name).unlink()
    os.rename(day / (misnamed + ".tmp"), day / misnamed)
    expected = (
        rf"^2026-11-21/{misnamed}: .*differs from the contract's {contract_name} only by case "
        rf"or spacing.*rename it to {contract_name}"
    )
    scan = scan_landing(landing)
    assert len(scan.refusals) == 1 and scan.unknown_names == []
    with pytest.raises(BatchRefused, match=expected):
        scan.check()
    with pytest.raises(BatchRefused, match=expected):
        batch(landing, "2026-11-21").check_names()
    # The loader refuses that batch only: the others are accepted.
    report = load_landing(landing, landing.parent / "crm.duckdb", progress=quiet, with_gx=False)
    assert sorted(report.refused) == ["2026-11-21"] and "2026-11-21" not in report.loaded
    with pytest.raises(BatchRefused, match=expected):
        report.raise_for_refusals()
    # The refusal names the contract file it concerns as data (the manifest: the batch).
    [refusal] = report.refusals
    assert refusal.batch == "2026-11-21" and refusal.kind == "contract"
    assert refusal.files == ((contract_name,) if contract_name in BY_PATH else ())


def test_a_misnamed_file_beside_its_correct_twin_still_refuses(landing):
    day = landing / "2026-11-21" / "crm"
    shutil.copy(day / "activities.csv", day / "Activities.csv")
    with pytest.raises(BatchRefused, match="rename it to crm/activities.csv"):
        scan_landing(landing).check()


@pytest.mark.parametrize("folder", ["2026-11-22 ", " 2026-11-22", "2026_11_22", "20261122"])
def test_a_folder_name_differing_from_a_date_by_spacing_refuses(landing, folder):
    shutil.copytree(landing / "2026-11-21", landing / folder)
    scan = scan_landing(landing)
    assert [b.name for b in scan.batches] == ["2026-11-20", "2026-11-21", "2026-11-23"]
    assert scan.unknown_names == [] and len(scan.refusals) == 1
    with pytest.raises(BatchRefused, match=rf'^{folder}/: the folder name "{folder}" .*2026-11-22'):
        scan.check()


def test_refusals_are_keyed_by_the_batch_they_refuse(landing):
    shutil.copytree(landing / "2026-11-21", landing / "2026_11_22")
    shutil.copy(
        landing / "2026-11-23" / "crm" / "deals.csv", landing / "2026-11-23" / "crm" / "Deals.csv"
    )
    refused = scan_landing(landing).refused_batches()
    assert sorted(refused) == ["2026-11-22", "2026-11-23"]
    assert refused["2026-11-23"].file == "2026-11-23/crm/Deals.csv"
    assert refused["2026-11-23"].files == ("crm/deals.csv",)
    assert refused["2026-11-22"].files == ()  # a misnamed folder: the batch as a whole


def test_squashed_contract_names_are_unambiguous():
    names = [*BY_PATH, "_manifest.json"]
    assert len({landing_lib._squash(n) for n in names}) == len(names)


def test_a_dangling_symlink_with_another_name_is_reported(landing):
    (landing / "2026-11-21" / "crm" / "old.csv").symlink_to(landing / "nowhere.csv")
    [unknown] = scan_landing(landing).unknown
    assert unknown.name == "2026-11-21/crm/old.csv" and "target is missing" in unknown.reason


def test_a_dangling_symlink_with_a_contract_name_refuses_its_batch(landing):
    deals = landing / "2026-11-21" / "crm" / "deals.csv"
    deals.unlink()
    deals.symlink_to(landing / "nowhere.csv")
    with pytest.raises(BatchRefused, match=r"^2026-11-21/crm/deals.csv: .*missing"):
        scan_landing(landing).check()


# 6. Change detection


def test_a_same_size_edit_with_the_old_mtime_restored_changes_the_fingerprint(landing):
    day = batch(landing, "2026-11-21")
    before = day.fingerprint()
    assert day.fingerprint() == before  # stable
    deals = day.path / "crm" / "deals.csv"
    stat = deals.stat()
    data = deals.read_bytes()
    deals.write_bytes(data.replace(b"26000.00", b"96000.00", 1))
    os.utime(deals, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert deals.stat().st_size == stat.st_size and deals.stat().st_mtime_ns == stat.st_mtime_ns
    assert day.fingerprint() != before


def test_edits_behind_a_symlinked_batch_folder_change_the_fingerprint(landing, tmp_path):
    real = tmp_path / "storage" / "2026-11-22"
    shutil.copytree(landing / "2026-11-21", real)
    (landing / "2026-11-22").symlink_to(real, target_is_directory=True)
    linked = scan_landing(landing).batches[2]
    assert linked.name == "2026-11-22"
    before = linked.fingerprint()
    stat = (real / "crm" / "deals.csv").stat()
    data = (real / "crm" / "deals.csv").read_bytes()
    (real / "crm" / "deals.csv").write_bytes(data.replace(b"26000.00", b"96000.00", 1))
    os.utime(real / "crm" / "deals.csv", ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert linked.fingerprint() != before


def test_symlinked_sub_folders_are_followed(landing, tmp_path):
    day = landing / "2026-11-21"
    shared = tmp_path / "shared_crm"
    shutil.move(day / "crm", shared)
    (day / "crm").symlink_to(shared, target_is_directory=True)
    linked = batch(landing, "2026-11-21")
    assert "crm/deals.csv" in linked.files() and "crm/deals.csv" in linked.present_files()
    before = linked.fingerprint()
    stat = (shared / "deals.csv").stat()
    data = (shared / "deals.csv").read_bytes()
    (shared / "deals.csv").write_bytes(data.replace(b"26000.00", b"96000.00", 1))
    os.utime(shared / "deals.csv", ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert linked.fingerprint() != before


def test_a_symlink_loop_is_reported_not_followed(landing):
    (landing / "2026-11-21" / "crm" / "loop").symlink_to("..", target_is_directory=True)
    day = batch(landing, "2026-11-21")
    day.fingerprint()
    assert day.ignored_files() == ["crm/loop"]


@pytest.mark.parametrize("change", ["rename", "add", "remove"])
def test_the_fingerprint_changes_with_the_set_of_files(landing, change):
    day = batch(landing, "2026-11-21")
    before = day.fingerprint()
    deals = day.path / "crm" / "deals.csv"
    if change == "rename":
        deals.rename(day.path / "crm" / "deals_old.csv")
    elif change == "add":
        (day.path / "crm" / "notes.txt").write_text("")
    else:
        deals.unlink()
    assert day.fingerprint() != before


def test_the_fingerprint_ignores_mtimes_and_location(landing, tmp_path):
    # Files rewritten with the same content, or the batch copied elsewhere: unchanged.
    day = batch(landing, "2026-11-21")
    before = day.fingerprint()
    for path in day.path.rglob("*.csv"):
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    assert day.fingerprint() == before
    copy = Path(shutil.copytree(day.path, tmp_path / "copy" / day.name))
    assert Batch(day.date, copy).fingerprint() == before
