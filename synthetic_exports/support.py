"""Support desk: tickets (versions as they move new -> solved -> closed) and phone calls."""

from __future__ import annotations

from datetime import timedelta

from . import names as N
from .company import World
from .util import iso, rand_ts, rng_for

SLA = {"urgent": 60, "high": 240, "normal": 480, "low": 1440}


def run(w: World) -> None:
    rng = rng_for(w.seed, "support")
    customers = [a for a in w.accounts.values() if a.wins and a.contacts]
    agents = [f"ag{i:02d}" for i in range(1, w.n(6, 2) + 1)]
    n_call = 0
    start, end = w.tl.start + timedelta(days=10), w.tl.end
    times = sorted(rand_ts(rng, start, end) for _ in range(w.n(750, 5)))
    for i, created in enumerate(times, 1):
        r = rng.random()
        if customers and r < 0.6:
            acc = rng.choice(customers)
            c = rng.choice(acc.contacts)
            email, name, phone = c.email, f"{c.first} {c.last}", c.phone
        elif customers and r < 0.75:
            acc = rng.choice(customers)
            f, last = rng.choice(N.FIRST), rng.choice(N.LAST)
            email, name, phone = (
                f"{f}.{last}.{i}@{acc.domain}".lower(),
                f"{f} {last}",
                w.phone(rng, acc.country),
            )
        else:
            f, last = rng.choice(N.FIRST), rng.choice(N.LAST)
            email = f"{f}.{last}{i}@{rng.choice(N.FREE_MAIL)}".lower()
            name, phone = f"{f} {last}", w.phone(rng, "IT")
        subject, ttype, tags = rng.choice(N.TICKET_SUBJECTS)
        channel = rng.choices(("email", "web", "chat", "phone"), weights=(4, 3, 2, 2))[0]
        priority = rng.choices(("low", "normal", "high", "urgent"), weights=(3, 6, 2, 0.5))[0]
        off = w.offset(rng)
        tid = 10000 + i
        sla = SLA[priority] if rng.random() < 0.85 else None
        first_reply = int(rng.expovariate(1 / (SLA[priority] * 0.8))) + 1
        resolution = first_reply + int(rng.expovariate(1 / 2000))
        work = max(5, int(resolution * rng.uniform(0.02, 0.1)))
        reopens = 1 if rng.random() < 0.07 else 0
        replies = rng.randint(1, 6) + reopens
        base = {
            "id": tid,
            "subject": subject,
            "description": rng.choice(N.TICKET_BODIES),
            "requester_email": email,
            "requester_name": name,
            "channel": channel,
            "priority": priority,
            "status": "new",
            "type": ttype,
            "tags": list(tags) + (["vip"] if rng.random() < 0.1 else []),
            "assignee_id": None,
            "created_at": iso(created, off),
            "updated_at": iso(created, off),
            "solved_at": None,
            "first_reply_minutes": None,
            "full_resolution_minutes": None,
            "agent_work_minutes": None,
            "reopens": 0,
            "replies": 0,
            "satisfaction": "unoffered",
            "sla_first_reply_target_minutes": sla,
        }
        t1 = created + timedelta(minutes=first_reply)
        agent = rng.choice(agents)
        v1 = {
            **base,
            "status": "open",
            "assignee_id": agent,
            "updated_at": iso(t1, off),
            "first_reply_minutes": first_reply,
            "replies": 1,
            "agent_work_minutes": max(1, work // 3),
        }
        versions = [(created, base), (t1, v1)]
        t2 = created + timedelta(minutes=resolution)
        if rng.random() < 0.3:
            tp = t1 + (t2 - t1) / 2
            versions.append((tp, {**v1, "status": "pending", "updated_at": iso(tp, off)}))
        sat = rng.choices(("good", "bad", "offered", "unoffered"), weights=(5, 1, 3, 2))[0]
        v2 = {
            **v1,
            "status": "solved",
            "solved_at": iso(t2, off),
            "updated_at": iso(t2, off),
            "full_resolution_minutes": resolution,
            "agent_work_minutes": work,
            "reopens": reopens,
            "replies": replies,
            "satisfaction": sat,
        }
        versions.append((t2, v2))
        t3 = t2 + timedelta(days=4)
        versions.append((t3, {**v2, "status": "closed", "updated_at": iso(t3, off)}))
        calls = []
        if channel == "phone":
            wait = rng.randint(5, 400)
            abandoned = rng.random() < 0.12
            calls.append(
                (
                    created - timedelta(seconds=wait + 60),
                    "inbound",
                    wait,
                    0 if abandoned else rng.randint(60, 1500),
                    abandoned,
                    False,
                )
            )
            if abandoned:
                calls.append(
                    (
                        created + timedelta(minutes=rng.randint(5, 240)),
                        "outbound",
                        0,
                        rng.randint(60, 900),
                        False,
                        True,
                    )
                )
        elif rng.random() < 0.1:
            calls.append((t1, "outbound", 0, rng.randint(60, 900), False, False))
        live_calls = [c for c in calls if c[0] < end]
        w.landing.delta("support/tickets.jsonl", versions, meta={"has_children": bool(live_calls)})
        for ct, direction, wait, talk, abandoned, callback in live_calls:
            n_call += 1
            row = {
                "call_id": f"call{n_call:07d}",
                "ticket_id": str(tid),
                "direction": direction,
                "phone": phone,
                "agent_id": "" if abandoned else agent,
                "started_at": iso(ct, off),
                "wait_seconds": str(wait),
                "talk_seconds": str(talk),
                "abandoned": "true" if abandoned else "false",
                "is_callback": "true" if callback else "false",
            }
            # exported with its ticket (an inbound call starts a few minutes before it)
            w.landing.delta("support/calls.csv", [(max(ct, created), row)])
    # calls that never became a ticket (quick questions, wrong numbers)
    for _ in range(w.n(150)):
        ct = rand_ts(rng, start, end)
        n_call += 1
        abandoned = rng.random() < 0.15
        row = {
            "call_id": f"call{n_call:07d}",
            "ticket_id": "",
            "direction": rng.choice(("inbound", "inbound", "outbound")),
            "phone": w.phone(rng, rng.choice(list(N.PHONE_CC))),
            "agent_id": "" if abandoned else rng.choice(agents),
            "started_at": iso(ct, w.offset(rng)),
            "wait_seconds": str(rng.randint(0, 300)),
            "talk_seconds": "0" if abandoned else str(rng.randint(20, 600)),
            "abandoned": "true" if abandoned else "false",
            "is_callback": "false",
        }
        w.landing.delta("support/calls.csv", [(ct, row)])
