import os

from celery import Celery

app = Celery("worker", broker=os.environ.get("BROKER_URL", "redis://redis:6379/0"))


@app.task
def ping(url: str) -> int:
    import requests

    return requests.get(url, timeout=10).status_code


if __name__ == "__main__":
    app.worker_main(["worker", "--loglevel=INFO"])
