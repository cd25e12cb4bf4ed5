from shop import app
