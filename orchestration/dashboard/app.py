"""The reference sales dashboard: a Dash app on the published marts.

The layout is built on every page load from the publication `current` points at, so a
reload after the morning refresh shows the new numbers; the DuckDB file is opened
read-only for the time of one page load. Dash serves its own and Plotly's JavaScript
(no CDN): the page needs no network beyond the dashboard's own address.
"""

from __future__ import annotations

import logging
from pathlib import Path

import plotly.graph_objects as go
import yaml
from dash import Dash, dcc, html
from werkzeug.serving import make_server

from orchestration.lib.settings import DBT_PROJECT_DIR

from . import published, queries

log = logging.getLogger("crmwh.dashboard")

# Graph id -> title. The browser test checks that each of them shows data.
CHARTS: dict[str, str] = {
    "pipeline-today": "Open pipeline today, by stage",
    "pipeline-trend": "Open pipeline, last 180 days",
    "conversion-by-source": "Lead conversion by source (cohorts of the last 12 months)",
    "stage-conversion": "Stage conversion (deals reaching each stage, last 12 months)",
    "lost-reasons": "Lost deals by reason (last 12 months)",
    "forecast": "Revenue forecast by expected close month",
    "goal-pacing": "Goal pacing per rep (current periods: actual ÷ expected to date)",
    "customer-profitability": "Top customers by net revenue (last 12 months)",
    "support-weekly": "Support: tickets, calls and SLA compliance per week (last 12 weeks)",
}

COLOURS = {
    "primary": "#2563eb",
    "secondary": "#93c5fd",
    "accent": "#f59e0b",
    "good": "#16a34a",
    "bad": "#dc2626",
    "muted": "#64748b",
}

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0;
       background: #f1f5f9; color: #0f172a; }
header { background: #0f172a; color: #f8fafc; padding: 14px 24px; display: flex;
         align-items: baseline; gap: 24px; flex-wrap: wrap; }
header h1 { font-size: 20px; margin: 0; }
header span { color: #cbd5e1; font-size: 13px; }
main { padding: 16px 24px 32px; }
.kpis { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr));
        gap: 12px; margin-bottom: 16px; }
.kpi { background: #fff; border-radius: 8px; padding: 10px 14px;
       box-shadow: 0 1px 2px rgba(15, 23, 42, .08); }
.kpi .label { font-size: 12px; color: #64748b; }
.kpi .value { font-size: 22px; font-weight: 600; margin-top: 2px; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(560px, 1fr)); gap: 16px; }
.card { background: #fff; border-radius: 8px; padding: 8px 12px 4px;
        box-shadow: 0 1px 2px rgba(15, 23, 42, .08); }
.card h2 { font-size: 15px; margin: 6px 4px 0; font-weight: 600; }
.section { font-size: 13px; text-transform: uppercase; letter-spacing: .06em; color: #475569;
           margin: 22px 0 8px; }
.error { background: #fff; border-left: 4px solid #dc2626; padding: 16px 20px; }
"""

INDEX = f"""<!DOCTYPE html>
<html lang="en">
<head>
{{%metas%}}<title>{{%title%}}</title>{{%favicon%}}{{%css%}}
<style>{STYLE}</style>
</head>
<body>
{{%app_entry%}}
<footer>{{%config%}}{{%scripts%}}{{%renderer%}}</footer>
</body>
</html>"""


def reporting_currency(publication: published.Publication) -> str:
    """The publication's reporting currency (its manifest, else the dbt var)."""
    manifest = publication.manifest()
    if manifest.get("reporting_currency"):
        return str(manifest["reporting_currency"])
    try:
        project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())
        return str(project["vars"]["reporting_currency"])
    except (OSError, KeyError, TypeError):
        return "reporting currency"


def _money(value: float | None, currency: str) -> str:
    if value is None:
        return "–"
    for limit, suffix in ((1e9, " bn"), (1e6, " M"), (1e3, " k")):
        if abs(value) >= limit:
            return f"{value / limit:,.1f}{suffix} {currency}"
    return f"{value:,.0f} {currency}"


def _rate(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _number(value: float | None, decimals: int = 0) -> str:
    return "–" if value is None else f"{value:,.{decimals}f}"


def _figure(traces: list, currency: str | None = None, **layout) -> go.Figure:
    figure = go.Figure(traces)
    defaults = {
        "template": "plotly_white",
        "height": 360,
        "margin": {"l": 60, "r": 20, "t": 20, "b": 60},
        "legend": {"orientation": "h", "y": -0.18},
        "hovermode": "closest",
    }
    figure.update_layout(**{**defaults, **layout})
    if currency:
        figure.update_yaxes(title_text=currency)
    return figure


def _no_data(figure: go.Figure, rows: list) -> go.Figure:
    if not rows:
        figure.add_annotation(
            text="no data in the published marts", showarrow=False, x=0.5, y=0.5,
            xref="paper", yref="paper", font={"color": COLOURS["muted"]},
        )  # fmt: skip
    return figure


def figures(data: queries.DashboardData, currency: str) -> dict[str, go.Figure]:
    """One Plotly figure per entry of CHARTS."""
    out: dict[str, go.Figure] = {}

    p = data["pipeline_today"]
    labels = [f"{stage} ({pipe})" for pipe, stage in zip(p["pipeline"], p["stage"], strict=True)]
    out["pipeline-today"] = _no_data(
        _figure(
            [
                go.Bar(name="amount", y=labels, x=p["amount_rc"], orientation="h",
                       marker_color=COLOURS["secondary"], customdata=p["deals"],
                       hovertemplate="%{y}<br>%{x:,.0f} (%{customdata} deals)"),
                go.Bar(name="weighted", y=labels, x=p["weighted_rc"], orientation="h",
                       marker_color=COLOURS["primary"]),
            ],
            barmode="group", yaxis={"autorange": "reversed"},
            xaxis={"title": {"text": currency}}, margin={"l": 220, "r": 20, "t": 20, "b": 60},
        ),
        labels,
    )  # fmt: skip

    t = data["pipeline_trend"]
    out["pipeline-trend"] = _no_data(
        _figure(
            [
                go.Scatter(name="amount", x=t["snapshot_date"], y=t["amount_rc"], mode="lines",
                           line_color=COLOURS["secondary"], customdata=t["open_deals"],
                           hovertemplate="%{x}<br>%{y:,.0f} (%{customdata} open deals)"),
                go.Scatter(name="weighted", x=t["snapshot_date"], y=t["weighted_rc"],
                           mode="lines", line_color=COLOURS["primary"]),
            ],
            currency,
        ),
        t["snapshot_date"],
    )  # fmt: skip

    c = data["conversion_by_source"]
    funnel_steps = (
        ("leads", "#cbd5e1"),
        ("qualified", COLOURS["secondary"]),
        ("converted", COLOURS["primary"]),
        ("won", COLOURS["good"]),
    )
    conversion = _figure(
        [go.Bar(name=step, x=c["source"], y=c[step], marker_color=colour)
         for step, colour in funnel_steps]
        + [go.Scatter(name="close rate (won ÷ leads)", x=c["source"], y=c["close_rate"],
                      yaxis="y2", mode="markers+lines", line_color=COLOURS["accent"],
                      hovertemplate="%{x}: %{y:.1%}")],
        barmode="group",
        yaxis={"title": {"text": "persons"}},
        yaxis2={"title": {"text": "close rate"}, "overlaying": "y", "side": "right",
                "tickformat": ".0%", "rangemode": "tozero", "showgrid": False},
    )  # fmt: skip
    out["conversion-by-source"] = _no_data(conversion, c["source"])

    s = data["stage_conversion"]
    palette = [COLOURS["primary"], COLOURS["accent"], COLOURS["good"], COLOURS["muted"]]
    funnels = []
    for n, pipeline in enumerate(dict.fromkeys(s["pipeline"])):
        rows = [i for i, name in enumerate(s["pipeline"]) if name == pipeline]
        funnels.append(
            go.Funnel(
                name=pipeline,
                y=[s["stage"][i] for i in rows],
                x=[s["deals_reached"][i] for i in rows],
                texttemplate="%{value} (%{percentPrevious:.0%})",
                textposition="inside",
                hovertemplate="%{y}: %{value} deals reached, %{percentPrevious:.0%} of the "
                "previous stage, %{percentInitial:.0%} of the first<extra></extra>",
                marker_color=palette[n % len(palette)],
            )
        )
    out["stage-conversion"] = _no_data(
        _figure(funnels, margin={"l": 120, "r": 20, "t": 20, "b": 60}), s["stage"]
    )

    lost = data["lost_reasons"]
    out["lost-reasons"] = _no_data(
        _figure(
            [
                go.Bar(name="deals lost", x=lost["reason"], y=lost["deals_lost"],
                       marker_color=COLOURS["bad"]),
                go.Scatter(name=f"amount lost ({currency})", x=lost["reason"],
                           y=lost["amount_lost_rc"], yaxis="y2", mode="markers",
                           marker={"size": 10, "color": COLOURS["muted"]}),
            ],
            yaxis={"title": {"text": "deals"}},
            yaxis2={"title": {"text": currency}, "overlaying": "y", "side": "right",
                    "rangemode": "tozero", "showgrid": False, "tickformat": ".3s"},
        ),
        lost["reason"],
    )  # fmt: skip

    f = data["forecast"]
    out["forecast"] = _no_data(
        _figure(
            [
                go.Bar(name="open pipeline", x=f["forecast_month"], y=f["pipeline_rc"],
                       marker_color="#cbd5e1", customdata=f["open_deals"],
                       hovertemplate="%{x|%b %Y}<br>%{y:,.0f} (%{customdata} deals)"),
                go.Bar(name="weighted (stage probability)", x=f["forecast_month"],
                       y=f["weighted_rc"], marker_color=COLOURS["primary"]),
                go.Bar(name="weighted (historical win rates)", x=f["forecast_month"],
                       y=f["historical_weighted_rc"], marker_color=COLOURS["accent"]),
            ],
            currency, barmode="group", xaxis={"dtick": "M1", "tickformat": "%b %Y"},
        ),
        f["forecast_month"],
    )  # fmt: skip

    g = data["goal_pacing"]
    reps = list(dict.fromkeys(g["rep"]))
    goals = sorted(set(g["goal"]))
    cells = {(r, k): i for i, (r, k) in enumerate(zip(g["rep"], g["goal"], strict=True))}

    def cell(column: str, rep: str, goal: str):
        i = cells.get((rep, goal))
        return None if i is None else g[column][i]

    text = [
        ["" if cells.get((rep, goal)) is None else _rate(cell("pace", rep, goal)) for goal in goals]
        for rep in reps
    ]
    out["goal-pacing"] = _no_data(
        _figure(
            [
                go.Heatmap(
                    x=goals, y=reps, z=[[cell("pace", r, k) for k in goals] for r in reps],
                    text=text, texttemplate="%{text}", zmin=0, zmid=1, zmax=2, xgap=2, ygap=2,
                    customdata=[[[cell("actual", r, k), cell("expected_to_date", r, k),
                                  cell("target", r, k)] for k in goals] for r in reps],
                    colorscale=[[0, "#fecaca"], [0.5, "#fef9c3"], [1, "#bbf7d0"]],
                    colorbar={"title": {"text": "pace"}, "tickformat": ".0%"},
                    hovertemplate="%{y}<br>%{x}<br>pace %{z:.0%}: actual %{customdata[0]:,.0f}"
                    " vs %{customdata[1]:,.0f} expected to date (target %{customdata[2]:,.0f})"
                    "<extra></extra>",
                )
            ],
            height=max(360, 120 + 30 * len(reps)), xaxis={"side": "top"},
            yaxis={"autorange": "reversed"}, margin={"l": 120, "r": 20, "t": 100, "b": 20},
        ),
        reps,
    )  # fmt: skip

    cp = data["customer_profitability"]
    out["customer-profitability"] = _no_data(
        _figure(
            [
                go.Bar(name="net revenue", y=cp["account"], x=cp["net_revenue_rc"],
                       orientation="h", marker_color=COLOURS["secondary"]),
                go.Bar(name="gross margin", y=cp["account"], x=cp["gross_margin_rc"],
                       orientation="h", marker_color=COLOURS["good"],
                       customdata=cp["gross_margin_pct"],
                       hovertemplate="%{y}<br>%{x:,.0f} (%{customdata:.0%})"),
            ],
            barmode="group", yaxis={"autorange": "reversed"},
            xaxis={"title": {"text": currency}}, margin={"l": 200, "r": 20, "t": 20, "b": 60},
        ),
        cp["account"],
    )  # fmt: skip

    sw = data["support_weekly"]
    out["support-weekly"] = _no_data(
        _figure(
            [
                go.Bar(name="tickets opened", x=sw["week_start"], y=sw["tickets_opened"],
                       marker_color=COLOURS["secondary"]),
                go.Bar(name="tickets solved", x=sw["week_start"], y=sw["tickets_solved"],
                       marker_color=COLOURS["primary"]),
                go.Bar(name="calls", x=sw["week_start"], y=sw["calls"],
                       marker_color="#cbd5e1"),
                go.Scatter(name="SLA compliance", x=sw["week_start"], y=sw["sla_compliance"],
                           yaxis="y2", mode="lines+markers", line_color=COLOURS["good"],
                           hovertemplate="week of %{x}: %{y:.0%}"),
            ],
            barmode="group", xaxis={"tickformat": "%d %b"},
            yaxis={"title": {"text": "tickets, calls"}},
            yaxis2={"title": {"text": "SLA compliance"}, "overlaying": "y", "side": "right",
                    "tickformat": ".0%", "range": [0, 1.05], "showgrid": False},
        ),
        sw["week_start"],
    )  # fmt: skip
    return out


def _kpi(label: str, value: str, kpi_id: str) -> html.Div:
    return html.Div(
        [html.Div(label, className="label"), html.Div(value, className="value", id=kpi_id)],
        className="kpi",
    )


def _card(chart_id: str, figure: go.Figure) -> html.Div:
    return html.Div(
        [
            html.H2(CHARTS[chart_id]),
            dcc.Graph(id=chart_id, figure=figure, config={"displaylogo": False}),
        ],
        className="card",
    )


def layout(publish_dir: str | Path | None = None) -> html.Div:
    """The whole page, from the current publication."""
    try:
        publication = published.current(publish_dir)
        with publication.connect() as con:
            data = queries.load(con, publication.as_of_date())
    except (published.NoPublication, OSError) as error:
        log.error("%s", error)
        return html.Div(
            [html.Header(html.H1("Sales dashboard")),
             html.Main(html.Div(str(error), className="error", id="dashboard-error"))]
        )  # fmt: skip
    currency = reporting_currency(publication)
    charts = figures(data, currency)
    k, sk = data.row("kpis"), data.row("support_kpis")
    manifest = publication.manifest()
    published_at = str(manifest.get("published_at", ""))[:16].replace("T", " ")
    header = html.Header(
        [
            html.H1("Sales dashboard"),
            html.Span(f"as of {data.as_of:%A %d %B %Y}", id="as-of"),
            html.Span(f"published {published_at} UTC (run {publication.version[:8]})"),
            html.Span(f"money in {currency}"),
        ]
    )
    sales_kpis = html.Div(
        [
            _kpi("Open pipeline", _money(k["open_pipeline_rc"], currency), "kpi-open-pipeline"),
            _kpi("Weighted pipeline", _money(k["weighted_pipeline_rc"], currency), "kpi-weighted"),
            _kpi("Open deals", _number(k["open_deals"]), "kpi-open-deals"),
            _kpi("Won this month", _money(k["won_rc_mtd"], currency), "kpi-won-mtd"),
            _kpi("Deals won this month", _number(k["won_deals_mtd"]), "kpi-won-deals-mtd"),
            _kpi("Win rate, last 90 days", _rate(k["win_rate_90d"]), "kpi-win-rate"),
            _kpi("Forecast this month (weighted)",
                 _money(k["forecast_weighted_rc_month"], currency), "kpi-forecast"),
        ],
        className="kpis",
    )  # fmt: skip
    support_kpis = html.Div(
        [
            _kpi("Tickets opened, 30 days", _number(sk["tickets_opened"]), "kpi-tickets"),
            _kpi("Solved the same day", _rate(sk["solved_same_day_rate"]), "kpi-same-day"),
            _kpi("SLA compliance", _rate(sk["sla_compliance"]), "kpi-sla"),
            _kpi("Avg resolution", f"{_number(sk['avg_resolution_hours'], 1)} h", "kpi-resolution"),
            _kpi("Avg call handle time", f"{_number(sk['avg_handle_minutes'], 1)} min",
                 "kpi-handle"),
            _kpi("Cost per interaction", _money(sk["cost_per_interaction_rc"], currency),
                 "kpi-cost"),
        ],
        className="kpis",
    )  # fmt: skip

    def grid(*chart_ids: str) -> html.Div:
        return html.Div([_card(i, charts[i]) for i in chart_ids], className="grid")

    return html.Div(
        [
            header,
            html.Main(
                [
                    sales_kpis,
                    html.Div("Pipeline", className="section"),
                    grid("pipeline-today", "pipeline-trend"),
                    html.Div("Conversion", className="section"),
                    grid("conversion-by-source", "stage-conversion"),
                    html.Div("Losses and forecast", className="section"),
                    grid("lost-reasons", "forecast"),
                    html.Div("Goals", className="section"),
                    grid("goal-pacing"),
                    html.Div(
                        "Customers and support (support KPIs: last 30 days)", className="section"
                    ),
                    support_kpis,
                    grid("customer-profitability", "support-weekly"),
                ]
            ),
        ]
    )


def create_app(publish_dir: str | Path | None = None) -> Dash:
    """The Dash app; `app.server` is its Flask (WSGI) application."""
    app = Dash(
        __name__,
        title="crmwh sales dashboard",
        update_title=None,
        serve_locally=True,
        assets_folder=str(Path(__file__).with_name("assets")),
        index_string=INDEX,
    )
    # A function: Dash calls it on every page load, so each load reads the current version.
    app.layout = lambda: layout(publish_dir)
    return app


def serve(publish_dir: str | Path | None = None, host: str = "127.0.0.1", port: int = 8050) -> None:
    """Serve the dashboard until interrupted (`crmwh dashboard`)."""
    publication = published.current(publish_dir)  # fail early, with the reason
    app = create_app(publish_dir)
    # Werkzeug's threaded server (what Dash's app.run uses, without its debug machinery);
    # for a larger audience, serve `create_app().server` with any WSGI server.
    server = make_server(host, port, app.server, threaded=True)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    log.info(
        "dashboard on http://%s:%d/ reading %s (each page load reads the current "
        "publication); Ctrl+C to stop",
        host, server.server_port, publication.root,
    )  # fmt: skip
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
