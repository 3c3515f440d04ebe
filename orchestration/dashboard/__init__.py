"""BI on the published marts: the reference sales dashboard and the dbt docs site.

Nothing here opens the working warehouse: readers use the publication (published.py).
Importing this package is cheap; Dash is imported only when the dashboard starts.
"""
