"""Where the tests find the repository and the shared folder beside it."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
"""The repository root (the package ``upbit_actors``)."""
SHARED_SAMPLES = REPO.parent / "shared" / "upbit" / "samples"
"""``../shared/upbit/samples``: documented example frames (SPEC §9)."""
