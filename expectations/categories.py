"""Canonical values of the contract's category and enum columns (shared/spec/exports.md).

The audit's rules are written from these lists. Staging (dbt_project/macros/categories.sql
and the staging models) maps the same columns with the same lists; tests/test_audit.py
compares the two so that they cannot drift apart.
"""

LEAD_SOURCES = ("organic", "paid_ads", "email_campaign", "referral", "event", "outbound", "partner")
DEAL_TYPES = ("new_business", "upsell", "cross_sell", "renewal")
SEGMENTS = ("smb", "mid_market", "enterprise")
BUYING_ROLES = ("decision_maker", "champion", "influencer", "user", "other")
ACTIVITY_TYPES = ("call", "meeting", "video_call", "email", "demo", "task")
ACTIVITY_OUTCOMES = (
    "connected", "no_answer", "voicemail", "wrong_number",
    "held", "no_show", "rescheduled",
    "sent", "replied", "bounced",
    "done", "open",
)  # fmt: skip
TICKET_CHANNELS = ("email", "web", "chat", "phone")
TICKET_PRIORITIES = ("low", "normal", "high", "urgent")
TICKET_TYPES = ("question", "incident", "problem", "complaint", "task")
REFUND_REASONS = ("duplicate", "fraudulent", "requested_by_customer")

# Status and type columns that drive logic: an unknown value quarantines the record.
USER_ROLES = ("rep", "manager", "admin")
ACCOUNT_STATUSES = ("active", "inactive")
LEAD_STATUSES = ("new", "working", "qualified", "disqualified", "converted")
STAGE_TYPES = ("open", "won", "lost")
DEAL_STATUSES = ("open", "won", "lost")
ACTIVITY_STATUSES = ("done", "scheduled", "cancelled")
QUOTE_STATUSES = ("draft", "sent", "accepted", "rejected", "expired")
GOAL_METRICS = ("won_revenue", "won_deals", "activities", "new_leads")
GOAL_SCOPES = ("leads", "deals", "all")
PERIODS = ("day", "week", "month", "quarter", "year")
CAMPAIGN_STATUSES = ("draft", "sent")
MEMBER_STATUSES = ("subscribed", "unsubscribed", "cleaned")
EMAIL_EVENTS = ("sent", "delivered", "open", "click", "bounce", "unsubscribe", "spam_report")
INVOICE_STATUSES = ("draft", "open", "paid", "void", "uncollectible")
CHARGE_STATUSES = ("succeeded", "failed", "pending")
REFUND_STATUSES = ("succeeded", "failed", "pending")
TICKET_STATUSES = ("new", "open", "pending", "solved", "closed")
