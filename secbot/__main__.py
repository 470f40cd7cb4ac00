"""Allows ``python -m secbot``."""

from secbot.cli import main

raise SystemExit(main())
