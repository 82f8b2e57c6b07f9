"""Lab steps: the shared lab view, controls and objectives panels, live line/maintenance and robot labs, plots."""
