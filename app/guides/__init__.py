"""The guide library: data files in data/, public pages in routes.py."""
