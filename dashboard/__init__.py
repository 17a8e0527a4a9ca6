"""The staff metrics dashboard: a Tornado web app over assistant_core's analytics (never imported back)."""
