"""`python -m dashboard` serves the dashboard; `python -m dashboard hash` makes a password hash."""

import sys

from dashboard.app import main

sys.exit(main())
