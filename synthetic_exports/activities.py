"""Activities: what reps do around leads and deals (streamed, one entity at a time)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from . import names as N
from .util import iso

OUTCOMES = {
    "call": (("connected", 5), ("no_answer", 3), ("voicemail", 2), ("wrong_number", 0.3)),
    "meeting": (("held", 8), ("no_show", 1), ("rescheduled", 1.5)),
    "video_call": (("held", 8), ("no_show", 1), ("rescheduled", 1.5)),
    "demo": (("held", 8), ("no_show", 0.7), ("rescheduled", 1.5)),
    "email": (("sent", 7), ("replied", 3), ("bounced", 0.4)),
    "task": (("done", 1),),
}
DURATION = {
    "call": (1, 30),
    "meeting": (30, 90),
    "video_call": (20, 60),
    "demo": (45, 90),
    "email": (1, 5),
    "task": (5, 40),
}
DEAL_TYPES = (
    ("call", 32),
    ("email", 25),
    ("meeting", 9),
    ("video_call", 10),
    ("demo", 6),
    ("task", 14),
)
LEAD_TYPES = (("call", 45), ("email", 40), ("video_call", 5), ("task", 10))


class ActivityWriter:
    def __init__(self, world):
        self.w = world
        self.n = 0

    def _id(self) -> str:
        self.n += 1
        return f"act{self.n:07d}" if self.w.scale < 50 else f"act{self.n:09d}"

    def emit(
        self,
        rng: random.Random,
        kind: str,
        user: str,
        at: datetime,
        offset: int,
        status: str = "done",
        recorded: datetime | None = None,
        lead: str = "",
        deal: str = "",
        contact: str = "",
        account: str = "",
    ) -> None:
        outcomes = OUTCOMES[kind]
        if status == "scheduled":
            outcome = "open" if kind == "task" else ""
        else:
            outcome = rng.choices([o for o, _ in outcomes], weights=[w for _, w in outcomes])[0]
        lo, hi = DURATION[kind]
        dur = rng.randint(lo, hi)
        if kind == "call" and outcome in ("no_answer", "wrong_number"):
            dur = rng.randint(0, 1)
        row = {
            "activity_id": self._id(),
            "activity_type": kind,
            "outcome": outcome,
            "user_id": user,
            "occurred_at": iso(at, offset),
            "status": status,
            "duration_minutes": str(dur) if status != "cancelled" else "",
            "lead_id": lead,
            "deal_id": deal,
            "contact_id": contact,
            "account_id": account,
            "subject": rng.choice(N.ACTIVITY_SUBJECTS[kind]),
            "notes": rng.choice(N.NOTES),
        }
        if status == "cancelled":
            row["outcome"] = ""
        self.w.landing.delta("crm/activities.csv", [(recorded or at, row)])

    def for_deal(
        self,
        rng: random.Random,
        deal: dict,
        timeline: list[tuple[datetime, str, str]],
        activity: float,
    ) -> None:
        """timeline: (from, stage, owner) segments of the deal's life until close or the end."""
        w = self.w
        end = w.tl.end
        created = timeline[0][0]
        closed = deal.get("_closed_final")
        stop = min(closed or end, end)
        days = max(0.5, (stop - created).total_seconds() / 86400)
        n = min(40, max(1, int(days / 7 * activity * rng.uniform(0.6, 1.4))))
        kinds = [k for k, _ in DEAL_TYPES]
        weights = [x for _, x in DEAL_TYPES]
        for _ in range(n):
            at = created + timedelta(
                seconds=rng.randrange(max(1, int((stop - created).total_seconds())))
            )
            owner = timeline[0][2]
            for t, _stage, o in timeline:
                if t <= at:
                    owner = o
            kind = rng.choices(kinds, weights=weights)[0]
            status = "cancelled" if rng.random() < 0.04 else "done"
            self.emit(
                rng,
                kind,
                owner,
                at,
                deal["_offset"],
                status=status,
                deal=deal["deal_id"],
                contact=deal["contact_id"] if rng.random() < 0.8 else "",
                account=deal["account_id"],
            )
        if closed is None or closed >= end:
            owner = timeline[-1][2]
            for _ in range(rng.randint(1, 3)):
                at = end + timedelta(days=rng.uniform(0.2, 16))
                recorded = end - timedelta(hours=rng.uniform(1, 96))
                if recorded < created:
                    recorded = created
                kind = rng.choice(("call", "meeting", "video_call", "demo", "task"))
                self.emit(
                    rng,
                    kind,
                    owner,
                    at,
                    deal["_offset"],
                    status="scheduled",
                    recorded=recorded,
                    deal=deal["deal_id"],
                    contact=deal["contact_id"],
                    account=deal["account_id"],
                )

    def for_lead(
        self,
        rng: random.Random,
        lead_id: str,
        owner: str,
        start: datetime,
        stop: datetime,
        offset: int,
        activity: float,
    ) -> None:
        stop = min(stop, self.w.tl.end)
        if stop <= start:
            return
        kinds = [k for k, _ in LEAD_TYPES]
        weights = [x for _, x in LEAD_TYPES]
        for _ in range(max(1, int(rng.uniform(0.5, 4) * activity))):
            at = start + timedelta(
                seconds=rng.randrange(max(1, int((stop - start).total_seconds())))
            )
            self.emit(rng, rng.choices(kinds, weights=weights)[0], owner, at, offset, lead=lead_id)

    def for_account(
        self,
        rng: random.Random,
        account_id: str,
        contact_id: str,
        owner: str,
        at: datetime,
        offset: int,
    ) -> None:
        self.emit(
            rng,
            rng.choice(("call", "meeting", "email", "video_call")),
            owner,
            at,
            offset,
            contact=contact_id,
            account=account_id,
        )
