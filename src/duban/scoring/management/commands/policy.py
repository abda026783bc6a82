"""``duban policy check FILE|PRESET`` / ``duban policy list`` (the same command as ``duban_policy``)."""

from .duban_policy import Command as PolicyCommand


class Command(PolicyCommand):
    pass
