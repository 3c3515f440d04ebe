"""The reference dashboard (`crmwh dashboard`) on the golden clean example's publication,
in a real headless Chromium: the page loads with no console error and no request beyond
the dashboard's own address, and every chart shows the sample's numbers (each checked
against the published marts with SQL of its own). Screenshots go to
$CRMWH_SCREENSHOTS_DIR (`make screenshots`: docs/screenshots) or a temporary folder."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration.dashboard.app import CHARTS
from tests.dashboard_support import (
    chromium,
    console_errors,
    dashboard_server,
    external,
    full_page_screenshot,
    get_json,
    golden_publication,
    requested_urls,
    screenshot_dir,
)

pytestmark = pytest.mark.slow

# Every chart's traces, as the browser holds them (Plotly keeps them on the graph div).
READ_CHARTS = """
const out = {};
for (const id of arguments[0]) {
    const graph = document.querySelector('#' + CSS.escape(id) + ' .js-plotly-plot');
    out[id] = graph && graph._fullLayout ? graph.data.map(t => ({
        name: t.name ?? null, type: t.type,
        x: Array.from(t.x ?? []), y: Array.from(t.y ?? []),
        z: Array.from(t.z ?? [], row => Array.from(row)),
    })) : null;
}
return out;
"""


@pytest.fixture(scope="module")
def publish_dir(clean_refreshed) -> Path:
    warehouse, result = clean_refreshed
    assert result.success, result.error
    return golden_publication(warehouse)


@pytest.fixture(scope="module")
def marts(publish_dir):
    """A read-only connection to the published marts, for the expected numbers."""
    con = duckdb.connect(str(publish_dir / "current" / "crm.duckdb"), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def as_of(publish_dir) -> dt.date:
    manifest = json.loads((publish_dir / "current" / "manifest.json").read_text())
    return dt.date.fromisoformat(manifest["as_of_date"])


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _one(con, sql: str, *params):
    return con.execute(sql, list(params)).fetchall()


@pytest.fixture(scope="module")
def page(publish_dir, tmp_path_factory):
    """The dashboard served on the publication, loaded in Chromium: (charts, driver info)."""
    database = publish_dir / "current" / "crm.duckdb"
    before = _digest(database)
    log = tmp_path_factory.mktemp("dashboard") / "server.log"
    shots = screenshot_dir(tmp_path_factory)
    with dashboard_server(publish_dir, log) as url, chromium() as driver:
        from selenium.webdriver.support.ui import WebDriverWait

        driver.get(url)
        WebDriverWait(driver, 60).until(
            lambda d: all(d.execute_script(READ_CHARTS, list(CHARTS)).values())
        )
        charts = driver.execute_script(READ_CHARTS, list(CHARTS))
        kpis = {
            e.get_attribute("id"): e.text
            for e in driver.find_elements("css selector", ".kpi .value")
        }
        as_of_text = driver.find_element("id", "as-of").text
        shot = full_page_screenshot(driver, shots / "dashboard.png")
        errors = console_errors(driver)
        urls = requested_urls(driver)
    assert _digest(database) == before, "the dashboard must not change the publication"
    return {
        "charts": charts,
        "kpis": kpis,
        "as_of_text": as_of_text,
        "errors": errors,
        "urls": urls,
        "screenshot": shot,
        "log": log.read_text(),
    }


def test_the_page_loads_without_errors_or_external_requests(page):
    assert page["errors"] == [], page["errors"]
    assert any("/_dash-layout" in url for url in page["urls"]), page["urls"]
    assert external(page["urls"]) == [], "no CDN, no telemetry"
    assert "Traceback" not in page["log"], page["log"]
    assert page["screenshot"].stat().st_size > 50_000


def test_every_chart_shows_data(page):
    for chart_id, traces in page["charts"].items():
        points = sum(len(t["x"]) + len(t["y"]) + sum(map(len, t["z"])) for t in traces)
        assert traces and points > 0, f"{chart_id} ({CHARTS[chart_id]}) shows no data"


def _trace(page, chart_id: str, name: str) -> dict:
    return next(t for t in page["charts"][chart_id] if t["name"] == name)


def test_the_pipeline_is_the_sample_pipeline(page, marts, as_of):
    assert page["as_of_text"] == f"as of {as_of:%A %d %B %Y}"
    [(deals, amount, weighted)] = _one(
        marts,
        "select count(*), sum(amount_rc), sum(weighted_amount_rc) "
        "from marts.fct_pipeline_snapshot where snapshot_date = ?",
        as_of,
    )
    assert deals > 0
    today = page["charts"]["pipeline-today"]
    assert sum(_trace(page, "pipeline-today", "amount")["x"]) == pytest.approx(amount)
    assert sum(_trace(page, "pipeline-today", "weighted")["x"]) == pytest.approx(weighted)
    stages = _one(
        marts,
        "select distinct stage_id from marts.fct_pipeline_snapshot where snapshot_date = ?",
        as_of,
    )
    assert len(today[0]["y"]) == len(stages)
    assert page["kpis"]["kpi-open-deals"] == f"{deals:,}"

    trend = _trace(page, "pipeline-trend", "amount")
    assert trend["x"][-1].startswith(as_of.isoformat())
    assert trend["y"][-1] == pytest.approx(amount)


def test_conversion_stage_conversion_and_lost_reasons(page, marts, as_of):
    since = as_of - dt.timedelta(days=365)
    leads = dict(
        _one(
            marts,
            "select source, sum(leads) from marts.rpt_conversion_by_source "
            "where cohort_month > ? group by 1",
            since,
        )
    )
    shown = _trace(page, "conversion-by-source", "leads")
    assert dict(zip(shown["x"], shown["y"], strict=True)) == leads

    [(reached,)] = _one(
        marts,
        "select sum(deals_reached) from marts.rpt_stage_conversion where cohort_month > ?",
        since,
    )
    funnels = page["charts"]["stage-conversion"]
    assert {t["type"] for t in funnels} == {"funnel"}
    assert sum(sum(t["x"]) for t in funnels) == reached > 0

    lost = dict(
        _one(
            marts,
            "select lost_reason_category, sum(deals_lost) from marts.rpt_lost_reasons "
            "where lost_month > ? group by 1",
            since,
        )
    )
    shown = _trace(page, "lost-reasons", "deals lost")
    assert dict(zip(shown["x"], shown["y"], strict=True)) == lost


def test_forecast_goals_profitability_and_support(page, marts, as_of):
    forecast = _one(
        marts,
        "select forecast_month, sum(weighted_rc) from marts.rpt_revenue_forecast "
        "where forecast_month >= date_trunc('month', ?::date) group by 1 order by 1",
        as_of,
    )
    shown = _trace(page, "forecast", "weighted (stage probability)")
    assert [x[:10] for x in shown["x"]] == [m.isoformat() for m, _ in forecast]
    assert shown["y"] == pytest.approx([w for _, w in forecast])

    reps = {
        r
        for (r,) in _one(
            marts,
            "select distinct coalesce(r.rep_name, g.user_id) from marts.fct_goal_attainment g "
            "left join marts.dim_rep r on r.rep_id = g.user_id "
            "where g.expected_to_date is not null",
        )
    }
    [heatmap] = page["charts"]["goal-pacing"]
    assert set(heatmap["y"]) == reps and reps
    assert any(v is not None for row in heatmap["z"] for v in row)

    [(top_account, top_revenue)] = _one(
        marts,
        "select coalesce(a.account_name, p.account_id), sum(p.net_revenue_rc) "
        "from marts.fct_customer_profitability p "
        "left join marts.dim_account a on a.account_id = p.account_id "
        "where p.month_start > ? and p.account_id is not null "
        "group by 1 order by 2 desc limit 1",
        as_of - dt.timedelta(days=365),
    )
    shown = _trace(page, "customer-profitability", "net revenue")
    assert shown["x"][shown["y"].index(top_account)] == pytest.approx(top_revenue)

    [(opened,)] = _one(
        marts,
        "select sum(tickets_opened) from marts.rpt_support_daily "
        "where support_date >= date_trunc('week', ?::date) - interval 11 week "
        "and support_date <= ?",
        as_of,
        as_of,
    )
    assert sum(_trace(page, "support-weekly", "tickets opened")["y"]) == opened > 0


def test_each_page_load_reads_the_current_publication(publish_dir, tmp_path):
    """`current` moved to a newer version (here: a copy with no lost deals) shows on the
    next page load, without restarting the dashboard; a missing publication is one line."""
    copy = tmp_path / "published"
    (copy / "versions").mkdir(parents=True)
    old = (publish_dir / "current").resolve()
    shutil.copytree(old, copy / "versions" / "v1")
    shutil.copytree(old, copy / "versions" / "v2")
    con = duckdb.connect(str(copy / "versions" / "v2" / "crm.duckdb"))
    con.execute("delete from marts.rpt_lost_reasons")
    con.close()
    os.symlink("versions/v1", copy / "current")

    def lost_reasons(layout: dict) -> list:
        found = []

        def walk(node):
            if isinstance(node, dict):
                if node.get("props", {}).get("id") == "lost-reasons":
                    found.append(node["props"]["figure"]["data"][0]["x"])
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for value in node:
                    walk(value)

        walk(layout)
        return found[0]

    with dashboard_server(copy, tmp_path / "server.log") as url:
        assert lost_reasons(get_json(url + "_dash-layout"))
        os.symlink("versions/v2", copy / "current.new")
        os.replace(copy / "current.new", copy / "current")
        assert lost_reasons(get_json(url + "_dash-layout")) == []


def test_without_a_publication_the_command_says_so(tmp_path, capsys):
    from orchestration.dashboard.__main__ import main

    assert main(["dashboard", "--publish-dir", str(tmp_path / "none")]) == 1
    err = capsys.readouterr().err
    assert "no published marts" in err and str(tmp_path / "none") in err


def test_the_dbt_exposure_lists_exactly_the_marts_the_dashboard_reads():
    import re

    import yaml

    from orchestration.dashboard import queries
    from orchestration.lib.settings import DBT_PROJECT_DIR

    read = {t for sql in queries.QUERIES.values() for t in re.findall(r"marts\.(\w+)", sql)}
    read |= set(re.findall(r"marts\.(\w+)", queries.AS_OF))
    exposures = yaml.safe_load((DBT_PROJECT_DIR / "models/marts/_exposures.yml").read_text())
    [dashboard] = [e for e in exposures["exposures"] if e["name"] == "sales_dashboard"]
    declared = {re.fullmatch(r"ref\('(\w+)'\)", d).group(1) for d in dashboard["depends_on"]}
    assert declared == read
