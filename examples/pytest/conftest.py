"""The stack for the whole test session: `summon up -d` before the first test,
`summon down` after the last, also when tests fail or the run is interrupted.

summon is `$SUMMON` when set, else `summon` on PATH."""
import dataclasses
import json
import os
import pathlib
import shutil
import subprocess
import urllib.error
import urllib.request

import pytest

SUMMON = os.environ.get("SUMMON", "summon")
SERVICES = pathlib.Path(__file__).resolve().parent / "services.yaml"


def summon(*args, capture=False):
    """Runs `summon ARGS... SERVICES`; its lines go where pytest's own output
    goes (shown with a failure, or as they come with -s) unless captured."""
    return subprocess.run([SUMMON, *args, str(SERVICES)], check=False, text=True,
                          stdout=subprocess.PIPE if capture else None, timeout=60)


@dataclasses.dataclass
class Stack:
    redis_port: int
    web_url: str

    def http(self, method, path, body=None):
        """(status, body) of one request to the web service; an error status is
        returned, not raised."""
        request = urllib.request.Request(self.web_url + path, data=body, method=method)
        # Straight to the stack: an http_proxy set for the machine must not be asked.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(request, timeout=5) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


@pytest.fixture(scope="session")
def stack():
    if shutil.which(SUMMON) is None:
        pytest.fail(f"no summon program '{SUMMON}': put summon on PATH or set SUMMON",
                    pytrace=False)
    try:
        # Returns once every service is ready; the supervisor runs on detached.
        up = summon("up", "-d")
        if up.returncode != 0:
            pytest.fail(f"summon up -d exited {up.returncode}; its lines are in the captured "
                        "output", pytrace=False)
        ps = summon("ps", "--json", capture=True)
        if ps.returncode != 0:
            pytest.fail(f"summon ps --json exited {ps.returncode}", pytrace=False)
        # Each service lists the picked ports its command, env or probe names.
        services = json.loads(ps.stdout)["services"]
        ports = {service["name"]: service["ports"] for service in services}
        yield Stack(redis_port=ports["redis"]["redis"],
                    web_url=f"http://127.0.0.1:{ports['web']['web']}")
    finally:
        # Exit 3 (not up) after a failed `up -d`, which has torn down already.
        summon("down")
