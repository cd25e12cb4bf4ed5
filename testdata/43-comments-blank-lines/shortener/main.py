import hashlib

from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI(title="shortener")
_links: dict[str, str] = {}


class Link(BaseModel):
    url: str


@app.post("/links")
def create(link: Link):
    code = hashlib.sha256(link.url.encode()).hexdigest()[:8]
    _links[code] = link.url
    return {"code": code}


@app.get("/links/{code}")
def resolve(code: str):
    return {"url": _links.get(code)}
