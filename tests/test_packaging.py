"""The package as a user installs it: a wheel built from this repository, installed in a
fresh virtualenv, opens on the sample workspace, and building it prints no setuptools
warnings (every package and data folder is declared)."""

from __future__ import annotations

import os
import site
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("wheel")
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-v", "--no-deps", "--no-build-isolation", "--no-cache-dir",
         "-w", str(out), str(ROOT)], capture_output=True, text=True, timeout=600, cwd=out)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    wheels = list(out.glob("ft_workbench-*.whl"))
    assert len(wheels) == 1
    return wheels[0], build.stdout + build.stderr


def test_building_the_wheel_prints_no_setuptools_warnings(wheel):
    _, log = wheel
    for noise in ("would be ignored", "SetuptoolsDeprecationWarning", "Package would be", "is absent from the `packages`"):
        assert noise not in log


def test_installed_wheel_opens_on_the_sample_workspace(wheel, tmp_path):
    path, _ = wheel
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    # The dependencies come from the test environment (no network): a .pth file puts its
    # site-packages after the fresh venv's own, where the wheel is installed.
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    Path(purelib, "deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    install = subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "--no-index", str(path)],
                             capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stderr[-2000:]
    home = tmp_path / "home"
    env = {**os.environ, "WORKBENCH_HOME": str(home)}
    env.pop("WORKBENCH_NO_SAMPLE", None)
    # from a folder that is not the repository, so nothing is imported from the checkout
    run = subprocess.run([str(python), "-m", "workbench.cli"], capture_output=True, text=True, timeout=300,
                         env=env, cwd=tmp_path, stdin=subprocess.DEVNULL)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "aurora-support" in run.stdout
    where = subprocess.run([str(python), "-c", "import workbench, workbench.sample_data as s; print(workbench.__file__, s.__file__)"],
                           capture_output=True, text=True, cwd=tmp_path, env=env).stdout
    assert str(ROOT) not in where and "site-packages" in where
