"""Which layer may import what, and how much a page may hold.

- ``ui/figures/`` builds Plotly figures from arrays: no Streamlit, no engine maths, no
  scientific stack beyond NumPy and pandas.
- ``app_pages/`` are thin: they import the engine only for its errors and constants, and hold
  about 150 lines of logic at most.
"""

from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIGURES = sorted((ROOT / "ui" / "figures").glob("*.py"))
PAGES = sorted((ROOT / "app_pages").glob("*.py"))
#: Modules a figure builder must not import (top-level package names).
FIGURE_FORBIDDEN = {"streamlit", "scipy", "sklearn", "torch", "engine"}
#: Engine modules a figure builder or a page may take names from: errors and constants.
ENGINE_ALLOWED = {"engine.errors", "engine.mixtures.registry"}
MAX_PAGE_LOGIC_LINES = 150


def _type_checking_only(tree: ast.Module) -> set[int]:
    """Ids of the import nodes under ``if TYPE_CHECKING:`` (for type hints; never run)."""
    hidden = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            hidden.update(id(child) for stmt in node.body for child in ast.walk(stmt))
    return hidden


def imports(path: Path) -> list[tuple[str, tuple[str, ...]]]:
    """Every import a file runs: (module, names imported from it)."""
    found = []
    tree = ast.parse(path.read_text())
    hidden = _type_checking_only(tree)
    for node in ast.walk(tree):
        if id(node) in hidden:
            continue
        if isinstance(node, ast.Import):
            found += [(alias.name, ()) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.module, tuple(alias.name for alias in node.names)))
    return found


def is_constant_or_error(name: str) -> bool:
    return name.isupper() or name.endswith("Error") or name == "errors"


@pytest.mark.parametrize("path", FIGURES, ids=[p.name for p in FIGURES])
def test_figure_builders_import_no_streamlit_and_no_engine_maths(path: Path) -> None:
    for module, names in imports(path):
        top = module.split(".")[0]
        if module in ENGINE_ALLOWED:
            continue
        if top == "engine":
            assert names and all(is_constant_or_error(n) for n in names), (module, names)
            continue
        assert top not in FIGURE_FORBIDDEN, f"{path.name} imports {module}"


@pytest.mark.parametrize("path", PAGES, ids=[p.name for p in PAGES])
def test_pages_import_the_engine_only_for_errors_and_constants(path: Path) -> None:
    for module, names in imports(path):
        if module.split(".")[0] != "engine" or module in ENGINE_ALLOWED:
            continue
        assert names, f"{path.name}: import {module} (pages take only errors and constants)"
        bad = [n for n in names if not is_constant_or_error(n)]
        assert not bad, f"{path.name} imports {bad} from {module}: move that work to ui/cached/"


def logic_lines(source: str) -> int:
    """Lines holding code: not blank, not comments, not docstrings, and not lines of prose
    (a line whose only tokens are strings and the brackets, commas or ``+`` around them)."""
    docstring_lines: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            value = body[0].value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                docstring_lines.update(range(body[0].lineno, body[0].end_lineno + 1))
    code_lines: set[int] = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type in (
            tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
            tokenize.DEDENT, tokenize.ENDMARKER, tokenize.STRING,
        ):  # fmt: skip
            continue
        if token.type == tokenize.OP and token.string in "()[],+":
            continue
        code_lines.update(range(token.start[0], token.end[0] + 1))
    return len(code_lines - docstring_lines)


@pytest.mark.parametrize("path", PAGES, ids=[p.name for p in PAGES])
def test_pages_are_thin(path: Path) -> None:
    n = logic_lines(path.read_text())
    assert n <= MAX_PAGE_LOGIC_LINES, f"{path.name} holds {n} lines of logic"


def test_logic_lines_leave_out_docstrings_comments_and_prose() -> None:
    source = (
        '"""Doc\n\nmore."""\n\n# note\nx = 1\n\n\ndef f():\n    """Doc."""\n'
        '    st.markdown(\n        "A sentence "\n        f"and {x} more."\n    )\n'
        "    return (\n        2\n    )\n"
    )
    # x = 1; def f(); st.markdown(; return (; 2  (Python 3.11 reads an f-string as one string)
    assert logic_lines(source) == 5


@pytest.mark.parametrize("path", PAGES, ids=[p.name for p in PAGES])
def test_pages_return_instead_of_stopping(path: Path) -> None:
    # st.stop() would also stop app.py from writing the page's settings into the link.
    assert "st.stop(" not in path.read_text(), f"{path.name}: return from main() instead"
