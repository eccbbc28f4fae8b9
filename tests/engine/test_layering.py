"""The engine is a plain numerical core: importing it must not pull in the UI stack."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_engine_never_imports_streamlit_or_plotly():
    code = (
        "import sys, engine, engine.data, engine.mixtures, engine.mixtures.io\n"
        "import importlib.util\n"
        "if importlib.util.find_spec('engine.vae'): import engine.vae\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('streamlit', 'plotly'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "", f"engine imported: {out.stdout}"


def test_errors_module_is_a_leaf():
    """``engine.errors`` imports nothing of ours and no numerical library: anything may import it."""
    code = "import sys, engine.errors\nprint(','.join(sorted(sys.modules)))\n"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    loaded = out.stdout.strip().split(",")
    ours = [m for m in loaded if m.split(".")[0] == "engine"]
    assert ours == ["engine", "engine.errors"], ours
    heavy = [m for m in loaded if m.split(".")[0] in ("numpy", "pandas", "torch", "sklearn")]
    assert not heavy, heavy
