"""Redis-backed caching, rate limiting and a dispatch lock."""
from __future__ import annotations

import functools
import json
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

import redis
from redis import asyncio as aredis
# expect: hallucinated-attribute -- lacks redis.exceptions LockTimeoutError ## redis-py raises LockError
from redis.exceptions import LockTimeoutError

log = logging.getLogger(__name__)
T = TypeVar("T")


def connect(url: str) -> redis.Redis:
    # ok: unknown-keyword-argument -- accepts redis.Redis decode_responses && accepts redis.Redis socket_timeout ## from_url(url, **kwargs) passes them to Redis(...)
    return redis.Redis.from_url(url, decode_responses=True, socket_timeout=5, health_check_interval=30)


def connect_local() -> redis.Redis:
    # expect: unknown-keyword-argument -- raises TypeError: redis.Redis(timeout=5) ## socket_timeout / socket_connect_timeout
    return redis.Redis(host="localhost", port=6379, db=0, timeout=5)


def connect_strict() -> redis.Redis:
    # ok: hallucinated-attribute -- has redis StrictRedis ## kept as an alias of Redis
    return redis.StrictRedis(host="localhost", port=6379, decode_responses=True)


class JsonCache:
    def __init__(self, client: redis.Redis, prefix: str = "fleetops:", ttl: int = 300) -> None:
        self.client = client
        self.prefix = prefix
        self.ttl = ttl

    def get(self, key: str) -> Any | None:
        raw = self.client.get(self.prefix + key)
        return json.loads(raw) if raw else None

    def set(self, key: str, value: Any) -> None:
        # ok: unknown-keyword-argument -- accepts redis.Redis.set ex && accepts redis.Redis.set nx
        self.client.set(self.prefix + key, json.dumps(value), ex=self.ttl, nx=False)

    def set_with_expiry(self, key: str, value: Any) -> None:
        # expect: unknown-keyword-argument -- rejects redis.Redis.set expire
        self.client.set(self.prefix + key, json.dumps(value), expire=self.ttl)

    def get_many(self, keys: list[str]) -> list[Any | None]:
        # expect: hallucinated-attribute -- lacks redis.Redis get_many ## the command is MGET: client.mget(keys)
        raws = self.client.get_many([self.prefix + k for k in keys])
        return [json.loads(r) if r else None for r in raws]

    def get_many_v2(self, keys: list[str]) -> list[Any | None]:
        # ok: hallucinated-attribute -- has redis.Redis mget
        raws = self.client.mget([self.prefix + k for k in keys])
        return [json.loads(r) if r else None for r in raws]

    def touch(self, key: str) -> None:
        # ok: hallucinated-attribute -- has redis.Redis expire
        self.client.expire(self.prefix + key, self.ttl)

    def store_driver(self, driver_id: str, fields: dict[str, str]) -> None:
        # ok: unknown-keyword-argument -- accepts redis.Redis.hset mapping
        self.client.hset(f"{self.prefix}driver:{driver_id}", mapping=fields)

    def store_driver_legacy(self, driver_id: str, fields: dict[str, str]) -> None:
        # ok: removed-api -- has redis.Redis hmset ## deprecated since redis-py 3.5, still present
        self.client.hmset(f"{self.prefix}driver:{driver_id}", fields)

    def clear(self, pattern: str = "*") -> int:
        deleted = 0
        # ok: unknown-keyword-argument -- accepts redis.Redis.scan_iter match && accepts redis.Redis.scan_iter count
        for key in self.client.scan_iter(match=self.prefix + pattern, count=500):
            deleted += self.client.delete(key)
        return deleted


def cached(cache: JsonCache, key_fn: Callable[..., str]) -> Callable[[Callable[..., T]], Callable[..., T]]:
    def decorator(fn: Callable[..., T]) -> Callable[..., T]:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> T:
            key = key_fn(*args, **kwargs)
            hit = cache.get(key)
            if hit is not None:
                return hit
            value = fn(*args, **kwargs)
            cache.set(key, value)
            return value

        # ok: hallucinated-attribute -- manual: a plain function object takes new attributes (wrapper.cache = cache), read back by callers as fn.cache
        wrapper.cache = cache
        return wrapper

    return decorator


def memo_route_distance(maxsize: int = 1024) -> Callable[[Callable[..., T]], Callable[..., T]]:
    # expect: unknown-keyword-argument -- raises TypeError: functools.lru_cache(ttl=60)
    return functools.lru_cache(maxsize=maxsize, ttl=600)


def allow_request(client: redis.Redis, user: str, limit: int = 60) -> bool:
    window = int(time.time() // 60)
    key = f"ratelimit:{user}:{window}"
    # ok: unknown-keyword-argument -- accepts redis.Redis.pipeline transaction
    pipe = client.pipeline(transaction=True)
    pipe.incr(key)
    pipe.expire(key, 120)
    # ok: hallucinated-attribute -- has redis.client.Pipeline execute
    count, _ = pipe.execute()
    return count <= limit


def allow_request_v0(client: redis.Redis, user: str, limit: int = 60) -> bool:
    pipe = client.pipeline()
    pipe.incr(f"ratelimit:{user}")
    # expect: hallucinated-attribute -- lacks redis.client.Pipeline commit ## the method is execute()
    count = pipe.commit()[0]
    return count <= limit


def with_dispatch_lock(client: redis.Redis, fn: Callable[[], T]) -> T | None:
    # ok: unknown-keyword-argument -- accepts redis.Redis.lock timeout && accepts redis.Redis.lock blocking_timeout
    lock = client.lock("fleetops:dispatch", timeout=30, blocking_timeout=5)
    try:
        # ok: hallucinated-attribute -- has redis.lock.Lock acquire
        if not lock.acquire():
            return None
    # ok: hallucinated-attribute -- has redis exceptions ## a submodule that redis/__init__ imports
    except redis.exceptions.LockError:
        return None
    try:
        return fn()
    finally:
        lock.release()


def publish_position(client: redis.Redis, vehicle: str, lat: float, lon: float) -> None:
    # ok: hallucinated-attribute -- has redis.Redis publish
    client.publish(f"positions:{vehicle}", json.dumps({"lat": lat, "lon": lon}))


def listen_positions(client: redis.Redis) -> None:
    # ok: unknown-keyword-argument -- runs: redis.Redis().pubsub(ignore_subscribe_messages=True) ## pubsub(**kwargs) forwards to PubSub(...)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    pubsub.psubscribe("positions:*")
    # expect: hallucinated-attribute -- lacks redis.client.PubSub messages
    for message in pubsub.messages(timeout=1.0):
        log.info("position %s", message)


async def async_ping(url: str) -> bool:
    client = aredis.Redis.from_url(url)
    try:
        return await client.ping()
    finally:
        # ok: hallucinated-attribute -- has redis.asyncio.Redis aclose
        await client.aclose()


def sync_close(client: redis.Redis) -> None:
    # expect: hallucinated-attribute -- lacks redis.Redis aclose ## aclose() belongs to redis.asyncio.Redis
    client.aclose()
