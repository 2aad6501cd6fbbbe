"""The installed packages are the ones pyproject.toml asks for.

An old environment (a stale virtualenv, a system package shadowing ours) would otherwise run the
tests against versions without the fixes we rely on. `packaging` comes with pytest (which needs
it), so it is here wherever the tests run.
"""

import importlib.metadata as metadata
import tomllib
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
# Extras that the test run itself installs; the others (bench) are checked when present.
INSTALLED_FOR_TESTS = {"test"}


def project() -> dict:
    with PYPROJECT.open("rb") as f:
        return tomllib.load(f)["project"]


def requirements() -> list[tuple[str, Requirement]]:
    """(where it is asked for, requirement) for the dependencies and every extra."""
    found = [("dependencies", Requirement(line)) for line in project()["dependencies"]]
    for extra, lines in project().get("optional-dependencies", {}).items():
        found += [(f"extra {extra}", Requirement(line)) for line in lines]
    return found


def applies(requirement: Requirement, extra: str = "") -> bool:
    if requirement.marker is None:
        return True
    return requirement.marker.evaluate({**default_environment(), "extra": extra})


def installed(name: str) -> Version | None:
    try:
        return Version(metadata.version(name))
    except metadata.PackageNotFoundError:
        return None


def test_pyproject_pins_a_minimum_for_every_dependency():
    for where, requirement in requirements():
        minimums = [s for s in requirement.specifier if s.operator in (">=", "==", "~=")]
        assert minimums, f"{requirement} ({where}) has no minimum version"


def to_check() -> list[tuple[str, Requirement]]:
    """The requirements for this platform that must be installed (dependencies, and the extras
    the tests install), and those of other extras that are installed: nothing is skipped."""
    return [
        (where, requirement)
        for where, requirement in requirements()
        if applies(requirement)
        and (
            where == "dependencies"
            or where.removeprefix("extra ") in INSTALLED_FOR_TESTS
            or installed(requirement.name) is not None
        )
    ]


@pytest.mark.parametrize(
    ("where", "requirement"),
    to_check(),
    ids=[f"{where}: {requirement.name}" for where, requirement in to_check()],
)
def test_each_installed_package_meets_its_pin(where, requirement):
    version = installed(requirement.name)
    if version is None:
        pytest.fail(f"{requirement.name} is not installed ({where} asks for {requirement})")
    assert requirement.specifier.contains(version, prereleases=True), (
        f"{requirement.name} {version} is installed; {where} asks for {requirement}"
    )
    # What the package's own extras bring along (e.g. psycopg[binary]) must be there too.
    for extra in sorted(requirement.extras):
        for line in metadata.requires(requirement.name) or []:
            needed = Requirement(line)
            if not applies(needed, extra) or applies(needed):
                continue  # not part of this extra, or a plain dependency
            got = installed(needed.name)
            assert got is not None, f"{needed.name}, for {requirement.name}[{extra}], is missing"
            assert needed.specifier.contains(got, prereleases=True), (
                f"{needed.name} {got} is installed; {requirement.name}[{extra}] asks for {needed}"
            )


def test_daphne_has_the_frame_size_and_header_smuggling_fixes():
    """daphne 4.2.2 bounds WebSocket frames and messages (1 MiB by default; before it, a client
    could exhaust the server's memory: CVE-2026-44545) and carries the header-smuggling fix.
    The real-server tests in test_ws_fuzz.py rely on the bound."""
    assert installed("daphne") >= Version("4.2.2"), installed("daphne")
    pinned = {r.name: r for _w, r in requirements() if canonicalize_name(r.name) == "daphne"}
    minimum = min(
        Version(s.version) for s in pinned["daphne"].specifier if s.operator in (">=", "==")
    )
    assert minimum >= Version("4.2.2"), f"pyproject.toml lets daphne go below 4.2.2: {minimum}"
