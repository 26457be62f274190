"""A background worker: takes a job every second and logs what it did."""
import os
import pathlib
import time

log = pathlib.Path("log")
log.mkdir(exist_ok=True)
env = os.environ.get("APP_ENV", "production")
with open(log / "development.log", "a", buffering=1) as out:
    job = 0
    while True:
        job += 1
        line = f"[{env}] processed job {job}"
        print(line)
        out.write(line + "\n")
        time.sleep(1)
