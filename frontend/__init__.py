"""The web chat page and its assets, served by the backend."""

from pathlib import Path

STATIC_DIR = Path(__file__).resolve().parent
