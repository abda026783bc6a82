"""Scoring on the Django side (SPEC §4): the score ledger, recorded facts, results, pages and API.

The rules live in the pure core (``duban.core.scoring``: policy loader, engine, what-if, triggers) and
the presets (``duban/presets/s*.toml``). This app turns ledger events into score entries through a data
mapping (``event_map.toml``), keeps the facts the office records with evidence, feeds the core
aggregated rows and shows every point down to the event or fact and the rule ID behind it.
"""
