"""The pure-Python domain core: no Django imports, fed plain data, tested alone (``mypy --strict``).

- ``lifecycle``: item and assignment states, the actions allowed in each, and the rule IDs behind them.
- ``calendar``: working days with 调休 make-up days and provisional (unloaded) years.
- ``cadence``: reporting cadence per level and the next due moment.
"""
