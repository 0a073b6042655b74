"""Lists every pinned dependency (constraints.txt) with a newer release on the package
index: a newer patch release of the pinned major.minor first (take it), then whether a
newer minor or major exists (read its notes). Needs the index, not a vulnerability
database: see docs/operations.md for pip-audit where one can be reached."""

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s;#]+)")


def pins() -> dict[str, str]:
    found = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        match = PIN.match(line.strip())
        if match:
            found[match.group(1).lower().replace("_", "-")] = match.group(2)
    return found


def versions(name: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-m", "pip", "index", "versions", name],
        capture_output=True,
        text=True,
        check=False,
    )
    match = re.search(r"Available versions: (.*)", result.stdout)
    return [v.strip() for v in match.group(1).split(",")] if match else []


def release(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", version.split("+")[0])[:3])


def main() -> int:
    pinned = pins()
    listed = subprocess.run(
        [sys.executable, "-m", "pip", "list", "--outdated", "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    candidates = {item["name"].lower().replace("_", "-") for item in json.loads(listed.stdout)}
    rows = []
    for name in sorted(candidates & set(pinned)):
        current = release(pinned[name])
        newer = [v for v in versions(name) if release(v) > current and not re.search(r"[a-z]", v)]
        if not newer:
            continue
        patch = [v for v in newer if release(v)[:2] == current[:2]]
        latest = max(newer, key=release)
        rows.append((name, pinned[name], max(patch, key=release) if patch else "-", latest))
    if not rows:
        print("Every pinned dependency is at its newest release.")
        return 0
    print(f"{'package':<32} {'pinned':<14} {'newer patch':<14} newest")
    for name, current_version, patch_version, latest in rows:
        print(f"{name:<32} {current_version:<14} {patch_version:<14} {latest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
