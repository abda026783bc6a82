"""duban — 督查督办信息系统, a government supervision and task-tracking system."""

__version__ = "0.1.0"
