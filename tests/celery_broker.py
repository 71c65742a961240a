"""Point the test process's Celery app at another broker for a while, then put it back."""

from contextlib import contextmanager

import kombu.pools

from huzhou_talks.celery import app as celery_app


def _drop_pools() -> None:
    # Connections and producers are pooled per app, and kombu keeps a process-wide
    # registry of producer pools per broker URL; forget them all, so the next publish opens
    # a connection to the broker now configured (a second test on the same broker URL would
    # otherwise be handed the pool closed after the first: "Acquire on closed pool").
    kombu.pools.reset()
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
    celery_app._pool = None
    amqp = celery_app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


@contextmanager
def use_broker(url: str, transport_options: dict | None = None):
    conf = celery_app.conf
    saved = (conf.broker_url, conf.broker_transport_options)
    conf.broker_url = url
    conf.broker_transport_options = dict(transport_options or {})
    _drop_pools()
    try:
        yield celery_app
    finally:
        _drop_pools()
        conf.broker_url, conf.broker_transport_options = saved
