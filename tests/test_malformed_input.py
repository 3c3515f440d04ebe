"""Malformed input is refused with a message naming file, line, column or byte and what to do;
never silently turned into wrong values (issue 8, items 5, 6, 7).

Every input is built in tmp_path from a golden batch or a few lines, then damaged.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from orchestration.lib import parsing
from orchestration.lib.contract import BY_PATH
from orchestration.lib.errors import BatchRefused
from orchestration.lib.loading import load_landing
from orchestration.lib.manifest import read_manifest
from orchestration.lib.parsing import parse_export_file
from tests.support import GOLDEN

pytestmark = pytest.mark.reliability

STAGES = BY_PATH["crm/pipeline_stages.csv"]
DEALS = BY_PATH["crm/deals.csv"]
EVENTS = BY_PATH["email/events.jsonl"]
TICKETS = BY_PATH["support/tickets.jsonl"]
STAGES_HEADER = "pipeline_id,pipeline_name,stage_id,stage_name,stage_order,probability,stage_type\n"
CLEAN = GOLDEN / "clean" / "landing"


def parse(tmp_path: Path, spec, content: bytes | str):
    path = tmp_path / Path(spec.path).name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return parse_export_file(path, spec, f"2026-11-21/{spec.path}")


def refusal(tmp_path: Path, spec, content: bytes | str) -> BatchRefused:
    with pytest.raises(BatchRefused) as refused:
        parse(tmp_path, spec, content)
    return refused.value


def quiet(_: str) -> None:
    pass


def landing_with(tmp_path: Path, day: str = "2026-11-21") -> tuple[Path, Path]:
    """A landing folder holding one writable copy of a clean golden batch: (landing, batch)."""
    landing = tmp_path / "landing"
    shutil.copytree(CLEAN / day, landing / day)
    return landing, landing / day


# 1. A CSV cut off inside a quoted field


def test_csv_cut_off_inside_a_quoted_last_field_is_refused_at_the_record_start(tmp_path):
    # The fast reader accepts this file: the unclosed quote swallows the rest of the file
    # into the last field of the last record.
    content = STAGES_HEADER + "nb,x,nb_q,Q,1,0.1,open\n" + 'nb,x,nb_w,Won,2,1,"won\nand then'
    error = refusal(tmp_path, STAGES, content)
    assert error.line == 3
    assert str(error).startswith("2026-11-21/crm/pipeline_stages.csv, line 3: ")
    assert "unclosed quote" in error.message and "re-export" in error.message


def test_csv_cut_off_inside_a_quoted_field_mid_record_names_the_record_start(tmp_path):
    content = STAGES_HEADER + "nb,x,nb_q,Q,1,0.1,open\n" + 'nb,"New\nBusiness,nb_w,Won\n'
    error = refusal(tmp_path, STAGES, content)
    assert error.line == 3
    assert "unclosed quote" in error.message


def test_a_header_cut_off_inside_a_quoted_name_is_refused(tmp_path):
    error = refusal(tmp_path, STAGES, 'pipeline_id,pipeline_name,"stage_id,stage_na')
    assert error.line == 1 and "unclosed quote" in error.message


def test_a_literal_quote_in_an_unquoted_field_still_loads(tmp_path):
    # An odd number of quotes sends the file to the strict reader, which finds nothing wrong.
    content = STAGES_HEADER + 'nb,5" screens,nb_q,Q,1,0.1,open\n'
    [row] = parse(tmp_path, STAGES, content).table.to_pylist()
    assert row["pipeline_name"] == '5" screens'


def test_a_real_export_cut_off_inside_a_quoted_field_refuses_its_batch(tmp_path):
    landing, batch = landing_with(tmp_path)
    deals = batch / "crm" / "deals.csv"
    data = deals.read_bytes()
    last_quote = data.rindex(b',"') + 2  # the last quoted field of the file
    record_line = data.count(b"\n", 0, last_quote) + 1
    deals.write_bytes(data[: last_quote + 3])
    with pytest.raises(BatchRefused) as refused:
        load_landing(landing, tmp_path / "crm.duckdb", progress=quiet).raise_for_refusals()
    assert str(refused.value).startswith(f"2026-11-21/crm/deals.csv, line {record_line}: ")
    assert not (tmp_path / "crm.duckdb").exists()


# 2. A header naming a column twice


def deals_csv(header: list[str], values: list[str]) -> str:
    return ",".join(header) + "\n" + ",".join(values) + "\n"


def test_a_column_named_twice_with_different_case_is_refused(tmp_path):
    # `Amount` holds the data, `amount` is empty: reading `amount` would null every amount.
    header = [*DEALS.columns, "Amount"]
    values = ["" if c == "amount" else f"v_{c}" for c in DEALS.columns] + ["26000.00"]
    error = refusal(tmp_path, DEALS, deals_csv(header, values))
    assert error.line == 1 and error.column == "amount"
    assert "'amount'" in error.message and "'Amount'" in error.message
    assert "re-export" in error.message


def test_a_column_named_twice_with_the_same_spelling_is_refused(tmp_path):
    header = [*DEALS.columns[:9], "amount", *DEALS.columns[9:]]
    values = ["x"] * len(header)
    error = refusal(tmp_path, DEALS, deals_csv(header, values))
    assert error.line == 1 and error.column == "amount"
    assert str(error).startswith("2026-11-21/crm/deals.csv, line 1, column amount: ")


def test_a_column_named_twice_with_padding_is_refused(tmp_path):
    header = [*DEALS.columns, " amount "]
    error = refusal(tmp_path, DEALS, deals_csv(header, ["x"] * len(header)))
    assert error.column == "amount"


def test_extra_columns_named_twice_are_ignored_like_any_extra_column(tmp_path):
    content = STAGES_HEADER.rstrip("\n") + ",note,note,Note\n" + "nb,x,nb_q,Q,1,0.1,open,a,b,c\n"
    [row] = parse(tmp_path, STAGES, content).table.to_pylist()
    assert row["stage_type"] == "open"


def test_a_listed_column_present_only_in_another_case_names_the_spelling(tmp_path):
    header = ["Amount" if c == "amount" else c for c in DEALS.columns]
    error = refusal(tmp_path, DEALS, deals_csv(header, ["x"] * len(header)))
    assert error.line == 1 and error.column == "amount"
    assert "missing" in error.message and "'Amount'" in error.message


# 3. NUL bytes


def test_a_nul_byte_in_a_csv_names_line_and_byte_offset(tmp_path):
    head = (STAGES_HEADER + "nb,x,nb_q,Q,1,0.1,open\nnb,x").encode()
    error = refusal(tmp_path, STAGES, head + b"\x00y,nb_w,W,2,1,won\n")
    assert error.line == 3 and error.byte_offset == len(head)
    assert str(error).startswith(
        f"2026-11-21/crm/pipeline_stages.csv, line 3, byte offset {len(head)}: "
    )
    assert "NUL" in error.message and "re-export" in error.message


def test_a_nul_byte_in_a_jsonl_file_is_refused(tmp_path):
    head = b'{"event_id": "e1"}\n{"event_id": "e'
    error = refusal(tmp_path, EVENTS, head + b'\x002"}\n')
    assert error.line == 2 and error.byte_offset == len(head)


def test_a_utf16_export_is_refused(tmp_path):
    error = refusal(tmp_path, STAGES, (STAGES_HEADER + "nb,x,nb_q,Q,1,0.1,open\n").encode("utf-16"))
    assert error.line == 1 and error.byte_offset == 0


def test_a_nul_byte_in_the_header_is_refused(tmp_path):
    error = refusal(tmp_path, STAGES, b"pipeline_id\x00" + STAGES_HEADER.encode())
    assert error.line == 1 and error.byte_offset == len("pipeline_id")


def test_an_invalid_byte_after_a_chunk_boundary_has_its_exact_offset(tmp_path, monkeypatch):
    monkeypatch.setattr(parsing, "_CHUNK", 8)
    prefix = STAGES_HEADER + "nb,Caf"
    prefix += "f" * (7 - len(prefix.encode()) % 8)  # é starts on the last byte of a chunk
    content = (prefix + "é,nb_q,Q,1,0.1,open\n").encode()
    at = len(prefix.encode())
    content = content[: at + 1] + b"\xff" + content[at + 2 :]  # é cut after its first byte
    error = refusal(tmp_path, STAGES, content)
    assert error.byte_offset == at and error.line == 2
    assert "0xC3" in error.message


# 4. JSONL lines that are not one whole object

EVENT = json.dumps({"event_id": "e1", "campaign_id": "c1", "email": "a@b.c", "event": "open"})


@pytest.mark.parametrize(
    ("bad_line", "says"),
    [
        (EVENT[:25], "not valid JSON"),  # cut off, last line without newline
        (EVENT[:25] + "\n", "not valid JSON"),  # cut off, then a newline
        ("[1, 2]\n", "not a JSON object"),
        ('["e2", "c1"]\n', "not a JSON object"),
        ("42\n", "not a JSON object"),
        ('"e2"\n', "not a JSON object"),
        ("null\n", "not a JSON object"),
        ("true\n", "not a JSON object"),
        (EVENT + " " + EVENT + "\n", "not valid JSON"),  # two objects on one line
        ('{"event_id": NaN}\n', "not valid JSON"),
        ('{"event_id": "e2",}\n', "not valid JSON"),
    ],
)
def test_a_jsonl_line_that_is_not_one_whole_object_names_the_line(tmp_path, bad_line, says):
    error = refusal(tmp_path, EVENTS, EVENT + "\n\n" + bad_line)
    assert error.line == 3
    assert str(error).startswith("2026-11-21/email/events.jsonl, line 3: ")
    assert says in error.message and "re-export" in error.message


def test_a_real_jsonl_export_cut_off_mid_line_refuses_its_batch(tmp_path):
    landing, batch = landing_with(tmp_path, "2026-11-20")
    tickets = batch / "support" / "tickets.jsonl"
    lines = tickets.read_bytes().splitlines(keepends=True)
    tickets.write_bytes(b"".join(lines[:-1]) + lines[-1][: len(lines[-1]) // 2])
    expected = rf"tickets.jsonl, line {len(lines)}: not valid JSON: .*the line is cut off"
    with pytest.raises(BatchRefused, match=expected):
        load_landing(landing, tmp_path / "crm.duckdb", progress=quiet).raise_for_refusals()


# 7. The manifest


def write_manifest(batch: Path, files: object, **extra) -> None:
    manifest = {"export_date": batch.name, "files": files, **extra}
    (batch / "_manifest.json").write_text(json.dumps(manifest))


def manifest_batch(tmp_path: Path) -> Path:
    _, batch = landing_with(tmp_path, "2026-11-20")
    return batch


def manifest_refusal(batch: Path) -> BatchRefused:
    with pytest.raises(BatchRefused) as refused:
        read_manifest(batch)
    assert "\n" not in str(refused.value)
    return refused.value


def test_the_golden_manifests_are_accepted():
    for manifest in CLEAN.glob("*/_manifest.json"):
        assert read_manifest(manifest.parent)


@pytest.mark.parametrize(
    ("listed", "says"),
    [
        ("../2026-11-21/crm/deals.csv", "outside the batch folder"),
        ("crm/../../2026-11-21/crm/deals.csv", "outside the batch folder"),
        ("/etc/passwd", "absolute path"),
        ("C:\\exports\\crm\\deals.csv", "absolute path"),
        ("crm/notes.txt", "not a file of the export contract"),
        ("_manifest.json", "not a file of the export contract"),
        ("./crm/deals.csv", "not a file of the export contract (did you mean crm/deals.csv?)"),
        ("crm/Deals.csv", "not a file of the export contract (did you mean crm/deals.csv?)"),
    ],
)
def test_a_manifest_listing_a_path_outside_the_batch_or_the_contract_is_refused(
    tmp_path, listed, says
):
    batch = manifest_batch(tmp_path)
    if listed.startswith("../"):
        shutil.copytree(CLEAN / "2026-11-21", batch.parent / "2026-11-21")
    (batch / "crm" / "notes.txt").write_text("x")
    write_manifest(batch, {"crm/users.csv": {"rows": 13}, listed: {"rows": 1}})
    error = manifest_refusal(batch)
    assert error.file == "2026-11-20/_manifest.json"
    assert f'entry "{listed}": ' in error.message and says in error.message
    assert "fix the manifest" in error.message


def test_a_manifest_listing_a_file_through_a_symlink_leaving_the_batch_is_refused(tmp_path):
    batch = manifest_batch(tmp_path)
    outside = tmp_path / "elsewhere"
    shutil.copytree(batch / "crm", outside)
    shutil.rmtree(batch / "crm")
    (batch / "crm").symlink_to(outside, target_is_directory=True)
    write_manifest(batch, {"crm/deals.csv": {"rows": 1}})
    error = manifest_refusal(batch)
    assert 'entry "crm/deals.csv": ' in error.message
    assert "symbolic link" in error.message and "outside the batch folder" in error.message


def test_a_symlinked_batch_folder_may_have_a_manifest(tmp_path):
    batch = manifest_batch(tmp_path)
    link = tmp_path / "linked" / batch.name
    link.parent.mkdir()
    link.symlink_to(batch, target_is_directory=True)
    assert "crm/deals.csv" in read_manifest(link)


@pytest.mark.parametrize(
    ("entry", "says"),
    [
        ([1, "abc"], "must be an object"),
        ("417", "must be an object"),
        (417, "must be an object"),
        (None, "must be an object"),
        ({"rows": "417"}, '"rows" must be a non-negative integer'),
        ({"rows": -1}, '"rows" must be a non-negative integer'),
        ({"rows": 417.5}, '"rows" must be a non-negative integer'),
        ({"rows": True}, '"rows" must be a non-negative integer'),
        ({"sha256": "abc"}, '"sha256" must be 64 hexadecimal digits'),
        ({"sha256": "g" * 64}, '"sha256" must be 64 hexadecimal digits'),
        ({"sha256": 12}, '"sha256" must be 64 hexadecimal digits'),
    ],
)
def test_a_malformed_manifest_entry_is_refused_in_one_line(tmp_path, entry, says):
    batch = manifest_batch(tmp_path)
    write_manifest(batch, {"crm/users.csv": {"rows": 13}, "crm/deals.csv": entry})
    error = manifest_refusal(batch)
    assert str(error).startswith('2026-11-20/_manifest.json: entry "crm/deals.csv": ')
    assert says in error.message and "fix the manifest" in error.message


def test_a_manifest_listing_a_file_twice_is_refused(tmp_path):
    batch = manifest_batch(tmp_path)
    (batch / "_manifest.json").write_text(
        '{"files": {"crm/deals.csv": {"rows": 1}, "crm/deals.csv": {"rows": 417}}}'
    )
    error = manifest_refusal(batch)
    assert '"crm/deals.csv" twice' in error.message


def test_a_malformed_manifest_refuses_the_batch_through_the_loader(tmp_path):
    landing, batch = landing_with(tmp_path, "2026-11-20")
    manifest = json.loads((batch / "_manifest.json").read_text())
    manifest["files"]["crm/deals.csv"] = ["rows", 417]
    (batch / "_manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(BatchRefused, match=r'^2026-11-20/_manifest.json: entry "crm/deals.csv"'):
        load_landing(landing, tmp_path / "crm.duckdb", progress=quiet).raise_for_refusals()
