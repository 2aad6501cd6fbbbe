"""The layers, read from the code's imports (with `ast`, nothing is imported):

- the core (`imago_app`) imports no practice, except the project's wiring (settings, urls, asgi,
  routing), which lists the apps and their routes;
- a practice (`dialogue`, `exercises.caring`, `exercises.appreciation`, `exercises.requests`)
  imports the core and itself, never another practice; an exercise practice may also import the
  shared exercise helpers (the modules directly in `exercises/`: access, phrasing, …);
- those shared helpers import no practice, except the exercises' own wiring (`exercises/urls.py`,
  `exercises/routing.py`), which routes to each exercise.

Run as a script to print the import edges that cross layers (core → practice and
practice → practice): `.venv/bin/python tests/test_layers.py [project root]`.
"""

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRACTICES = ("dialogue", "exercises.caring", "exercises.appreciation", "exercises.requests")
WIRING = {
    "imago_app.settings",
    "imago_app.urls",
    "imago_app.asgi",
    "imago_app.routing",
    "exercises.urls",
    "exercises.routing",
}


def modules(root: Path = ROOT) -> dict[str, Path]:
    """Every module of the apps, by dotted name."""
    found = {}
    for top in ("imago_app", "dialogue", "exercises"):
        for path in sorted((root / top).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The modules `name` imports (absolute names; relative imports resolved): for
    `from a import b`, a.b when it is one of the `known` modules, else a."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            for alias in node.names:
                submodule = f"{module}.{alias.name}"
                found.add(submodule if submodule in known else module)
    return found


def practice_of(module: str) -> str | None:
    """The practice a module belongs to, if any."""
    for practice in sorted(PRACTICES, key=len, reverse=True):
        if module == practice or module.startswith(practice + "."):
            return practice
    return None


def layer_of(module: str) -> str | None:
    """ "core", "shared" (exercise helpers), a practice's name, or None (not ours)."""
    if practice := practice_of(module):
        return practice
    top = module.split(".")[0]
    if top == "imago_app":
        return "core"
    if top == "exercises":
        return "shared"
    return None


def crossing_edges(root: Path = ROOT) -> list[tuple[str, str, str]]:
    """(kind, importer, imported) for every import that goes up from the core or across
    practices, wiring included (its kind then says so)."""
    edges = set()
    found = modules(root)
    for name, path in found.items():
        mine = layer_of(name)
        for imported in imports(name, path, set(found)):
            theirs = layer_of(imported)
            if theirs in (None, "core", mine):
                continue
            if theirs == "shared" and mine != "core":
                if mine == "dialogue":
                    edges.add(("dialogue → exercises", name, imported))
                continue
            if mine == "core":
                kind = "core → practice"
            elif mine == "shared":
                kind = "shared → practice"
            else:
                kind = "practice → practice"
            if name in WIRING:
                kind += " (wiring)"
            edges.add((kind, name, imported))
    return sorted(edges)


def test_the_core_imports_no_practice_except_the_wiring():
    bad = [e for e in crossing_edges() if e[0].startswith("core") and "wiring" not in e[0]]
    assert not bad, "\n".join(f"{importer} imports {imported}" for _k, importer, imported in bad)


def test_no_practice_imports_another():
    bad = [e for e in crossing_edges() if e[0].startswith(("practice", "dialogue"))]
    assert not bad, "\n".join(f"{importer} imports {imported}" for _k, importer, imported in bad)


def test_the_shared_exercise_helpers_import_no_practice_except_their_wiring():
    bad = [e for e in crossing_edges() if e[0].startswith("shared") and "wiring" not in e[0]]
    assert not bad, "\n".join(f"{importer} imports {imported}" for _k, importer, imported in bad)


def test_the_layer_check_sees_an_import_across_practices(tmp_path):
    """The check itself works: a practice importing another is found."""
    for package in ("imago_app", "dialogue", "exercises", "exercises/caring"):
        (tmp_path / package).mkdir(parents=True)
        (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / "imago_app" / "home.py").write_text("from dialogue.models import Event\n")
    (tmp_path / "exercises" / "caring" / "views.py").write_text("from dialogue import access\n")
    (tmp_path / "exercises" / "caring" / "ok.py").write_text("from ..phrasing import x\n")
    kinds = {(kind, importer) for kind, importer, _imported in crossing_edges(tmp_path)}
    assert kinds == {
        ("core → practice", "imago_app.home"),
        ("practice → practice", "exercises.caring.views"),
    }


# The top layer (imago_app/pages/) composes practices; only the views and the wiring that serve
# it may import it.
MAY_IMPORT_PAGES = {"imago_app.views", "imago_app.urls", "imago_app.routing", "imago_app.asgi"}


def test_nothing_below_the_pages_imports_them():
    import ast

    bad = []
    for path in sorted(ROOT.glob("**/*.py")):
        relative = path.relative_to(ROOT)
        if relative.parts[0] not in ("imago_app", "dialogue", "exercises"):
            continue
        module = ".".join(relative.with_suffix("").parts)
        if module.startswith("imago_app.pages") or module in MAY_IMPORT_PAGES:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            bad += [(module, n) for n in names if n.startswith("imago_app.pages")]
    assert not bad, bad


if __name__ == "__main__":
    root = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else ROOT
    edges = crossing_edges(root)
    for kind, importer, imported in edges:
        print(f"{kind:32} {importer} -> {imported}")
    print(f"{len(edges)} edges")
