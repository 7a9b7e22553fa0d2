"""Where the project is on disk: the one definition of its root folder."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
