"""`pip install .` (not only -e) must install every package and the schemas."""
from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_package_is_listed_for_installation():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    listed = set(config["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "wuyectl").rglob("__init__.py")}
    assert found - listed == set()
    assert config["package-dir"]["wuyectl.schemas"] == "schemas"
    assert "*.json" in config["package-data"]["wuyectl.schemas"]
