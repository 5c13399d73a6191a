"""The dashboard's and home page's figures and lists, computed in SQL and kept for a short time."""
