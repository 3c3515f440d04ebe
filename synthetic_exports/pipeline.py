"""Leads, deals and their history, line items and quotes; activities follow each entity."""

from __future__ import annotations

import bisect
import heapq
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from . import names as N
from .activities import ActivityWriter
from .company import (
    APPROX_RATE,
    OPEN_STAGES,
    PRODUCTS,
    STAGE_TYPE,
    Account,
    World,
    new_account,
    new_contact,
    write_account,
    write_contact,
)
from .util import d, iso, money, rand_ts, rng_for

SOURCES = {  # weight, conversion probability
    "organic": (20, 0.13),
    "paid_ads": (18, 0.07),
    "email_campaign": (14, 0.09),
    "referral": (9, 0.34),
    "event": (10, 0.15),
    "outbound": (19, 0.11),
    "partner": (10, 0.26),
}
SEGMENT_EUR = {"smb": (3000, 15000), "mid_market": (10000, 50000), "enterprise": (40000, 180000)}


@dataclass(order=True)
class DealSeed:
    created: datetime
    n: int
    account_id: str = ""
    contact_id: str = ""
    lead_id: str = ""
    source: str = ""
    owner: str = ""
    pipeline: str = "nb"
    deal_type: str = "new_business"
    base_eur: float = 0.0


def _round_amount(x: float, cur: str) -> float:
    step = 10000 if cur == "JPY" else (1000 if cur in ("SEK",) else 100)
    return max(step, round(x / step) * step)


class Pipeline:
    def __init__(self, w: World, dirty: bool):
        self.w = w
        self.dirty = dirty
        self.acts = ActivityWriter(w)
        self.heap: list[DealSeed] = []
        self.n_seed = 0
        self.n_deal = 0
        self.n_hist = 0
        self.n_line = 0
        self.n_quote = 0
        self.n_lead = 0
        self.users = {u.id: u for u in w.users}
        self.sent_times = [c[1] for c in w.campaigns]

    # -- leads ------------------------------------------------------------------------
    def leads(self) -> None:
        w = self.w
        rng = rng_for(w.seed, "leads")
        n = w.n(1100, 10)
        start, end = w.tl.start, w.tl.end
        times = sorted(rand_ts(rng, start, end) for _ in range(n))
        accounts = list(w.accounts.values())
        dup_every = 45 if self.dirty else 0
        for i, created in enumerate(times):
            self._lead(rng, created, accounts, dup=dup_every and i % dup_every == 7)

    def _lead_id(self) -> str:
        self.n_lead += 1
        return f"l{self.n_lead:06d}" if self.w.scale < 50 else f"l{self.n_lead:08d}"

    def _lead(
        self, rng: random.Random, created: datetime, accounts: list[Account], dup: bool
    ) -> None:
        w = self.w
        src = rng.choices(list(SOURCES), weights=[v[0] for v in SOURCES.values()])[0]
        campaign = ""
        if src == "email_campaign":
            n_sent = bisect.bisect_left(self.sent_times, created)
            if n_sent:
                campaign = rng.choice(w.campaigns[max(0, n_sent - 3) : n_sent])[0]
            else:
                src = "organic"
        referrer = ""
        if src == "referral":
            older = [a for a in accounts[:200] if a.created < created]
            referrer = rng.choice(older).id if older else ""
        owner = w.rep(rng, created)
        first, last = rng.choice(N.FIRST), rng.choice(N.LAST)
        company = f"{rng.choice(N.COMPANY_A)}{rng.choice(N.COMPANY_B).lower()}"
        country = rng.choices(list(N.COUNTRY_WEIGHTS), weights=list(N.COUNTRY_WEIGHTS.values()))[0]
        if rng.random() < 0.15:
            domain = rng.choice(N.FREE_MAIL)
        else:
            domain = f"{company.lower()}.{N.TLD[country]}"
        email = w.unique_email(rng, first, last, domain) if rng.random() > 0.03 else ""
        offset = w.offset(rng)
        lid = self._lead_id()
        conv_p = SOURCES[src][1] * owner.skill
        roll = rng.random()
        t_work = created + timedelta(hours=rng.uniform(1, 72))
        base = {
            "lead_id": lid,
            "created_at": iso(created, offset),
            "first_name": first,
            "last_name": last,
            "email": email,
            "company_name": company,
            "source": src,
            "campaign_id": campaign,
            "referrer_account_id": referrer,
            "owner_id": owner.id,
            "status": "new",
            "qualified_at": "",
            "disqualified_reason": "",
            "converted_at": "",
            "converted_account_id": "",
            "converted_contact_id": "",
            "converted_deal_id": "",
            "updated_at": iso(created, offset),
        }
        versions = [(created, base)]
        working = {**base, "status": "working", "updated_at": iso(t_work, offset)}
        versions.append((t_work, working))
        stop = t_work + timedelta(days=rng.uniform(3, 25))
        if roll < conv_p + 0.18:
            t_q = t_work + timedelta(days=rng.uniform(1, 20))
            q = {
                **working,
                "status": "qualified",
                "qualified_at": iso(t_q, offset),
                "updated_at": iso(t_q, offset),
            }
            versions.append((t_q, q))
            stop = t_q
            if roll < conv_p:
                t_c = t_q + timedelta(days=rng.uniform(0.5, 15))
                stop = t_c
                if t_c < w.tl.end:
                    if rng.random() < 0.2 and accounts:
                        acc = rng.choice(accounts[: max(1, len(accounts) // 2)])
                    else:
                        acc = new_account(w, rng, t_c, company=company, country=country)
                        acc.owner = owner.id
                        write_account(w, acc)
                    contact_email = email if email else None
                    c = new_contact(
                        w,
                        rng,
                        acc,
                        t_c,
                        first=first,
                        last=last,
                        email=contact_email or w.unique_email(rng, first, last, acc.domain),
                    )
                    write_contact(w, c)
                    if len(acc.contacts) < 3 and rng.random() < 0.6:
                        c2 = new_contact(w, rng, acc, t_c + timedelta(days=rng.uniform(2, 40)))
                        if c2.created < w.tl.end:
                            write_contact(w, c2)
                    seed = self._seed(t_c, acc, c.id, lid, src, owner.id, "nb", "new_business")
                    deal_id = f"d{seed.n:06d}" if w.scale < 50 else f"d{seed.n:08d}"
                    v = {
                        **q,
                        "status": "converted",
                        "converted_at": iso(t_c, offset),
                        "converted_account_id": acc.id,
                        "converted_contact_id": c.id,
                        "converted_deal_id": deal_id,
                        "updated_at": iso(t_c, offset),
                    }
                    versions.append((t_c, v))
            elif rng.random() < 0.5:
                t_x = t_q + timedelta(days=rng.uniform(5, 60))
                versions.append(
                    (
                        t_x,
                        {
                            **q,
                            "status": "disqualified",
                            "disqualified_reason": rng.choice(N.DISQUALIFIED),
                            "updated_at": iso(t_x, offset),
                        },
                    )
                )
        elif rng.random() < 0.85:
            t_x = t_work + timedelta(days=rng.uniform(2, 40))
            stop = t_x
            versions.append(
                (
                    t_x,
                    {
                        **working,
                        "status": "disqualified",
                        "disqualified_reason": rng.choice(N.DISQUALIFIED),
                        "updated_at": iso(t_x, offset),
                    },
                )
            )
        meta = None
        if dup and email:
            w.protected.add(("crm/leads.csv", lid))
        w.landing.snapshot("crm/leads.csv", w.states(created, versions), meta=meta)
        self.acts.for_lead(rng, lid, owner.id, t_work, stop, offset, owner.activity)
        if dup and email:
            t2 = created + timedelta(minutes=rng.randint(2, 60 * 24 * 20))
            if t2 < w.tl.end - timedelta(hours=1):
                lid2 = self._lead_id()
                row = {
                    **base,
                    "lead_id": lid2,
                    "created_at": iso(t2, offset),
                    "updated_at": iso(t2, offset),
                    "owner_id": w.rep(rng, t2).id,
                }
                w.landing.snapshot(
                    "crm/leads.csv",
                    w.states(t2, [(t2, row)]),
                    meta={
                        "natural": {
                            "kind": "same_person",
                            "column": "email",
                            "same_as": lid,
                            "note": "the same form submitted twice: same e-mail, different lead id",
                        }
                    },
                )

    # -- deals ------------------------------------------------------------------------
    def _seed(
        self,
        created,
        acc: Account,
        contact_id,
        lead_id,
        source,
        owner,
        pipeline,
        deal_type,
        base_eur: float = 0.0,
    ) -> DealSeed:
        self.n_seed += 1
        s = DealSeed(
            created,
            self.n_seed,
            acc.id,
            contact_id,
            lead_id,
            source,
            owner,
            pipeline,
            deal_type,
            base_eur,
        )
        heapq.heappush(self.heap, s)
        return s

    def outbound_and_legacy(self) -> None:
        """Deals without a lead: outbound prospecting and renewals of pre-existing customers."""
        w = self.w
        rng = rng_for(w.seed, "outbound")
        accounts = [a for a in w.accounts.values() if a.created < w.tl.start]
        for _ in range(w.n(110)):
            acc = rng.choice(accounts)
            t = rand_ts(rng, w.tl.start, w.tl.end)
            c = rng.choice(acc.contacts).id if acc.contacts else ""
            self._seed(
                t,
                acc,
                c,
                "",
                rng.choice(("outbound", "outbound", "event", "partner")),
                acc.owner if rng.random() < 0.7 else w.rep(rng, t).id,
                "nb",
                "new_business",
            )
        w.legacy = set()
        for acc in accounts:
            if rng.random() < 0.4:  # a customer from before the simulated period
                annual = rng.uniform(*SEGMENT_EUR[acc.segment])
                w.legacy.add(acc.id)
                acc.wins.append((w.tl.start - timedelta(days=rng.randint(30, 700)), annual, ""))
                t = w.tl.start + timedelta(days=rng.uniform(0, w.tl.days))
                c = rng.choice(acc.contacts).id if acc.contacts else ""
                self._seed(t, acc, c, "", "outbound", acc.owner, "ex", "renewal", annual)

    def run_deals(self) -> None:
        w = self.w
        rng = rng_for(w.seed, "deals")
        while self.heap:
            seed = heapq.heappop(self.heap)
            if seed.created >= w.tl.end:
                continue
            self._deal(rng, seed)

    def _deal(self, rng: random.Random, s: DealSeed) -> None:  # noqa: C901
        w = self.w
        acc = w.accounts[s.account_id]
        self.n_deal += 1
        deal_id = f"d{s.n:06d}" if w.scale < 50 else f"d{s.n:08d}"
        cur = acc.currency
        rate = APPROX_RATE[cur]
        owner = self.users[s.owner]
        if s.base_eur:
            eur = (
                s.base_eur * rng.uniform(0.25, 0.6)
                if s.deal_type in ("upsell", "cross_sell")
                else s.base_eur * rng.uniform(0.9, 1.2)
            )
        else:
            eur = rng.uniform(*SEGMENT_EUR[acc.segment])
        amount = _round_amount(eur * rate, cur)
        stages = OPEN_STAGES[s.pipeline]
        won_stage, lost_stage = f"{s.pipeline}_won", f"{s.pipeline}_lost"
        p_win = (0.30 if s.pipeline == "nb" else 0.62) * owner.skill
        p_win *= {"referral": 1.3, "partner": 1.15, "outbound": 0.85, "paid_ads": 0.8}.get(
            s.source, 1.0
        )
        p_win = min(0.9, max(0.05, p_win))
        offset = acc.offset
        t = s.created
        idx = 1 if rng.random() < 0.12 and len(stages) > 2 else 0
        ecd = (t + timedelta(days=rng.randint(25, 90))).date()
        cur_owner = owner.id
        hist: list[tuple[datetime, str, float, str, str]] = [
            (t, stages[idx], amount, ecd.isoformat(), cur_owner)
        ]
        closes: list[tuple[datetime, str]] = []
        reasons: dict[datetime, str] = {}
        state = "open"
        dwell = {"smb": 9, "mid_market": 14, "enterprise": 21}[acc.segment]
        reopened = False
        horizon = w.tl.end + timedelta(days=200)
        while t < horizon:
            t = t + timedelta(days=rng.expovariate(1 / dwell), seconds=rng.randint(0, 3600))
            stage, amt, ecd_s, own = hist[-1][1:]
            if state != "open":
                # a closed deal: maybe an owner change after a win, maybe reopened once
                if state == "won" and rng.random() < 0.06:
                    new_owner = w.rep(rng, t).id
                    if new_owner != own:
                        hist.append((t, stage, amt, ecd_s, new_owner))
                if not reopened and rng.random() < (0.07 if state == "lost" else 0.025):
                    reopened = True
                    state = "open"
                    back = stages[rng.randrange(max(1, len(stages) - 1))]
                    new_ecd = (t + timedelta(days=rng.randint(20, 60))).date().isoformat()
                    hist.append((t, back, amt, new_ecd, own))
                    continue
                break
            r = rng.random()
            pos = stages.index(stage)
            if r < (1 - p_win) / (len(stages) + 0.5):
                hist.append((t, lost_stage, amt, ecd_s, own))
                closes.append((t, "lost"))
                reasons[t] = self._lost_reason(rng)
                state = "lost"
                continue
            if r < 0.2 and rng.random() < 0.3:  # amount renegotiated (mostly upwards: upsell)
                amt = _round_amount(amt * rng.choice((0.8, 0.9, 1.1, 1.2, 1.25, 1.5)), cur)
            if rng.random() < 0.2:  # expected close date pushed out
                ecd_s = (
                    (datetime.fromisoformat(ecd_s) + timedelta(days=rng.randint(7, 45)))
                    .date()
                    .isoformat()
                )
            if rng.random() < 0.04:  # reassigned
                own = w.rep(rng, t).id
            if pos > 0 and rng.random() < 0.06:
                nxt = stages[pos - 1]  # regression
            elif pos + 1 >= len(stages):
                nxt = won_stage
            else:
                nxt = stages[min(len(stages) - 1, pos + (2 if rng.random() < 0.1 else 1))]
            if nxt == won_stage and rng.random() > p_win * 1.6:
                hist.append((t, lost_stage, amt, ecd_s, own))
                closes.append((t, "lost"))
                reasons[t] = self._lost_reason(rng)
                state = "lost"
                continue
            hist.append((t, nxt, amt, ecd_s, own))
            if nxt == won_stage:
                closes.append((t, "won"))
                state = "won"
        # build the deal's versions from its history
        name = (
            f"{acc.name} - "
            + {
                "new_business": rng.choice(
                    ("CRM rollout", "Sales Cloud, 1st year", "API, SMS add-ons", "pilot")
                ),
                "upsell": "more seats",
                "cross_sell": "add-ons",
                "renewal": "renewal",
            }[s.deal_type]
        )
        base = {
            "deal_id": deal_id,
            "name": name,
            "account_id": acc.id,
            "contact_id": s.contact_id,
            "lead_id": s.lead_id,
            "pipeline_id": s.pipeline,
            "deal_type": s.deal_type,
            "source": s.source,
            "currency": cur,
            "created_at": iso(s.created, offset),
        }
        versions = []
        closed_at, reason, prev = "", "", "open"
        for ht, stage, amt, ecd_s, own in hist:
            st = STAGE_TYPE[stage]
            if st == "open":
                closed_at, reason = "", ""
            elif prev == "open":
                closed_at, reason = iso(ht, offset), reasons.get(ht, "")
            prev = st
            row = {
                **base,
                "stage_id": stage,
                "owner_id": own,
                "amount": money(amt),
                "expected_close_date": ecd_s,
                "closed_at": closed_at,
                "status": st,
                "lost_reason": reason,
                "updated_at": iso(ht, offset),
            }
            versions.append((ht, row))
        w.landing.snapshot("crm/deals.csv", w.states(s.created, versions))
        for ht, stage, amt, ecd_s, own in hist:
            if ht >= w.tl.end:
                break
            self.n_hist += 1
            row = {
                "history_id": f"dh{self.n_hist:09d}",
                "deal_id": deal_id,
                "changed_at": iso(ht, offset),
                "stage_id": stage,
                "amount": money(amt),
                "currency": cur,
                "expected_close_date": ecd_s,
                "owner_id": own,
            }
            w.landing.delta("crm/deal_history.csv", [(ht, row)], meta={"deal_created": s.created})
        final_close = closes[-1][0] if closes and state != "open" else None
        self._lines_and_quotes(rng, deal_id, s, hist, cur, rate, final_close, state)
        timeline = [(ht, st, own) for ht, st, _a, _e, own in hist]
        self.acts.for_deal(
            rng,
            {
                "deal_id": deal_id,
                "contact_id": s.contact_id,
                "account_id": acc.id,
                "_offset": offset,
                "_closed_final": final_close,
            },
            timeline,
            owner.activity,
        )
        # wins feed payments and follow-up deals
        for ct, kind in closes:
            if kind == "won" and ct < w.tl.end and (ct, "won") == closes[-1]:
                won_amt = hist[-1][2]
                acc.wins.append((ct, won_amt / rate, deal_id))
                if rng.random() < 0.45:
                    t2 = ct + timedelta(days=rng.uniform(30, 200))
                    self._seed(
                        t2,
                        acc,
                        s.contact_id,
                        "",
                        s.source,
                        hist[-1][4],
                        "ex",
                        rng.choice(("upsell", "cross_sell")),
                        won_amt / rate,
                    )
                if s.deal_type in ("new_business", "renewal"):
                    t3 = ct + timedelta(days=rng.uniform(300, 345))
                    self._seed(
                        t3,
                        acc,
                        s.contact_id,
                        "",
                        s.source,
                        hist[-1][4],
                        "ex",
                        "renewal",
                        won_amt / rate,
                    )

    def _lost_reason(self, rng: random.Random) -> str:
        if rng.random() < 0.06:
            return rng.choice(("", "", " ", "   "))
        r = rng.choice(N.LOST_REASONS)
        return rng.choice(N.LOST_DECORATION).format(r=r, R=r.upper())

    def _lines_and_quotes(self, rng, deal_id, s, hist, cur, rate, final_close, state) -> None:
        w = self.w
        created = s.created
        amount = hist[0][2]
        n_lines = rng.randint(1, 3)
        picks = rng.sample(range(len(PRODUCTS)), n_lines)
        for i, p in enumerate(picks):
            sku, _name, fam, price, _cost, _active = PRODUCTS[p]
            unit = round(price * rate, 2) if cur != "JPY" else float(round(price * rate))
            share = amount * (0.7 if i == 0 else 0.3 / max(1, n_lines - 1))
            months = 12 if fam != "services" else 1
            qty = max(1, round(share / (unit * months)))
            self.n_line += 1
            row = {
                "line_item_id": f"li{self.n_line:07d}",
                "deal_id": deal_id,
                "product_id": f"p{p + 1:02d}",
                "quantity": str(qty),
                "unit_price": money(unit),
                "discount_pct": money(rng.choice((0, 0, 5, 10, 15, 20, 12.5))),
                "currency": cur,
            }
            w.landing.snapshot("crm/deal_line_items.csv", w.states(created, [(created, row)]))
        # a quote when the deal reached the proposal/offer stage
        prop = "nb_proposal" if s.pipeline == "nb" else "ex_offer"
        reached = [h for h in hist if h[1] == prop]
        if not reached:
            return
        qt = reached[0][0] + timedelta(hours=rng.uniform(1, 30))
        if qt >= w.tl.end:
            return
        self.n_quote += 1
        off = w.accounts[s.account_id].offset
        base = {
            "quote_id": f"q{self.n_quote:07d}",
            "deal_id": deal_id,
            "created_at": iso(qt, off),
            "sent_at": "",
            "status": "draft",
            "total_amount": money(reached[0][2]),
            "currency": cur,
        }
        versions = [(qt, base)]
        if rng.random() < 0.9:
            sent = qt + timedelta(hours=rng.uniform(2, 48))
            sv = {**base, "sent_at": iso(sent, off), "status": "sent"}
            versions.append((sent, sv))
            if final_close and final_close > sent:
                versions.append(
                    (final_close, {**sv, "status": "accepted" if state == "won" else "rejected"})
                )
            elif not final_close:
                versions.append((sent + timedelta(days=30), {**sv, "status": "expired"}))
        w.landing.snapshot("crm/quotes.csv", w.states(qt, versions))


def run(w: World, dirty: bool) -> Pipeline:
    p = Pipeline(w, dirty)
    p.leads()
    p.outbound_and_legacy()
    p.run_deals()
    # occasional account-level touches (check-in calls with customers)
    rng = rng_for(w.seed, "account-activities")
    accs = list(w.accounts.values())
    for _ in range(w.n(600)):
        acc = rng.choice(accs)
        at = rand_ts(rng, max(acc.created, w.tl.start), w.tl.end)
        c = rng.choice(acc.contacts).id if acc.contacts else ""
        p.acts.for_account(rng, acc.id, c, acc.owner, at, acc.offset)
    _ = d
    return p
