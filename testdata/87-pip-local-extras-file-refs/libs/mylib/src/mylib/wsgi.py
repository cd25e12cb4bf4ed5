from flask import Flask

app = Flask("mylib")
