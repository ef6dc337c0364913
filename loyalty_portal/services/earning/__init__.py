"""Earning points: rule evaluation, recording events, and editing the rules."""
