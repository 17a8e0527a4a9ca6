"""Loaded before every test module: the tests never read a developer's `.env` (issue 20 point 5).

ENV_FILE="" turns `.env` off in this process and in every server a test starts (they inherit it);
the test of the documented `.env` path (tests/e2e/test_dotenv_dashboard.py) removes it on purpose.
"""

import os

os.environ["ENV_FILE"] = ""
