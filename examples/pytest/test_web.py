"""The key-value API over HTTP, checked against what Redis really holds."""
import uuid

import resp


def test_health_says_redis_is_up(stack):
    assert stack.http("GET", "/health") == (200, "ok\n")


def test_a_value_put_over_http_lands_in_redis(stack):
    key = str(uuid.uuid4())
    assert stack.http("PUT", f"/kv/{key}", b"42 apples")[0] == 204
    assert resp.command(stack.redis_port, "GET", f"kv:{key}") == "42 apples"
    assert stack.http("GET", f"/kv/{key}") == (200, "42 apples")


def test_a_value_set_in_redis_is_served(stack):
    key = str(uuid.uuid4())
    resp.command(stack.redis_port, "SET", f"kv:{key}", "from redis")
    assert stack.http("GET", f"/kv/{key}") == (200, "from redis")


def test_a_deleted_value_is_gone(stack):
    key = str(uuid.uuid4())
    stack.http("PUT", f"/kv/{key}", b"short-lived")
    assert stack.http("DELETE", f"/kv/{key}")[0] == 204
    assert stack.http("GET", f"/kv/{key}")[0] == 404
    assert resp.command(stack.redis_port, "EXISTS", f"kv:{key}") == 0
