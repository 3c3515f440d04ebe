"""The parsers on awkward but valid input, and on input that must refuse the batch."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orchestration.lib.contract import BY_PATH
from orchestration.lib.errors import BatchRefused
from orchestration.lib.parsing import parse_export_file
from orchestration.lib.redaction import REDACTED, redact

STAGES = BY_PATH["crm/pipeline_stages.csv"]
TICKETS = BY_PATH["support/tickets.jsonl"]
EVENTS = BY_PATH["email/events.jsonl"]


def parse(tmp_path: Path, spec, content: bytes | str):
    path = tmp_path / Path(spec.path).name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return parse_export_file(path, spec, spec.path)


def rows(parsed) -> list[dict]:
    return parsed.table.to_pylist()


def test_csv_with_quotes_commas_and_newlines_in_fields(tmp_path):
    content = (
        "pipeline_id,pipeline_name,stage_id,stage_name,stage_order,probability,stage_type\n"
        'nb,"New, ""Business""",nb_q,"Qualify\nand more",1,0.10,open\n'
    )
    [row] = rows(parse(tmp_path, STAGES, content))
    assert row["pipeline_name"] == 'New, "Business"'
    assert row["stage_name"] == "Qualify\nand more"
    assert row["_record_number"] == 1


def test_semicolon_delimiter_bom_and_column_order(tmp_path):
    content = (
        "\ufeffstage_id;pipeline_id;pipeline_name;stage_name;stage_order;probability;stage_type;extra\n"
        "nb_q;nb;New Business;Qualify;1;0.10;open;ignored\n"
        "nb_w;nb;New Business;Won, finally;2;1.00;won;ignored\n"
    )
    parsed = parse(tmp_path, STAGES, content)
    assert parsed.table.column_names == [*STAGES.columns, "_record_number"]
    first, second = rows(parsed)
    assert first["stage_id"] == "nb_q" and first["pipeline_id"] == "nb"
    assert second["stage_name"] == "Won, finally"
    assert second["_record_number"] == 2


def test_empty_values_are_null_and_blank_lines_are_not_records(tmp_path):
    content = (
        "pipeline_id,pipeline_name,stage_id,stage_name,stage_order,probability,stage_type\n"
        'nb,,nb_q,"",1,,open\n\n'
        "nb,x,nb_w,Won,2,1,won\n"
    )
    parsed = parse(tmp_path, STAGES, content)
    first, second = rows(parsed)
    assert first["pipeline_name"] is None and first["stage_name"] is None
    assert first["probability"] is None
    assert second["_record_number"] == 2


def test_jsonl_nested_keys_unknown_keys_and_missing_keys(tmp_path):
    ticket = {
        "id": 4211,
        "subject": "Sync fails",
        "requester": {"email": "a@b.it", "name": "Ann", "vip": True},
        "tags": ["api", "sync"],
        "metrics": {"first_reply_minutes": 12, "reopens": 0, "replies": 3},
        "satisfaction": "good",
        "unknown_key": {"deep": [1, 2]},
        "solved_at": None,
        "description": "",
    }
    parsed = parse(tmp_path, TICKETS, json.dumps(ticket) + "\n\n")
    [row] = rows(parsed)
    assert row["id"] == "4211"
    assert row["requester_email"] == "a@b.it" and row["requester_name"] == "Ann"
    assert json.loads(row["tags"]) == ["api", "sync"]
    assert row["first_reply_minutes"] == "12" and row["reopens"] == "0"
    assert row["agent_work_minutes"] is None  # missing key
    assert row["solved_at"] is None and row["description"] is None  # null and empty string
    assert "unknown_key" not in parsed.table.column_names


def test_event_epoch_timestamps_are_kept_as_text(tmp_path):
    event = {
        "event_id": "e1",
        "campaign_id": "c1",
        "email": "x@y.z",
        "event": "open",
        "timestamp": 1785657691,
        "url": None,
        "bounce_type": None,
    }
    [row] = rows(parse(tmp_path, EVENTS, json.dumps(event) + "\n"))
    assert row["timestamp"] == "1785657691" and row["url"] is None


def test_missing_listed_column_names_file_line_and_column(tmp_path):
    content = (
        "pipeline_id,pipeline_name,stage_name,stage_order,probability,stage_type\n"
        "nb,x,y,1,0.1,open\n"
    )
    with pytest.raises(BatchRefused) as refused:
        parse(tmp_path, STAGES, content)
    assert refused.value.line == 1 and refused.value.column == "stage_id"
    assert "crm/pipeline_stages.csv" in str(refused.value)


def test_other_encoding_names_the_byte_offset_and_line(tmp_path):
    header = "pipeline_id,pipeline_name,stage_id,stage_name,stage_order,probability,stage_type\n"
    content = (header + "nb,Café,nb_q,Q,1,0.1,open\n").encode("cp1252")
    with pytest.raises(BatchRefused) as refused:
        parse(tmp_path, STAGES, content)
    assert refused.value.byte_offset == len(header) + len("nb,Caf")
    assert refused.value.line == 2


def test_csv_record_with_wrong_field_count_is_unparseable(tmp_path):
    content = (
        "pipeline_id,pipeline_name,stage_id,stage_name,stage_order,probability,stage_type\n"
        "nb,x,nb_q,Q,1,0.1,open\n"
        "nb,x,nb_w\n"
    )
    with pytest.raises(BatchRefused) as refused:
        parse(tmp_path, STAGES, content)
    assert refused.value.line == 3


def test_jsonl_line_that_is_not_an_object_is_unparseable(tmp_path):
    with pytest.raises(BatchRefused) as refused:
        parse(tmp_path, EVENTS, '{"event_id": "e1"}\n[1, 2]\n')
    assert refused.value.line == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("card 4111 1111 1111 1111 on file", f"card {REDACTED} on file"),
        ("card 4111-1111-1111-1111.", f"card {REDACTED}."),
        ("amex 378282246310005", f"amex {REDACTED}"),
        ("5555555555554444", REDACTED),
        ("Tracking no. 9100 7828 6868 7396.", None),  # first digit 9
        ("Loyalty card 1000-2000-3000-4562", None),  # first digit 1
        ("Terminal receipt 411115530510", None),  # 12 digits
        ("4111111111111112", None),  # Luhn fails
        ("ref 12 4111111111111111", None),  # part of a longer run of digits and separators
        ("4111  1111 1111 1111", None),  # double space: not one run of 13+ digits
    ],
)
def test_card_numbers_are_redacted_and_lookalikes_kept(text, expected):
    redacted, count = redact(text)
    assert redacted == (expected if expected is not None else text)
    assert count == (1 if expected is not None else 0)


def test_card_numbers_are_redacted_at_parse_time(tmp_path):
    content = (
        "pipeline_id,pipeline_name,stage_id,stage_name,stage_order,probability,stage_type\n"
        'nb,"paid with 4111 1111 1111 1111",nb_q,Q,1,0.1,open\n'
    )
    parsed = parse(tmp_path, STAGES, content)
    assert rows(parsed)[0]["pipeline_name"] == f"paid with {REDACTED}"
    assert parsed.cards_redacted == 1
