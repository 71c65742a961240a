"""Point the test process's Celery app at another broker for a while, then put it back."""

from contextlib import contextmanager

from huzhou_talks.celery import app as celery_app


def _drop_pools() -> None:
    # Connections and producers are pooled per app; forget them so the next
    # publish opens a connection to the broker now configured.
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
