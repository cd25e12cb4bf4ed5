import os

import httpx
import orjson
from pydantic import BaseModel


class Alert(BaseModel):
    service: str
    severity: str = "warning"


def main() -> None:
    alert = Alert(service=os.environ.get("SERVICE", "api"))
    hook = os.environ.get("ALERT_WEBHOOK")
    if hook:
        httpx.post(hook, content=orjson.dumps(alert.model_dump()), timeout=5)
    print(alert.model_dump_json())


if __name__ == "__main__":
    main()
