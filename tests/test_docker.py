"""The Docker files: what they expose."""

from __future__ import annotations

from pathlib import Path

import yaml


def test_compose_publishes_the_dask_ports_on_localhost_only(repo_root: Path) -> None:
    compose = yaml.safe_load((repo_root / "docker" / "compose.yaml").read_text())
    published = [str(port) for service in compose["services"].values() for port in service.get("ports", [])]
    assert published, "the scheduler publishes its ports"
    # dask's tcp:// has no authentication: whoever reaches the scheduler runs code on the workers
    assert all(port.startswith("127.0.0.1:") for port in published), published
