"""Admin views, one module per screen."""
