import uvicorn
from fastapi import FastAPI
from shapely.geometry import Point

app = FastAPI()


@app.get("/buffer")
def buffer(x: float, y: float, r: float = 1.0):
    return {"area": Point(x, y).buffer(r).area}


if __name__ == "__main__":
    uvicorn.run(app, host="0.0.0.0", port=8080)
