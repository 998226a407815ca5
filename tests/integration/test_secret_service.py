"""A key stored and read back through a REAL Secret Service: gnome-keyring on a private D-Bus session.

``dbus-run-session`` starts a throwaway session bus; inside it a driver script starts ``gnome-keyring-daemon
--unlock`` (the password on its standard input), stores a key with ``SecretStore`` on the default keyring
backend, reads it back from a second, fresh process, and stops the daemon by its pid.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.secret_service,
    pytest.mark.skipif(not (shutil.which("dbus-run-session") and shutil.which("gnome-keyring-daemon")),
                       reason="needs dbus-run-session and gnome-keyring-daemon "
                              "(Debian: apt-get install dbus-daemon gnome-keyring)"),
]

ROOT = Path(__file__).resolve().parents[2]
KEY = "r8_RealSecretService0123456789abcdef"

READER = textwrap.dedent("""
    import json
    from app.core.secrets import KeyName, SecretStore
    store = SecretStore()
    print(json.dumps({"backend": type(store.backend).__module__, "secure": store.is_secure(),
                      "key": store.get(KeyName.REPLICATE), "source": store.status(KeyName.REPLICATE).source}))
""")

DRIVER = textwrap.dedent("""
    import json, subprocess, sys, time
    import secretstorage
    from app.core.secrets import KeyName, KeySource, SecretStore

    daemon = subprocess.Popen(["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
                              stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        daemon.stdin.write(b"login-password-for-this-test")
        daemon.stdin.close()
        deadline = time.monotonic() + 15
        while True:
            with secretstorage.dbus_init() as connection:
                if secretstorage.check_service_availability(connection):
                    break
            if daemon.poll() is not None or time.monotonic() > deadline:
                sys.exit("gnome-keyring-daemon did not offer the Secret Service: " + daemon.stderr.read().decode())
            time.sleep(0.05)
        store = SecretStore()
        where = store.set(KeyName.REPLICATE, sys.argv[1])
        reader = subprocess.run([sys.executable, "-c", sys.argv[2]], capture_output=True, text=True, timeout=60)
        if reader.returncode != 0:
            sys.exit("the reading process failed: " + reader.stderr)
        store.delete(KeyName.REPLICATE)
        after_delete = SecretStore().get(KeyName.REPLICATE)
        print(json.dumps({"stored_in": where, "read": json.loads(reader.stdout), "after_delete": after_delete}))
    finally:
        daemon.kill()
        daemon.wait(timeout=10)
""")


def test_a_key_round_trips_through_gnome_keyring(tmp_path: Path) -> None:
    home = tmp_path / "home"
    runtime = tmp_path / "run"
    for folder in (home, runtime):
        folder.mkdir()
    runtime.chmod(0o700)
    env = {key: value for key, value in os.environ.items()
           if key not in ("PYTHON_KEYRING_BACKEND", "DBUS_SESSION_BUS_ADDRESS", "REPLICATE_API_TOKEN")}
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / ".local" / "share"), XDG_CONFIG_HOME=str(home / ".config"),
               XDG_RUNTIME_DIR=str(runtime), PYTHONPATH=str(ROOT))
    result = subprocess.run(["dbus-run-session", "--", sys.executable, "-c", DRIVER, KEY, READER],
                            capture_output=True, text=True, timeout=90, env=env, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["stored_in"] == "keyring"
    read = report["read"]
    assert read["backend"] == "keyring.backends.SecretService" and read["secure"] is True
    assert read["key"] == KEY and read["source"] == "keyring"
    assert report["after_delete"] is None
    # the key was written by the daemon into this test's own keyring folder, encrypted
    keyrings = list((home / ".local" / "share" / "keyrings").glob("*.keyring"))
    assert keyrings, "gnome-keyring should have created its login keyring in the test's home"
    assert all(KEY.encode() not in p.read_bytes() for p in keyrings)
