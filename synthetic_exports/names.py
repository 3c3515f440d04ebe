"""Vocabulary for believable names, companies and free text."""

FIRST = (
    "Giulia Marco Lena Paul Clara Hugo Sofia Luca Anna Jonas Ida Felix Nina Karl Ines Elena "
    "Matteo Sara Lukas Emma Noah Mia Leon Chiara Tomas Eva Oskar Alice Pierre Marie Jan Petra "
    "Andrei Ioana Erik Astrid Hans Greta Louis Camille Diego Lucia Filip Maja Rui Beatriz "
    "Olivia James Amelia George Yuki Hiro Priya Arjun Zoe Max"
).split()
LAST = (
    "Rossi Ferrari Weber Conti Bianchi Durand Greco Ricci Muller Koch Leroy Wilson Schmidt "
    "Moreau Romano Costa Fischer Meyer Wagner Becker Lambert Dubois Martin Bernard Novak "
    "Popescu Ionescu Andersson Johansson Lindberg Nielsen Jensen Silva Santos Garcia Lopez "
    "Smith Brown Taylor Evans Tanaka Sato Kowalski Nowak Horvat Varga Jansen Visser"
).split()
COMPANY_A = (
    "Acme Globex Initech Umbrella Stark Wayne Wonka Sterling Cyberdyne Soylent Oscorp Hooli "
    "Vandelay Massive Monarch Rekall Nakatomi Bluth Dunder Prestige Oceanic Gringotts Tyrell "
    "Aperture Blue Nordic Alpine Baltic Adriatic Lumen Vertex Apex Quantum Helio Terra Aqua "
    "Silver Golden Iron Cedar Maple Orbit Pioneer Summit Delta Sigma Nova Polar Falcon Zenith"
).split()
COMPANY_B = (
    "Labs Works Systems Logistics Foods Retail Dynamics Solutions Group Partners Industries "
    "Analytics Media Energy Health Finance Software Motors Textiles Pharma Capital Robotics"
).split()
LEGAL = {
    "IT": ("S.p.A.", "S.r.l."),
    "DE": ("GmbH", "AG"),
    "FR": ("SAS", "SA"),
    "GB": ("Ltd", "plc"),
    "US": ("Inc.", "LLC"),
    "CH": ("AG", "SA"),
    "SE": ("AB",),
    "RO": ("S.R.L.", "S.A."),
    "ES": ("S.L.", "S.A."),
    "NL": ("B.V.",),
    "JP": ("K.K.",),
    "AT": ("GmbH",),
}
TLD = {
    "IT": "it",
    "DE": "de",
    "FR": "fr",
    "GB": "co.uk",
    "US": "com",
    "CH": "ch",
    "SE": "se",
    "RO": "ro",
    "ES": "es",
    "NL": "nl",
    "JP": "co.jp",
    "AT": "at",
}
COUNTRY_WEIGHTS = {
    "IT": 18,
    "DE": 16,
    "FR": 12,
    "GB": 10,
    "US": 10,
    "CH": 6,
    "SE": 6,
    "RO": 5,
    "ES": 7,
    "NL": 6,
    "JP": 2,
    "AT": 4,
}
CRM_CURRENCY = {"US": "USD", "GB": "GBP", "CH": "CHF", "SE": "SEK", "RO": "RON", "JP": "JPY"}
PHONE_CC = {
    "IT": "39",
    "DE": "49",
    "FR": "33",
    "GB": "44",
    "US": "1",
    "CH": "41",
    "SE": "46",
    "RO": "40",
    "ES": "34",
    "NL": "31",
    "JP": "81",
    "AT": "43",
}
FREE_MAIL = (
    "gmail.com",
    "outlook.com",
    "hotmail.it",
    "yahoo.com",
    "gmx.de",
    "web.de",
    "libero.it",
    "icloud.com",
    "orange.fr",
    "proton.me",
)
INDUSTRIES = (
    "logistics",
    "healthcare",
    "retail",
    "manufacturing",
    "software",
    "finance",
    "education",
    "hospitality",
    "energy",
    "media",
)
JOB_TITLES = {
    "decision_maker": ("CEO", "CFO", "Managing Director", "VP Sales", "Head of Operations"),
    "champion": ("Head of Sales", "Sales Operations Manager", "CRM Lead", "Head of Marketing"),
    "influencer": ("Marketing Manager", "IT Manager", "Sales Ops Analyst", "Controller"),
    "user": (
        "Account Executive",
        "Sales Representative",
        "Customer Success Manager",
        "Inside Sales Rep",
    ),
    "other": ("Office Manager", "Procurement Specialist", "Assistant"),
}
INACTIVE_REASONS = (
    "churned - moved to a competitor",
    "company closed",
    "acquired by another customer",
    "duplicate account",
    "no budget, contract not renewed",
    "out of target market",
)
DISQUALIFIED = (
    "no budget",
    "student / job seeker",
    "duplicate of existing customer",
    "too small",
    "wrong country",
    "competitor doing research",
    "no response after 5 attempts",
)
# Lost reasons: phrasings matching the patterns of spec/lost_reasons.csv, and some that match none.
LOST_REASONS = (
    "Went with a competitor",
    "lost to Salesforce",
    "they went with HubSpot, cheaper",
    "competitor offered 3 months free",
    "No budget this year",
    "budget cut, CFO said no",
    "Too expensive",
    "price too high vs. incumbent",
    "Pricing not competitive",
    "too costly for their team size",
    "bad timing",
    "Not now - maybe next year",
    "revisit next quarter",
    "come back later, reorg ongoing",
    "No decision made",
    "could not agree internally",
    "deal stalled after demo",
    "missing feature: offline mode",
    "Not a fit for their process",
    "needs SAP integration we do not have",
    "product fit issues",
    "ghosted us after the proposal",
    "no response since March",
    "Customer unresponsive",
    "stopped replying",
    "went dark after legal review",
    # no pattern matches these
    "Champion left the company",
    "merged with a group that has a global contract",
    "project cancelled",
    "chose to build in-house",
    "Legal blocked the DPA",
)
LOST_DECORATION = (
    "{r}",
    "{r}",
    "{r}.",
    "  {r} ",
    "{r} :(",
    "{R}",
    "{r}\nsee call notes",
    'Reason: "{r}"',
    "{r}, per email from buyer",
)
ACTIVITY_SUBJECTS = {
    "call": ("Discovery call", "Follow-up call", "Check-in call", "Pricing call"),
    "meeting": ("On-site meeting", "Kick-off meeting", "Steering meeting"),
    "video_call": ("Video call", "Zoom follow-up", "Teams review"),
    "email": ("Sent proposal", "Follow-up e-mail", "Intro e-mail", "Sent case study"),
    "demo": ("Product demo", "Technical demo", "Demo for the sales team"),
    "task": ("Send pricing sheet", "Prepare quote", "Update CRM notes", "Book next meeting"),
}
NOTES = (
    "",
    "",
    "",
    "",
    "Budget owner: CFO, approval in Q1",
    "Left a message.\nCall back Tuesday",
    'Discussed pricing, asked for a "volume" discount',
    "Interested in API, SMS add-ons",
    "Wants references from the same industry",
    "Decision expected end of month",
    "Asked about GDPR, DPA sent",
    "Competitor demo next week; we need to move fast",
    "Champion is positive; procurement is slow",
    "Sent follow-up; waiting, as usual",
    "Needs 25 seats, maybe 40 next year",
    "Technical questions on SSO;\nIT to confirm",
)
TICKET_SUBJECTS = (
    ("Sync with Outlook fails", "incident", ("sync", "outlook")),
    ("Cannot log in after password reset", "incident", ("login",)),
    ("How do I export my pipeline?", "question", ("export",)),
    ("Invoice amount looks wrong", "question", ("billing",)),
    ("API returns 500 on /deals", "problem", ("api",)),
    ("Very unhappy with response times", "complaint", ("complaint",)),
    ("Please add 5 seats", "task", ("billing", "seats")),
    ("Reports are slow to load", "problem", ("performance",)),
    ("Import of contacts failed", "incident", ("import",)),
    ("Charged twice this month", "complaint", ("billing", "complaint")),
)
TICKET_BODIES = (
    'Hello,\nsince yesterday the "sync" fails, error 500. Thanks!',
    "Hi team, we cannot continue working, please help asap.",
    "Dear support,\n\nplease see the screenshot attached; it happens every morning.",
    "Hi, quick question: is this possible with our plan, or do we need Pro?",
    "This is the third time I write about this, please escalate.",
    "Good morning, the invoice for last month shows 12 seats, we have 10.",
)
