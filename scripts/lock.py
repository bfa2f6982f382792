"""Write requirements.lock and requirements-test.lock from what is installed in the running virtual environment.

Usage, after changing a dependency in pyproject.toml and installing it into .venv:

    .venv/bin/python scripts/lock.py

requirements.lock pins everything the portal needs to run (pyproject's `dependencies` and what they pull in);
the production image installs only this. requirements-test.lock starts with `-r requirements.lock` and pins the
`test` extra on top, so one `pip install -r requirements-test.lock` gives a development machine both.
"""

import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def installed() -> dict[str, metadata.Distribution]:
    return {canonical(dist.metadata["Name"]): dist for dist in metadata.distributions()}


def closure(requirements: list[str], dists: dict[str, metadata.Distribution]) -> set[str]:
    """Every installed distribution that the given requirements need, following extras and environment markers."""
    seen: set[str] = set()
    todo = [Requirement(text) for text in requirements]
    while todo:
        requirement = todo.pop()
        name = canonical(requirement.name)
        if name not in dists:
            sys.exit(f"{requirement.name} is required but not installed in this environment")
        extras = tuple(sorted(requirement.extras))
        key = f"{name}[{','.join(extras)}]"
        if key in seen:
            continue
        seen.add(key)
        for text in dists[name].requires or []:
            sub = Requirement(text)
            environments = [{"extra": extra} for extra in extras] or [{"extra": ""}]
            if sub.marker is None or any(sub.marker.evaluate(env) for env in environments):
                todo.append(sub)
    return {key.split("[")[0] for key in seen}


# The installer itself is not pinned, as in `pip freeze`: a venv brings its own.
INSTALLER = {"pip", "setuptools", "wheel"}


def pins(names: set[str], dists: dict[str, metadata.Distribution]) -> list[str]:
    return [f"{dists[name].metadata['Name']}=={dists[name].version}" for name in sorted(names - INSTALLER)]


def main() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    dists = installed()
    runtime = closure(project["dependencies"], dists)
    test = closure(project["optional-dependencies"]["test"], dists) - runtime
    header = "# Written by scripts/lock.py from the packages installed in .venv; edit pyproject.toml, not this.\n"
    (ROOT / "requirements.lock").write_text(header + "\n".join(pins(runtime, dists)) + "\n")
    (ROOT / "requirements-test.lock").write_text(
        header + "-r requirements.lock\n" + "\n".join(pins(test, dists)) + "\n"
    )
    print(f"requirements.lock: {len(runtime)} packages; requirements-test.lock: {len(test)} more")


if __name__ == "__main__":
    main()
