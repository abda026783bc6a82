"""Scoring on the Django side (SPEC §4). For now only the ``duban policy`` command; the pure engine,
policy format and presets live in ``duban.core.scoring`` and ``duban/presets/s*.toml``."""
