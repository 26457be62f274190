#!/usr/bin/env python3
"""The API's integration tests: they run against the stack `summon run` brought
up, and find it through SUMMON_PORT_API."""
import json
import os
import unittest
import urllib.request

API = f"http://127.0.0.1:{os.environ['SUMMON_PORT_API']}"
# Straight to the stack: an http_proxy set for the machine must not be asked.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def call(method, path):
    request = urllib.request.Request(API + path, method=method)
    with OPENER.open(request, timeout=5) as response:
        return response.status, json.load(response)


class VisitCounter(unittest.TestCase):
    def test_health_says_redis_is_up(self):
        self.assertEqual(call("GET", "/health"), (200, {"redis": "ok"}))

    def test_each_post_adds_one_visit(self):
        _, before = call("GET", "/visits")
        call("POST", "/visits")
        _, after = call("POST", "/visits")
        self.assertEqual(after["visits"], before["visits"] + 2)
        self.assertEqual(call("GET", "/visits"), (200, after))


if __name__ == "__main__":
    unittest.main(verbosity=2)
