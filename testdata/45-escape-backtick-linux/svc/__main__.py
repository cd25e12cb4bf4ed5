import os

import httpx
import structlog

log = structlog.get_logger()


def main():
    log.info("starting", config=os.environ.get("SVC_CONFIG"))
    with httpx.Client(timeout=5) as client:
        log.info("client ready", http2=client._transport is not None)


if __name__ == "__main__":
    main()
