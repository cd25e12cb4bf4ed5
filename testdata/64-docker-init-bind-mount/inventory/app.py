from fastapi import FastAPI

app = FastAPI(title="inventory")
_stock = {"widget": 12, "gadget": 3}


@app.get("/stock/{sku}")
def stock(sku: str):
    return {"sku": sku, "count": _stock.get(sku, 0)}
