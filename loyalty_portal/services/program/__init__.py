"""The program's configuration: settings, tiers and user groups."""
