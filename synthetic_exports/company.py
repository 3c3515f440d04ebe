"""The company: users, catalogue, pipelines, goals, accounts and contacts."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from . import names as N
from .timeline import Timeline
from .util import d, iso, money, rand_ts, rng_for
from .writer import Landing

STAGES = (
    ("nb", "New Business", "nb_qualify", "Qualification", 1, "0.10", "open"),
    ("nb", "New Business", "nb_discovery", "Discovery", 2, "0.20", "open"),
    ("nb", "New Business", "nb_demo", "Demo", 3, "0.40", "open"),
    ("nb", "New Business", "nb_proposal", "Proposal", 4, "0.60", "open"),
    ("nb", "New Business", "nb_negotiation", "Negotiation", 5, "0.80", "open"),
    ("nb", "New Business", "nb_won", "Closed Won", 6, "1.00", "won"),
    ("nb", "New Business", "nb_lost", "Closed Lost", 7, "0.00", "lost"),
    ("ex", "Expansion & Renewals", "ex_review", "Account review", 1, "0.30", "open"),
    ("ex", "Expansion & Renewals", "ex_offer", "Offer", 2, "0.60", "open"),
    ("ex", "Expansion & Renewals", "ex_commit", "Verbal commit", 3, "0.90", "open"),
    ("ex", "Expansion & Renewals", "ex_won", "Won", 4, "1.00", "won"),
    ("ex", "Expansion & Renewals", "ex_lost", "Lost", 5, "0.00", "lost"),
)
STAGE_TYPE = {s[2]: s[6] for s in STAGES}
OPEN_STAGES = {p: [s[2] for s in STAGES if s[0] == p and s[6] == "open"] for p in ("nb", "ex")}

# sku, name, family, list price (EUR), unit cost, active
PRODUCTS = (
    ("CRM-STD", "CRM Standard (seat/month)", "subscription", 49.0, 8.0, True),
    ("CRM-PRO", "CRM Professional (seat/month)", "subscription", 99.0, 15.0, True),
    ("CRM-ENT", "CRM Enterprise (seat/month)", "subscription", 199.0, 30.0, True),
    ("ADD-API", "API add-on (seat/month)", "add_on", 29.0, 3.0, True),
    ("ADD-SMS", "SMS add-on (1000 messages)", "add_on", 19.0, 9.0, True),
    ("SRV-ONB", "Onboarding package", "services", 1500.0, 900.0, True),
    ("SRV-TRN", "Training day", "services", 1200.0, 700.0, True),
    ("SRV-MIG", "Data migration", "services", 3500.0, 2100.0, True),
    ("CRM-LEG", "CRM Legacy (seat/month)", "subscription", 39.0, 9.0, False),
    ("ADD-STO", "Extra storage (100 GB)", "add_on", 10.0, 2.0, True),
)

# Rough units per 1 EUR, used to price CRM deals in the account's currency.
APPROX_RATE = {
    "EUR": 1.0,
    "USD": 1.08,
    "GBP": 0.85,
    "CHF": 0.95,
    "SEK": 11.4,
    "RON": 4.97,
    "JPY": 160.0,
}


@dataclass
class User:
    id: str
    name: str
    role: str
    skill: float = 1.0
    activity: float = 1.0
    hired: date | None = None
    left: date | None = None


@dataclass
class Contact:
    id: str
    account_id: str
    first: str
    last: str
    email: str
    phone: str
    title: str
    role: str
    created: datetime
    offset: int


@dataclass
class Account:
    id: str
    name: str
    domain: str
    country: str
    segment: str
    industry: str
    owner: str
    created: datetime
    offset: int
    currency: str
    inactive_since: datetime | None = None
    inactive_reason: str = ""
    contacts: list[Contact] = field(default_factory=list)
    wins: list[tuple[datetime, float, str]] = field(default_factory=list)  # (closed, EUR, deal)


class World:
    """Shared, compact state needed across sources (everything else is streamed)."""

    def __init__(self, seed: int, tl: Timeline, scale: float, landing: Landing):
        self.seed = seed
        self.tl = tl
        self.scale = scale
        self.landing = landing
        self.users: list[User] = []
        self.reps: list[User] = []
        self.accounts: dict[str, Account] = {}
        self.used_emails: set[str] = set()
        self.used_domains: set[str] = set()
        self.campaigns: list[tuple[str, datetime]] = []  # sent campaigns (id, sent_at)
        self.fx_first: dict[str, datetime] = {}
        self.n_accounts = 0
        self.n_contacts = 0
        self.protected: set[tuple[str, str]] = set()
        self._rep_pools: dict = {}

    def n(self, base: float, minimum: int = 1) -> int:
        return max(minimum, round(base * self.scale))

    def offset(self, rng: random.Random) -> int:
        from .util import OFFSETS

        return rng.choice(OFFSETS)

    def states(self, created: datetime, versions: list[tuple[datetime, dict]]) -> list[dict | None]:
        """Row of an entity at each batch cut-off, from its versions sorted by time."""
        out: list[dict | None] = []
        for cut in self.tl.cutoffs:
            row = None
            if created < cut:
                for t, r in versions:
                    if t < cut:
                        row = r
                    else:
                        break
            out.append(row)
        return out

    def unique_email(self, rng: random.Random, first: str, last: str, domain: str) -> str:
        base = f"{first}.{last}".lower()
        email = f"{base}@{domain}"
        i = 1
        while email in self.used_emails:
            i += 1
            email = (
                f"{base}{i}@{domain}"
                if rng.random() < 0.7
                else f"{first[0]}{last}{i}@{domain}".lower()
            )
        self.used_emails.add(email)
        return email

    def phone(self, rng: random.Random, country: str) -> str:
        cc = N.PHONE_CC[country]
        return f"+{cc} {rng.randint(200, 999)} {rng.randint(100000, 9999999)}"

    def rep(self, rng: random.Random, at: datetime) -> User:
        """A rep employed on that day, busier reps more likely (pools cached per day)."""
        day = at.date()
        cached = self._rep_pools.get(day)
        if cached is None:
            pool = [
                u
                for u in self.reps
                if (u.hired is None or u.hired <= day) and (u.left is None or u.left > day)
            ] or self.reps
            cum, total = [], 0.0
            for u in pool:
                total += u.activity
                cum.append(total)
            cached = self._rep_pools[day] = (pool, cum)
        pool, cum = cached
        return rng.choices(pool, cum_weights=cum)[0]


def build_users(w: World) -> None:
    rng = rng_for(w.seed, "users")
    n_mgr, n_rep, n_admin = w.n(2), w.n(10, 2), w.n(1)
    start = w.tl.start.date()
    rows = []
    teams = [f"Team {x}" for x in ("North", "South", "East", "West", "Central", "Enterprise")]
    territories = (
        "Italy",
        "DACH",
        "France",
        "UK & Ireland",
        "Nordics",
        "Iberia",
        "Benelux",
        "US",
        "CEE",
    )
    seen: set[str] = set()

    def name() -> tuple[str, str]:
        while True:
            f, last = rng.choice(N.FIRST), rng.choice(N.LAST)
            if (f, last) not in seen or len(seen) > 2000:
                seen.add((f, last))
                return f, last

    uid = 0
    managers = []
    for role, count in (("manager", n_mgr), ("rep", n_rep), ("admin", n_admin)):
        for i in range(count):
            uid += 1
            f, last = name()
            u = User(f"u{uid:03d}" if n_rep < 900 else f"u{uid:05d}", f"{f} {last}", role)
            u.hired = start - timedelta(days=rng.randint(90, 2500))
            if role == "rep":
                u.skill = rng.uniform(0.55, 1.5)
                u.activity = rng.uniform(0.6, 1.5)
                if i % 9 == 4:  # some reps join during the period, one in ten left
                    u.hired = start + timedelta(days=rng.randint(30, w.tl.days // 2))
                if i % 10 == 7:
                    u.left = start + timedelta(days=rng.randint(w.tl.days // 3, w.tl.days - 30))
                w.reps.append(u)
            if role == "manager":
                managers.append(u)
            w.users.append(u)
            team = (
                teams[i % len(teams)]
                if role == "rep"
                else ("Sales" if role == "manager" else "Ops")
            )
            manager = "" if role != "rep" else managers[i % len(managers)].id
            row = {
                "user_id": u.id,
                "full_name": u.name,
                "email": w.unique_email(rng, f, last, "salesco.example"),
                "role": role,
                "team": team,
                "manager_id": manager,
                "territory": rng.choice(territories) if role != "admin" else "",
                "hired_on": d(u.hired),
                "is_active": "false" if u.left else "true",
                "deactivated_on": d(u.left) if u.left else "",
            }
            rows.append(row)
    for row in rows:
        w.landing.snapshot("crm/users.csv", [row] * w.tl.batches)


def build_reference(w: World, dirty: bool) -> None:
    """Pipeline stages, products, goals and their assignments."""
    B = w.tl.batches
    for s in STAGES:
        row = dict(
            zip(
                (
                    "pipeline_id",
                    "pipeline_name",
                    "stage_id",
                    "stage_name",
                    "stage_order",
                    "probability",
                    "stage_type",
                ),
                (*s[:4], str(s[4]), s[5], s[6]),
                strict=True,
            )
        )
        w.landing.snapshot("crm/pipeline_stages.csv", [row] * B)
    for i, (sku, name, fam, price, cost, active) in enumerate(PRODUCTS, 1):
        row = {
            "product_id": f"p{i:02d}",
            "sku": sku,
            "name": name,
            "family": fam,
            "list_price": money(price),
            "unit_cost": money(cost),
            "currency": "EUR",
            "is_active": "true" if active else "false",
        }
        w.landing.snapshot("crm/products.csv", [row] * B)
    build_goals(w, dirty)


def build_goals(w: World, dirty: bool) -> None:
    rng = rng_for(w.seed, "goals")
    B = w.tl.batches
    end = w.tl.end_date
    y = end.year
    start = w.tl.start.date()
    q_start = date(start.year, ((start.month - 1) // 3) * 3 + 1, 1)
    tgt = max(1, round(w.scale)) if w.scale > 1 else 1
    goals = [
        (
            "New business revenue",
            "won_revenue",
            "",
            "",
            "",
            "nb",
            "quarter",
            60000,
            "year",
            220000,
            "EUR",
            date(y, 1, 1),
            date(y, 12, 31),
        ),
        (
            f"New business revenue {y - 1}",
            "won_revenue",
            "",
            "",
            "",
            "nb",
            "quarter",
            50000,
            "year",
            180000,
            "EUR",
            date(y - 1, 1, 1),
            date(y - 1, 12, 31),
        ),
        (
            "Monthly revenue, USD",
            "won_revenue",
            "",
            "",
            "",
            "",
            "month",
            20000,
            "",
            "",
            "USD",
            q_start,
            None,
        ),
        (
            "Connected calls",
            "activities",
            "call",
            "connected",
            "all",
            "",
            "week",
            8,
            "month",
            30,
            "",
            q_start,
            None,
        ),
        (
            "Meetings held on new business",
            "activities",
            "meeting",
            "held",
            "deals",
            "nb",
            "day",
            1,
            "week",
            3,
            "",
            date(y, 6, 1),
            date(y, 12, 31),
        ),
        (
            "Expansion deals won",
            "won_deals",
            "",
            "",
            "",
            "ex",
            "month",
            2,
            "",
            "",
            "",
            q_start,
            None,
        ),
        ("New leads", "new_leads", "", "", "", "", "week", 2, "", "", "", q_start, None),
        (
            "E-mails to leads",
            "activities",
            "email",
            "",
            "leads",
            "",
            "month",
            10,
            "",
            "",
            "",
            date(y, 3, 1),
            date(y, 10, 31),
        ),
        (
            "Demos held or rescheduled",
            "activities",
            "demo",
            "held|rescheduled",
            "deals",
            "",
            "quarter",
            6,
            "year",
            20,
            "",
            q_start,
            None,
        ),
        (
            "Calls answered or voicemail",
            "activities",
            "call",
            "connected|voicemail",
            "leads",
            "",
            "month",
            15,
            "quarter",
            40,
            "",
            date(y, 1, 1),
            None,
        ),
    ]
    cols = (
        "goal_id name metric activity_type activity_outcomes scope pipeline_id period_1 target_1 "
        "period_2 target_2 currency starts_on ends_on"
    ).split()
    gids = []
    for i, g in enumerate(goals, 1):
        gid = f"g{i:02d}"
        gids.append((gid, g))
        vals = list(g)
        vals[7] = str(vals[7] * (1 if g[1] != "won_revenue" else 1))
        vals[9] = str(vals[9]) if vals[9] != "" else ""
        vals[7] = str(g[7])
        vals = [str(v) if not isinstance(v, date) else d(v) for v in vals]
        vals[-1] = d(g[-1]) if g[-1] else ""
        row = dict(zip(cols, [gid, *vals], strict=True))
        w.landing.snapshot("crm/goals.csv", [row] * B)
    if dirty:
        row = dict(
            zip(
                cols,
                [
                    "g90",
                    "Weekly calls (misconfigured)",
                    "activities",
                    "call",
                    "",
                    "all",
                    "",
                    "week",
                    "5",
                    "week",
                    "20",
                    "",
                    d(q_start),
                    "",
                ],
                strict=True,
            )
        )
        w.landing.snapshot(
            "crm/goals.csv",
            [row] * B,
            meta={
                "natural": {
                    "kind": "goal_period_2_equals_period_1",
                    "column": "period_2",
                    "value": "week",
                }
            },
        )
    # assignments: every rep carries the revenue and activity goals; managers the team ones
    aid = 0
    assigned: list[tuple[str, str, date]] = []
    for u in w.users:
        if u.role not in ("rep", "manager"):
            continue
        for gid, g in gids:
            if u.role == "manager" and g[1] == "activities":
                continue
            if rng.random() < 0.15:
                continue
            aid += 1
            on = max(g[11], u.hired or g[11]) if u.role == "rep" else g[11]
            on = on - timedelta(days=rng.randint(0, 10))
            row = {
                "assignment_id": f"ga{aid:05d}",
                "goal_id": gid,
                "user_id": u.id,
                "assigned_on": d(on),
            }
            assigned.append((gid, u.id, on))
            w.landing.snapshot("crm/goal_assignments.csv", [row] * B)
    if dirty:
        for j in range(max(2, round(2 * min(w.scale, 5)))):
            gid, uid, on = assigned[(j * 7 + 3) % len(assigned)]
            aid += 1
            later = on + timedelta(days=rng.randint(5, 60))
            row = {
                "assignment_id": f"ga{aid:05d}",
                "goal_id": gid,
                "user_id": uid,
                "assigned_on": d(later),
            }
            w.landing.snapshot(
                "crm/goal_assignments.csv",
                [row] * B,
                meta={
                    "natural": {
                        "kind": "goal_assigned_twice",
                        "note": f"({gid}, {uid}) was already assigned on {d(on)}: "
                        "this later assignment is quarantined",
                    }
                },
            )
    _ = tgt


def new_account(
    w: World,
    rng: random.Random,
    created: datetime,
    company: str | None = None,
    country: str | None = None,
) -> Account:
    w.n_accounts += 1
    country = (
        country or rng.choices(list(N.COUNTRY_WEIGHTS), weights=list(N.COUNTRY_WEIGHTS.values()))[0]
    )
    base = company or f"{rng.choice(N.COMPANY_A)} {rng.choice(N.COMPANY_B)}"
    slug = base.lower().replace(" ", "").replace("&", "").replace(".", "")
    domain = f"{slug}.{N.TLD[country]}"
    i = 1
    while domain in w.used_domains:
        i += 1
        domain = f"{slug}{i}.{N.TLD[country]}"
    w.used_domains.add(domain)
    name = f"{base} {rng.choice(N.LEGAL[country])}"
    segment = rng.choices(("smb", "mid_market", "enterprise"), weights=(6, 3, 1))[0]
    acc = Account(
        id=f"a{w.n_accounts:05d}" if w.scale < 20 else f"a{w.n_accounts:07d}",
        name=name,
        domain=domain,
        country=country,
        segment=segment,
        industry=rng.choice(N.INDUSTRIES),
        owner=w.rep(rng, created).id,
        created=created,
        offset=w.offset(rng),
        currency=N.CRM_CURRENCY.get(country, "EUR"),
    )
    w.accounts[acc.id] = acc
    if rng.random() < 0.07:
        since = created + timedelta(days=rng.randint(60, 400))
        if since < w.tl.end:
            acc.inactive_since = since
            acc.inactive_reason = rng.choice(N.INACTIVE_REASONS)
    return acc


def new_contact(
    w: World,
    rng: random.Random,
    acc: Account,
    created: datetime,
    first: str | None = None,
    last: str | None = None,
    email: str | None = None,
    role: str | None = None,
) -> Contact:
    w.n_contacts += 1
    first = first or rng.choice(N.FIRST)
    last = last or rng.choice(N.LAST)
    role = (
        role
        or rng.choices(
            ("decision_maker", "champion", "influencer", "user", "other"), weights=(2, 2, 3, 3, 1)
        )[0]
    )
    c = Contact(
        id=f"c{w.n_contacts:06d}" if w.scale < 20 else f"c{w.n_contacts:08d}",
        account_id=acc.id,
        first=first,
        last=last,
        email=email or w.unique_email(rng, first, last, acc.domain),
        phone=w.phone(rng, acc.country),
        title=rng.choice(N.JOB_TITLES[role]),
        role=role,
        created=created,
        offset=acc.offset if rng.random() < 0.7 else w.offset(rng),
    )
    acc.contacts.append(c)
    return c


def write_account(w: World, acc: Account) -> None:
    base = {
        "account_id": acc.id,
        "name": acc.name,
        "domain": acc.domain,
        "industry": acc.industry,
        "segment": acc.segment,
        "country": acc.country,
        "owner_id": acc.owner,
        "created_at": iso(acc.created, acc.offset),
        "status": "active",
        "inactive_since": "",
        "inactive_reason": "",
        "updated_at": iso(acc.created, acc.offset),
    }
    versions = [(acc.created, base)]
    if acc.inactive_since:
        versions.append(
            (
                acc.inactive_since,
                {
                    **base,
                    "status": "inactive",
                    "inactive_since": d(acc.inactive_since),
                    "inactive_reason": acc.inactive_reason,
                    "updated_at": iso(acc.inactive_since, acc.offset),
                },
            )
        )
    w.landing.snapshot("crm/accounts.csv", w.states(acc.created, versions))


def write_contact(
    w: World, c: Contact, meta: dict | None = None, updated: datetime | None = None
) -> None:
    row = {
        "contact_id": c.id,
        "account_id": c.account_id,
        "first_name": c.first,
        "last_name": c.last,
        "email": c.email,
        "phone": c.phone,
        "job_title": c.title,
        "buying_role": c.role,
        "created_at": iso(c.created, c.offset),
        "updated_at": iso(c.created, c.offset),
    }
    versions = [(c.created, row)]
    if updated and updated > c.created:
        versions.append((updated, {**row, "updated_at": iso(updated, c.offset)}))
    w.landing.snapshot("crm/contacts.csv", w.states(c.created, versions), meta=meta)


def build_accounts(w: World, dirty: bool) -> None:
    """Accounts that existed before the simulated period (customers and prospects)."""
    rng = rng_for(w.seed, "accounts")
    n = w.n(150, 3)
    made = []
    for _ in range(n):
        created = rand_ts(rng, w.tl.start - timedelta(days=1100), w.tl.start - timedelta(days=5))
        acc = new_account(w, rng, created)
        for _ in range(rng.randint(2, 5)):
            at = created + timedelta(days=rng.randint(0, 200), seconds=rng.randint(0, 86399))
            new_contact(w, rng, acc, min(at, w.tl.start - timedelta(days=1)))
        made.append(acc)
    # a few accounts sharing a domain (subsidiaries): domain matching must see the ambiguity
    for i, acc in enumerate(made[: max(1, n // 60)]):
        twin = new_account(w, rng, acc.created + timedelta(days=30 + i), country=acc.country)
        w.used_domains.discard(twin.domain)
        twin.domain = acc.domain
        twin.name = (
            f"{acc.name.split(' ')[0]} {rng.choice(N.COMPANY_B)} {rng.choice(N.LEGAL[acc.country])}"
        )
        new_contact(w, rng, twin, twin.created + timedelta(days=3))
        made.append(twin)
    dups = {}
    if dirty:
        for j in range(w.n(4, 2)):
            acc = made[(j * 13 + 5) % len(made)]
            dups[acc.id] = acc.contacts[0]
            w.protected.add(("crm/contacts.csv", acc.contacts[0].id))
    for acc in made:
        write_account(w, acc)
        for c in list(acc.contacts):
            upd = c.created + timedelta(days=rng.randint(30, 700)) if rng.random() < 0.3 else None
            write_contact(w, c, updated=upd if upd and upd < w.tl.end else None)
        if acc.id in dups:
            orig = dups[acc.id]
            created = orig.created + timedelta(days=rng.randint(20, 300), hours=rng.randint(1, 20))
            created = min(created, w.tl.end - timedelta(days=2))
            dup = new_contact(
                w,
                rng,
                acc,
                created,
                first=orig.first,
                last=orig.last,
                email=orig.email,
                role=rng.choice(("user", "other", "influencer")),
            )
            write_contact(
                w,
                dup,
                meta={
                    "natural": {
                        "kind": "same_person",
                        "column": "email",
                        "same_as": orig.id,
                        "note": "same account, same e-mail, created later: "
                        "merged into the earlier contact",
                    }
                },
            )
