"""Reading the program as a whole: the dashboard and its rollups, leaderboards, offer
statistics, CSV exports and the member import."""
