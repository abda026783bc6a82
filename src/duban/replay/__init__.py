"""Replaying a scenario through the real engine on a simulated clock (issue: urging engine §6)."""
