"""Redis itself, as the app's tests see it: on the port summon picked."""
import uuid

import resp


def test_redis_answers_ping(stack):
    assert resp.command(stack.redis_port, "PING") == "PONG"


def test_a_value_written_is_read_back(stack):
    key = f"test:{uuid.uuid4()}"
    assert resp.command(stack.redis_port, "SET", key, "hello") == "OK"
    assert resp.command(stack.redis_port, "GET", key) == "hello"
    assert resp.command(stack.redis_port, "DEL", key) == 1
    assert resp.command(stack.redis_port, "GET", key) is None
