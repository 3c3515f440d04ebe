"""E-mail marketing: lists, members, campaigns and their events (streamed per list)."""

from __future__ import annotations

from datetime import timedelta

from . import names as N
from .company import World
from .util import epoch, hex_id, iso, money, rand_ts, rng_for

LIST_NAMES = ("news", "product", "events", "partners", "webinars")
URLS = (
    "https://salesco.example/pricing",
    "https://salesco.example/blog/pipeline-hygiene",
    "https://salesco.example/webinar",
    "https://salesco.example/case-studies",
)


def run(w: World) -> None:
    rng = rng_for(w.seed, "email")
    contacts = [c for a in w.accounts.values() for c in a.contacts]
    n_lists = w.n(2)
    n_campaign = 0
    n_event = 0
    start, end = w.tl.start, w.tl.end
    for li in range(n_lists):
        list_id = f"lst_{LIST_NAMES[li % len(LIST_NAMES)]}" + (
            f"{li // len(LIST_NAMES) + 1}" if li >= len(LIST_NAMES) else ""
        )
        # campaigns of the list: one every ~5 weeks, plus a draft
        campaigns = []
        t = start + timedelta(days=rng.uniform(3, 30))
        while t < end:
            n_campaign += 1
            campaigns.append((f"cmp{n_campaign:05d}", t))
            t = t + timedelta(days=rng.uniform(28, 45))
        # members: CRM contacts and people with free-mail addresses
        members = []
        for _ in range(rng.randint(95, 125)):
            if contacts and rng.random() < 0.6:
                email = rng.choice(contacts).email
            else:
                email = w.unique_email(
                    rng, rng.choice(N.FIRST), rng.choice(N.LAST), rng.choice(N.FREE_MAIL)
                )
            if any(m[0] == email for m in members[-200:]):
                continue
            sub = rand_ts(rng, start - timedelta(days=400), end - timedelta(days=1))
            fate = rng.random()
            leave_campaign = None
            status = "subscribed"
            if fate < 0.09:
                status = "unsubscribed"
            elif fate < 0.12:
                status = "cleaned"
            if status != "subscribed":
                later = [c for c in campaigns if c[1] > sub]
                if later:
                    leave_campaign = rng.choice(later)[0]
                else:
                    status = "subscribed"
            members.append([email, sub, status, leave_campaign, None, w.offset(rng)])
        # events, campaign by campaign
        for cid, sent in campaigns:
            w.campaigns.append((cid, sent))
            for m in members:
                email, sub, status, leave, left_at, off = m
                if sub >= sent or left_at is not None:
                    continue
                events = []
                ts = sent + timedelta(seconds=rng.randint(5, 1800))
                events.append((ts, "sent", None, None))
                if leave == cid and status == "cleaned":
                    events.append((ts + timedelta(seconds=20), "bounce", None, "hard"))
                    m[4] = ts + timedelta(minutes=5)
                elif rng.random() < 0.015:
                    events.append((ts + timedelta(seconds=30), "bounce", None, "soft"))
                else:
                    events.append(
                        (ts + timedelta(seconds=rng.randint(2, 90)), "delivered", None, None)
                    )
                    if rng.random() < 0.33 or leave == cid:
                        to = ts + timedelta(minutes=rng.uniform(3, 3000))
                        events.append((to, "open", None, None))
                        if rng.random() < 0.25:
                            events.append(
                                (
                                    to + timedelta(seconds=rng.randint(5, 600)),
                                    "click",
                                    rng.choice(URLS),
                                    None,
                                )
                            )
                        if leave == cid:
                            tu = to + timedelta(seconds=rng.randint(10, 300))
                            events.append((tu, "unsubscribe", None, None))
                            m[4] = tu
                        elif rng.random() < 0.003:
                            events.append((to + timedelta(seconds=40), "spam_report", None, None))
                for et, ev, url, bt in events:
                    if et >= end:
                        continue
                    n_event += 1
                    row = {
                        "event_id": hex_id("evt_", w.seed, n_event),
                        "campaign_id": cid,
                        "email": email,
                        "event": ev,
                        "timestamp": epoch(et),
                        "url": url,
                        "bounce_type": bt,
                    }
                    w.landing.delta("email/events.jsonl", [(et, row)])
        for cid, sent in campaigns:
            cost_cur = "USD" if rng.random() < 0.3 else "EUR"
            created = sent - timedelta(days=rng.uniform(2, 10))
            num = cid[-3:].lstrip("0")
            base = {
                "campaign_id": cid,
                "name": f"{list_id[4:].title()} #{num}: tips, news & offers",
                "list_id": list_id,
                "subject": rng.choice(
                    (
                        "What's new this month",
                        "Your pipeline, faster",
                        "Save the date!",
                        "3 ideas for Q-end",
                    )
                ),
                "status": "draft",
                "sent_at": "",
                "cost": money(rng.choice((150, 250, 400, 600))),
                "currency": cost_cur,
            }
            off = w.offset(rng)
            versions = [
                (created, base),
                (sent, {**base, "status": "sent", "sent_at": iso(sent, off)}),
            ]
            w.landing.snapshot("email/campaigns.csv", w.states(created, versions))
        n_campaign += 1
        draft_created = end - timedelta(days=rng.uniform(1, 6))
        draft = {
            "campaign_id": f"cmp{n_campaign:05d}",
            "name": f"{list_id[4:].title()} - next issue (draft)",
            "list_id": list_id,
            "subject": "Draft: end of year offers",
            "status": "draft",
            "sent_at": "",
            "cost": money(0),
            "currency": "EUR",
        }
        w.landing.snapshot("email/campaigns.csv", w.states(draft_created, [(draft_created, draft)]))
        for email, sub, status, _leave, left_at, off in members:
            row = {
                "list_id": list_id,
                "email": email,
                "status": "subscribed",
                "subscribed_at": iso(sub, off),
                "unsubscribed_at": "",
            }
            versions = [(sub, row)]
            if left_at is not None and left_at < end:
                versions.append(
                    (
                        left_at,
                        {
                            **row,
                            "status": status,
                            "unsubscribed_at": iso(left_at, off)
                            if status == "unsubscribed"
                            else "",
                        },
                    )
                )
            w.landing.snapshot("email/list_members.csv", w.states(sub, versions))
    w.campaigns.sort(key=lambda c: c[1])
