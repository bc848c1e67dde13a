"""The Kafka broker's jars: fetched from Maven Central through the pinned shared/servers/kafka/pom.xml
into .local/, and used only while they match kafka/jars.sha256 (regenerate that with `sha256sum
*.jar` in the copied libs directory after changing the pom).
"""

from __future__ import annotations

import fcntl
import hashlib
import shutil
import subprocess
from pathlib import Path

VERSION = "4.4.0"
MANIFEST = Path(__file__).resolve().parent / "kafka"
REPO = Path(__file__).resolve().parents[2]
LIBS = REPO / ".local" / "kafka" / VERSION / "libs"


def available() -> bool:
    """Java runs the broker; Maven is needed only while the jars are not installed yet."""
    return shutil.which("java") is not None and (shutil.which("mvn") is not None or _verified(LIBS))


def install(libs: Path = LIBS, timeout: float = 600) -> Path:
    """Fetch the pinned jars with Maven (its ~/.m2 cache first) unless they are already here."""
    if _verified(libs):
        return libs
    libs.parent.mkdir(parents=True, exist_ok=True)
    # Test processes started together must not replace the jars one of them is running from.
    with (libs.parent / "install.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _verified(libs):
            _fetch(libs, timeout)
    return libs


def _fetch(libs: Path, timeout: float) -> None:
    mvn = shutil.which("mvn")
    if mvn is None:
        raise RuntimeError("Maven (mvn) is needed to fetch the Kafka broker's jars")
    fetched = libs.with_name("libs.fetching")
    shutil.rmtree(fetched, ignore_errors=True)
    command = [mvn, "-q", "-B", "--strict-checksums", "-f", str(MANIFEST / "pom.xml")]
    command += ["dependency:copy-dependencies", f"-DoutputDirectory={fetched}"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"fetching the Kafka jars failed:\n{done.stdout}{done.stderr}")
    if not _verified(fetched):
        raise RuntimeError(f"the fetched Kafka jars in {fetched} do not match {MANIFEST / 'jars.sha256'}")
    shutil.rmtree(libs, ignore_errors=True)
    fetched.rename(libs)


def _verified(libs: Path) -> bool:
    """Exactly the listed jars, each with its listed digest: an extra jar would join the classpath."""
    lines = (MANIFEST / "jars.sha256").read_text().splitlines()
    expected = {name: digest for digest, name in (line.split() for line in lines if line)}
    present = {p.name for p in libs.glob("*.jar")}
    return present == set(expected) and all(_sha256(libs / name) == digest for name, digest in expected.items())


def _sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()
