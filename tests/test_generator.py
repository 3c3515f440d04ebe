"""The synthetic export generator: layout, determinism, semantics and the logged dirt."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import shutil
from datetime import datetime
from pathlib import Path

import pytest

from orchestration.lib.contract import BY_PATH, FILES
from synthetic_exports import generate
from synthetic_exports.broken import (
    drop_column,
    make_unparseable,
    reencode_cp1252,
    tamper_manifest,
)
from synthetic_exports.dirt import EXPECTED
from synthetic_exports.util import digit_runs, find_pans

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
PAY = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")
DATE = re.compile(r"^\d{4}-\d\d-\d\d$")


# --- reading helpers (stdlib only) ---------------------------------------------------


def read_file(path: Path) -> tuple[list[str], list[dict]]:
    """Columns and records of an export file (CSV with `,` or `;`, BOM or not; JSONL)."""
    data = path.read_bytes()
    text = data.decode("utf-8-sig")
    spec = BY_PATH[path.relative_to(path.parents[1]).as_posix()]
    if spec.format == "jsonl":
        records = []
        for line in text.splitlines():
            if not line.strip():
                continue
            obj = json.loads(line)
            flat = {}
            for col, keys in spec.json_paths.items():
                v = obj
                for k in keys:
                    v = v.get(k) if isinstance(v, dict) else None
                flat[col] = v
            records.append(flat)
        return list(spec.columns), records
    header = text.split("\n", 1)[0]
    delim = ";" if header.count(";") > header.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    rows = [r for r in reader if r]
    cols = rows[0]
    return cols, [dict(zip(cols, r, strict=True)) for r in rows[1:]]


def rid(path: str, rec: dict) -> str:
    return "|".join(str(rec.get(k, "")) for k in BY_PATH[path].key)


def batches_of(out: Path) -> list[Path]:
    return sorted(p for p in out.iterdir() if p.is_dir())


def all_bytes(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()
    }


# --- fixtures ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dirty_run(tmp_path_factory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("dirty")
    summary = generate(root / "landing", seed=7, batches=3, scale=1.0, dirty=True)
    assert summary.dirt_log == root / "landing.dirt_log.json"
    return root / "landing", json.loads(summary.dirt_log.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("clean")
    summary = generate(root / "landing", seed=11, batches=4, scale=0.5, dirty=False)
    assert summary.dirt_log is None
    assert not (root / "landing.dirt_log.json").exists()
    return root / "landing"


# --- determinism ---------------------------------------------------------------------


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    a = generate(tmp_path / "a", seed=3, scale=0.2, batches=2, days=200, dirty=True)
    b = generate(tmp_path / "b", seed=3, scale=0.2, batches=2, days=200, dirty=True)
    generate(tmp_path / "c", seed=4, scale=0.2, batches=2, days=200, dirty=True)
    assert all_bytes(tmp_path / "a") == all_bytes(tmp_path / "b")
    assert a.dirt_log.read_bytes() == b.dirt_log.read_bytes()
    assert all_bytes(tmp_path / "a") != all_bytes(tmp_path / "c")
    assert a.counts == b.counts


# --- layout, headers, manifests --------------------------------------------------------


def test_batches_and_presence(dirty_run):
    out, _log = dirty_run
    names = [b.name for b in batches_of(out)]
    assert names == ["2026-11-20", "2026-11-21", "2026-11-22"]
    first = out / names[0]
    for spec in FILES:  # the initial full load holds every file
        assert (first / spec.path).exists(), spec.path
    # weekend batches lack some sources; at least one batch has no manifest
    assert not (out / names[2] / "payments").exists()
    assert not (out / names[1] / "reference/fx_rates.csv").exists()
    assert any(not (b / "_manifest.json").exists() for b in batches_of(out))


def test_headers_hold_exactly_the_contract_columns(dirty_run):
    out, _log = dirty_run
    shuffled = 0
    for batch in batches_of(out):
        for spec in FILES:
            path = batch / spec.path
            if not path.exists() or spec.format != "csv":
                continue
            cols, _ = read_file(path)
            assert sorted(cols) == sorted(spec.columns), spec.path
            shuffled += cols != list(spec.columns)
    assert shuffled >= 1  # one file exercises "any order"


def test_formats_bom_and_semicolon(dirty_run):
    out, _log = dirty_run
    first = out / "2026-11-20"
    assert (first / "crm/accounts.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert (first / "crm/products.csv").read_text(encoding="utf-8").split("\n")[0].count(";") >= 7
    text = (first / "crm/activities.csv").read_text(encoding="utf-8")
    assert '""' in text and "\n" in "".join(
        r["notes"] for r in read_file(first / "crm/activities.csv")[1]
    )


def test_manifests_match_files(dirty_run):
    out, _log = dirty_run
    seen = 0
    for batch in batches_of(out):
        mpath = batch / "_manifest.json"
        if not mpath.exists():
            continue
        manifest = json.loads(mpath.read_text(encoding="utf-8"))
        assert manifest["export_date"] == batch.name
        for file, entry in manifest["files"].items():
            path = batch / file
            assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
            assert entry["rows"] == len(read_file(path)[1]), file
            seen += 1
        on_disk = {
            p.relative_to(batch).as_posix()
            for p in batch.rglob("*.*")
            if p.name != "_manifest.json"
        }
        assert on_disk == set(manifest["files"])
    assert seen > 20


def test_timestamp_habits(clean_run):
    out = clean_run
    first = out / "2026-11-20"
    _, deals = read_file(first / "crm/deals.csv")
    assert all(ISO.match(r["created_at"]) for r in deals)
    assert any(not r["created_at"].endswith("Z") for r in deals)  # non-UTC offsets too
    assert all(DATE.match(r["expected_close_date"]) for r in deals)
    _, charges = read_file(first / "payments/charges.csv")
    assert all(PAY.match(r["created"]) for r in charges)
    assert {r["currency"] for r in charges} >= {"eur", "usd", "gbp", "chf", "sek", "ron", "jpy"}
    _, events = read_file(first / "email/events.jsonl")
    assert all(isinstance(e["timestamp"], int) for e in events)
    _, fx = read_file(first / "reference/fx_rates.csv")
    assert "EUR" not in {r["currency"] for r in fx}
    assert all(datetime.fromisoformat(r["date"]).weekday() < 5 for r in fx)


# --- snapshot / delta semantics ------------------------------------------------------


def test_deletions_between_snapshots(clean_run):
    out = clean_run
    batches = batches_of(out)
    deleted = restored = 0
    for spec in FILES:
        if spec.kind != "snapshot":
            continue
        present = [
            {rid(spec.path, r) for r in read_file(b / spec.path)[1]}
            if (b / spec.path).exists()
            else None
            for b in batches
        ]
        for i, ids in enumerate(present[1:], 1):
            if ids is None or present[0] is None:
                continue
            gone = present[0] - ids
            deleted += len(gone)
            for later in present[i + 1 :]:
                if later is not None:
                    restored += len(gone & later)
    assert deleted >= 1
    assert restored >= 1


def test_delta_batches_hold_recent_changes(clean_run):
    out = clean_run
    batches = batches_of(out)
    first_ids = {r["history_id"] for r in read_file(batches[0] / "crm/deal_history.csv")[1]}
    for prev, batch in zip(batches, batches[1:], strict=False):
        _, rows = read_file(batch / "crm/deal_history.csv")
        cut = datetime.fromisoformat(prev.name + "T00:00:00+00:00")
        for r in rows:
            t = datetime.fromisoformat(r["changed_at"].replace("Z", "+00:00"))
            assert t >= cut  # changed on the previous export day at the earliest (overlap)
    later_new = {
        r["history_id"] for b in batches[1:] for r in read_file(b / "crm/deal_history.csv")[1]
    }
    assert later_new - first_ids  # later batches bring new changes


def test_deal_history_consistent_with_deals(dirty_run):
    out, log = dirty_run
    touched = {e["id"] for e in log["entries"] if e["file"] == "crm/deals.csv"}
    bad_hist = {e["id"] for e in log["entries"] if e["file"] == "crm/deal_history.csv"}
    history: dict[str, dict[str, dict]] = {}
    for batch in batches_of(out):
        for r in read_file(batch / "crm/deal_history.csv")[1]:
            history.setdefault(r["deal_id"], {})[r["history_id"]] = r
    stages = {
        r["stage_id"]: r["stage_type"]
        for r in read_file(out / "2026-11-20/crm/pipeline_stages.csv")[1]
    }
    last = batches_of(out)[-1]
    checked = 0
    for deal in read_file(last / "crm/deals.csv")[1]:
        rows = history.get(deal["deal_id"], {})
        if deal["deal_id"] in touched or set(rows) & bad_hist:
            continue
        ordered = sorted(
            rows.values(),
            key=lambda r: (
                datetime.fromisoformat(r["changed_at"].replace("Z", "+00:00")),
                r["history_id"],
            ),
        )
        assert ordered, deal["deal_id"]
        assert ordered[-1]["stage_id"] == deal["stage_id"]
        assert ordered[-1]["owner_id"] == deal["owner_id"]
        assert ordered[-1]["amount"] == deal["amount"]
        assert ordered[0]["changed_at"] == deal["created_at"]
        assert deal["status"] == stages[deal["stage_id"]]
        assert (deal["closed_at"] == "") == (deal["status"] == "open")
        checked += 1
    assert checked > 100


def test_leads_conversions_point_at_real_records(clean_run):
    last = batches_of(clean_run)[-1]
    deals = {r["deal_id"]: r for r in read_file(last / "crm/deals.csv")[1]}
    _, leads = read_file(last / "crm/leads.csv")
    converted = [r for r in leads if r["status"] == "converted"]
    assert converted
    for r in converted:
        assert r["converted_at"] and r["converted_account_id"] and r["converted_contact_id"]
        deal = deals.get(r["converted_deal_id"])
        if deal is not None:  # a deal may have been deleted since
            assert deal["lead_id"] == r["lead_id"]
    sources = {r["source"] for r in leads}
    assert sources == {
        "organic",
        "paid_ads",
        "email_campaign",
        "referral",
        "event",
        "outbound",
        "partner",
    }
    assert any(r["campaign_id"] for r in leads if r["source"] == "email_campaign")
    assert any(r["referrer_account_id"] for r in leads if r["source"] == "referral")


# --- dirt ----------------------------------------------------------------------------


def test_every_dirt_kind_is_logged(dirty_run):
    _out, log = dirty_run
    kinds = {e["kind"] for e in log["entries"]}
    assert kinds == set(EXPECTED)
    for e in log["entries"]:
        assert e["expected"] == EXPECTED[e["kind"]]
    assert log["controls"]
    assert {"seed", "scale", "days", "batches", "entries", "controls"} <= set(log)


def test_dirt_entries_point_at_their_records(dirty_run):
    out, log = dirty_run
    cache: dict[tuple[str, str], list[dict]] = {}
    for e in log["entries"] + log["controls"]:
        key = (e["batch"], e["file"])
        if key not in cache:
            cache[key] = read_file(out / e["batch"] / e["file"])[1]
        rec = cache[key][e["record_number"] - 1]
        assert rid(e["file"], rec) == str(e["id"]), e
        if "value" in e and "column" in e:
            col = e["column"].replace("requester.", "requester_")
            assert str(rec[col]) == str(e["value"]), e
        if e["kind"] == "duplicate_record":
            assert cache[key][e["duplicate_of_record"] - 1] == rec
        if e["kind"] == "same_id_different_content":
            twins = [r for r in cache[key] if rid(e["file"], r) == str(e["id"])]
            assert len(twins) >= 2 and any(t != rec for t in twins)


def test_card_numbers_and_controls(dirty_run):
    _out, log = dirty_run
    cards = [e for e in log["entries"] if e["kind"] == "card_number"]
    assert cards and all(find_pans(e["value"]) for e in cards)
    assert all(not find_pans(c["value"]) and digit_runs(c["value"], 12) for c in log["controls"])


def test_clean_output_has_no_card_like_runs(clean_run):
    for path in clean_run.rglob("*.*"):
        if path.name == "_manifest.json":
            continue
        spec = BY_PATH[path.relative_to(path.parents[1]).as_posix()]
        for rec in read_file(path)[1]:
            for col, value in rec.items():
                if isinstance(value, str) and not (spec.path.endswith("fx_rates.csv")):
                    assert not digit_runs(value), (path, col, value)


# --- broken batches -----------------------------------------------------------------


def test_broken_batch_helpers(dirty_run, tmp_path):
    out, _log = dirty_run
    src = out / "2026-11-20"

    def fresh(name: str) -> Path:
        dst = tmp_path / name
        shutil.copytree(src, dst)
        return dst

    b = fresh("missing")
    drop_column(b, "crm/deals.csv", "stage_id")
    cols, rows = read_file(b / "crm/deals.csv")
    assert "stage_id" not in cols and rows
    manifest = json.loads((b / "_manifest.json").read_text())
    assert (
        manifest["files"]["crm/deals.csv"]["sha256"]
        == hashlib.sha256((b / "crm/deals.csv").read_bytes()).hexdigest()
    )

    b = fresh("missing_json")
    drop_column(b, "support/tickets.jsonl", "requester_email")
    assert (
        "email"
        not in json.loads((b / "support/tickets.jsonl").read_text().split("\n")[0])["requester"]
    )

    b = fresh("encoding")
    reencode_cp1252(b, "crm/accounts.csv")
    with pytest.raises(UnicodeDecodeError):
        (b / "crm/accounts.csv").read_bytes().decode("utf-8")

    b = fresh("unparseable")
    make_unparseable(b, "support/tickets.jsonl")
    with pytest.raises(json.JSONDecodeError):
        [json.loads(line) for line in (b / "support/tickets.jsonl").read_text().splitlines()]
    make_unparseable(b, "crm/deals.csv")
    with pytest.raises(csv.Error):
        list(csv.reader(io.StringIO((b / "crm/deals.csv").read_text(), newline=""), strict=True))

    b = fresh("manifest")
    tamper_manifest(b, "crm/deals.csv")
    manifest = json.loads((b / "_manifest.json").read_text())
    assert manifest["files"]["crm/deals.csv"]["rows"] != len(read_file(b / "crm/deals.csv")[1])


def test_vendor_layout_in_a_time_zone_is_named_in_the_landing_config(tmp_path):
    """`crmwh generate --layout hubspot --timezone Europe/Berlin`: HubSpot's times without an
    offset are written in Berlin time (so its files differ from the UTC ones) and the
    landing's crmwh-layouts.toml names the zone; an unknown zone writes nothing."""
    berlin = generate(
        tmp_path / "berlin",
        days=60,
        batches=1,
        scale=0.1,
        layouts=("hubspot",),
        timezone="Europe/Berlin",
    )
    utc = generate(tmp_path / "utc", days=60, batches=1, scale=0.1, layouts=("hubspot",))
    assert (berlin.out / "crmwh-layouts.toml").read_text() == 'timezone = "Europe/Berlin"\n'
    assert not (utc.out / "crmwh-layouts.toml").exists()
    (batch,) = berlin.batches
    differing = [
        (a, b)
        for a, b in zip(
            sorted((berlin.out / batch / "crm").iterdir()),
            sorted((utc.out / batch / "crm").iterdir()),
            strict=True,
        )
        if a.read_bytes() != b.read_bytes()
    ]
    assert differing, "the times of some HubSpot file should differ between the zones"
    with pytest.raises(ValueError, match="Mars/Base"):
        generate(
            tmp_path / "mars",
            days=60,
            batches=1,
            scale=0.1,
            layouts=("hubspot",),
            timezone="Mars/Base",
        )
    assert not (tmp_path / "mars").exists()
