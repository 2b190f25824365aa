"""The analyst example runs end to end and saves its figure where it is told."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

from conftest import SOURCE

EXAMPLE = SOURCE / "bindings" / "python" / "examples" / "analyst.py"


def test_analyst_example_writes_its_figure(tmp_path):
    figure = tmp_path / "figures" / "centre-est.png"
    done = subprocess.run([sys.executable, str(EXAMPLE), str(figure), "--area", "Centre-est", "--from", "2019-06",
                           "--to", "2019-12"], capture_output=True, text=True, timeout=300, cwd=tmp_path,
                          env={**os.environ, "MPLBACKEND": "Agg"})
    assert done.returncode == 0, done.stderr
    # Both methodologies, compared in the last month.
    assert "sahel-normative-2019" in done.stdout and "sahel-capped-smeb-2019" in done.stdout
    assert "Centre-est, 2019-12 (reference sahel-normative-2019)" in done.stdout
    if importlib.util.find_spec("matplotlib") is None:
        assert "no figure drawn" in done.stdout and not figure.exists()
    else:
        assert f"wrote {figure}" in done.stdout
        assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
