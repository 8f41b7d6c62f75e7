import subprocess
import sys

import pytest

from cbamcalc import __version__
from cbamcalc.cli import COMMANDS, main


def test_help_lists_commands(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    assert "usage: cbamcalc" in out


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_unknown_command_exits_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["no-such-command"])
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_every_registered_command_module_has_the_adapter_functions():
    import importlib
    import importlib.util

    for module, _ in COMMANDS.values():
        if importlib.util.find_spec(f"cbamcalc.commands.{module}") is None:
            continue
        mod = importlib.import_module(f"cbamcalc.commands.{module}")
        assert callable(mod.add_parser) and callable(mod.run)


def test_help_does_not_import_pandas():
    code = "import sys; from cbamcalc.cli import main; main(['--help'])"
    proc = subprocess.run(
        [sys.executable, "-c", code + "\n"], capture_output=True, text=True
    )
    # --help exits through SystemExit(0) inside argparse
    assert proc.returncode == 0, proc.stderr
    check = subprocess.run(
        [sys.executable, "-c",
         "import sys\nfrom cbamcalc.cli import build_parser\nbuild_parser()\nprint('pandas' in sys.modules)"],
        capture_output=True, text=True,
    )
    assert check.stdout.strip() == "False"


def test_python_dash_m_entry_point():
    proc = subprocess.run([sys.executable, "-m", "cbamcalc", "--version"], capture_output=True, text=True)
    assert proc.returncode == 0
    assert "cbamcalc" in proc.stdout
