"""Vendor export layouts: one module per vendor, each defining `LAYOUT = Layout(...)`
(`orchestration/lib/adapters/model.py`). Discovered automatically by
`orchestration.lib.adapters.all_layouts`: a new vendor is one new module here. A module whose
name starts with `_` is a helper, no vendor: `_shared.py` holds what several layouts share
(converters, the CRM layouts' common gaps and the marts they affect). A vendor-specific
converter is declared in its layout module with `formats.converter`."""
