"""Synthetic export generator: a small B2B company's CRM, e-mail, payments and support exports.

`generate()` writes daily export batches in the layout of docs/exports.md, streaming
rows to the files as each entity's whole life is simulated (memory stays bounded at large
scales). Same arguments give byte-identical files.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from . import company, email, payments, pipeline, support
from .dirt import Dirtier
from .timeline import Timeline
from .writer import Landing

__all__ = ["GenerateSummary", "generate"]


@dataclass
class GenerateSummary:
    out: Path
    batches: list[str]
    counts: dict[str, dict[str, int]]  # batch -> file -> data records
    dirt_log: Path | None = None
    dirt_counts: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        lines = [f"Generated {len(self.batches)} batch(es) in {self.out}"]
        for b in self.batches:
            files = self.counts.get(b, {})
            lines.append(f"  {b}: {len(files)} files, {sum(files.values())} records")
        if self.dirt_log:
            lines.append(f"  dirt log: {self.dirt_log} ({sum(self.dirt_counts.values())} entries)")
        return "\n".join(lines)


def generate(
    out: Path,
    seed: int = 7,
    days: int = 540,
    batches: int = 3,
    scale: float = 1.0,
    dirty: bool = False,
    dirt_log: Path | None = None,
    layouts: tuple[str, ...] = (),
    timezone: str = "UTC",
) -> GenerateSummary:
    """Write the company's batches into `out`; `layouts` (vendor names, e.g. `("salesforce",
    "stripe")`) replace the neutral files of each vendor's domain by the vendor's export
    files (orchestration/lib/adapters), converted from the neutral ones, their times without
    an offset written in `timezone` (named in the landing's crmwh-layouts.toml)."""
    out = Path(out)
    if batches < 1 or days < 30 or scale <= 0:
        raise ValueError("batches >= 1, days >= 30 and scale > 0 are required")
    vendor_layouts = _resolve_layouts(layouts)
    if vendor_layouts:
        from orchestration.lib.adapters.formats import zone_named

        zone_named(timezone)  # a wrong name fails before anything is written
    if vendor_layouts and dirty:
        raise ValueError(
            "--layout writes clean data only: the dirt is defined on the neutral files"
        )
    if dirty and dirt_log is None:
        dirt_log = out.parent / f"{out.name}.dirt_log.json"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    tl = Timeline(days=days, batches=batches)
    ctx: dict = {"pay_currencies": payments.PAY_CURRENCIES}
    dirt = Dirtier(seed, tl, dirty, ctx)
    landing = Landing(out, tl, seed, dirt)
    w = company.World(seed, tl, scale, landing)
    ctx["fx_first"] = w.fx_first
    ctx["protected"] = w.protected

    payments.fx(w)
    company.build_users(w)
    company.build_reference(w, dirty)
    company.build_accounts(w, dirty)
    email.run(w)
    pipeline.run(w, dirty)
    payments.run(w)
    support.run(w)

    counts = landing.close()
    if vendor_layouts:
        from orchestration.lib.adapters.writing import write_layouts_in_zone

        written = write_layouts_in_zone(out, tuple(lay.vendor for lay in vendor_layouts), timezone)
        for day, files in written.items():
            batch_counts = counts.setdefault(day, {})
            for lay in vendor_layouts:
                replaced = {vf.target for vf in lay.files} | {
                    m.target for m in lay.missing if not m.supply
                }
                for target in replaced:
                    batch_counts.pop(target, None)
            batch_counts.update(files)
    if dirt_log is not None:
        dirt.write(Path(dirt_log), scale, days, batches)
    return GenerateSummary(
        out=out,
        batches=[b.isoformat() for b in tl.batch_dates],
        counts=counts,
        dirt_log=Path(dirt_log) if dirt_log is not None else None,
        dirt_counts=dirt.counts() if dirt_log is not None else {},
    )


def _resolve_layouts(vendors: tuple[str, ...]) -> list:
    """The layouts of `vendors`, at most one per domain; ValueError naming the problem."""
    if not vendors:
        return []
    from orchestration.lib.adapters import layout

    chosen: dict[str, str] = {}
    resolved = []
    for vendor in vendors:
        try:
            lay = layout(vendor)
        except KeyError as e:
            raise ValueError(e.args[0]) from None
        if lay.domain in chosen:
            raise ValueError(
                f"{chosen[lay.domain]} and {lay.vendor} are both layouts of {lay.domain}: "
                "choose one per domain"
            )
        chosen[lay.domain] = lay.vendor
        resolved.append(lay)
    return resolved
