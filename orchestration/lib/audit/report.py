"""The audit report of a run: one self-contained HTML page (no CDN: it opens offline),
built from the same results as audit.check_results, written next to the warehouse."""

from __future__ import annotations

import html
import json
from pathlib import Path

from .results import COUNTS, AuditResult

_CSS = """
body { font: 14px/1.45 system-ui, -apple-system, Segoe UI, Roboto, sans-serif; margin: 2rem;
       color: #1d2430; background: #fafbfc; }
h1 { font-size: 1.5rem; margin: 0 0 .3rem; } h2 { font-size: 1.15rem; margin: 2rem 0 .5rem; }
h3 { font-size: 1rem; margin: 1.2rem 0 .4rem; }
.verdict { display: inline-block; padding: .3rem .8rem; border-radius: 4px; font-weight: 600; }
.ok { background: #dff3e4; color: #11622c; } .bad { background: #fde2e1; color: #8a1c16; }
table { border-collapse: collapse; margin: .4rem 0 1rem; background: white; }
th, td { border: 1px solid #d8dde6; padding: .25rem .55rem; text-align: left; vertical-align: top; }
th { background: #eef1f6; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.failed td { background: #fff6e5; } tr.blocking td { background: #fde2e1; }
code, pre { font: 12px/1.35 ui-monospace, SFMono-Regular, Menlo, monospace; }
pre { white-space: pre-wrap; word-break: break-all; margin: 0; max-width: 60rem; }
.muted { color: #667085; } ul.blocking li { color: #8a1c16; font-weight: 600; }
details { margin: .2rem 0 .8rem; } summary { cursor: pointer; }
"""


def _e(value) -> str:
    return html.escape("" if value is None else str(value))


def _record(text: str | None) -> str:
    try:
        record = {k: v for k, v in json.loads(text or "{}").items() if v is not None}
        return json.dumps(record, ensure_ascii=False)
    except ValueError:
        return text or ""


def _layouts_section(result: AuditResult) -> list[str]:
    """Per batch, which layout provided each domain, which vendor file holds which record
    numbers of a contract file (the findings name records by those numbers), and what the
    layout cannot provide."""
    used = result.vendor_batches
    if not used:
        return []
    from ..adapters import layout
    from ..adapters.model import Missing

    parts = [
        "<h2>Vendor layouts</h2><p class='muted'>Domains read from a vendor's export files "
        "(converted to the export contract at ingestion). The findings name a record by its "
        "number in the contract file; the vendor files hold them in this order (a CSV "
        "record's line is usually its number in its own file + 1). What a layout cannot "
        "provide stays empty in the warehouse, and the marts it affects are named.</p>",
        "<table><tr><th>batch</th><th>domain</th><th>layout</th><th>records read from</th>"
        "<th>cannot provide</th><th>affects</th></tr>",
    ]
    for batch in sorted(used):
        domains, vendor_files = used[batch].layouts, used[batch].files
        zone = used[batch].timezone
        for domain, vendor in sorted(domains.items()):
            lay = layout(vendor)
            sources = "<br>".join(
                f"<code>{_e(target)}</code> {first}–{last}: <code>{_e(rel)}</code>"
                if last >= first
                else f"<code>{_e(target)}</code>: <code>{_e(rel)}</code> (no records)"
                for target, files in vendor_files.items()
                if target.startswith(f"{domain}/")
                for rel, first, last in files
            )
            gaps = [
                (f"{vf.target} {column}", fld.reason, fld.affects)
                for vf in lay.files
                for column, fld in vf.columns.items()
                if isinstance(fld, Missing)
            ] + [(m.target, m.reason, m.affects) for m in lay.missing]
            first_cells = (
                f"<td>{_e(batch)}</td><td>{_e(domain)}</td>"
                f"<td>{_e(lay.vendor)} ({_e(lay.title)})<br><span class='muted'>times "
                f"without an offset read in {_e(zone)}</span></td><td>{sources}</td>"
            )
            if not gaps:
                parts.append(
                    f"<tr>{first_cells}<td class='muted'>nothing: every file and column</td>"
                    "<td></td></tr>"
                )
            for i, (what, reason, affects) in enumerate(gaps):
                lead = first_cells if i == 0 else "<td></td>" * 4
                parts.append(
                    f"<tr class='failed'>{lead}<td><code>{_e(what)}</code>: {_e(reason)}</td>"
                    f"<td>{_e(', '.join(affects))}</td></tr>"
                )
    parts.append("</table>")
    return parts


def render(result: AuditResult) -> str:
    totals = result.file_totals()
    failed = [r for r in result.rules if not r.passed]
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>crmwh audit {_e(result.run_id)}</title><style>{_CSS}</style></head><body>",
        "<h1>Data-cleaning audit</h1>",
        f"<p class='muted'>run {_e(result.run_id)} · batches {_e(', '.join(result.batches))}"
        f" · quarantine threshold {result.threshold:.0%} per file"
        f" · {len(result.rules)} expectations checked"
        f" · SQL {result.seconds_sql:.2f} s, GX {result.seconds_gx:.2f} s</p>",
    ]
    if result.passed:
        parts.append("<p class='verdict ok'>PASSED: the batches are loaded</p>")
    else:
        parts.append(
            "<p class='verdict bad'>REFUSED: the refused batches were not loaded (their "
            "earlier accepted version, if any, stays) and nothing downstream was rebuilt</p>"
        )
        parts.append("<ul class='blocking'>")
        parts += [f"<li>{_e(b)}</li>" for b in result.blocking]
        parts.append("</ul>")
    if result.unknown_names:
        parts.append(
            "<h2>Names outside the export contract (ignored)</h2><ul>"
            + "".join(f"<li><code>{_e(name)}</code></li>" for name in result.unknown_names)
            + "</ul>"
        )
    parts += _layouts_section(result)
    if result.redecided:
        parts.append(
            "<h2>Decided again</h2><p class='muted'>Files of accepted batches whose rules "
            "read a file that changed in this run (an fx rate, a deal, a charge)</p>"
            "<table><tr><th>batch</th><th>file</th><th>quarantined</th><th>flagged</th></tr>"
        )
        for r in result.redecided:
            parts.append(
                f"<tr><td>{_e(r.batch)}</td><td>{_e(r.source_file)}</td>"
                f"<td>{r.quarantined_before} → {r.quarantined_after}</td>"
                f"<td>{r.flagged_before} → {r.flagged_after}</td></tr>"
            )
        parts.append("</table>")
    parts.append(
        "<h2>Files</h2><table><tr><th>file</th><th>read</th><th>loaded</th>"
        "<th>quarantined</th><th>duplicates removed</th><th>fixed</th>"
        "<th>flagged</th></tr>"
    )
    for file, t in sorted(totals.items()):
        cls = " class='failed'" if t["records_quarantined"] or t["records_flagged"] else ""
        parts.append(
            f"<tr{cls}><td><a href='#{_e(file)}'>{_e(file)}</a></td>"
            + "".join(f"<td class='n'>{t[k]}</td>" for k in COUNTS)
            + "</tr>"
        )
    parts.append("</table>")
    parts.append(f"<h2>Findings ({len(failed)} expectations with failures)</h2>")
    by_file: dict[str, list] = {}
    for r in result.rules:
        by_file.setdefault(r.source_file, []).append(r)
    for file in sorted(by_file):
        rules = by_file[file]
        bad = [r for r in rules if not r.passed]
        parts.append(f"<h3 id='{_e(file)}'>{_e(file)}</h3>")
        if not bad:
            parts.append(f"<p class='muted'>all {len(rules)} expectations passed</p>")
        else:
            parts.append(
                "<table><tr><th>batch</th><th>rule</th><th>severity</th><th>expectation</th>"
                "<th>outcome</th><th>SQL</th><th>GX</th><th>details</th></tr>"
            )
            for r in bad:
                cls = "blocking" if r.blocking else "failed"
                parts.append(
                    f"<tr class='{cls}'><td>{_e(r.batch)}</td><td>{_e(r.rule)}</td>"
                    f"<td>{_e(r.severity)}</td>"
                    f"<td><code>{_e(r.expectation)}</code></td><td>{_e(r.outcome)}</td>"
                    f"<td class='n'>{r.failures_sql}</td>"
                    f"<td class='n'>{'' if r.failures_gx is None else r.failures_gx}</td>"
                    f"<td>{_e(r.details)}</td></tr>"
                )
            parts.append("</table>")
            samples = [
                (finding, s)
                for (f, finding), rows in sorted(result.samples.items())
                if f == file
                for s in rows
            ]
            if samples:
                parts.append(
                    f"<details open><summary>sample records ({len(samples)})</summary><table>"
                    "<tr><th>finding</th><th>batch</th><th>record</th><th>reason</th>"
                    "<th>raw record</th></tr>"
                )
                for finding, s in samples:
                    parts.append(
                        f"<tr><td>{_e(finding)}</td><td>{_e(s['batch'])}</td>"
                        f"<td class='n'>{_e(s['record_number'])}</td><td>{_e(s['reason'])}</td>"
                        f"<td><pre>{_e(_record(s['record']))}</pre></td></tr>"
                    )
                parts.append("</table></details>")
        passed = [r for r in rules if r.passed]
        if passed:
            parts.append(
                f"<details><summary>{len(passed)} checks passed</summary><ul>"
                + "".join(
                    f"<li>{_e(r.batch)} <code>{_e(r.rule)}</code> "
                    f"({_e(r.severity)}, {_e(r.expectation)})</li>"
                    for r in passed
                )
                + "</ul></details>"
            )
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(result: AuditResult, folder: Path) -> Path:
    """Write `audit-<run id>.html` and refresh `latest.html`; return the run's page."""
    folder.mkdir(parents=True, exist_ok=True)
    page = render(result)
    path = folder / f"audit-{result.run_id}.html"
    path.write_text(page, encoding="utf-8")
    (folder / "latest.html").write_text(page, encoding="utf-8")
    return path
