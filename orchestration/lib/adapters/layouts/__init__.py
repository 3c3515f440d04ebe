"""Vendor export layouts: one module per vendor, each defining `LAYOUT = Layout(...)`
(`orchestration/lib/adapters/model.py`). Discovered automatically by
`orchestration.lib.adapters.registry`: a new vendor is one new module here. A vendor-specific
converter is declared in its layout module with `formats.converter`."""
