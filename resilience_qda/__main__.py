"""``python -m resilience_qda``: the command line."""

from .cli import main

raise SystemExit(main())
